package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// TestServeRevocationCache checks that `kho serve --revocation-cache`
// (and $KHO_REVOCATION_CACHE) reaches the Checker the signing API checks
// signer certificates with: the default is signing's one minute, 0 turns
// the cache off, more than five minutes is refused.
func TestServeRevocationCache(t *testing.T) {
	if config.DefaultRevocationCache != signing.DefaultCacheFor || config.MaxRevocationCache != signing.MaxCacheFor {
		t.Fatalf("config's default %v and bound %v differ from signing's %v and %v",
			config.DefaultRevocationCache, config.MaxRevocationCache, signing.DefaultCacheFor, signing.MaxCacheFor)
	}
	key, cert := writePEMKey(t, t.TempDir())
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want time.Duration // the Checker's CacheFor; negative: off
		code string        // the refusal, if any
	}{
		{nil, nil, time.Minute, ""},
		{[]string{"--revocation-cache", "0"}, nil, -1, ""},
		{[]string{"--revocation-cache", "2m30s"}, nil, 150 * time.Second, ""},
		{nil, map[string]string{config.EnvRevocationCache: "0s"}, -1, ""},
		{nil, map[string]string{config.EnvRevocationCache: "5m"}, 5 * time.Minute, ""},
		{[]string{"--revocation-cache", "30s"}, map[string]string{config.EnvRevocationCache: "0"}, 30 * time.Second, ""},
		{[]string{"--revocation-cache", "6m"}, nil, 0, "invalid_revocation_cache"},
		{[]string{"--revocation-cache", "-1s"}, nil, 0, "invalid_revocation_cache"},
		{nil, map[string]string{config.EnvRevocationCache: "soon"}, 0, "invalid_env"},
	} {
		var c serveSigning
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.bind(fs, func(k string) string { return tc.env[k] })
		if err := fs.Parse(append(tc.args, "--sign-key", "canbo="+key, "--sign-key-cert", "canbo="+cert)); err != nil {
			t.Fatal(err)
		}
		err := c.validate()
		if tc.code != "" {
			if code, _ := kerr.Public(err); code != tc.code {
				t.Errorf("%v %v: %v, want %s", tc.args, tc.env, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v %v: %v", tc.args, tc.env, err)
		}
		_, sc, closeKeys, err := c.build(context.Background(), signing.ParseBudget{})
		if err != nil {
			t.Fatal(err)
		}
		closeKeys()
		if got := sc.Checker.CacheFor; got != tc.want && !(tc.want < 0 && got < 0) {
			t.Errorf("%v %v: Checker.CacheFor %v, want %v", tc.args, tc.env, got, tc.want)
		}
	}
	// The command refuses it before starting.
	code, _, errs := runKho(t, map[string]string{"KHO_DATA": t.TempDir()}, "serve", "--addr", "127.0.0.1:0", "--revocation-cache", "1h")
	if code == 0 || !strings.Contains(errs, "invalid_revocation_cache") {
		t.Fatalf("serve --revocation-cache 1h: exit %d, %s", code, errs)
	}
}

// writePEMKey writes a self-signed ECDSA key and certificate as PEM files
// in dir: a key the signing API can open without a PKI.
func writePEMKey(t *testing.T, dir string) (keyFile, certFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Cán bộ thử"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return keyFile, certFile
}
