package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

func TestRunWritesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	var out, errOut bytes.Buffer
	if err := run([]string{"-out", dir, "-base-url", "http://127.0.0.1:18999"}, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), pki.TestPassword) {
		t.Errorf("output does not name the PKCS#12 password: %q", out.String())
	}
	p, err := pki.LoadDir(dir, pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.BaseURL != "http://127.0.0.1:18999" || p.Identity(pki.Personal).Cert.OCSPServer[0] != "http://127.0.0.1:18999/ocsp" {
		t.Errorf("base URL %q, OCSP %q", p.BaseURL, p.Identity(pki.Personal).Cert.OCSPServer)
	}
	for _, f := range []string{"manifest.json", "roots.pem", "chain.pem", "root.crl", "intermediate.crl", "seal.p12", "wrongusage.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if pw, err := os.ReadFile(filepath.Join(dir, "password")); err != nil || string(pw) != pki.TestPassword+"\n" {
		t.Errorf("password file: %q, %v", pw, err)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"-out"}, {"serve"}, {"serve", "-dir", filepath.Join(t.TempDir(), "missing")}, {"-out", "x", "extra"}} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
	var errOut bytes.Buffer
	_ = run(nil, &bytes.Buffer{}, &errOut)
	if !strings.Contains(errOut.String(), "go run ./certs-test serve -dir DIR") {
		t.Errorf("usage text missing: %q", errOut.String())
	}
}
