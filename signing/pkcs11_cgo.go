//go:build cgo

package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ThalesGroup/crypto11"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/miekg/pkcs11"
)

// PKCS11Key is a KeySource whose private key stays on a PKCS#11 token. It is
// safe for concurrent use: signatures run on a pool of logged-in sessions.
// Close it when done.
type PKCS11Key struct {
	p11   *crypto11.Context
	key   crypto11.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
	once  sync.Once
}

var _ KeySource = (*PKCS11Key)(nil)

// OpenPKCS11 opens a session pool on a token, logs in with the PIN and finds
// the key and its certificate. Errors are kerr: Invalid for a missing or
// unloadable module (pkcs11_module_missing, pkcs11_module_invalid), a wrong
// PIN (pkcs11_pin_wrong), a certificate that does not belong to the key
// (key_cert_mismatch) or an unsupported key type; NotFound for the token
// (pkcs11_token_not_found), the key (pkcs11_key_not_found) or its
// certificate (pkcs11_cert_not_found); Permission for a locked PIN
// (pkcs11_pin_locked); Unavailable for other token failures.
func OpenPKCS11(ctx context.Context, cfg PKCS11Config) (*PKCS11Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "pkcs11_cancelled", "Đã hủy việc mở token ký số.")
	}
	if cfg.Module == "" {
		return nil, kerr.New(kerr.Invalid, "pkcs11_module_missing", "Chưa chỉ định thư viện PKCS#11 của token ký số.", "PKCS11Config.Module is empty")
	}
	if st, err := os.Stat(cfg.Module); err != nil || st.IsDir() {
		return nil, kerr.New(kerr.Invalid, "pkcs11_module_missing", "Không tìm thấy thư viện PKCS#11 của token ký số ("+cfg.Module+").", "module %s: %v", cfg.Module, err)
	}
	if (cfg.TokenLabel == "") == (cfg.Slot == nil) {
		return nil, kerr.New(kerr.Invalid, "pkcs11_token_required", "Hãy chỉ định token ký số bằng nhãn hoặc bằng số khe (slot), chỉ một trong hai.", "give exactly one of TokenLabel and Slot")
	}
	if cfg.KeyLabel == "" && len(cfg.KeyID) == 0 {
		return nil, kerr.New(kerr.Invalid, "pkcs11_key_required", "Hãy chỉ định khóa ký trên token (nhãn hoặc mã khóa).", "give KeyLabel or KeyID")
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = 4
	}
	if cfg.MaxSessions < 2 {
		cfg.MaxSessions = 2 // crypto11 keeps one session for the login
	}
	if cfg.SessionWait == 0 {
		cfg.SessionWait = 30 * time.Second
	}
	var certs []*x509.Certificate
	if len(cfg.CertPEM) > 0 {
		var err error
		if certs, err = parseCertsPEM(cfg.CertPEM); err != nil {
			return nil, err
		}
	}

	p11, err := crypto11.Configure(&crypto11.Config{
		Path: cfg.Module, TokenLabel: cfg.TokenLabel, SlotNumber: cfg.Slot, Pin: cfg.PIN,
		MaxSessions: cfg.MaxSessions + 1, PoolWaitTimeout: cfg.SessionWait,
	})
	if err != nil {
		return nil, pkcs11OpenError(err, cfg)
	}
	k := &PKCS11Key{p11: p11}
	fail := func(err error) (*PKCS11Key, error) {
		p11.Close()
		return nil, err
	}

	var label []byte
	if cfg.KeyLabel != "" {
		label = []byte(cfg.KeyLabel)
	}
	keys, err := p11.FindKeyPairs(cfg.KeyID, label)
	if err != nil {
		return fail(kerr.Wrap(err, kerr.Unavailable, "pkcs11_failed", "Không đọc được khóa trên token ký số."))
	}
	if len(keys) == 0 {
		return fail(kerr.New(kerr.NotFound, "pkcs11_key_not_found", "Không tìm thấy khóa ký trên token ("+keyName(cfg)+").", "no key pair with label %q, id %x", cfg.KeyLabel, cfg.KeyID))
	}
	if len(keys) > 1 {
		return fail(kerr.New(kerr.Invalid, "pkcs11_key_ambiguous", "Có nhiều khóa ký trên token khớp với "+keyName(cfg)+"; hãy chỉ định cả nhãn và mã khóa.", "%d key pairs match", len(keys)))
	}
	k.key = keys[0]
	switch pub := k.key.Public().(type) {
	case *rsa.PublicKey:
	case *ecdsa.PublicKey:
	default:
		return fail(kerr.New(kerr.Invalid, "key_type_unsupported", "Loại khóa trên token không được hỗ trợ (chỉ RSA và ECDSA).", "key of type %T", pub))
	}

	if certs == nil {
		onToken, err := tokenCertificates(cfg)
		if err != nil {
			return fail(err)
		}
		var leaf *x509.Certificate
		for _, c := range onToken {
			if samePublic(k.key.Public(), c.PublicKey) && (leaf == nil || c.NotBefore.After(leaf.NotBefore)) {
				leaf = c // the newest certificate of this key
			}
		}
		if leaf == nil {
			return fail(kerr.New(kerr.NotFound, "pkcs11_cert_not_found", "Token không có chứng thư số của khóa ký "+keyName(cfg)+"; hãy cung cấp tệp chứng thư (--cert).", "no certificate on the token matches the key"))
		}
		certs = append([]*x509.Certificate{leaf}, issuerChain(leaf, onToken)...)
	}
	if !samePublic(k.key.Public(), certs[0].PublicKey) {
		return fail(kerr.New(kerr.Invalid, "key_cert_mismatch", "Khóa ký trên token không khớp với chứng thư số.", "key %s does not belong to certificate %q", keyName(cfg), certs[0].Subject.CommonName))
	}
	k.cert, k.chain = certs[0], certs[1:]
	return k, nil
}

// Public returns the key's public key.
func (k *PKCS11Key) Public() crypto.PublicKey { return k.key.Public() }

// Sign signs digest on the token: RSA PKCS#1 v1.5 (or PSS when opts is
// *rsa.PSSOptions with an explicit salt length) and ECDSA. A token failure
// is kerr Unavailable (pkcs11_sign_failed).
func (k *PKCS11Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := k.key.Sign(rand, digest, opts)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "pkcs11_sign_failed", "Token ký số không thực hiện được chữ ký.")
	}
	return sig, nil
}

// Certificate is the signer's certificate.
func (k *PKCS11Key) Certificate() *x509.Certificate { return k.cert }

// Chain is the issuer chain above Certificate.
func (k *PKCS11Key) Chain() []*x509.Certificate { return k.chain }

// Close logs out and closes the sessions; the module is unloaded when its
// last user closes. It is safe to call more than once.
func (k *PKCS11Key) Close() error {
	var err error
	k.once.Do(func() { err = k.p11.Close() })
	return err
}

func keyName(cfg PKCS11Config) string {
	switch {
	case cfg.KeyLabel != "" && len(cfg.KeyID) > 0:
		return fmt.Sprintf("nhãn %q, mã %x", cfg.KeyLabel, cfg.KeyID)
	case cfg.KeyLabel != "":
		return fmt.Sprintf("nhãn %q", cfg.KeyLabel)
	default:
		return fmt.Sprintf("mã %x", cfg.KeyID)
	}
}

func tokenName(cfg PKCS11Config) string {
	if cfg.Slot != nil {
		return fmt.Sprintf("khe %d", *cfg.Slot)
	}
	return fmt.Sprintf("nhãn %q", cfg.TokenLabel)
}

// pkcs11OpenError classifies what crypto11.Configure returned.
func pkcs11OpenError(err error, cfg PKCS11Config) error {
	var p11err pkcs11.Error
	if errors.As(err, &p11err) {
		switch p11err {
		case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_LEN_RANGE, pkcs11.CKR_PIN_INVALID:
			return kerr.Wrap(err, kerr.Invalid, "pkcs11_pin_wrong", "Mã PIN không đúng.")
		case pkcs11.CKR_PIN_LOCKED:
			return kerr.Wrap(err, kerr.Permission, "pkcs11_pin_locked", "Token ký số đã bị khóa do nhập sai mã PIN quá số lần cho phép.")
		case pkcs11.CKR_PIN_EXPIRED:
			return kerr.Wrap(err, kerr.Permission, "pkcs11_pin_expired", "Mã PIN của token ký số đã hết hạn; hãy đổi mã PIN.")
		case pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_SLOT_ID_INVALID:
			return kerr.Wrap(err, kerr.NotFound, "pkcs11_token_not_found", "Không tìm thấy token ký số ("+tokenName(cfg)+"); hãy kiểm tra token đã được cắm vào máy.")
		}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "could not find PKCS#11 token"):
		return kerr.Wrap(err, kerr.NotFound, "pkcs11_token_not_found", "Không tìm thấy token ký số ("+tokenName(cfg)+"); hãy kiểm tra token đã được cắm vào máy.")
	case strings.Contains(msg, "failed to open module"):
		return kerr.Wrap(err, kerr.Invalid, "pkcs11_module_invalid", "Tệp "+cfg.Module+" không phải thư viện PKCS#11 dùng được.")
	}
	return kerr.Wrap(err, kerr.Unavailable, "pkcs11_failed", "Không mở được token ký số.")
}

// maxTokenCerts bounds how many certificate objects are read from a token.
const maxTokenCerts = 256

// tokenCertificates reads every certificate object on the token. crypto11
// finds certificates only by ID, label or serial, so this opens its own
// session through the module crypto11 has already initialised (C_Initialize
// answers CKR_CRYPTOKI_ALREADY_INITIALIZED; finalising stays crypto11's job).
func tokenCertificates(cfg PKCS11Config) ([]*x509.Certificate, error) {
	unavailable := func(err error) error {
		return kerr.Wrap(err, kerr.Unavailable, "pkcs11_failed", "Không đọc được chứng thư số trên token ký số.")
	}
	m := pkcs11.New(cfg.Module)
	if m == nil {
		return nil, kerr.New(kerr.Invalid, "pkcs11_module_invalid", "Tệp "+cfg.Module+" không phải thư viện PKCS#11 dùng được.", "cannot load %s", cfg.Module)
	}
	defer m.Destroy()
	if err := m.Initialize(); err != nil && !errors.Is(err, pkcs11.Error(pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
		return nil, unavailable(err)
	}
	slots, err := m.GetSlotList(true)
	if err != nil {
		return nil, unavailable(err)
	}
	slot, found := uint(0), false
	for _, s := range slots {
		if cfg.Slot != nil {
			if uint(*cfg.Slot) == s {
				slot, found = s, true
				break
			}
			continue
		}
		if info, err := m.GetTokenInfo(s); err == nil && strings.TrimRight(info.Label, " ") == cfg.TokenLabel {
			slot, found = s, true
			break
		}
	}
	if !found {
		return nil, kerr.New(kerr.NotFound, "pkcs11_token_not_found", "Không tìm thấy token ký số ("+tokenName(cfg)+").", "token vanished while reading certificates")
	}
	sess, err := m.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, unavailable(err)
	}
	defer m.CloseSession(sess)
	if err := m.FindObjectsInit(sess, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE)}); err != nil {
		return nil, unavailable(err)
	}
	handles, _, err := m.FindObjects(sess, maxTokenCerts)
	m.FindObjectsFinal(sess)
	if err != nil {
		return nil, unavailable(err)
	}
	var certs []*x509.Certificate
	for _, h := range handles {
		attrs, err := m.GetAttributeValue(sess, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		if err != nil || len(attrs) == 0 {
			continue
		}
		if c, err := x509.ParseCertificate(attrs[0].Value); err == nil {
			certs = append(certs, c)
		}
	}
	return certs, nil
}

// issuerChain walks from leaf up through pool by issuer name and signature,
// nearest issuer first, stopping at a self-signed certificate or when no
// issuer is found.
func issuerChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	for c := leaf; len(chain) < 8; {
		if c.CheckSignatureFrom(c) == nil && string(c.RawIssuer) == string(c.RawSubject) {
			break // self-signed root
		}
		var next *x509.Certificate
		for _, cand := range pool {
			if string(cand.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
				next = cand
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		c = next
	}
	return chain
}
