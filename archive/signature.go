package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// SignatureSummary is what the vault knows of the signatures of one stored
// version: kept with the version (and so with the document's current
// version, in listings), while the full verification report is a small
// JSON blob named by Report. A version without a summary (nil) was not
// checked: it is not a PDF, or no verifier was configured.
//
// Why the report is a blob and not a stored field: it is immutable JSON of
// a few kilobytes per signature that only the report endpoint reads, while
// the document record is read by every listing (and, in MongoDB, holds
// every version); a blob keeps the records small, is written before the
// metadata like every blob, and an old report replaced by a re-verification
// is collected with the other unreferenced blobs.
type SignatureSummary struct {
	// Signed says the PDF has at least one signature (or document
	// time-stamp). A PDF found to carry one that the verifier could not
	// read at all is Signed with Count 0 and an INDETERMINATE verdict.
	Signed bool `json:"signed"`
	// Count is the number of signatures and document time-stamps.
	Count int `json:"count"`
	// Verdict is the worst verdict of the signatures (TOTAL-FAILED, then
	// INDETERMINATE, then TOTAL-PASSED); "" when not signed.
	Verdict signing.Verdict `json:"verdict,omitempty"`
	// SubIndication goes with an INDETERMINATE or TOTAL-FAILED Verdict: the
	// sub-indication of the first signature with that verdict.
	SubIndication string `json:"subIndication,omitempty"`
	// Signers are the signers' names (certificate common names), in
	// signing order, without repeats; time-stamps are not signers.
	Signers []string `json:"signers,omitempty"`
	// Level is the lowest PAdES baseline level among the signatures.
	Level string `json:"level,omitempty"`
	// VerifiedAt is when the verification ran (UTC, milliseconds).
	VerifiedAt time.Time `json:"verifiedAt"`
	// Message says in Vietnamese why the verifier could not judge the
	// signatures at all (a damaged PDF, a timeout).
	Message string `json:"message,omitempty"`
	// Report is the SHA-256 of the JSON report blob; "" when there is none
	// (not signed, or the verifier failed).
	Report string `json:"report,omitempty"`
	// ExpiresAt is when the validation of the signatures stops resting on
	// valid certificates: the earliest expiry among the chains it rests on
	// (see ValidationExpiry), UTC whole seconds; zero when unknown. The
	// vault renews the paper's validation data before it (ltv.go).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Verifier verifies the signatures of a PDF. signing.Verify, configured
// with trust anchors and a revocation checker, is the one used: see
// NewVerifier. Errors are kerr errors; Invalid means the file is not a
// readable PDF.
type Verifier interface {
	VerifyPDF(ctx context.Context, in io.ReaderAt, size int64) (*signing.Report, error)
}

// NewVerifier returns a Verifier running signing.Verify with opts.
func NewVerifier(opts signing.VerifyOptions) Verifier { return pdfVerifier{opts: opts} }

type pdfVerifier struct{ opts signing.VerifyOptions }

func (v pdfVerifier) VerifyPDF(ctx context.Context, in io.ReaderAt, size int64) (*signing.Report, error) {
	return signing.Verify(ctx, in, size, v.opts)
}

// Limits of verification on store.
const (
	// spoolInMemory is the largest blob verified from memory; larger ones
	// are copied to a temporary file first.
	spoolInMemory = 16 << 20
	// maxReportBytes bounds a stored report.
	maxReportBytes = 16 << 20
	// mediaPDF is the media type that is verified.
	mediaPDF = "application/pdf"
)

// signatureMark is what every signature dictionary (and document
// time-stamp) carries in the raw file: the /ByteRange it signs. Its
// offsets must be real file positions, so it is never inside a compressed
// object stream. A PDF without it has no signature. The slash is left out:
// '/' is frequent in PDF text and would slow the search (BenchmarkMarkScanner:
// about 0.5 GB/s with it, several GB/s without); a "ByteRange" without a
// slash merely runs the verifier, which finds no signature.
var signatureMark = []byte("ByteRange")

// markScanner looks for signatureMark in a stream fed in pieces.
type markScanner struct {
	tail  [16]byte // the last len(signatureMark)-1 bytes seen
	ntail int
	found bool
}

func (m *markScanner) feed(p []byte) {
	if m.found || len(p) == 0 {
		return
	}
	k := len(signatureMark) - 1
	if m.ntail > 0 {
		var joined [32]byte
		n := copy(joined[:], m.tail[:m.ntail])
		n += copy(joined[n:], p[:min(len(p), k)])
		if bytes.Contains(joined[:n], signatureMark) {
			m.found = true
			return
		}
	}
	if bytes.Contains(p, signatureMark) {
		m.found = true
		return
	}
	if len(p) >= k {
		m.ntail = copy(m.tail[:], p[len(p)-k:])
		return
	}
	// A short piece: keep the last k bytes of tail+p.
	var buf [32]byte
	n := copy(buf[:], m.tail[:m.ntail])
	n += copy(buf[n:], p)
	start := max(0, n-k)
	m.ntail = copy(m.tail[:], buf[start:n])
}

// verifyTimeout bounds one verification on store (the checker's own
// timeouts bound each OCSP or CRL request inside it).
func (s *Service) verifyTimeout() time.Duration {
	if s.cfg.VerifyTimeout > 0 {
		return s.cfg.VerifyTimeout
	}
	return 20 * time.Second
}

// signatureOnStore is the summary of a newly stored blob: nil when it is
// not a PDF or no verifier is configured; {Signed: false} at the cost of
// the scan done while it streamed when no signature mark was seen; else the
// verifier's judgement. It never fails: a verifier that cannot judge gives
// an INDETERMINATE summary.
func (s *Service) signatureOnStore(ctx context.Context, b storedBlob, claim func(context.Context, string) error) *SignatureSummary {
	if s.cfg.Verifier == nil || b.MediaType != mediaPDF {
		return nil
	}
	if !b.MaybeSigned {
		return &SignatureSummary{VerifiedAt: s.nowUTC()}
	}
	return s.verifyBlob(ctx, b.Hash, b.Size, claim)
}

// verifyBlob verifies the PDF blob and stores its report as a blob, which
// claim names in the write's intent first (see UploadIntent).
func (s *Service) verifyBlob(ctx context.Context, hash string, size int64, claim func(context.Context, string) error) *SignatureSummary {
	ctx, cancel := context.WithTimeout(ctx, s.verifyTimeout())
	defer cancel()
	sum := &SignatureSummary{VerifiedAt: s.nowUTC()}
	in, release, err := s.spool(ctx, hash, size)
	if err != nil {
		s.log.WarnContext(ctx, "signature verification: cannot read the blob", "blob", hash, "err", err)
		return cannotJudge(sum, signing.SubTryLater, "Chưa kiểm tra được chữ ký (không đọc được tệp); hãy kiểm tra lại sau.")
	}
	defer release()
	rep, err := s.cfg.Verifier.VerifyPDF(ctx, in, size)
	if err != nil {
		s.log.InfoContext(ctx, "signature verification failed", "blob", hash, "err", err)
		if kerr.IsKind(err, kerr.Invalid) || kerr.IsKind(err, kerr.TooLarge) {
			_, msg := kerr.Public(err)
			return cannotJudge(sum, signing.SubFormatFailure, msg)
		}
		return cannotJudge(sum, signing.SubTryLater, "Chưa kiểm tra được chữ ký lúc này; hãy kiểm tra lại sau.")
	}
	*sum = Summarize(rep)
	sum.VerifiedAt = s.nowUTC()
	if !sum.Signed {
		return sum
	}
	body, err := json.Marshal(rep)
	if err == nil && len(body) > maxReportBytes {
		err = kerr.New(kerr.TooLarge, "report_too_large", "Báo cáo kiểm tra chữ ký quá lớn để lưu.", "%d bytes", len(body))
	}
	if err == nil {
		h, _, perr := s.blobs.PutClaimed(ctx, bytes.NewReader(body), maxReportBytes, claim)
		if perr == nil {
			sum.Report = h
		} else {
			err = perr
		}
	}
	if err != nil {
		s.log.WarnContext(ctx, "signature report not stored", "blob", hash, "err", err)
	}
	return sum
}

// cannotJudge marks a summary as signed but unjudged.
func cannotJudge(sum *SignatureSummary, sub, msg string) *SignatureSummary {
	sum.Signed = true
	sum.Verdict = signing.Indeterminate
	sum.SubIndication = sub
	sum.Message = msg
	return sum
}

// spool gives the blob as an io.ReaderAt: in memory when small, else in a
// temporary file removed by release.
func (s *Service) spool(ctx context.Context, hash string, size int64) (io.ReaderAt, func(), error) {
	rc, err := s.blobs.OpenRange(ctx, hash, 0, -1)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	if size <= spoolInMemory {
		// Exactly size bytes: a bytes.Buffer would grow to twice that
		// to look for the end.
		b := make([]byte, size)
		if _, err := io.ReadFull(rc, b); err != nil {
			return nil, nil, err
		}
		return bytes.NewReader(b), func() {}, nil
	}
	f, err := os.CreateTemp("", "kho-verify-*.pdf")
	if err != nil {
		return nil, nil, err
	}
	release := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, io.LimitReader(rc, size+1)); err != nil {
		release()
		return nil, nil, err
	}
	return f, release, nil
}

// verdictRank orders verdicts from best to worst.
func verdictRank(v signing.Verdict) int {
	switch v {
	case signing.TotalPassed:
		return 0
	case signing.Indeterminate:
		return 1
	}
	return 2 // TOTAL-FAILED or anything unknown
}

// levelRank orders PAdES levels from lowest to highest; unknown names rank lowest.
var levelRank = map[string]int{"B-B": 1, "B-T": 2, "B-LT": 3, "B-LTA": 4}

// Summarize reduces a verification report to the summary kept with a
// version. VerifiedAt is the report's time.
func Summarize(rep *signing.Report) SignatureSummary {
	sum := SignatureSummary{VerifiedAt: rep.VerifiedAt.UTC().Truncate(time.Millisecond)}
	worst := -1
	for _, sig := range rep.Signatures {
		if sig == nil {
			continue
		}
		sum.Count++
		if r := verdictRank(sig.Verdict); r > worst {
			worst = r
			sum.Verdict, sum.SubIndication = sig.Verdict, sig.SubIndication
		}
		if sig.Kind == signing.KindDocTimestamp {
			continue
		}
		name := sig.Name
		if sig.Signer != nil && sig.Signer.CommonName != "" {
			name = sig.Signer.CommonName
		}
		if name != "" && !slices.Contains(sum.Signers, name) {
			sum.Signers = append(sum.Signers, name)
		}
		// A signature that does not verify reaches no level.
		if l := sig.Level; l != "" && (sum.Level == "" || levelRank[l] < levelRank[sum.Level]) {
			sum.Level = l
		}
	}
	sum.Signed = sum.Count > 0
	sum.ExpiresAt = ValidationExpiry(rep)
	if sum.Verdict == signing.TotalPassed {
		sum.SubIndication = ""
	}
	return sum
}

// VerifyData verifies a detached CMS signature over data (eForm JSON or
// XML) with the same trust anchors and revocation checks as VerifyPDF: see
// signing.VerifyData for the verdicts and errors.
func (v pdfVerifier) VerifyData(ctx context.Context, data io.Reader, sig []byte) (*signing.DataReport, error) {
	return signing.VerifyData(ctx, data, sig, v.opts)
}
