package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"golang.org/x/crypto/ocsp"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

func TestCheckCertificate(t *testing.T) {
	e := getEnv(t)
	cases := []struct {
		name string
		kind kerr.Kind
		code string
	}{
		{pki.Personal, 0, ""},
		{pki.Seal, 0, ""},
		{pki.ECDSA, 0, ""},
		{pki.Expired, kerr.Permission, CodeCertExpired},
		{pki.NotYet, kerr.Permission, CodeCertNotYetValid},
		{pki.Revoked, kerr.Permission, CodeCertRevoked},
		{pki.WrongUsage, kerr.Permission, CodeCertWrongUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := e.key(t, c.name)
			err := e.checker().CheckCertificate(context.Background(), k.Certificate(), k.Chain(), time.Now())
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, c.kind, c.code)
			// The message names the signer so a person knows whose certificate it is.
			if _, msg := kerr.Public(err); !strings.Contains(msg, k.Certificate().Subject.CommonName) {
				t.Fatalf("message %q does not name the signer", msg)
			}
		})
	}
}

func TestCheckCertificateUntrusted(t *testing.T) {
	e := getEnv(t)
	k := e.key(t, pki.Personal)
	other := x509.NewCertPool()
	other.AddCert(e.pki.Identity(pki.TSA).Cert) // not an anchor for this chain
	err := (&Checker{Roots: other}).CheckCertificate(context.Background(), k.Certificate(), k.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertUntrusted)
	// Without the intermediate the chain cannot be built either.
	err = e.checker().CheckCertificate(context.Background(), k.Certificate(), nil, time.Now())
	wantCode(t, err, kerr.Permission, CodeCertUntrusted)
	// No anchors configured at all.
	err = (&Checker{}).CheckCertificate(context.Background(), k.Certificate(), k.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertUntrusted)
}

// roundTripFunc lets a test shape what the network does.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// blocking returns a client that fails requests whose path contains any of
// block and counts requests per kind.
func blocking(counts map[string]int, block ...string) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		for _, b := range block {
			if strings.Contains(r.URL.Path, b) {
				counts[b+" blocked"]++
				return nil, errors.New("blocked by test")
			}
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/ocsp"):
			counts["ocsp"]++
		case r.URL.Path == "/crl/intermediate.crl":
			counts["crl"]++ // the end entity's CRL; the root's CRL covers the intermediate
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
}

func TestRevocationOCSPThenCRL(t *testing.T) {
	e := getEnv(t)
	good, revoked := e.key(t, pki.Personal), e.key(t, pki.Revoked)

	// OCSP answers: the CRL is not fetched.
	counts := map[string]int{}
	c := &Checker{Roots: e.pki.Roots(), HTTPClient: blocking(counts)}
	if err := c.CheckCertificate(context.Background(), good.Certificate(), good.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if counts["ocsp"] == 0 || counts["crl"] != 0 {
		t.Fatalf("requests %v, want OCSP only", counts)
	}

	// OCSP down: the CRL decides, and still finds the revoked certificate.
	counts = map[string]int{}
	c = &Checker{Roots: e.pki.Roots(), HTTPClient: blocking(counts, "/ocsp")}
	if err := c.CheckCertificate(context.Background(), good.Certificate(), good.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if counts["crl"] == 0 {
		t.Fatalf("requests %v, want a CRL fetch", counts)
	}
	// The CRL is cached until its nextUpdate: a second check fetches nothing.
	before := counts["crl"]
	if err := c.CheckCertificate(context.Background(), good.Certificate(), good.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if counts["crl"] != before {
		t.Fatalf("CRL fetched again: %v", counts)
	}
	err := c.CheckCertificate(context.Background(), revoked.Certificate(), revoked.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertRevoked)

	// Both down: refuse, and say so.
	c = &Checker{Roots: e.pki.Roots(), HTTPClient: blocking(map[string]int{}, "/ocsp", "/crl")}
	err = c.CheckCertificate(context.Background(), good.Certificate(), good.Chain(), time.Now())
	wantCode(t, err, kerr.Unavailable, CodeRevocationUnavailable)

	// A responder that hangs is cut off by the timeout.
	hang := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	c = &Checker{Roots: e.pki.Roots(), HTTPClient: hang, Timeout: 100 * time.Millisecond}
	start := time.Now()
	err = c.CheckCertificate(context.Background(), good.Certificate(), good.Chain(), time.Now())
	wantCode(t, err, kerr.Unavailable, CodeRevocationUnavailable)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("timeout not applied: took %v", d)
	}

	// Skipping revocation accepts the revoked certificate (offline demos only).
	c = &Checker{Roots: e.pki.Roots(), Revocation: RevocationSkip, HTTPClient: blocking(map[string]int{}, "/")}
	if err := c.CheckCertificate(context.Background(), revoked.Certificate(), revoked.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"B-B": LevelBB, "b-t": LevelBT, "PAdES-B-LT": LevelBLT, " B-LTA ": LevelBLTA} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Fatalf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	_, err := ParseLevel("B-X")
	wantCode(t, err, kerr.Invalid, "level_unknown")
}

// TestForgedOCSPResponseIgnored: a "good" answer for the revoked certificate,
// signed by an end entity of the same CA that has no OCSPSigning usage, is
// not believed; the CRL then decides.
func TestForgedOCSPResponseIgnored(t *testing.T) {
	e := getEnv(t)
	revoked := e.key(t, pki.Revoked)
	forger := e.pki.Identity(pki.Personal)
	issuer := e.pki.Identity(pki.Intermediate).Cert
	forged := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.HasPrefix(r.URL.Path, "/ocsp") {
			return http.DefaultTransport.RoundTrip(r)
		}
		now := time.Now()
		der, err := ocsp.CreateResponse(issuer, forger.Cert, ocsp.Response{
			Status: ocsp.Good, SerialNumber: revoked.Certificate().SerialNumber,
			ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), Certificate: forger.Cert,
		}, forger.Key)
		if err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"application/ocsp-response"}},
			Body: io.NopCloser(bytes.NewReader(der)), Request: r}, nil
	})}
	c := &Checker{Roots: e.pki.Roots(), HTTPClient: forged}
	err := c.CheckCertificate(context.Background(), revoked.Certificate(), revoked.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertRevoked)
}

// TestCRLCacheIssuer: a cached CRL's signature is checked once, against the
// issuer it was fetched for; asked with another issuer, it is checked again
// and refused.
func TestCRLCacheIssuer(t *testing.T) {
	e := getEnv(t)
	personal, inter := e.pki.Identity(pki.Personal).Cert, e.pki.Identity(pki.Intermediate).Cert
	c := &Checker{Roots: e.pki.Roots()}
	url := personal.CRLDistributionPoints[0]
	for i := 0; i < 2; i++ { // fetched and checked, then from the cache
		if st, err := c.crlStatus(context.Background(), url, personal, inter, time.Now()); err != nil || st.revoked {
			t.Fatalf("check %d: %+v %v", i, st, err)
		}
	}
	if _, err := c.crlStatus(context.Background(), url, personal, e.pki.Identity(pki.Root).Cert, time.Now()); err == nil {
		t.Fatal("a cached CRL was accepted for an issuer that did not sign it")
	}
}
