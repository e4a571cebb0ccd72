package signing

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

// testSealPNG draws a red round seal (two rings and a disc in the middle)
// on a transparent background, like an agency seal scanned to PNG.
func testSealPNG(t testing.TB, size int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	red := color.NRGBA{R: 220, G: 20, B: 30, A: 255}
	c := float64(size) / 2
	for y := range size {
		for x := range size {
			d := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c) / c
			if (d > 0.9 && d < 0.98) || (d > 0.72 && d < 0.76) || d < 0.2 {
				img.SetNRGBA(x, y, red)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testSignaturePNG draws a dark blue handwriting-like stroke on a
// transparent background.
func testSignaturePNG(t testing.TB) []byte {
	t.Helper()
	w, h := 300, 120
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	ink := color.NRGBA{R: 10, G: 20, B: 140, A: 255}
	for x := 20; x < 280; x++ {
		y := 60 + 35*math.Sin(float64(x)/18)*math.Exp(-float64(x)/400)
		for dy := -3; dy <= 3; dy++ {
			img.SetNRGBA(x, int(y)+dy, ink)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// renderPage renders page n of pdf at 72 dpi (one pixel per point) with
// poppler's pdftoppm.
func renderPage(t testing.TB, doc []byte, n int) image.Image {
	t.Helper()
	return testenv.RenderPage(t, doc, n, 72)
}

// pixelStats counts, in the area r of img (PDF points, origin bottom
// left, page height pageH), the red pixels, the blue-ish ones and the ones
// that are not white.
type pixelStats struct{ red, blue, nonWhite, total int }

func countPixels(img image.Image, r [4]float64, pageH float64) pixelStats {
	var s pixelStats
	b := img.Bounds()
	for y := int(pageH - r[3]); y < int(pageH-r[1]); y++ {
		for x := int(r[0]); x < int(r[2]); x++ {
			if !(image.Point{x, y}.In(b)) {
				continue
			}
			s.total++
			cr, cg, cb, _ := img.At(x, y).RGBA()
			R, G, B := cr>>8, cg>>8, cb>>8
			if R < 245 || G < 245 || B < 245 {
				s.nonWhite++
			}
			if R > 150 && G < 100 && B < 100 {
				s.red++
			}
			if B > 100 && R < 90 && G < 90 {
				s.blue++
			}
		}
	}
	return s
}

// imageDiff is the share of pixels whose colour differs by more than 48
// (of 255) in some channel, and whether the sizes match.
func imageDiff(a, b image.Image) (float64, bool) {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 1, false
	}
	diff, n := 0, 0
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			d := max(absDiff(r1, r2), absDiff(g1, g2), absDiff(b1, b2)) >> 8
			if d > 48 {
				diff++
			}
			n++
		}
	}
	return float64(diff) / float64(n), true
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// compareGolden compares the rendered area r of img with the golden PNG
// testdata/name, allowing 2% of differing pixels (font rasterising varies a
// little between poppler versions); -update rewrites the golden file.
func compareGolden(t *testing.T, img image.Image, r [4]float64, pageH float64, name string) {
	t.Helper()
	crop := image.NewNRGBA(image.Rect(0, 0, int(r[2]-r[0]), int(r[3]-r[1])))
	for y := range crop.Bounds().Dy() {
		for x := range crop.Bounds().Dx() {
			crop.Set(x, y, img.At(int(r[0])+x, int(pageH-r[3])+y))
		}
	}
	path := filepath.Join("testdata", name)
	if *updateGolden {
		var b bytes.Buffer
		if err := png.Encode(&b, crop); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -run %s -update)", path, err, t.Name())
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	d, sameSize := imageDiff(crop, want)
	if !sameSize || d > 0.02 {
		got := filepath.Join(t.TempDir(), name)
		var b bytes.Buffer
		_ = png.Encode(&b, crop)
		_ = os.WriteFile(got, b.Bytes(), 0o644)
		t.Fatalf("rendering differs from %s: %.1f%% of pixels (same size: %v); got %s", path, 100*d, sameSize, got)
	}
}

// appearanceText decodes the text shown by the appearance stream of the
// page's last signature widget through its font's ToUnicode CMap, one
// string per Tj.
func appearanceText(t *testing.T, doc []byte, page int) []string {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	annots := rdr.Page(page).V.Key("Annots")
	if annots.Len() == 0 {
		t.Fatal("no annotation on the page")
	}
	ap := annots.Index(annots.Len() - 1).Key("AP").Key("N")
	content := readStream(t, ap)
	font := ap.Key("Resources").Key("Font").Key("F1")
	if font.Key("Subtype").Name() != "Type0" || font.Key("Encoding").Name() != "Identity-H" ||
		font.Key("DescendantFonts").Index(0).Key("Subtype").Name() != "CIDFontType2" ||
		font.Key("DescendantFonts").Index(0).Key("FontDescriptor").Key("FontFile2").IsNull() {
		t.Fatalf("font is not an embedded Type0/CIDFontType2 with Identity-H: %v", font)
	}
	if !regexp.MustCompile(`^[A-Z]{6}\+DejaVuSans$`).MatchString(font.Key("BaseFont").Name()) {
		t.Fatalf("BaseFont %q is not a subset name", font.Key("BaseFont").Name())
	}
	cmap := map[string]string{}
	for _, m := range regexp.MustCompile(`<([0-9A-F]{4})> <([0-9A-F]+)>`).FindAllStringSubmatch(readStream(t, font.Key("ToUnicode")), -1) {
		var u []uint16
		for i := 0; i+4 <= len(m[2]); i += 4 {
			v, _ := strconv.ParseUint(m[2][i:i+4], 16, 16)
			u = append(u, uint16(v))
		}
		cmap[m[1]] = string(utf16Decode(u))
	}
	var out []string
	for _, m := range regexp.MustCompile(`<([0-9A-F]*)> Tj`).FindAllStringSubmatch(content, -1) {
		var s strings.Builder
		for i := 0; i+4 <= len(m[1]); i += 4 {
			txt, ok := cmap[m[1][i:i+4]]
			if !ok {
				t.Fatalf("glyph %s has no ToUnicode entry", m[1][i:i+4])
			}
			s.WriteString(txt)
		}
		out = append(out, s.String())
	}
	return out
}

func utf16Decode(u []uint16) []rune {
	var out []rune
	for i := 0; i < len(u); i++ {
		if u[i] >= 0xD800 && u[i] < 0xDC00 && i+1 < len(u) {
			out = append(out, (rune(u[i])-0xD800)<<10+(rune(u[i+1])-0xDC00)+0x10000)
			i++
			continue
		}
		out = append(out, rune(u[i]))
	}
	return out
}

func readStream(t *testing.T, v pdf.Value) string {
	t.Helper()
	rc := v.Reader()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fixedNow is 14:30:05 on 23/11/2026 in Vietnam.
func fixedNow() time.Time { return time.Date(2026, 11, 23, 7, 30, 5, 0, time.UTC) }

func TestVisibleSeal(t *testing.T) {
	e := getEnv(t)
	rect := [4]float64{300, 80, 540, 180}
	s := e.signer(t, pki.Seal, Options{Visible: &Appearance{Page: 1, Rect: rect, Kind: AppearanceSeal, Image: testSealPNG(t, 400),
		Lines: []string{"Cơ quan: Ủy ban nhân dân phường Bến Thành", "Thời gian ký: " + FormatSigningTime(fixedNow())}}})
	signed := signBytes(t, s, makePDF(1))
	if rep := runPdfsig(t, signed); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}
	wantVerdicts(t, verifyBytes(t, signed, VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()}), TotalPassed, "", e.pki.Identity(pki.Seal).Cert.Subject.CommonName)

	img := renderPage(t, signed, 1)
	in := countPixels(img, rect, 842)
	if in.red < in.total/20 || in.blue < 50 {
		t.Fatalf("in the box: %+v; want red seal pixels and blue text", in)
	}
	// Outside the box and the page's own text line, the page stays white.
	for _, r := range [][4]float64{{0, 0, 595, rect[1] - 1}, {0, rect[3] + 1, 595, 740}, {0, rect[1], rect[0] - 1, rect[3]}, {rect[2] + 1, rect[1], 595, rect[3]}} {
		if out := countPixels(img, r, 842); out.nonWhite != 0 {
			t.Fatalf("outside the box %v: %+v", r, out)
		}
	}
	compareGolden(t, img, rect, 842, "visible-seal.png")
	got := appearanceText(t, signed, 1)
	want := []string{"Cơ quan: Ủy ban nhân dân", "phường Bến Thành", "Thời gian ký: 14:30:05", "23/11/2026 +07:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("appearance text %q, want %q", got, want)
	}
	t.Logf("the visible seal signature added %d bytes", len(signed)-len(makePDF(1)))
	if len(signed)-len(makePDF(1)) > 120<<10 {
		t.Fatalf("the visible signature added %d bytes", len(signed)-len(makePDF(1)))
	}
}

func TestVisiblePersonalThenSeal(t *testing.T) {
	e := getEnv(t)
	personal := e.pki.Identity(pki.Personal).Cert.Subject.CommonName
	seal := e.pki.Identity(pki.Seal).Cert.Subject.CommonName
	r1 := [4]float64{60, 80, 260, 180}
	first := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL, Name: "Nguyễn Thị Ngọc Ánh",
		Visible: &Appearance{Page: 2, Rect: r1, Image: testSignaturePNG(t)}}), makePDF(2))
	r2 := [4]float64{300, 80, 540, 180}
	now := time.Now().Truncate(time.Second)
	second := signBytes(t, e.signer(t, pki.Seal, Options{Level: LevelBLTA, TSAURL: e.tsaURL, Now: func() time.Time { return now }, Visible: &Appearance{Page: 2, Rect: r2, Kind: AppearanceSeal, Image: testSealPNG(t, 300)}}), first)

	// The seal is B-LTA: a DSS and a document time-stamp follow it.
	rep := runPdfsig(t, second)
	if len(rep.signatures) != 3 || rep.signatures[0].validation != "Signature is Valid." || rep.signatures[1].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}
	vr := verifyBytes(t, second, VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()})
	for i, s := range vr.Signatures {
		if s.Verdict != TotalPassed {
			t.Fatalf("verify: signature %d %s/%s %s", i, s.Verdict, s.SubIndication, s.Detail)
		}
	}
	if len(vr.Signatures) != 3 || vr.Signatures[0].Verdict != TotalPassed || vr.Signatures[1].Verdict != TotalPassed ||
		vr.Signatures[0].Signer.CommonName != personal || vr.Signatures[1].Signer.CommonName != seal || !vr.Signatures[0].Timestamp.Present {
		t.Fatalf("verify: %+v %+v", vr.Signatures[0], vr.Signatures[1])
	}
	if got := appearanceText(t, first, 2); len(got) != 1 || got[0] != "Nguyễn Thị Ngọc Ánh" {
		t.Fatalf("personal appearance text %q", got)
	}
	// The default seal lines: the certificate's organisation and the time.
	if got := appearanceText(t, second, 2); strings.Join(got, " ") != "Cơ quan: "+seal+" Thời gian ký: "+FormatSigningTime(now) {
		t.Fatalf("seal appearance text %q", got)
	}
	img := renderPage(t, second, 2)
	if st := countPixels(img, r1, 842); st.blue < 200 || st.red != 0 {
		t.Fatalf("personal box: %+v", st)
	}
	if st := countPixels(img, r2, 842); st.red < 500 {
		t.Fatalf("seal box: %+v", st)
	}
	compareGolden(t, img, r1, 842, "visible-personal.png")
	// Page 1 has no signature appearance.
	if st := countPixels(renderPage(t, second, 1), [4]float64{0, 0, 595, 740}, 842); st.nonWhite != 0 {
		t.Fatalf("page 1 below its text line: %+v", st)
	}
}

// makeAnchorPDF is a one-page A4 PDF whose text is placed piece by piece,
// as word processors do: the anchor line "TM. UY BAN NHAN DAN" is split over
// three Tj, one space written as a jump of the text matrix; a second
// occurrence stands lower on the page. (A standard-14 font with WinAnsi
// cannot show Vietnamese letters, hence ASCII.)
func makeAnchorPDF() []byte {
	text := "BT /F1 12 Tf 1 0 0 1 350 300 Tm (TM. UY) Tj 1 0 0 1 400 300 Tm (BAN ) Tj (NHAN DAN) Tj ET\n" +
		"BT /F1 12 Tf 1 0 0 1 72 700 Tm (Noi nhan:) Tj ET\n" +
		"BT /F1 12 Tf 1 0 0 1 380 120 Tm (TM. UY BAN NHAN DAN) Tj ET"
	return assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" + strings.Repeat("556 ", 95) + "] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
	})
}

func TestPlaceAppearance(t *testing.T) {
	doc := makeAnchorPDF()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	two := makePDF(2)
	rdr2, err := pdf.NewReader(bytes.NewReader(two), int64(len(two)))
	if err != nil {
		t.Fatal(err)
	}
	// The first "TM. UY BAN NHAN DAN" starts at x=350 and ends at
	// 400 + 12 glyphs ("BAN NHAN DAN", its space included) × 6.672 pt; its
	// baseline is at y=300.
	end := 400 + 12*0.556*12
	cx := (350 + end) / 2
	for _, tc := range []struct {
		name     string
		rdr      *pdf.Reader
		a        Appearance
		wantPage int
		want     [4]float64
		code     string
	}{
		{"rect", rdr2, Appearance{Page: 2, Rect: [4]float64{10, 10, 110, 60}}, 2, [4]float64{10, 10, 110, 60}, ""},
		{"rect default page", rdr2, Appearance{Rect: [4]float64{10, 10, 110, 60}}, 1, [4]float64{10, 10, 110, 60}, ""},
		{"page out of range", rdr2, Appearance{Page: 3, Rect: [4]float64{10, 10, 110, 60}}, 0, [4]float64{}, "visible_page_out_of_range"},
		{"rect off the page", rdr2, Appearance{Page: 1, Rect: [4]float64{500, 10, 700, 60}}, 0, [4]float64{}, "visible_rect_outside_page"},
		{"anchor below", rdr, Appearance{Anchor: &Anchor{Text: "TM. ỦY BAN NHÂN DÂN", Width: 160, Height: 60}}, 0, [4]float64{}, "visible_anchor_not_found"},
		{"anchor below ascii", rdr, Appearance{Anchor: &Anchor{Text: "tm. uy ban nhan dan", Width: 160, Height: 60}}, 1,
			[4]float64{cx - 80, 300 - 0.22*12 - 4 - 60, cx + 80, 300 - 0.22*12 - 4}, ""},
		{"anchor over, second occurrence", rdr, Appearance{Page: 1, Anchor: &Anchor{Text: "TM.UYBANNHANDAN", Occurrence: 2, Place: AnchorOver, Width: 100, Height: 40}}, 1,
			[4]float64{380 + 19*6.672/2 - 50, 120 + 0.28*12 - 20, 380 + 19*6.672/2 + 50, 120 + 0.28*12 + 20}, ""},
		{"anchor third occurrence", rdr, Appearance{Anchor: &Anchor{Text: "UY BAN", Occurrence: 3}}, 0, [4]float64{}, "visible_anchor_not_found"},
		{"anchor right, shifted onto the page", rdr, Appearance{Anchor: &Anchor{Text: "Noi nhan:", Place: AnchorRight, Width: 560, Height: 50}}, 1,
			[4]float64{35, 700 + 0.28*12 - 25, 595, 700 + 0.28*12 + 25}, ""},
		{"anchor above", rdr, Appearance{Anchor: &Anchor{Text: "Noi nhan", Place: AnchorAbove, Gap: 10}}, 1,
			[4]float64{72 + 8*6.672/2 - 85, 700 + 0.78*12 + 10, 72 + 8*6.672/2 + 85, 700 + 0.78*12 + 10 + 70}, ""},
		{"anchor box larger than the page", rdr, Appearance{Anchor: &Anchor{Text: "Noi", Width: 600, Height: 50}}, 0, [4]float64{}, "visible_box_too_large"},
		{"anchor on another page", rdr2, Appearance{Page: 1, Anchor: &Anchor{Text: "page 2 of 2"}}, 0, [4]float64{}, "visible_anchor_not_found"},
		{"anchor on any page", rdr2, Appearance{Anchor: &Anchor{Text: "page 2 of 2"}}, 2, [4]float64{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			if err := a.validate(); err != nil {
				t.Fatal(err)
			}
			page, r, err := placeAppearance(tc.rdr, &a)
			if tc.code != "" {
				wantCode(t, err, kerr.Invalid, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if page != tc.wantPage {
				t.Fatalf("page %d, want %d", page, tc.wantPage)
			}
			if tc.want == [4]float64{} {
				return
			}
			for i := range r {
				if math.Abs(r[i]-tc.want[i]) > 0.01 {
					t.Fatalf("rect %v, want %v", r, tc.want)
				}
			}
		})
	}
	// The message names the anchor and the page.
	a := Appearance{Page: 1, Anchor: &Anchor{Text: "CHỦ TỊCH"}}
	_, _, err = placeAppearance(rdr, &a)
	if _, msg := kerr.Public(err); msg != "Không tìm thấy đoạn văn bản neo “CHỦ TỊCH” trên trang 1." {
		t.Fatalf("message %q", msg)
	}
}

func TestVisibleAnchorSigned(t *testing.T) {
	e := getEnv(t)
	s := e.signer(t, pki.Personal, Options{Visible: &Appearance{Anchor: &Anchor{Text: "TM. UY BAN NHAN DAN", Width: 160, Height: 60}, Image: testSignaturePNG(t)}})
	signed := signBytes(t, s, makeAnchorPDF())
	if rep := runPdfsig(t, signed); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}
	end := 400 + 12*0.556*12
	cx := (350 + end) / 2
	box := [4]float64{cx - 80, 300 - 0.22*12 - 4 - 60, cx + 80, 300 - 0.22*12 - 4}
	if st := countPixels(renderPage(t, signed, 1), box, 842); st.blue < 200 {
		t.Fatalf("no signature in the box below the anchor: %+v", st)
	}
	// Not found: nothing is written.
	s = e.signer(t, pki.Personal, Options{Visible: &Appearance{Page: 1, Anchor: &Anchor{Text: "GIÁM ĐỐC"}}})
	var out bytes.Buffer
	_, err := s.Sign(context.Background(), bytes.NewReader(makeAnchorPDF()), int64(len(makeAnchorPDF())), &out)
	wantCode(t, err, kerr.Invalid, "visible_anchor_not_found")
	if out.Len() != 0 {
		t.Fatal("output written on error")
	}
}

func TestAppearanceOptionErrors(t *testing.T) {
	e := getEnv(t)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 20, 10)), nil); err != nil {
		t.Fatal(err)
	}
	huge := func() []byte { // a valid PNG header claiming 5000 × 10 pixels
		var b bytes.Buffer
		_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 5000, 10)))
		return b.Bytes()
	}()
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	rect := [4]float64{10, 10, 200, 80}
	for _, tc := range []struct {
		name string
		a    Appearance
		opt  Options
		kind kerr.Kind
		code string
	}{
		{"no position", Appearance{}, Options{}, kerr.Invalid, "visible_position_missing"},
		{"rect and anchor", Appearance{Rect: rect, Anchor: &Anchor{Text: "x"}}, Options{}, kerr.Invalid, "visible_rect_and_anchor"},
		{"inverted rect", Appearance{Rect: [4]float64{200, 10, 10, 80}}, Options{}, kerr.Invalid, "visible_rect_invalid"},
		{"tiny rect", Appearance{Rect: [4]float64{10, 10, 15, 80}}, Options{}, kerr.Invalid, "visible_rect_invalid"},
		{"NaN rect", Appearance{Rect: [4]float64{math.NaN(), 10, 200, 80}}, Options{}, kerr.Invalid, "visible_rect_invalid"},
		{"negative page", Appearance{Page: -1, Rect: rect}, Options{}, kerr.Invalid, "visible_page_invalid"},
		{"empty anchor", Appearance{Anchor: &Anchor{Text: "  "}}, Options{}, kerr.Invalid, "visible_anchor_empty"},
		{"negative size", Appearance{Anchor: &Anchor{Text: "x", Width: -5}}, Options{}, kerr.Invalid, "visible_anchor_invalid"},
		{"bad kind", Appearance{Rect: rect, Kind: 9}, Options{}, kerr.Invalid, "visible_kind_unknown"},
		{"not an image", Appearance{Rect: rect, Image: []byte("hello")}, Options{}, kerr.Invalid, "visible_image_invalid"},
		{"gif", Appearance{Rect: rect, Image: gif}, Options{}, kerr.Invalid, "visible_image_invalid"},
		{"too many pixels", Appearance{Rect: rect, Image: huge}, Options{}, kerr.TooLarge, "visible_image_too_large"},
		{"too many bytes", Appearance{Rect: rect, Image: make([]byte, maxImageBytes+1)}, Options{}, kerr.TooLarge, "visible_image_too_large"},
		{"certification", Appearance{Rect: rect}, Options{Certification: CertifyNoChanges}, kerr.Invalid, "visible_certification_unsupported"},
		{"too many lines", Appearance{Rect: rect, Lines: make([]string, 9)}, Options{}, kerr.Invalid, "visible_text_too_long"},
		{"line too long", Appearance{Rect: rect, Lines: []string{strings.Repeat("ễ", 201)}}, Options{}, kerr.Invalid, "visible_text_too_long"},
		{"control character", Appearance{Rect: rect, Lines: []string{"a\x00b"}}, Options{}, kerr.Invalid, "visible_text_too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opt
			opts.Checker = e.checker()
			opts.Visible = &tc.a
			_, err := New(e.key(t, pki.Personal), opts)
			wantCode(t, err, tc.kind, tc.code)
		})
	}
	// A JPEG is accepted.
	if _, err := New(e.key(t, pki.Personal), Options{Checker: e.checker(), Visible: &Appearance{Rect: rect, Image: jpg.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	// A line with a character the font lacks is refused when signing.
	s := e.signer(t, pki.Personal, Options{Visible: &Appearance{Rect: rect, Lines: []string{"签名"}}})
	var out bytes.Buffer
	_, err := s.Sign(context.Background(), bytes.NewReader(makePDF(1)), int64(len(makePDF(1))), &out)
	wantCode(t, err, kerr.Invalid, "visible_text_unsupported")
}

func TestLayoutFits(t *testing.T) {
	f := fonts.DejaVuSans()
	for _, tc := range []struct {
		kind       AppearanceKind
		w, h       float64
		imgW, imgH int
		lines      []string
	}{
		{AppearancePersonal, 200, 100, 300, 120, []string{"Nguyễn Thị Ngọc Ánh"}},
		{AppearancePersonal, 60, 30, 0, 0, []string{"Nguyễn Thị Ngọc Ánh"}},
		{AppearanceSeal, 240, 100, 400, 400, []string{"Cơ quan: Ủy ban nhân dân phường Bến Thành", "Thời gian ký: 14:30:05 23/11/2026 +07:00"}},
		{AppearanceSeal, 120, 40, 400, 400, []string{"Cơ quan: Ủy ban nhân dân phường Bến Thành", "Thời gian ký: 14:30:05 23/11/2026 +07:00"}},
		{AppearanceSeal, 100, 100, 400, 400, nil},
	} {
		l := layoutAppearance(tc.kind, tc.w, tc.h, tc.imgW, tc.imgH, tc.lines, f)
		if l.image != nil && (l.image.x < -0.01 || l.image.y < -0.01 || l.image.x+l.image.w > tc.w+0.01 || l.image.y+l.image.h > tc.h+0.01) {
			t.Errorf("%v: image %+v outside %gx%g", tc, *l.image, tc.w, tc.h)
		}
		if (tc.imgW > 0) != (l.image != nil) {
			t.Errorf("%v: image %v", tc, l.image)
		}
		joined := ""
		for _, ln := range l.lines {
			joined += strings.ReplaceAll(ln.s, " ", "")
			if l.fontSize > minFontSize && (ln.x < 0 || ln.x+f.Width(ln.s, l.fontSize) > tc.w+0.01 || ln.y < 0 || ln.y+l.fontSize > tc.h+0.01) {
				t.Errorf("%v: line %+v at %g pt leaves the box", tc, ln, l.fontSize)
			}
		}
		if want := strings.ReplaceAll(strings.Join(tc.lines, ""), " ", ""); joined != want {
			t.Errorf("%v: text %q, want %q", tc, joined, want)
		}
	}
}

// objectList collects PDF objects numbered from first, like pdfsign's
// SignContext.AddObject.
type objectList struct {
	first int
	objs  []string
}

func (l *objectList) AddObject(b []byte) (uint32, error) {
	l.objs = append(l.objs, string(b))
	return uint32(l.first + len(l.objs) - 1), nil
}

// makeVietnamesePDF is a two-page A4 PDF whose text is in a composite font
// (Type0, Identity-H, ToUnicode), as Microsoft Word writes Vietnamese: page
// 2 has "TM. ỦY BAN NHÂN DÂN" at (350, 300) shown by a TJ with kerning
// between pieces, and "CHỦ TỊCH" below it at (380, 282), in a content
// array of two streams, under a cm scaling of 0.5 with the text at 26 pt.
func makeVietnamesePDF(t testing.TB) []byte {
	t.Helper()
	f := fonts.DejaVuSans()
	pieces := []string{"TM. ", "ỦY BAN", " NHÂN DÂN", "CHỦ TỊCH", "Trang một"}
	var shaped [][]fonts.Shaped
	for _, p := range pieces {
		shaped = append(shaped, f.Shape(p))
	}
	pf, err := f.NewPDFFont(shaped...)
	if err != nil {
		t.Fatal(err)
	}
	hexOf := func(s string) string { return pf.Hex(f.Shape(s)) }
	page1 := "BT /F1 12 Tf 1 0 0 1 72 760 Tm " + hexOf("Trang một") + " Tj ET"
	c1 := "q 0.5 0 0 0.5 0 0 cm BT /F1 26 Tf 1 0 0 1 700 600 Tm [" + hexOf(pieces[0]) + " -120 " + hexOf(pieces[1]) + " 80 " + hexOf(pieces[2]) + "] TJ ET Q"
	c2 := "BT /F1 13 Tf 1 0 0 1 380 282 Tm " + hexOf(pieces[3]) + " Tj ET"
	// Objects 1-4: catalog, pages, page 1, page 2; then the font's objects;
	// then the three content streams.
	list := &objectList{first: 5}
	font, err := pf.Embed(list)
	if err != nil {
		t.Fatal(err)
	}
	c := 5 + len(list.objs)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", font, c),
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents [%d 0 R %d 0 R] >>", font, c+1, c+2),
	}
	objs = append(objs, list.objs...)
	for _, c := range []string{page1, c1, c2} {
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c))
	}
	return assemblePDF(objs)
}

func TestAnchorInCompositeFont(t *testing.T) {
	doc := makeVietnamesePDF(t)
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, it := range pageText(rdr.Page(2)) {
		got.WriteString(it.s)
	}
	if got.String() != "TM.ỦYBANNHÂNDÂNCHỦTỊCH" {
		t.Fatalf("page 2 text %q", got.String())
	}
	f := fonts.DejaVuSans()
	// 350 + the advances at 13 pt + the TJ adjustments (120 and -80
	// thousandths of 26 pt, scaled by 0.5).
	end := 350 + f.Width("TM. ỦY BAN NHÂN DÂN", 13) + 0.120*13 - 0.080*13
	cx := (350 + end) / 2
	for _, tc := range []struct {
		a    Appearance
		page int
		want [4]float64
	}{
		{Appearance{Anchor: &Anchor{Text: "tm. ủy ban nhân dân", Width: 160, Height: 60}}, 2, [4]float64{cx - 80, 300 - 0.22*13 - 4 - 60, cx + 80, 300 - 0.22*13 - 4}},
		{Appearance{Page: 2, Anchor: &Anchor{Text: "CHỦ TỊCH", Place: AnchorRight, Width: 100, Height: 40, Gap: 10}}, 2,
			[4]float64{380 + f.Width("CHỦ TỊCH", 13) + 10, 282 + 0.28*13 - 20, 380 + f.Width("CHỦ TỊCH", 13) + 110, 282 + 0.28*13 + 20}},
		{Appearance{Anchor: &Anchor{Text: "Trang một"}}, 1, [4]float64{}},
	} {
		a := tc.a
		if err := a.validate(); err != nil {
			t.Fatal(err)
		}
		page, r, err := placeAppearance(rdr, &a)
		if err != nil {
			t.Fatalf("%q: %v", a.Anchor.Text, err)
		}
		if page != tc.page {
			t.Fatalf("%q: page %d, want %d", a.Anchor.Text, page, tc.page)
		}
		for i := range r {
			if tc.want != ([4]float64{}) && math.Abs(r[i]-tc.want[i]) > 0.2 {
				t.Fatalf("%q: rect %v, want %v", a.Anchor.Text, r, tc.want)
			}
		}
	}

	// Signed below "CHỦ TỊCH" with a B-T time-stamp: valid, and the
	// signature is drawn there.
	e := getEnv(t)
	s := e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL, Visible: &Appearance{Anchor: &Anchor{Text: "CHỦ TỊCH", Width: 150, Height: 60}, Image: testSignaturePNG(t)}})
	signed := signBytes(t, s, doc)
	if rep := runPdfsig(t, signed); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}
	cx = 380 + f.Width("CHỦ TỊCH", 13)/2
	box := [4]float64{cx - 75, 282 - 0.22*13 - 4 - 60, cx + 75, 282 - 0.22*13 - 4}
	if st := countPixels(renderPage(t, signed, 2), box, 842); st.blue < 300 {
		t.Fatalf("no signature below the anchor: %+v", st)
	}
	if got := appearanceText(t, signed, 2); len(got) != 1 || got[0] != e.pki.Identity(pki.Personal).Cert.Subject.CommonName {
		t.Fatalf("appearance text %q", got)
	}
}

// TestVisibleMutatedInputs signs mutated copies of the composite-font PDF
// with an anchored visible signature: each is signed or refused with kind
// Invalid, quickly, without a panic (the anchor search parses content
// streams and CMaps of the input).
func TestVisibleMutatedInputs(t *testing.T) {
	s := quickSigner(t)
	var err error
	s.opts.Visible, s.visible, err = prepareVisible(Appearance{Anchor: &Anchor{Text: "CHỦ TỊCH"}, Kind: AppearanceSeal, Image: testSealPNG(t, 64)}, CertifyNone)
	if err != nil {
		t.Fatal(err)
	}
	base := makeVietnamesePDF(t)
	n := 400
	if testing.Short() {
		n = 100
	}
	signMutated(t, s, base, 3, n)
}

// TestVisibleOnRotatedPage signs a page with /Rotate 90 (shown landscape,
// 842 × 595) whose text is drawn turned so that it reads upright: the
// anchored box goes below the text as shown, and a box given by rectangle
// (in the page's own coordinates) shows upright, the same as on an
// unrotated page.
func TestVisibleOnRotatedPage(t *testing.T) {
	text := "BT /F1 12 Tf 0 1 -1 0 300 350 Tm (TM. UY BAN NHAN DAN) Tj ET"
	doc := assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 /Rotate 90 >>", // inherited
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" + strings.Repeat("556 ", 95) + "] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
	})
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	// As shown, the text runs from x=350 on a baseline at y=595-300=295.
	end := 350 + 19*0.556*12
	cx := (350 + end) / 2
	visual := [4]float64{cx - 80, 295 - 0.22*12 - 4 - 60, cx + 80, 295 - 0.22*12 - 4}
	a := Appearance{Anchor: &Anchor{Text: "TM. UY BAN NHAN DAN", Width: 160, Height: 60}}
	if err := a.validate(); err != nil {
		t.Fatal(err)
	}
	_, r, err := placeAppearance(rdr, &a)
	if err != nil {
		t.Fatal(err)
	}
	// In the page's own space: x = 595 - visual y, y = visual x.
	want := [4]float64{595 - visual[3], visual[0], 595 - visual[1], visual[2]}
	for i := range r {
		if math.Abs(r[i]-want[i]) > 0.01 {
			t.Fatalf("rect %v, want %v", r, want)
		}
	}

	e := getEnv(t)
	s := e.signer(t, pki.Personal, Options{Visible: &Appearance{Anchor: a.Anchor, Image: testSignaturePNG(t)}})
	signed := signBytes(t, s, doc)
	img := renderPage(t, signed, 1)
	if img.Bounds().Dx() != 842 || img.Bounds().Dy() != 595 {
		t.Fatalf("rendered %v, want landscape 842 × 595", img.Bounds())
	}
	if st := countPixels(img, visual, 595); st.blue < 200 {
		t.Fatalf("no signature below the anchor as shown: %+v", st)
	}

	// A 100 × 200 box in page space is 200 × 100 as shown, upright: it
	// renders like the unrotated golden image.
	s = e.signer(t, pki.Personal, Options{Name: "Nguyễn Thị Ngọc Ánh", Visible: &Appearance{Rect: [4]float64{300, 400, 400, 600}, Image: testSignaturePNG(t)}})
	signed = signBytes(t, s, doc)
	if rep := runPdfsig(t, signed); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}
	compareGolden(t, renderPage(t, signed, 1), [4]float64{400, 195, 600, 295}, 595, "visible-personal.png")
}

// BenchmarkSignVisible signs a one-page PDF at B-B with a visible seal
// (a 400 × 400 PNG with transparency and two lines of Vietnamese text), to
// set beside BenchmarkSign1PageBB: the difference is the appearance.
func BenchmarkSignVisible(b *testing.B) {
	benchSignAs(b, pki.Seal, 1, Options{Visible: &Appearance{Rect: [4]float64{300, 80, 540, 180}, Kind: AppearanceSeal, Image: testSealPNG(b, 400)}})
}

// BenchmarkSignSealInvisible is BenchmarkSignVisible's baseline: the same
// key, no appearance.
func BenchmarkSignSealInvisible(b *testing.B) { benchSignAs(b, pki.Seal, 1, Options{}) }

// BenchmarkAppearance measures the seal appearance alone (layout, image
// and font objects): "cold" with a new Signer's cache each time (decoding
// and compressing the 400 × 400 PNG, cutting the font subset), "warm" as
// every signature after a Signer's first.
func BenchmarkAppearance(b *testing.B) {
	seal := testSealPNG(b, 400)
	lines := []string{"Cơ quan: Ủy ban nhân dân phường Bến Thành", "Thời gian ký: " + FormatSigningTime(time.Now())}
	rect := [4]float64{300, 80, 540, 180}
	for _, warm := range []bool{false, true} {
		name := map[bool]string{false: "cold", true: "warm"}[warm]
		b.Run(name, func(b *testing.B) {
			_, cache, err := prepareVisible(Appearance{Rect: rect, Kind: AppearanceSeal, Image: seal}, CertifyNone)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if !warm {
					if _, cache, err = prepareVisible(Appearance{Rect: rect, Kind: AppearanceSeal, Image: seal}, CertifyNone); err != nil {
						b.Fatal(err)
					}
				}
				r := &renderer{kind: AppearanceSeal, lines: lines, font: fonts.DejaVuSans(), cache: cache}
				if _, err := r.appearance(&objectList{first: 100}, rect); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestVisibleCacheKeepsOneSubset signs with the default seal lines at two
// times: the time line changes, the font subset does not (digits are
// always in it), so the Signer made it once.
func TestVisibleCacheKeepsOneSubset(t *testing.T) {
	e := getEnv(t)
	at := time.Now().Add(-time.Minute)
	s := e.signer(t, pki.Seal, Options{Now: func() time.Time { return at }, Visible: &Appearance{Rect: [4]float64{300, 80, 540, 180}, Kind: AppearanceSeal}})
	first := signBytes(t, s, makePDF(1))
	at = at.Add(37*time.Second + 2*time.Hour)
	second := signBytes(t, s, makePDF(1))
	if len(s.visible.fonts) != 1 {
		t.Fatalf("%d font subsets made, want 1", len(s.visible.fonts))
	}
	a, b := appearanceText(t, first, 1), appearanceText(t, second, 1)
	if strings.Join(a, " ") == strings.Join(b, " ") || !strings.Contains(strings.Join(b, " "), FormatSigningTime(at)) {
		t.Fatalf("appearance texts %q and %q", a, b)
	}
}

// FuzzToUnicodeCMap feeds arbitrary CMaps to the ToUnicode parser of the
// anchor search: it returns, quickly and within its budget, never panics.
// Seeds: single codes, ranges in both forms, and a flood of ranges.
func FuzzToUnicodeCMap(f *testing.F) {
	f.Add([]byte("1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <41> <0041> <42> <1EE6> endbfchar"))
	f.Add([]byte("1 beginbfrange <0010> <0020> <0041> endbfrange 1 beginbfrange <30> <32> [<0061> <D83DDE00> <00620063>] endbfrange"))
	f.Add(bytes.Repeat([]byte("beginbfrange <00000000> <0000FFFF> <0041> "), 100))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		m := parseCMap(data)
		if len(m) > maxCMapWork {
			t.Fatalf("%d entries", len(m))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}

func TestParseCMap(t *testing.T) {
	m := parseCMap([]byte("2 beginbfchar <0041> <1EE6> <0042> <D83DDE00> endbfchar\n" +
		"2 beginbfrange <0050> <0052> <0061> <0060> <0061> [<0078> <00790079>] endbfrange"))
	want := map[uint32]string{0x41: "Ủ", 0x42: "😀", 0x50: "a", 0x51: "b", 0x52: "c", 0x60: "x", 0x61: "yy"}
	if len(m) != len(want) {
		t.Fatalf("got %v", m)
	}
	for k, v := range want {
		if m[k] != v {
			t.Fatalf("code %#x: %q, want %q (all: %v)", k, m[k], v, m)
		}
	}
}

// makeSmallType0PDF is a one-page PDF showing "CHỦ TỊCH" in a composite
// font reduced to what the anchor search reads (codes 1-8, a ToUnicode
// CMap with a bfchar and a bfrange, a W array; no font program): a small
// fuzzing seed.
func makeSmallType0PDF() []byte {
	text := "BT /F1 12 Tf 1 0 0 1 100 300 Tm [<0001000200030004> -50 <0005000600070008>] TJ ET"
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
		"3 beginbfchar <0001> <0043> <0002> <0048> <0003> <1EE6> endbfchar\n2 beginbfrange <0004> <0004> <0020> <0005> <0008> [<0054> <1ECA> <0043> <0048>] endbfrange\n" +
		"endcmap CMapName currentdict /CMap defineresource pop end end"
	return assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+X /DW 600 /W [1 [700 750] 3 3 720] >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(cmap), cmap),
	})
}

// FuzzVisibleSign signs arbitrary bytes with an anchored visible seal: the
// anchor search reads the input's content streams, fonts and CMaps. It
// must sign or refuse with kind Invalid, never panic. Seeds: the anchor
// fixtures, kept in testdata/fuzz/FuzzVisibleSign with what fuzzing found.
func FuzzVisibleSign(f *testing.F) {
	f.Add(makeAnchorPDF())
	f.Add(makeSmallType0PDF())
	s := quickSigner(f)
	var err error
	s.opts.Visible, s.visible, err = prepareVisible(Appearance{Anchor: &Anchor{Text: "CHỦ TỊCH"}, Kind: AppearanceSeal, Image: testSealPNG(f, 32)}, CertifyNone)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(signsOrRefuses(s))
}

func TestSmallType0PDF(t *testing.T) {
	doc := makeSmallType0PDF()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	var xs []float64
	for _, g := range pageText(rdr.Page(1)) {
		got.WriteString(g.s)
		xs = append(xs, g.x)
	}
	// Advances: C 700, H 750, Ủ 720, space 600 (DW), then +50/1000 em.
	want := []float64{100, 108.4, 117.4, 126.04 + 7.2 + 0.6}
	if got.String() != "CHỦTỊCH" || len(xs) != 7 {
		t.Fatalf("text %q at %v", got.String(), xs)
	}
	for i, w := range want {
		if math.Abs(xs[i]-w) > 0.001 {
			t.Fatalf("glyph %d at x=%g, want %g (all %v)", i, xs[i], w, xs)
		}
	}
}

// TestAnchorInFormXObject finds text drawn by a form XObject (its own
// /Matrix and resources, under the page's cm), and survives a form that
// draws itself.
func TestAnchorInFormXObject(t *testing.T) {
	page := "q 1 0 0 1 100 200 cm /Fm1 Do Q /Loop Do BT /F1 12 Tf 1 0 0 1 50 50 Tm (after) Tj ET"
	form := "q BT /F2 12 Tf 0 0 Td (GIAM DOC) Tj ET Q Q Q"
	loop := "/Loop Do"
	widths := "/FirstChar 32 /LastChar 126 /Widths [" + strings.Repeat("556 ", 95) + "]"
	doc := assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> /XObject << /Fm1 5 0 R /Loop 7 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(page), page),
		fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 200 50] /Matrix [1 0 0 1 10 0] /Resources << /Font << /F2 6 0 R >> >> /Length %d >>\nstream\n%s\nendstream", len(form), form),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding " + widths + " >>",
		fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length %d >>\nstream\n%s\nendstream", len(loop), loop),
	})
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, g := range pageText(rdr.Page(1)) {
		got.WriteString(g.s)
	}
	// The form's unbalanced Q do not undo the page's q: "after" is still
	// read, at its own place.
	if got.String() != "GIAMDOCafter" {
		t.Fatalf("text %q", got.String())
	}
	a := Appearance{Anchor: &Anchor{Text: "GIAM DOC", Place: AnchorOver, Width: 100, Height: 40}}
	if err := a.validate(); err != nil {
		t.Fatal(err)
	}
	_, r, err := placeAppearance(rdr, &a)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := 110+8*6.672/2, 200+0.28*12
	if math.Abs(r[0]-(cx-50)) > 0.01 || math.Abs(r[1]-(cy-20)) > 0.01 {
		t.Fatalf("rect %v, want centred on (%g, %g)", r, cx, cy)
	}
}
