package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/internal/kerr"
)

// The streaming signer: an invisible approval signature (or a document
// time-stamp) appended as an incremental update that is built in memory
// (a few kilobytes) while the document itself is only read through its
// io.ReaderAt — its trailer, cross-reference sections, catalog, AcroForm
// and first page — and hashed, then copied to the output. Memory stays
// O(update), whatever the document's size, where pdfsign keeps five to six
// copies of the document.

// streamSig describes the signature dictionary to append.
type streamSig struct {
	// entries are the signature dictionary's entries besides /ByteRange
	// and /Contents (e.g. "/Type /Sig /Filter ... /SubFilter ...").
	entries string
	// reserve is how many bytes /Contents holds (before hex encoding).
	reserve int
	// contents computes the /Contents bytes from the SHA-256 digest of
	// the byte ranges.
	contents func(ctx context.Context, digest []byte) ([]byte, error)
}

// byteRangeWidth is the width of each /ByteRange number's placeholder.
const byteRangeWidth = 10

// appendSignature builds the incremental update that adds sig to the PDF
// of size bytes in (rdr reads it): the signature dictionary, a signature
// field merged with an invisible widget (/Rect [0 0 0 0]) on the first
// page, the catalog's AcroForm (or the AcroForm object) with the field and
// /SigFlags 3, and the first page with the widget in /Annots. Indirect
// /Fields and /Annots arrays are written inline into their new holder, so
// that only the AcroForm (or catalog) and the page are rewritten. The
// input is hashed through in and never held. It returns the update with
// /ByteRange and /Contents filled.
func appendSignature(ctx context.Context, in io.ReaderAt, size int64, rdr *pdf.Reader, sig streamSig) ([]byte, error) {
	invalid := func(err error) error {
		return kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không ký được.")
	}
	update, contentsAt, err := buildSignatureUpdate(rdr, size, lastByte(in, size), sig)
	if err != nil {
		return nil, invalid(err)
	}
	// contentsAt is the offset, in update, of the '<' of /Contents.
	holeLen := int64(2 + 2*sig.reserve)
	start := size + int64(contentsAt)
	end := start + holeLen
	total := size + int64(len(update))
	if err := fillByteRange(update, []int64{0, start, end, total - end}); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "pdf_sign_failed", "Không ký được tệp PDF này.")
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx: ctx, r: io.NewSectionReader(in, 0, size)}); err != nil {
		if ctx.Err() != nil {
			return nil, kerr.Wrap(ctx.Err(), kerr.Unavailable, "signing_cancelled", "Việc ký đã bị hủy.")
		}
		return nil, kerr.Wrap(err, kerr.Invalid, "pdf_unreadable", "Không đọc được tệp PDF.")
	}
	h.Write(update[:contentsAt])
	h.Write(update[contentsAt+int(holeLen):])
	value, err := sig.contents(ctx, h.Sum(nil))
	if err != nil {
		return nil, err
	}
	if len(value) > sig.reserve {
		return nil, errContentsTooLarge{need: len(value)}
	}
	hex.Encode(update[contentsAt+1:], value) // the rest stays '0'
	return update, nil
}

// errContentsTooLarge says the signature value did not fit its reservation.
type errContentsTooLarge struct{ need int }

func (e errContentsTooLarge) Error() string {
	return fmt.Sprintf("signature value of %d bytes does not fit its placeholder", e.need)
}

// buildSignatureUpdate writes the update with placeholders and returns it
// with the offset of the /Contents hex string in it.
func buildSignatureUpdate(rdr *pdf.Reader, size int64, last byte, sig streamSig) ([]byte, int, error) {
	root := rdr.Trailer().Key("Root")
	if root.Kind() != pdf.Dict || root.GetPtr().GetID() == 0 {
		return nil, 0, fmt.Errorf("no indirect /Root dictionary")
	}
	page, err := firstPage(root.Key("Pages"))
	if err != nil {
		return nil, 0, err
	}
	u := newIncUpdate(rdr, size, last)

	// The signature dictionary, with fixed-width placeholders.
	var sd bytes.Buffer
	sd.WriteString("<< " + sig.entries + " /ByteRange [0")
	for range 3 {
		sd.WriteString(" " + string(bytes.Repeat([]byte{'0'}, byteRangeWidth)))
	}
	sd.WriteString("] /Contents<")
	sd.Write(bytes.Repeat([]byte{'0'}, 2*sig.reserve))
	sd.WriteString("> >>")
	sigStart := len(u.lead) + u.buf.Len()
	sigID := u.add(sd.Bytes())

	// The field, merged with its invisible widget.
	form := root.Key("AcroForm")
	fields := form.Key("Fields")
	name := fieldName(fields)
	pp := page.GetPtr()
	fieldID := u.add(fmt.Appendf(nil, "<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /F 132 /Rect [0 0 0 0] /P %d %d R >>",
		pdfTextString(name), sigID, pp.GetID(), pp.GetGen()))

	// The first page, its /Annots with the widget.
	var pg bytes.Buffer
	pg.WriteString("<<")
	if err := writeEntries(&pg, page, func(k string) bool { return k == "Annots" }); err != nil {
		return nil, 0, err
	}
	pg.WriteString(" /Annots [")
	if err := writeItems(&pg, page.Key("Annots"), maxAnnots); err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(&pg, " %d 0 R] >>", fieldID)
	u.set(pp.GetID(), pp.GetGen(), pg.Bytes())

	// The AcroForm: its object rewritten when indirect, else inline in a
	// rewritten catalog.
	var af bytes.Buffer
	af.WriteString("<<")
	if form.Kind() == pdf.Dict {
		if err := writeEntries(&af, form, func(k string) bool { return k == "Fields" || k == "SigFlags" }); err != nil {
			return nil, 0, err
		}
	}
	af.WriteString(" /Fields [")
	if err := writeItems(&af, fields, maxAnnots); err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(&af, " %d 0 R] /SigFlags 3 >>", fieldID)
	if fp := form.GetPtr(); form.Kind() == pdf.Dict && fp.GetID() != 0 && fp != root.GetPtr() {
		u.set(fp.GetID(), fp.GetGen(), af.Bytes())
	} else {
		var cat bytes.Buffer
		cat.WriteString("<<")
		if err := writeEntries(&cat, root, func(k string) bool { return k == "AcroForm" }); err != nil {
			return nil, 0, err
		}
		cat.WriteString(" /AcroForm ")
		cat.Write(af.Bytes())
		cat.WriteString(" >>")
		u.set(root.GetPtr().GetID(), root.GetPtr().GetGen(), cat.Bytes())
	}

	update, err := u.finish(root.GetPtr())
	if err != nil {
		return nil, 0, err
	}
	i := bytes.Index(update[sigStart:], []byte("/Contents<"))
	if i < 0 {
		return nil, 0, fmt.Errorf("signature placeholder lost")
	}
	return update, sigStart + i + len("/Contents"), nil
}

// maxAnnots bounds the /Annots and /Fields arrays copied.
const maxAnnots = 100000

// writeItems writes the elements of the array arr (none when arr is not an
// array), each preceded by a space; an indirect array is written inline.
// An array of more than limit elements is an error.
func writeItems(w *bytes.Buffer, arr pdf.Value, limit int) error {
	if arr.Kind() != pdf.Array {
		return nil
	}
	if arr.Len() > limit {
		return fmt.Errorf("array of %d entries", arr.Len())
	}
	for i := 0; i < arr.Len(); i++ {
		w.WriteString(" ")
		if err := writeValue(w, arr.Index(i), arr.GetPtr(), 0); err != nil {
			return err
		}
	}
	return nil
}

// firstPage returns the first page of the page tree (depth first), within
// the budget checkPageTree enforces.
func firstPage(v pdf.Value) (pdf.Value, error) {
	for depth := 0; depth <= 64; depth++ {
		switch v.Key("Type").Name() {
		case "Page":
			if v.GetPtr().GetID() == 0 {
				return pdf.Value{}, fmt.Errorf("page is not an indirect object")
			}
			return v, nil
		case "Pages":
			kids := v.Key("Kids")
			next := pdf.Value{}
			for i := 0; i < kids.Len(); i++ {
				if k := kids.Index(i); pageTreeHasPage(k, 64-depth) {
					next = k
					break
				}
			}
			if next.IsNull() {
				return pdf.Value{}, fmt.Errorf("page tree without a page")
			}
			v = next
		default:
			return pdf.Value{}, fmt.Errorf("page tree node of type %q", v.Key("Type").Name())
		}
	}
	return pdf.Value{}, fmt.Errorf("page tree too deep")
}

// pageTreeHasPage reports whether the node v holds a page within depth levels.
func pageTreeHasPage(v pdf.Value, depth int) bool {
	if depth < 0 {
		return false
	}
	switch v.Key("Type").Name() {
	case "Page":
		return true
	case "Pages":
		kids := v.Key("Kids")
		for i := 0; i < kids.Len(); i++ {
			if pageTreeHasPage(kids.Index(i), depth-1) {
				return true
			}
		}
	}
	return false
}

// fieldName returns "Signature<n>" with the smallest n ≥ 1 that no
// top-level field of fields is named.
func fieldName(fields pdf.Value) string {
	used := map[string]bool{}
	for i := 0; i < fields.Len() && i < maxAnnots; i++ {
		used[fields.Index(i).Key("T").Text()] = true
	}
	for n := 1; ; n++ {
		if name := "Signature" + strconv.Itoa(n); !used[name] {
			return name
		}
	}
}

// fillByteRange writes the four numbers into the /ByteRange placeholder of
// update, each left-aligned in its fixed-width slot.
func fillByteRange(update []byte, br []int64) error {
	i := bytes.LastIndex(update, []byte("/ByteRange [0 "))
	if i < 0 {
		return fmt.Errorf("no /ByteRange placeholder")
	}
	slot := i + len("/ByteRange [")
	// The placeholder is "0" then three spaces-and-width slots, then ']'.
	var b bytes.Buffer
	for j, n := range br {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	width := 1 + 3*(1+byteRangeWidth)
	if b.Len() > width {
		return fmt.Errorf("byte range %v does not fit", br)
	}
	for b.Len() < width {
		b.WriteByte(' ')
	}
	copy(update[slot:slot+width], b.Bytes())
	return nil
}

// pdfTextString encodes s as a PDF text string in hex: its bytes when
// ASCII, else UTF-16BE with a byte-order mark.
func pdfTextString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return "<" + hex.EncodeToString([]byte(s)) + ">"
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xfe, 0xff
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return "<" + hex.EncodeToString(b) + ">"
}

// streamSignable reports whether the streaming signer makes this Signer's
// signatures: invisible approval signatures with an RSA or ECDSA key.
func (s *Signer) streamSignable() bool {
	if s.opts.Visible != nil || s.opts.Certification != CertifyNone {
		return false
	}
	_, err := cmsSignatureAlgorithm(s.key.Public())
	return err == nil
}

// signStream makes the signature (and, for B-LT and B-LTA, the validation
// data and document time-stamp) as updates appended to the document in,
// which rdr reads, and writes the document followed by them to out.
func (s *Signer) signStream(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, rdr *pdf.Reader, name string, now time.Time) (Result, error) {
	cert := s.key.Certificate()
	chain := append([]*x509.Certificate{cert}, s.key.Chain()...)
	sigAlg, err := cmsSignatureAlgorithm(s.key.Public())
	if err != nil {
		return Result{}, err
	}
	var entries bytes.Buffer
	// FieldMDP /Action /All in the dictionary itself, as pdfsign writes
	// approval signatures (readFieldLock honours it).
	entries.WriteString("/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached" +
		" /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /All /V /1.2 >>")
	entries.WriteString(" /M " + pdfDate(now))
	for _, e := range []struct{ key, v string }{{"Name", name}, {"Reason", s.opts.Reason}, {"Location", s.opts.Location}, {"ContactInfo", s.opts.Contact}} {
		if e.v != "" {
			fmt.Fprintf(&entries, " /%s %s", e.key, pdfTextString(e.v))
		}
	}
	reserve := 4096
	for _, c := range chain {
		reserve += len(c.Raw)
	}
	if s.opts.Level >= LevelBT {
		reserve += 12 << 10 // a time-stamp token with its TSA's certificates
	}
	sig := streamSig{entries: entries.String(), reserve: reserve, contents: func(ctx context.Context, digest []byte) ([]byte, error) {
		attrs := cmsSignedAttributes(digest, time.Time{}, cert)
		d := sha256.Sum256(attrs)
		value, err := s.key.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			if kerr.Outer(err) != nil {
				return nil, err
			}
			return nil, kerr.Wrap(err, kerr.Unavailable, "key_sign_failed", "Khóa ký không thực hiện được việc ký.")
		}
		var unsigned []byte
		if s.opts.Level >= LevelBT {
			token, err := requestTimestamp(ctx, s.opts.TSAURL, s.opts.TSATimeout, value)
			if err != nil {
				return nil, err
			}
			unsigned = cmsAttribute(oidTSTToken, token)
		}
		return cmsSignedData(cert, chain, attrs, sigAlg, value, unsigned)
	}}
	tail, err := appendSignatureRetry(ctx, in, size, rdr, sig)
	if err != nil {
		return Result{}, err
	}
	if tail, err = s.appendLTV(ctx, in, size, tail, now); err != nil {
		return Result{}, err
	}
	if _, err := io.Copy(out, io.NewSectionReader(in, 0, size)); err != nil {
		return Result{}, kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp đã ký.")
	}
	if _, err := out.Write(tail); err != nil {
		return Result{}, kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp đã ký.")
	}
	return Result{Level: s.opts.Level, SignedAt: now, Signer: cert.Subject.CommonName, Size: size + int64(len(tail))}, nil
}

// appendSignatureRetry is appendSignature, tried once more with a larger
// reservation when the signature value did not fit the first.
func appendSignatureRetry(ctx context.Context, in io.ReaderAt, size int64, rdr *pdf.Reader, sig streamSig) ([]byte, error) {
	update, err := appendSignature(ctx, in, size, rdr, sig)
	if big, ok := err.(errContentsTooLarge); ok {
		sig.reserve = big.need + 2048
		update, err = appendSignature(ctx, in, size, rdr, sig)
	}
	if _, ok := err.(errContentsTooLarge); ok {
		return nil, kerr.Wrap(err, kerr.Internal, "pdf_sign_failed", "Không ký được tệp PDF này.")
	}
	return update, err
}

// appendLTV raises the signature just made, the last of the document in
// followed by tail, to the Signer's level (B-LT, B-LTA); below B-LT it
// returns tail as it is.
func (s *Signer) appendLTV(ctx context.Context, in io.ReaderAt, size int64, tail []byte, now time.Time) ([]byte, error) {
	if s.opts.Level < LevelBLT {
		return tail, nil
	}
	tail, _, err := appendLTV(ctx, in, size, tail, s.opts.Level, ltvConfig{checker: s.opts.Checker, tsaURL: s.opts.TSAURL, tsaTimeout: s.opts.TSATimeout, now: now}, true)
	return tail, err
}

// ltvConfig is what appendLTV needs: the Checker that fetches the
// validation data, the TSA of the document time-stamp and the time.
type ltvConfig struct {
	checker    *Checker
	tsaURL     string
	tsaTimeout time.Duration
	now        time.Time
}

// appendLTV appends to tail — updates after the size bytes of in — the DSS
// update for the document's signatures (the last one only, when lastOnly),
// then for B-LTA a document time-stamp and, best effort, the DSS update
// for its TSA's chain (B-LTA does not require it; the next Extend adds what
// is missing). The document is read through in, never held. It returns
// tail with the updates; with no signature found it returns tail unchanged
// and res.Signatures 0.
func appendLTV(ctx context.Context, in io.ReaderAt, size int64, tail []byte, level Level, c ltvConfig, lastOnly bool) ([]byte, ExtendResult, error) {
	doc := func() (io.ReaderAt, int64) { return joinReaderAt(in, size, tail), size + int64(len(tail)) }
	r, n := doc()
	lt, res, err := appendDSS(ctx, r, n, c.checker, lastOnly, false, c.now)
	if err != nil || res.Signatures == 0 {
		return tail, res, err
	}
	tail = append(tail, lt...)
	res.Level = LevelBLT
	if level < LevelBLTA {
		return tail, res, nil
	}
	r, n = doc()
	ts, at, err := docTimestampStream(ctx, r, n, c.tsaURL, c.tsaTimeout)
	if err != nil {
		return nil, res, err
	}
	tail = append(tail, ts...)
	res.Level, res.DocTimestamp = LevelBLTA, at
	r, n = doc()
	if more, mres, err := appendDSS(ctx, r, n, c.checker, true, true, c.now); err == nil && more != nil {
		tail = append(tail, more...)
		res.Certs, res.OCSPs, res.CRLs = res.Certs+mres.Certs, res.OCSPs+mres.OCSPs, res.CRLs+mres.CRLs
	}
	return tail, res, nil
}

// docTimestampStream returns the update that adds a document time-stamp
// (SubFilter ETSI.RFC3161, /Type /DocTimeStamp) to the PDF of size bytes
// in, read through in, and the time-stamp's time.
func docTimestampStream(ctx context.Context, in io.ReaderAt, size int64, tsaURL string, timeout time.Duration) (update []byte, at time.Time, err error) {
	defer func() {
		if p := recover(); p != nil {
			update, at, err = nil, time.Time{}, kerr.New(kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không đóng được dấu thời gian.", "PDF library panicked: %v", p)
		}
	}()
	in = &eofGuard{r: in, size: size}
	rdr, err := pdf.NewReader(io.NewSectionReader(in, 0, size), size)
	if err != nil {
		return nil, time.Time{}, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không đóng được dấu thời gian.")
	}
	sig := streamSig{
		entries: "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161",
		reserve: 16 << 10,
		contents: func(ctx context.Context, digest []byte) ([]byte, error) {
			token, err := requestTimestampDigest(ctx, tsaURL, timeout, digest)
			if it := tokenItem(token); err == nil && it != nil {
				at = it.at
			}
			return token, err
		},
	}
	update, err = appendSignatureRetry(ctx, in, size, rdr, sig)
	return update, at, err
}
