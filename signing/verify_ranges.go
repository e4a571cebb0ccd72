package signing

import (
	"context"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/pkcs7"
)

// signedRanges is the part of a PDF a signature covers, its /ByteRange
// [a b c d]: bytes a..a+b and c..c+d. It is hashed while read, so a large
// document never sits in memory.
type signedRanges struct {
	ctx    context.Context
	in     io.ReaderAt
	ranges [2][2]int64 // offset, length
}

// rangeReadError is a failure to read the signed bytes (not a bad digest).
type rangeReadError struct{ err error }

func (e *rangeReadError) Error() string { return "reading the signed bytes: " + e.err.Error() }
func (e *rangeReadError) Unwrap() error { return e.err }

// digest hashes the two ranges with h, stopping when ctx is done.
func (s signedRanges) digest(h crypto.Hash) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("digest algorithm %v unavailable", h)
	}
	w := h.New()
	for _, r := range s.ranges {
		n, err := io.Copy(w, ctxReader{ctx: s.ctx, r: io.NewSectionReader(s.in, r[0], r[1])})
		if err == nil && n != r[1] {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, &rangeReadError{err: err}
		}
	}
	return w.Sum(nil), nil
}

// verifyCMSOverRanges does what pkcs7's Verify does for the only signer of
// p7 (whose certificate is ee, and whose messageDigest attribute is md) —
// digest check, signing time within ee's validity, signature value over the
// signed attributes — but hashes the signed ranges while reading them
// instead of hashing p7.Content. It returns pkcs7's errors
// (*pkcs7.MessageDigestMismatchError, "outside of certificate validity")
// and a *rangeReadError when the ranges cannot be read.
func verifyCMSOverRanges(p7 *pkcs7.PKCS7, ee *x509.Certificate, md []byte, signed signedRanges) error {
	if len(p7.Signers) != 1 {
		return fmt.Errorf("pkcs7: %d signers, want 1", len(p7.Signers))
	}
	signer := p7.Signers[0]
	if len(signer.AuthenticatedAttributes) == 0 {
		return fmt.Errorf("pkcs7: no signed attributes")
	}
	h, ok := pkcs7DigestHash(signer.DigestAlgorithm.Algorithm)
	if !ok {
		return fmt.Errorf("pkcs7: unsupported digest algorithm %v", signer.DigestAlgorithm.Algorithm)
	}
	computed, err := signed.digest(h)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(md, computed) != 1 {
		return &pkcs7.MessageDigestMismatchError{ExpectedDigest: md, ActualDigest: computed}
	}
	var signingTime time.Time
	if err := p7.UnmarshalSignedAttribute(oidSigningTime, &signingTime); err == nil {
		if signingTime.After(ee.NotAfter) || signingTime.Before(ee.NotBefore) {
			return fmt.Errorf("pkcs7: signing time %q is outside of certificate validity %q to %q",
				signingTime.Format(time.RFC3339), ee.NotBefore.Format(time.RFC3339), ee.NotAfter.Format(time.RFC3339))
		}
	}
	// The signature value is over the DER SET OF the signed attributes,
	// encoded as pkcs7 encodes them. Verifying a copy of p7 whose signer has
	// no signed attributes, with that encoding as its content, makes pkcs7
	// check exactly the signature value, with its own algorithm table.
	attrs := make([]pkcs7Attribute, len(signer.AuthenticatedAttributes))
	for i, a := range signer.AuthenticatedAttributes {
		attrs[i] = pkcs7Attribute{Type: a.Type, Value: a.Value}
	}
	enc, err := asn1.Marshal(struct {
		A []pkcs7Attribute `asn1:"set"`
	}{A: attrs})
	if err != nil {
		return err
	}
	var set asn1.RawValue
	if _, err := asn1.Unmarshal(enc, &set); err != nil {
		return err
	}
	bare := signer
	bare.AuthenticatedAttributes = nil
	cp := *p7
	cp.Signers = append(p7.Signers[:0:0], bare)
	cp.Content = set.Bytes
	return cp.Verify()
}

// pkcs7Attribute mirrors pkcs7's attribute, for encoding signed attributes
// exactly as pkcs7 does.
type pkcs7Attribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

// pkcs7DigestHash is pkcs7's digest table (its getHashForOID).
func pkcs7DigestHash(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA1),
		oid.Equal(pkcs7.OIDDigestAlgorithmDSA), oid.Equal(pkcs7.OIDDigestAlgorithmDSASHA1),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSA):
		return crypto.SHA1, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA256):
		return crypto.SHA256, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA384):
		return crypto.SHA384, true
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA512):
		return crypto.SHA512, true
	}
	return 0, false
}
