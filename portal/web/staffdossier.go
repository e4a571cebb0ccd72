package web

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// purposeParam carries the purpose an officer gave for reading a dossier
// from page to page (workflow.Service.Read records it in the applicant's
// ledger).
const purposeParam = "muc-dich"

// maxActBytes bounds an action form's body.
const maxActBytes = 64 << 10

// dossierPage is a dossier as an officer reads it: asked for the purpose
// first, then its components, trail, due dates, the actions they may take
// and the slips they may print.
type dossierPage struct {
	Code    string
	Purpose string
	// NeedPurpose shows the purpose form (nothing of the dossier yet).
	NeedPurpose bool
	View        workflow.View
	Components  []componentRow
	Trail       []trailRow
	Actions     []actionForm
	Slips       []slipLink
	// Conflict is set when another officer acted first.
	Conflict string
	// Errors are the messages of a refused action (Form: its form's ID).
	Errors []formError
	CSRF   string
	Self   string
	// Late is where the dossier stands against its due date.
	Late string
}

// formError is one message of the error summary, linking to the control.
type formError struct{ Field, Message string }

// componentRow is one component and how it was filled.
type componentRow struct {
	Code, Name, Source, Paper, Verdict, Signers string
	VerifiedAt                                  time.Time
	FormFields                                  int
}

// trailRow is one entry of the trail as people read it.
type trailRow struct {
	At                          time.Time
	Who, Role, Action, From, To string
	Note, Reason                string
	Items                       []string
}

// actionForm is one action's form with the fields it needs.
type actionForm struct {
	Action workflow.Action
	Label  string
	Fields []actionField
}

// actionField is one control of an action's form: with the value the
// officer typed and its error when the action was refused.
type actionField struct {
	ID, Name, Label, Kind, Hint string
	Required                    bool
	Value, Error                string
	// Options are the choices of a "select" (the sign action's keys).
	Options []keyOption
}

// slipLink is a slip the officer may print.
type slipLink struct{ Label, URL string }

// staffDossier is GET /can-bo/ho-so/{code}: without ?muc-dich= the form
// asking the purpose (once the officer may reach the dossier at all),
// with it the dossier, read and recorded for that purpose.
func (h *Handler) staffDossier(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffActor(w, r)
	if !ok {
		return
	}
	code, purpose := r.PathValue("code"), strings.TrimSpace(r.URL.Query().Get(purposeParam))
	if purpose == "" {
		// The access check alone: nothing of the dossier is shown, and
		// an officer of another agency gets the error page.
		if _, err := h.cfg.Workflow.Get(r.Context(), a, code); err != nil {
			h.renderError(w, r, err)
			return
		}
		p := &dossierPage{Code: code, NeedPurpose: true, Self: dossierURL(code)}
		if _, given := r.URL.Query()[purposeParam]; given {
			p.Errors = []formError{{Field: "muc-dich", Message: "Hãy nêu mục đích xem hồ sơ."}}
		}
		h.render(w, r, http.StatusOK, "staffdossier", "Hồ sơ "+code, "staff", p)
		return
	}
	h.showDossier(w, r, a, code, purpose, http.StatusOK, "", nil, nil)
}

// showDossier reads the dossier for purpose and renders it with status,
// a conflict notice and the errors of a refused action.
// posted, the form of an action that was not taken, fills that action's
// form again: nothing the officer typed is lost.
func (h *Handler) showDossier(w http.ResponseWriter, r *http.Request, a archive.Actor, code, purpose string, status int, conflict string, errs []formError, posted url.Values) {
	v, err := h.cfg.Workflow.Read(r.Context(), a, code, purpose)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &dossierPage{Code: v.Code, Purpose: purpose, View: v, Conflict: conflict, Errors: errs, CSRF: h.cfg.CSRF.Token(r), Self: dossierURL(v.Code),
		Late: staffRowOf(v).Late}
	p.Components = h.componentRows(r.Context(), a, v)
	for _, e := range v.Trail {
		p.Trail = append(p.Trail, trailRow{At: e.At, Who: strings.TrimSpace(e.Name + " (" + e.Actor + ")"), Role: e.Role.Label(),
			Action: e.Action.Label(), From: stateLabel(e.From), To: stateLabel(e.To), Note: e.Note, Reason: e.Reason, Items: e.Items})
	}
	for _, act := range v.Actions {
		f := actionFormOf(act, v.State())
		if act == workflow.ActionSign {
			f = h.withSignKey(r.Context(), a, f)
		}
		if posted != nil && posted.Get("action") == string(act) {
			refill(&f, posted, errs)
		}
		p.Actions = append(p.Actions, f)
	}
	for _, k := range workflow.SlipKinds {
		p.Slips = append(p.Slips, slipLink{Label: k.Label(),
			URL: dossierURL(v.Code) + "/phieu/" + url.PathEscape(string(k)) + "?" + purposeParam + "=" + url.QueryEscape(purpose)})
	}
	h.render(w, r, status, "staffdossier", "Hồ sơ "+v.Code, "staff", p)
}

// stateLabel is a status, with its stage, as people read it.
func stateLabel(s workflow.State) string {
	if s.Status == "" {
		return "—"
	}
	if s.Stage == "" {
		return s.Status.Label()
	}
	return s.Status.Label() + " — " + s.Stage.Label()
}

// sourceLabels say how a component was filled.
var sourceLabels = map[workflow.Source]string{
	workflow.SourceUpload: "Tải tệp lên",
	workflow.SourceForm:   "Biểu mẫu điện tử",
	workflow.SourceReuse:  "Dùng lại giấy tờ trong kho",
}

// verdictLabels are the frozen verification verdicts as people read them.
var verdictLabels = map[string]string{
	"TOTAL-PASSED":  "Chữ ký hợp lệ",
	"TOTAL-FAILED":  "Chữ ký không hợp lệ",
	"INDETERMINATE": "Chưa xác định được chữ ký",
}

// componentRows are v's components as its page shows them: each by its
// name in the procedure and its paper by the document type's name (codes
// where a name cannot be read: the page still shows the dossier).
func (h *Handler) componentRows(ctx context.Context, a archive.Actor, v workflow.View) []componentRow {
	names := map[string]string{}
	if proc, err := h.cfg.Workflow.Procedure(ctx, a, v.Procedure); err == nil {
		for _, c := range proc.Components {
			names[c.Code] = c.Name
		}
	}
	var types map[string]string
	if h.cfg.Vault != nil {
		types, _ = h.typeNames(ctx, a)
	}
	rows := make([]componentRow, 0, len(v.Components))
	for _, c := range v.Components {
		rows = append(rows, componentRowOf(c, names[c.Code], types[c.TypeCode]))
	}
	return rows
}

// componentRowOf is c as the dossier page shows it, name its name in the
// procedure and typeName its paper's document type's.
func componentRowOf(c workflow.Filled, name, typeName string) componentRow {
	row := componentRow{Code: c.Code, Name: name, Source: sourceLabels[c.Source]}
	if row.Name == "" {
		row.Name = c.Code
	}
	if row.Source == "" {
		row.Source = string(c.Source)
	}
	if c.DocumentID != "" {
		row.Paper = cmp.Or(typeName, c.TypeCode) + ", phiên bản " + strconv.Itoa(c.Version)
	}
	if c.Form != nil {
		row.FormFields = len(c.Form.Data)
	}
	switch sig := c.Signature; {
	case sig == nil && c.Source == workflow.SourceForm:
	case sig == nil:
		row.Verdict = "Chưa kiểm tra chữ ký"
	case !sig.Signed:
		row.Verdict, row.VerifiedAt = "Không có chữ ký số", sig.VerifiedAt
	default:
		row.Verdict, row.VerifiedAt, row.Signers = verdictLabels[string(sig.Verdict)], sig.VerifiedAt, strings.Join(sig.Signers, ", ")
		if row.Verdict == "" {
			row.Verdict = string(sig.Verdict)
		}
	}
	return row
}

// fieldControls are the controls of each field an action may require
// (workflow.Field; the receiver is three).
var fieldControls = map[workflow.Field][]actionField{
	workflow.FieldReason:   {{Name: "reason", Kind: "textarea"}},
	workflow.FieldItems:    {{Name: "items", Kind: "textarea", Hint: "Mỗi dòng một nội dung."}},
	workflow.FieldAssignee: {{Name: "assignee", Kind: "text", Hint: "Tên đăng nhập của cán bộ thẩm định."}},
	workflow.FieldUnit:     {{Name: "unit", Kind: "text"}},
	workflow.FieldDeadline: {{Name: "deadline", Kind: "datetime-local", Hint: "Giờ Việt Nam."}},
	workflow.FieldOpinion:  {{Name: "opinion", Kind: "textarea"}},
	workflow.FieldAmount:   {{Name: "amount", Kind: "number", Hint: "Đơn vị: đồng."}},
	workflow.FieldReceipt:  {{Name: "receipt", Kind: "text"}},
	workflow.FieldReceiver: {{Name: "receiver-name", Kind: "text"}, {Name: "receiver-id", Label: "Số giấy tờ của người nhận", Kind: "text"},
		{Name: "receiver-authorization", Label: "Giấy ủy quyền nhận kết quả (nếu có)", Kind: "text"}},
}

// actionFormOf is the form of act from state s: its required fields, and
// an optional note.
func actionFormOf(act workflow.Action, s workflow.State) actionForm {
	f := actionForm{Action: act, Label: act.Label()}
	row, _ := workflow.Lookup(act, s)
	for _, fd := range row.Required {
		for i, c := range fieldControls[fd] {
			if c.Label == "" {
				c.Label = fd.Label()
			}
			c.Required = i == 0
			c.ID = string(act) + "-" + c.Name
			f.Fields = append(f.Fields, c)
		}
	}
	f.Fields = append(f.Fields, actionField{ID: string(act) + "-note", Name: "note", Label: "Ghi chú (nếu có)", Kind: "textarea"})
	return f
}

// staffAct is POST /can-bo/ho-so/{code}: one action, guarded by the CSRF
// token and the revision the officer saw. Done, it goes back to the
// dossier (303); another officer first, the fresh dossier with the
// notice (409); refused, the dossier with the reason.
func (h *Handler) staffAct(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffPost(w, r)
	if !ok {
		return
	}
	code, purpose := r.PathValue("code"), strings.TrimSpace(r.PostForm.Get(purposeParam))
	in, field, err := actInputOf(r.PostForm)
	if err == nil {
		_, err = h.cfg.Workflow.Act(r.Context(), a, code, in)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, dossierURL(code)+"?"+purposeParam+"="+url.QueryEscape(purpose), http.StatusSeeOther)
	case purpose == "" || kerr.IsKind(err, kerr.NotFound) || isOtherAgency(err):
		h.renderError(w, r, err)
	case kerr.IsKind(err, kerr.Conflict):
		h.showDossier(w, r, a, code, purpose, http.StatusConflict,
			"Hồ sơ vừa được cán bộ khác xử lý hoặc đã đổi trạng thái. Dưới đây là hồ sơ mới nhất; hãy xem lại trước khi thao tác.", nil, r.PostForm)
	default:
		_, msg := kerr.Public(err)
		if field == "" {
			field = string(in.Action) + "-" + firstControl(err)
		}
		h.showDossier(w, r, a, code, purpose, statusOf(err), "", []formError{{Field: field, Message: msg}}, r.PostForm)
	}
}

// staffPost is the officer of a staff form's POST, its CSRF token
// checked and its fields (at most maxActBytes) parsed; ok false: the
// answer is written.
func (h *Handler) staffPost(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.staffActor(w, r)
	if !ok {
		return a, false
	}
	// The form first (bounded): the session's check reads its token
	// from the parsed form.
	r.Body = http.MaxBytesReader(w, r.Body, maxActBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, formErr(err))
		return a, false
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return a, false
	}
	return a, true
}

// isOtherAgency reports an officer of another agency's refusal.
func isOtherAgency(err error) bool {
	ke := kerr.Outer(err)
	return ke != nil && ke.Code == "other_agency"
}

// firstControl is the control an action's refusal is about: the field of
// an Invalid "<field>_required", else the note.
func firstControl(err error) string {
	if ke := kerr.Outer(err); ke != nil {
		if strings.HasPrefix(ke.Code, "sign_key_") {
			return "key"
		}
		if f, ok := strings.CutSuffix(ke.Code, "_required"); ok {
			if cs := fieldControls[workflow.Field(f)]; len(cs) > 0 {
				return cs[0].Name
			}
		}
	}
	return "note"
}

// actInputOf reads an action form; on a malformed value, the control it
// is about.
func actInputOf(f url.Values) (workflow.ActInput, string, error) {
	in := workflow.ActInput{Action: workflow.Action(f.Get("action")), Reason: f.Get("reason"), Note: f.Get("note"),
		Assignee: f.Get("assignee"), Unit: f.Get("unit"), Opinion: f.Get("opinion"), Receipt: f.Get("receipt"), Key: f.Get("key")}
	if !in.Action.Valid() {
		return in, "", kerr.New(kerr.Invalid, "unknown_action", "Thao tác không hợp lệ.", "action %q", in.Action)
	}
	id := func(c string) string { return string(in.Action) + "-" + c }
	rev, err := revOf(f)
	if err != nil {
		return in, "", err
	}
	in.Rev = rev
	if items := f.Get("items"); items != "" {
		in.Items = strings.Split(strings.ReplaceAll(items, "\r\n", "\n"), "\n")
	}
	if s := strings.TrimSpace(f.Get("deadline")); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, workflow.Vietnam)
		if err != nil {
			return in, id("deadline"), kerr.New(kerr.Invalid, "invalid_deadline", "Thời hạn không hợp lệ (ngày và giờ).", "deadline %q", s)
		}
		in.Deadline = t
	}
	if s := strings.TrimSpace(f.Get("amount")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return in, id("amount"), kerr.New(kerr.Invalid, "invalid_amount", "Số tiền không hợp lệ.", "amount %q", s)
		}
		in.Amount = n
	}
	if name := f.Get("receiver-name"); name != "" {
		in.Receiver = &workflow.Receiver{Name: name, ID: f.Get("receiver-id"), Authorization: f.Get("receiver-authorization")}
	}
	return in, "", nil
}

// revOf is the revision of the dossier a form was drawn from (field rev).
func revOf(f url.Values) (int64, error) {
	rev, err := strconv.ParseInt(f.Get("rev"), 10, 64)
	if err != nil || rev <= 0 {
		return 0, kerr.New(kerr.Invalid, "invalid_rev", "Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang.", "rev %q", f.Get("rev"))
	}
	return rev, nil
}

// staffSlip is GET /can-bo/ho-so/{code}/phieu/{kind}?muc-dich=: the slip,
// printed for that purpose (recorded in the applicant's ledger).
func (h *Handler) staffSlip(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffActor(w, r)
	if !ok {
		return
	}
	code := r.PathValue("code")
	rc, name, err := h.cfg.Workflow.Slip(r.Context(), a, code, workflow.SlipKind(r.PathValue("kind")), r.URL.Query().Get(purposeParam))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(name))
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Warn("slip not sent whole", "requestId", requestID(r), "code", code, "err", err.Error())
	}
}
