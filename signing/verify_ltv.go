package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/kho-vn/kho/internal/kerr"
)

// verifyEnv is what every signature of one Verify run is checked with.
type verifyEnv struct {
	checker *Checker
	// online: revocation data missing from the DSS is fetched from the
	// OCSP responders and CRL distribution points (VerifyOptions.Checker
	// set, with a policy other than RevocationSkip).
	online bool
	dss    *validationData
	now    time.Time
}

// newVerifyEnv returns the environment VerifyOptions ask for, with the
// validation data of a DSS.
func newVerifyEnv(opts VerifyOptions, dss *validationData, now time.Time) *verifyEnv {
	c := verifyChecker(opts)
	return &verifyEnv{checker: c, online: opts.Checker != nil && c.Revocation != RevocationSkip, dss: dss, now: now}
}

// revResult is the revocation status of a certificate path.
type revResult struct {
	status  string // "good", "revoked", "unavailable", "not_checked"
	source  string // "dss", "online", "dss+online", or empty
	fromDSS bool   // the DSS answered for every certificate of the path
	err     error  // a kerr for revoked and unavailable
}

// revocation checks every certificate of path below its anchor at time at:
// first against the DSS, then, when e.online, with a fresh OCSP response or
// CRL. An answer counts when it covers at or was issued after it (see
// validationData.answer).
func (e *verifyEnv) revocation(ctx context.Context, path []*x509.Certificate, at time.Time) revResult {
	if !e.online && e.dss.empty() {
		return revResult{status: "not_checked"}
	}
	res := revResult{status: "good", fromDSS: true}
	dss, online := false, false
	for i := 0; i+1 < len(path); i++ {
		cert, issuer := path[i], path[i+1]
		a := e.dss.answer(cert, issuer, at)
		if a != nil {
			dss = true
		} else {
			res.fromDSS = false
			if !e.online {
				res.status = "not_checked"
				continue
			}
			fetched := &validationData{}
			err := fetchRevocation(ctx, e.checker, cert, issuer, fetched, nil)
			if err == nil {
				if a = fetched.answer(cert, issuer, at); a == nil {
					err = kerr.New(kerr.Unavailable, CodeRevocationUnavailable,
						fmt.Sprintf("Không có dữ liệu thu hồi hợp lệ cho thời điểm cần kiểm tra của chứng thư số %q.", cert.Subject.CommonName),
						"no OCSP response or CRL of %q speaks for %s", cert.Subject.CommonName, at.UTC().Format(time.RFC3339))
				}
			}
			if err != nil {
				res.status, res.err = "unavailable", err
				res.source = sourceName(dss, online)
				return res
			}
			online = true
		}
		if a.status.revoked {
			res.status, res.err = "revoked", revokedError(cert.Subject.CommonName, a.status.at, a.status.reason)
			res.source = sourceName(dss, online)
			return res
		}
	}
	res.source = sourceName(dss, online)
	return res
}

func sourceName(dss, online bool) string {
	switch {
	case dss && online:
		return "dss+online"
	case dss:
		return "dss"
	case online:
		return "online"
	}
	return ""
}

// tsaPath verifies the chain of a time-stamp token's TSA certificate at the
// token's time, for the timeStamping usage, with the token's and the DSS's
// certificates as intermediates, and returns the TSA certificate and path.
func (e *verifyEnv) tsaPath(token []byte, ts *timestamp.Timestamp) (*x509.Certificate, []*x509.Certificate, error) {
	var tsa *x509.Certificate
	if p7, err := pkcs7.Parse(token); err == nil {
		tsa = p7.GetOnlySigner()
	}
	if tsa == nil && len(ts.Certificates) > 0 {
		tsa = ts.Certificates[0]
	}
	if tsa == nil {
		return nil, nil, fmt.Errorf("no TSA certificate in the token")
	}
	if e.checker.Roots == nil {
		return tsa, nil, fmt.Errorf("no trust anchors configured")
	}
	chains, err := tsa.Verify(x509.VerifyOptions{Roots: e.checker.Roots, Intermediates: e.dss.pool(ts.Certificates), CurrentTime: ts.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	if err != nil {
		return tsa, nil, err
	}
	return tsa, chains[0], nil
}

// checkTimestamp checks a signature time-stamp token over sigValue: the TSA
// signature (timestamp.Parse), the imprint, the TSA chain to the anchors at
// the time-stamp's time, and the revocation of that chain.
func (e *verifyEnv) checkTimestamp(ctx context.Context, token, sigValue []byte) Timestamp {
	out := Timestamp{Present: true, Revocation: "not_checked"}
	ts, err := timestamp.Parse(token)
	if err != nil {
		out.Error = fmt.Sprintf("parse: %v", err)
		return out
	}
	out.Time = ts.Time
	h := ts.HashAlgorithm.New()
	h.Write(sigValue)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		out.Error = "the time-stamp imprint is not the digest of the signature value"
		return out
	}
	out.intact = true
	tsa, path, err := e.tsaPath(token, ts)
	if tsa != nil {
		out.TSA = tsa.Subject.CommonName
	}
	if err != nil {
		out.Error = fmt.Sprintf("TSA certificate: %v", err)
		return out
	}
	out.ChainExpires = chainExpires(path)
	rr := e.revocation(ctx, path, ts.Time)
	out.Revocation, out.RevocationSource, out.fromDSS = rr.status, rr.source, rr.fromDSS
	if rr.err != nil {
		out.Error = fmt.Sprintf("TSA certificate: %v", rr.err)
		return out
	}
	out.Valid = true
	return out
}

// verifyDocTimestamp checks a document time-stamp (SubFilter ETSI.RFC3161):
// the token's message imprint must be the digest of the byte range, and the
// TSA's chain must be trusted and not revoked at the token's time.
func (e *verifyEnv) verifyDocTimestamp(ctx context.Context, r *SignatureReport, raw []byte, signed signedRanges) *SignatureReport {
	r.Kind = KindDocTimestamp
	set := func(v Verdict, sub, msg, detail string) *SignatureReport {
		r.Verdict, r.SubIndication, r.Message, r.Detail = v, sub, msg, detail
		return r
	}
	ts, err := timestamp.Parse(raw)
	if err != nil {
		return set(TotalFailed, SubSigCryptoFailure, "Dấu thời gian của tệp PDF không hợp lệ.", fmt.Sprintf("document time-stamp: %v", err))
	}
	r.Timestamp = Timestamp{Present: true, Time: ts.Time, Revocation: "not_checked"}
	sum, err := signed.digest(ts.HashAlgorithm)
	if err != nil {
		return set(Indeterminate, SubFormatFailure, "Cấu trúc chữ ký trong tệp bị lỗi, không kiểm tra được.", err.Error())
	}
	if !bytes.Equal(sum, ts.HashedMessage) {
		return set(TotalFailed, SubHashFailure, "Nội dung tệp PDF đã bị thay đổi sau khi đóng dấu thời gian.", "document time-stamp imprint differs")
	}
	r.Integrity, r.CryptoValid = true, true
	r.SigningTime, r.SigningTimeSource = ts.Time, "timestamp"
	r.ValidatedAt = ts.Time
	tsa, path, err := e.tsaPath(raw, ts)
	if tsa != nil {
		r.Signer = signerOf(tsa)
		r.Timestamp.TSA = tsa.Subject.CommonName
	}
	if tsa == nil {
		return set(Indeterminate, SubNoCertificateChain, "Dấu thời gian không kèm chứng thư của đơn vị cấp dấu thời gian.", "no TSA certificate in the token")
	}
	if err != nil {
		return set(Indeterminate, SubNoCertificateChain, "Chứng thư của đơn vị cấp dấu thời gian không chuỗi được tới tổ chức chứng thực tin cậy nào.", fmt.Sprintf("TSA chain: %v", err))
	}
	r.ChainTrusted = true
	r.ChainExpires = chainExpires(path)
	r.Timestamp.ChainExpires = r.ChainExpires
	rr := e.revocation(ctx, path, ts.Time)
	r.Revocation, r.RevocationSource = rr.status, rr.source
	r.Timestamp.Revocation, r.Timestamp.RevocationSource, r.Timestamp.fromDSS = rr.status, rr.source, rr.fromDSS
	switch rr.status {
	case "revoked":
		_, msg := kerr.Public(rr.err)
		return set(TotalFailed, SubRevoked, msg, errorText(rr.err))
	case "unavailable":
		_, msg := kerr.Public(rr.err)
		return set(Indeterminate, SubTryLater, msg, errorText(rr.err))
	}
	r.Timestamp.Valid = true
	r.Verdict = TotalPassed
	return r
}

// revision is one incremental update appended after the first signature.
type revision struct {
	from, to int64
	kind     string   // ChangeLaterSignature, ChangeDSS, ChangeDocTimestamp, ChangeFormFilling, ChangeUnclassified
	fields   []string // the fields a form-filling update changed
}

// The kinds of Change.
const (
	ChangeLaterSignature = "later_signature"
	ChangeDocTimestamp   = "document_timestamp"
	ChangeDSS            = "dss"
	ChangeUnclassified   = "unclassified"
)

// maxRevisions bounds how many incremental updates after the first
// signature are told apart; the rest make one unclassified change.
const maxRevisions = 256

// revisionEnds returns the ends of the incremental updates in (from, to]:
// the byte after each "startxref N %%EOF" (and its end-of-line), ascending.
// The last end is always to.
func revisionEnds(in io.ReaderAt, from, to int64) []int64 {
	const chunk, overlap = 64 << 10, 64
	key := []byte("startxref")
	var ends []int64
	buf := make([]byte, chunk+overlap)
	for off := from; off < to && len(ends) < maxRevisions; off += chunk {
		n, _ := in.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], key)
			if j < 0 || i+j >= chunk {
				break // a match past chunk is read again with the next chunk
			}
			k := skipSpace(b, i+j+len(key))
			i += j + len(key)
			d := k
			for k < len(b) && b[k] >= '0' && b[k] <= '9' {
				k++
			}
			if k == d {
				continue
			}
			k = skipSpace(b, k)
			if !bytes.HasPrefix(b[k:], []byte("%%EOF")) {
				continue
			}
			k += len("%%EOF")
			if bytes.HasPrefix(b[k:], []byte("\r\n")) {
				k += 2
			} else if k < len(b) && (b[k] == '\n' || b[k] == '\r') {
				k++
			}
			if e := off + int64(k); e > from && (len(ends) == 0 || e > ends[len(ends)-1]) {
				ends = append(ends, e)
			}
		}
	}
	for len(ends) > 0 && ends[len(ends)-1] >= to {
		ends = ends[:len(ends)-1]
	}
	return append(ends, to)
}

func skipSpace(b []byte, k int) int {
	for k < len(b) && (b[k] == ' ' || b[k] == '\n' || b[k] == '\r' || b[k] == '\t' || b[k] == '\f' || b[k] == 0) {
		k++
	}
	return k
}

// isDSSUpdate reports whether the incremental update in (from, to] adds or
// extends the DSS and does nothing else: the catalog differs from the
// previous one only in /DSS, and every object the update writes is the
// DSS, its VRI dictionary, an entry or stream they reference, or the
// cross-reference stream itself.
func isDSSUpdate(in io.ReaderAt, from, to int64) bool {
	return inspectUpdate(in, from, to, func(prev, cur *pdf.Reader, written []uint32) bool {
		oldRoot, newRoot := prev.Trailer().Key("Root"), cur.Trailer().Key("Root")
		if oldRoot.Kind() != pdf.Dict || newRoot.Kind() != pdf.Dict {
			return false
		}
		var a, b bytes.Buffer
		skipDSS := func(k string) bool { return k == "DSS" }
		if writeEntries(&a, oldRoot, skipDSS) != nil || writeEntries(&b, newRoot, skipDSS) != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			return false
		}
		dss := newRoot.Key("DSS")
		if dss.Kind() != pdf.Dict {
			return false
		}
		// The objects a DSS update may write: new objects the new DSS
		// references, and, among the existing ones, only the catalog and the
		// dictionaries of the old DSS (never an existing stream: a DSS that
		// "lists" a page's content stream must not make rewriting it allowed).
		allowed := map[uint32]bool{newRoot.GetPtr().GetID(): true}
		rewritable := map[uint32]bool{oldRoot.GetPtr().GetID(): true}
		if old := oldRoot.Key("DSS"); old.Kind() == pdf.Dict {
			for _, v := range []pdf.Value{old, old.Key("VRI"), old.Key("Certs"), old.Key("OCSPs"), old.Key("CRLs")} {
				rewritable[v.GetPtr().GetID()] = true
			}
			oldVRI := old.Key("VRI")
			for i, k := range oldVRI.Keys() {
				if i >= maxDSSItems {
					return false
				}
				rewritable[oldVRI.Key(k).GetPtr().GetID()] = true
			}
		}
		delete(rewritable, 0)
		mark := func(v pdf.Value) {
			if id := v.GetPtr().GetID(); id != 0 {
				allowed[id] = true
			}
		}
		markArrays := func(d pdf.Value, keys ...string) {
			for _, k := range keys {
				arr := d.Key(k)
				mark(arr)
				for i := 0; i < arr.Len() && i < maxDSSItems; i++ {
					mark(arr.Index(i))
				}
			}
		}
		mark(dss)
		markArrays(dss, "Certs", "OCSPs", "CRLs")
		vri := dss.Key("VRI")
		mark(vri)
		keys := vri.Keys()
		if len(keys) > maxDSSItems {
			return false
		}
		for _, k := range keys {
			entry := vri.Key(k)
			mark(entry)
			markArrays(entry, "Cert", "OCSP", "CRL")
			mark(entry.Key("TS"))
		}
		for _, id := range written {
			_, err := prev.GetObject(id)
			existed := err == nil
			if allowed[id] && (!existed || rewritable[id]) {
				continue
			}
			if v, err := cur.GetObject(id); err == nil && !existed && v.Kind() == pdf.Stream && v.Key("Type").Name() == "XRef" {
				continue
			}
			return false
		}
		return true
	})
}

// inspectUpdate runs check on the documents before and after the update
// in (from, to] and the objects it writes (see openUpdate); a panic of the
// PDF parser, or an update that cannot be read, gives false.
func inspectUpdate(in io.ReaderAt, from, to int64, check func(prev, cur *pdf.Reader, written []uint32) bool) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	prev, cur, written, ok := openUpdate(in, from, to)
	return ok && check(prev, cur, written)
}

// openUpdate reads the document as it was before and after the update in
// (from, to], and lists the objects the update writes. The caller recovers
// from the parser's panics (eofGuard turns its runaway loops into one).
func openUpdate(in io.ReaderAt, from, to int64) (prev, cur *pdf.Reader, written []uint32, ok bool) {
	prev, err := pdf.NewReader(io.NewSectionReader(&eofGuard{r: in, size: from}, 0, from), from)
	if err != nil {
		return nil, nil, nil, false
	}
	cur, err = pdf.NewReader(io.NewSectionReader(&eofGuard{r: in, size: to}, 0, to), to)
	if err != nil || cur.XrefInformation.StartPos < from {
		return nil, nil, nil, false
	}
	written, freed, ok := updateObjects(in, cur, to)
	if !ok || !keepsObjects(prev, cur, written, freed) {
		return nil, nil, nil, false
	}
	return prev, cur, written, true
}

// keepsObjects reports whether an update leaves every object of the
// previous revision in place: it frees none (the PDF reader would still
// read the old object, a viewer would not), and rewrites none under another
// generation number (references to the old generation would then point
// at nothing). A rewrite or a reuse of a free number is judged by the
// classifiers.
func keepsObjects(prev, cur *pdf.Reader, written, freed []uint32) bool {
	for _, id := range freed {
		if inUse(prev, id) {
			return false
		}
	}
	px, cx := prev.Xref(), cur.Xref()
	for _, id := range written {
		if inUse(prev, id) && (int(id) >= len(cx) || px[id].Ptr() != cx[id].Ptr()) {
			return false
		}
	}
	return true
}

// maxUpdateObjects bounds the objects of one update that isDSSUpdate reads.
const maxUpdateObjects = 10000

// updateObjects lists the object numbers the last cross-reference section
// of the file cur reads (of size bytes) defines as in use, and those it
// marks free.
func updateObjects(in io.ReaderAt, cur *pdf.Reader, size int64) (ids, freed []uint32, ok bool) {
	switch cur.XrefInformation.Type {
	case "table":
		start := cur.XrefInformation.StartPos
		n := min(size-start, 32<<20)
		b := make([]byte, n)
		if m, _ := in.ReadAt(b, start); int64(m) < n {
			return nil, nil, false
		}
		end := bytes.Index(b, []byte("trailer"))
		if end < 0 || !bytes.HasPrefix(b, []byte("xref")) {
			return nil, nil, false
		}
		f := strings.Fields(string(b[4:end]))
		for i := 0; i+1 < len(f); {
			var first, count int64
			if _, err := fmt.Sscan(f[i], &first); err != nil {
				return nil, nil, false
			}
			if _, err := fmt.Sscan(f[i+1], &count); err != nil || count < 0 || count > maxUpdateObjects || i+2+3*int(count) > len(f) {
				return nil, nil, false
			}
			for j := 0; j < int(count); j++ {
				switch f[i+2+3*j+2] {
				case "n":
					ids = append(ids, uint32(first+int64(j)))
				case "f":
					freed = append(freed, uint32(first+int64(j)))
				}
			}
			i += 2 + 3*int(count)
			if len(ids)+len(freed) > maxUpdateObjects {
				return nil, nil, false
			}
		}
	case "stream":
		x := cur.Trailer()
		var w []int
		for i := 0; i < x.Key("W").Len(); i++ {
			w = append(w, int(x.Key("W").Index(i).Int64()))
		}
		if len(w) != 3 || w[0] < 0 || w[1] < 0 || w[2] < 0 || w[0]+w[1]+w[2] > 32 {
			return nil, nil, false
		}
		data, err := readStreamLimited(x, 16<<20)
		if err != nil {
			return nil, nil, false
		}
		index := x.Key("Index")
		var pairs []int64
		if index.Kind() == pdf.Array {
			for i := 0; i < index.Len(); i++ {
				pairs = append(pairs, index.Index(i).Int64())
			}
		} else {
			pairs = []int64{0, x.Key("Size").Int64()}
		}
		row := w[0] + w[1] + w[2]
		pos := 0
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] < 0 || pairs[i+1] > maxUpdateObjects {
				return nil, nil, false
			}
			for j := int64(0); j < pairs[i+1]; j++ {
				if pos+row > len(data) {
					return nil, nil, false
				}
				typ := 1
				if w[0] > 0 {
					typ = int(decodeBE(data[pos : pos+w[0]]))
				}
				switch typ {
				case 1, 2:
					ids = append(ids, uint32(pairs[i]+j))
				case 0:
					freed = append(freed, uint32(pairs[i]+j))
				}
				pos += row
			}
			if len(ids)+len(freed) > maxUpdateObjects {
				return nil, nil, false
			}
		}
	default:
		return nil, nil, false
	}
	return ids, freed, true
}

func decodeBE(b []byte) uint64 {
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x
}

// levelOf is the PAdES baseline level a signature reached — what it
// carries, whether or not its chains are trusted: B-B, B-T with a signature
// time-stamp that verifies, B-LT when moreover the DSS answered for the
// revocation of its signer's and its TSA's chains, B-LTA when a valid
// document time-stamp was then added after a DSS update.
func levelOf(s *SignatureReport, revs []revision, docTS []*SignatureReport) string {
	if s.Kind != KindSignature || !s.CryptoValid {
		return ""
	}
	if !s.Timestamp.intact {
		return LevelBB.String()
	}
	if !s.ltv || !s.Timestamp.fromDSS {
		return LevelBT.String()
	}
	var dssAt int64 = -1
	for _, r := range revs {
		if r.kind == ChangeDSS && r.from >= s.end {
			dssAt = r.to
			break
		}
	}
	if dssAt >= 0 {
		for _, d := range docTS {
			if d.Verdict == TotalPassed && d.end >= dssAt {
				return LevelBLTA.String()
			}
		}
	}
	return LevelBLT.String()
}

// chainExpires is the earliest NotAfter of path (zero when path is empty):
// after it, the path no longer builds without proof of existence from
// before it.
func chainExpires(path []*x509.Certificate) time.Time {
	var first time.Time
	for _, c := range path {
		if c != nil && (first.IsZero() || c.NotAfter.Before(first)) {
			first = c.NotAfter
		}
	}
	return first.UTC()
}
