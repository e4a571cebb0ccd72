package signing

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/crypto/ocsp"
)

// validationData is the content of a Document Security Store (ETSI EN 319
// 142-1 §5.4, ISO 32000-2 §12.8.4.3): certificates, DER OCSP responses
// (OCSPResponse, RFC 6960) and DER CRLs, each kept once.
type validationData struct {
	certs []*x509.Certificate
	ocsps [][]byte
	crls  [][]byte
	seen  map[[32]byte]bool
}

// addCert, addOCSP and addCRL add an item unless it is already there and
// report whether it was new.
func (d *validationData) addCert(c *x509.Certificate) bool {
	if c == nil || !d.mark(c.Raw) {
		return false
	}
	d.certs = append(d.certs, c)
	return true
}

func (d *validationData) addOCSP(der []byte) bool {
	if !d.mark(der) {
		return false
	}
	d.ocsps = append(d.ocsps, der)
	return true
}

func (d *validationData) addCRL(der []byte) bool {
	if !d.mark(der) {
		return false
	}
	d.crls = append(d.crls, der)
	return true
}

func (d *validationData) mark(der []byte) bool {
	if d.seen == nil {
		d.seen = make(map[[32]byte]bool)
	}
	h := sha256.Sum256(der)
	if d.seen[h] {
		return false
	}
	d.seen[h] = true
	return true
}

func (d *validationData) empty() bool {
	return d == nil || len(d.certs)+len(d.ocsps)+len(d.crls) == 0
}

// certPool returns the certificates as a pool of intermediates, plus extra.
func (d *validationData) pool(extra []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	if d != nil {
		for _, c := range d.certs {
			p.AddCert(c)
		}
	}
	for _, c := range extra {
		p.AddCert(c)
	}
	return p
}

// Limits of the DSS parser, which reads outside input: the DSS is a fixed
// three-level structure (DSS dictionary, arrays, streams), so there is no
// recursion to bound, only counts and sizes.
const (
	maxDSSItems     = 2000     // entries per /Certs, /OCSPs or /CRLs array
	maxDSSItemBytes = 4 << 20  // one decoded certificate, OCSP response or CRL
	maxDSSBytes     = 64 << 20 // everything decoded from one DSS
)

// readDSS reads the DSS of the document rdr describes. Items that cannot be
// parsed are skipped (a DSS is evidence offered, not trusted); a DSS over
// the limits is refused as a whole with kerr Invalid dss_too_large, and
// returns what was read before the limit.
func readDSS(rdr *pdf.Reader) (*validationData, error) {
	dss := rdr.Trailer().Key("Root").Key("DSS")
	d := &validationData{}
	if dss.Kind() != pdf.Dict {
		return d, nil
	}
	total := 0
	tooLarge := func(detail string, args ...any) error {
		return kerr.New(kerr.Invalid, "dss_too_large", "Kho dữ liệu kiểm tra (DSS) trong tệp PDF vượt quá giới hạn cho phép.", detail, args...)
	}
	for _, key := range []string{"Certs", "OCSPs", "CRLs"} {
		arr := dss.Key(key)
		if arr.Len() > maxDSSItems {
			return d, tooLarge("DSS /%s has %d entries, limit %d", key, arr.Len(), maxDSSItems)
		}
		for i := 0; i < arr.Len(); i++ {
			s := arr.Index(i)
			if s.Kind() != pdf.Stream {
				continue
			}
			data, err := readStreamLimited(s, maxDSSItemBytes)
			if err != nil {
				if errors.Is(err, errStreamTooLarge) {
					return d, tooLarge("DSS /%s entry %d is over %d bytes", key, i, maxDSSItemBytes)
				}
				continue
			}
			if total += len(data); total > maxDSSBytes {
				return d, tooLarge("DSS over %d bytes", maxDSSBytes)
			}
			switch key {
			case "Certs":
				if c, err := x509.ParseCertificate(data); err == nil {
					d.addCert(c)
				}
			case "OCSPs":
				d.addOCSP(data)
			case "CRLs":
				d.addCRL(data)
			}
		}
	}
	return d, nil
}

var errStreamTooLarge = errors.New("stream over the limit")

// readStreamLimited decodes a stream, refusing more than limit bytes (a
// small Flate stream can expand to gigabytes).
func readStreamLimited(s pdf.Value, limit int64) (data []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("decoding stream: %v", p)
		}
	}()
	rc := s.Reader()
	defer rc.Close()
	data, err = io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errStreamTooLarge
	}
	return data, nil
}

// collectValidation fetches, with checker's OCSP and CRL client, the
// revocation data of every certificate below the trust anchor in the chain
// of leaf (intermediates from pool and d), valid at time at, and adds it
// with the certificates to d; mine, when not nil, receives the same items
// (for a VRI entry). Revocation data already in d that answers for a
// certificate at time at is not fetched again. The answers are not judged: a revoked
// status is evidence too. It fails with kerr Unavailable
// revocation_unavailable when neither OCSP nor a CRL answers for one
// certificate, and with the checker's cert_untrusted when the chain does
// not reach an anchor.
func collectValidation(ctx context.Context, checker *Checker, d, mine *validationData, leaf *x509.Certificate, pool []*x509.Certificate, at time.Time) error {
	if mine == nil {
		mine = &validationData{}
	}
	path, err := checker.chainOf(leaf, append(append([]*x509.Certificate{}, d.certs...), pool...), at)
	if err != nil {
		return err
	}
	for _, c := range path {
		d.addCert(c)
		mine.addCert(c)
	}
	for i := 0; i+1 < len(path); i++ {
		cert, issuer := path[i], path[i+1]
		// An answer already there that speaks for at will do; an older one
		// (a renewal years later) does not, and a fresh one is fetched.
		if ans := d.answer(cert, issuer, at); ans != nil {
			mine.addAnswer(ans)
			continue
		}
		if err := fetchRevocation(ctx, checker, cert, issuer, d, mine); err != nil {
			return err
		}
	}
	return nil
}

// fetchRevocation asks each OCSP responder of cert, then each CRL
// distribution point, and adds the first signed answer (with an OCSP
// responder's certificate) to d and to mine (when not nil). It fails with
// kerr Unavailable revocation_unavailable when none answers.
func fetchRevocation(ctx context.Context, checker *Checker, cert, issuer *x509.Certificate, d, mine *validationData) error {
	if mine == nil {
		mine = &validationData{}
	}
	var problems []error
	for _, url := range cert.OCSPServer {
		der, resp, err := checker.fetchOCSP(ctx, url, cert, issuer)
		if err == nil {
			err = checkOCSPResponder(resp, issuer, resp.ProducedAt)
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("OCSP %s: %w", url, err))
			continue
		}
		a := &revAnswer{ocsp: der, responder: resp.Certificate}
		d.addAnswer(a)
		mine.addAnswer(a)
		return nil
	}
	for _, url := range cert.CRLDistributionPoints {
		rl, err := checker.fetchCRL(ctx, url)
		if err == nil {
			err = rl.CheckSignatureFrom(issuer)
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("CRL %s: %w", url, err))
			continue
		}
		a := &revAnswer{crl: rl.Raw}
		d.addAnswer(a)
		mine.addAnswer(a)
		return nil
	}
	who := cert.Subject.CommonName
	if len(problems) == 0 {
		problems = append(problems, errors.New("certificate names neither an OCSP responder nor a CRL distribution point"))
	}
	return &kerr.Error{Kind: kerr.Unavailable, Code: CodeRevocationUnavailable,
		Message: fmt.Sprintf("Không lấy được dữ liệu thu hồi (OCSP/CRL) của chứng thư số %q; vui lòng thử lại sau.", who),
		Detail:  fmt.Sprintf("no revocation data for %q", who), Err: errors.Join(problems...)}
}

// revAnswer is one OCSP response or CRL of a validationData that speaks
// about a certificate, with the status it gives.
type revAnswer struct {
	ocsp, crl []byte
	responder *x509.Certificate
	status    revStatus
}

func (d *validationData) addAnswer(a *revAnswer) {
	if a.ocsp != nil {
		d.addOCSP(a.ocsp)
	}
	if a.crl != nil {
		d.addCRL(a.crl)
	}
	d.addCert(a.responder)
}

// answer looks in d for the revocation status of cert (issued by issuer) at
// time at: an OCSP response or CRL signed for issuer, produced while cert
// was valid, that either covers at (thisUpdate ≤ at ≤ nextUpdate) or was
// issued after at (so it would list a revocation made before at). A zero at
// accepts any signed answer. It returns nil when d has none.
func (d *validationData) answer(cert, issuer *x509.Certificate, at time.Time) *revAnswer {
	if d == nil {
		return nil
	}
	usable := func(this, next time.Time) bool {
		if at.IsZero() {
			return true
		}
		if this.After(cert.NotAfter.Add(freshness)) {
			return false // issued after expiry: CAs stop tracking expired certificates
		}
		return !this.Before(at.Add(-freshness)) || (!next.IsZero() && !next.Add(freshness).Before(at))
	}
	judge := func(revoked bool, when time.Time, reason int) revStatus {
		if revoked && (at.IsZero() || !when.After(at)) {
			return revStatus{revoked: true, at: when, reason: reason}
		}
		return revStatus{} // not revoked, or revoked only after at
	}
	for _, der := range d.ocsps {
		resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
		if err != nil || checkOCSPResponder(resp, issuer, resp.ProducedAt) != nil {
			continue
		}
		if resp.Status == ocsp.Unknown || !usable(resp.ThisUpdate, resp.NextUpdate) {
			continue
		}
		return &revAnswer{ocsp: der, responder: resp.Certificate, status: judge(resp.Status == ocsp.Revoked, resp.RevokedAt, resp.RevocationReason)}
	}
	for _, der := range d.crls {
		rl, err := x509.ParseRevocationList(der)
		if err != nil || !bytes.Equal(rl.RawIssuer, cert.RawIssuer) || rl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		if !usable(rl.ThisUpdate, rl.NextUpdate) {
			continue
		}
		a := &revAnswer{crl: der}
		for _, e := range rl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				a.status = judge(true, e.RevocationTime, e.ReasonCode)
				break
			}
		}
		return a
	}
	return nil
}

// vriKey is the key of a signature's VRI entry: the uppercase hex SHA-1 of
// the bytes of its /Contents string (padding included).
func vriKey(contents []byte) string {
	h := sha1.Sum(contents)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}
