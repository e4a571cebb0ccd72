package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// PaperCodeAlphabet are the characters of a paper copy's verification
// code: no 0/O, 1/I/L, U, to be read off paper and typed.
const PaperCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// paperCodeLen is the length of a verification code (30^10, about 2^49).
const paperCodeLen = 10

// PaperVerifyPath is the public verification page under the portal's
// public URL; PaperVerifyParam names the code in its query.
const (
	PaperVerifyPath  = "/xac-thuc"
	PaperVerifyParam = "ban-sao"
)

// Limits of a paper copy.
const (
	// DefaultPaperMaxPages is the most pages of an original converted
	// (PaperCopyConfig.MaxPages).
	DefaultPaperMaxPages = 300
	// maxFrameBytes bounds the frame the converter returns.
	maxFrameBytes = 64 << 20
	// maxOfficerRunes bounds the officer's name, position and agency.
	maxOfficerRunes = 300
)

// PaperCopyConfig configures a PaperCopier.
type PaperCopyConfig struct {
	// Templates hold convert.TemplatePaperCopy; Converter renders it
	// (Gotenberg).
	Templates *convert.Templates
	Converter convert.Converter
	// PublicURL is the portal's public URL: the QR code of a copy opens
	// PublicURL + PaperVerifyPath + "?ban-sao=" + code.
	PublicURL string
	// MaxPages bounds the original's pages (default DefaultPaperMaxPages).
	MaxPages int
	// Timeout bounds one print (default 2 minutes).
	Timeout time.Duration
}

// PaperCopier prints paper copies of the vault's electronic papers
// (Decree 45/2020/NĐ-CP art. 18) and answers the public verification of
// a copy's code. It is safe for concurrent use.
type PaperCopier struct {
	s   *Service
	cfg PaperCopyConfig
}

// NewPaperCopier returns the paper copier of the vault s. Invalid
// "invalid_public_url" for a PublicURL that is not http(s)://HOST[/ROOT].
func NewPaperCopier(s *Service, cfg PaperCopyConfig) (*PaperCopier, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.PublicURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, kerr.New(kerr.Invalid, "invalid_public_url", "Địa chỉ công khai của cổng dịch vụ không hợp lệ.",
			"public URL %q: want http(s)://HOST[/ROOT]", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(u.String(), "/")
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultPaperMaxPages
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	return &PaperCopier{s: s, cfg: cfg}, nil
}

// VerifyURL is the public verification URL of a copy's code.
func (p *PaperCopier) VerifyURL(code string) string {
	return p.cfg.PublicURL + PaperVerifyPath + "?" + PaperVerifyParam + "=" + url.QueryEscape(code)
}

// PaperCopyRequest asks for a paper copy of version Version (0: the
// current one) of document DocumentID, converted by Officer (from the
// staff directory; its Name is required) for Purpose (recorded in the
// owner's ledger; "" : "chuyển đổi sang bản giấy").
type PaperCopyRequest struct {
	DocumentID string
	Version    int
	Officer    PaperOfficer
	Purpose    string
	Dossier    string
}

// Print makes a paper copy: it verifies the version's signatures now,
// renders the frame (convert.TemplatePaperCopy: the conversion mark, the
// officer, the time, the verdict, the QR code of the public verification,
// then a page summing up the verification) through the converter, and
// stamps the original's pages into it with pdfcpu. The original is only
// read. The copy is stored as a blob (content-addressed), then its record
// (PaperCopyStore), then a "paper_copy" entry in the owner's ledger; the
// PDF is handed out only after all three. Each call is a new print with a
// new record and code.
//
// Refusals: Permission "staff_only" for a citizen (Decree 45/2020 art. 18
// lets an agency convert; the owner keeps the electronic original);
// NotFound for an unknown document or version; Invalid "not_pdf" for a
// version that is not a PDF, "not_signed" for a PDF without a signature,
// "pdf_damaged" for one that cannot be read, "officer_required" without
// the officer's name; TooLarge "too_many_pages" past MaxPages;
// Unavailable "verifier_not_configured", "converter_unavailable" or a
// converter that does not answer in time.
func (p *PaperCopier) Print(ctx context.Context, a Actor, r PaperCopyRequest) (PaperCopy, io.ReadCloser, error) {
	s := p.s
	if err := checkActor(a); err != nil {
		return PaperCopy{}, nil, err
	}
	if a.Role == RoleCitizen {
		return PaperCopy{}, nil, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "citizens may not print paper copies")
	}
	off, err := checkOfficer(r.Officer)
	if err != nil {
		return PaperCopy{}, nil, err
	}
	if strings.TrimSpace(r.Purpose) == "" {
		r.Purpose = "chuyển đổi sang bản giấy"
	}
	d, acc, err := s.readDoc(ctx, a, r.DocumentID, Access{Purpose: r.Purpose, Dossier: r.Dossier})
	if err != nil {
		return PaperCopy{}, nil, err
	}
	v, err := s.version(ctx, d, r.Version)
	if err != nil {
		return PaperCopy{}, nil, err
	}
	if v.MediaType != mediaPDF {
		return PaperCopy{}, nil, invalid("not_pdf", "Chỉ chuyển sang bản giấy được giấy tờ điện tử dạng PDF có chữ ký số.",
			"version %d of %s is %s", v.N, d.ID, v.MediaType)
	}
	if s.cfg.Verifier == nil {
		return PaperCopy{}, nil, kerr.New(kerr.Unavailable, "verifier_not_configured",
			"Máy chủ chưa được cấu hình để kiểm tra chữ ký số.", "archive.Config.Verifier is nil")
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	in, release, err := s.spool(ctx, v.Blob, v.Size)
	if err != nil {
		return PaperCopy{}, nil, storeErr("read the original", err)
	}
	defer release()
	rep, err := s.cfg.Verifier.VerifyPDF(ctx, in, v.Size)
	switch {
	case kerr.IsKind(err, kerr.Invalid):
		return PaperCopy{}, nil, kerr.Wrap(err, kerr.Invalid, "pdf_damaged",
			"Tệp PDF của bản gốc bị hỏng hoặc không đọc được nên không chuyển đổi được sang bản giấy.")
	case err != nil:
		return PaperCopy{}, nil, err
	case len(rep.Signatures) == 0:
		return PaperCopy{}, nil, invalid("not_signed", "Giấy tờ điện tử này không có chữ ký số nên không chuyển đổi được sang bản giấy theo Nghị định 45/2020/NĐ-CP.",
			"version %d of %s has no signature", v.N, d.ID)
	}
	orig := io.NewSectionReader(in, 0, v.Size)
	pages, err := guardPDF(func() (int, error) { return pageCount(ctx, orig) })
	if err != nil {
		return PaperCopy{}, nil, err
	}
	if pages < 1 || pages > p.cfg.MaxPages {
		return PaperCopy{}, nil, kerr.New(kerr.TooLarge, "too_many_pages",
			fmt.Sprintf("Giấy tờ có %d trang, vượt quá %d trang chuyển đổi được một lần.", pages, p.cfg.MaxPages),
			"%d pages, limit %d", pages, p.cfg.MaxPages)
	}
	code, err := newPaperCode()
	if err != nil {
		return PaperCopy{}, nil, err
	}
	now := s.nowUTC()
	data := p.frameData(ctx, d, v, rep, off, code, now, pages)
	out, err := p.render(ctx, data, orig, pages)
	if err != nil {
		return PaperCopy{}, nil, err
	}
	hash, size, err := s.blobs.Put(ctx, bytes.NewReader(out), int64(len(out)))
	if err != nil {
		return PaperCopy{}, nil, storeErr("store the paper copy", err)
	}
	c := PaperCopy{ID: NewID(now), Code: code, OwnerID: d.OwnerID, DocumentID: d.ID, Version: v.N, Original: v.Blob,
		Blob: hash, Size: size, Pages: pages, By: a.Subject, ByRole: a.Role, Officer: off, At: now, Verdict: worstVerdict(rep)}
	if err := s.store.AddPaperCopy(ctx, c); err != nil {
		return PaperCopy{}, nil, storeErr("record the paper copy", err)
	}
	if err := s.record(ctx, a, ActionPaperCopy, d, v.N, acc); err != nil {
		return PaperCopy{}, nil, err
	}
	return c, io.NopCloser(bytes.NewReader(out)), nil
}

// render fills the frame and stamps the original into it.
func (p *PaperCopier) render(ctx context.Context, data convert.PaperCopyData, orig io.ReadSeeker, pages int) ([]byte, error) {
	if p.cfg.Templates == nil {
		return nil, kerr.New(kerr.Unavailable, "converter_unavailable", "Dịch vụ chuyển đổi tệp chưa sẵn sàng; vui lòng thử lại sau.", "no templates configured")
	}
	rc, err := p.cfg.Templates.PDF(ctx, p.cfg.Converter, convert.TemplatePaperCopy, data)
	if err != nil {
		return nil, err
	}
	frame, err := io.ReadAll(io.LimitReader(rc, maxFrameBytes+1))
	rc.Close()
	if err != nil {
		return nil, err
	}
	if len(frame) > maxFrameBytes {
		return nil, kerr.New(kerr.TooLarge, "paper_copy_too_large", "Bản chuyển đổi quá lớn.", "frame over %d bytes", maxFrameBytes)
	}
	return stampWithin(ctx, frame, orig, pages)
}

// guardPDF runs f, turning a panic of the PDF library on a hostile file
// into an Invalid error.
func guardPDF(f func() (int, error)) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, kerr.New(kerr.Invalid, "pdf_damaged",
				"Tệp PDF của bản gốc bị hỏng nên không chuyển đổi được sang bản giấy.", "pdfcpu panicked: %v", r)
		}
	}()
	return f()
}

// frameData is what the frame's template shows.
func (p *PaperCopier) frameData(ctx context.Context, d Document, v Version, rep *signing.Report, off PaperOfficer, code string, now time.Time, pages int) convert.PaperCopyData {
	data := convert.PaperCopyData{
		Paper:       convert.PaperCopyPaper{Name: d.Name, Number: d.Number, Issuer: d.Issuer, Version: v.N, SHA256: v.Blob},
		Officer:     convert.PaperCopyOfficer{Name: off.Name, Position: off.Position, Agency: off.Agency},
		ConvertedAt: now,
		Code:        code,
		VerifyURL:   p.VerifyURL(code),
		VerifiedAt:  rep.VerifiedAt,
	}
	if t, _, err := p.s.docType(ctx, d.TypeCode); err == nil && data.Paper.Name == "" {
		data.Paper.Name = t.Name
	}
	if d.IssuedBy != nil {
		data.Paper.Dossier = d.IssuedBy.Dossier
		if data.Paper.Issuer == "" {
			data.Paper.Issuer = d.IssuedBy.AgencyName
		}
	}
	for i := 1; i <= pages; i++ {
		data.Pages = append(data.Pages, i)
	}
	data.QR, _ = convert.PaperQRDataURI(data.VerifyURL)
	data.Verdict, data.Tone = verdictWords(worstVerdict(rep))
	for _, sr := range rep.Signatures {
		ps := convert.PaperCopySignature{Kind: "Chữ ký số", SigningTime: sr.SigningTime, Level: sr.Level}
		if sr.Kind == signing.KindDocTimestamp {
			ps.Kind = "Dấu thời gian của giấy tờ"
		}
		if sr.Signer != nil {
			ps.Signer, ps.Organization = sr.Signer.CommonName, sr.Signer.Organization
			if ps.Organization == ps.Signer {
				ps.Organization = ""
			}
		}
		if ps.Signer == "" {
			ps.Signer = "Không đọc được người ký"
		}
		ps.Status, ps.Tone = signatureWords(sr)
		if ts := sr.Timestamp; ts.Present {
			ps.Timestamp = "Có, không hợp lệ"
			if ts.Valid {
				ps.Timestamp = "Có, hợp lệ, lúc " + ts.Time.In(vietnam).Format("15:04:05 02/01/2006")
				if ts.TSA != "" {
					ps.Timestamp += " (" + ts.TSA + ")"
				}
			}
		}
		data.Signatures = append(data.Signatures, ps)
	}
	return data
}

// worstVerdict is the worst verdict of the report's signatures.
func worstVerdict(rep *signing.Report) signing.Verdict {
	worst := signing.TotalPassed
	for _, sr := range rep.Signatures {
		if verdictRank(sr.Verdict) > verdictRank(worst) {
			worst = sr.Verdict
		}
	}
	return worst
}

// verdictWords says a verdict in Vietnamese, with its tone.
func verdictWords(v signing.Verdict) (string, string) {
	switch v {
	case signing.TotalPassed:
		return "Hợp lệ", "ok"
	case signing.TotalFailed:
		return "Không hợp lệ", "bad"
	}
	return "Chưa xác định được", "unknown"
}

// signatureWords says one signature's verdict in Vietnamese: an
// undecided one says why when the reason is the signer's trust.
func signatureWords(sr *signing.SignatureReport) (string, string) {
	words, tone := verdictWords(sr.Verdict)
	if sr.Verdict == signing.Indeterminate && sr.Integrity && sr.CryptoValid && !sr.ChainTrusted {
		words = "Chưa xác định được độ tin cậy của người ký"
	}
	return words, tone
}

// checkOfficer trims and bounds the officer's names.
func checkOfficer(o PaperOfficer) (PaperOfficer, error) {
	o.Name, o.Position, o.Agency = strings.TrimSpace(o.Name), strings.TrimSpace(o.Position), strings.TrimSpace(o.Agency)
	if o.Name == "" {
		return o, invalid("officer_required", "Cần ghi họ tên cán bộ chuyển đổi.", "no officer name")
	}
	for _, f := range []string{o.Name, o.Position, o.Agency} {
		if err := checkText("officer", f, maxOfficerRunes, "officer_too_long", "Họ tên, chức vụ hoặc cơ quan của cán bộ quá dài (tối đa 300 ký tự)."); err != nil {
			return o, err
		}
	}
	return o, nil
}

// newPaperCode is a random verification code.
func newPaperCode() (string, error) {
	var b [paperCodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được mã xác thực.")
	}
	for i := range b {
		b[i] = PaperCodeAlphabet[int(b[i])%len(PaperCodeAlphabet)]
	}
	return string(b[:]), nil
}

// ValidPaperCode reports whether s has the shape of a verification code.
func ValidPaperCode(s string) bool {
	if len(s) != paperCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(PaperCodeAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

// PaperCopyCheck is what anyone holding a paper copy learns from its
// code: which version of the paper it was printed from (its hash), the
// verification of that original's signatures now, and, for a paper an
// agency issued, what the issuing system says of it (PublicPaper). Nothing
// of the paper's content, owner or fields.
type PaperCopyCheck struct {
	Code      string
	PrintedAt time.Time
	// Agency is the converting officer's agency, as printed.
	Agency  string
	Version int
	SHA256  string
	Report  *signing.Report
	Paper   *PublicPaper
}

// Check answers the public verification of a copy's code: it verifies
// the original version's signatures now with the vault's verifier. It
// records nothing in the owner's ledger: nothing of the paper is read out.
// NotFound "paper_copy_not_found" for a code that is malformed or names
// no copy; Unavailable "verifier_not_configured" without a verifier.
func (p *PaperCopier) Check(ctx context.Context, code string) (PaperCopyCheck, error) {
	s := p.s
	notFound := kerr.New(kerr.NotFound, "paper_copy_not_found", "Không tìm thấy bản chuyển đổi có mã xác thực này.", "no paper copy %q", code)
	code = strings.ToUpper(strings.TrimSpace(code))
	if !ValidPaperCode(code) {
		return PaperCopyCheck{}, notFound
	}
	c, err := s.store.PaperCopyByCode(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		return PaperCopyCheck{}, notFound
	}
	if err != nil {
		return PaperCopyCheck{}, storeErr("get paper copy", err)
	}
	if s.cfg.Verifier == nil {
		return PaperCopyCheck{}, kerr.New(kerr.Unavailable, "verifier_not_configured",
			"Máy chủ chưa được cấu hình để kiểm tra chữ ký số.", "archive.Config.Verifier is nil")
	}
	v, err := s.store.GetVersion(ctx, c.DocumentID, c.Version)
	if kerr.IsKind(err, kerr.NotFound) {
		return PaperCopyCheck{}, notFound
	}
	if err != nil {
		return PaperCopyCheck{}, storeErr("get version", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.verifyTimeout())
	defer cancel()
	in, release, err := s.spool(ctx, v.Blob, v.Size)
	if err != nil {
		return PaperCopyCheck{}, storeErr("read the original", err)
	}
	defer release()
	rep, err := s.cfg.Verifier.VerifyPDF(ctx, in, v.Size)
	if err != nil {
		return PaperCopyCheck{}, err
	}
	out := PaperCopyCheck{Code: c.Code, PrintedAt: c.At, Agency: c.Officer.Agency, Version: c.Version, SHA256: v.Blob, Report: rep}
	if pp, err := s.PublicPaper(ctx, c.DocumentID); err == nil {
		out.Paper = &pp
	} else if !kerr.IsKind(err, kerr.NotFound) {
		return PaperCopyCheck{}, err
	}
	return out, nil
}
