// Package signing will hold PAdES signing and verification, CMS signatures
// for data, the trust store, revocation checking (OCSP/CRL), timestamps and
// key sources (file, PKCS#11, remote). It is issue 3's work; nothing is
// implemented yet.
package signing
