//go:build cgo

package signing

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

// The SoftHSM2 token of this test binary: SoftHSM reads SOFTHSM2_CONF once
// per process, so every test shares one token folder.
var (
	tokenOnce sync.Once
	tokenVal  *pki.SoftHSMToken
	tokenErr  error
)

func softHSM(t *testing.T) *pki.SoftHSMToken {
	t.Helper()
	module := testenv.SoftHSMModule(t)
	e := getEnv(t)
	tokenOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kho-softhsm-")
		if err != nil {
			tokenErr = err
			return
		}
		tokenVal, tokenErr = e.pki.WriteSoftHSMToken(dir, module, pki.Personal, pki.ECDSA)
	})
	if tokenErr != nil {
		t.Fatalf("SoftHSM token: %v", tokenErr)
	}
	return tokenVal
}

func openToken(t *testing.T, cfg PKCS11Config) *PKCS11Key {
	t.Helper()
	k, err := OpenPKCS11(context.Background(), cfg)
	if err != nil {
		t.Fatalf("OpenPKCS11: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// TestPKCS11Sign signs with keys that live on a real SoftHSM2 token, RSA
// and ECDSA P-256, at B-B and B-T: pdfsig says valid and Verify passes.
func TestPKCS11Sign(t *testing.T) {
	tok := softHSM(t)
	e := getEnv(t)
	for _, name := range []string{pki.Personal, pki.ECDSA} {
		t.Run(name, func(t *testing.T) {
			k := openToken(t, PKCS11Config{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN, KeyLabel: name})
			id := e.pki.Identity(name)
			if !k.Certificate().Equal(id.Cert) {
				t.Fatalf("certificate from the token is %q", k.Certificate().Subject.CommonName)
			}
			// The chain was read from the token: intermediate, then root.
			if len(k.Chain()) != 2 || !k.Chain()[0].Equal(id.Chain[1]) || !k.Chain()[1].Equal(id.Chain[2]) {
				t.Fatalf("chain from the token: %d certificates", len(k.Chain()))
			}
			signBBAndBT(t, e, k)
		})
	}
}

// TestPKCS11Concurrent signs from many goroutines through one PKCS11Key.
func TestPKCS11Concurrent(t *testing.T) {
	tok := softHSM(t)
	e := getEnv(t)
	k := openToken(t, PKCS11Config{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN, KeyID: tok.IDs[pki.ECDSA], MaxSessions: 2})
	s, err := New(k, Options{Checker: e.checker()})
	if err != nil {
		t.Fatal(err)
	}
	pdf := makePDF(1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			if _, err := s.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out); err != nil {
				errs <- err
				return
			}
			rep, err := Verify(context.Background(), bytes.NewReader(out.Bytes()), int64(out.Len()), VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()})
			if err == nil && (len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != TotalPassed) {
				err = fmt.Errorf("verify: %+v", rep.Signatures)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent signature: %v", err)
	}
}

// TestPKCS11CertFromPEM takes the certificate chain from PEM instead of the
// token, and refuses one that belongs to another key.
func TestPKCS11CertFromPEM(t *testing.T) {
	tok := softHSM(t)
	e := getEnv(t)
	pemOf := func(name string) []byte {
		var b []byte
		for _, c := range e.pki.Identity(name).Chain {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		return b
	}
	k := openToken(t, PKCS11Config{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN, KeyLabel: pki.Personal, CertPEM: pemOf(pki.Personal)})
	if len(k.Chain()) != 2 {
		t.Fatalf("chain from PEM: %d", len(k.Chain()))
	}
	_, err := OpenPKCS11(context.Background(), PKCS11Config{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN, KeyLabel: pki.Personal, CertPEM: pemOf(pki.Seal)})
	wantCode(t, err, kerr.Invalid, "key_cert_mismatch")
}

// TestPKCS11Errors: each way of getting the token wrong has its own error.
func TestPKCS11Errors(t *testing.T) {
	tok := softHSM(t)
	good := PKCS11Config{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN, KeyLabel: pki.Personal}
	slot := 999
	for _, c := range []struct {
		name string
		edit func(*PKCS11Config)
		kind kerr.Kind
		code string
	}{
		{"module missing", func(c *PKCS11Config) { c.Module = "/nonexistent/libpkcs11.so" }, kerr.Invalid, "pkcs11_module_missing"},
		{"module not a library", func(c *PKCS11Config) { c.Module = "testdata/one-page.pdf" }, kerr.Invalid, "pkcs11_module_invalid"},
		{"token not found", func(c *PKCS11Config) { c.TokenLabel = "no-such-token" }, kerr.NotFound, "pkcs11_token_not_found"},
		{"slot not found", func(c *PKCS11Config) { c.TokenLabel, c.Slot = "", &slot }, kerr.NotFound, "pkcs11_token_not_found"},
		{"wrong PIN", func(c *PKCS11Config) { c.PIN = "0000" }, kerr.Invalid, "pkcs11_pin_wrong"},
		{"key not found", func(c *PKCS11Config) { c.KeyLabel = "no-such-key" }, kerr.NotFound, "pkcs11_key_not_found"},
		{"no key named", func(c *PKCS11Config) { c.KeyLabel = "" }, kerr.Invalid, "pkcs11_key_required"},
		{"bad cert PEM", func(c *PKCS11Config) { c.CertPEM = []byte("not PEM") }, kerr.Invalid, "cert_file_invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.edit(&cfg)
			k, err := OpenPKCS11(context.Background(), cfg)
			if err == nil {
				k.Close()
			}
			wantCode(t, err, c.kind, c.code)
			if c.code == "pkcs11_pin_wrong" {
				if _, msg := kerr.Public(err); msg != "Mã PIN không đúng." {
					t.Fatalf("message %q", msg)
				}
			}
		})
	}
	// The token still works after all that (a wrong PIN did not lock it).
	openToken(t, good)
}
