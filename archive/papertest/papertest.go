// Package papertest holds the fixtures of the paper copy's tests
// (archive, portal/web, cmd/kho): the test PKI with its OCSP, CRL and TSA
// responders, a verifier that trusts it, real PDFs rendered by the test
// Gotenberg and signed with the test keys. Never imported by production
// code.
package papertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
)

// PublicURL is the portal's public URL the tests print in QR codes.
const PublicURL = "https://dichvucong.example.gov.vn"

// The test PKI, generated once per test binary (RSA key generation
// dominates), and its PKCS#12 files.
var (
	once   sync.Once
	server *pki.Server
	dir    string
	err0   error
)

// PKI returns the running test PKI (OCSP, CRL, TSA on loopback).
func PKI(t testing.TB) *pki.Server {
	t.Helper()
	once.Do(func() {
		server, err0 = pki.StartServer(context.Background(), pki.Options{})
		if err0 != nil {
			return
		}
		dir, err0 = os.MkdirTemp("", "kho-papertest-pki-")
		if err0 == nil {
			err0 = server.PKI.WriteDir(dir)
		}
	})
	if err0 != nil {
		t.Fatalf("test PKI: %v", err0)
	}
	return server
}

// Verifier verifies against the test PKI's root, with OCSP and CRL.
func Verifier(t testing.TB) archive.Verifier {
	p := PKI(t).PKI
	return archive.NewVerifier(signing.VerifyOptions{Roots: p.Roots(), Checker: &signing.Checker{Roots: p.Roots(), Timeout: 5 * time.Second}})
}

// Gotenberg is the test Gotenberg.
func Gotenberg(t testing.TB) *convert.Gotenberg {
	t.Helper()
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t)})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Config is a paper copier's configuration over the test Gotenberg and
// the shipped templates.
func Config(t testing.TB) archive.PaperCopyConfig {
	t.Helper()
	ts, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return archive.PaperCopyConfig{Templates: ts, Converter: Gotenberg(t), PublicURL: PublicURL}
}

// PagePhrase is the text on page i of Document's PDF.
func PagePhrase(i int) string { return fmt.Sprintf("Nội dung giấy tờ gốc – trang %d", i) }

// Document is a real PDF of n A4 pages rendered by the test Gotenberg,
// page i saying PagePhrase(i).
func Document(t testing.TB, n int) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Giấy tờ gốc</title></head><body>`)
	for i := 1; i <= n; i++ {
		brk := ""
		if i < n {
			brk = ` style="page-break-after: always"`
		}
		fmt.Fprintf(&b, `<section%s><h1>GIẤY KHAI SINH</h1><p>%s</p></section>`, brk, PagePhrase(i))
	}
	b.WriteString(`</body></html>`)
	rc, err := Gotenberg(t).HTMLToPDF(context.Background(), []byte(b.String()), nil, convert.Options{})
	if err != nil {
		t.Fatalf("render the original: %v", err)
	}
	defer rc.Close()
	pdf, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// Sign signs pdf (PAdES B-T, the test TSA) with the test identity name
// (pki.Personal, pki.Seal, …).
func Sign(t testing.TB, name string, pdf []byte) []byte {
	t.Helper()
	srv := PKI(t)
	f, err := os.Open(filepath.Join(dir, name+".p12"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k, err := signing.LoadPKCS12(f, pki.TestPassword)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signing.New(k, signing.Options{Level: signing.LevelBT, TSAURL: srv.URL + "/tsa",
		Checker: &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return out.Bytes()
}

// SignerName is the common name of the test identity name's certificate.
func SignerName(t testing.TB, name string) string {
	t.Helper()
	id := PKI(t).PKI.Identity(name)
	if id == nil {
		t.Fatalf("no test identity %q", name)
	}
	return id.Cert.Subject.CommonName
}

// RootsFile is the PEM file of the test PKI's trust anchors.
func RootsFile(t testing.TB) string {
	t.Helper()
	PKI(t)
	return filepath.Join(dir, "roots.pem")
}
