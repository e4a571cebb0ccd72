package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/crypto/ocsp"
	"software.sslmate.com/src/go-pkcs12"
)

// srv is the one PKI of the package's tests; generating RSA-3072 keys is
// slow, so it is made once in TestMain.
var srv *Server

func TestMain(m *testing.M) {
	var err error
	srv, err = StartServer(context.Background(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test PKI:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close test PKI:", err)
		code = 1
	}
	os.Exit(code)
}

const signerKU = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment

func TestEndEntityChains(t *testing.T) {
	p := srv.PKI
	if p.BaseURL != srv.URL {
		t.Fatalf("BaseURL %q, server URL %q", p.BaseURL, srv.URL)
	}
	cases := []struct {
		name    string
		ku      x509.KeyUsage
		eku     x509.ExtKeyUsage
		keyType string
		invalid bool // at Now
	}{
		{TSA, x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, x509.ExtKeyUsageTimeStamping, "RSA-2048", false},
		{OCSP, x509.KeyUsageDigitalSignature, x509.ExtKeyUsageOCSPSigning, "RSA-2048", false},
		{Personal, signerKU, x509.ExtKeyUsageAny, "RSA-2048", false},
		{Seal, signerKU, x509.ExtKeyUsageAny, "RSA-3072", false},
		{ECDSA, signerKU, x509.ExtKeyUsageAny, "ECDSA P-256", false},
		{Expired, signerKU, x509.ExtKeyUsageAny, "RSA-2048", true},
		{NotYet, signerKU, x509.ExtKeyUsageAny, "RSA-2048", true},
		{Revoked, signerKU, x509.ExtKeyUsageAny, "RSA-2048", false},
		{WrongUsage, x509.KeyUsageKeyEncipherment, x509.ExtKeyUsageAny, "RSA-2048", false},
		{CriticalExt, signerKU, x509.ExtKeyUsageAny, "ECDSA P-256", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := p.Identity(c.name)
			if id == nil {
				t.Fatalf("no identity %q", c.name)
			}
			cert := id.Cert
			if cert.KeyUsage != c.ku {
				t.Errorf("KeyUsage %v, want %v", keyUsageNames(cert.KeyUsage), keyUsageNames(c.ku))
			}
			if got := keyType(id.Key); got != c.keyType {
				t.Errorf("key type %s, want %s", got, c.keyType)
			}
			if !publicKeysEqual(id.Key.Public(), cert.PublicKey) {
				t.Error("key does not match certificate")
			}
			if cert.IsCA {
				t.Error("end entity is a CA")
			}
			if len(id.Chain) != 3 || id.Chain[0] != cert || !id.Chain[1].Equal(p.Identity(Intermediate).Cert) || !id.Chain[2].Equal(p.Identity(Root).Cert) {
				t.Errorf("chain is not [cert, intermediate, root]: %d certificates", len(id.Chain))
			}
			wantAIA(t, cert.OCSPServer, p.BaseURL+"/ocsp")
			wantAIA(t, cert.IssuingCertificateURL, p.BaseURL+"/ca/intermediate.crt")
			wantAIA(t, cert.CRLDistributionPoints, p.BaseURL+"/crl/intermediate.crl")

			opts := x509.VerifyOptions{Roots: p.Roots(), Intermediates: p.Intermediates(), CurrentTime: p.Now, KeyUsages: []x509.ExtKeyUsage{c.eku}}
			if c.name == CriticalExt {
				// crypto/x509 refuses the unknown critical extension, and
				// only that: without it the chain verifies.
				var uce x509.UnhandledCriticalExtension
				if _, err := cert.Verify(opts); !errors.As(err, &uce) {
					t.Fatalf("Verify: %v, want UnhandledCriticalExtension", err)
				}
				if len(cert.UnhandledCriticalExtensions) != 1 || !cert.UnhandledCriticalExtensions[0].Equal(CriticalExtOID()) {
					t.Fatalf("unhandled critical extensions %v", cert.UnhandledCriticalExtensions)
				}
				c2 := *cert
				c2.UnhandledCriticalExtensions = nil
				if _, err := c2.Verify(opts); err != nil {
					t.Fatalf("Verify without the extension: %v", err)
				}
				return
			}
			chains, err := cert.Verify(opts)
			if c.invalid {
				var ie x509.CertificateInvalidError
				if !errors.As(err, &ie) || ie.Reason != x509.Expired {
					t.Fatalf("Verify at Now: %v, want an expired/not-yet-valid error", err)
				}
				// It was (or will be) valid inside its own validity period.
				opts.CurrentTime = cert.NotBefore.Add(time.Hour)
				if _, err := cert.Verify(opts); err != nil {
					t.Fatalf("Verify within validity: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if n := len(chains[0]); n != 3 || !chains[0][2].Equal(p.Identity(Root).Cert) {
				t.Fatalf("chain of %d does not end at the root", n)
			}
		})
	}
	if c := p.Identity(Expired).Cert; !c.NotAfter.Before(p.Now) {
		t.Errorf("expired NotAfter %v not before Now %v", c.NotAfter, p.Now)
	}
	if c := p.Identity(NotYet).Cert; !c.NotBefore.After(p.Now) {
		t.Errorf("notyet NotBefore %v not after Now %v", c.NotBefore, p.Now)
	}
}

func wantAIA(t *testing.T, got []string, want string) {
	t.Helper()
	if len(got) != 1 || got[0] != want {
		t.Errorf("URLs %q, want [%q]", got, want)
	}
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type eq interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(eq)
	return ok && e.Equal(b)
}

func TestCAsAndSpecialExtensions(t *testing.T) {
	p := srv.PKI
	root, inter := p.Identity(Root).Cert, p.Identity(Intermediate).Cert
	if !root.IsCA || root.Subject.String() != root.Issuer.String() || root.CheckSignatureFrom(root) != nil {
		t.Error("root is not a self-signed CA")
	}
	if d := root.NotAfter.Sub(p.Now); d < 9*year {
		t.Errorf("root valid for %v after Now, want about 10 years", d)
	}
	if !inter.IsCA || inter.MaxPathLen != 0 || !inter.MaxPathLenZero || inter.CheckSignatureFrom(root) != nil {
		t.Errorf("intermediate: IsCA %v MaxPathLen %d zero %v", inter.IsCA, inter.MaxPathLen, inter.MaxPathLenZero)
	}
	wantAIA(t, inter.CRLDistributionPoints, p.BaseURL+"/crl/root.crl")
	for _, name := range []string{Root, Intermediate} {
		k, ok := p.Identity(name).Key.(*rsa.PrivateKey)
		if !ok || k.N.BitLen() != 3072 {
			t.Errorf("%s key is not RSA-3072", name)
		}
	}
	if _, ok := p.Identity(ECDSA).Key.(*ecdsa.PrivateKey); !ok {
		t.Error("ecdsa key is not ECDSA")
	}

	tsa := p.Identity(TSA).Cert
	critical := false
	for _, e := range tsa.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			critical = e.Critical
		}
	}
	if !critical || len(tsa.ExtKeyUsage) != 1 || tsa.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("TSA EKU %v critical %v, want [timeStamping] critical", tsa.ExtKeyUsage, critical)
	}
	nocheck := false
	for _, e := range p.Identity(OCSP).Cert.Extensions {
		if e.Id.Equal(oidOCSPNoCheck) {
			nocheck = true
		}
	}
	if !nocheck {
		t.Error("OCSP responder certificate lacks id-pkix-ocsp-nocheck")
	}

	personal := p.Identity(Personal).Cert.Subject
	if personal.CommonName != "Nguyễn Văn An" || personal.SerialNumber != "CCCD:001099012345" {
		t.Errorf("personal subject %q", personal.String())
	}
	seal := p.Identity(Seal).Cert.Subject
	const ubnd = "Ủy ban nhân dân Phường Bến Nghé"
	if seal.CommonName != ubnd || len(seal.Organization) != 1 || seal.Organization[0] != ubnd ||
		len(seal.OrganizationalUnit) != 1 || seal.OrganizationalUnit[0] != "Văn thư" {
		t.Errorf("seal subject %q", seal.String())
	}
	// The Vietnamese names are encoded as UTF8String (tag 12), not mangled.
	if !bytes.Contains(p.Identity(Personal).Cert.RawSubject, append([]byte{12, byte(len("Nguyễn Văn An"))}, "Nguyễn Văn An"...)) {
		t.Error("personal CN is not a UTF8String")
	}

	if p.Identity("nobody") != nil {
		t.Error("unknown identity is not nil")
	}
	if _, err := Generate(Options{BaseURL: "not a url"}); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("bad base URL: %v, want Invalid", err)
	}
}

func ocspRequest(t *testing.T, cert, issuer *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func postOCSP(t *testing.T, body []byte) []byte {
	t.Helper()
	resp, err := http.Post(srv.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return readOK(t, resp, "application/ocsp-response")
}

func readOK(t *testing.T, resp *http.Response, contentType string) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != contentType {
		t.Fatalf("status %d, content type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return b
}

func TestOCSP(t *testing.T) {
	p := srv.PKI
	inter := p.Identity(Intermediate).Cert
	responder := p.Identity(OCSP).Cert
	check := func(t *testing.T, name string, raw []byte, want int) *ocsp.Response {
		t.Helper()
		cert := p.Identity(name).Cert
		resp, err := ocsp.ParseResponseForCert(raw, cert, inter) // verifies the signature and the responder's delegation
		if err != nil {
			t.Fatalf("%s: ParseResponseForCert: %v", name, err)
		}
		if resp.Status != want {
			t.Errorf("%s: status %d, want %d", name, resp.Status, want)
		}
		if resp.Certificate == nil || !resp.Certificate.Equal(responder) {
			t.Errorf("%s: response not signed by the OCSP responder certificate", name)
		}
		if resp.CheckSignatureFrom(responder) != nil {
			t.Errorf("%s: signature does not verify with the responder certificate", name)
		}
		if resp.SerialNumber.Cmp(cert.SerialNumber) != 0 {
			t.Errorf("%s: serial %v", name, resp.SerialNumber)
		}
		now := time.Now()
		if resp.ThisUpdate.After(now) || resp.ThisUpdate.Before(now.Add(-time.Minute)) || resp.NextUpdate.Sub(resp.ThisUpdate) != OCSPValidity {
			t.Errorf("%s: thisUpdate %v nextUpdate %v", name, resp.ThisUpdate, resp.NextUpdate)
		}
		return resp
	}

	t.Run("post", func(t *testing.T) {
		check(t, Personal, postOCSP(t, ocspRequest(t, p.Identity(Personal).Cert, inter)), ocsp.Good)
		check(t, Seal, postOCSP(t, ocspRequest(t, p.Identity(Seal).Cert, inter)), ocsp.Good)
		r := check(t, Revoked, postOCSP(t, ocspRequest(t, p.Identity(Revoked).Cert, inter)), ocsp.Revoked)
		if !r.RevokedAt.Equal(p.Now) || r.RevocationReason != ocsp.KeyCompromise {
			t.Errorf("revoked at %v reason %d, want %v reason %d", r.RevokedAt, r.RevocationReason, p.Now, ocsp.KeyCompromise)
		}
	})
	t.Run("get", func(t *testing.T) {
		for _, name := range []string{Personal, Revoked, ECDSA} {
			req := ocspRequest(t, p.Identity(name).Cert, inter)
			resp, err := http.Get(srv.URL + "/ocsp/" + url.PathEscape(base64.StdEncoding.EncodeToString(req)))
			if err != nil {
				t.Fatal(err)
			}
			want := ocsp.Good
			if name == Revoked {
				want = ocsp.Revoked
			}
			check(t, name, readOK(t, resp, "application/ocsp-response"), want)
		}
	})
	t.Run("unknown serial", func(t *testing.T) {
		req, err := ocsp.ParseRequest(ocspRequest(t, p.Identity(Personal).Cert, inter))
		if err != nil {
			t.Fatal(err)
		}
		req.SerialNumber = big.NewInt(42)
		der, err := req.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ocsp.ParseResponse(postOCSP(t, der), inter)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != ocsp.Unknown || resp.SerialNumber.Int64() != 42 {
			t.Errorf("status %d serial %v, want unknown 42", resp.Status, resp.SerialNumber)
		}
	})
	t.Run("other issuer", func(t *testing.T) {
		_, err := ocsp.ParseResponse(postOCSP(t, ocspRequest(t, inter, p.Identity(Root).Cert)), nil)
		var re ocsp.ResponseError
		if !errors.As(err, &re) || re.Status != ocsp.Unauthorized {
			t.Errorf("err %v, want unauthorized", err)
		}
	})
	t.Run("nonce", func(t *testing.T) {
		// x/crypto/ocsp cannot write a nonce; add one to its request.
		var req struct {
			TBS struct {
				RequestList []asn1.RawValue
				Extensions  []pkix.Extension `asn1:"explicit,tag:2,optional"`
			}
		}
		if _, err := asn1.Unmarshal(ocspRequest(t, p.Identity(Personal).Cert, inter), &req); err != nil {
			t.Fatal(err)
		}
		nonce, _ := asn1.Marshal([]byte("kho-nonce-0123456789"))
		req.TBS.Extensions = []pkix.Extension{{Id: oidOCSPNonce, Value: nonce}}
		der, err := asn1.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		raw := postOCSP(t, der)
		check(t, Personal, raw, ocsp.Good) // the re-signed response verifies
		// x/crypto/ocsp does not parse responseExtensions; read them here.
		var outer ocspResponseASN1
		var basic basicResponseASN1
		var data responseDataASN1
		if _, err := asn1.Unmarshal(raw, &outer); err != nil {
			t.Fatal(err)
		}
		if _, err := asn1.Unmarshal(outer.Response.Response, &basic); err != nil {
			t.Fatal(err)
		}
		if _, err := asn1.Unmarshal(basic.TBSResponseData.FullBytes, &data); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range data.ResponseExtensions {
			found = found || (e.Id.Equal(oidOCSPNonce) && bytes.Equal(e.Value, nonce))
		}
		if !found {
			t.Errorf("nonce not echoed in responseExtensions: %+v", data.ResponseExtensions)
		}
	})
	t.Run("openssl", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]*x509.Certificate{"issuer.pem": inter, "roots.pem": p.Identity(Root).Cert, "revoked.pem": p.Identity(Revoked).Cert, "personal.pem": p.Identity(Personal).Cert}
		for f, c := range files {
			if err := os.WriteFile(filepath.Join(dir, f), pemCert(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for name, want := range map[string]string{"personal": "personal.pem: good", "revoked": "revoked.pem: revoked"} {
			out, err := exec.Command("openssl", "ocsp", "-issuer", filepath.Join(dir, "issuer.pem"), "-cert", filepath.Join(dir, name+".pem"),
				"-url", srv.URL+"/ocsp", "-CAfile", filepath.Join(dir, "roots.pem")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Response verify OK") || !strings.Contains(string(out), want) || strings.Contains(string(out), "WARNING") {
				t.Errorf("openssl ocsp %s: %v\n%s", name, err, out)
			}
		}
	})
	t.Run("malformed", func(t *testing.T) {
		_, err := ocsp.ParseResponse(postOCSP(t, []byte("not DER")), nil)
		var re ocsp.ResponseError
		if !errors.As(err, &re) || re.Status != ocsp.Malformed {
			t.Errorf("err %v, want malformed", err)
		}
	})
}

func TestCRLAndCAHandlers(t *testing.T) {
	p := srv.PKI
	get := func(path, ct string) []byte {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		return readOK(t, resp, ct)
	}
	crl, err := x509.ParseRevocationList(get("/crl/intermediate.crl", "application/pkix-crl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(p.Identity(Intermediate).Cert); err != nil {
		t.Fatalf("intermediate CRL signature: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("%d revoked entries, want 1", len(crl.RevokedCertificateEntries))
	}
	e := crl.RevokedCertificateEntries[0]
	if e.SerialNumber.Cmp(p.Identity(Revoked).Cert.SerialNumber) != 0 || !e.RevocationTime.Equal(p.Now) || e.ReasonCode != ReasonKeyCompromise {
		t.Errorf("entry serial %v time %v reason %d", e.SerialNumber, e.RevocationTime, e.ReasonCode)
	}
	if crl.NextUpdate.Sub(crl.ThisUpdate) != CRLValidity || time.Since(crl.ThisUpdate) > time.Minute {
		t.Errorf("thisUpdate %v nextUpdate %v", crl.ThisUpdate, crl.NextUpdate)
	}
	again, err := x509.ParseRevocationList(get("/crl/intermediate.crl", "application/pkix-crl"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Number.Cmp(crl.Number) <= 0 {
		t.Errorf("CRL number %v after %v, want increasing", again.Number, crl.Number)
	}

	rootCRL, err := x509.ParseRevocationList(get("/crl/root.crl", "application/pkix-crl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := rootCRL.CheckSignatureFrom(p.Identity(Root).Cert); err != nil || len(rootCRL.RevokedCertificateEntries) != 0 {
		t.Errorf("root CRL: signature %v, %d entries", err, len(rootCRL.RevokedCertificateEntries))
	}

	for _, name := range []string{Root, Intermediate} {
		if der := get("/ca/"+name+".crt", "application/pkix-cert"); !bytes.Equal(der, p.Identity(name).Cert.Raw) {
			t.Errorf("/ca/%s.crt is not the certificate", name)
		}
	}
	resp, err := http.Get(srv.URL + "/ca/personal.crt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/ca/personal.crt: status %d, want 404", resp.StatusCode)
	}
}

func postTSA(t *testing.T, req []byte) []byte {
	t.Helper()
	resp, err := http.Post(srv.URL+"/tsa", "application/timestamp-query", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	return readOK(t, resp, "application/timestamp-reply")
}

func TestTSA(t *testing.T) {
	p := srv.PKI
	data := []byte("Tờ khai đăng ký khai sinh")
	digest := sha256.Sum256(data)
	stamp := func(nonce int64, certs bool) (*timestamp.Timestamp, []byte) {
		req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: certs, Nonce: big.NewInt(nonce)})
		if err != nil {
			t.Fatal(err)
		}
		raw := postTSA(t, req)
		ts, err := timestamp.ParseResponse(raw) // verifies the CMS signature when certificates are included
		if err != nil {
			t.Fatalf("ParseResponse: %v", err)
		}
		return ts, raw
	}
	before := time.Now().Add(-time.Second)
	ts, raw := stamp(123456789, true)
	if !bytes.Equal(ts.HashedMessage, digest[:]) || ts.HashAlgorithm != crypto.SHA256 {
		t.Errorf("hashed message %x (%v), want %x", ts.HashedMessage, ts.HashAlgorithm, digest)
	}
	if ts.Nonce == nil || ts.Nonce.Int64() != 123456789 {
		t.Errorf("nonce %v, want 123456789", ts.Nonce)
	}
	if ts.Time.Before(before) || ts.Time.After(time.Now().Add(time.Second)) || ts.Accuracy != TSAAccuracy || !ts.Policy.Equal(TSAPolicy()) {
		t.Errorf("time %v accuracy %v policy %v", ts.Time, ts.Accuracy, ts.Policy)
	}
	var signer *x509.Certificate
	inter := x509.NewCertPool()
	for _, c := range ts.Certificates {
		if c.Equal(p.Identity(TSA).Cert) {
			signer = c
		} else {
			inter.AddCert(c)
		}
	}
	if signer == nil {
		t.Fatal("TSA certificate not included")
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: p.Roots(), Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Fatalf("TSA certificate does not chain to the root: %v", err)
	}

	ts2, _ := stamp(7, true)
	if ts2.SerialNumber.Cmp(ts.SerialNumber) <= 0 {
		t.Errorf("serial %v after %v, want increasing", ts2.SerialNumber, ts.SerialNumber)
	}
	ts3, _ := stamp(8, false)
	if len(ts3.Certificates) != 0 {
		t.Errorf("%d certificates without certReq, want 0", len(ts3.Certificates))
	}

	// OpenSSL agrees: the token verifies against the data with the test roots.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resp.tsr"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "roots.pem"), pemCert(p.Identity(Root).Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chain.pem"), pemCert(p.Identity(Intermediate).Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "ts", "-verify", "-data", filepath.Join(dir, "data"), "-in", filepath.Join(dir, "resp.tsr"),
		"-CAfile", filepath.Join(dir, "roots.pem"), "-untrusted", filepath.Join(dir, "chain.pem")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Errorf("openssl ts -verify: %v\n%s", err, out)
	}

	// A SHA-1 imprint and garbage are rejected with a proper reply.
	sha1req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		t.Fatal(err)
	}
	otherPolicy, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, TSAPolicyOID: asn1.ObjectIdentifier{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		body []byte
		fail timestamp.FailureInfo
	}{"sha1": {sha1req, timestamp.BadAlgorithm}, "garbage": {[]byte("xyz"), timestamp.BadDataFormat}, "policy": {otherPolicy, timestamp.UnacceptedPolicy}} {
		_, err := timestamp.ParseResponse(postTSA(t, c.body))
		if err == nil || !strings.Contains(err.Error(), timestamp.Rejection.String()) || !strings.Contains(err.Error(), c.fail.String()) {
			t.Errorf("%s: %v, want a rejection (%s)", name, err, c.fail)
		}
	}
	// The responder's ASN.1 matches what the library expects.
	var resp tsResponse
	if _, err := asn1.Unmarshal(raw, &resp); err != nil || resp.Status.Status != 0 {
		t.Errorf("response status %v %v", resp.Status, err)
	}
}

func TestWriteDirLoadDirAndPKCS12(t *testing.T) {
	p := srv.PKI
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	q, err := LoadDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q.BaseURL != p.BaseURL || !q.Now.Equal(p.Now) {
		t.Errorf("loaded base %q now %v, want %q %v", q.BaseURL, q.Now, p.BaseURL, p.Now)
	}
	for _, name := range Names() {
		a, b := p.Identity(name), q.Identity(name)
		if b == nil || !a.Cert.Equal(b.Cert) || !publicKeysEqual(b.Key.Public(), a.Cert.PublicKey) || len(a.Chain) != len(b.Chain) {
			t.Errorf("%s does not round-trip", name)
			continue
		}
		for i := range a.Chain {
			if !a.Chain[i].Equal(b.Chain[i]) {
				t.Errorf("%s chain[%d] differs", name, i)
			}
		}

		p12, err := os.ReadFile(filepath.Join(dir, name+".p12"))
		if err != nil {
			t.Fatal(err)
		}
		key, cert, cas, err := pkcs12.DecodeChain(p12, TestPassword)
		if err != nil {
			t.Fatalf("%s.p12: %v", name, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok || !cert.Equal(a.Cert) || !publicKeysEqual(signer.Public(), a.Cert.PublicKey) || len(cas) != len(a.Chain)-1 {
			t.Errorf("%s.p12 holds the wrong key, certificate or chain (%d CA certificates)", name, len(cas))
		}
		if _, _, _, err := pkcs12.DecodeChain(p12, "wrong"); err == nil {
			t.Errorf("%s.p12 opens with a wrong password", name)
		}
	}
	if len(q.Revocations()) != 1 || q.Revocations()[0].Serial.Cmp(p.Identity(Revoked).Cert.SerialNumber) != 0 || !q.Revocations()[0].RevokedAt.Equal(p.Now) {
		t.Errorf("revocations %+v", q.Revocations())
	}
	// The loaded PKI answers OCSP like the original.
	raw := q.OCSPResponse(ocspRequest(t, q.Identity(Revoked).Cert, q.Identity(Intermediate).Cert))
	if r, err := ocsp.ParseResponseForCert(raw, q.Identity(Revoked).Cert, q.Identity(Intermediate).Cert); err != nil || r.Status != ocsp.Revoked {
		t.Errorf("loaded OCSP: %v", err)
	}
	for _, f := range []string{"root.crl", "intermediate.crl"} {
		der, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x509.ParseRevocationList(der); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for f, n := range map[string]int{"roots.pem": 1, "chain.pem": 2} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if c := strings.Count(string(b), "BEGIN CERTIFICATE"); c != n {
			t.Errorf("%s holds %d certificates, want %d", f, c, n)
		}
	}

	// OpenSSL 3 reads the PKCS#12 files with the documented password.
	for _, name := range []string{Personal, Seal, ECDSA} {
		out, err := exec.Command("openssl", "pkcs12", "-in", filepath.Join(dir, name+".p12"), "-passin", "pass:"+TestPassword, "-nokeys").CombinedOutput()
		if err != nil || strings.Count(string(out), "BEGIN CERTIFICATE") != 3 {
			t.Errorf("openssl pkcs12 %s: %v\n%s", name, err, out)
		}
		out, err = exec.Command("openssl", "pkcs12", "-in", filepath.Join(dir, name+".p12"), "-passin", "pass:"+TestPassword, "-nocerts", "-nodes").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "BEGIN PRIVATE KEY") {
			t.Errorf("openssl pkcs12 -nocerts %s: %v\n%s", name, err, out)
		}
	}

	if _, err := LoadDir(filepath.Join(dir, "missing"), Options{}); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("missing dir: %v, want NotFound", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seal.crt"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir, Options{}); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("corrupt certificate: %v, want Invalid", err)
	}
}
