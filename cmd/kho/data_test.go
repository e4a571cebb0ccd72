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

// servedPKI generates the test PKI in a folder, with its OCSP, CRL and TSA
// served on a loopback address, and a password file for its .p12 files.
func servedPKI(t *testing.T) (p *pki.PKI, url, dir, password string) {
	t.Helper()
	srv, err := pki.StartServer(t.Context(), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir = t.TempDir()
	if err := srv.PKI.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	password = filepath.Join(dir, "password")
	if err := os.WriteFile(password, []byte(pki.TestPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.PKI, srv.URL, dir, password
}

func TestSignDataCommands(t *testing.T) {
	p, url, dir, pw := servedPKI(t)
	data := filepath.Join(dir, "to-khai.json")
	os.WriteFile(data, []byte(`{"ho_ten":"Nguyễn Thị Hoa","ngay_sinh":"15/08/2026"}`), 0o644)
	roots := filepath.Join(dir, "roots.pem")
	name := p.Identity(pki.Personal).Cert.Subject.CommonName

	// sign-data with a time-stamp; the default output is DATA.p7s.
	code, stdout, stderr := runKho(t, nil, "sign-data", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw,
		"--trust", roots, "--tsa", url+"/tsa", data)
	if code != 0 || !strings.Contains(stdout, "OK") || !strings.Contains(stdout, "CAdES-T") {
		t.Fatalf("sign-data: exit %d\n%s\n%s", code, stdout, stderr)
	}
	sig := data + ".p7s"
	if out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", data,
		"-CAfile", roots, "-out", os.DevNull).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}

	// verify-data: passes, Vietnamese summary, JSON report.
	code, stdout, stderr = runKho(t, nil, "verify-data", "--trust", roots, data)
	if code != 0 || !strings.Contains(stdout, name) || !strings.Contains(stdout, "theo dấu thời gian") {
		t.Fatalf("verify-data: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runKho(t, nil, "verify-data", "--trust", roots, "--json", data, sig)
	var rep struct {
		Verdict string `json:"verdict"`
		Signer  struct {
			CommonName string `json:"commonName"`
		} `json:"signer"`
		Timestamp struct {
			Valid bool `json:"valid"`
		} `json:"timestamp"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 || rep.Verdict != "TOTAL-PASSED" || rep.Signer.CommonName != name || !rep.Timestamp.Valid {
		t.Fatalf("verify-data --json: exit %d, %v\n%s", code, err, stdout)
	}

	// Changed data: exit 1, HASH_FAILURE.
	changed := filepath.Join(dir, "changed.json")
	os.WriteFile(changed, []byte(`{"ho_ten":"Nguyễn Thị Hòa","ngay_sinh":"15/08/2026"}`), 0o644)
	code, stdout, _ = runKho(t, nil, "verify-data", "--trust", roots, changed, sig)
	if code != 1 || !strings.Contains(stdout, "HASH_FAILURE") {
		t.Fatalf("changed data: exit %d\n%s", code, stdout)
	}
	// Wrong trust anchors: exit 1, NO_CERTIFICATE_CHAIN_FOUND.
	code, stdout, _ = runKho(t, nil, "verify-data", "--trust", filepath.Join(dir, "tsa.crt"), data)
	if code != 1 || !strings.Contains(stdout, "NO_CERTIFICATE_CHAIN_FOUND") {
		t.Fatalf("wrong roots: exit %d\n%s", code, stdout)
	}

	// Refusals: an existing output, a revoked certificate, a file that is not a signature.
	code, _, stderr = runKho(t, nil, "sign-data", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw, "--trust", roots, data)
	if code != 1 || !strings.Contains(stderr, "output_exists") {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	code, _, stderr = runKho(t, nil, "sign-data", "--key", filepath.Join(dir, "revoked.p12"), "--password-file", pw, "--trust", roots, data, "-o", filepath.Join(dir, "r.p7s"))
	if code != 1 || !strings.Contains(stderr, "cert_revoked") {
		t.Fatalf("revoked: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.p7s")); err == nil {
		t.Fatal("output written for a refused signature")
	}
	code, _, stderr = runKho(t, nil, "verify-data", "--trust", roots, data, data)
	if code != 1 || !strings.Contains(stderr, "signature_invalid") {
		t.Fatalf("not a signature: exit %d, %s", code, stderr)
	}
	if code, _, _ := runKho(t, nil, "verify-data", data); code != 2 {
		t.Fatalf("missing --trust: exit %d", code)
	}
	if code, _, _ := runKho(t, nil, "sign-data", data); code != 2 {
		t.Fatalf("missing --key: exit %d", code)
	}
}
