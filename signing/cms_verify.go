package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// DataReport is the verification of a detached CMS signature over data. Its
// verdict vocabulary and identity fields are those of SignatureReport.
type DataReport struct {
	// Size is the number of data bytes read and hashed.
	Size int64 `json:"size"`
	// DigestAlgorithm and Digest (hex) are the data's digest as computed.
	DigestAlgorithm string          `json:"digestAlgorithm"`
	Digest          string          `json:"digest"`
	VerifiedAt      time.Time       `json:"verifiedAt"`
	Signer          *SignerIdentity `json:"signer,omitempty"`
	SigningTime     time.Time       `json:"signingTime,omitzero"`
	// SigningTimeSource is "timestamp" or "signed_attribute" (claimed by the
	// signer, not proven).
	SigningTimeSource string    `json:"signingTimeSource,omitempty"`
	Integrity         bool      `json:"integrity"`    // the data's digest equals messageDigest
	CryptoValid       bool      `json:"cryptoValid"`  // the signature value verifies
	ChainTrusted      bool      `json:"chainTrusted"` // chains to the trust anchors at ValidatedAt
	Revocation        string    `json:"revocation"`   // "good", "revoked", "unavailable", "not_checked"
	ValidatedAt       time.Time `json:"validatedAt,omitzero"`
	Timestamp         Timestamp `json:"timestamp"`
	Verdict           Verdict   `json:"verdict"`
	SubIndication     string    `json:"subIndication,omitempty"`
	// Message (Vietnamese) and Detail (English) give the reason for a
	// verdict other than TOTAL-PASSED.
	Message string `json:"message,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// SubNoSigningCertificate (ETSI EN 319 102-1) is given when the signer's
// certificate is not in the signature or does not match the certificate
// the signed attributes name.
const SubNoSigningCertificate = "NO_SIGNING_CERTIFICATE_FOUND"

// cmsParsed is what VerifyData needs from a SignedData.
type cmsParsed struct {
	digest      crypto.Hash
	eContent    bool // encapsulated content present: not detached
	certs       []*x509.Certificate
	signer      *x509.Certificate // nil when not among certs
	signedAttrs []byte            // DER SET OF, tag 0x31, as signed; nil when absent
	attrs       map[string][][]byte
	dupAttr     string
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
	unsigned    map[string][][]byte
}

// VerifyData verifies the detached CMS signature sig (DER, at most
// MaxDataSignatureSize bytes) over the data read from data to its end,
// streaming (the data is hashed, never held). The checks and verdicts are
// those of Verify for a PDF signature: HASH_FAILURE when the data changed,
// SIG_CRYPTO_FAILURE for a wrong signature value, NO_CERTIFICATE_CHAIN_FOUND,
// REVOKED, TRY_LATER, OUT_OF_BOUNDS_NO_POE, CHAIN_CONSTRAINTS_FAILURE (wrong
// key usage, an unknown critical extension), NO_SIGNING_CERTIFICATE_FOUND and
// FORMAT_FAILURE for a SignedData this verifier cannot use. The chain is
// validated at the time-stamp's time when a valid one is present, else now.
// Errors: kerr TooLarge signature_too_large; Invalid signature_invalid (not
// a DER CMS SignedData at all) and data_unreadable; Unavailable
// verify_cancelled.
func VerifyData(ctx context.Context, data io.Reader, sig []byte, opts VerifyOptions) (*DataReport, error) {
	if len(sig) > MaxDataSignatureSize {
		return nil, kerr.New(kerr.TooLarge, "signature_too_large",
			fmt.Sprintf("Tệp chữ ký quá lớn (%d byte, tối đa %d byte); đây không phải tệp chữ ký .p7s hợp lệ.", len(sig), MaxDataSignatureSize),
			"signature of %d bytes, limit %d", len(sig), MaxDataSignatureSize)
	}
	p, err := parseCMS(sig)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "signature_invalid", "Tệp chữ ký không phải chữ ký CMS (.p7s, DER) hợp lệ.")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	rep := &DataReport{VerifiedAt: now(), Revocation: "not_checked"}
	// The data is read to its end whatever the signature says, so Size and
	// Digest are always reported.
	h := crypto.SHA256
	if p.digest != 0 {
		h = p.digest
	}
	hr := &hashingReader{r: ctxReader{ctx: ctx, r: data}, h: h.New()}
	if _, err := io.Copy(io.Discard, hr); err != nil {
		if ctx.Err() != nil {
			return nil, kerr.Wrap(ctx.Err(), kerr.Unavailable, "verify_cancelled", "Việc kiểm tra chữ ký đã bị hủy.")
		}
		return nil, kerr.Wrap(err, kerr.Invalid, "data_unreadable", "Không đọc được dữ liệu cần kiểm tra.")
	}
	sum := hr.h.Sum(nil)
	rep.Size, rep.DigestAlgorithm, rep.Digest = hr.n, h.String(), hex.EncodeToString(sum)
	verifyParsed(ctx, rep, p, sum, opts)
	return rep, nil
}

// verifyParsed fills rep's verdict from the parsed signature and the data's digest.
func verifyParsed(ctx context.Context, rep *DataReport, p *cmsParsed, sum []byte, opts VerifyOptions) {
	set := func(v Verdict, sub, msg, detail string, args ...any) {
		rep.Verdict, rep.SubIndication, rep.Message, rep.Detail = v, sub, msg, fmt.Sprintf(detail, args...)
	}
	format := func(detail string, args ...any) {
		set(Indeterminate, SubFormatFailure, "Cấu trúc chữ ký dữ liệu không đúng chuẩn CMS/CAdES, không kiểm tra được.", detail, args...)
	}
	switch {
	case p.digest == 0:
		format("unsupported digest algorithm")
		return
	case p.eContent:
		format("the SignedData carries its content: not a detached signature")
		return
	case p.signedAttrs == nil:
		format("no signed attributes (CAdES requires them)")
		return
	case p.dupAttr != "":
		format("signed attribute %s appears more than once or with several values", p.dupAttr)
		return
	}
	if p.signer != nil {
		rep.Signer = signerOf(p.signer)
	}
	if v := p.attrs[oidSigningTime.String()]; len(v) == 1 {
		if t, ok := parseASN1Time(v[0]); ok {
			rep.SigningTime, rep.SigningTimeSource = t, "signed_attribute"
		}
	}
	ct := p.attrs[oidContentType.String()]
	var ctOID asn1.ObjectIdentifier
	if len(ct) != 1 || !(*cryptobyte.String)(&ct[0]).ReadASN1ObjectIdentifier(&ctOID) || !ctOID.Equal(oidData) {
		format("content-type signed attribute missing or not id-data")
		return
	}
	md := p.attrs[oidMessageDigest.String()]
	var digest cryptobyte.String
	if len(md) != 1 || !(*cryptobyte.String)(&md[0]).ReadASN1(&digest, casn1.OCTET_STRING) {
		set(TotalFailed, SubSigCryptoFailure, "Chữ ký không có giá trị băm của dữ liệu (messageDigest).", "no usable messageDigest signed attribute")
		return
	}
	if !bytes.Equal(digest, sum) {
		set(TotalFailed, SubHashFailure, "Dữ liệu đã bị thay đổi sau khi ký (giá trị băm không khớp).", "the data's digest differs from messageDigest")
		return
	}
	rep.Integrity = true
	if p.signer == nil {
		set(Indeterminate, SubNoSigningCertificate, "Chữ ký không kèm chứng thư số của người ký.", "the signer's certificate is not in the SignedData")
		return
	}
	alg, ok := x509Algorithm(p.sigAlg, p.digest)
	if !ok {
		format("unsupported signature algorithm %v with %v", p.sigAlg, p.digest)
		return
	}
	if err := p.signer.CheckSignature(alg, p.signedAttrs, p.signature); err != nil {
		set(TotalFailed, SubSigCryptoFailure, "Giá trị chữ ký số không đúng với chứng thư của người ký.", "%v", err)
		return
	}
	rep.CryptoValid = true
	if err := checkSigningCertificateAttr(p); err != nil {
		set(Indeterminate, SubNoSigningCertificate, "Chứng thư số kèm theo không phải chứng thư mà người ký đã ký xác nhận (signing-certificate).", "%v", err)
		return
	}

	env := newVerifyEnv(opts, &validationData{}, rep.VerifiedAt)
	if tok := p.unsigned[oidTSTToken.String()]; len(tok) > 0 {
		rep.Timestamp = env.checkTimestamp(ctx, tok[0], p.signature)
		if rep.Timestamp.Valid {
			rep.SigningTime, rep.SigningTimeSource = rep.Timestamp.Time, "timestamp"
		}
	}
	rep.ValidatedAt = rep.VerifiedAt
	if rep.Timestamp.Valid {
		rep.ValidatedAt = rep.Timestamp.Time
	}
	// The certificate verdict is the one a PDF signature gets.
	sr := &SignatureReport{Revocation: rep.Revocation, ValidatedAt: rep.ValidatedAt}
	env.judgeCertificate(ctx, sr, p.signer, p.certs)
	rep.ChainTrusted, rep.Revocation = sr.ChainTrusted, sr.Revocation
	rep.Verdict, rep.SubIndication, rep.Message, rep.Detail = sr.Verdict, sr.SubIndication, sr.Message, sr.Detail
}

// verifyChecker is the Checker VerifyOptions asks for: opts.Checker (with
// opts.Roots when set), or one without revocation.
func verifyChecker(opts VerifyOptions) *Checker {
	c := opts.Checker
	switch {
	case c == nil:
		return &Checker{Roots: opts.Roots, Revocation: RevocationSkip}
	case opts.Roots != nil && c.Roots != opts.Roots:
		return &Checker{Roots: opts.Roots, Revocation: c.Revocation, HTTPClient: c.HTTPClient, Timeout: c.Timeout, CacheFor: c.CacheFor}
	}
	return c
}

// checkSigningCertificateAttr checks the ESS signing-certificate(-v2)
// attribute, when present, against the signer's certificate.
func checkSigningCertificateAttr(p *cmsParsed) error {
	v2, v1 := p.attrs[oidSigningCertificateV2.String()], p.attrs[oidSigningCertificate.String()]
	var val []byte
	switch {
	case len(v2) == 1:
		val = v2[0]
	case len(v1) == 1:
		val = v1[0]
	default:
		return nil // CAdES-BES requires one; others (OpenSSL without -cades) omit it
	}
	s := cryptobyte.String(val)
	var seq, ids, id cryptobyte.String
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !seq.ReadASN1(&ids, casn1.SEQUENCE) || !ids.ReadASN1(&id, casn1.SEQUENCE) {
		return errors.New("malformed signing-certificate attribute")
	}
	h := crypto.SHA256
	if len(v2) == 0 {
		h = crypto.SHA1
	} else if id.PeekASN1Tag(casn1.SEQUENCE) {
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !id.ReadASN1(&alg, casn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
			return errors.New("malformed signing-certificate-v2 hash algorithm")
		}
		var ok bool
		if h, ok = hashFor(oid); !ok {
			return fmt.Errorf("signing-certificate-v2 hash algorithm %v not supported", oid)
		}
	}
	var certHash cryptobyte.String
	if !id.ReadASN1(&certHash, casn1.OCTET_STRING) {
		return errors.New("malformed signing-certificate certHash")
	}
	var got []byte
	if h == crypto.SHA1 {
		s := sha1.Sum(p.signer.Raw)
		got = s[:]
	} else {
		hh := h.New()
		hh.Write(p.signer.Raw)
		got = hh.Sum(nil)
	}
	if !bytes.Equal(got, certHash) {
		return errors.New("the signing-certificate hash is not the signer certificate's")
	}
	return nil
}

// parseCMS parses a DER ContentInfo holding a SignedData with exactly one
// SignerInfo. It errs only when the input is not such a structure; what
// VerifyData cannot use (unknown algorithms, an attached content) is left
// for verifyParsed to report.
func parseCMS(der []byte) (*cmsParsed, error) {
	bad := func(what string) (*cmsParsed, error) { return nil, fmt.Errorf("%w: %s", errCMS, what) }
	in := cryptobyte.String(der)
	var ci, explicit, sd cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, casn1.SEQUENCE) || !in.Empty() {
		return bad("not one DER SEQUENCE")
	}
	if !ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oidSignedData) {
		return bad("not a SignedData ContentInfo")
	}
	if !ci.ReadASN1(&explicit, casn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!explicit.ReadASN1(&sd, casn1.SEQUENCE) || !explicit.Empty() {
		return bad("malformed ContentInfo")
	}
	p := &cmsParsed{attrs: map[string][][]byte{}, unsigned: map[string][][]byte{}}
	var version int64
	var digestAlgs, encap cryptobyte.String
	var eType asn1.ObjectIdentifier
	if !sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digestAlgs, casn1.SET) || !sd.ReadASN1(&encap, casn1.SEQUENCE) ||
		!encap.ReadASN1ObjectIdentifier(&eType) {
		return bad("malformed SignedData header")
	}
	p.eContent = !encap.Empty()
	var certSet cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certSet, &hasCerts, casn1.Tag(0).Constructed().ContextSpecific()) {
		return bad("malformed certificates")
	}
	for !certSet.Empty() {
		var elem cryptobyte.String
		var tag casn1.Tag
		if !certSet.ReadAnyASN1Element(&elem, &tag) {
			return bad("malformed certificate set")
		}
		if tag != casn1.SEQUENCE {
			continue // other certificate formats are ignored
		}
		c, err := x509.ParseCertificate(elem)
		if err != nil {
			continue // an unparsable extra certificate cannot be the signer's chain anyway
		}
		p.certs = append(p.certs, c)
	}
	if !sd.SkipOptionalASN1(casn1.Tag(1).Constructed().ContextSpecific()) { // crls
		return bad("malformed crls")
	}
	var signerInfos, si cryptobyte.String
	if !sd.ReadASN1(&signerInfos, casn1.SET) || !sd.Empty() {
		return bad("malformed signerInfos")
	}
	if !signerInfos.ReadASN1(&si, casn1.SEQUENCE) {
		return bad("no SignerInfo")
	}
	if !signerInfos.Empty() {
		return bad("more than one SignerInfo")
	}
	var siVersion int64
	if !si.ReadASN1Integer(&siVersion) {
		return bad("malformed SignerInfo version")
	}
	// sid: IssuerAndSerialNumber, or [0] SubjectKeyIdentifier.
	switch {
	case si.PeekASN1Tag(casn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		serial := new(big.Int)
		if !si.ReadASN1(&ias, casn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, casn1.SEQUENCE) || !ias.ReadASN1Integer(serial) {
			return bad("malformed IssuerAndSerialNumber")
		}
		for _, c := range p.certs {
			if bytes.Equal(c.RawIssuer, issuer) && c.SerialNumber.Cmp(serial) == 0 {
				p.signer = c
				break
			}
		}
	case si.PeekASN1Tag(casn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !si.ReadASN1(&ski, casn1.Tag(0).ContextSpecific()) {
			return bad("malformed SubjectKeyIdentifier")
		}
		for _, c := range p.certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, ski) {
				p.signer = c
				break
			}
		}
	default:
		return bad("unknown SignerIdentifier")
	}
	var dalg cryptobyte.String
	var doid asn1.ObjectIdentifier
	if !si.ReadASN1(&dalg, casn1.SEQUENCE) || !dalg.ReadASN1ObjectIdentifier(&doid) {
		return bad("malformed digestAlgorithm")
	}
	p.digest, _ = hashFor(doid)
	var sa cryptobyte.String
	if si.PeekASN1Tag(casn1.Tag(0).Constructed().ContextSpecific()) {
		if !si.ReadASN1Element(&sa, casn1.Tag(0).Constructed().ContextSpecific()) {
			return bad("malformed signedAttrs")
		}
		p.signedAttrs = bytes.Clone(sa)
		p.signedAttrs[0] = byte(casn1.SET) // signed as a SET OF
		if !readAttributes(sa, p.attrs, &p.dupAttr, casn1.Tag(0).Constructed().ContextSpecific()) {
			return bad("malformed signed attribute")
		}
	}
	var salg cryptobyte.String
	var sig cryptobyte.String
	if !si.ReadASN1(&salg, casn1.SEQUENCE) || !salg.ReadASN1ObjectIdentifier(&p.sigAlg) || !si.ReadASN1(&sig, casn1.OCTET_STRING) {
		return bad("malformed signature")
	}
	p.signature = sig
	var ua cryptobyte.String
	if si.PeekASN1Tag(casn1.Tag(1).Constructed().ContextSpecific()) {
		if !si.ReadASN1Element(&ua, casn1.Tag(1).Constructed().ContextSpecific()) {
			return bad("malformed unsignedAttrs")
		}
		var dup string
		if !readAttributes(ua, p.unsigned, &dup, casn1.Tag(1).Constructed().ContextSpecific()) {
			return bad("malformed unsigned attribute")
		}
	}
	if !si.Empty() {
		return bad("trailing data in SignerInfo")
	}
	return p, nil
}

// readAttributes reads a SET OF Attribute element with the given tag into
// out (OID string → values, each a DER element); dup names the first
// attribute seen twice or with several values.
func readAttributes(elem cryptobyte.String, out map[string][][]byte, dup *string, tag casn1.Tag) bool {
	var set cryptobyte.String
	if !elem.ReadASN1(&set, tag) {
		return false
	}
	for !set.Empty() {
		var attr, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !set.ReadASN1(&attr, casn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) || !attr.ReadASN1(&values, casn1.SET) || !attr.Empty() {
			return false
		}
		k := oid.String()
		if _, seen := out[k]; seen && *dup == "" {
			*dup = k
		}
		for !values.Empty() {
			var v cryptobyte.String
			var t casn1.Tag
			if !values.ReadAnyASN1Element(&v, &t) {
				return false
			}
			out[k] = append(out[k], v)
		}
		if len(out[k]) != 1 && *dup == "" && (oid.Equal(oidContentType) || oid.Equal(oidMessageDigest) || oid.Equal(oidSigningTime)) {
			*dup = k
		}
	}
	return true
}

// parseASN1Time reads a UTCTime or GeneralizedTime element.
func parseASN1Time(der []byte) (time.Time, bool) {
	s := cryptobyte.String(der)
	var t time.Time
	if s.PeekASN1Tag(casn1.UTCTime) {
		return t, s.ReadASN1UTCTime(&t)
	}
	return t, s.ReadASN1GeneralizedTime(&t)
}

// ReasonVI is the Vietnamese reason for a verdict other than TOTAL-PASSED,
// worded as for PDF signatures; "" when the signature passed.
func (r *DataReport) ReasonVI() string {
	if r.Verdict == TotalPassed {
		return ""
	}
	if m := subIndicationVI[r.SubIndication]; m != "" {
		return m
	}
	return r.Message
}
