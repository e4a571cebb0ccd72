package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/report"
)

// sofficeConvert converts file (named name) with Debian's LibreOffice,
// headless, to the filter's format, in a profile of its own (parallel runs
// do not share one), and returns the output, NFC.
func sofficeConvert(t *testing.T, name string, file []byte, filter, ext string) string {
	t.Helper()
	bin := testenv.Tool(t, "soffice", "libreoffice-calc-nogui and libreoffice-writer-nogui")
	dir := t.TempDir()
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, file, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", filter, "--outdir", out, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(filepath.Join(out, strings.TrimSuffix(name, filepath.Ext(name))+"."+ext))
	if err != nil {
		t.Fatalf("soffice made no %s: %v\n%s", ext, err, msg)
	}
	return norm.NFC.String(string(b))
}

// TestLibreOfficeOpensXLSX: LibreOffice Calc reads the spreadsheet, and
// its cells written back as CSV (raw values, not as shown) are the
// Table's.
func TestLibreOfficeOpensXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, sample()); err != nil {
		t.Fatal(err)
	}
	// Comma-separated, quoted, UTF-8 (76), cell contents as stored, not as shown.
	out := sofficeConvert(t, "thong-ke.xlsx", b.Bytes(), "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, out)
	}
	if len(rows) < 9 || rows[0][0] != sample().Title || rows[1][0] != sample().Subtitle {
		t.Fatalf("CSV:\n%s", out)
	}
	tb := sample()
	for j, c := range tb.Columns {
		if rows[3][j] != c.Label {
			t.Errorf("heading %d: %q, want %q", j+1, rows[3][j], c.Label)
		}
	}
	all := append(tb.Rows, *tb.Total)
	for i, r := range all {
		got := rows[4+i]
		for j, cell := range r.Cells {
			c := tb.Columns[j]
			if c.Kind == report.KindText || cell.Text != "" {
				if got[j] != cell.Text {
					t.Errorf("row %d column %d: %q, want %q", i+1, j+1, got[j], cell.Text)
				}
				continue
			}
			want := cell.Number
			if c.Kind == report.KindPercent {
				want /= 100
			}
			// LibreOffice writes a percentage with its sign even as stored.
			s, scale := got[j], 1.0
			if c.Kind == report.KindPercent && strings.HasSuffix(s, "%") {
				s, scale = strings.TrimSuffix(s, "%"), 0.01
			}
			n, err := strconv.ParseFloat(s, 64)
			n *= scale
			if err != nil || n-want > 1e-9 || want-n > 1e-9 {
				t.Errorf("row %d column %d: %q, want %v", i+1, j+1, got[j], want)
			}
		}
	}
	if !strings.Contains(out, tb.Notes[0]) || !strings.Contains(out, "Số liệu tính đến 09:05:07 08/12/2026") {
		t.Errorf("the notes are not read back:\n%s", out)
	}
}

// TestLibreOfficeOpensDOCX: LibreOffice Writer reads the document, and
// its text has every paragraph and cell of the Table as shown.
func TestLibreOfficeOpensDOCX(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteDOCX(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := sofficeConvert(t, "thong-ke.docx", b.Bytes(), "txt:Text (encoded):UTF8", "txt")
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(strings.TrimPrefix(l, "\ufeff")); l != "" {
			lines = append(lines, l)
		}
	}
	want := []string{sample().Title, sample().Subtitle}
	for _, r := range shown {
		want = append(want, r...)
	}
	want = append(want, sample().Notes...)
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("LibreOffice reads\n%q\nwant\n%q", lines, want)
	}
}

// TestWritePDFGotenberg renders the PDF with the real Gotenberg (Chromium).
func TestWritePDFGotenberg(t *testing.T) {
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WritePDF(context.Background(), &b, sample(), g); err != nil {
		t.Fatal(err)
	}
	checkPDFText(t, b.Bytes())

	// A table over several pages repeats its header row on each.
	long := sample()
	for i := range 150 {
		long.Rows = append(long.Rows, report.Row{Cells: []report.Cell{{Text: "Dòng " + strconv.Itoa(i)}, {Number: float64(i)}, {Number: 50}, {Number: 1}}})
	}
	b.Reset()
	if err := report.WritePDF(context.Background(), &b, long, g); err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, b.Bytes())
	if n := strings.Count(text, "Dung lượng lưu trữ"); n < 3 {
		t.Errorf("the heading shows %d times over 150 rows; want it on every page", n)
	}
}
