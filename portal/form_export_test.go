package portal_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/testenv"
)

func TestFormExport(t *testing.T) {
	e := newEnv(t)
	const js = "application/json"
	card := `{"soDinhDanh":"001099012345","hoTen":"<b>Nguyễn Văn An</b>","ngaySinh":"12/05/1999","noiCap":"Bộ Công an"}`
	path := "/api/v1/forms/CAN_CUOC/export"

	// The printable PDF (the default): markup in a value is drawn as text.
	r := e.do(call{method: "POST", path: path, token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 200, "")
	if r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-1.7")) ||
		!strings.Contains(r.header.Get("Content-Disposition"), "can_cuoc-v1.pdf") {
		t.Fatalf("pdf: %v %q", r.header, r.body[:min(20, len(r.body))])
	}
	pdf := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(pdf, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command(testenv.Tool(t, "pdftotext", "poppler-utils"), "-enc", "UTF-8", pdf, "-").CombinedOutput()
	if err != nil || !strings.Contains(string(text), "<b>Nguyễn Văn An</b>") || !strings.Contains(string(text), "12/05/1999") {
		t.Fatalf("pdftotext: %v\n%s", err, text)
	}

	// PDF/A-3 carries the canonical JSON, which format=json returns.
	r = e.do(call{method: "POST", path: path + "?format=pdfa&version=1", token: e.staff, contentType: js, body: []byte(card)}).want(t, 200, "")
	if !bytes.Contains(r.body, []byte("<pdfaid:part>3</pdfaid:part>")) || !bytes.Contains(r.body, []byte("/AFRelationship /Data")) {
		t.Fatal("pdfa: no PDF/A-3 parts")
	}
	r = e.do(call{method: "POST", path: path + "?format=json", token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 200, "")
	if want := `{"data":{"hoTen":"<b>Nguyễn Văn An</b>","ngaySinh":"1999-05-12","noiCap":"Bộ Công an","soDinhDanh":"001099012345"},"form":"CAN_CUOC","version":1}`; string(r.body) != want {
		t.Fatalf("json %s", r.body)
	}
	r = e.do(call{method: "POST", path: path + "?format=xml", token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 200, "")
	if r.header.Get("Content-Type") != "application/xml; charset=utf-8" || !bytes.Contains(r.body, []byte("&lt;b&gt;Nguyễn Văn An&lt;/b&gt;")) {
		t.Fatalf("xml %s", r.body)
	}

	// Refusals: field errors as for validate, bad parameters, no token.
	e.do(call{method: "POST", path: path, token: e.citizenA, contentType: js, body: []byte(`{"hoTen":"An"}`)}).want(t, 422, "form_data_invalid")
	e.do(call{method: "POST", path: path + "?format=docx", token: e.citizenA, contentType: js, body: []byte(card), expect: specInvalid}).want(t, 400, "invalid_parameter")
	e.do(call{method: "POST", path: path + "?lang=en", token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 400, "unknown_parameter")
	e.do(call{method: "POST", path: "/api/v1/forms/NOPE/export", token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 404, "form_not_found")
	e.do(call{method: "POST", path: path, contentType: js, body: []byte(card), expect: specInvalid}).want(t, 401, "")
}
