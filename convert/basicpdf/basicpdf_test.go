package basicpdf_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/convert/basicpdf"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

const (
	testPublicURL = "https://dichvucong.bacninh.gov.vn"
	testCode      = "BN-261207-0042"
)

// sample is template name's sample data with a real QR code of the
// dossier's lookup URL.
func sample(t testing.TB, name string) any {
	t.Helper()
	d, err := convert.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := convert.QRDataURI(testPublicURL, testCode)
	if err != nil {
		t.Fatal(err)
	}
	switch d := d.(type) {
	case convert.SlipData:
		d.QR = qr
		return d
	case convert.BirthCertificateData:
		d.QR = qr
		return d
	case convert.HouseholdBusinessData:
		d.QR = qr
		return d
	case convert.ConstructionPermitData:
		d.QR = qr
		return d
	}
	return d
}

// render fills template name with its sample and converts it with the
// built-in converter.
func render(t testing.TB, name string) []byte {
	t.Helper()
	ts, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ts.PDF(context.Background(), basicpdf.New(), name, sample(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s: not a PDF: %q", name, b[:min(len(b), 20)])
	}
	return b
}

// pageText is the text of pdf by pdftotext, with its lines' runs of
// spaces made one and NFC.
func pageText(t testing.TB, pdf []byte) string {
	t.Helper()
	return norm.NFC.String(strings.Join(strings.Fields(testenv.PDFText(t, pdf)), " "))
}

// TestTemplates: each shipped slip and result renders, and its Vietnamese
// text is in the PDF exactly, the motto in capitals as the stylesheet asks.
func TestTemplates(t *testing.T) {
	common := []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"}
	want := map[string][]string{
		convert.TemplateReceipt:            {"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: " + testCode, "hồ sơ của: Nguyễn Thị Ánh Tuyết", "Đăng ký khai sinh cho con: Trần Minh Khôi", "Tờ khai đăng ký khai sinh", "Thời gian nhận hồ sơ: 09:05:07, ngày 07/12/2026"},
		convert.TemplateSupplement:         {"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", testCode},
		convert.TemplateRefusal:            {"PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", testCode},
		convert.TemplateApology:            {"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", testCode},
		convert.TemplateControl:            {"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", testCode},
		convert.TemplateEvaluation:         {"PHIẾU ĐÁNH GIÁ", testCode},
		convert.TemplateBook:               {"SỔ THEO DÕI HỒ SƠ"},
		convert.TemplateBirthCertificate:   {"GIẤY KHAI SINH", "Họ, chữ đệm, tên: TRẦN MINH KHÔI", "Nơi sinh: Bệnh viện Sản - Nhi tỉnh Bắc Ninh", "Họ, chữ đệm, tên người cha: Trần Văn Đức", "Mã hồ sơ: " + testCode},
		convert.TemplateHouseholdBusiness:  {"GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"},
		convert.TemplateConstructionPermit: {"GIẤY PHÉP XÂY DỰNG"},
		// The paper copy's frame has no national heading: the original's
		// page, stamped into it, has its own.
		convert.TemplatePaperCopy: {"BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ", "Người chuyển đổi: Trần Thị Lưu", "Thời gian chuyển đổi: 09:30:15 ngày 07/12/2026", "Nguyễn Văn Lãnh Đạo", "Mã hồ sơ: " + testCode},
	}
	for _, name := range convert.TemplateNames() {
		t.Run(name, func(t *testing.T) {
			phrases, ok := want[name]
			if !ok {
				t.Fatalf("template %q has no expected text here: add it", name)
			}
			text := pageText(t, render(t, name))
			if name != convert.TemplatePaperCopy {
				phrases = append(phrases, common...)
			}
			for _, p := range phrases {
				if !strings.Contains(text, norm.NFC.String(p)) {
					t.Errorf("PDF text lacks %q; text:\n%s", p, text)
				}
			}
		})
	}
}

// TestSlipQR: the QR code on a slip rendered by the built-in converter
// decodes (zbarimg, from the page rendered by pdftoppm at 150 dpi) to the
// dossier's lookup URL.
func TestSlipQR(t *testing.T) {
	zbar := testenv.Tool(t, "zbarimg", "zbar-tools")
	img := testenv.RenderPage(t, render(t, convert.TemplateReceipt), 1, 150)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "page.png")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", file).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), "QR-Code:"+testPublicURL+"/tra-cuu/"+testCode; got != want {
		t.Errorf("decoded %q, want %q", got, want)
	}
}

// convertPage runs the built-in converter on page, which links the
// stylesheet css as kho.css.
func convertPage(page, css string) ([]byte, error) {
	rc, err := basicpdf.New().HTMLToPDF(context.Background(), []byte(`<link rel="stylesheet" href="kho.css">`+page), map[string][]byte{"kho.css": []byte(css)}, convert.Options{})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// TestBounds: a page over the size, nesting or page bounds, a bad image
// or bad options is refused with a stable code and a Vietnamese message;
// office files answer Unavailable; a page just inside the page bound
// renders.
func TestBounds(t *testing.T) {
	for _, c := range []struct {
		name, page, css, code string
		kind                  kerr.Kind
	}{
		{"size", strings.Repeat("x", basicpdf.MaxHTMLBytes+1), "", "basicpdf_page_too_large", kerr.TooLarge},
		{"nesting", strings.Repeat("<div>", 200) + "sâu", "", "basicpdf_too_deep", kerr.Invalid},
		{"pages", strings.Repeat(`<div class="x"></div>`, basicpdf.MaxPages+1), ".x { height: 250mm }", "basicpdf_too_many_pages", kerr.TooLarge},
		{"image", `<img src="data:image/png;base64,iVBORw0KGgo=">`, "", "basicpdf_bad_image", kerr.Invalid},
		{"margins", `<p>chữ</p>`, "@page { margin: 100mm }", "invalid_margins", kerr.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := convertPage(c.page, c.css)
			ke := kerr.Outer(err)
			if ke == nil || ke.Code != c.code || ke.Kind != c.kind || ke.Message == "" {
				t.Fatalf("error %v, want %s (%v) with a message", err, c.code, c.kind)
			}
		})
	}
	t.Run("just inside", func(t *testing.T) {
		b, err := convertPage(strings.Repeat(`<div class="x"></div>`, basicpdf.MaxPages), ".x { height: 250mm }")
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "/Type /Page\n"); n != basicpdf.MaxPages {
			t.Fatalf("%d pages, want %d", n, basicpdf.MaxPages)
		}
	})
	t.Run("office", func(t *testing.T) {
		_, err := basicpdf.New().OfficeToPDF(context.Background(), "a.docx", strings.NewReader("x"), convert.Options{})
		if ke := kerr.Outer(err); ke == nil || ke.Kind != kerr.Unavailable || !strings.Contains(ke.Message, "Gotenberg") {
			t.Fatalf("office: %v", err)
		}
	})
}

// TestSerifLacks: the boxes of the evaluation slip (☐ ☒), which DejaVu
// Serif lacks, are drawn in DejaVu Sans beside the serif text (pdffonts
// lists both), and pdftotext reads them back.
func TestSerifLacks(t *testing.T) {
	b, err := convertPage(`<p>Rất hài lòng ☒ Hài lòng ☐</p>`, "")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "boxes.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(testenv.Tool(t, "pdffonts", "poppler-utils"), file).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "dejavusans") || !strings.Contains(string(out), "dejavuserif") {
		t.Errorf("fonts:\n%s", out)
	}
	if text := pageText(t, b); text != "Rất hài lòng ☒ Hài lòng ☐" {
		t.Errorf("text %q", text)
	}
}

// TestConcurrent: conversions at the same time share the embedded fonts
// and give the same text (run with -race to see them share nothing else).
func TestConcurrent(t *testing.T) {
	want := pageText(t, render(t, convert.TemplateEvaluation))
	heads := make(chan string, 4)
	for range 4 {
		go func() {
			b, err := convertPage(`<p>Độc lập ☒</p>`, "")
			if err != nil {
				heads <- err.Error()
				return
			}
			heads <- string(b[:5])
		}()
	}
	for range 4 {
		if got := <-heads; got != "%PDF-" {
			t.Errorf("concurrent conversion: %q", got)
		}
	}
	if got := pageText(t, render(t, convert.TemplateEvaluation)); got != want {
		t.Errorf("after concurrent conversions the text changed:\n%s\nwant\n%s", got, want)
	}
}
