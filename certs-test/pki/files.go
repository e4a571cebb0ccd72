package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"software.sslmate.com/src/go-pkcs12"
)

// ManifestFile is the name of the manifest WriteDir writes and LoadDir reads.
const ManifestFile = "manifest.json"

// Manifest describes a PKI directory (manifest.json).
type Manifest struct {
	BaseURL      string             `json:"base_url"`
	GeneratedAt  time.Time          `json:"generated_at"`
	P12Password  string             `json:"p12_password"`
	Identities   []ManifestIdentity `json:"identities"`
	Revocations  []ManifestRevoked  `json:"revocations"`
	Roots        string             `json:"roots"`
	Chain        string             `json:"chain"`
	CRLs         []string           `json:"crls"`
	Endpoints    map[string]string  `json:"endpoints"`
	Instructions string             `json:"instructions"`
}

// ManifestIdentity describes one identity of a PKI directory.
type ManifestIdentity struct {
	Name        string    `json:"name"`
	Purpose     string    `json:"purpose"`
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	Serial      string    `json:"serial"` // hexadecimal
	KeyType     string    `json:"key_type"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	KeyUsage    []string  `json:"key_usage"`
	ExtKeyUsage []string  `json:"ext_key_usage,omitempty"`
	CertFile    string    `json:"cert_file"`
	KeyFile     string    `json:"key_file"`
	P12File     string    `json:"p12_file"`
}

// ManifestRevoked describes one revocation.
type ManifestRevoked struct {
	Name      string    `json:"name"`
	Serial    string    `json:"serial"` // hexadecimal
	RevokedAt time.Time `json:"revoked_at"`
	Reason    int       `json:"reason"`
}

func fileErr(err error, code, what string) error {
	kind := kerr.Internal
	if errors.Is(err, os.ErrNotExist) {
		kind = kerr.NotFound
	}
	msg := "Không ghi được thư mục hạ tầng khoá thử nghiệm."
	if code == "pki_load_failed" {
		msg = "Không đọc được thư mục hạ tầng khoá thử nghiệm."
	}
	return &kerr.Error{Kind: kind, Code: code, Message: msg, Detail: what, Err: err}
}

// WriteDir writes the PKI to dir (created if missing): for each identity
// <name>.crt (PEM certificate), <name>.key (PEM PKCS#8 key) and <name>.p12
// (PKCS#12 with the chain, password TestPassword); roots.pem (the root),
// chain.pem (intermediate then root), root.crl and intermediate.crl (DER)
// and manifest.json.
func (p *PKI) WriteDir(dir string) error {
	const code = "pki_write_failed"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fileErr(err, code, "create "+dir)
	}
	write := func(name string, data []byte, mode os.FileMode) error {
		if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
			return fileErr(err, code, "write "+name)
		}
		return nil
	}
	m := Manifest{
		BaseURL: p.BaseURL, GeneratedAt: p.Now, P12Password: TestPassword,
		Roots: "roots.pem", Chain: "chain.pem", CRLs: []string{"root.crl", "intermediate.crl"},
		Endpoints: map[string]string{
			"ocsp":             p.BaseURL + "/ocsp",
			"tsa":              p.BaseURL + "/tsa",
			"root_crl":         p.BaseURL + "/crl/root.crl",
			"intermediate_crl": p.BaseURL + "/crl/intermediate.crl",
			"root_cert":        p.BaseURL + "/ca/root.crt",
			"intermediate_crt": p.BaseURL + "/ca/intermediate.crt",
		},
		Instructions: "Test PKI for Kho. Never trust it outside tests. Serve it with: go run ./certs-test serve -dir DIR",
	}
	purposes := map[string]string{}
	for _, s := range specs() {
		purposes[s.name] = s.purpose
	}
	for _, name := range Names() {
		id := p.ids[name]
		keyDER, err := x509.MarshalPKCS8PrivateKey(id.Key)
		if err != nil {
			return fileErr(err, code, "marshal key "+name)
		}
		p12, err := pkcs12.Modern.Encode(id.Key, id.Cert, id.Chain[1:], TestPassword)
		if err != nil {
			return fileErr(err, code, "encode PKCS#12 "+name)
		}
		if err := write(name+".crt", pemCert(id.Cert), 0o644); err != nil {
			return err
		}
		if err := write(name+".key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			return err
		}
		if err := write(name+".p12", p12, 0o600); err != nil {
			return err
		}
		m.Identities = append(m.Identities, ManifestIdentity{
			Name: name, Purpose: purposes[name], Subject: id.Cert.Subject.String(), Issuer: id.Cert.Issuer.String(),
			Serial: id.Cert.SerialNumber.Text(16), KeyType: keyType(id.Key),
			NotBefore: id.Cert.NotBefore, NotAfter: id.Cert.NotAfter,
			KeyUsage: keyUsageNames(id.Cert.KeyUsage), ExtKeyUsage: extKeyUsageNames(id.Cert.ExtKeyUsage),
			CertFile: name + ".crt", KeyFile: name + ".key", P12File: name + ".p12",
		})
	}
	for _, r := range p.revocations {
		m.Revocations = append(m.Revocations, ManifestRevoked{Name: r.Name, Serial: r.Serial.Text(16), RevokedAt: r.RevokedAt, Reason: r.Reason})
	}
	if err := write("roots.pem", pemCert(p.ids[Root].Cert), 0o644); err != nil {
		return err
	}
	if err := write("chain.pem", append(pemCert(p.ids[Intermediate].Cert), pemCert(p.ids[Root].Cert)...), 0o644); err != nil {
		return err
	}
	for _, ca := range []string{Root, Intermediate} {
		der, err := p.CRL(ca)
		if err != nil {
			return err
		}
		if err := write(ca+".crl", der, 0o644); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fileErr(err, code, "marshal manifest")
	}
	return write(ManifestFile, append(js, '\n'), 0o644)
}

// LoadDir reads a directory written by WriteDir. opts.Clock, if set, is used
// by the responders; BaseURL and Now come from the manifest. Errors are of
// kind NotFound (a missing file), Invalid (a malformed file) or Internal.
func LoadDir(dir string, opts Options) (*PKI, error) {
	const code = "pki_load_failed"
	js, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fileErr(err, code, "read manifest")
	}
	var m Manifest
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, invalidFile(err, ManifestFile)
	}
	p := &PKI{BaseURL: m.BaseURL, Now: m.GeneratedAt, clock: opts.Clock, ids: make(map[string]*Identity)}
	p.crlNumber.Store(time.Now().Unix())
	for _, name := range Names() {
		certPEM, err := os.ReadFile(filepath.Join(dir, name+".crt"))
		if err != nil {
			return nil, fileErr(err, code, "read "+name+".crt")
		}
		cert, err := parseCertPEM(certPEM)
		if err != nil {
			return nil, invalidFile(err, name+".crt")
		}
		keyPEM, err := os.ReadFile(filepath.Join(dir, name+".key"))
		if err != nil {
			return nil, fileErr(err, code, "read "+name+".key")
		}
		key, err := parseKeyPEM(keyPEM)
		if err != nil {
			return nil, invalidFile(err, name+".key")
		}
		id := &Identity{Name: name, Cert: cert, Key: key, Chain: []*x509.Certificate{cert}}
		switch name {
		case Root:
		case Intermediate:
			id.Chain = append(id.Chain, p.ids[Root].Cert)
		default:
			id.Chain = append(id.Chain, p.ids[Intermediate].Cert, p.ids[Root].Cert)
		}
		if len(id.Chain) > 1 {
			if err := cert.CheckSignatureFrom(id.Chain[1]); err != nil {
				return nil, invalidFile(err, name+".crt is not signed by its issuer")
			}
		}
		p.ids[name] = id
	}
	for _, r := range m.Revocations {
		serial, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return nil, invalidFile(fmt.Errorf("bad serial %q", r.Serial), ManifestFile)
		}
		p.revocations = append(p.revocations, Revocation{Name: r.Name, Serial: serial, RevokedAt: r.RevokedAt, Reason: r.Reason})
	}
	return p, nil
}

func invalidFile(err error, what string) error {
	return &kerr.Error{Kind: kerr.Invalid, Code: "pki_file_invalid", Message: "Tệp của hạ tầng khoá thử nghiệm bị hỏng.", Detail: what, Err: err}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func parseCertPEM(data []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return x509.ParseCertificate(b.Bytes)
}

func parseKeyPEM(data []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM PRIVATE KEY block")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key of type %T is not a signer", k)
	}
	return s, nil
}

func keyType(k crypto.Signer) string {
	switch pub := k.Public().(type) {
	case interface{ Size() int }:
		return fmt.Sprintf("RSA-%d", pub.Size()*8)
	default:
		return "ECDSA P-256"
	}
}

func keyUsageNames(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func extKeyUsageNames(ekus []x509.ExtKeyUsage) []string {
	var out []string
	for _, e := range ekus {
		switch e {
		case x509.ExtKeyUsageTimeStamping:
			out = append(out, "timeStamping")
		case x509.ExtKeyUsageOCSPSigning:
			out = append(out, "OCSPSigning")
		default:
			out = append(out, fmt.Sprintf("eku(%d)", e))
		}
	}
	return out
}
