package workflow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// IssuedResult is the paper a dossier issues into the applicant's vault
// (2025 item 6): its type, its number — reserved on the dossier before
// anything is issued, so that a retry issues the same paper under the same
// number — and, once issued, the vault document.
type IssuedResult struct {
	TypeCode string `json:"typeCode"`
	Name     string `json:"name"`
	// Number is the result's number (số hiệu): NNNN/YYYY/SYMBOL, from a
	// counter of the competent agency and the year.
	Number string `json:"number"`
	// DocumentID is the document in the applicant's vault; "" while the
	// number is reserved and the paper not yet issued.
	DocumentID string    `json:"documentId,omitempty"`
	ReservedAt time.Time `json:"reservedAt"`
	IssuedAt   time.Time `json:"issuedAt,omitzero"`
	// By is the leader who signed it.
	By string `json:"by"`
}

// ResultSigner signs the PDF of a result in the name of the competent
// agency: first the leader's personal signature, then the agency's seal,
// each an incremental update, so the paper carries two signatures in that
// order. Errors are kerr errors (Permission when the leader has no key,
// Unavailable when a key or the time-stamp authority cannot be reached).
type ResultSigner interface {
	// Ready says, before anything is made, whether r can be signed: the
	// errors SignResult would give for a missing key.
	Ready(r SignRequest) error
	SignResult(ctx context.Context, r SignRequest, pdf []byte) ([]byte, error)
	// Keys lists the personal keys the leader (a staff subject) may
	// choose from (SignRequest.Key); none when they have no key.
	Keys(leader string) []KeyChoice
}

// SignRequest says who signs a result and for which dossier.
type SignRequest struct {
	Agency     string // the competent agency's code: whose seal
	AgencyName string
	Leader     string // the leader's staff subject: whose personal key
	LeaderName string
	// Key is the name of the leader's key chosen ("" = their only one).
	Key     string
	Dossier string
	Number  string
}

// ResultVault is what issuing needs of the vault (archive.Service is one):
// issuing the result, storing a refused dossier's files, reading an issued
// paper's current status, and its public status for the verifier.
type ResultVault interface {
	Issue(ctx context.Context, a archive.Actor, r archive.IssueRequest) (archive.Document, error)
	StoreRefused(ctx context.Context, a archive.Actor, owner string, agency archive.Agency, dossier string, files []archive.RefusedFile) ([]archive.Document, error)
	Get(ctx context.Context, a archive.Actor, id string, acc archive.Access) (archive.Document, error)
	Open(ctx context.Context, a archive.Actor, id string, n int, acc archive.Access) (*archive.Content, error)
	PublicPaper(ctx context.Context, id string) (archive.PublicPaper, error)
}

// Results is how a dossier's result is made and issued: the result
// templates and the converter that renders them to PDF/A (Gotenberg; the
// demo's convert/basicpdf makes a plain PDF, NOT PDF/A), the signer, and
// the vault the paper goes into. PublicURL is the base of the lookup URL
// printed as a QR code ("" prints none).
type Results struct {
	Templates *convert.Templates
	// Converter renders the page; nil (no Gotenberg configured) makes
	// IssueResult answer Unavailable "converter_unavailable".
	Converter convert.Converter
	Signer    ResultSigner
	Vault     ResultVault
	PublicURL string
}

// errNoConverter is the answer when no result can be rendered.
func errNoConverter(detail string) error {
	return kerr.New(kerr.Unavailable, "converter_unavailable",
		"Dịch vụ chuyển đổi tệp tạm thời không khả dụng nên chưa tạo được giấy tờ kết quả; vui lòng thử lại sau.", "%s", detail)
}

// IssueResult signs an approved dossier's result and returns it into the
// applicant's vault: the leader's sign action (ActionSign) made whole.
//
//  1. The result's number is reserved on the dossier (one guarded update,
//     the state unchanged): NNNN/YYYY/SYMBOL from the competent agency's
//     counter of the year. A retry uses the number reserved.
//  2. The procedure's result template (by its result document type, see
//     resultKinds) is filled from the dossier — applicant, eForm data,
//     number, dates — and rendered to PDF/A-2b by the converter (a plain
//     PDF by the demo's convert/basicpdf).
//  3. The PDF is signed: the leader's personal signature, then the seal.
//  4. archive.Issue stores it in the applicant's vault as an issued
//     result (type code, number, validity, the dossier named in IssuedBy),
//     idempotent by agency, dossier and number: a retry after a crash at
//     any step issues one paper.
//  5. The sign transition moves the dossier to "Đã xử lý xong" with the
//     document's ID on it (Dossier.Result) and its trail entry.
//
// A second call on a dossier already issued returns it unchanged. The
// errors are Act's for the sign action (role_not_allowed for anyone but a
// leader of the competent agency, illegal_transition before approval,
// dossier_changed), and Unavailable "converter_unavailable" when the
// converter is not configured or down — then nothing is issued and the
// dossier stays approved (with its number reserved).
func (s *Service) IssueResult(ctx context.Context, a archive.Actor, code string, rev int64) (View, error) {
	return s.issueResult(ctx, a, code, rev, "")
}

// maxKeyNameRunes bounds the name of a chosen key.
const maxKeyNameRunes = 128

// issueResult is IssueResult with the leader's key chosen by name ("" =
// their only one): Invalid "sign_key_required" or "sign_key_unknown"
// (ResultSigner.Ready) before anything is made.
func (s *Service) issueResult(ctx context.Context, a archive.Actor, code string, rev int64, key string) (View, error) {
	d, staff, err := s.load(ctx, a, code)
	if err != nil {
		return View{}, err
	}
	if d.Result != nil && d.Result.DocumentID != "" && d.Status != StatusProcessing {
		if !slices.Contains(actingRoles(d, a, staff), RoleLeader) {
			return View{}, kerr.New(kerr.Permission, "role_not_allowed",
				fmt.Sprintf("Thao tác «%s» chỉ dành cho %s.", ActionSign.Label(), "lãnh đạo đơn vị"), "%q is not a leader of %s", a.Subject, d.HandlingAgency)
		}
		return s.view(d, a, staff), nil
	}
	if rev != 0 && rev != d.Rev {
		return View{}, errChanged(code, "revision %d, not %d", d.Rev, rev)
	}
	row, ok := Lookup(ActionSign, d.State())
	if !ok {
		return View{}, errIllegal(ActionSign, d)
	}
	if _, err := actingRole(d, a, staff, row); err != nil {
		return View{}, err
	}
	r := s.results
	if r == nil || r.Templates == nil || r.Vault == nil || r.Signer == nil {
		return View{}, errNoConverter("the workflow has no result templates, signer or vault (workflow.Config.Results)")
	}
	if r.Converter == nil || (reflect.ValueOf(r.Converter).Kind() == reflect.Pointer && reflect.ValueOf(r.Converter).IsNil()) {
		return View{}, errNoConverter("no converter configured (kho serve --gotenberg-url)")
	}
	key = strings.TrimSpace(key)
	if err := checkText("key", "Khóa ký số", key, maxKeyNameRunes, false); err != nil {
		return View{}, err
	}
	sr := SignRequest{Agency: d.HandlingAgency, AgencyName: d.HandlingAgencyName, Leader: a.Subject, LeaderName: staff.Name, Dossier: d.Code, Key: key}
	if err := r.Signer.Ready(sr); err != nil {
		return View{}, err
	}
	proc, err := s.getProcedure(ctx, d.Procedure)
	if err != nil {
		return View{}, err
	}
	res, kind, err := resultOf(proc)
	if err != nil {
		return View{}, err
	}
	if d.Result == nil {
		if d, err = s.reserveResult(ctx, d, res, kind, a); err != nil {
			return View{}, err
		}
	}
	page, err := s.renderResult(ctx, d, kind, staff)
	if err != nil {
		return View{}, err
	}
	sr.Number = d.Result.Number
	signed, err := r.Signer.SignResult(ctx, sr, page)
	if err != nil {
		return View{}, err
	}
	issuer := archive.Actor{Subject: a.Subject, Role: a.Role, Agency: d.HandlingAgency}
	req := archive.IssueRequest{Owner: d.Applicant.ID, Kind: archive.IssueResult, TypeCode: d.Result.TypeCode, Name: d.Result.Name,
		Summary: d.ProcedureName + " — hồ sơ " + d.Code, Number: d.Result.Number, IssuedAt: d.Result.ReservedAt,
		Agency: archive.Agency{Code: d.HandlingAgency, Name: d.HandlingAgencyName}, Dossier: d.Code, Procedure: d.Procedure,
		Fields: kind.fields(d), Upload: archive.Upload{Body: bytes.NewReader(signed), Size: int64(len(signed)),
			FileName: resultFileName(d), MediaType: "application/pdf"}}
	kind.validity(&req, d.Result.ReservedAt)
	doc, err := r.Vault.Issue(ctx, issuer, req)
	if err != nil {
		return View{}, err
	}
	return s.act(ctx, a, code, ActInput{Action: ActionSign}, func(n *Dossier) {
		ir := *n.Result
		ir.DocumentID, ir.IssuedAt = doc.ID, doc.CreatedAt.UTC().Truncate(time.Millisecond)
		n.Result = &ir
	})
}

// errIllegal refuses action on d's state.
func errIllegal(action Action, d Dossier) error {
	return kerr.New(kerr.Conflict, "illegal_transition",
		fmt.Sprintf("Không thể «%s» khi hồ sơ đang ở trạng thái «%s».", action.Label(), d.Status.Label()),
		"no transition %s from %s", action, d.State())
}

// resultCounterDay is the key of the result counter of a year in the
// dossier counters (DossierStore.NextDossierNumber): never a YYMMDD day.
func resultCounterDay(year int) string { return "result-" + strconv.Itoa(year) }

// reserveResult takes the result's number from the agency's counter of the
// year and stores it on d, the state unchanged.
func (s *Service) reserveResult(ctx context.Context, d Dossier, res Result, kind resultKind, a archive.Actor) (Dossier, error) {
	now := s.nowUTC()
	year := now.In(Vietnam).Year()
	n, err := s.store.NextDossierNumber(ctx, d.HandlingAgency, resultCounterDay(year))
	if err != nil {
		return Dossier{}, storeErr("next result number", err)
	}
	next := d
	next.Result = &IssuedResult{TypeCode: res.TypeCode, Name: nonEmpty(res.Name, kind.name), Number: fmt.Sprintf("%04d/%d/%s", n, year, kind.symbol),
		ReservedAt: now, By: a.Subject}
	next.UpdatedAt, next.Rev = later(now, d.UpdatedAt), d.Rev+1
	if err := s.updateDossier(ctx, next, d.Status); err != nil {
		return Dossier{}, updateErr(d.Code, err)
	}
	return next, nil
}

// maxResultPDF bounds a rendered result read into memory for signing.
const maxResultPDF = 64 << 20

// renderResult fills the result template of kind from d and renders it.
func (s *Service) renderResult(ctx context.Context, d Dossier, kind resultKind, leader *Staff) ([]byte, error) {
	agency, err := s.handlingAgency(ctx, d)
	if err != nil {
		return nil, err
	}
	h := convert.ResultHeader{
		Agency:   agency,
		Number:   d.Result.Number,
		IssuedAt: d.Result.ReservedAt,
		// The title of who signs: the rules print the leader's position.
		SignerTitle: "LÃNH ĐẠO ĐƠN VỊ",
		Code:        d.Code,
	}
	if leader != nil {
		h.SignerName = leader.Name
	}
	if s.results.PublicURL != "" {
		qr, err := convert.QRDataURI(s.results.PublicURL, d.Code)
		if err != nil {
			return nil, err
		}
		h.QR = qr
	}
	rc, err := s.results.Templates.PDF(ctx, s.results.Converter, kind.template, kind.data(d, h))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxResultPDF+1))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.KindOf(err), "converter_failed", "Không nhận được tệp kết quả từ dịch vụ chuyển đổi tệp.")
	}
	if len(b) > maxResultPDF {
		return nil, kerr.New(kerr.TooLarge, "result_too_large", "Tệp giấy tờ kết quả quá lớn.", "result PDF over %d bytes", maxResultPDF)
	}
	return b, nil
}

// resultFileName is the file name of a dossier's result.
func resultFileName(d Dossier) string { return "ket-qua-" + d.Code + ".pdf" }

// ResultView is a dossier's issued result with its current status in the
// vault: the agency may have revoked or superseded it since.
type ResultView struct {
	IssuedResult
	// Status is the paper's status today (valid, revoked, superseded,
	// expired); StatusLabel says it in Vietnamese.
	Status      archive.Status        `json:"status"`
	StatusLabel string                `json:"statusLabel"`
	Change      *archive.StatusChange `json:"statusChange,omitempty"`
	// Version is the paper's current version in the vault, for a page's
	// download link (not in the API's answer).
	Version int `json:"-"`
}

// PaperStatusLabel is a paper's status as people read it.
func PaperStatusLabel(st archive.Status) string {
	switch st {
	case archive.StatusValid:
		return "Còn hiệu lực"
	case archive.StatusRevoked:
		return "Đã bị thu hồi"
	case archive.StatusSuperseded:
		return "Đã bị thay thế"
	case archive.StatusExpired:
		return "Hết hiệu lực"
	}
	return string(st)
}

// Result returns the result a dossier issued with its status read from the
// vault now, as the caller: the applicant reads their own paper, staff of
// the dossier's agencies read it for the purpose they give (required for
// them: Invalid "purpose_required"), recorded with the dossier in the
// applicant's ledger, as every staff read is. It is a call of its
// own, not part of every dossier view: a view is built for listings too,
// and reading the vault there would cost a read and a ledger entry per
// dossier listed.
//
// NotFound "result_not_issued" when the dossier has issued no paper (yet);
// load's errors; the vault's (a representative, who may not read the
// applicant's vault, gets its NotFound).
func (s *Service) Result(ctx context.Context, a archive.Actor, code, purpose string) (ResultView, error) {
	d, _, err := s.load(ctx, a, code)
	if err != nil {
		return ResultView{}, err
	}
	if d.Result == nil || d.Result.DocumentID == "" {
		return ResultView{}, kerr.New(kerr.NotFound, "result_not_issued", "Hồ sơ chưa có giấy tờ kết quả được cấp.", "dossier %s has issued no result", code)
	}
	if s.results == nil || s.results.Vault == nil {
		return ResultView{}, kerr.New(kerr.Unavailable, "vault_unavailable", "Chưa đọc được tình trạng giấy tờ kết quả; vui lòng thử lại sau.",
			"workflow.Config.Results.Vault is not set")
	}
	doc, err := s.results.Vault.Get(ctx, a, d.Result.DocumentID, archive.Access{Purpose: purpose, Dossier: d.Code})
	if err != nil {
		return ResultView{}, err
	}
	st := doc.EffectiveStatus(archive.DateOf(s.now().In(Vietnam)))
	return ResultView{IssuedResult: *d.Result, Status: st, StatusLabel: PaperStatusLabel(st), Change: doc.StatusChange, Version: doc.Current.N}, nil
}

// SignKeys lists the personal keys the caller may sign results with
// (ActInput.Key names one): their own only, by their staff subject, so
// nobody learns of another leader's keys. None without a result signer.
// Permission "staff_only" for anyone but staff.
func (s *Service) SignKeys(ctx context.Context, a archive.Actor) ([]KeyChoice, error) {
	if a.Role != archive.RoleStaff {
		return nil, kerr.New(kerr.Permission, "staff_only", "Chỉ cán bộ của cơ quan được ký số kết quả.", "role %q lists no signing keys", a.Role)
	}
	if s.results == nil || s.results.Signer == nil {
		return nil, nil
	}
	return s.results.Signer.Keys(a.Subject), nil
}
