package signing

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

// The fixtures under testdata: one-page.pdf is makePDF(1); the encrypted
// ones were made from it with qpdf (--encrypt user owner 256, and an empty
// user password with AES-128, which opens without a password).
func TestFixtures(t *testing.T) {
	e := getEnv(t)
	s := e.signer(t, pki.Personal, Options{})
	one, err := os.ReadFile("testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one, makePDF(1)) {
		t.Fatal("testdata/one-page.pdf differs from makePDF(1)")
	}
	if rep := runPdfsig(t, signBytes(t, s, one)); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
		t.Fatalf("pdfsig:\n%s", rep.out)
	}
	for _, f := range []string{"testdata/encrypted-aes256.pdf", "testdata/encrypted-owner-only.pdf"} {
		t.Run(f, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_, err = s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out)
			wantCode(t, err, kerr.Invalid, "pdf_encrypted")
		})
	}
}

// FuzzSign feeds arbitrary bytes to the signer: it must return a kerr error
// of kind Invalid or sign, never panic. The seeds are the fixtures, kept in
// testdata/fuzz/FuzzSign with what the fuzzer found.
func FuzzSign(f *testing.F) {
	for _, name := range []string{"testdata/one-page.pdf", "testdata/encrypted-aes256.pdf", "testdata/encrypted-owner-only.pdf"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(makePDF(2)[:300])
	s := quickSigner(f)
	f.Fuzz(signsOrRefuses(s))
}

// signsOrRefuses is the body of the signing fuzz targets: s signs the
// input or refuses it with kind Invalid or TooLarge, writing nothing.
func signsOrRefuses(s *Signer) func(*testing.T, []byte) {
	return func(t *testing.T, in []byte) {
		var out bytes.Buffer
		_, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out)
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("kind %s: %v", k, err)
			}
			if out.Len() != 0 {
				t.Fatal("output written on error")
			}
		}
	}
}

// quickSigner signs with a fresh self-signed ECDSA key trusted as its own
// anchor, without revocation: generating the whole test PKI in every fuzz
// worker would take longer than the fuzzing.
func quickSigner(t testing.TB) *Signer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Fuzz"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	ks, err := newFileKey(key, cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(ks, Options{Checker: &Checker{Roots: roots, Revocation: RevocationSkip}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMutatedInputs signs 2000 copies of the one-page fixture with a few
// random bytes changed (a fixed seed, so failures reproduce): each one is
// signed or refused with kind Invalid, quickly, without a panic.
func TestMutatedInputs(t *testing.T) {
	s := quickSigner(t)
	base := makePDF(2)
	n := 2000
	if testing.Short() {
		n = 300
	}
	signMutated(t, s, base, 1, n)
}

// signMutated signs n copies of base with one to four random bytes changed
// (seeded, so failures reproduce): each must be signed or refused with kind
// Invalid, within 2 s, without a panic.
func signMutated(t *testing.T, s *Signer, base []byte, seed uint64, n int) {
	t.Helper()
	r := mrand.New(mrand.NewPCG(seed, seed+1))
	signed := 0
	for i := 0; i < n; i++ {
		in := bytes.Clone(base)
		for j := 0; j <= r.IntN(4); j++ {
			in[r.IntN(len(in))] = byte(r.IntN(256))
		}
		start := time.Now()
		var out bytes.Buffer
		_, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out)
		if err != nil && kerr.KindOf(err) != kerr.Invalid {
			t.Fatalf("mutation %d: kind %s: %v", i, kerr.KindOf(err), err)
		}
		if err == nil {
			signed++
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("mutation %d took %v", i, d)
		}
	}
	t.Logf("%d of %d mutated inputs signed, the rest refused", signed, n)
}
