package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/crypto/ocsp"
)

// RevocationPolicy says what the Checker does about revocation.
type RevocationPolicy int

const (
	// RevocationRequired asks OCSP, then the CRL, for every certificate of
	// the chain below the trust anchor, and refuses (revocation_unavailable)
	// when neither answers. It is the default.
	RevocationRequired RevocationPolicy = iota
	// RevocationSkip does not check revocation at all (tests, offline demos).
	RevocationSkip
)

// Checker makes the checks done before signing: validity period, key usage,
// chain to the trust anchors and revocation. The zero value is not usable:
// Roots must be set. A Checker is safe for concurrent use and must not be
// copied after first use (it caches CRLs).
type Checker struct {
	// Roots are the trust anchors the signer certificate must chain to.
	Roots *x509.CertPool
	// Revocation is the revocation policy; the zero value requires an answer.
	Revocation RevocationPolicy
	// HTTPClient fetches OCSP responses and CRLs; nil means a client with
	// Timeout.
	HTTPClient *http.Client
	// Timeout bounds each OCSP or CRL request; zero means 10 seconds.
	Timeout time.Duration
	// CacheFor is how long a successful check is reused: a verified chain
	// (per certificate, intermediates, trust anchors and validation time
	// bucket), a "good" OCSP answer (per certificate and issuer) and a
	// verified OCSP responder certificate (per responder and issuer). A
	// certificate revoked after a "good" answer was cached is therefore
	// still accepted for at most CacheFor (see the package documentation).
	// Zero means DefaultCacheFor; a negative value disables these caches;
	// anything over MaxCacheFor counts as MaxCacheFor.
	CacheFor time.Duration

	// cache holds the checks CacheFor allows to reuse.
	cacheMu sync.Mutex
	cache   checkCache

	// crls caches CRLs by URL until their nextUpdate (at most crlCacheMax),
	// with the issuer whose signature on each was checked.
	crlMu sync.Mutex
	crls  map[string]cachedCRL
}

// cachedCRL is a CRL whose signature was checked against issuer.
type cachedCRL struct {
	rl     *x509.RevocationList
	issuer *x509.Certificate
}

// crlCacheMax is the longest a CRL is kept, whatever its nextUpdate says.
const crlCacheMax = time.Hour

// Error codes of CheckCertificate.
const (
	CodeCertExpired           = "cert_expired"
	CodeCertNotYetValid       = "cert_not_yet_valid"
	CodeCertRevoked           = "cert_revoked"
	CodeCertWrongUsage        = "cert_wrong_usage"
	CodeCertUntrusted         = "cert_untrusted"
	CodeRevocationUnavailable = "revocation_unavailable"
	// CodeCertUnknownCriticalExt: a certificate of the chain carries an
	// extension marked critical that Kho does not understand; RFC 5280
	// section 4.2 requires rejecting it.
	CodeCertUnknownCriticalExt = "cert_unknown_critical_extension"
)

// maxRevocationBody bounds an OCSP response or CRL read from the network.
const maxRevocationBody = 16 << 20

// CheckCertificate checks cert, with the issuer chain above it, for signing
// at time at. It returns nil or a *kerr.Error: Permission with code
// cert_expired, cert_not_yet_valid, cert_revoked, cert_wrong_usage,
// cert_unknown_critical_extension or cert_untrusted, or Unavailable with revocation_unavailable when the policy
// requires revocation status and neither OCSP nor the CRL gives it.
func (c *Checker) CheckCertificate(ctx context.Context, cert *x509.Certificate, chain []*x509.Certificate, at time.Time) error {
	if err := usableForSigning(cert, at); err != nil {
		return err
	}
	path, err := c.chainOf(cert, chain, at)
	if err != nil || c.Revocation == RevocationSkip {
		return err
	}
	// Check every certificate below the anchor in the first chain found.
	for i := 0; i+1 < len(path); i++ {
		if err := c.checkRevocation(ctx, path[i], path[i+1], at); err != nil {
			return err
		}
	}
	return nil
}

// usableForSigning checks cert's validity period at time at and its key
// usages, with CheckCertificate's errors.
func usableForSigning(cert *x509.Certificate, at time.Time) error {
	if cert == nil {
		return kerr.New(kerr.Invalid, "cert_missing", "Thiếu chứng thư số của người ký.", "no signer certificate")
	}
	who := cert.Subject.CommonName
	if at.Before(cert.NotBefore) {
		return kerr.New(kerr.Permission, CodeCertNotYetValid,
			fmt.Sprintf("Chứng thư số của %q chưa có hiệu lực: hiệu lực từ %s, nay là %s.", who, viTime(cert.NotBefore), viTime(at)),
			"certificate %q not valid before %s (now %s)", who, cert.NotBefore.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if at.After(cert.NotAfter) {
		return kerr.New(kerr.Permission, CodeCertExpired,
			fmt.Sprintf("Chứng thư số của %q đã hết hạn lúc %s; hãy gia hạn chứng thư trước khi ký.", who, viTime(cert.NotAfter)),
			"certificate %q expired at %s (now %s)", who, cert.NotAfter.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return kerr.New(kerr.Permission, CodeCertWrongUsage,
			fmt.Sprintf("Chứng thư số của %q không được cấp cho mục đích ký số (thiếu digitalSignature/nonRepudiation trong KeyUsage).", who),
			"certificate %q key usage %#x has neither digitalSignature nor contentCommitment", who, cert.KeyUsage)
	}
	if len(cert.UnhandledCriticalExtensions) > 0 {
		return unknownCriticalExt(cert)
	}
	if !extKeyUsageAllowsSigning(cert) {
		return kerr.New(kerr.Permission, CodeCertWrongUsage,
			fmt.Sprintf("Chứng thư số của %q chỉ được cấp cho mục đích khác (ExtKeyUsage), không dùng để ký số.", who),
			"certificate %q extended key usage %v excludes document signing", who, cert.ExtKeyUsage)
	}
	return nil
}

// chainOf verifies cert's chain to the trust anchors at time at, with the
// certificates of chain as intermediates, and returns the first path found
// (cert first, anchor last). Errors are CheckCertificate's cert_untrusted.
func (c *Checker) chainOf(cert *x509.Certificate, chain []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	who := cert.Subject.CommonName
	if c == nil || c.Roots == nil {
		return nil, kerr.New(kerr.Permission, CodeCertUntrusted,
			"Chưa cấu hình danh sách tổ chức cung cấp dịch vụ chứng thực tin cậy nên không thể kiểm tra chứng thư số.",
			"no trust anchors configured")
	}
	key := c.chainKey(cert, chain, at)
	if path := c.cachedChain(key, at); path != nil {
		return path, nil
	}
	inter := x509.NewCertPool()
	for _, ic := range chain {
		inter.AddCert(ic)
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         c.Roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	var uce x509.UnhandledCriticalExtension
	if errors.As(err, &uce) {
		// An intermediate with an unknown critical extension (the signer's
		// own was refused by usableForSigning): name it.
		for _, ic := range chain {
			if len(ic.UnhandledCriticalExtensions) > 0 {
				return nil, unknownCriticalExt(ic)
			}
		}
	}
	if err != nil {
		return nil, &kerr.Error{Kind: kerr.Permission, Code: CodeCertUntrusted,
			Message: fmt.Sprintf("Chứng thư số của %q không chuỗi được tới tổ chức cung cấp dịch vụ chứng thực tin cậy nào (có thể thiếu chứng thư trung gian, hoặc chứng thư trung gian đã hết hạn).", who),
			Detail:  "chain verification failed", Err: err}
	}
	c.storeChain(key, chains[0])
	return chains[0], nil
}

// unknownCriticalExt is the cert_unknown_critical_extension error for cert.
func unknownCriticalExt(cert *x509.Certificate) error {
	who := cert.Subject.CommonName
	return kerr.New(kerr.Permission, CodeCertUnknownCriticalExt,
		fmt.Sprintf("Chứng thư số của %q có phần mở rộng bắt buộc (critical) mà hệ thống không nhận biết được, nên không thể dùng để ký hay công nhận chữ ký.", who),
		"certificate %q has unhandled critical extensions %v", who, cert.UnhandledCriticalExtensions)
}

// extKeyUsageAllowsSigning accepts no EKU, anyExtendedKeyUsage, or an EKU
// list containing a usage for signing documents or e-mail; a certificate
// limited to, say, TLS server authentication is refused.
func extKeyUsageAllowsSigning(cert *x509.Certificate) bool {
	if len(cert.ExtKeyUsage) == 0 && len(cert.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range cert.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageAny, x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageCodeSigning:
			return true
		}
	}
	// Document signing EKUs (Adobe 1.2.840.113583.1.1.5, MS 1.3.6.1.4.1.311.10.3.12,
	// id-kp-documentSigning 1.3.6.1.5.5.7.3.36) are "unknown" to crypto/x509.
	return len(cert.UnknownExtKeyUsage) > 0
}

func (c *Checker) client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: c.timeout()}
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 10 * time.Second
}

// checkRevocation asks OCSP (each AIA responder in turn), then each CRL
// distribution point, and stops at the first definite answer.
func (c *Checker) checkRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) error {
	who := cert.Subject.CommonName
	var problems []error
	for _, url := range cert.OCSPServer {
		status, err := c.ocspStatus(ctx, url, cert, issuer, at)
		if err != nil {
			problems = append(problems, fmt.Errorf("OCSP %s: %w", url, err))
			continue
		}
		if status.revoked {
			return revokedError(who, status.at, status.reason)
		}
		return nil
	}
	for _, url := range cert.CRLDistributionPoints {
		status, err := c.crlStatus(ctx, url, cert, issuer, at)
		if err != nil {
			problems = append(problems, fmt.Errorf("CRL %s: %w", url, err))
			continue
		}
		if status.revoked {
			return revokedError(who, status.at, status.reason)
		}
		return nil
	}
	if len(cert.OCSPServer) == 0 && len(cert.CRLDistributionPoints) == 0 {
		problems = append(problems, errors.New("certificate names neither an OCSP responder nor a CRL distribution point"))
	}
	return &kerr.Error{Kind: kerr.Unavailable, Code: CodeRevocationUnavailable,
		Message: fmt.Sprintf("Không kiểm tra được tình trạng thu hồi của chứng thư số %q (máy chủ OCSP và CRL không trả lời hợp lệ); chưa ký, vui lòng thử lại sau.", who),
		Detail:  fmt.Sprintf("no revocation status for %q", who), Err: errors.Join(problems...)}
}

func revokedError(who string, at time.Time, reason int) error {
	return kerr.New(kerr.Permission, CodeCertRevoked,
		fmt.Sprintf("Chứng thư số của %q đã bị thu hồi từ %s; không thể dùng để ký.", who, viTime(at)),
		"certificate %q revoked at %s (reason %d)", who, at.UTC().Format(time.RFC3339), reason)
}

type revStatus struct {
	revoked bool
	at      time.Time
	reason  int
}

// freshness tolerates this much clock skew on thisUpdate/nextUpdate.
const freshness = 5 * time.Minute

func (c *Checker) ocspStatus(ctx context.Context, url string, cert, issuer *x509.Certificate, at time.Time) (revStatus, error) {
	// A cached answer is a "good" one fetched less than CacheFor ago and
	// not past its nextUpdate; it goes through the same checks at time at.
	resp := c.cachedAnswer(cert, issuer)
	cached := resp != nil
	if !cached {
		var err error
		if _, resp, err = c.fetchOCSP(ctx, url, cert, issuer); err != nil {
			return revStatus{}, err
		}
	}
	if err := checkOCSPResponder(resp, issuer, at); err != nil {
		return revStatus{}, err
	}
	if resp.ThisUpdate.After(at.Add(freshness)) {
		return revStatus{}, fmt.Errorf("response thisUpdate %s is in the future", resp.ThisUpdate)
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Add(freshness).Before(at) {
		return revStatus{}, fmt.Errorf("response expired at %s", resp.NextUpdate)
	}
	switch resp.Status {
	case ocsp.Good:
		if !cached {
			c.storeAnswer(cert, issuer, resp)
		}
		return revStatus{}, nil
	case ocsp.Revoked:
		return revStatus{revoked: true, at: resp.RevokedAt, reason: resp.RevocationReason}, nil
	}
	return revStatus{}, errors.New("responder says status unknown")
}

// fetchOCSP asks the responder at url about cert and returns the DER
// response with its parsed form, whose signature x/crypto/ocsp has checked
// against issuer (or a responder certificate issued by it).
func (c *Checker) fetchOCSP(ctx context.Context, url string, cert, issuer *x509.Certificate) ([]byte, *ocsp.Response, error) {
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, nil, err
	}
	body, err := c.fetch(ctx, http.MethodPost, url, "application/ocsp-request", req)
	if err != nil {
		return nil, nil, err
	}
	// Parsed without the issuer, then checked against it here, so that a
	// responder certificate verified once is not verified again for
	// CacheFor: x/crypto/ocsp has already checked the response's signature
	// with the certificate it carries, if any.
	resp, err := ocsp.ParseResponseForCert(body, cert, nil)
	if err != nil {
		return nil, nil, err
	}
	if rc := resp.Certificate; rc != nil {
		if !c.responderVerified(rc, issuer) {
			if err := issuer.CheckSignature(rc.SignatureAlgorithm, rc.RawTBSCertificate, rc.Signature); err != nil {
				return nil, nil, ocsp.ParseError("bad OCSP signature: " + err.Error())
			}
			c.storeResponder(rc, issuer)
		}
	} else if err := resp.CheckSignatureFrom(issuer); err != nil {
		return nil, nil, ocsp.ParseError("bad OCSP signature: " + err.Error())
	}
	return body, resp, nil
}

// checkOCSPResponder refuses a response signed by a delegated responder that
// the CA did not authorise, or whose certificate was not valid at time at.
// x/crypto/ocsp checks that a delegated responder's certificate was issued
// by the CA, but not that the CA authorised it to sign OCSP responses (RFC
// 6960 section 4.2.2.2): any end entity of the CA could otherwise vouch for
// a revoked certificate.
func checkOCSPResponder(resp *ocsp.Response, issuer *x509.Certificate, at time.Time) error {
	if rc := resp.Certificate; rc != nil && !rc.Equal(issuer) {
		authorised := false
		for _, u := range rc.ExtKeyUsage {
			authorised = authorised || u == x509.ExtKeyUsageOCSPSigning
		}
		if !authorised {
			return fmt.Errorf("responder certificate %q is not authorised for OCSP signing", rc.Subject.CommonName)
		}
		if at.Before(rc.NotBefore) || at.After(rc.NotAfter) {
			return fmt.Errorf("responder certificate %q is outside its validity period", rc.Subject.CommonName)
		}
	}
	return nil
}

// fetchCRL downloads the CRL at url (DER, or PEM) and parses it; the caller
// checks its signature.
func (c *Checker) fetchCRL(ctx context.Context, url string) (*x509.RevocationList, error) {
	body, err := c.fetch(ctx, http.MethodGet, url, "", nil)
	if err != nil {
		return nil, err
	}
	if b, _ := pemDecodeCRL(body); b != nil {
		body = b
	}
	return x509.ParseRevocationList(body)
}

func (c *Checker) crlStatus(ctx context.Context, url string, cert, issuer *x509.Certificate, at time.Time) (revStatus, error) {
	c.crlMu.Lock()
	cached := c.crls[url]
	c.crlMu.Unlock()
	rl := cached.rl
	if rl != nil && (at.After(rl.NextUpdate) || at.Sub(rl.ThisUpdate) > crlCacheMax || at.Before(rl.ThisUpdate)) {
		rl = nil
	}
	if rl == nil {
		var err error
		if rl, err = c.fetchCRL(ctx, url); err != nil {
			return revStatus{}, err
		}
	}
	// A cached CRL's signature was checked against this issuer already:
	// checking it again (an RSA-3072 verification) on every signature
	// cost about 5 % of a B-B signing.
	if rl != cached.rl || !issuer.Equal(cached.issuer) {
		if err := rl.CheckSignatureFrom(issuer); err != nil {
			return revStatus{}, fmt.Errorf("CRL not signed by the issuer: %w", err)
		}
	}
	if !rl.NextUpdate.IsZero() && rl.NextUpdate.Add(freshness).Before(at) {
		return revStatus{}, fmt.Errorf("CRL expired at %s", rl.NextUpdate)
	}
	if !rl.NextUpdate.IsZero() {
		c.crlMu.Lock()
		if c.crls == nil {
			c.crls = make(map[string]cachedCRL)
		}
		c.crls[url] = cachedCRL{rl: rl, issuer: issuer}
		c.crlMu.Unlock()
	}
	for _, e := range rl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return revStatus{revoked: true, at: e.RevocationTime, reason: e.ReasonCode}, nil
		}
	}
	return revStatus{}, nil
}

func (c *Checker) fetch(ctx context.Context, method, url, contentType string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRevocationBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRevocationBody {
		return nil, fmt.Errorf("response over %d bytes", maxRevocationBody)
	}
	return data, nil
}

// viTime formats t for a Vietnamese message, in Vietnam's time zone (UTC+7).
func viTime(t time.Time) string {
	return t.In(time.FixedZone("ICT", 7*3600)).Format("15:04:05 02/01/2006")
}

// pemDecodeCRL returns the DER of a PEM "X509 CRL" block, or nil when data is
// not PEM (CRLs are usually served as DER).
func pemDecodeCRL(data []byte) ([]byte, bool) {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		return nil, false
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "X509 CRL" {
		return nil, false
	}
	return b.Bytes, true
}
