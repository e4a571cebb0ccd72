package workflow

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// SlipKind names a slip of a dossier (2025 appendix item 19; Circular
// 01/2018/TT-VPCP forms 01 to 05 and the evaluation): the name of its
// template in package convert.
type SlipKind string

// The slips of a dossier.
const (
	SlipReceipt    SlipKind = convert.TemplateReceipt    // Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	SlipSupplement SlipKind = convert.TemplateSupplement // Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	SlipRefusal    SlipKind = convert.TemplateRefusal    // Phiếu từ chối tiếp nhận giải quyết hồ sơ
	SlipApology    SlipKind = convert.TemplateApology    // Phiếu xin lỗi và hẹn lại ngày trả kết quả
	SlipControl    SlipKind = convert.TemplateControl    // Phiếu kiểm soát quá trình giải quyết hồ sơ
	SlipEvaluation SlipKind = convert.TemplateEvaluation // Phiếu đánh giá
)

// SlipKinds lists the slips in the order of the rules.
var SlipKinds = []SlipKind{SlipReceipt, SlipSupplement, SlipRefusal, SlipApology, SlipControl, SlipEvaluation}

// Label is the slip's title as printed.
func (k SlipKind) Label() string {
	switch k {
	case SlipReceipt:
		return "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
	case SlipSupplement:
		return "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"
	case SlipRefusal:
		return "Phiếu từ chối tiếp nhận giải quyết hồ sơ"
	case SlipApology:
		return "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
	case SlipControl:
		return "Phiếu kiểm soát quá trình giải quyết hồ sơ"
	case SlipEvaluation:
		return "Phiếu đánh giá"
	}
	return string(k)
}

// Valid reports whether k is a known slip.
func (k SlipKind) Valid() bool { return k.Label() != string(k) }

// fileStem is the start of a slip's file name.
func (k SlipKind) fileStem() string {
	switch k {
	case SlipReceipt:
		return "giay-tiep-nhan"
	case SlipSupplement:
		return "phieu-yeu-cau-bo-sung"
	case SlipRefusal:
		return "phieu-tu-choi"
	case SlipApology:
		return "phieu-xin-loi-hen-lai"
	case SlipControl:
		return "phieu-kiem-soat"
	}
	return "phieu-danh-gia"
}

// ForApplicant reports whether the dossier's parties may print slip k
// (every slip but the process control, which is the agency's own).
func (k SlipKind) ForApplicant() bool { return k != SlipControl }

// Printer prints the slips: it fills a template of package convert with
// its data (convert.SlipData, convert.BookData) and converts the page to
// PDF, and makes the QR code of a dossier's public lookup. ConvertPrinter
// is the one kho serve uses.
type Printer interface {
	// PDF fills template name with data and returns the PDF.
	PDF(ctx context.Context, name string, data any) (io.ReadCloser, error)
	// LookupQR is the data URI of the QR code of the public lookup URL of
	// dossier code; "" when no public URL is configured (the slip then
	// prints without a QR code).
	LookupQR(code string) (string, error)
}

// ConvertPrinter prints with convert's templates and converter; the QR
// codes point to PublicURL/tra-cuu/<code> (convert.LookupURL).
type ConvertPrinter struct {
	Templates *convert.Templates
	// Converter is nil when none is configured: every print is then
	// Unavailable "converter_unavailable".
	Converter convert.Converter
	PublicURL string
}

// PDF fills template name with data and converts it to PDF/A (a plain
// PDF, not PDF/A, with the demo's convert/basicpdf).
func (p ConvertPrinter) PDF(ctx context.Context, name string, data any) (io.ReadCloser, error) {
	if p.Templates == nil {
		return nil, errNoPrinter()
	}
	return p.Templates.PDF(ctx, p.Converter, name, data)
}

// LookupQR is the QR data URI of dossier code's public lookup, "" without
// a public URL.
func (p ConvertPrinter) LookupQR(code string) (string, error) {
	if p.PublicURL == "" {
		return "", nil
	}
	return convert.QRDataURI(p.PublicURL, code)
}

func errNoPrinter() error {
	return kerr.New(kerr.Unavailable, "converter_unavailable",
		"Hệ thống chưa kết nối được dịch vụ chuyển đổi tệp nên chưa in được phiếu; vui lòng thử lại sau.",
		"no printer configured (kho serve --gotenberg-url)")
}

func errSlipNotAvailable(k SlipKind, detail string, args ...any) error {
	return kerr.New(kerr.Conflict, "slip_not_available",
		fmt.Sprintf("Hồ sơ chưa có «%s»: việc cần có phiếu này chưa diễn ra.", k.Label()), detail, args...)
}

// Slip prints slip kind of dossier code as a PDF, with the name of its
// file. The slip is made from the dossier's record and trail only — the
// dates are those of the trail, the print time is not shown — so the
// same slip printed again later is the same.
//
// The dossier's applicant and representative may print their slips
// (every kind but the process control: Permission "slip_staff_only");
// staff of the receiving or competent agency print all of them, as they
// read the dossier (Get). Anyone else gets NotFound "dossier_not_found",
// as for a dossier that does not exist. A slip whose event has not
// happened (a supplement slip for a dossier never asked for a
// supplement) is Conflict "slip_not_available"; an unknown kind Invalid
// "unknown_slip"; no printer configured Unavailable
// "converter_unavailable".
//
// A slip carries the applicant's name and papers: staff print it for a
// purpose (Invalid "purpose_required" without one), recorded in the
// applicant's ledger with the dossier before the slip is printed, as Read
// records a read; the applicant's own prints give none and are not
// recorded.
func (s *Service) Slip(ctx context.Context, a archive.Actor, code string, kind SlipKind, purpose string) (io.ReadCloser, string, error) {
	purpose = strings.TrimSpace(purpose)
	if a.Role != archive.RoleCitizen && purpose == "" {
		return nil, "", kerr.New(kerr.Invalid, "purpose_required", "Cán bộ cần nêu mục đích in phiếu của hồ sơ (tham số purpose).",
			"staff and admin must give the purpose of printing a dossier's slip")
	}
	d, staff, err := s.load(ctx, a, code)
	if kerr.IsKind(err, kerr.Permission) && a.Role == archive.RoleStaff {
		if ke := kerr.Outer(err); ke != nil && ke.Code == "other_agency" {
			err = errDossierNotFound(code)
		}
	}
	if err != nil {
		return nil, "", err
	}
	if a.Role != archive.RoleCitizen && staff == nil {
		return nil, "", errDossierNotFound(code)
	}
	if !kind.Valid() {
		return nil, "", invalid("unknown_slip", "Không có loại phiếu này (receipt, supplement, refusal, apology, control, evaluation).",
			"slip kind %q", kind)
	}
	if staff == nil && !kind.ForApplicant() {
		return nil, "", kerr.New(kerr.Permission, "slip_staff_only",
			"Phiếu kiểm soát quá trình giải quyết hồ sơ chỉ dành cho cán bộ giải quyết hồ sơ.", "%s is the agency's slip", kind)
	}
	data, err := s.slipData(ctx, d, kind)
	if err != nil {
		return nil, "", err
	}
	if staff != nil {
		if err := s.vault.RecordDossierRead(ctx, a, d.Applicant.ID, archive.Access{Purpose: purpose, Dossier: d.Code}); err != nil {
			return nil, "", err
		}
	}
	if s.printer == nil {
		return nil, "", errNoPrinter()
	}
	if data.QR, err = s.printer.LookupQR(d.Code); err != nil {
		return nil, "", err
	}
	pdf, err := s.printer.PDF(ctx, string(kind), data)
	if err != nil {
		return nil, "", err
	}
	return pdf, kind.fileStem() + "-" + d.Code + ".pdf", nil
}

// lastEntry is the last trail entry of one of the actions, and whether
// there is one.
func lastEntry(d Dossier, acts ...Action) (TrailEntry, bool) {
	for i := len(d.Trail) - 1; i >= 0; i-- {
		if slices.Contains(acts, d.Trail[i].Action) {
			return d.Trail[i], true
		}
	}
	return TrailEntry{}, false
}

// dueBefore is the dossier's due time as the trail had it just before
// entry seq: the due time the last earlier entry set.
func dueBefore(d Dossier, seq int) time.Time {
	for i := len(d.Trail) - 1; i >= 0; i-- {
		if e := d.Trail[i]; e.Seq < seq && !e.DueAt.IsZero() {
			return e.DueAt
		}
	}
	return time.Time{}
}

// changedDue is the due time an action set (n after d), zero when it did
// not change it: what its trail entry keeps.
func changedDue(d, n Dossier) time.Time {
	if n.DueAt.Equal(d.DueAt) {
		return time.Time{}
	}
	return n.DueAt
}

// SlipReady reports whether slip k of d can be printed: whether the
// event it records has happened — the reception (receipt, process
// control), a supplement request, a refusal at intake, a new appointment
// (an extension, or the deadline scan's apology), the end of the dossier
// for its applicant (evaluation). Slip answers Conflict
// "slip_not_available" for a slip that is not ready.
func SlipReady(d Dossier, k SlipKind) bool {
	switch k {
	case SlipReceipt, SlipControl:
		_, ok := lastEntry(d, ActionReceive)
		return ok
	case SlipSupplement:
		_, ok := lastEntry(d, ActionRequestSupplement)
		return ok
	case SlipRefusal:
		_, ok := lastEntry(d, ActionRefuseIntake)
		return ok
	case SlipApology:
		if l := d.Lateness; l != nil && l.State == LateOverdue && !l.NewDue.IsZero() {
			return true
		}
		_, ok := lastEntry(d, ActionExtend)
		return ok
	case SlipEvaluation:
		return evaluable(d.Status)
	}
	return false
}

// slipData maps d into the data of slip k, from its record and trail.
func (s *Service) slipData(ctx context.Context, d Dossier, k SlipKind) (convert.SlipData, error) {
	if !SlipReady(d, k) {
		return convert.SlipData{}, errSlipNotAvailable(k, "dossier %s is %s: the event of slip %s has not happened", d.Code, d.State(), k)
	}
	agency, err := s.printedAgency(ctx, d.Agency, d.AgencyName)
	if err != nil {
		return convert.SlipData{}, err
	}
	data := convert.SlipData{
		Code:      d.Code,
		Procedure: d.ProcedureName,
		Agency:    agency,
		Applicant: convert.Person{Name: d.Applicant.Name, Address: d.Applicant.Address, Phone: d.Applicant.Phone, Email: d.Applicant.Email,
			IDNumber: d.Applicant.ID},
		Request:        d.ProcedureName,
		Sets:           1,
		ResolutionTime: resolutionWords(d.Resolution),
		ReturnAt:       returnPlace(d),
	}
	if d.Representative != nil {
		data.Request += " (nộp thay bởi " + d.Representative.Name + ")"
	}
	receipt, received := lastEntry(d, ActionReceive)
	if received {
		data.ReceivedAt, data.DueAt = receipt.At, receipt.DueAt
	}
	switch k {
	case SlipReceipt:
		data.Officer, data.IssuedAt = receipt.Name, receipt.At
		comps, err := s.slipComponents(ctx, d)
		if err != nil {
			return data, err
		}
		data.Components = comps
	case SlipSupplement:
		e, _ := lastEntry(d, ActionRequestSupplement)
		data.Reasons, data.Instructions = slices.Clone(e.Items), e.Reason
		data.Officer, data.Contact, data.IssuedAt = e.Name, nonEmpty(e.Name, d.AgencyName), e.At
		if !received {
			data.ReceivedAt = nonZero(d.SubmittedAt, d.CreatedAt)
		}
	case SlipRefusal:
		e, _ := lastEntry(d, ActionRefuseIntake)
		data.Reasons, data.Officer, data.IssuedAt = []string{e.Reason}, e.Name, e.At
		if p, err := s.store.GetProcedureRecord(ctx, d.Procedure); err == nil {
			data.LegalBasis = strings.Join(p.LegalBasis, "; ")
		}
	case SlipApology:
		// The newer of the two: the deadline scan's apology (an extension
		// clears the mark, so a mark still there came after it) or the
		// last extension staff gave.
		if l := d.Lateness; l != nil && l.State == LateOverdue && !l.NewDue.IsZero() {
			data.DueAt, data.NewDueAt = l.Due, l.NewDue
			data.Reasons, data.Signer, data.IssuedAt = []string{l.Reason}, strings.ToUpper(RoleLeader.Label()), l.Since
		} else {
			e, _ := lastEntry(d, ActionExtend)
			data.DueAt, data.NewDueAt = dueBefore(d, e.Seq), e.DueAt
			data.Reasons, data.Officer, data.Signer, data.IssuedAt = []string{e.Reason}, e.Name, strings.ToUpper(e.Role.Label()), e.At
		}
		if data.Agency, err = s.handlingAgency(ctx, d); err != nil {
			return data, err
		}
	case SlipControl:
		data.Steps = controlSteps(d, receipt.Seq)
		data.IssuedAt = d.Trail[len(d.Trail)-1].At
		data.DueAt = nonZero(d.DueAt, data.DueAt)
		if data.Agency, err = s.handlingAgency(ctx, d); err != nil {
			return data, err
		}
	case SlipEvaluation:
		data.IssuedAt = d.Trail[len(d.Trail)-1].At
		for _, c := range evaluationCriteria {
			data.Ratings = append(data.Ratings, convert.Rating{Criterion: c})
		}
	}
	return data, nil
}

// evaluationCriteria are the criteria of the evaluation slip (Circular
// 01/2018/TT-VPCP art. 12), answered by the applicant by hand.
var evaluationCriteria = []string{
	"Tiếp nhận hồ sơ",
	"Hướng dẫn kê khai, hoàn thiện hồ sơ",
	"Thời gian giải quyết",
	"Thái độ, tinh thần phục vụ của công chức",
	"Kết quả giải quyết thủ tục hành chính",
}

// evaluable reports whether a dossier in status st is done for its
// applicant: its result is ready or returned, or it was closed.
func evaluable(st Status) bool {
	return st == StatusAwaitingReturn || st.Final()
}

// slipComponents lists d's components with the procedure's names.
func (s *Service) slipComponents(ctx context.Context, d Dossier) ([]convert.Component, error) {
	names := map[string]string{}
	p, err := s.store.GetProcedureRecord(ctx, d.Procedure)
	switch {
	case err == nil:
		for _, c := range p.Components {
			names[c.Code] = c.Name
		}
	case !kerr.IsKind(err, kerr.NotFound):
		return nil, storeErr("get procedure", err)
	}
	out := make([]convert.Component, 0, len(d.Components))
	for _, f := range d.Components {
		form := "Bản điện tử (tải lên)"
		switch f.Source {
		case SourceReuse:
			form = "Bản điện tử (tái sử dụng từ Kho)"
		case SourceForm:
			form = "Biểu mẫu điện tử"
		}
		if !d.Channel.Online() && f.Source == SourceUpload {
			form = "Bản giấy (số hóa)"
		}
		out = append(out, convert.Component{Name: nonEmpty(names[f.Code], f.Code), Form: form, Copies: 1})
	}
	return out, nil
}

// controlSteps are the hand-overs of d from its reception (entry seq
// from) on: each action that moved the dossier to another holder, with
// whether it came before, on or after the due day then in force.
func controlSteps(d Dossier, from int) []convert.ControlStep {
	var out []convert.ControlStep
	for _, e := range d.Trail {
		if e.Seq <= from || e.From == e.To {
			continue
		}
		step := convert.ControlStep{
			From:     nonEmpty(e.Name, e.Actor) + " (" + e.Role.Label() + ")",
			To:       holder(d, e.To),
			HandedAt: e.At,
			Note:     e.Action.Label(),
		}
		if due := dueBefore(d, e.Seq+1); !due.IsZero() {
			step.Outcome = outcome(e.At, due)
		}
		out = append(out, step)
	}
	return out
}

// outcome compares a hand-over with the due time: "Trước hạn" before the
// due day, "Đúng hạn" on it, "Quá hạn" after.
func outcome(at, due time.Time) string {
	switch a, b := longDay(at), longDay(due); {
	case at.After(due):
		return "Quá hạn"
	case a == b:
		return "Đúng hạn"
	}
	return "Trước hạn"
}

// longDay is t's day in Vietnam as YYYYMMDD.
func longDay(t time.Time) string { return t.In(Vietnam).Format("20060102") }

// holder is who has the dossier in state st, as the control slip names
// them.
func holder(d Dossier, st State) string {
	agency := nonEmpty(d.HandlingAgencyName, d.HandlingAgency)
	switch {
	case st.Status == StatusProcessing && st.Stage.owner() == RoleAppraiser && d.Handler != nil:
		return d.Handler.Name + " (" + RoleAppraiser.Label() + ")"
	case st.Status == StatusProcessing:
		return st.Stage.owner().Label() + " - " + agency
	case st.Status == StatusSupplementRequested || st.Status == StatusPaymentRequired || st.Status.Final():
		return RoleApplicant.Label()
	}
	return "Bộ phận Một cửa - " + nonEmpty(d.AgencyName, d.Agency)
}

// returnPlace is where d's result is returned.
func returnPlace(d Dossier) string {
	place := "Bộ phận Một cửa - " + nonEmpty(d.AgencyName, d.Agency)
	switch d.Channel {
	case ChannelPostal:
		return "Qua dịch vụ bưu chính công ích"
	case ChannelPortal, ChannelNational:
		return place + "; bản điện tử trả vào Kho giấy tờ của người nộp"
	}
	return place
}

// resolutionWords is a resolution time in words: "05 ngày làm việc".
func resolutionWords(r ResolutionTime) string {
	var parts []string
	if r.WorkingDays > 0 {
		parts = append(parts, fmt.Sprintf("%02d ngày làm việc", r.WorkingDays))
	}
	if r.Hours > 0 {
		parts = append(parts, fmt.Sprintf("%02d giờ làm việc", r.Hours))
	}
	if len(parts) == 0 {
		return "Không quy định thời hạn"
	}
	return strings.Join(parts, " ")
}

// nonZero is a, or b when a is zero.
func nonZero(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

// handlingAgency is the heading of a paper printed by d's competent
// agency (the receiving one until it was transferred).
func (s *Service) handlingAgency(ctx context.Context, d Dossier) (convert.Agency, error) {
	if d.HandlingAgency == "" {
		return s.printedAgency(ctx, d.Agency, d.AgencyName)
	}
	return s.printedAgency(ctx, d.HandlingAgency, nonEmpty(d.HandlingAgencyName, d.AgencyName))
}
