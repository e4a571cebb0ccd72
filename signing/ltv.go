package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/kho-vn/kho/internal/kerr"
)

// ExtendOptions configure Extend.
type ExtendOptions struct {
	// Checker fetches the OCSP responses and CRLs and builds each chain to
	// its Roots; it is required. Its revocation policy is not used: the
	// data is fetched whatever it says.
	Checker *Checker
	// TSAURL is the RFC 3161 time-stamp authority of the document
	// time-stamp; required for B-LTA.
	TSAURL string
	// TSATimeout bounds the time-stamp request; zero means 30 seconds.
	TSATimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSize bounds the input PDF; zero means 512 MiB.
	MaxSize int64
	// Budget bounds the memory and time of reading the input PDF.
	Budget ParseBudget
}

// ExtendResult describes what Extend added.
type ExtendResult struct {
	Level Level
	// Signatures is how many signatures and document time-stamps the
	// validation data was collected for.
	Signatures int
	// Certs, OCSPs and CRLs count the items added to the DSS.
	Certs, OCSPs, CRLs int
	// DocTimestamp is the time of the document time-stamp added (B-LTA).
	DocTimestamp time.Time
	Size         int64 // bytes written to out
}

// Extend raises an already-signed PDF to B-LT or B-LTA, as an archive does
// later: it appends an incremental update with a DSS dictionary holding
// the certificates and the OCSP responses or CRLs of every signature's
// chain and of its time-stamp authority's chain (a VRI entry per
// signature), and for B-LTA then a document time-stamp covering it all.
// The input is copied to out unchanged, followed by the new revisions.
// Every signature's chain must reach the Checker's trust anchors and have
// an OCSP responder or CRL that answers now, or nothing is written: an
// archive would rather retry than keep half the evidence. A signature
// whose CMS cannot be read at all is skipped.
// Errors: kerr Invalid (pdf_invalid, pdf_encrypted, pdf_not_signed,
// level_unsupported), TooLarge, Unavailable (revocation_unavailable,
// tsa_unavailable); nothing is written to out on error.
func Extend(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, level Level, opts ExtendOptions) (ExtendResult, error) {
	if level != LevelBLT && level != LevelBLTA {
		return ExtendResult{}, kerr.New(kerr.Invalid, "level_unsupported", "Chỉ nâng được tệp PDF đã ký lên mức B-LT hoặc B-LTA.", "Extend to %s", level)
	}
	if opts.Checker == nil {
		return ExtendResult{}, kerr.New(kerr.Invalid, "checker_missing", "Chưa cấu hình kiểm tra chứng thư số (danh sách tin cậy) để thu thập dữ liệu kiểm tra.", "ExtendOptions.Checker is nil")
	}
	if level == LevelBLTA && opts.TSAURL == "" {
		return ExtendResult{}, kerr.New(kerr.Invalid, "tsa_required", "Mức B-LTA cần địa chỉ máy chủ cấp dấu thời gian (TSA).", "level B-LTA needs a TSA URL")
	}
	setDefaults(&opts.Now, &opts.TSATimeout, &opts.MaxSize)
	if size > opts.MaxSize {
		return ExtendResult{}, kerr.New(kerr.TooLarge, "pdf_too_large", "Tệp PDF quá lớn để xử lý.", "%d bytes, limit %d", size, opts.MaxSize)
	}
	if err := checkHeader(in, size); err != nil {
		return ExtendResult{}, err
	}
	if err := prescan(in, size); err != nil {
		return ExtendResult{}, err
	}
	g, err := guardParse(ctx, in, size, opts.Budget)
	if err != nil {
		return ExtendResult{}, err
	}
	lt, res, err := appendLTV(ctx, g.in, size, nil, level, ltvConfig{checker: opts.Checker, tsaURL: opts.TSAURL, tsaTimeout: opts.TSATimeout, now: opts.Now()}, false)
	g.done()
	if gerr := g.err(); gerr != nil {
		return ExtendResult{}, gerr
	}
	if err != nil {
		return ExtendResult{}, err
	}
	if res.Signatures == 0 {
		return ExtendResult{}, kerr.New(kerr.Invalid, "pdf_not_signed", "Tệp PDF chưa có chữ ký số nào để nâng mức.", "no signature to extend")
	}
	if _, err := io.Copy(out, io.NewSectionReader(in, 0, size)); err != nil {
		return ExtendResult{}, kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	n, err := out.Write(lt)
	if err != nil {
		return ExtendResult{}, kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	res.Size = size + int64(n)
	return res, nil
}

// signedItem is what a signature, or a document time-stamp, needs in the DSS.
type signedItem struct {
	contents []byte              // the /Contents bytes (VRI key)
	leaf     *x509.Certificate   // signer or TSA certificate
	certs    []*x509.Certificate // the certificates the CMS carries
	at       time.Time           // when the chain must have been valid
	tsa      *signedItem         // the signature time-stamp's TSA, if any
}

// signedItems reads every signature and document time-stamp of rdr — only
// the last one, when lastOnly. A signature whose CMS cannot be read is
// skipped: there is nothing to collect for it.
func signedItems(rdr *pdf.Reader, lastOnly bool, now time.Time) []*signedItem {
	var items []*signedItem
	// Signatures outside the AcroForm are looked for unless only the last
	// one is wanted: the one Kho's signer has just put in the AcroForm.
	byteRanges := -1
	if lastOnly {
		byteRanges = 0
	}
	fields := signatureFields(rdr, byteRanges)
	if lastOnly && len(fields) > 1 {
		fields = fields[len(fields)-1:]
	}
	for _, f := range fields {
		contents := []byte(f.v.Key("Contents").RawString())
		raw := trimDER(contents)
		if f.v.Key("SubFilter").Name() == "ETSI.RFC3161" {
			if it := tokenItem(raw); it != nil {
				it.contents = contents
				items = append(items, it)
			}
			continue
		}
		p7, err := pkcs7.Parse(raw)
		if err != nil || len(p7.Signers) == 0 {
			continue
		}
		cert := p7.GetOnlySigner()
		if cert == nil {
			continue
		}
		it := &signedItem{contents: contents, leaf: cert, certs: p7.Certificates, at: now}
		for _, attr := range p7.Signers[0].UnauthenticatedAttributes {
			if attr.Type.Equal(oidTSTToken) {
				if ts := tokenItem(attr.Value.Bytes); ts != nil {
					it.tsa, it.at = ts, ts.at
				}
				break
			}
		}
		items = append(items, it)
	}
	return items
}

// tokenItem reads an RFC 3161 time-stamp token: its TSA certificate, the
// certificates it carries and its time.
func tokenItem(token []byte) *signedItem {
	ts, err := timestamp.Parse(token)
	if err != nil {
		return nil
	}
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return nil
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil
	}
	return &signedItem{leaf: cert, certs: ts.Certificates, at: ts.Time}
}

// appendDSS builds the incremental update that adds (or extends) the DSS of
// the PDF in for its signatures — only the last one, when lastOnly — and
// returns the appended bytes. With ifNew, it returns no update when the DSS
// already holds everything needed.
func appendDSS(ctx context.Context, in io.ReaderAt, size int64, checker *Checker, lastOnly, ifNew bool, now time.Time) (update []byte, res ExtendResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			update, res, err = nil, ExtendResult{}, kerr.New(kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không thêm được dữ liệu kiểm tra.", "PDF library panicked: %v", p)
		}
	}()
	in = &eofGuard{r: in, size: size}
	rdr, err := pdf.NewReader(io.NewSectionReader(in, 0, size), size)
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || strings.Contains(strings.ToLower(err.Error()), "encrypt") {
			return nil, res, errEncrypted(err)
		}
		return nil, res, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không thêm được dữ liệu kiểm tra.")
	}
	if !rdr.Trailer().Key("Encrypt").IsNull() {
		return nil, res, errEncrypted(nil)
	}
	root := rdr.Trailer().Key("Root")
	if root.Kind() != pdf.Dict || root.GetPtr().GetID() == 0 {
		return nil, res, kerr.New(kerr.Invalid, "pdf_invalid", "Tệp PDF không có danh mục gốc (catalog) hợp lệ.", "no indirect /Root dictionary")
	}
	old, err := readDSS(rdr)
	if err != nil {
		return nil, res, err
	}
	items := signedItems(rdr, lastOnly, now)
	res.Signatures = len(items)
	if len(items) == 0 {
		return nil, res, nil
	}

	// Collect: everything already in the DSS counts, so that revocation
	// data is not fetched twice; only new items are written.
	all := &validationData{}
	for _, c := range old.certs {
		all.addCert(c)
	}
	for _, o := range old.ocsps {
		all.addOCSP(o)
	}
	for _, c := range old.crls {
		all.addCRL(c)
	}
	nCerts, nOCSPs, nCRLs := len(all.certs), len(all.ocsps), len(all.crls)
	type vri struct {
		key  string
		data *validationData
	}
	var vris []vri
	for _, it := range items {
		mine := &validationData{} // what this signature's chains need: its VRI entry
		for _, x := range []*signedItem{it, it.tsa} {
			if x == nil {
				continue
			}
			if err := collectValidation(ctx, checker, all, mine, x.leaf, x.certs, x.at); err != nil {
				return nil, res, err
			}
		}
		vris = append(vris, vri{key: vriKey(it.contents), data: mine})
	}
	if ifNew && len(all.certs) == nCerts && len(all.ocsps) == nOCSPs && len(all.crls) == nCRLs {
		return nil, res, nil
	}

	u := newIncUpdate(rdr, size, lastByte(in, size))
	refs := map[[32]byte]string{} // item digest → "n 0 R"
	write := func(der []byte) string {
		h := sha256Sum(der)
		if r, ok := refs[h]; ok {
			return r
		}
		r := fmt.Sprintf("%d 0 R", u.addStream(der))
		refs[h] = r
		return r
	}
	var certRefs, ocspRefs, crlRefs []string
	for _, c := range all.certs[nCerts:] {
		certRefs = append(certRefs, write(c.Raw))
	}
	for _, o := range all.ocsps[nOCSPs:] {
		ocspRefs = append(ocspRefs, write(o))
	}
	for _, c := range all.crls[nCRLs:] {
		crlRefs = append(crlRefs, write(c))
	}
	res.Certs, res.OCSPs, res.CRLs = len(certRefs), len(ocspRefs), len(crlRefs)
	// An item already in the old DSS keeps its old object: find it by content.
	oldRefs, err := dssRefs(rdr)
	if err != nil {
		return nil, res, err
	}
	ref := func(der []byte) string {
		if r, ok := oldRefs[sha256Sum(der)]; ok {
			return r
		}
		return write(der)
	}

	dssV := root.Key("DSS")
	var dss bytes.Buffer
	dss.WriteString("<< /Type /DSS")
	for _, arr := range []struct {
		key  string
		refs []string
	}{{"Certs", certRefs}, {"OCSPs", ocspRefs}, {"CRLs", crlRefs}} {
		var items bytes.Buffer
		if prev := dssV.Key(arr.key); prev.Kind() == pdf.Array {
			if err := writeArrayItems(&items, prev); err != nil {
				return nil, res, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Kho dữ liệu kiểm tra (DSS) có sẵn trong tệp bị lỗi.")
			}
		}
		for _, r := range arr.refs {
			items.WriteString(" " + r)
		}
		if items.Len() > 0 {
			fmt.Fprintf(&dss, " /%s [%s ]", arr.key, items.String())
		}
	}
	// VRI: the old entries, then one per signature (replacing an old one).
	var vriDict bytes.Buffer
	vriDict.WriteString("<<")
	mineKeys := map[string]bool{}
	for _, v := range vris {
		mineKeys[v.key] = true
	}
	if oldVRI := dssV.Key("VRI"); oldVRI.Kind() == pdf.Dict {
		keys := oldVRI.Keys()
		if len(keys) > maxDSSItems {
			return nil, res, kerr.New(kerr.Invalid, "dss_too_large", "Kho dữ liệu kiểm tra (DSS) trong tệp PDF vượt quá giới hạn cho phép.", "VRI has %d entries", len(keys))
		}
		if err := writeEntries(&vriDict, oldVRI, func(k string) bool { return mineKeys[k] }); err != nil {
			return nil, res, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Kho dữ liệu kiểm tra (DSS) có sẵn trong tệp bị lỗi.")
		}
	}
	tu := pdfDate(now)
	for _, v := range vris {
		fmt.Fprintf(&vriDict, " /%s <<", v.key)
		for _, arr := range []struct {
			key string
			der [][]byte
		}{{"Cert", rawCerts(v.data.certs)}, {"OCSP", v.data.ocsps}, {"CRL", v.data.crls}} {
			if len(arr.der) == 0 {
				continue
			}
			fmt.Fprintf(&vriDict, " /%s [", arr.key)
			for _, der := range arr.der {
				vriDict.WriteString(" " + ref(der))
			}
			vriDict.WriteString(" ]")
		}
		fmt.Fprintf(&vriDict, " /TU %s >>", tu)
	}
	vriDict.WriteString(" >>")
	vriID := u.add(vriDict.Bytes())
	fmt.Fprintf(&dss, " /VRI %d 0 R >>", vriID)
	dssID := u.add(dss.Bytes())

	// The catalog, rewritten in place with /DSS pointing at the new dictionary.
	var cat bytes.Buffer
	cat.WriteString("<<")
	if err := writeEntries(&cat, root, func(k string) bool { return k == "DSS" }); err != nil {
		return nil, res, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Danh mục gốc (catalog) của tệp PDF bị lỗi.")
	}
	fmt.Fprintf(&cat, " /DSS %d 0 R >>", dssID)
	u.set(root.GetPtr().GetID(), root.GetPtr().GetGen(), cat.Bytes())
	update, err = u.finish(root.GetPtr())
	if err != nil {
		return nil, res, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Không ghi được phần cập nhật của tệp PDF.")
	}
	return update, res, nil
}

// writeArrayItems writes the elements of arr, each preceded by a space.
func writeArrayItems(w *bytes.Buffer, arr pdf.Value) error {
	return writeItems(w, arr, maxDSSItems)
}

// dssRefs maps the digest of each stream of the document's DSS arrays to
// its reference, so that a VRI entry can point at an existing object.
func dssRefs(rdr *pdf.Reader) (map[[32]byte]string, error) {
	out := map[[32]byte]string{}
	dss := rdr.Trailer().Key("Root").Key("DSS")
	for _, key := range []string{"Certs", "OCSPs", "CRLs"} {
		arr := dss.Key(key)
		for i := 0; i < arr.Len() && i < maxDSSItems; i++ {
			s := arr.Index(i)
			p := s.GetPtr()
			if s.Kind() != pdf.Stream || p.GetID() == 0 {
				continue
			}
			data, err := readStreamLimited(s, maxDSSItemBytes)
			if err != nil {
				continue
			}
			out[sha256Sum(data)] = fmt.Sprintf("%d %d R", p.GetID(), p.GetGen())
		}
	}
	return out, nil
}

func rawCerts(cs []*x509.Certificate) [][]byte {
	out := make([][]byte, len(cs))
	for i, c := range cs {
		out[i] = c.Raw
	}
	return out
}

// pdfDate formats t as a PDF date string, (D:YYYYMMDDHHmmSSZ).
func pdfDate(t time.Time) string {
	return "(D:" + t.UTC().Format("20060102150405") + "Z)"
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// joinReaderAt reads the first size bytes of in followed by tail.
func joinReaderAt(in io.ReaderAt, size int64, tail []byte) io.ReaderAt {
	return &joinedReaderAt{in: in, size: size, tail: tail}
}

type joinedReaderAt struct {
	in   io.ReaderAt
	size int64
	tail []byte
}

func (j *joinedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < j.size {
		m := min(int64(len(p)), j.size-off)
		k, err := j.in.ReadAt(p[:m], off)
		n += k
		if err != nil && !(err == io.EOF && int64(k) == m) {
			return n, err
		}
		off += int64(k)
	}
	if n == len(p) {
		return n, nil
	}
	t := off - j.size
	if t >= int64(len(j.tail)) {
		return n, io.EOF
	}
	k := copy(p[n:], j.tail[t:])
	n += k
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
