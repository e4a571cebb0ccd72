// Package pki is Kho's test public-key infrastructure: a root CA, an
// intermediate CA, a time-stamping authority, an OCSP responder and a set of
// end-entity certificates (good, expired, not yet valid, revoked, wrong key
// usage; RSA and ECDSA), with responders for OCSP, CRLs, CA certificates and
// RFC 3161 time stamps.
//
// It exists for tests and demos only. Production code never imports it. The
// structure is fixed; the keys are fresh on every Generate.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// TestPassword protects every PKCS#12 file written by WriteDir. It is a test
// password, published on purpose.
const TestPassword = "kho-test"

// DefaultBaseURL is the base URL named in the certificates (OCSP, CA issuers,
// CRL distribution points) when Options.BaseURL is empty.
const DefaultBaseURL = "http://127.0.0.1:18800"

// The names of the identities of a PKI.
const (
	Root         = "root"         // root CA, RSA-3072, self-signed
	Intermediate = "intermediate" // intermediate CA, RSA-3072, path length 0
	TSA          = "tsa"          // time-stamping authority, RSA-2048, EKU timeStamping (critical)
	OCSP         = "ocsp"         // OCSP responder, RSA-2048, EKU OCSPSigning, id-pkix-ocsp-nocheck
	Personal     = "personal"     // personal signer, RSA-2048
	Seal         = "seal"         // organisation seal, RSA-3072
	ECDSA        = "ecdsa"        // personal signer, ECDSA P-256
	Expired      = "expired"      // personal signer whose NotAfter is in the past
	NotYet       = "notyet"       // personal signer whose NotBefore is in the future
	Revoked      = "revoked"      // personal signer revoked (keyCompromise) at generation time
	WrongUsage   = "wrongusage"   // KeyUsage keyEncipherment only
	// CriticalExt is a personal signer (ECDSA P-256) whose certificate
	// carries an extension no verifier knows (OID CriticalExtOID) marked
	// critical: RFC 5280 section 4.2 says a verifier must reject it.
	CriticalExt = "criticalext"
)

// Names lists every identity of a PKI, issuers first.
func Names() []string {
	return []string{Root, Intermediate, TSA, OCSP, Personal, Seal, ECDSA, Expired, NotYet, Revoked, WrongUsage, CriticalExt}
}

// TSAPolicy returns the policy OID of the test TSA's tokens, 2.999.3161.1
// (under the ITU-T "example" arc 2.999). Requests may name it or no policy.
// CriticalExtOID returns the OID of the unknown critical extension of the
// CriticalExt identity, 2.999.5280.1 (under the ITU-T "example" arc 2.999).
func CriticalExtOID() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 999, 5280, 1} }

func TSAPolicy() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 999, 3161, 1} }

var (
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidOCSPNoCheck  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// ReasonKeyCompromise is the CRL/OCSP revocation reason used for the revoked
// identity (RFC 5280 section 5.3.1).
const ReasonKeyCompromise = 1

// Options controls Generate.
type Options struct {
	// BaseURL is the HTTP base named in the certificates; DefaultBaseURL if
	// empty. Tests should open a listener first and pass its URL here.
	BaseURL string
	// Now is the generation time that validity periods and the revocation are
	// relative to; time.Now() if zero.
	Now time.Time
	// Clock gives the time the responders (OCSP, CRL, TSA) put in what they
	// sign; time.Now if nil.
	Clock func() time.Time
}

// Identity is one certificate with its private key.
type Identity struct {
	Name string
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain is the path from Cert to the root, Cert first and the root last
	// ([Cert, intermediate, root] for an end entity).
	Chain []*x509.Certificate
}

// Revocation is one entry of the intermediate CA's revocation list.
type Revocation struct {
	Name      string    // identity name
	Serial    *big.Int  // certificate serial number
	RevokedAt time.Time // revocation time
	Reason    int       // RFC 5280 reason code
}

// PKI is a generated or loaded test PKI.
type PKI struct {
	// BaseURL is the HTTP base the certificates name.
	BaseURL string
	// Now is the time the PKI was generated relative to.
	Now time.Time

	clock       func() time.Time
	ids         map[string]*Identity
	revocations []Revocation
	tsaSerial   atomic.Int64
	crlNumber   atomic.Int64
	tsaMu       sync.Mutex
}

// Identity returns the identity with the given name (one of Names), or nil
// if there is none.
func (p *PKI) Identity(name string) *Identity { return p.ids[name] }

// Roots returns a pool holding the root CA certificate only.
func (p *PKI) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ids[Root].Cert)
	return pool
}

// Intermediates returns a pool holding the intermediate CA certificate.
func (p *PKI) Intermediates() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ids[Intermediate].Cert)
	return pool
}

// Revocations returns the intermediate CA's revocation list.
func (p *PKI) Revocations() []Revocation {
	out := make([]Revocation, len(p.revocations))
	copy(out, p.revocations)
	return out
}

func (p *PKI) now() time.Time {
	if p.clock != nil {
		return p.clock()
	}
	return time.Now()
}

// spec is the fixed description of one identity.
type spec struct {
	name      string
	issuer    string
	keyType   string // "rsa2048", "rsa3072", "p256"
	subject   pkix.Name
	notBefore time.Duration // relative to Now
	notAfter  time.Duration // relative to Now
	ca        bool
	maxPath   int // for CAs: -1 unlimited
	keyUsage  x509.KeyUsage
	purpose   string
}

const (
	day  = 24 * time.Hour
	year = 365 * day
)

func vn(name pkix.Name) pkix.Name {
	name.Country = []string{"VN"}
	return name
}

func specs() []spec {
	signer := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	return []spec{
		{name: Root, keyType: "rsa3072", ca: true, maxPath: -1, notBefore: -3 * year, notAfter: 10 * year,
			subject:  vn(pkix.Name{Organization: []string{"Kho thử nghiệm"}, CommonName: "Kho Test Root CA – Gốc thử nghiệm"}),
			keyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, purpose: "root CA (trust anchor)"},
		{name: Intermediate, issuer: Root, keyType: "rsa3072", ca: true, maxPath: 0, notBefore: -3 * year, notAfter: 8 * year,
			subject:  vn(pkix.Name{Organization: []string{"Kho thử nghiệm"}, CommonName: "Kho Test Issuing CA – Cấp phát thử nghiệm"}),
			keyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, purpose: "intermediate CA that issues every end entity"},
		{name: TSA, issuer: Intermediate, keyType: "rsa2048", notBefore: -3 * year, notAfter: 5 * year,
			subject:  vn(pkix.Name{Organization: []string{"Kho thử nghiệm"}, CommonName: "Kho Test TSA – Dấu thời gian"}),
			keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, purpose: "RFC 3161 time-stamping authority (EKU timeStamping, critical)"},
		{name: OCSP, issuer: Intermediate, keyType: "rsa2048", notBefore: -3 * year, notAfter: 5 * year,
			subject:  vn(pkix.Name{Organization: []string{"Kho thử nghiệm"}, CommonName: "Kho Test OCSP – Trạng thái chứng thư"}),
			keyUsage: x509.KeyUsageDigitalSignature, purpose: "OCSP responder for the intermediate CA (EKU OCSPSigning, ocsp-nocheck)"},
		{name: Personal, issuer: Intermediate, keyType: "rsa2048", notBefore: -time.Hour, notAfter: 2 * year,
			subject:  vn(pkix.Name{CommonName: "Nguyễn Văn An", SerialNumber: "CCCD:001099012345", Locality: []string{"Thành phố Hồ Chí Minh"}}),
			keyUsage: signer, purpose: "personal signer, valid, RSA-2048"},
		{name: Seal, issuer: Intermediate, keyType: "rsa3072", notBefore: -time.Hour, notAfter: 2 * year,
			subject: vn(pkix.Name{CommonName: "Ủy ban nhân dân Phường Bến Nghé", Organization: []string{"Ủy ban nhân dân Phường Bến Nghé"},
				OrganizationalUnit: []string{"Văn thư"}, Locality: []string{"Thành phố Hồ Chí Minh"}}),
			keyUsage: signer, purpose: "organisation seal, valid, RSA-3072"},
		{name: ECDSA, issuer: Intermediate, keyType: "p256", notBefore: -time.Hour, notAfter: 2 * year,
			subject:  vn(pkix.Name{CommonName: "Trần Thị Bình", SerialNumber: "CCCD:079199001122"}),
			keyUsage: signer, purpose: "personal signer, valid, ECDSA P-256"},
		{name: Expired, issuer: Intermediate, keyType: "rsa2048", notBefore: -2 * year, notAfter: -day,
			subject:  vn(pkix.Name{CommonName: "Lê Văn Cường", SerialNumber: "CCCD:001088003344"}),
			keyUsage: signer, purpose: "personal signer, expired (NotAfter one day before generation)"},
		{name: NotYet, issuer: Intermediate, keyType: "rsa2048", notBefore: 30 * day, notAfter: 2 * year,
			subject:  vn(pkix.Name{CommonName: "Phạm Thị Dung", SerialNumber: "CCCD:031197005566"}),
			keyUsage: signer, purpose: "personal signer, not yet valid (NotBefore 30 days after generation)"},
		{name: Revoked, issuer: Intermediate, keyType: "rsa2048", notBefore: -time.Hour, notAfter: 2 * year,
			subject:  vn(pkix.Name{CommonName: "Hoàng Văn Em", SerialNumber: "CCCD:048095007788"}),
			keyUsage: signer, purpose: "personal signer, revoked at generation time (keyCompromise)"},
		{name: WrongUsage, issuer: Intermediate, keyType: "rsa2048", notBefore: -time.Hour, notAfter: 2 * year,
			subject:  vn(pkix.Name{CommonName: "Võ Thị Giang", SerialNumber: "CCCD:052196009900"}),
			keyUsage: x509.KeyUsageKeyEncipherment, purpose: "wrong key usage: keyEncipherment only, no digitalSignature/contentCommitment"},
		{name: CriticalExt, issuer: Intermediate, keyType: "p256", notBefore: -time.Hour, notAfter: 2 * year,
			subject:  vn(pkix.Name{CommonName: "Đặng Văn Hải", SerialNumber: "CCCD:001090011223"}),
			keyUsage: signer, purpose: "personal signer whose certificate has an unknown critical extension (2.999.5280.1)"},
	}
}

func newKey(keyType string) (crypto.Signer, error) {
	switch keyType {
	case "rsa2048":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, kerr.New(kerr.Internal, "pki_key_type", "Loại khoá không được hỗ trợ.", "unknown key type %q", keyType)
}

func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	bits, err := spkBits(der)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(bits) // RFC 5280 section 4.2.1.2 method (1)
	return sum[:], nil
}

// spkBits returns the subjectPublicKey bits of a DER SubjectPublicKeyInfo.
func spkBits(spkiDER []byte) ([]byte, error) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spkiDER, &spki); err != nil {
		return nil, err
	}
	return spki.PublicKey.Bytes, nil
}

func subjectPublicKeyBits(c *x509.Certificate) []byte {
	bits, _ := spkBits(c.RawSubjectPublicKeyInfo)
	return bits
}

func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

func genErr(err error, what string) error {
	return &kerr.Error{Kind: kerr.Internal, Code: "pki_generate_failed", Message: "Không tạo được hạ tầng khoá thử nghiệm.", Detail: what, Err: err}
}

// PEM returns the identity's certificate chain (Cert first, the root
// last) and its private key (PKCS#8) as PEM text, the input of
// signing.LoadPEM.
func (id *Identity) PEM() (certs, key []byte, err error) {
	for _, c := range id.Chain {
		certs = append(certs, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		return nil, nil, err
	}
	return certs, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
