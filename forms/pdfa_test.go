package forms

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/testenv"
)

// attachment extracts an embedded file with qpdf --show-attachment.
func extractAttachment(t testing.TB, pdf []byte, key string) []byte {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "qpdf", "qpdf"), "--show-attachment="+key, writeTemp(t, "f.pdf", pdf)).Output()
	if err != nil {
		t.Fatalf("qpdf --show-attachment=%s: %v", key, err)
	}
	return out
}

// TestRenderPDFA checks what can be checked of PDF/A-3B here (veraPDF is
// not available): the file is sound for qpdf, its metadata claim part 3
// conformance B, it has an sRGB output intent and embeds its font, and
// the attached canonical JSON and XML are byte for byte the values'.
func TestRenderPDFA(t *testing.T) {
	d, v := birthValues(t)
	pdf := renderBytes(t, d, v, RenderOptions{PDFA: true})
	qpdfCheck(t, pdf)

	wantJSON, err := v.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got := extractAttachment(t, pdf, "tk_khai_sinh.json"); !bytes.Equal(got, wantJSON) {
		t.Errorf("attached JSON differs:\n got %s\nwant %s", got, wantJSON)
	}
	var wantXML bytes.Buffer
	if err := v.WriteXML(&wantXML, d); err != nil {
		t.Fatal(err)
	}
	if got := extractAttachment(t, pdf, "tk_khai_sinh.xml"); !bytes.Equal(got, wantXML.Bytes()) {
		t.Errorf("attached XML differs:\n got %s\nwant %s", got, wantXML.Bytes())
	}

	list, err := exec.Command(testenv.Tool(t, "pdfdetach", "poppler-utils"), "-list", writeTemp(t, "f.pdf", pdf)).CombinedOutput()
	if err != nil || !strings.Contains(string(list), "2 embedded files") {
		t.Errorf("pdfdetach -list: %v\n%s", err, list)
	}
	for _, want := range []string{
		"<pdfaid:part>3</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>",
		"/Type /OutputIntent /S /GTS_PDFA1", "/AFRelationship /Data", "/Subtype /application#2Fjson",
		"/AF [", "/FontFile2", "/ID [<",
	} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("PDF/A file lacks %q", want)
		}
	}
	if bytes.Contains(pdf, []byte("/Encrypt")) {
		t.Error("PDF/A file is encrypted")
	}
	// The plain file has none of it.
	plain := renderBytes(t, d, v, RenderOptions{})
	if bytes.Contains(plain, []byte("/EmbeddedFile")) || bytes.Contains(plain, []byte("pdfaid")) {
		t.Error("plain PDF carries PDF/A parts")
	}
	// Same look: the pages are identical.
	if pdfText(t, plain) != pdfText(t, pdf) {
		t.Error("PDF/A text differs from the plain rendering")
	}
}

// TestSRGBProfile: the generated ICC profile is well formed (size in the
// header, 'acsp' signature, tags inside the file).
func TestSRGBProfile(t *testing.T) {
	p := srgbProfile()
	if n := int(p[0])<<24 | int(p[1])<<16 | int(p[2])<<8 | int(p[3]); n != len(p) {
		t.Fatalf("header size %d, file %d", n, len(p))
	}
	if string(p[36:40]) != "acsp" || string(p[12:24]) != "mntrRGB XYZ " {
		t.Fatalf("bad header % x", p[:40])
	}
	count := int(p[131])
	for i := range count {
		e := p[132+12*i:]
		off := int(e[4])<<24 | int(e[5])<<16 | int(e[6])<<8 | int(e[7])
		size := int(e[8])<<24 | int(e[9])<<16 | int(e[10])<<8 | int(e[11])
		if off%4 != 0 || off+size > len(p) {
			t.Errorf("tag %s at %d+%d outside the %d-byte profile", e[:4], off, size, len(p))
		}
	}
}
