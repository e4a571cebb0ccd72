package signing

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io"

	"github.com/kho-vn/kho/internal/kerr"
	"software.sslmate.com/src/go-pkcs12"
)

// KeySource is a signing key with its certificate: a file, a PKCS#11 token or
// a remote signing service. Sign may return kerr Unavailable when a token or
// service cannot be reached.
type KeySource interface {
	crypto.Signer
	// Certificate is the signer's certificate; its public key is Public().
	Certificate() *x509.Certificate
	// Chain is the issuer chain above Certificate, nearest issuer first; it
	// may end with the root or stop below it.
	Chain() []*x509.Certificate
}

// fileKey is a KeySource read from a PKCS#12 or PEM file.
type fileKey struct {
	crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

var _ KeySource = (*fileKey)(nil)

func (k *fileKey) Certificate() *x509.Certificate { return k.cert }
func (k *fileKey) Chain() []*x509.Certificate     { return k.chain }

// maxKeyFile bounds what LoadPKCS12 reads; key files are a few kilobytes.
const maxKeyFile = 1 << 20

// LoadPKCS12 reads a PKCS#12 (.p12/.pfx) file holding one private key, its
// certificate and optionally the issuer chain. A wrong password or a
// malformed file gives kerr Invalid (key_password_wrong, key_file_invalid).
func LoadPKCS12(r io.Reader, password string) (KeySource, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "key_file_unreadable", "Không đọc được tệp khóa ký.")
	}
	if len(data) > maxKeyFile {
		return nil, kerr.New(kerr.Invalid, "key_file_invalid", "Tệp khóa ký quá lớn, không phải tệp PKCS#12 hợp lệ.", "PKCS#12 file is over %d bytes", maxKeyFile)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if err == pkcs12.ErrIncorrectPassword {
			return nil, kerr.Wrap(err, kerr.Invalid, "key_password_wrong", "Mật khẩu của tệp khóa ký không đúng.")
		}
		return nil, kerr.Wrap(err, kerr.Invalid, "key_file_invalid", "Tệp khóa ký không phải tệp PKCS#12 hợp lệ.")
	}
	return newFileKey(key, cert, chain)
}

// LoadPEM builds a KeySource from PEM text: certPEM holds the signer's
// certificate first, then any issuer certificates; keyPEM holds the private
// key (PKCS#8, PKCS#1 or SEC 1, unencrypted). Errors are kerr Invalid.
func LoadPEM(certPEM, keyPEM []byte) (KeySource, error) {
	certs, err := parseCertsPEM(certPEM)
	if err != nil {
		return nil, err
	}
	var key any
	rest := keyPEM
	for key == nil {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, kerr.New(kerr.Invalid, "key_file_invalid", "Tệp khóa bí mật không chứa khóa nào.", "no private key block in PEM input")
		}
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, kerr.New(kerr.Invalid, "key_file_encrypted", "Khóa bí mật PEM đang được mã hóa; hãy dùng tệp PKCS#12 có mật khẩu.", "encrypted PEM private keys are not supported")
		default:
			continue
		}
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "key_file_invalid", "Tệp khóa bí mật không hợp lệ.")
		}
	}
	return newFileKey(key, certs[0], certs[1:])
}

func newFileKey(key any, cert *x509.Certificate, chain []*x509.Certificate) (*fileKey, error) {
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, kerr.New(kerr.Invalid, "key_type_unsupported", "Loại khóa bí mật không được hỗ trợ.", "key of type %T is not a crypto.Signer", key)
	}
	if !samePublic(s.Public(), cert.PublicKey) {
		return nil, kerr.New(kerr.Invalid, "key_cert_mismatch", "Khóa bí mật không khớp với chứng thư số.", "private key does not belong to certificate %q", cert.Subject.CommonName)
	}
	return &fileKey{Signer: s, cert: cert, chain: chain}, nil
}

func samePublic(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	ab, err1 := x509.MarshalPKIXPublicKey(a)
	bb, err2 := x509.MarshalPKIXPublicKey(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}

// parseCertsPEM reads the CERTIFICATE blocks of PEM text, in order; other
// blocks are skipped. No certificate at all is kerr Invalid.
func parseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "cert_file_invalid", "Tệp chứng thư số không hợp lệ.")
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, kerr.New(kerr.Invalid, "cert_file_invalid", "Tệp chứng thư số không chứa chứng thư nào.", "no CERTIFICATE block in PEM input")
	}
	return certs, nil
}
