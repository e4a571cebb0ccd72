package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

// TestSignCSC signs through the test PKI's remote signing service (CSC API).
func TestSignCSC(t *testing.T) {
	e := newSignTestPKI(t)
	token := filepath.Join(e.dir, "csc-token")
	os.WriteFile(token, []byte(pki.CSCTestToken+"\n"), 0o600)
	pin := filepath.Join(e.dir, "pin")
	os.WriteFile(pin, []byte(pki.CSCTestPIN+"\n"), 0o600)
	csc := e.srv.URL + "/csc/v2"
	for _, cred := range []string{pki.Personal, pki.ECDSA} {
		out := filepath.Join(e.dir, cred+"-remote.pdf")
		code, stdout, stderr := runKho(t, nil, "sign", "--csc-url", csc, "--csc-credential", cred, "--csc-token-file", token,
			"--pin-file", pin, "--trust", e.roots, "--level", "B-T", "--tsa", e.srv.URL+"/tsa", e.in, "-o", out)
		if code != 0 || !strings.Contains(stdout, "OK") {
			t.Fatalf("%s: exit %d\n%s\n%s", cred, code, stdout, stderr)
		}
		checkPdfsig(t, out, 1)
		code, stdout, stderr = runKho(t, nil, "verify", "--trust", e.roots, out)
		if code != 0 || !strings.Contains(stdout+stderr, "TOTAL-PASSED") {
			t.Fatalf("verify: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}

	os.WriteFile(pin+"2", []byte("0000\n"), 0o600)
	os.WriteFile(token+"2", []byte("expired\n"), 0o600)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--csc-url", csc, "--csc-credential", pki.Personal, "--csc-token-file", token, "--pin-file", pin + "2"}, 1, "Mã PIN không đúng"},
		{[]string{"--csc-url", csc, "--csc-credential", pki.Personal, "--csc-token-file", token + "2", "--pin-file", pin}, 1, "csc_unauthorized"},
		{[]string{"--csc-url", csc, "--csc-credential", "nobody", "--csc-token-file", token, "--pin-file", pin}, 1, "csc_credential_not_found"},
		{[]string{"--csc-url", csc, "--csc-credential", pki.Revoked, "--csc-token-file", token, "--pin-file", pin}, 1, "cert_revoked"},
		{[]string{"--csc-url", csc, "--csc-token-file", token}, 2, "csc_credential_required"},
		{[]string{"--csc-url", csc, "--csc-credential", pki.Personal}, 2, "csc_token_file_required"},
		{[]string{"--csc-url", csc, "--pkcs11-module", "/x.so"}, 2, "key_source_conflict"},
	} {
		args := append([]string{"sign"}, c.args...)
		code, _, stderr := runKho(t, nil, append(args, "--trust", e.roots, e.in, "-o", filepath.Join(e.dir, "x.pdf"))...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, stderr)
		}
	}
}
