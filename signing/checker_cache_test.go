package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/crypto/ocsp"
)

// switchingResponder is an OCSP responder of the test PKI's CA (its answers
// are signed by the PKI's authorised responder certificate) whose answer
// for one serial can be switched to "revoked", as a CA does when it revokes
// a certificate. Other requests (the CRLs) go to the test PKI's server.
type switchingResponder struct {
	mu      sync.Mutex
	revoked map[string]bool // serial (decimal) → revoked
	asked   map[string]int  // serial → OCSP requests
	pki     *pki.PKI
}

func newSwitchingResponder(p *pki.PKI) *switchingResponder {
	return &switchingResponder{revoked: map[string]bool{}, asked: map[string]int{}, pki: p}
}

func (s *switchingResponder) set(cert *x509.Certificate, revoked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[cert.SerialNumber.String()] = revoked
}

func (s *switchingResponder) count(cert *x509.Certificate) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[cert.SerialNumber.String()]
}

func (s *switchingResponder) client() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.HasPrefix(r.URL.Path, "/ocsp") {
			return http.DefaultTransport.RoundTrip(r)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			return nil, err
		}
		serial := req.SerialNumber.String()
		s.mu.Lock()
		s.asked[serial]++
		revoked := s.revoked[serial]
		s.mu.Unlock()
		now := time.Now().Truncate(time.Second)
		tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber,
			ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), Certificate: s.pki.Identity(pki.OCSP).Cert}
		if revoked {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, now.Add(-time.Second), ocsp.KeyCompromise
		}
		der, err := ocsp.CreateResponse(s.pki.Identity(pki.Intermediate).Cert, s.pki.Identity(pki.OCSP).Cert, tmpl, s.pki.Identity(pki.OCSP).Key)
		if err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"application/ocsp-response"}},
			Body: io.NopCloser(bytes.NewReader(der)), Request: r}, nil
	})}
}

// TestCheckerCacheRevocationWindow: a "good" answer is reused for CacheFor
// and no longer; a certificate revoked meanwhile is refused once the window
// has passed, and at once when caching is off.
func TestCheckerCacheRevocationWindow(t *testing.T) {
	e := getEnv(t)
	k := e.key(t, pki.Personal)
	cert := k.Certificate()
	ctx := context.Background()
	resp := newSwitchingResponder(e.pki)
	const window = 400 * time.Millisecond
	c := &Checker{Roots: e.pki.Roots(), HTTPClient: resp.client(), CacheFor: window}

	if err := c.CheckCertificate(ctx, cert, k.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	stored := time.Now()
	if err := c.CheckCertificate(ctx, cert, k.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := resp.count(cert); n != 1 {
		t.Fatalf("%d OCSP requests for two checks within CacheFor, want 1", n)
	}

	// The CA revokes the certificate. Within the window the cached answer
	// still stands (this is the documented price of the cache)...
	resp.set(cert, true)
	if err := c.CheckCertificate(ctx, cert, k.Chain(), time.Now()); err != nil {
		if time.Since(stored) < window {
			t.Fatalf("within CacheFor the cached answer should stand: %v", err)
		}
	}
	// ... and once it has passed, the revocation is seen.
	time.Sleep(window - time.Since(stored) + 50*time.Millisecond)
	err := c.CheckCertificate(ctx, cert, k.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertRevoked)
	// A "revoked" answer is never remembered: each check asks again.
	before := resp.count(cert)
	err = c.CheckCertificate(ctx, cert, k.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertRevoked)
	if resp.count(cert) != before+1 {
		t.Fatalf("a revoked answer was reused from the cache")
	}

	// Caching off: the revocation is seen by the very next check.
	resp = newSwitchingResponder(e.pki)
	c = &Checker{Roots: e.pki.Roots(), HTTPClient: resp.client(), CacheFor: -1}
	if err := c.CheckCertificate(ctx, cert, k.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	resp.set(cert, true)
	err = c.CheckCertificate(ctx, cert, k.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertRevoked)
}

// TestCheckerCacheNotShared: what the cache holds for one certificate,
// issuer or set of intermediates is never the answer for another.
func TestCheckerCacheNotShared(t *testing.T) {
	e := getEnv(t)
	ctx := context.Background()
	resp := newSwitchingResponder(e.pki)
	c := &Checker{Roots: e.pki.Roots(), HTTPClient: resp.client()} // default CacheFor
	personal, ecdsa, revoked := e.key(t, pki.Personal), e.key(t, pki.ECDSA), e.key(t, pki.Revoked)
	resp.set(revoked.Certificate(), true)

	if err := c.CheckCertificate(ctx, personal.Certificate(), personal.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	// Another certificate of the same issuer: asked for itself, and the
	// revoked one is refused although a "good" answer for its sibling is cached.
	err := c.CheckCertificate(ctx, revoked.Certificate(), revoked.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertRevoked)
	if err := c.CheckCertificate(ctx, ecdsa.Certificate(), ecdsa.Chain(), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []KeySource{personal, ecdsa, revoked} {
		if n := resp.count(k.Certificate()); n != 1 {
			t.Fatalf("%s: %d OCSP requests, want 1", k.Certificate().Subject.CommonName, n)
		}
	}

	// The chain verified with the intermediate is not reused without it.
	err = c.CheckCertificate(ctx, personal.Certificate(), nil, time.Now())
	wantCode(t, err, kerr.Permission, CodeCertUntrusted)
	// Nor against other trust anchors.
	other := x509.NewCertPool()
	other.AddCert(e.pki.Identity(pki.TSA).Cert)
	c.Roots = other
	err = c.CheckCertificate(ctx, personal.Certificate(), personal.Chain(), time.Now())
	wantCode(t, err, kerr.Permission, CodeCertUntrusted)
	c.Roots = e.pki.Roots()

	// The cached answer about personal from the intermediate is not an
	// answer from another issuer: asked with the root as issuer, the
	// response (signed under the intermediate) is fetched and refused.
	if _, err := c.ocspStatus(ctx, personal.Certificate().OCSPServer[0], personal.Certificate(), e.pki.Identity(pki.Root).Cert, time.Now()); err == nil {
		t.Fatal("a cached OCSP answer was accepted for an issuer that did not sign it")
	}
	if n := resp.count(personal.Certificate()); n != 2 {
		t.Fatalf("%d OCSP requests for personal, want 2 (the check, then the other issuer)", n)
	}
}

// TestCheckerCacheFor: zero is the default, negative is off, and no value
// exceeds the freshness tolerance.
func TestCheckerCacheFor(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{0: DefaultCacheFor, -1: 0, time.Second: time.Second, time.Hour: MaxCacheFor} {
		if got := (&Checker{CacheFor: in}).cacheFor(); got != want {
			t.Errorf("CacheFor %v: effective %v, want %v", in, got, want)
		}
	}
}
