package forms

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs of the rendered forms")

// shippedDef parses a shipped definition.
func shippedDef(t testing.TB, file string) *Definition {
	t.Helper()
	raw, err := fs.ReadFile(Shipped(), file)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// birthValues is the realistic filled birth registration of
// testdata/render, validated as of testNow.
func birthValues(t testing.TB) (*Definition, Values) {
	t.Helper()
	d := shippedDef(t, "tk_khai_sinh.json")
	data, err := os.ReadFile("testdata/render/tk_khai_sinh.json")
	if err != nil {
		t.Fatal(err)
	}
	return d, mustValidate(t, d, data)
}

func mustValidate(t testing.TB, d *Definition, data []byte) Values {
	t.Helper()
	v, errs := testChecker().Validate(d, data)
	if len(errs) > 0 {
		t.Fatalf("example refused: %+v", errs)
	}
	return v
}

// renderBytes renders v to memory at testNow.
func renderBytes(t testing.TB, d *Definition, v Values, opts RenderOptions) []byte {
	t.Helper()
	opts.Now = func() time.Time { return testNow }
	var b bytes.Buffer
	if err := Render(context.Background(), d, v, &b, opts); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.Bytes()
}

// writeTemp writes b to a file in the test's temporary folder.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfText is pdftotext's reading of the PDF.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "pdftotext", "poppler-utils"), "-enc", "UTF-8", writeTemp(t, "f.pdf", pdf), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// qpdfCheck runs qpdf --check, which must pass without warnings.
func qpdfCheck(t testing.TB, pdf []byte) {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "qpdf", "qpdf"), "--check", writeTemp(t, "f.pdf", pdf)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") || strings.Contains(string(out), "WARNING") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

func TestRenderBirthText(t *testing.T) {
	d, v := birthValues(t)
	pdf := renderBytes(t, d, v, RenderOptions{SignerTitle: "NGƯỜI YÊU CẦU"})
	qpdfCheck(t, pdf)
	text := pdfText(t, pdf)
	for _, want := range []string{
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TỜ KHAI ĐĂNG KÝ KHAI SINH",
		"Nguyễn Thị Ngọc Ánh", "Trần Thị Mỹ Duyên", "Bệnh viện Từ Dũ", "02/11/2026",
		"☒ Nữ", "☐ Nam", "Phường Bến Nghé, ngày 20 tháng 11 năm 2026", "NGƯỜI YÊU CẦU",
		"Nguyễn Văn Hùng", "giay-chung-sinh.pdf (240 KB)", "Trang 1/2", "Trang 2/2", "I. NGƯỜI YÊU CẦU",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Làm tại:") || strings.Contains(text, "Ngày khai:") {
		t.Errorf("place and date repeated in the body:\n%s", text)
	}
	// The same values render to the same bytes.
	if !bytes.Equal(pdf, renderBytes(t, d, v, RenderOptions{SignerTitle: "NGƯỜI YÊU CẦU"})) {
		t.Error("rendering is not deterministic")
	}
}

// TestRenderGolden compares page 1 of the rendered birth registration,
// at 50 dpi, with testdata/render/tk_khai_sinh-1.png (-update rewrites
// it; on failure the rendering and a diff image are written beside it).
func TestRenderGolden(t *testing.T) {
	d, v := birthValues(t)
	pdf := renderBytes(t, d, v, RenderOptions{SignerTitle: "NGƯỜI YÊU CẦU"})
	for page := 1; page <= 2; page++ {
		goldenPage(t, pdf, fmt.Sprintf("testdata/render/tk_khai_sinh-%d.png", page), page)
	}
}

// imageDiff marks in red the pixels whose grey level differs by more than
// 48 of 255 and counts them; a size change counts every pixel.
func imageDiff(a, b image.Image) (*image.RGBA, int) {
	r := a.Bounds().Union(b.Bounds())
	out := image.NewRGBA(r)
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga := color.GrayModel.Convert(a.At(x, y)).(color.Gray).Y
			gb := color.GrayModel.Convert(b.At(x, y)).(color.Gray).Y
			pa, pb := image.Pt(x, y).In(a.Bounds()), image.Pt(x, y).In(b.Bounds())
			if !pa || !pb || max(ga, gb)-min(ga, gb) > 48 {
				n++
				out.Set(x, y, color.RGBA{255, 0, 0, 255})
				continue
			}
			out.Set(x, y, color.RGBA{gb, gb, gb, 255})
		}
	}
	return out, n
}

func writePNG(t testing.TB, name string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRenderUntrustedText: markup and control characters in values are
// drawn as the characters typed.
func TestRenderUntrustedText(t *testing.T) {
	d, v := birthValues(t)
	v.Data["noiSinh"] = "<script>alert(1)</script> <b>đậm</b> ) Tj ET BT (x\x07"
	text := pdfText(t, renderBytes(t, d, v, RenderOptions{}))
	if !strings.Contains(text, "<script>alert(1)</script> <b>đậm</b> ) Tj ET BT (x") {
		t.Errorf("markup not drawn as text:\n%s", text)
	}
}

// TestRenderMismatch: values of another form are refused.
func TestRenderMismatch(t *testing.T) {
	d, v := birthValues(t)
	v.Version = 99
	err := Render(context.Background(), d, v, &bytes.Buffer{}, RenderOptions{})
	if err == nil || !strings.Contains(err.Error(), "form_values_mismatch") {
		t.Fatalf("got %v", err)
	}
}

// TestRenderRows: dynamic rows are tables whose header repeats after a
// page break; every row's values are there.
func TestRenderRows(t *testing.T) {
	d := shippedDef(t, "hkd_dang_ky.json")
	data, err := os.ReadFile("testdata/render/hkd_dang_ky.json")
	if err != nil {
		t.Fatal(err)
	}
	v := mustValidate(t, d, data)
	pdf := renderBytes(t, d, v, RenderOptions{})
	qpdfCheck(t, pdf)
	text := pdfText(t, pdf)
	for _, want := range []string{"Bán lẻ cà phê, trà và đồ uống", "Bán lẻ quần áo may sẵn", "Phạm Văn Đức", "20/08/1983",
		"150.000.000 đồng", "35,5", "từ 06:30 đến 22:00", "☐ Một cá nhân thành lập", "☒ Các thành viên", "Lê Thị Thu Hà"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "STT"); n < 3 {
		t.Errorf("table headers: %d STT, want the rows' header repeated after the page break\n%s", n, text)
	}
	goldenPage(t, pdf, "testdata/render/hkd_dang_ky-1.png", 1)
}

// goldenPage compares a page at 50 dpi with the golden PNG (-update
// rewrites it; on failure the rendering and a diff image are written
// beside it).
func goldenPage(t *testing.T, pdf []byte, golden string, page int) {
	t.Helper()
	got := testenv.RenderPage(t, pdf, page, 50)
	if *update {
		writePNG(t, golden, got)
		return
	}
	f, err := os.Open(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./forms -run TestRender -update)", err)
	}
	want, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	diff, n := imageDiff(want, got)
	// Allow a little anti-aliasing noise between poppler versions.
	base := strings.TrimSuffix(golden, ".png")
	if limit := got.Bounds().Dx() * got.Bounds().Dy() / 200; n > limit {
		writePNG(t, base+".got.png", got)
		writePNG(t, base+".diff.png", diff)
		t.Errorf("page %d: %d pixels differ (limit %d); see %s.{got,diff}.png", page, n, limit, base)
	}
}

// TestRenderMissingGlyphs: characters DejaVu Sans lacks are drawn as "�"
// (never .notdef, which PDF/A forbids); the attached data keeps them.
func TestRenderMissingGlyphs(t *testing.T) {
	d, v := birthValues(t)
	v.Data["noiSinh"] = "Bệnh viện 漢字 Từ Dũ"
	pdf := renderBytes(t, d, v, RenderOptions{PDFA: true})
	qpdfCheck(t, pdf)
	if text := pdfText(t, pdf); !strings.Contains(text, "Bệnh viện ��") || !strings.Contains(text, "Từ Dũ") {
		t.Errorf("missing glyphs not replaced:\n%s", text)
	}
	if got := extractAttachment(t, pdf, "tk_khai_sinh.json"); !bytes.Contains(got, []byte("漢字 Từ Dũ")) {
		t.Errorf("attached JSON lost the characters: %s", got)
	}
}
