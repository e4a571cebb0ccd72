package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

func TestVerifyCommand(t *testing.T) {
	e := newSignTestPKI(t)
	p, srv, dir, pw, in := e.pki, e.srv, e.dir, e.pw, e.in
	roots := filepath.Join(dir, "roots.pem")
	signed := filepath.Join(dir, "signed.pdf")
	if code, out, errs := runKho(t, nil, "sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw,
		"--trust", roots, "--level", "B-T", "--tsa", srv.URL+"/tsa", in, "-o", signed); code != 0 {
		t.Fatalf("sign: exit %d\n%s\n%s", code, out, errs)
	}
	name := p.Identity(pki.Personal).Cert.Subject.CommonName

	// A valid signature: exit 0, Vietnamese summary, HTML report.
	html := filepath.Join(dir, "report.html")
	code, out, errs := runKho(t, nil, "verify", "--trust", roots, "--html", html, signed)
	if code != 0 || !strings.Contains(out, "Chữ ký hợp lệ") || !strings.Contains(out, name) || !strings.Contains(out, "theo dấu thời gian") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if h, err := os.ReadFile(html); err != nil || !strings.Contains(string(h), "Chữ ký hợp lệ") {
		t.Fatalf("HTML report: %v\n%s", err, h)
	}

	// JSON.
	code, out, _ = runKho(t, nil, "verify", "--json", "--trust", roots, signed)
	var rep struct {
		Signatures []struct {
			Verdict string `json:"verdict"`
			Signer  struct {
				CommonName string `json:"common_name"`
			} `json:"signer"`
		} `json:"signatures"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Signatures) != 1 ||
		rep.Signatures[0].Verdict != "TOTAL-PASSED" || rep.Signatures[0].Signer.CommonName != name {
		t.Fatalf("json: exit %d\n%s", code, out)
	}

	// A tampered copy: exit 1, TOTAL-FAILED.
	data, _ := os.ReadFile(signed)
	i := strings.Index(string(data), "/MediaBox [0 0 595")
	data[i+len("/MediaBox [0 0 5")] = '4'
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, data, 0o644)
	code, out, errs = runKho(t, nil, "verify", "--trust", roots, bad)
	if code != 1 || !strings.Contains(out, "Chữ ký không hợp lệ") || !strings.Contains(out, "HASH_FAILURE") || !strings.Contains(errs, "signatures_not_passed") {
		t.Fatalf("tampered: exit %d\n%s\n%s", code, out, errs)
	}

	// Another trust anchor: INDETERMINATE, exit 1.
	other, err := pki.Generate(pki.Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	odir := t.TempDir()
	if err := other.WriteDir(odir); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runKho(t, nil, "verify", "--no-revocation", "--trust", filepath.Join(odir, "roots.pem"), signed)
	if code != 1 || !strings.Contains(out, "Không xác định được") || !strings.Contains(out, "NO_CERTIFICATE_CHAIN_FOUND") {
		t.Fatalf("other roots: exit %d\n%s", code, out)
	}

	// Unsigned, not a PDF, usage errors.
	if code, _, errs := runKho(t, nil, "verify", "--trust", roots, in); code != 1 || !strings.Contains(errs, "pdf_not_signed") {
		t.Fatalf("unsigned: exit %d %s", code, errs)
	}
	txt := filepath.Join(dir, "x.pdf")
	os.WriteFile(txt, []byte("this is not a PDF file, only some text"), 0o644)
	if code, _, errs := runKho(t, nil, "verify", "--trust", roots, txt); code != 1 || !strings.Contains(errs, "pdf_invalid") {
		t.Fatalf("not a PDF: exit %d %s", code, errs)
	}
	if code, _, _ := runKho(t, nil, "verify", signed); code != 2 {
		t.Fatalf("missing --trust: exit %d", code)
	}
	if code, _, _ := runKho(t, nil, "verify", "--trust", roots); code != 2 {
		t.Fatalf("missing file: exit %d", code)
	}
}
