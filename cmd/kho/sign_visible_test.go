package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/internal/testenv"
)

// textPDF is a one-page A4 PDF with exact xref offsets whose content
// stream is content (with Helvetica as /F1); none when content is empty.
func textPDF(content string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"}
	if content == "" {
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	} else {
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
			"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	}
	return pdfobj.Assemble("%PDF-1.7\n", objs...)
}

// redDiscPNG is a red disc on a transparent background, a stand-in seal.
func redDiscPNG(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 200, 200))
	for y := range 200 {
		for x := range 200 {
			if (x-100)*(x-100)+(y-100)*(y-100) < 90*90 {
				img.SetNRGBA(x, y, color.NRGBA{R: 230, G: 10, B: 20, A: 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// redPixels renders page 1 of file at 72 dpi and counts the red pixels in
// the box (PDF points on an A4 page).
func redPixels(t *testing.T, file string, box [4]int) int {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	img := testenv.RenderPage(t, raw, 1, 72)
	n := 0
	for y := 842 - box[3]; y < 842-box[1]; y++ {
		for x := box[0]; x < box[2]; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 150 && g>>8 < 100 && b>>8 < 100 {
				n++
			}
		}
	}
	return n
}

func TestSignVisible(t *testing.T) {
	e := newSignTestPKI(t)
	dir, pw, roots := e.dir, e.pw, e.roots
	seal := filepath.Join(dir, "seal.png")
	os.WriteFile(seal, redDiscPNG(t), 0o644)
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, textPDF("BT /F1 12 Tf 1 0 0 1 380 300 Tm (TM. UY BAN) Tj 1 0 0 1 460 300 Tm (NHAN DAN) Tj ET"), 0o644)
	sign := func(out string, extra ...string) (int, string, string) {
		args := append([]string{"sign", "--key", filepath.Join(dir, "seal.p12"), "--password-file", pw, "--trust", roots}, extra...)
		return runKho(t, nil, append(args, in, "-o", out)...)
	}

	// By rectangle.
	out := filepath.Join(dir, "rect.pdf")
	code, stdout, stderr := sign(out, "--visible-page", "1", "--visible-rect", "100,100,300,180", "--visible-kind", "seal", "--visible-image", seal)
	if code != 0 || !strings.Contains(stdout, "OK") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkPdfsig(t, out, 1)
	if n := redPixels(t, out, [4]int{100, 100, 300, 180}); n < 1000 {
		t.Fatalf("%d red pixels in the box", n)
	}
	if n := redPixels(t, out, [4]int{300, 0, 595, 842}); n != 0 {
		t.Fatalf("%d red pixels right of the box", n)
	}

	// By anchor, below "TM. UY BAN NHAN DAN", with its own text.
	out = filepath.Join(dir, "anchor.pdf")
	code, stdout, stderr = sign(out, "--visible-anchor", "TM. UY BAN NHAN DAN", "--visible-size", "160,60", "--visible-kind", "seal",
		"--visible-image", seal, "--visible-text", "Cơ quan: Ủy ban nhân dân phường Bến Thành")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkPdfsig(t, out, 1)
	if n := redPixels(t, out, [4]int{340, 230, 520, 295}); n < 1000 {
		t.Fatalf("%d red pixels below the anchor", n)
	}

	// Refusals: anchor not found, page out of range, bad flags, bad image.
	for _, tc := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"--visible-anchor", "GIÁM ĐỐC"}, 1, "Không tìm thấy đoạn văn bản neo “GIÁM ĐỐC” trong tệp PDF"},
		{[]string{"--visible-page", "2", "--visible-rect", "10,10,100,100"}, 1, "visible_page_out_of_range"},
		{[]string{"--visible-rect", "10,10,100"}, 2, "visible_rect_invalid"},
		{[]string{"--visible-kind", "stamp", "--visible-rect", "10,10,100,100"}, 2, "visible_kind_unknown"},
		{[]string{"--visible-image", seal}, 1, "visible_position_missing"},
		{[]string{"--visible-rect", "10,10,100,100", "--visible-image", in}, 1, "visible_image_invalid"},
		{[]string{"--visible-anchor", "TM.", "--visible-place", "under"}, 2, "visible_anchor_place_unknown"},
	} {
		o := filepath.Join(dir, "refused.pdf")
		code, _, stderr := sign(o, tc.args...)
		if code != tc.exit || !strings.Contains(stderr, tc.want) {
			t.Fatalf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.exit, tc.want, stderr)
		}
		if _, err := os.Stat(o); err == nil {
			t.Fatalf("%v: output written", tc.args)
		}
	}
}
