package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

// signTestPKI is a generated test PKI served on a loopback listener, written
// to a folder with a PDF to sign.
type signTestPKI struct {
	pki        *pki.PKI
	srv        *httptest.Server
	dir, in    string
	pw         string // a file holding pki.TestPassword
	roots, pem string // roots.pem; personal.crt + chain.pem
}

func newSignTestPKI(t *testing.T) *signTestPKI {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	p, err := pki.Generate(pki.Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "password")
	os.WriteFile(pw, []byte(pki.TestPassword+"\n"), 0o600)
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, minimalPDF(), 0o644)
	leaf, _ := os.ReadFile(filepath.Join(dir, "personal.crt"))
	chain, _ := os.ReadFile(filepath.Join(dir, "chain.pem"))
	chainFile := filepath.Join(dir, "personal-chain.pem")
	os.WriteFile(chainFile, append(leaf, chain...), 0o644)
	return &signTestPKI{pki: p, srv: srv, dir: dir, in: in, pw: pw, roots: filepath.Join(dir, "roots.pem"), pem: chainFile}
}
