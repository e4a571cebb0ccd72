package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

// eFormJSON and eFormXML are eForm data as the exporter writes them: the
// signature is over these exact bytes.
var (
	eFormJSON = []byte(`{"form":"to-khai-khai-sinh","version":1,"fields":{"ho_ten":"Nguyễn Thị Hoa","ngay_sinh":"15/08/2026","noi_sinh":"Phường Bến Nghé, TP. Hồ Chí Minh"}}`)
	eFormXML  = []byte(`<?xml version="1.0" encoding="UTF-8"?><ToKhai ma="to-khai-khai-sinh" phienBan="1"><HoTen>Nguyễn Thị Hoa</HoTen><NgaySinh>15/08/2026</NgaySinh></ToKhai>`)
)

func signDataBytes(t testing.TB, k KeySource, data []byte, opts DataOptions) []byte {
	t.Helper()
	if opts.Checker == nil {
		opts.Checker = getEnv(t).checker()
	}
	sig, err := SignData(context.Background(), k, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("SignData: %v", err)
	}
	return sig
}

func verifyDataBytes(t testing.TB, data, sig []byte, opts VerifyOptions) *DataReport {
	t.Helper()
	rep, err := VerifyData(context.Background(), bytes.NewReader(data), sig, opts)
	if err != nil {
		t.Fatalf("VerifyData: %v", err)
	}
	return rep
}

func wantData(t *testing.T, rep *DataReport, verdict Verdict, sub string) {
	t.Helper()
	if rep.Verdict != verdict || rep.SubIndication != sub {
		t.Fatalf("verdict %s/%s (%s), want %s/%s", rep.Verdict, rep.SubIndication, rep.Detail, verdict, sub)
	}
	if verdict != TotalPassed && rep.Message == "" {
		t.Fatal("no Vietnamese message for a verdict other than TOTAL-PASSED")
	}
}

func TestSignDataVerify(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()}
	for _, name := range []string{pki.Personal, pki.Seal, pki.ECDSA} {
		for _, data := range [][]byte{eFormJSON, eFormXML, {}} {
			k := e.key(t, name)
			sig := signDataBytes(t, k, data, DataOptions{})
			rep := verifyDataBytes(t, data, sig, opts)
			wantData(t, rep, TotalPassed, "")
			c := k.Certificate()
			if rep.Signer == nil || rep.Signer.CommonName != c.Subject.CommonName || rep.Signer.SerialNumber != c.Subject.SerialNumber {
				t.Fatalf("%s: signer %+v", name, rep.Signer)
			}
			if !rep.Integrity || !rep.CryptoValid || !rep.ChainTrusted || rep.Revocation != "good" || rep.Size != int64(len(data)) ||
				rep.SigningTimeSource != "signed_attribute" || time.Since(rep.SigningTime) > time.Minute || rep.Timestamp.Present {
				t.Fatalf("%s: report %+v", name, rep)
			}
		}
	}
	if id := e.pki.Identity(pki.Personal).Cert.Subject.SerialNumber; id == "" {
		t.Fatal("the personal test certificate has no subject serialNumber")
	}
}

// TestSignDataTampered: changed data is HASH_FAILURE; a changed signature
// value or signed attribute is SIG_CRYPTO_FAILURE; wrong roots give
// NO_CERTIFICATE_CHAIN_FOUND.
func TestSignDataTampered(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots()}
	sig := signDataBytes(t, e.key(t, pki.Personal), eFormJSON, DataOptions{})

	changed := bytes.Replace(eFormJSON, []byte("Hoa"), []byte("Hòa"), 1)
	wantData(t, verifyDataBytes(t, changed, sig, opts), TotalFailed, SubHashFailure)
	wantData(t, verifyDataBytes(t, append(bytes.Clone(eFormJSON), '\n'), sig, opts), TotalFailed, SubHashFailure)

	p, err := parseCMS(sig)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(sig, p.signature)
	bad := bytes.Clone(sig)
	bad[i+len(p.signature)/2] ^= 0x01
	wantData(t, verifyDataBytes(t, eFormJSON, bad, opts), TotalFailed, SubSigCryptoFailure)

	// The signing time is inside the signed attributes: change a digit.
	j := bytes.Index(sig, p.attrs[oidSigningTime.String()][0])
	bad = bytes.Clone(sig)
	bad[j+4] = '0' + (bad[j+4]-'0'+1)%10
	wantData(t, verifyDataBytes(t, eFormJSON, bad, opts), TotalFailed, SubSigCryptoFailure)

	other := x509.NewCertPool()
	other.AddCert(e.pki.Identity(pki.TSA).Cert)
	rep := verifyDataBytes(t, eFormJSON, sig, VerifyOptions{Roots: other})
	wantData(t, rep, Indeterminate, SubNoCertificateChain)
	if rep.Signer == nil || !rep.Integrity || !rep.CryptoValid || rep.ChainTrusted {
		t.Fatalf("report %+v", rep)
	}
}

// TestSignDataRefusals: SignData refuses the certificates SignBatch refuses,
// with the same codes.
func TestSignDataRefusals(t *testing.T) {
	e := getEnv(t)
	for name, code := range map[string]string{
		pki.Expired: CodeCertExpired, pki.NotYet: CodeCertNotYetValid, pki.Revoked: CodeCertRevoked, pki.WrongUsage: CodeCertWrongUsage,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := SignData(context.Background(), e.key(t, name), bytes.NewReader(eFormJSON), DataOptions{Checker: e.checker()})
			wantCode(t, err, kerr.Permission, code)
		})
	}
	_, err := SignData(context.Background(), e.key(t, pki.Personal), bytes.NewReader(eFormJSON), DataOptions{})
	wantCode(t, err, kerr.Invalid, "checker_missing")
	_, err = SignData(context.Background(), e.key(t, pki.Personal), bytes.NewReader(eFormJSON),
		DataOptions{Checker: e.checker(), TSAURL: e.srv.URL + "/no-such-tsa"})
	wantCode(t, err, kerr.Unavailable, "tsa_unavailable")
}

// TestVerifyDataRevocationAndTime: REVOKED, TRY_LATER, OUT_OF_BOUNDS_NO_POE,
// and a B-T signature validated at its time-stamp after the certificate
// expired.
func TestVerifyDataRevocationAndTime(t *testing.T) {
	e := getEnv(t)
	noRev := &Checker{Roots: e.pki.Roots(), Revocation: RevocationSkip}
	opts := VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()}

	revoked := signDataBytes(t, e.key(t, pki.Revoked), eFormXML, DataOptions{Checker: noRev})
	rep := verifyDataBytes(t, eFormXML, revoked, opts)
	wantData(t, rep, TotalFailed, SubRevoked)
	if rep.Revocation != "revoked" {
		t.Fatalf("revocation %q", rep.Revocation)
	}

	bb := signDataBytes(t, e.key(t, pki.Personal), eFormXML, DataOptions{})
	offline := &Checker{Roots: e.pki.Roots(), Timeout: time.Second, HTTPClient: &http.Client{Transport: failingTransport{}}}
	wantData(t, verifyDataBytes(t, eFormXML, bb, VerifyOptions{Roots: e.pki.Roots(), Checker: offline}), Indeterminate, SubTryLater)

	// Signed while the expired certificate was valid, verified now.
	exp := e.key(t, pki.Expired)
	then := exp.Certificate().NotAfter.Add(-time.Hour)
	old := signDataBytes(t, exp, eFormXML, DataOptions{Checker: noRev, Now: func() time.Time { return then }})
	wantData(t, verifyDataBytes(t, eFormXML, old, opts), Indeterminate, SubOutOfBoundsNoPOE)

	// B-T: after the personal certificate expires, B-B has no proof of
	// existence, B-T is validated at its time-stamp and passes.
	bt := signDataBytes(t, e.key(t, pki.Personal), eFormXML, DataOptions{TSAURL: e.tsaURL})
	rep = verifyDataBytes(t, eFormXML, bt, opts)
	wantData(t, rep, TotalPassed, "")
	if !rep.Timestamp.Valid || rep.SigningTimeSource != "timestamp" || rep.Timestamp.TSA == "" || !rep.ValidatedAt.Equal(rep.Timestamp.Time) {
		t.Fatalf("timestamp %+v, source %q, validated at %v", rep.Timestamp, rep.SigningTimeSource, rep.ValidatedAt)
	}
	later := e.pki.Identity(pki.Personal).Cert.NotAfter.Add(24 * time.Hour)
	afterExpiry := VerifyOptions{Roots: e.pki.Roots(), Now: func() time.Time { return later }}
	wantData(t, verifyDataBytes(t, eFormXML, bb, afterExpiry), Indeterminate, SubOutOfBoundsNoPOE)
	wantData(t, verifyDataBytes(t, eFormXML, bt, afterExpiry), TotalPassed, "")
	// Tampered data with a time-stamp is still HASH_FAILURE.
	wantData(t, verifyDataBytes(t, eFormJSON, bt, opts), TotalFailed, SubHashFailure)
}

func TestVerifyDataBadInput(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots()}
	_, err := VerifyData(context.Background(), bytes.NewReader(eFormJSON), make([]byte, MaxDataSignatureSize+1), opts)
	wantCode(t, err, kerr.TooLarge, "signature_too_large")
	for _, bad := range [][]byte{nil, []byte("not a signature"), eFormJSON, makePDF(1)} {
		_, err = VerifyData(context.Background(), bytes.NewReader(eFormJSON), bad, opts)
		wantCode(t, err, kerr.Invalid, "signature_invalid")
	}
	sig := signDataBytes(t, e.key(t, pki.Personal), eFormJSON, DataOptions{})
	_, err = VerifyData(context.Background(), bytes.NewReader(eFormJSON), sig[:len(sig)-1], opts)
	wantCode(t, err, kerr.Invalid, "signature_invalid")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = VerifyData(ctx, bytes.NewReader(eFormJSON), sig, opts)
	wantCode(t, err, kerr.Unavailable, "verify_cancelled")
}

// openssl runs openssl with args in dir and returns its combined output.
func openssl(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "openssl", "openssl"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSignDataOpenSSL: OpenSSL accepts our signatures (B-B and B-T) and
// refuses them over changed data; we accept OpenSSL's CAdES signatures.
func TestSignDataOpenSSL(t *testing.T) {
	e := getEnv(t)
	dir := t.TempDir()
	if err := e.pki.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("data.json", eFormJSON)
	write("changed.json", bytes.Replace(eFormJSON, []byte("Hoa"), []byte("Hòa"), 1))
	write("bb.p7s", signDataBytes(t, e.key(t, pki.Personal), eFormJSON, DataOptions{}))
	write("bt.p7s", signDataBytes(t, e.key(t, pki.Seal), eFormJSON, DataOptions{TSAURL: e.tsaURL}))
	write("ec.p7s", signDataBytes(t, e.key(t, pki.ECDSA), eFormJSON, DataOptions{}))
	for _, sig := range []string{"bb.p7s", "bt.p7s", "ec.p7s"} {
		verify := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", "roots.pem", "-out", os.DevNull}
		if out, err := openssl(t, dir, append(verify, "-content", "data.json")...); err != nil || !strings.Contains(out, "Verification successful") {
			t.Errorf("openssl refuses %s: %v\n%s", sig, err, out)
		}
		if out, err := openssl(t, dir, append(verify, "-content", "changed.json")...); err == nil || strings.Contains(out, "Verification successful") {
			t.Errorf("openssl accepts %s over changed data:\n%s", sig, out)
		}
	}
	// The other way round: OpenSSL signs (CAdES-BES with -cades), we verify.
	if out, err := openssl(t, dir, "cms", "-sign", "-binary", "-cades", "-md", "sha256", "-in", "data.json", "-signer", "personal.crt",
		"-inkey", "personal.key", "-certfile", "chain.pem", "-outform", "DER", "-out", "openssl.p7s"); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, out)
	}
	sig, err := os.ReadFile(filepath.Join(dir, "openssl.p7s"))
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyDataBytes(t, eFormJSON, sig, VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()})
	wantData(t, rep, TotalPassed, "")
	wantData(t, verifyDataBytes(t, bytes.Replace(eFormJSON, []byte("Hoa"), []byte("Hòa"), 1), sig, VerifyOptions{Roots: e.pki.Roots()}), TotalFailed, SubHashFailure)
}

// TestDataFixtures checks the kept fuzz seeds of FuzzVerifyData: a B-B and
// a B-T signature over eFormJSON that verify (intact, the B-T one with its
// time-stamp) under the kept root, so that fuzzing starts from signatures
// that reach the end of verification. With KHO_WRITE_FIXTURES=1 it first
// rewrites them (testdata/data-*.p7s and data-root.pem).
func TestDataFixtures(t *testing.T) {
	if os.Getenv("KHO_WRITE_FIXTURES") == "1" {
		e := getEnv(t)
		files := map[string][]byte{
			"testdata/data-bb.p7s":   signDataBytes(t, e.key(t, pki.Personal), eFormJSON, DataOptions{}),
			"testdata/data-bt.p7s":   signDataBytes(t, e.key(t, pki.Seal), eFormJSON, DataOptions{TSAURL: e.tsaURL}),
			"testdata/data-root.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.pki.Identity(pki.Root).Cert.Raw}),
		}
		for name, b := range files {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	roots := x509.NewCertPool()
	if rootPEM, err := os.ReadFile("testdata/data-root.pem"); err != nil || !roots.AppendCertsFromPEM(rootPEM) {
		t.Fatalf("testdata/data-root.pem: %v", err)
	}
	changed := bytes.Replace(eFormJSON, []byte("Hoa"), []byte("Hòa"), 1)
	for name, stamped := range map[string]bool{"testdata/data-bb.p7s": false, "testdata/data-bt.p7s": true} {
		sig, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rep := verifyDataBytes(t, eFormJSON, sig, VerifyOptions{Roots: roots})
		if !rep.Integrity || !rep.CryptoValid || rep.Timestamp.Present != stamped || (stamped && !rep.Timestamp.Valid) {
			t.Errorf("%s no longer verifies over eFormJSON (rewrite it with KHO_WRITE_FIXTURES=1): %+v", name, rep)
		}
		if rep := verifyDataBytes(t, changed, sig, VerifyOptions{Roots: roots}); rep.Integrity {
			t.Errorf("%s verifies over changed data: %+v", name, rep)
		}
	}
}

// FuzzVerifyData feeds arbitrary signatures to VerifyData: a report or a
// kerr error of kind Invalid or TooLarge, never a panic. Seeds: our B-B and
// B-T signatures and OpenSSL's, kept in testdata/fuzz/FuzzVerifyData.
func FuzzVerifyData(f *testing.F) {
	for _, name := range []string{"testdata/data-bb.p7s", "testdata/data-bt.p7s"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	roots := x509.NewCertPool()
	rootPEM, err := os.ReadFile("testdata/data-root.pem")
	if err != nil || !roots.AppendCertsFromPEM(rootPEM) {
		f.Fatalf("testdata/data-root.pem: %v", err)
	}
	f.Fuzz(func(t *testing.T, sig []byte) {
		rep, err := VerifyData(context.Background(), bytes.NewReader(eFormJSON), sig, VerifyOptions{Roots: roots})
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("kind %s: %v", k, err)
			}
			return
		}
		if rep.Verdict == "" {
			t.Fatal("report without a verdict")
		}
	})
}
