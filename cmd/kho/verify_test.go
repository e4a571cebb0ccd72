package main

import (
	"encoding/json"
	"os"
	"os/exec"
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
				CommonName string `json:"commonName"`
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

// TestLongTermCommands: kho sign --level B-LTA and kho extend; kho verify
// shows the level and the document time-stamp, offline too.
func TestLongTermCommands(t *testing.T) {
	e := newSignTestPKI(t)
	dir, pw, in, roots, tsa := e.dir, e.pw, e.in, e.roots, e.srv.URL+"/tsa"
	lta := filepath.Join(dir, "lta.pdf")
	if code, out, errs := runKho(t, nil, "sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw,
		"--trust", roots, "--level", "B-LTA", "--tsa", tsa, in, "-o", lta); code != 0 || !strings.Contains(out, "B-LTA") {
		t.Fatalf("sign B-LTA: exit %d\n%s\n%s", code, out, errs)
	}
	if bin, err := exec.LookPath("pdfsig"); err == nil { // checkPdfsig skips or fails without it
		rep, _ := exec.Command(bin, lta).CombinedOutput()
		// The signature is valid; pdfsig 22.12 shows the document time-stamp as "unknown".
		if strings.Count(string(rep), "Signature #") != 2 || strings.Count(string(rep), "Signature is Valid.") != 1 || !strings.Contains(string(rep), "Signature Type: unknown") {
			t.Fatalf("pdfsig on B-LTA:\n%s", rep)
		}
	} else {
		checkPdfsig(t, lta, 2)
	}
	bt := filepath.Join(dir, "bt.pdf")
	if code, out, errs := runKho(t, nil, "sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw,
		"--trust", roots, "--level", "B-T", "--tsa", tsa, in, "-o", bt); code != 0 {
		t.Fatalf("sign B-T: exit %d\n%s\n%s", code, out, errs)
	}
	extended := filepath.Join(dir, "extended.pdf")
	if code, out, errs := runKho(t, nil, "extend", "--level", "B-LTA", "--tsa", tsa, "--trust", roots, bt, "-o", extended); code != 0 || !strings.Contains(out, "B-LTA") {
		t.Fatalf("extend: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runKho(t, nil, "extend", "--level", "B-LTA", "--trust", roots, bt, "-o", filepath.Join(dir, "x.pdf")); code == 0 || !strings.Contains(errs, "tsa_required") {
		t.Fatalf("extend without --tsa: exit %d %s", code, errs)
	}
	e.srv.Close() // from here on, no OCSP, CRL or TSA: the DSS must do
	for _, f := range []string{lta, extended} {
		code, out, errs := runKho(t, nil, "verify", "--trust", roots, "--timeout", "1s", f)
		if code != 0 || !strings.Contains(out, "PAdES B-LTA") || !strings.Contains(out, "Dấu thời gian của tệp") || !strings.Contains(out, "theo dữ liệu lưu kèm tệp PDF (DSS)") {
			t.Fatalf("verify %s offline: exit %d\n%s\n%s", f, code, out, errs)
		}
	}
	if code, out, _ := runKho(t, nil, "verify", "--trust", roots, "--timeout", "1s", bt); code != 1 || !strings.Contains(out, "TRY_LATER") {
		t.Fatalf("B-T offline: exit %d\n%s", code, out)
	}
}
