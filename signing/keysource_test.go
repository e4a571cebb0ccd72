package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"software.sslmate.com/src/go-pkcs12"
)

func TestLoadPKCS12(t *testing.T) {
	e := getEnv(t)
	id := e.pki.Identity(pki.Personal)
	p12, err := pkcs12.Modern.Encode(id.Key, id.Cert, id.Chain[1:], pki.TestPassword)
	if err != nil {
		t.Fatal(err)
	}
	k, err := LoadPKCS12(bytes.NewReader(p12), pki.TestPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Certificate().Equal(id.Cert) || len(k.Chain()) != 2 {
		t.Fatalf("loaded %v with chain of %d", k.Certificate().Subject, len(k.Chain()))
	}
	s, err := New(k, Options{Checker: e.checker()})
	if err != nil {
		t.Fatal(err)
	}
	out := signBytes(t, s, makePDF(1))
	if rep := runPdfsig(t, out); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}

	_, err = LoadPKCS12(bytes.NewReader(p12), "wrong")
	wantCode(t, err, kerr.Invalid, "key_password_wrong")
	_, err = LoadPKCS12(bytes.NewReader([]byte("not pkcs12")), "x")
	wantCode(t, err, kerr.Invalid, "key_file_invalid")
}

func TestLoadPEM(t *testing.T) {
	e := getEnv(t)
	id := e.pki.Identity(pki.ECDSA)
	var certs bytes.Buffer
	for _, c := range id.Chain {
		pem.Encode(&certs, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	k, err := LoadPEM(certs.Bytes(), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Certificate().Equal(id.Cert) || len(k.Chain()) != 2 {
		t.Fatal("wrong certificate or chain")
	}
	if err := e.checker().CheckCertificate(context.Background(), k.Certificate(), k.Chain(), e.pki.Now); err != nil {
		t.Fatal(err)
	}

	// The key of another identity does not match.
	other := e.pki.Identity(pki.Personal)
	der, _ = x509.MarshalPKCS8PrivateKey(other.Key)
	_, err = LoadPEM(certs.Bytes(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	wantCode(t, err, kerr.Invalid, "key_cert_mismatch")
	_, err = LoadPEM(nil, keyPEM)
	wantCode(t, err, kerr.Invalid, "cert_file_invalid")
	_, err = LoadPEM(certs.Bytes(), []byte("nothing"))
	wantCode(t, err, kerr.Invalid, "key_file_invalid")
}
