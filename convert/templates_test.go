package convert

import (
	"bytes"
	"encoding/base64"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden HTML of the templates in testdata/golden")

const testPublicURL = "https://dichvucong.bacninh.gov.vn"

// goldenData is the fixed data of each template's golden page: the
// samples, with a real QR code of the dossier's lookup URL.
func goldenData(t testing.TB, name string) any {
	t.Helper()
	s, err := spec(name)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := QRDataURI(testPublicURL, "BN-261207-0042")
	if err != nil {
		t.Fatal(err)
	}
	switch d := s.sample.(type) {
	case SlipData:
		d.QR = qr
		return d
	case BirthCertificateData:
		d.QR = qr
		return d
	case HouseholdBusinessData:
		d.QR = qr
		return d
	case ConstructionPermitData:
		d.QR = qr
		return d
	}
	return s.sample
}

func shipped(t testing.TB) *Templates {
	t.Helper()
	ts, err := LoadTemplates("")
	if err != nil {
		t.Fatalf("shipped templates: %v", err)
	}
	return ts
}

// TestTemplatesGolden: every shipped template filled with fixed data
// gives the kept page (go test ./convert -run TestTemplatesGolden -update
// rewrites them after a deliberate change).
func TestTemplatesGolden(t *testing.T) {
	ts := shipped(t)
	if len(ts.List()) != 11 {
		t.Fatalf("%d templates, want the 7 slips, 3 results and the paper copy", len(ts.List()))
	}
	for _, name := range TemplateNames() {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ts.HTML(&buf, name, goldenData(t, name)); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "golden", name+".html")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden page; got:\n%s", name, buf.String())
			}
			s, _ := spec(name)
			if !strings.Contains(buf.String(), "<title>"+s.title+"</title>") {
				t.Errorf("page lacks its title %q", s.title)
			}
		})
	}
}

// TestTemplatesPDF renders every shipped template to PDF/A-2b through the
// real Gotenberg: its text holds the Vietnamese title and the dossier
// code, dates as DD/MM/YYYY and times as hh:mm:ss.
func TestTemplatesPDF(t *testing.T) {
	g := gotenberg(t)
	ts := shipped(t)
	for _, name := range TemplateNames() {
		t.Run(name, func(t *testing.T) {
			pdf := readPDF(t)(ts.PDF(ctxT(t), g, name, goldenData(t, name)))
			s, _ := spec(name)
			text := pdfText(t, pdf)
			upper := strings.ToUpper(text)
			if !strings.Contains(upper, strings.ToUpper(norm.NFC.String(s.title))) {
				t.Errorf("PDF text lacks the title %q:\n%s", s.title, text)
			}
			if !strings.Contains(text, "BN-261207-0042") {
				t.Errorf("PDF text lacks the dossier code:\n%s", text)
			}
			if !strings.Contains(text, "07/12/2026") && !strings.Contains(text, "ngày 07 tháng 12 năm 2026") {
				t.Errorf("PDF text lacks the date 07/12/2026:\n%s", text)
			}
			if id := pdfaID(t, pdf); id != "2B" {
				t.Errorf("PDF/A identification %q, want 2B", id)
			}
			ps := pageSize(t, pdf)
			if s.landscape != strings.HasPrefix(ps, "841.") {
				t.Errorf("page size %q, landscape %v", ps, s.landscape)
			}
		})
	}
	t.Run("times", func(t *testing.T) {
		pdf := readPDF(t)(ts.PDF(ctxT(t), g, TemplateReceipt, goldenData(t, TemplateReceipt)))
		wantText(t, pdf, "Thời gian nhận hồ sơ: 09:05:07, ngày 07/12/2026", "Thời gian trả kết quả giải quyết hồ sơ: 09:05:07, ngày 08/12/2026")
	})
}

// TestSlipQR: the QR code printed on a slip decodes (zbarimg, from the
// page rendered by pdftoppm) to the dossier's public lookup URL.
func TestSlipQR(t *testing.T) {
	zbar := testenv.Tool(t, "zbarimg", "zbar-tools")
	const want = "QR-Code:" + testPublicURL + "/tra-cuu/BN-261207-0042"
	decode := func(t *testing.T, pngBytes []byte) string {
		t.Helper()
		file := filepath.Join(t.TempDir(), "qr.png")
		if err := os.WriteFile(file, pngBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--quiet", file).Output()
		if err != nil {
			t.Fatalf("zbarimg found no code: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	t.Run("png", func(t *testing.T) {
		uri, err := QRDataURI(testPublicURL+"/", "BN-261207-0042")
		if err != nil {
			t.Fatal(err)
		}
		b, err := decodeDataURI(uri)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, b); got != want {
			t.Errorf("decoded %q, want %q", got, want)
		}
	})
	t.Run("printed slip", func(t *testing.T) {
		g := gotenberg(t)
		pdf := readPDF(t)(shipped(t).PDF(ctxT(t), g, TemplateReceipt, goldenData(t, TemplateReceipt)))
		img := testenv.RenderPage(t, pdf, 1, 150)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if got := decode(t, buf.Bytes()); got != want {
			t.Errorf("decoded %q, want %q", got, want)
		}
	})
}

func TestLookupURL(t *testing.T) {
	got, err := LookupURL("https://dvc.example.vn/kho/", "BN-261207-0042")
	if err != nil || got != "https://dvc.example.vn/kho/tra-cuu/BN-261207-0042" {
		t.Errorf("LookupURL = %q, %v", got, err)
	}
	for _, bad := range [][2]string{{"", "X-1"}, {"dvc.example.vn", "X-1"}, {"javascript:alert(1)", "X-1"}, {"https://u:p@h", "X-1"}, {"https://h", ""}, {"https://h", "../x"}, {"https://h", "a b"}} {
		if _, err := QRDataURI(bad[0], bad[1]); kerr.KindOf(err) != kerr.Invalid {
			t.Errorf("QRDataURI(%q, %q): %v, want invalid", bad[0], bad[1], err)
		}
	}
}

// TestTemplateData: data is escaped, must be of the template's type, and a
// QR source that is not a PNG data URI is dropped.
func TestTemplateData(t *testing.T) {
	ts := shipped(t)
	d := sampleSlip()
	d.Applicant.Name = `<script>alert("x")</script> Đỗ`
	d.QR = `javascript:alert(1)`
	var buf bytes.Buffer
	if err := ts.HTML(&buf, TemplateReceipt, d); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("applicant name not escaped:\n%s", page)
	}
	if strings.Contains(page, "javascript:") || !strings.Contains(page, `<img src=""`) {
		t.Errorf("a non-PNG QR source reached the page:\n%s", page)
	}
	buf.Reset()
	err := ts.HTML(&buf, TemplateReceipt, sampleBook())
	if kerr.KindOf(err) != kerr.Internal || buf.Len() != 0 {
		t.Errorf("book data in the receipt: %v, wrote %d bytes", err, buf.Len())
	}
	if err := ts.HTML(&buf, "receipt.html", d); kerr.KindOf(err) != kerr.NotFound {
		t.Errorf("unknown template: %v", err)
	}
	big := sampleSlip()
	big.Components = make([]Component, maxPageBytes/50)
	for i := range big.Components {
		big.Components[i] = Component{Name: "Giấy tờ", Form: "Bản chính", Copies: 1}
	}
	buf.Reset()
	if err := ts.HTML(&buf, TemplateReceipt, big); kerr.KindOf(err) != kerr.TooLarge || buf.Len() != 0 {
		t.Errorf("a page over %d bytes: %v, wrote %d bytes", maxPageBytes, err, buf.Len())
	}
	var none *Gotenberg
	for _, c := range []Converter{nil, none} {
		if _, err := ts.PDF(ctxT(t), c, TemplateReceipt, d); kerr.KindOf(err) != kerr.Unavailable {
			t.Errorf("no converter (%T): %v, want unavailable", c, err)
		}
	}
}

// writeDir makes a template directory of files.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTemplateDirectory: an agency's files override the shipped ones; a
// broken one is refused at load time with its name and the reason.
func TestTemplateDirectory(t *testing.T) {
	t.Run("override", func(t *testing.T) {
		dir := writeDir(t, map[string]string{
			"receipt.html": `{{template "head" "Giấy biên nhận"}}<body><h1>MẪU RIÊNG CỦA SỞ</h1><p>{{.Code}} {{.Applicant.Name}}</p><img src="logo.png"></body>`,
			"logo.png":     "\x89PNG\r\n\x1a\n",
			"ghi-chu.txt":  "not a template",
		})
		ts, err := LoadTemplates(dir)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := ts.HTML(&buf, TemplateReceipt, sampleSlip()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "MẪU RIÊNG CỦA SỞ") || !strings.Contains(buf.String(), "Nguyễn Thị Ánh Tuyết") {
			t.Errorf("override not used:\n%s", buf.String())
		}
		if _, ok := ts.assets["logo.png"]; !ok {
			t.Errorf("logo.png not sent with the page")
		}
		for _, info := range ts.List() {
			if info.Overridden != (info.Name == TemplateReceipt) {
				t.Errorf("%s overridden %v", info.Name, info.Overridden)
			}
		}
	})
	broken := []struct {
		name, file, body, code, says string
	}{
		{"syntax", "refusal.html", `{{template "head" "x"}}<body>{{if .Code}}</body>`, "template_invalid", "refusal.html"},
		{"unknown field", "receipt.html", `<p>{{.Applicant.Ten}}</p>`, "template_invalid", "Ten"},
		{"wrong function", "book.html", `<p>{{ngay .IssuedAt}}</p>`, "template_invalid", "ngay"},
		{"broken common part", "common.html", `{{define "head"}}<title>{{.}}</title>{{end}}`, "template_invalid", "common.html"},
		{"misspelt name", "reciept.html", `<p>{{.Code}}</p>`, "template_unknown", "reciept.html"},
		{"bad asset name", "logo mới.png", "x", "invalid_asset_name", ""},
		{"too large", "control.html", strings.Repeat("x", maxTemplateBytes+1), "template_too_large", "control.html"},
	}
	for _, c := range broken {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadTemplates(writeDir(t, map[string]string{c.file: c.body}))
			ke := kerr.Outer(err)
			if ke == nil || ke.Code != c.code {
				t.Fatalf("error %v, want %s", err, c.code)
			}
			if _, msg := kerr.Public(err); !strings.Contains(msg, c.says) || !strings.ContainsAny(msg, "ẫỗệ") {
				t.Errorf("message %q does not say %q in Vietnamese", msg, c.says)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		_, err := LoadTemplates(filepath.Join(t.TempDir(), "khong-co"))
		if kerr.KindOf(err) != kerr.Invalid {
			t.Errorf("error %v, want invalid", err)
		}
	})
}

// decodeDataURI returns the PNG of a QR data URI.
func decodeDataURI(uri string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, qrURIPrefix))
}
