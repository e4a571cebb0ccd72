package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"github.com/kho-vn/kho/internal/kerr"
)

// Verdict is the validation status of a signature, as in ETSI EN 319 102-1.
type Verdict string

// The verdicts.
const (
	TotalPassed   Verdict = "TOTAL-PASSED"
	Indeterminate Verdict = "INDETERMINATE"
	TotalFailed   Verdict = "TOTAL-FAILED"
)

// Sub-indications (ETSI EN 319 102-1, table 5) used by Verify, plus
// ChangesNotClassified, which is ours.
const (
	SubHashFailure            = "HASH_FAILURE"
	SubSigCryptoFailure       = "SIG_CRYPTO_FAILURE"
	SubRevoked                = "REVOKED"
	SubFormatFailure          = "FORMAT_FAILURE"
	SubNoCertificateChain     = "NO_CERTIFICATE_CHAIN_FOUND"
	SubOutOfBoundsNoPOE       = "OUT_OF_BOUNDS_NO_POE"
	SubTryLater               = "TRY_LATER"
	SubChainConstraintsFailed = "CHAIN_CONSTRAINTS_FAILURE"
	SubSigConstraintsFailure  = "SIG_CONSTRAINTS_FAILURE"
	// SubChangesNotClassified is not an ETSI sub-indication: the document
	// was changed after signing by an incremental update that Verify does
	// not recognise as allowed (a later signature, a DSS update, a document
	// time-stamp or form filling).
	SubChangesNotClassified = "CHANGES_NOT_CLASSIFIED"
)

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Roots are the trust anchors (a trusted list; the test roots in tests).
	Roots *x509.CertPool
	// Checker, when set, also checks revocation (OCSP, then CRL) of the
	// signer's chain; its Roots are replaced by Roots above when those are
	// set. Nil means revocation is not checked (reported as not checked).
	Checker *Checker
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSize bounds the input; zero means 256 MiB.
	MaxSize int64
	// Budget bounds the memory and time of the parse.
	Budget ParseBudget
}

// Report is the result of Verify for one PDF.
type Report struct {
	Size       int64     `json:"size"`
	VerifiedAt time.Time `json:"verifiedAt"`
	// DSS counts what the document's Document Security Store holds; nil
	// when it has none.
	DSS        *DSSSummary        `json:"dss,omitempty"`
	Signatures []*SignatureReport `json:"signatures"`
}

// DSSSummary counts the validation data of a Document Security Store.
type DSSSummary struct {
	Certs int `json:"certs"`
	OCSPs int `json:"ocsps"`
	CRLs  int `json:"crls"`
	// Error says why the DSS was ignored (over the parser's limits).
	Error string `json:"error,omitempty"`
}

// SignerIdentity is who made a signature, from the signer certificate.
type SignerIdentity struct {
	CommonName   string `json:"commonName"`
	Organization string `json:"organization,omitempty"`
	// SerialNumber is the subject's serialNumber attribute (e.g. a CCCD
	// number), not the certificate serial.
	SerialNumber string `json:"serialNumber,omitempty"`
	// CertSerial is the certificate's serial number in hex.
	CertSerial string    `json:"certSerial"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
}

// Timestamp describes a signature time-stamp (or a document time-stamp).
type Timestamp struct {
	Present bool      `json:"present"`
	Valid   bool      `json:"valid"`
	Time    time.Time `json:"time,omitzero"`
	TSA     string    `json:"tsa,omitempty"` // the TSA certificate's common name
	// Revocation of the TSA's chain at Time, as SignatureReport.Revocation,
	// and where the answer came from, as SignatureReport.RevocationSource.
	Revocation       string `json:"revocation,omitempty"`
	RevocationSource string `json:"revocationSource,omitempty"`
	Error            string `json:"error,omitempty"`
	// ChainExpires is the earliest NotAfter of the TSA's chain as built
	// to the trust anchors (the TSA certificate up to the anchor); zero
	// when no chain was built. An archive renews the time-stamp before it.
	ChainExpires time.Time `json:"chainExpires,omitzero"`

	fromDSS bool // the DSS answered for the whole TSA chain
	intact  bool // the token verifies and its imprint matches
}

// Change is one incremental update appended after a signature.
type Change struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Kind is ChangeLaterSignature, ChangeDocTimestamp, ChangeDSS,
	// ChangeFormFilling or ChangeUnclassified.
	Kind    string `json:"kind"`
	Allowed bool   `json:"allowed"`
	// Fields are the full names of the form fields filled in (form_filling).
	Fields []string `json:"fields,omitempty"`
}

// The kinds of SignatureReport.
const (
	KindSignature    = "signature"          // an approval or certification signature
	KindDocTimestamp = "document_timestamp" // a document time-stamp (ETSI.RFC3161)
)

// SignatureReport is the verification of one signature.
type SignatureReport struct {
	Field string `json:"field"`
	// Kind is KindSignature or KindDocTimestamp.
	Kind      string `json:"kind"`
	SubFilter string `json:"subFilter"`
	// Level is the PAdES baseline level the signature reached ("B-B",
	// "B-T", "B-LT", "B-LTA"); empty for a document time-stamp or a
	// signature that does not verify.
	Level       string          `json:"level,omitempty"`
	Name        string          `json:"name,omitempty"` // the /Name the signer wrote
	Reason      string          `json:"reason,omitempty"`
	Location    string          `json:"location,omitempty"`
	Signer      *SignerIdentity `json:"signer,omitempty"`
	SigningTime time.Time       `json:"signingTime,omitzero"`
	// SigningTimeSource is "timestamp", "signed_attribute" or "pdf_M"
	// (claimed by the signer, not proven).
	SigningTimeSource string  `json:"signingTimeSource,omitempty"`
	ByteRange         []int64 `json:"byteRange"`
	Integrity         bool    `json:"integrity"`    // byte-range digest equals messageDigest
	CryptoValid       bool    `json:"cryptoValid"`  // the signature value verifies
	ChainTrusted      bool    `json:"chainTrusted"` // chains to the trust anchors at ValidatedAt
	Revocation        string  `json:"revocation"`   // "good", "revoked", "unavailable", "not_checked"
	// RevocationSource says where the revocation answers came from: "dss"
	// (the document's DSS), "online" (OCSP/CRL servers now) or "dss+online".
	RevocationSource     string    `json:"revocationSource,omitempty"`
	ValidatedAt          time.Time `json:"validatedAt"` // the time the chain was validated at
	Timestamp            Timestamp `json:"timestamp"`
	CoversWholeDocument  bool      `json:"coversWholeDocument"`
	ModifiedAfterSigning bool      `json:"modifiedAfterSigning"`
	// DocMDP is the P value of a certification signature (1: no changes,
	// 2: form filling and signing, 3: also annotations); 0 for an
	// approval signature.
	DocMDP        int      `json:"docmdp,omitempty"`
	Changes       []Change `json:"changes,omitempty"`
	Verdict       Verdict  `json:"verdict"`
	SubIndication string   `json:"subIndication,omitempty"`
	// Problem is the reason for a verdict other than TOTAL-PASSED: Message
	// in Vietnamese, Detail in English.
	Message string `json:"message,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// ChainExpires is the earliest NotAfter of the certificates of the
	// signer's (for a document time-stamp, the TSA's) chain as built to the
	// trust anchors; zero when no chain was built.
	ChainExpires time.Time `json:"chainExpires,omitzero"`

	end  int64     // ByteRange end, for classifying later changes
	ltv  bool      // the DSS answered for the revocation of the signer's chain
	lock fieldLock // the form fields an approval signature locks (FieldMDP)
}

var (
	oidTSTToken      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// Verify checks every signature of the PDF in (signature fields with a
// /ByteRange and /Contents, approval signatures and document time-stamps)
// and returns a report with a verdict per signature. Revocation is checked
// with the OCSP responses and CRLs of the document's DSS first, then
// online when opts.Checker asks for it; the changes made after each
// signature are classified, and the PAdES level each reached is reported. A PDF without
// signatures gives a report with none. It returns a kerr.Invalid error
// (pdf_invalid, pdf_encrypted) when the file is not a readable PDF, and
// never panics on bad input.
func Verify(ctx context.Context, in io.ReaderAt, size int64, opts VerifyOptions) (rep *Report, err error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	maxSize := opts.MaxSize
	if maxSize == 0 {
		maxSize = 256 << 20
	}
	if size > maxSize {
		return nil, kerr.New(kerr.TooLarge, "pdf_too_large", "Tệp PDF quá lớn để kiểm tra.", "%d bytes, limit %d", size, maxSize)
	}
	if err := checkHeader(in, size); err != nil {
		return nil, err
	}
	if err := prescan(in, size); err != nil {
		return nil, err
	}
	g, err := guardParse(ctx, in, size, opts.Budget)
	if err != nil {
		return nil, err
	}
	defer g.done()
	// The PDF reader may panic on malformed input; eofGuard turns its
	// runaway loops into panics too, and the guard a parse over its time.
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, g.panicErr(p, "Tệp PDF bị lỗi cấu trúc, không kiểm tra được chữ ký.")
		} else if gerr := g.err(); gerr != nil {
			rep, err = nil, gerr
		}
	}()
	in = &eofGuard{r: g.in, size: size}
	rdr, err := pdf.NewReader(io.NewSectionReader(in, 0, size), size)
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || strings.Contains(strings.ToLower(err.Error()), "encrypt") {
			return nil, errEncrypted(err)
		}
		return nil, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không kiểm tra được chữ ký.")
	}
	if !rdr.Trailer().Key("Encrypt").IsNull() {
		return nil, errEncrypted(nil)
	}

	rep = &Report{Size: size, VerifiedAt: now(), Signatures: []*SignatureReport{}}
	dss, err := readDSS(rdr)
	if err != nil {
		// Over the limits: ignored as a whole, and said so.
		rep.DSS, dss = &DSSSummary{Error: errorText(err)}, &validationData{}
	} else if !dss.empty() {
		rep.DSS = &DSSSummary{Certs: len(dss.certs), OCSPs: len(dss.ocsps), CRLs: len(dss.crls)}
	}
	env := newVerifyEnv(opts, dss, rep.VerifiedAt)
	byteRanges, err := countByteRanges(in, size)
	if err != nil {
		byteRanges = -1
	}
	for _, f := range signatureFields(rdr, byteRanges) {
		if err := ctx.Err(); err != nil {
			return nil, kerr.Wrap(err, kerr.Unavailable, "verify_cancelled", "Việc kiểm tra chữ ký đã bị hủy.")
		}
		rep.Signatures = append(rep.Signatures, env.verifyOne(ctx, in, size, f.name, f.v))
	}
	// A signature dictionary the parser could not read (garbage in it)
	// would otherwise vanish from the report: count the /ByteRange keys in
	// the raw file and report each unread one as a FORMAT_FAILURE.
	if byteRanges >= 0 {
		for i := len(rep.Signatures); i < byteRanges; i++ {
			rep.Signatures = append(rep.Signatures, &SignatureReport{Kind: KindSignature, Revocation: "not_checked", Verdict: Indeterminate, SubIndication: SubFormatFailure,
				Message: "Có chữ ký trong tệp nhưng không đọc được cấu trúc của nó.", Detail: "a /ByteRange in the file belongs to no readable signature dictionary"})
		}
	}
	revs := classifyChanges(rep.Signatures, in, size)
	var docTS []*SignatureReport
	for _, s := range rep.Signatures {
		if s.Kind == KindDocTimestamp {
			docTS = append(docTS, s)
		}
	}
	for _, s := range rep.Signatures {
		s.Level = levelOf(s, revs, docTS)
	}
	return rep, nil
}

type sigField struct {
	name string
	v    pdf.Value
}

// signatureFields walks the AcroForm field tree (within a budget) and
// returns the signature dictionaries, in the order of their ByteRange end.
// When the tree holds fewer than byteRanges (the /ByteRange keys in the
// file; negative: unknown), it looks for signature widgets outside the
// tree in the pages' annotations too (see orphanSignatures).
func signatureFields(rdr *pdf.Reader, byteRanges int) []sigField {
	var out []sigField
	nodes := 0
	inTree := map[uint32]bool{}
	var walk func(v pdf.Value, prefix string, depth int)
	walk = func(v pdf.Value, prefix string, depth int) {
		nodes++
		if depth > 32 || nodes > 10000 {
			return
		}
		inTree[v.GetPtr().GetID()] = true
		name := v.Key("T").Text()
		if prefix != "" && name != "" {
			name = prefix + "." + name
		} else if name == "" {
			name = prefix
		}
		// A signed field whose value cannot be read still counts: it is
		// reported as a FORMAT_FAILURE, never silently dropped.
		if sig := v.Key("V"); v.Key("FT").Name() == "Sig" && !sig.IsNull() {
			out = append(out, sigField{name: name, v: sig})
		}
		kids := v.Key("Kids")
		for i := 0; i < kids.Len() && i < 10000; i++ {
			walk(kids.Index(i), name, depth+1)
		}
	}
	fields := rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len() && i < 10000; i++ {
		walk(fields.Index(i), "", 0)
	}
	if byteRanges < 0 || len(out) < byteRanges {
		for _, f := range out {
			inTree[f.v.GetPtr().GetID()] = true
		}
		out = append(out, orphanSignatures(rdr, inTree)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return rangeEnd(out[i].v) < rangeEnd(out[j].v) })
	return out
}

// orphanSignatures returns the signatures of widget annotations that are
// signature fields of their own (/FT /Sig, a /V) but not in the AcroForm
// field tree — neither the widget nor its signature dictionary among the
// objects of known. poppler's pdfsig 22.12 makes such fields when the
// document's AcroForm is a direct dictionary (as Kho's signer and PDFBox
// write it): it adds its widget to the page's /Annots only. poppler reads
// them as signatures, and Verify does too, so that no signature is left
// out of the report. The page tree is walked within maxPageNodes.
func orphanSignatures(rdr *pdf.Reader, known map[uint32]bool) []sigField {
	var out []sigField
	pages, _ := pageList(rdr, 0) // a broken tree: the pages read so far
	for _, p := range pages {
		annots := p.Key("Annots")
		for i := 0; i < annots.Len() && i < maxAnnots; i++ {
			w := annots.Index(i)
			id, sig := w.GetPtr().GetID(), w.Key("V")
			if w.Key("Subtype").Name() != "Widget" || w.Key("FT").Name() != "Sig" || sig.IsNull() || known[id] || (sig.GetPtr().GetID() != 0 && known[sig.GetPtr().GetID()]) {
				continue
			}
			known[id], known[sig.GetPtr().GetID()] = true, true
			out = append(out, sigField{name: w.Key("T").Text(), v: sig})
		}
	}
	return out
}

func rangeEnd(v pdf.Value) int64 {
	br := v.Key("ByteRange")
	if br.Len() != 4 {
		return 0
	}
	return br.Index(2).Int64() + br.Index(3).Int64()
}

// verifyOne checks one signature dictionary.
func (e *verifyEnv) verifyOne(ctx context.Context, in io.ReaderAt, size int64, field string, v pdf.Value) *SignatureReport {
	r := &SignatureReport{
		Field: field, Kind: KindSignature, SubFilter: v.Key("SubFilter").Name(),
		Name: v.Key("Name").Text(), Reason: v.Key("Reason").Text(), Location: v.Key("Location").Text(),
		Revocation: "not_checked",
	}
	set := func(verdict Verdict, sub, msg, detail string, args ...any) *SignatureReport {
		r.Verdict, r.SubIndication, r.Message, r.Detail = verdict, sub, msg, fmt.Sprintf(detail, args...)
		return r
	}
	formatFailure := func(detail string, args ...any) *SignatureReport {
		return set(Indeterminate, SubFormatFailure, "Cấu trúc chữ ký trong tệp bị lỗi, không kiểm tra được.", detail, args...)
	}

	// ByteRange: [0 a b c] with the /Contents hex string exactly in the gap.
	br := v.Key("ByteRange")
	if br.Len() != 4 {
		return formatFailure("ByteRange has %d entries, want 4", br.Len())
	}
	for i := 0; i < 4; i++ {
		if k := br.Index(i).Kind(); k != pdf.Integer {
			return formatFailure("ByteRange entry %d is not an integer (kind %v)", i, k)
		}
		r.ByteRange = append(r.ByteRange, br.Index(i).Int64())
	}
	a, b, c, d := r.ByteRange[0], r.ByteRange[1], r.ByteRange[2], r.ByteRange[3]
	if a != 0 || b <= 0 || c <= b || d < 0 || c+d > size || c+d < c {
		return formatFailure("ByteRange %v does not fit a file of %d bytes", r.ByteRange, size)
	}
	refs := v.Key("Reference")
	for i := 0; i < refs.Len() && i < 16; i++ {
		if ref := refs.Index(i); ref.Key("TransformMethod").Name() == "DocMDP" {
			r.DocMDP = 2 // the default P
			if p := ref.Key("TransformParams").Key("P"); p.Kind() == pdf.Integer && p.Int64() >= 1 && p.Int64() <= 3 {
				r.DocMDP = int(p.Int64())
			}
		}
	}
	r.lock = readFieldLock(v)
	gap := make([]byte, c-b)
	if _, err := in.ReadAt(gap, b); err != nil {
		return formatFailure("reading the signature gap: %v", err)
	}
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return formatFailure("the ByteRange gap is not a hex string")
	}
	raw, err := hex.DecodeString(string(bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, gap[1:len(gap)-1])))
	if err != nil {
		return formatFailure("the /Contents hex string: %v", err)
	}
	raw = trimDER(raw)
	// Only now are the ranges known to sign everything but exactly the
	// /Contents: a signature whose ranges do not is no revision boundary
	// and covers nothing whole.
	r.end = c + d
	r.CoversWholeDocument = r.end == size

	// The signed bytes are hashed while read, never held: a 200 MB PDF
	// costs a 32 KB buffer here.
	signed := signedRanges{ctx: ctx, in: in, ranges: [2][2]int64{{a, b}, {c, d}}}

	if r.SubFilter == "ETSI.RFC3161" {
		return e.verifyDocTimestamp(ctx, r, raw, signed)
	}

	p7, err := pkcs7.Parse(raw)
	if err != nil || len(p7.Signers) == 0 {
		return formatFailure("the /Contents is not a CMS SignedData: %v", err)
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		return formatFailure("no signer certificate in the CMS (or several signers)")
	}
	r.Signer = signerOf(cert)

	// Signing time: a valid time-stamp is proof; otherwise what the signer claims.
	var claimed time.Time
	if err := p7.UnmarshalSignedAttribute(oidSigningTime, &claimed); err == nil {
		r.SigningTime, r.SigningTimeSource = claimed, "signed_attribute"
	} else if t, ok := parsePDFDate(v.Key("M").Text()); ok {
		r.SigningTime, r.SigningTimeSource = t, "pdf_M"
	}

	// Integrity and cryptographic validity.
	var md []byte
	if err := p7.UnmarshalSignedAttribute(oidMessageDigest, &md); err != nil {
		return set(TotalFailed, SubSigCryptoFailure, "Chữ ký không có giá trị băm của tệp PDF (messageDigest).", "no messageDigest signed attribute: %v", err)
	}
	err = verifyCMSOverRanges(p7, cert, md, signed)
	var mismatch *pkcs7.MessageDigestMismatchError
	var unread *rangeReadError
	switch {
	case errors.As(err, &unread):
		return formatFailure("reading the signed bytes: %v", unread.err)
	case errors.As(err, &mismatch):
		return set(TotalFailed, SubHashFailure, "Nội dung tệp PDF đã bị thay đổi sau khi ký (giá trị băm không khớp).", "byte-range digest differs from messageDigest")
	case err != nil && strings.Contains(err.Error(), "outside of certificate validity"):
		// The digest matched, but the signing time the signer claims lies
		// outside the certificate's validity, and pkcs7 stops there before
		// checking the signature value: no proof the key was used while
		// the certificate was valid.
		r.Integrity = true
		return set(Indeterminate, SubOutOfBoundsNoPOE, "Thời điểm ký do người ký khai nằm ngoài thời hạn hiệu lực của chứng thư số.", "%v", err)
	case err != nil:
		return set(TotalFailed, SubSigCryptoFailure, "Giá trị chữ ký số không đúng với chứng thư của người ký.", "%v", err)
	default:
		r.Integrity, r.CryptoValid = true, true
	}

	// Signature time-stamp (B-T).
	for _, attr := range p7.Signers[0].UnauthenticatedAttributes {
		if !attr.Type.Equal(oidTSTToken) {
			continue
		}
		r.Timestamp = e.checkTimestamp(ctx, attr.Value.Bytes, p7.Signers[0].EncryptedDigest)
		if r.Timestamp.Valid {
			r.SigningTime, r.SigningTimeSource = r.Timestamp.Time, "timestamp"
		}
		break
	}

	// Chain and revocation, at the time-stamp's time when there is one (a
	// proof of existence), otherwise now: the signer's claimed time is no proof.
	r.ValidatedAt = e.now
	if r.Timestamp.Valid {
		r.ValidatedAt = r.Timestamp.Time
	}
	return e.judgeCertificate(ctx, r, cert, p7.Certificates)
}

// judgeCertificate checks the signer certificate at r.ValidatedAt — its
// validity and usages, its chain (intermediates from the CMS and the DSS),
// its revocation (DSS, then online) — and turns the answer into the verdict.
func (e *verifyEnv) judgeCertificate(ctx context.Context, r *SignatureReport, cert *x509.Certificate, certs []*x509.Certificate) *SignatureReport {
	err := usableForSigning(cert, r.ValidatedAt)
	if err == nil {
		var path []*x509.Certificate
		if path, err = e.checker.chainOf(cert, append(append([]*x509.Certificate{}, certs...), e.dss.certs...), r.ValidatedAt); err == nil {
			r.ChainExpires = chainExpires(path)
			rr := e.revocation(ctx, path, r.ValidatedAt)
			r.Revocation, r.RevocationSource, r.ltv, err = rr.status, rr.source, rr.fromDSS, rr.err
		}
	}
	code, msg := "", ""
	if err != nil {
		code, msg = kerr.Public(err)
	}
	set := func(v Verdict, sub string) *SignatureReport {
		r.Verdict, r.SubIndication, r.Message, r.Detail = v, sub, msg, errorText(err)
		return r
	}
	switch code {
	case "":
		r.ChainTrusted = true
		r.Verdict = TotalPassed
		return r
	case CodeCertRevoked:
		r.ChainTrusted = true
		return set(TotalFailed, SubRevoked)
	case CodeRevocationUnavailable:
		r.ChainTrusted = true
		return set(Indeterminate, SubTryLater)
	case CodeCertExpired, CodeCertNotYetValid:
		return set(Indeterminate, SubOutOfBoundsNoPOE)
	case CodeCertUntrusted:
		return set(Indeterminate, SubNoCertificateChain)
	default: // cert_wrong_usage, cert_unknown_critical_extension, cert_missing:
		// X.509 constraints of the chain fail (ETSI EN 319 102-1 5.2.6):
		// INDETERMINATE, as the standard says, not TOTAL-FAILED: the
		// signature itself may be sound.
		return set(Indeterminate, SubChainConstraintsFailed)
	}
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// trimDER cuts the zero padding after a DER SEQUENCE.
func trimDER(b []byte) []byte {
	var rv asn1.RawValue
	if rest, err := asn1.Unmarshal(b, &rv); err == nil && len(rest) < len(b) {
		return b[:len(b)-len(rest)]
	}
	return b
}

func signerOf(c *x509.Certificate) *SignerIdentity {
	s := &SignerIdentity{CommonName: c.Subject.CommonName, SerialNumber: c.Subject.SerialNumber,
		CertSerial: fmt.Sprintf("%X", c.SerialNumber), Issuer: c.Issuer.CommonName, NotBefore: c.NotBefore, NotAfter: c.NotAfter}
	if len(c.Subject.Organization) > 0 {
		s.Organization = c.Subject.Organization[0]
	}
	return s
}

// parsePDFDate parses a PDF date string, D:YYYYMMDDHHmmSSOHH'mm'.
func parsePDFDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	if len(s) < 14 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102150405", s[:14])
	if err != nil {
		return time.Time{}, false
	}
	tz := strings.ReplaceAll(s[14:], "'", "")
	if len(tz) >= 5 && (tz[0] == '+' || tz[0] == '-') {
		if z, err := time.Parse("-0700", tz[:5]); err == nil {
			_, off := z.Zone()
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.FixedZone("", off))
		}
	}
	return t, true
}

// classifyChanges splits what was appended after the first signature into
// its incremental updates and records, for each signature, the ones after
// it: a later signature ("later_signature") or document time-stamp
// ("document_timestamp") whose byte range ends where the update ends and
// that adds nothing but it (see isSignatureUpdate), an
// update that only adds or extends the DSS ("dss", see isDSSUpdate), one
// that only fills in form fields ("form_filling", see formFillUpdate), or
// anything else ("unclassified"). Later signatures are allowed unless a
// DocMDP P=1 certification forbids them; form filling unless P=1 or the
// signature's FieldMDP locks a filled field; DSS updates and document
// time-stamps are always allowed (ISO 32000-2 §12.8.2.2.2 does not count
// them as changes); an unclassified update makes a passing signature
// INDETERMINATE (CHANGES_NOT_CLASSIFIED). Whitespace alone after the last
// %%EOF is not a change. It returns the updates.
func classifyChanges(sigs []*SignatureReport, in io.ReaderAt, size int64) []revision {
	var ends []int64
	for _, s := range sigs {
		if s.end > 0 {
			ends = append(ends, s.end)
		}
	}
	if len(ends) == 0 {
		return nil
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i] < ends[j] })
	effective := size
	if size > ends[len(ends)-1] && size-ends[len(ends)-1] <= 64 {
		tail := make([]byte, size-ends[len(ends)-1])
		if _, err := in.ReadAt(tail, ends[len(ends)-1]); err == nil && len(bytes.TrimSpace(tail)) == 0 {
			effective = ends[len(ends)-1]
		}
	}
	var revs []revision
	walk := newWalkBudget()
	from := ends[0]
	for _, e := range revisionEnds(in, from, effective) {
		r := revision{from: from, to: e, kind: ChangeUnclassified}
		for _, s := range sigs {
			// A signature's range ends at its update's end, give or take
			// the end-of-line after %%EOF.
			if s.end > from && s.end <= e && e-s.end <= 2 {
				r.to, r.kind = s.end, ChangeUnclassified
				if isSignatureUpdate(in, from, s.end, walk) {
					r.kind = ChangeLaterSignature
					if s.Kind == KindDocTimestamp {
						r.kind = ChangeDocTimestamp
					}
				}
			}
		}
		if r.kind == ChangeUnclassified && isDSSUpdate(in, from, e) {
			r.kind = ChangeDSS
		}
		if r.kind == ChangeUnclassified {
			if names, ok := formFillUpdate(in, from, e); ok {
				r.kind, r.fields = ChangeFormFilling, names
			}
		}
		if r.to > r.from {
			revs = append(revs, r)
			from = r.to
		}
	}
	for _, s := range sigs {
		if s.end == 0 {
			continue
		}
		if s.end >= effective {
			s.CoversWholeDocument = true
			continue
		}
		s.ModifiedAfterSigning = true
		forbidden, unclassified := false, int64(0)
		for _, r := range revs {
			if r.from < s.end {
				continue
			}
			c := Change{From: r.from, To: r.to, Kind: r.kind, Fields: r.fields}
			switch r.kind {
			case ChangeDSS, ChangeDocTimestamp:
				c.Allowed = true
			case ChangeLaterSignature:
				// A certification signature with P=1 allows no other signature.
				c.Allowed = s.DocMDP != 1
				forbidden = forbidden || !c.Allowed
			case ChangeFormFilling:
				// Allowed by a certification with P ≥ 2, and by an approval
				// signature unless its FieldMDP locks one of the fields.
				c.Allowed = s.DocMDP != 1 && !slices.ContainsFunc(r.fields, s.lock.locks)
				forbidden = forbidden || !c.Allowed
			default:
				forbidden = forbidden || s.DocMDP == 1
				unclassified += r.to - r.from
			}
			s.Changes = append(s.Changes, c)
		}
		if s.Verdict != TotalPassed {
			continue
		}
		switch {
		case forbidden && s.DocMDP == 1:
			s.Verdict, s.SubIndication = Indeterminate, SubSigConstraintsFailure
			s.Message = "Tệp PDF đã được chứng nhận không cho phép thay đổi nào, nhưng đã bị bổ sung sau khi ký."
			s.Detail = "DocMDP P=1 certification signature followed by an incremental update other than DSS or document time-stamp"
		case forbidden:
			s.Verdict, s.SubIndication = Indeterminate, SubSigConstraintsFailure
			s.Message = "Sau khi ký, tệp PDF đã được điền vào các trường biểu mẫu mà chữ ký này đã khóa."
			s.Detail = "form fields locked by the signature's FieldMDP were filled in afterwards"
		case unclassified > 0:
			s.Verdict, s.SubIndication = Indeterminate, SubChangesNotClassified
			s.Message = "Tệp PDF đã được bổ sung nội dung sau khi ký mà hệ thống chưa phân loại được là thay đổi được phép."
			s.Detail = fmt.Sprintf("%d bytes appended after the signature are not classified", unclassified)
		}
	}
	return revs
}

// countByteRanges counts the "/ByteRange" keys in the raw bytes of the file
// (those inside compressed object streams are not seen).
func countByteRanges(in io.ReaderAt, size int64) (int, error) {
	const key = "/ByteRange"
	buf := make([]byte, 64<<10)
	n, carry := 0, 0
	for off := int64(0); off < size; {
		m, err := in.ReadAt(buf[carry:], off)
		if m == 0 && err != nil {
			if err == io.EOF {
				break
			}
			return 0, err
		}
		off += int64(m)
		chunk := buf[:carry+m]
		n += bytes.Count(chunk, []byte(key))
		// Keep the last len(key)-1 bytes: a key split across chunks.
		carry = min(len(key)-1, len(chunk))
		copy(buf, chunk[len(chunk)-carry:])
	}
	return n, nil
}
