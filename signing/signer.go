package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/kho-vn/kho/internal/kerr"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1).
type Level int

// The PAdES baseline levels.
const (
	LevelBB   Level = iota + 1 // B-B: CAdES detached signature
	LevelBT                    // B-T: B-B plus an RFC 3161 signature timestamp
	LevelBLT                   // B-LT: B-T plus validation data (certificates, OCSP, CRLs) in the DSS
	LevelBLTA                  // B-LTA: B-LT plus a document timestamp over it all
)

var levelNames = map[Level]string{LevelBB: "B-B", LevelBT: "B-T", LevelBLT: "B-LT", LevelBLTA: "B-LTA"}

// String returns the ETSI name, e.g. "B-T".
func (l Level) String() string {
	if n, ok := levelNames[l]; ok {
		return n
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses "B-B", "B-T", "B-LT" or "B-LTA" (case-insensitive; the
// "PAdES-" prefix is allowed). An unknown name is kerr Invalid level_unknown.
func ParseLevel(s string) (Level, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	n = strings.TrimPrefix(n, "PADES-")
	for l, name := range levelNames {
		if name == n {
			return l, nil
		}
	}
	return 0, kerr.New(kerr.Invalid, "level_unknown", "Mức chữ ký không hợp lệ; chọn một trong B-B, B-T, B-LT, B-LTA.", "unknown PAdES level %q", s)
}

// Certification is the DocMDP permission of a certification signature.
type Certification int

// Certification levels. CertifyNone makes an ordinary approval signature.
const (
	CertifyNone              Certification = iota // approval signature
	CertifyNoChanges                              // DocMDP P=1: no change allowed
	CertifyFormFilling                            // DocMDP P=2: form filling and further signatures
	CertifyFormAndAnnotation                      // DocMDP P=3: as 2, plus annotations
)

// Options configure a Signer.
type Options struct {
	// Level is the PAdES level; zero means B-B.
	Level Level
	// TSAURL is the RFC 3161 timestamp authority; required for B-T.
	TSAURL string
	// TSATimeout bounds the timestamp request; zero means 30 seconds.
	TSATimeout time.Duration
	// Name, Reason, Location and Contact go into the signature dictionary.
	// Name defaults to the certificate's common name.
	Name, Reason, Location, Contact string
	// Certification makes a certification (DocMDP) signature; it must be the
	// document's first signature.
	Certification Certification
	// Checker runs the pre-signing certificate checks. It is required: a
	// Signer never signs with an unchecked certificate.
	Checker *Checker
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSize bounds the input PDF; zero means 512 MiB. Invisible approval
	// signatures are made by the streaming signer (stream.go), whose memory
	// does not grow with the document; visible and certification
	// signatures go through pdfsign, which builds the signed document in
	// memory, so for them this is also the memory bound.
	MaxSize int64
	// Visible, when set, makes the signature visible on a page (see
	// Appearance); nil makes an invisible signature.
	Visible *Appearance
	// Budget bounds the memory and time of reading the input PDF.
	Budget ParseBudget
}

// Signer signs PDF documents with one key. It is safe for concurrent use if
// its KeySource is.
type Signer struct {
	key     KeySource
	opts    Options
	visible *visibleCache // Options.Visible's image and fonts, made once
}

// New returns a Signer for key with opts. Bad options are kerr Invalid.
func New(key KeySource, opts Options) (*Signer, error) {
	if key == nil || key.Certificate() == nil {
		return nil, kerr.New(kerr.Invalid, "key_missing", "Thiếu khóa ký hoặc chứng thư số.", "nil KeySource or certificate")
	}
	if opts.Level == 0 {
		opts.Level = LevelBB
	}
	switch opts.Level {
	case LevelBB:
	case LevelBT, LevelBLT, LevelBLTA:
		if opts.TSAURL == "" {
			return nil, kerr.New(kerr.Invalid, "tsa_required", fmt.Sprintf("Mức chữ ký %s cần địa chỉ máy chủ cấp dấu thời gian (TSA).", opts.Level), "level %s needs a TSA URL", opts.Level)
		}
	default:
		return nil, kerr.New(kerr.Invalid, "level_unknown", "Mức chữ ký không hợp lệ.", "level %d", int(opts.Level))
	}
	if opts.Certification < CertifyNone || opts.Certification > CertifyFormAndAnnotation {
		return nil, kerr.New(kerr.Invalid, "certification_unknown", "Mức chứng nhận (DocMDP) của tệp PDF không hợp lệ.", "certification %d", int(opts.Certification))
	}
	if opts.Checker == nil {
		return nil, kerr.New(kerr.Invalid, "checker_missing", "Chưa cấu hình kiểm tra chứng thư số trước khi ký.", "Options.Checker is nil")
	}
	var visible *visibleCache
	if opts.Visible != nil {
		var err error
		if opts.Visible, visible, err = prepareVisible(*opts.Visible, opts.Certification); err != nil {
			return nil, err
		}
	}
	setDefaults(&opts.Now, &opts.TSATimeout, &opts.MaxSize)
	return &Signer{key: key, opts: opts, visible: visible}, nil
}

// setDefaults fills in the clock (time.Now), the TSA timeout (30 seconds)
// and the input size limit (512 MiB) when they are zero.
func setDefaults(now *func() time.Time, tsaTimeout *time.Duration, maxSize *int64) {
	if *now == nil {
		*now = time.Now
	}
	if *tsaTimeout <= 0 {
		*tsaTimeout = 30 * time.Second
	}
	if *maxSize <= 0 {
		*maxSize = 512 << 20
	}
}

// Result describes one signature made.
type Result struct {
	Level    Level
	SignedAt time.Time // the signing time written in the signature dictionary
	Signer   string    // the signer certificate's subject common name
	Size     int64     // bytes written to out
}

// Check runs the pre-signing certificate checks at the Signer's current time
// (see Checker.CheckCertificate).
func (s *Signer) Check(ctx context.Context) error {
	return s.opts.Checker.CheckCertificate(ctx, s.key.Certificate(), s.key.Chain(), s.opts.Now())
}

// Sign checks the signer certificate, then reads the PDF of size bytes from
// in and writes it to out with one more signature appended as an incremental
// update. Errors: the Checker's (Permission, Unavailable); kerr Invalid with
// pdf_invalid, pdf_encrypted, pdf_too_large or pdf_certified_locked for bad
// input; Unavailable tsa_unavailable when the TSA does not answer. Nothing is
// written to out unless signing succeeded.
func (s *Signer) Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer) (Result, error) {
	if err := s.Check(ctx); err != nil {
		return Result{}, err
	}
	return s.sign(ctx, in, size, out)
}

// Job is one document of a batch.
type Job struct {
	Name string // for reports, e.g. the file name
	In   io.ReaderAt
	Size int64
	Out  io.Writer
}

// JobResult is the outcome of one Job: Err is nil on success.
type JobResult struct {
	Name   string
	Result Result
	Err    error
}

// SignBatch checks the certificate once, then signs every job in order,
// going on after a failed one; the results are in the order of jobs. If the
// certificate check fails, or ctx ends, every job not yet signed gets that
// error.
func (s *Signer) SignBatch(ctx context.Context, jobs []Job) []JobResult {
	res := make([]JobResult, len(jobs))
	for i, j := range jobs {
		res[i].Name = j.Name
	}
	if err := s.Check(ctx); err != nil {
		for i := range res {
			res[i].Err = err
		}
		return res
	}
	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			res[i].Err = kerr.Wrap(err, kerr.Unavailable, "signing_cancelled", "Việc ký đã bị hủy trước khi tới tệp này.")
			continue
		}
		res[i].Result, res[i].Err = s.sign(ctx, j.In, j.Size, j.Out)
	}
	return res
}

func (s *Signer) sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer) (res Result, err error) {
	if size > s.opts.MaxSize {
		return Result{}, kerr.New(kerr.TooLarge, "pdf_too_large", "Tệp PDF quá lớn để ký.", "%d bytes, limit %d", size, s.opts.MaxSize)
	}
	if err := checkHeader(in, size); err != nil {
		return Result{}, err
	}
	if err := prescan(in, size); err != nil {
		return Result{}, err
	}
	g, err := guardParse(ctx, in, size, s.opts.Budget)
	if err != nil {
		return Result{}, err
	}
	defer g.done()
	// pdfsign and its PDF reader may panic on malformed input.
	defer func() {
		if p := recover(); p != nil {
			res, err = Result{}, g.panicErr(p, "Tệp PDF bị lỗi cấu trúc, không ký được.")
		} else if gerr := g.err(); gerr != nil && err != nil {
			res, err = Result{}, gerr
		}
	}()
	// digitorus/pdf can loop for ever, allocating, on some malformed files
	// (an unclosed array runs into end of file); the guard turns that into a
	// panic that the recover above reports as pdf_invalid.
	in = &eofGuard{r: g.in, size: size}
	rdr, err := pdf.NewReader(io.NewSectionReader(in, 0, size), size)
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || strings.Contains(strings.ToLower(err.Error()), "encrypt") {
			return Result{}, errEncrypted(err)
		}
		return Result{}, kerr.Wrap(err, kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc, không ký được.")
	}
	if !rdr.Trailer().Key("Encrypt").IsNull() {
		return Result{}, errEncrypted(nil)
	}
	if err := checkPageTree(rdr); err != nil {
		return Result{}, err
	}
	if s.opts.Certification != CertifyNone {
		if has, err := hasSignatures(rdr); err != nil {
			return Result{}, err
		} else if has {
			return Result{}, kerr.New(kerr.Invalid, "pdf_already_signed", "Chữ ký chứng nhận (DocMDP) phải là chữ ký đầu tiên; tệp PDF này đã có chữ ký.", "certification signature on a document that is already signed")
		}
	}
	if p, ok := docMDPLocked(rdr); ok && p == 1 {
		return Result{}, kerr.New(kerr.Invalid, "pdf_certified_locked", "Tệp PDF đã được chứng nhận không cho phép thay đổi nào nên không thể ký thêm.", "document carries a DocMDP P=1 certification signature")
	}

	now := s.opts.Now()
	cert := s.key.Certificate()
	name := s.opts.Name
	if name == "" {
		name = cert.Subject.CommonName
	}
	if s.streamSignable() {
		return s.signStream(ctx, in, size, out, rdr, name, now)
	}
	sd := sign.SignData{
		Signer:          s.key,
		Certificate:     cert,
		DigestAlgorithm: 0, // pdfsign picks SHA-256 (SHA-512 for ML-DSA)
		SubFilter:       sign.SubFilterETSICAdESDetached,
		Context:         ctx,
	}
	sd.Signature.Info = sign.SignDataSignatureInfo{Name: name, Reason: s.opts.Reason, Location: s.opts.Location, ContactInfo: s.opts.Contact, Date: now}
	sd.Signature.CertType = sign.ApprovalSignature
	if s.opts.Certification != CertifyNone {
		sd.Signature.CertType = sign.CertificationSignature
		sd.Signature.DocMDPPerm = sign.DocMDPPerm(s.opts.Certification)
	}
	if s.opts.Visible != nil {
		app, err := s.appearance(rdr, name, cert, now)
		if err != nil {
			return Result{}, err
		}
		sd.Appearance = app
	}
	if chain := s.key.Chain(); len(chain) > 0 {
		sd.CertificateChains = [][]*x509.Certificate{append([]*x509.Certificate{cert}, chain...)}
	}
	if s.opts.Level >= LevelBT {
		sd.TSA.URL = s.opts.TSAURL
		tctx, cancel := context.WithTimeout(ctx, s.opts.TSATimeout)
		defer cancel()
		sd.Context = tctx
	}
	var buf bytes.Buffer
	//nolint:staticcheck // the fluent pdfsign API has no clock; SignWithData is its own engine.
	if err := sign.SignWithData(io.NewSectionReader(in, 0, size), &buf, rdr, size, sd); err != nil {
		if ctx.Err() != nil {
			return Result{}, kerr.Wrap(ctx.Err(), kerr.Unavailable, "signing_cancelled", "Việc ký đã bị hủy.")
		}
		if s.opts.Level >= LevelBT && sd.Context.Err() != nil {
			return Result{}, kerr.Wrap(err, kerr.Unavailable, "tsa_unavailable", "Máy chủ cấp dấu thời gian (TSA) không trả lời kịp; chưa ký, vui lòng thử lại sau.")
		}
		if s.opts.Level >= LevelBT && isTSAError(err) {
			return Result{}, kerr.Wrap(err, kerr.Unavailable, "tsa_unavailable", "Máy chủ cấp dấu thời gian (TSA) không trả lời hợp lệ; chưa ký, vui lòng thử lại sau.")
		}
		var inner *kerr.Error
		if errors.As(err, &inner) {
			return Result{}, inner // the key source's own error: wrong PIN, token or service unavailable…
		}
		return Result{}, kerr.Wrap(err, kerr.Invalid, "pdf_sign_failed", "Không ký được tệp PDF này (cấu trúc tệp không được hỗ trợ).")
	}
	signed := buf.Bytes()
	lt, err := s.appendLTV(ctx, bytes.NewReader(signed), int64(len(signed)), nil, now)
	if err != nil {
		return Result{}, err
	}
	signed = append(signed, lt...)
	n, err := out.Write(signed)
	if err != nil {
		return Result{}, kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp đã ký.")
	}
	return Result{Level: s.opts.Level, SignedAt: now, Signer: cert.Subject.CommonName, Size: int64(n)}, nil
}

func errEncrypted(err error) error {
	e := kerr.New(kerr.Invalid, "pdf_encrypted", "Tệp PDF đang được mã hóa (đặt mật khẩu); hãy gỡ mật khẩu trước khi ký.", "encrypted PDFs are not signed")
	e.Err = err
	return e
}

// checkHeader refuses input that does not start with %PDF- within its first
// kilobyte (ISO 32000 allows leading bytes) or that is too short to be a PDF.
func checkHeader(in io.ReaderAt, size int64) error {
	if size < 32 {
		return kerr.New(kerr.Invalid, "pdf_invalid", "Tệp không phải tệp PDF hợp lệ.", "%d bytes is too short for a PDF", size)
	}
	head := make([]byte, min(size, 1024))
	if _, err := in.ReadAt(head, 0); err != nil && err != io.EOF {
		return kerr.Wrap(err, kerr.Invalid, "pdf_unreadable", "Không đọc được tệp PDF.")
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return kerr.New(kerr.Invalid, "pdf_invalid", "Tệp không phải tệp PDF hợp lệ.", "no %%PDF- header")
	}
	return nil
}

// isTSAError reports whether a pdfsign error came from the timestamp request.
func isTSAError(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "tsa") || strings.Contains(s, "timestamp") || strings.Contains(s, "time stamp")
}

// hasSignatures reports whether the AcroForm has a signature field with a value.
func hasSignatures(rdr *pdf.Reader) (bool, error) {
	fields := rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		f := fields.Index(i)
		if f.Key("FT").Name() == "Sig" && !f.Key("V").IsNull() {
			return true, nil
		}
	}
	return false, nil
}

// docMDPLocked returns the DocMDP P value of the document's certification
// signature, found through the catalog's /Perms or, as pdfsign writes no
// /Perms, through the signature fields' /Reference entries.
func docMDPLocked(rdr *pdf.Reader) (int64, bool) {
	root := rdr.Trailer().Key("Root")
	sigs := []pdf.Value{root.Key("Perms").Key("DocMDP")}
	fields := root.Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		if f := fields.Index(i); f.Key("FT").Name() == "Sig" {
			sigs = append(sigs, f.Key("V"))
		}
	}
	for _, sig := range sigs {
		refs := sig.Key("Reference")
		for i := 0; i < refs.Len(); i++ {
			ref := refs.Index(i)
			if ref.Key("TransformMethod").Name() != "DocMDP" {
				continue
			}
			if p := ref.Key("TransformParams").Key("P"); !p.IsNull() {
				return p.Int64(), true
			}
			return 2, true // P defaults to 2
		}
	}
	return 0, false
}

// checkPageTree walks the page tree the way pdfsign looks for page 1
// (depth first, stopping at the first page) within a depth and node budget:
// a cyclic tree would otherwise overflow pdfsign's stack, which no recover
// can catch.
func checkPageTree(rdr *pdf.Reader) error {
	const maxDepth, maxNodes = 64, 100000
	nodes := 0
	bad := func(detail string) error {
		return kerr.New(kerr.Invalid, "pdf_invalid", "Cây trang của tệp PDF bị lỗi (vòng lặp hoặc không có trang nào), không ký được.", "page tree: %s", detail)
	}
	var walk func(v pdf.Value, depth int) (bool, error)
	walk = func(v pdf.Value, depth int) (bool, error) {
		nodes++
		if depth > maxDepth || nodes > maxNodes {
			return false, bad("too deep or too large (cyclic?)")
		}
		switch v.Key("Type").Name() {
		case "Page":
			return true, nil
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				found, err := walk(kids.Index(i), depth+1)
				if err != nil || found {
					return found, err
				}
			}
		}
		return false, nil
	}
	found, err := walk(rdr.Trailer().Key("Root").Key("Pages"), 0)
	if err != nil {
		return err
	}
	if !found {
		return bad("no page")
	}
	return nil
}

// eofGuard is an io.ReaderAt that panics once it has been asked too often
// to read at or past the end of the input: a well-formed parse does so a
// handful of times, a runaway parser loop without end.
type eofGuard struct {
	r     io.ReaderAt
	size  int64
	atEOF atomic.Int64
}

// maxEOFReads is how many reads at end of input eofGuard allows.
const maxEOFReads = 10000

func (g *eofGuard) ReadAt(p []byte, off int64) (int, error) {
	if off >= g.size && len(p) > 0 {
		if g.atEOF.Add(1) > maxEOFReads {
			panic("PDF parser kept reading past the end of the file")
		}
		return 0, io.EOF
	}
	return g.r.ReadAt(p, off)
}
