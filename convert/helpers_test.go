package convert

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/internal/testenv"
)

// gotenberg returns a client of the test Gotenberg server.
func gotenberg(t testing.TB) *Gotenberg {
	t.Helper()
	g, err := NewGotenberg(GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// readPDF returns a function that reads a conversion's PDF and closes it:
// readPDF(t)(g.HTMLToPDF(…)).
func readPDF(t testing.TB) func(io.ReadCloser, error) []byte {
	return func(rc io.ReadCloser, err error) []byte { t.Helper(); return readAll(t, rc, err) }
}

func readAll(t testing.TB, rc io.ReadCloser, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatalf("conversion: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 20)])
	}
	return b
}

// runTool runs a poppler/qpdf tool on pdf (written to a file, whose path
// replaces the argument "PDF") and returns its standard output.
func runTool(t testing.TB, name, pkg string, pdf []byte, args ...string) string {
	t.Helper()
	bin := testenv.Tool(t, name, pkg)
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "PDF" {
			args[i] = in
		}
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return string(out)
}

var spaces = regexp.MustCompile(`\s+`)

// pdfText is the text of pdf (pdftotext), NFC, with runs of white space
// folded to one space.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	s := runTool(t, "pdftotext", "poppler-utils", pdf, "-enc", "UTF-8", "PDF", "-")
	return strings.TrimSpace(spaces.ReplaceAllString(norm.NFC.String(s), " "))
}

// wantText fails t unless every phrase is in the PDF's text.
func wantText(t testing.TB, pdf []byte, phrases ...string) {
	t.Helper()
	text := pdfText(t, pdf)
	for _, p := range phrases {
		if !strings.Contains(text, norm.NFC.String(p)) {
			t.Errorf("PDF text lacks %q; text:\n%s", p, text)
		}
	}
}

var (
	pdfaPart = regexp.MustCompile(`pdfaid:part(?:="|>)(\d)`)
	pdfaConf = regexp.MustCompile(`pdfaid:conformance(?:="|>)([ABU])`)
)

// pdfaID returns the PDF/A identification of pdf's XMP metadata ("2B"),
// read after qpdf has uncompressed every stream, and checks that it has a
// PDF/A output intent and embeds all its fonts.
func pdfaID(t testing.TB, pdf []byte) string {
	t.Helper()
	qdf := runTool(t, "qpdf", "qpdf", pdf, "--qdf", "--object-streams=disable", "PDF", "-")
	part, conf := pdfaPart.FindStringSubmatch(qdf), pdfaConf.FindStringSubmatch(qdf)
	if part == nil || conf == nil {
		return ""
	}
	if !strings.Contains(qdf, "/GTS_PDFA1") {
		t.Errorf("PDF/A %s%s without a /GTS_PDFA1 output intent", part[1], conf[1])
	}
	fonts := runTool(t, "pdffonts", "poppler-utils", pdf, "PDF")
	lines := strings.Split(strings.TrimSpace(fonts), "\n")
	if len(lines) < 3 {
		t.Errorf("pdffonts lists no font:\n%s", fonts)
	}
	for _, l := range lines[2:] {
		if f := strings.Fields(l); len(f) < 5 || !strings.Contains(l, " yes ") {
			t.Errorf("a font is not embedded: %s", l)
		}
	}
	return part[1] + conf[1]
}

// pageSize is pdfinfo's page size line of page 1, e.g. "595.276 x 841.89
// pts (A4)".
func pageSize(t testing.TB, pdf []byte) string {
	t.Helper()
	for _, l := range strings.Split(runTool(t, "pdfinfo", "poppler-utils", pdf, "PDF"), "\n") {
		if v, ok := strings.CutPrefix(l, "Page size:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("pdfinfo: no page size")
	return ""
}

// makeDocx builds a minimal .docx whose body is the given WordprocessingML
// paragraphs.
func makeDocx(t testing.TB, body string) []byte {
	t.Helper()
	files := []struct{ name, data string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body +
			`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="850" w:bottom="1134" w:left="1701" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// para is a WordprocessingML paragraph of runs in Times New Roman.
func para(runs ...string) string {
	var b strings.Builder
	b.WriteString("<w:p>")
	for _, r := range runs {
		b.WriteString(`<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/></w:rPr><w:t xml:space="preserve">`)
		b.WriteString(r)
		b.WriteString("</w:t></w:r>")
	}
	b.WriteString("</w:p>")
	return b.String()
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
