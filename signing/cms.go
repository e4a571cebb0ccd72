package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CMS detached signatures over data (eForm JSON or XML, any bytes): a
// CAdES-BES SignedData (RFC 5652, ETSI EN 319 122-1 B-B) without the
// content, written as DER (.p7s), optionally with an RFC 3161 signature
// time-stamp (B-T). The signature is over the exact bytes given: JSON and
// XML are not canonicalised here; the caller signs the canonical bytes it
// will later present for verification.

// MaxDataSignatureSize bounds a .p7s read by VerifyData: a detached
// signature holds a few certificates and perhaps a time-stamp token, some
// kilobytes.
const MaxDataSignatureSize = 1 << 20

// The OIDs of CMS, CAdES and the algorithms used.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}

	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

// DataOptions configure SignData.
type DataOptions struct {
	// Checker runs the pre-signing certificate checks, as for PDFs. It is
	// required.
	Checker *Checker
	// TSAURL, when set, adds an RFC 3161 signature time-stamp (CAdES B-T).
	TSAURL string
	// TSATimeout bounds the time-stamp request; zero means 30 seconds.
	TSATimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// SignData checks the key's certificate with opts.Checker, reads the data
// from r to its end (hashing it with SHA-256 as it streams; nothing is
// kept), and returns a detached CMS SignedData in DER: signed attributes
// content-type, message-digest, signing-time and ESS signing-certificate-v2
// (CAdES-BES), the signer's certificate and chain, and with opts.TSAURL an
// RFC 3161 time-stamp over the signature value as an unsigned attribute.
//
// The signature covers the exact bytes read: JSON and XML are not
// canonicalised. Errors: the Checker's (Permission cert_*, Unavailable
// revocation_unavailable); Invalid key_missing, checker_missing,
// key_type_unsupported, data_unreadable; Unavailable tsa_unavailable,
// signing_cancelled; the KeySource's own errors from Sign.
func SignData(ctx context.Context, key KeySource, r io.Reader, opts DataOptions) ([]byte, error) {
	if key == nil || key.Certificate() == nil {
		return nil, kerr.New(kerr.Invalid, "key_missing", "Thiếu khóa ký hoặc chứng thư số.", "nil KeySource or certificate")
	}
	if opts.Checker == nil {
		return nil, kerr.New(kerr.Invalid, "checker_missing", "Chưa cấu hình kiểm tra chứng thư số trước khi ký.", "DataOptions.Checker is nil")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	cert := key.Certificate()
	sigAlg, err := cmsSignatureAlgorithm(key.Public())
	if err != nil {
		return nil, err
	}
	signedAt := now()
	if err := opts.Checker.CheckCertificate(ctx, cert, key.Chain(), signedAt); err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx: ctx, r: r}); err != nil {
		if ctx.Err() != nil {
			return nil, kerr.Wrap(ctx.Err(), kerr.Unavailable, "signing_cancelled", "Việc ký đã bị hủy.")
		}
		return nil, kerr.Wrap(err, kerr.Invalid, "data_unreadable", "Không đọc được dữ liệu cần ký.")
	}
	signedAttrs := cmsSignedAttributes(h.Sum(nil), signedAt, cert)
	digest := sha256.Sum256(signedAttrs)
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		if kerr.Outer(err) != nil {
			return nil, err
		}
		return nil, kerr.Wrap(err, kerr.Unavailable, "key_sign_failed", "Khóa ký không thực hiện được việc ký.")
	}
	var unsigned []byte
	if opts.TSAURL != "" {
		timeout := opts.TSATimeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		token, err := requestTimestamp(ctx, opts.TSAURL, timeout, sig)
		if err != nil {
			return nil, err
		}
		unsigned = cmsAttribute(oidTSTToken, token)
	}
	certs := append([]*x509.Certificate{cert}, key.Chain()...)
	return cmsSignedData(cert, certs, signedAttrs, sigAlg, sig, unsigned)
}

// cmsSignatureAlgorithm returns the signatureAlgorithm written for a key:
// rsaEncryption (as OpenSSL writes) or ecdsa-with-SHA256.
func cmsSignatureAlgorithm(pub crypto.PublicKey) (asn1.ObjectIdentifier, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return oidRSAEncryption, nil
	case *ecdsa.PublicKey:
		return oidECDSAWithSHA256, nil
	}
	return nil, kerr.New(kerr.Invalid, "key_type_unsupported", "Loại khóa ký không được hỗ trợ cho chữ ký dữ liệu (chỉ RSA và ECDSA).", "CMS signing with a %T key is not supported", pub)
}

// cmsAttribute encodes one Attribute: SEQUENCE { type, SET { value } }.
func cmsAttribute(oid asn1.ObjectIdentifier, value []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
	return b.BytesOrPanic() // only fixed, well-formed input reaches here
}

// cmsSignedAttributes returns the DER SET OF the signed attributes, in DER
// order, as it is signed (tag 0x31); it is written with tag [0] IMPLICIT.
// A zero at leaves out the signing-time attribute (PAdES).
func cmsSignedAttributes(messageDigest []byte, at time.Time, cert *x509.Certificate) []byte {
	der := func(f func(b *cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		f(&b)
		return b.BytesOrPanic()
	}
	at = at.UTC().Truncate(time.Second)
	certHash := sha256.Sum256(cert.Raw)
	attrs := [][]byte{
		cmsAttribute(oidContentType, der(func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })),
		cmsAttribute(oidMessageDigest, der(func(b *cryptobyte.Builder) { b.AddASN1OctetString(messageDigest) })),
		// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }
		// ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING (SHA-256, the
		// default algorithm, so omitted), issuerSerial }
		cmsAttribute(oidSigningCertificateV2, der(func(b *cryptobyte.Builder) {
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(certHash[:])
						b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(casn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // directoryName
									b.AddBytes(cert.RawIssuer)
								})
							})
							b.AddASN1BigInt(cert.SerialNumber)
						})
					})
				})
			})
		})),
	}
	if !at.IsZero() { // PAdES forbids signing-time: the PDF's /M carries the claimed time
		attrs = append(attrs, cmsAttribute(oidSigningTime, der(func(b *cryptobyte.Builder) {
			if at.Year() >= 1950 && at.Year() < 2050 {
				b.AddASN1UTCTime(at)
			} else {
				b.AddASN1GeneralizedTime(at)
			}
		})))
	}
	slices.SortFunc(attrs, bytes.Compare) // DER orders a SET OF by encoding
	var b cryptobyte.Builder
	b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	return b.BytesOrPanic()
}

// cmsSignedData assembles the ContentInfo of a detached SignedData with one
// signer identified by issuer and serial number; certs starts with the
// signer's certificate.
func cmsSignedData(cert *x509.Certificate, certs []*x509.Certificate, signedAttrs []byte, sigAlg asn1.ObjectIdentifier, sig, unsigned []byte) ([]byte, error) {
	raws := make([][]byte, 0, len(certs))
	for _, c := range certs {
		if c != nil && !slices.ContainsFunc(raws, func(r []byte) bool { return bytes.Equal(r, c.Raw) }) {
			raws = append(raws, c.Raw)
		}
	}
	// The signer's certificate first (verifiers such as pdfsign's take
	// the first as the leaf), the others in DER order.
	if len(raws) > 1 {
		slices.SortFunc(raws[1:], bytes.Compare)
	}
	var b cryptobyte.Builder
	b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(casn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256) })
				})
				b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }) // no eContent: detached
				b.AddASN1(casn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, r := range raws {
						b.AddBytes(r)
					}
				})
				b.AddASN1(casn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256) })
						// signedAttrs [0] IMPLICIT: the signed SET with its tag replaced.
						b.AddUint8(byte(casn1.Tag(0).Constructed().ContextSpecific()))
						b.AddBytes(signedAttrs[1:])
						b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(sigAlg)
							if sigAlg.Equal(oidRSAEncryption) {
								b.AddASN1NULL()
							}
						})
						b.AddASN1OctetString(sig)
						if unsigned != nil {
							b.AddASN1(casn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(unsigned) })
						}
					})
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "cms_encode_failed", "Không tạo được chữ ký dữ liệu.")
	}
	return out, nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hashFor returns the hash of a digest algorithm OID.
func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// x509Algorithm maps a CMS signatureAlgorithm and digest to crypto/x509's
// name for it; false when unsupported (RSASSA-PSS, EdDSA, SHA-1 …).
func x509Algorithm(sigAlg asn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, bool) {
	rsaBy := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}
	ecBy := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}
	switch {
	case sigAlg.Equal(oidRSAEncryption):
		a, ok := rsaBy[h]
		return a, ok
	case sigAlg.Equal(oidECPublicKey):
		a, ok := ecBy[h]
		return a, ok
	case sigAlg.Equal(oidSHA256WithRSA) && h == crypto.SHA256, sigAlg.Equal(oidSHA384WithRSA) && h == crypto.SHA384, sigAlg.Equal(oidSHA512WithRSA) && h == crypto.SHA512:
		return rsaBy[h], true
	case sigAlg.Equal(oidECDSAWithSHA256) && h == crypto.SHA256, sigAlg.Equal(oidECDSAWithSHA384) && h == crypto.SHA384, sigAlg.Equal(oidECDSAWithSHA512) && h == crypto.SHA512:
		return ecBy[h], true
	}
	return 0, false
}

// hashingReader hashes what it reads and counts it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

var errCMS = fmt.Errorf("malformed CMS")
