package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"io"
	"math/big"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// RemoteSigner is a remote signing service that keeps the signer's key: the
// document never leaves Kho, only its hash is sent. The model is the Cloud
// Signature Consortium API v2 (credentials/info, credentials/authorize,
// signatures/signHash; CSC implements it); the Vietnamese eSign gateway
// (Cổng eSign) and a provider's own API are other implementations.
//
// Errors are kerr: Unauthenticated when the service refuses the caller's
// access token; NotFound for an unknown credential; Invalid when the
// signer's authorization (PIN, OTP) is refused; Permission when the
// credential may not sign; Unavailable when the service cannot be reached,
// times out, fails (5xx) or answers something malformed. Implementations
// must bound every request in time, even when ctx has no deadline.
type RemoteSigner interface {
	// Credential returns the signing credential's certificate and the
	// issuer chain above it (nearest issuer first).
	Credential(ctx context.Context) (*RemoteCredential, error)
	// SignHash signs each digest, computed with hash, with the credential's
	// key, and returns one signature per digest in order: PKCS#1 v1.5 for
	// RSA keys, ASN.1 DER (r, s) for ECDSA keys.
	SignHash(ctx context.Context, hash crypto.Hash, digests [][]byte) ([][]byte, error)
}

// RemoteCredential is what a RemoteSigner signs with.
type RemoteCredential struct {
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
}

// RemoteKey is a KeySource backed by a RemoteSigner. crypto.Signer's Sign
// has no context, so each signature gets its own deadline (Timeout). It is
// safe for concurrent use if the RemoteSigner is.
type RemoteKey struct {
	rs      RemoteSigner
	cert    *x509.Certificate
	chain   []*x509.Certificate
	timeout time.Duration
}

var _ KeySource = (*RemoteKey)(nil)

// DefaultRemoteTimeout bounds one remote signature (all its requests) when
// NewRemoteKey is given no timeout.
const DefaultRemoteTimeout = 60 * time.Second

// NewRemoteKey asks rs for its credential and returns a KeySource that signs
// through it. timeout bounds each later Sign (0: DefaultRemoteTimeout).
// Errors are those of RemoteSigner.Credential, and kerr Invalid
// (key_type_unsupported) for a key that is neither RSA nor ECDSA.
func NewRemoteKey(ctx context.Context, rs RemoteSigner, timeout time.Duration) (*RemoteKey, error) {
	if timeout <= 0 {
		timeout = DefaultRemoteTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cred, err := rs.Credential(ctx)
	if err != nil {
		return nil, err
	}
	if cred == nil || cred.Certificate == nil {
		return nil, kerr.New(kerr.Unavailable, "remote_no_certificate", "Dịch vụ ký số từ xa không trả về chứng thư số của người ký.", "no certificate in the credential")
	}
	switch cred.Certificate.PublicKey.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, kerr.New(kerr.Invalid, "key_type_unsupported", "Loại khóa của dịch vụ ký số từ xa không được hỗ trợ (chỉ RSA và ECDSA).", "key of type %T", cred.Certificate.PublicKey)
	}
	return &RemoteKey{rs: rs, cert: cred.Certificate, chain: cred.Chain, timeout: timeout}, nil
}

// Public returns the certificate's public key.
func (k *RemoteKey) Public() crypto.PublicKey { return k.cert.PublicKey }

// Certificate is the signer's certificate.
func (k *RemoteKey) Certificate() *x509.Certificate { return k.cert }

// Chain is the issuer chain above Certificate.
func (k *RemoteKey) Chain() []*x509.Certificate { return k.chain }

// Sign sends digest to the remote service and checks the signature it
// returns against the certificate's public key before using it (kerr
// Integrity, remote_bad_signature, if it does not verify). RSA-PSS is not
// supported.
func (k *RemoteKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.SignContext(context.Background(), digest, opts)
}

// SignContext is Sign under ctx (and the key's timeout).
func (k *RemoteKey) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss {
		return nil, kerr.New(kerr.Invalid, "remote_pss_unsupported", "Dịch vụ ký số từ xa chỉ ký RSA PKCS#1 v1.5.", "RSA-PSS requested")
	}
	hash := opts.HashFunc()
	if !hash.Available() || len(digest) != hash.Size() {
		return nil, kerr.New(kerr.Invalid, "remote_bad_digest", "Giá trị băm gửi đi ký không hợp lệ.", "digest of %d bytes for %v", len(digest), hash)
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	sigs, err := k.rs.SignHash(ctx, hash, [][]byte{digest})
	if err != nil {
		return nil, err
	}
	if len(sigs) != 1 {
		return nil, kerr.New(kerr.Unavailable, "remote_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.", "%d signatures for 1 hash", len(sigs))
	}
	sig := sigs[0]
	bad := func(detail string, args ...any) error {
		return kerr.New(kerr.Integrity, "remote_bad_signature", "Chữ ký do dịch vụ ký số từ xa trả về không khớp với chứng thư số.", detail, args...)
	}
	switch pub := k.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
			return nil, bad("RSA signature does not verify: %v", err)
		}
	case *ecdsa.PublicKey:
		if size := (pub.Curve.Params().BitSize + 7) / 8; len(sig) == 2*size {
			// Some services return raw r||s; CMS wants DER.
			der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])})
			if err == nil && !ecdsa.VerifyASN1(pub, digest, sig) {
				sig = der
			}
		}
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return nil, bad("ECDSA signature does not verify")
		}
	}
	return sig, nil
}
