package signing

import "time"

// PKCS11Config says which PKCS#11 module, token, key and certificate
// OpenPKCS11 uses.
type PKCS11Config struct {
	// Module is the path of the PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so or a USB token vendor's library.
	Module string
	// TokenLabel selects the token by its label; Slot selects it by slot
	// number instead. Give exactly one.
	TokenLabel string
	Slot       *int
	// PIN is the user PIN of the token.
	PIN string
	// KeyLabel (CKA_LABEL) and/or KeyID (CKA_ID) select the private key; at
	// least one is needed.
	KeyLabel string
	KeyID    []byte
	// CertPEM, when set, is the signer's certificate followed by its issuers
	// (PEM). When empty, the certificate is read from the token (the one
	// whose public key is the key's), and the chain is made of the issuer
	// certificates found on the token.
	CertPEM []byte
	// MaxSessions bounds the concurrent signing sessions (default 4).
	MaxSessions int
	// SessionWait bounds how long Sign waits for a free session (default 30 s).
	SessionWait time.Duration
}
