//go:build cgo

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestSignPKCS11 signs with the personal key on a real SoftHSM2 token.
func TestSignPKCS11(t *testing.T) {
	e := newSignTestPKI(t)
	module, tok, pin := e.softHSMToken(t, pki.Personal)
	out := filepath.Join(e.dir, "token.pdf")
	code, stdout, stderr := runKho(t, nil, "sign", "--pkcs11-module", module, "--pkcs11-token", tok.Label, "--pkcs11-key", pki.Personal,
		"--pin-file", pin, "--trust", e.roots, "--level", "B-T", "--tsa", e.srv.URL+"/tsa", e.in, "-o", out)
	if code != 0 || !strings.Contains(stdout, "OK") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkPdfsig(t, out, 1)
	code, stdout, stderr = runKho(t, nil, "verify", "--trust", e.roots, out)
	if code != 0 || !strings.Contains(stdout+stderr, "TOTAL-PASSED") {
		t.Fatalf("verify: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// The key found by ID, the chain given as PEM.
	out2 := filepath.Join(e.dir, "token2.pdf")
	code, stdout, stderr = runKho(t, nil, "sign", "--pkcs11-module", module, "--pkcs11-slot", strconv.Itoa(tok.Slot), "--pkcs11-key-id", "4b01",
		"--cert", e.pem, "--pin-file", pin, "--trust", e.roots, e.in, "-o", out2)
	if code != 0 {
		t.Fatalf("slot and key ID: exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkPdfsig(t, out2, 1)

	os.WriteFile(pin+"2", []byte("0000\n"), 0o600)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--pkcs11-token", tok.Label, "--pkcs11-key", pki.Personal, "--pin-file", pin + "2"}, 1, "Mã PIN không đúng"},
		{[]string{"--pkcs11-token", "nope", "--pkcs11-key", pki.Personal, "--pin-file", pin}, 1, "pkcs11_token_not_found"},
		{[]string{"--pkcs11-token", tok.Label, "--pkcs11-key", "nope", "--pin-file", pin}, 1, "pkcs11_key_not_found"},
		{[]string{"--pkcs11-token", tok.Label, "--pkcs11-key", pki.Personal}, 2, "pin_file_required"},
		{[]string{"--pkcs11-token", tok.Label, "--pkcs11-key-id", "zz", "--pin-file", pin}, 2, "invalid_pkcs11_key_id"},
		{[]string{"--key", "x.p12", "--pkcs11-token", tok.Label, "--pin-file", pin}, 2, "key_source_conflict"},
	} {
		args := append([]string{"sign", "--pkcs11-module", module}, c.args...)
		code, _, stderr := runKho(t, nil, append(args, "--trust", e.roots, e.in, "-o", filepath.Join(e.dir, "x.pdf"))...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, stderr)
		}
	}
}

// softHSMToken puts identity's key and certificate on a new SoftHSM2 token
// and writes its PIN to a file: the module path, the token and the PIN
// file, as `kho sign` and `kho serve` take them.
func (e *signTestPKI) softHSMToken(t *testing.T, identity string) (string, *pki.SoftHSMToken, string) {
	t.Helper()
	module := testenv.SoftHSMModule(t)
	tok, err := e.pki.WriteSoftHSMToken(t.TempDir(), module, identity)
	if err != nil {
		t.Fatal(err)
	}
	pin := filepath.Join(e.dir, "pin-"+identity)
	if err := os.WriteFile(pin, []byte(tok.PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return module, tok, pin
}
