package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Generate builds a fresh PKI: the structure (names, subjects, validity,
// extensions) is always the same, the keys and serial numbers are new.
// Errors are of kind Invalid (a bad BaseURL) or Internal.
func Generate(opts Options) (*PKI, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kerr.New(kerr.Invalid, "pki_base_url_invalid", "Địa chỉ gốc của hạ tầng khoá thử nghiệm không hợp lệ.", "base URL %q must be an absolute http(s) URL", opts.BaseURL)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	p := &PKI{BaseURL: base, Now: now, clock: opts.Clock, ids: make(map[string]*Identity)}
	p.crlNumber.Store(time.Now().Unix())

	list := specs()
	// Key generation dominates; do it in parallel.
	keys := make([]crypto.Signer, len(list))
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = newKey(s.keyType)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, genErr(err, "generate key for "+list[i].name)
		}
	}

	for i, s := range list {
		id, err := p.issue(s, keys[i])
		if err != nil {
			return nil, err
		}
		p.ids[s.name] = id
	}
	p.revocations = []Revocation{{Name: Revoked, Serial: p.ids[Revoked].Cert.SerialNumber, RevokedAt: now, Reason: ReasonKeyCompromise}}
	return p, nil
}

func (p *PKI) issue(s spec, key crypto.Signer) (*Identity, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, genErr(err, "serial for "+s.name)
	}
	ski, err := keyID(key.Public())
	if err != nil {
		return nil, genErr(err, "subject key id for "+s.name)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               s.subject,
		NotBefore:             p.Now.Add(s.notBefore),
		NotAfter:              p.Now.Add(s.notAfter),
		KeyUsage:              s.keyUsage,
		BasicConstraintsValid: true,
		IsCA:                  s.ca,
		SubjectKeyId:          ski,
	}
	if s.ca {
		if s.maxPath == 0 {
			tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
		} else {
			tmpl.MaxPathLen = -1
		}
	}
	switch {
	case s.name == Intermediate:
		tmpl.CRLDistributionPoints = []string{p.BaseURL + "/crl/root.crl"}
		tmpl.IssuingCertificateURL = []string{p.BaseURL + "/ca/root.crt"}
	case !s.ca:
		tmpl.OCSPServer = []string{p.BaseURL + "/ocsp"}
		tmpl.IssuingCertificateURL = []string{p.BaseURL + "/ca/intermediate.crt"}
		tmpl.CRLDistributionPoints = []string{p.BaseURL + "/crl/intermediate.crl"}
	}
	switch s.name {
	case TSA:
		// RFC 3161 section 2.3: the EKU must be critical and hold only timeStamping.
		v, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
		if err != nil {
			return nil, genErr(err, "tsa eku")
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: v})
	case OCSP:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidOCSPNoCheck, Value: asn1.NullBytes})
	case CriticalExt:
		// An extension nobody knows, marked critical: an UTF8String.
		v, err := asn1.MarshalWithParams("kho-test unknown critical extension", "utf8")
		if err != nil {
			return nil, genErr(err, "critical extension")
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: CriticalExtOID(), Critical: true, Value: v})
	}

	parent, signer := tmpl, key
	var chain []*x509.Certificate
	if s.issuer != "" {
		iss := p.ids[s.issuer]
		if iss == nil {
			return nil, genErr(nil, "issuer "+s.issuer+" missing for "+s.name)
		}
		parent, signer, chain = iss.Cert, iss.Key, iss.Chain
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, genErr(err, "create certificate "+s.name)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, genErr(err, "parse certificate "+s.name)
	}
	return &Identity{Name: s.name, Cert: cert, Key: key, Chain: append([]*x509.Certificate{cert}, chain...)}, nil
}
