package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathMyDossiers is "Hồ sơ của tôi": the signed-in citizen's dossiers;
// …/{code} one of them, its trail, slips, result and the applicant's
// actions.
const PathMyDossiers = "/ho-so-cua-toi"

// myDossiersPageSize is how many dossiers one page of the list shows.
const myDossiersPageSize = 20

// maxSupplementBytes bounds the body of a supplement's upload: the
// vault's default largest file and room for the form's other fields (the
// vault refuses a file over its own limit).
const maxSupplementBytes = 50<<20 + 64<<10

// maxSlipBytes bounds a slip read before it is sent.
const maxSlipBytes = 20 << 20

// myDossiersPage is one page of the citizen's dossiers, newest first.
type myDossiersPage struct {
	Rows  []myDossierRow
	Next  string // the next page's address; "" on the last page
	First string // the first page's address, on a later page
}

// myDossierRow is one dossier of the list, with its lateness badge.
type myDossierRow struct {
	staffRow
	// Badge is the lateness badge's class ("" on time).
	Badge string
}

// myDossierPage is one dossier as its applicant (or representative)
// follows it.
type myDossierPage struct {
	View workflow.View
	Late string
	// Badge is the lateness badge's class ("" on time).
	Badge string
	// ComposeURL is the draft's page (a dossier not yet submitted).
	ComposeURL string
	Components []componentRow
	Trail      []trailRow
	// Supplement is what the agency asks the applicant to add, while it
	// waits for it; Uploads the components the applicant may send a file
	// for meanwhile.
	Supplement *workflow.SupplementRequest
	Uploads    []uploadForm
	// Agent is set when the reader applied on the applicant's behalf:
	// they may not store into the applicant's vault, nor read it.
	Agent   bool
	Actions []actionForm
	Slips   []slipLink
	Result  *workflow.ResultView
	// ResultURL is the result's page in "Kho của tôi", ResultFile its
	// download; ResultNote says why they are not shown.
	ResultURL, ResultFile, ResultNote string
	// Purpose is always "": the applicant gives none (the action forms
	// are staff's too, who give one).
	Purpose  string
	Conflict string
	Errors   []formError
	CSRF     string
	Self     string
}

// uploadForm is the form sending a file for one component, and for a
// component the vault can fill, the applicant's valid papers of its types
// to reuse instead.
type uploadForm struct {
	Code, Name, URL, ID string
	Filled              bool
	Error               string
	// ReuseID is the paper select's ID, ReuseError its error.
	ReuseID, ReuseError string
	Papers              []option
}

// maxReusePapers bounds the papers offered for one component.
const maxReusePapers = 50

// myDossierURL is the address of a dossier's page for its applicant.
func myDossierURL(code string) string { return PathMyDossiers + "/" + url.PathEscape(code) }

// errNoSuchPage is the answer to staff and admin on the citizen's
// dossier pages: they are nobody's pages but a citizen's.
func errNoSuchPage(r *http.Request, a archive.Actor) error {
	return kerr.New(kerr.NotFound, "page_not_found", "Không tìm thấy địa chỉ này. Hãy kiểm tra lại đường dẫn hoặc trở về trang chủ.",
		"%s %q has no citizen's dossier page %s", a.Role, a.Subject, r.URL.Path)
}

// applicant is the signed-in citizen of a "Hồ sơ của tôi" page: a visitor
// not signed in is sent to sign in and back (303), staff and admin get
// 404. ok false: the answer is written.
func (h *Handler) applicant(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, false
	}
	if h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return a, false
	}
	if a.Role != archive.RoleCitizen {
		h.renderError(w, r, errNoSuchPage(r, a))
		return a, false
	}
	return a, true
}

// myDossiers is GET /ho-so-cua-toi: the citizen's dossiers as applicant or
// representative (workflow.Service.List as the citizen), ?sau= the next
// page.
func (h *Handler) myDossiers(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	cursor := r.URL.Query().Get("sau")
	page, err := h.cfg.Workflow.List(r.Context(), a, workflow.ListQuery{Cursor: cursor, Limit: myDossiersPageSize})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &myDossiersPage{}
	for _, v := range page.Dossiers {
		row := myDossierRow{staffRow: staffRowOf(v)}
		row.URL, row.Badge = myDossierURL(v.Code), badgeOf(row.staffRow)
		p.Rows = append(p.Rows, row)
	}
	if page.Next != "" {
		p.Next = PathMyDossiers + "?sau=" + url.QueryEscape(page.Next)
	}
	if cursor != "" {
		p.First = PathMyDossiers
	}
	h.render(w, r, http.StatusOK, "mydossiers", "Hồ sơ của tôi", "mydossiers", p)
}

// badgeOf is the class of a row's lateness badge: the vault's red for
// late, its amber for near ("" on time).
func badgeOf(row staffRow) string {
	switch {
	case row.Overdue:
		return "badge-revoked"
	case row.Late == workflow.LateNear.Label():
		return "badge-superseded"
	}
	return ""
}

// myDossier is GET /ho-so-cua-toi/{code}: the dossier as its applicant
// sees it. Another citizen's dossier is a 404, as one that does not exist.
func (h *Handler) myDossier(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	h.showMyDossier(w, r, a, r.PathValue("code"), http.StatusOK, "", nil, nil)
}

// showMyDossier renders the applicant's dossier page with status, a
// conflict notice and the errors of a refused action or upload; posted,
// the form of an action not taken, fills it again.
func (h *Handler) showMyDossier(w http.ResponseWriter, r *http.Request, a archive.Actor, code string, status int, conflict string, errs []formError, posted url.Values) {
	ctx, wf := r.Context(), h.cfg.Workflow
	v, err := wf.Get(ctx, a, code)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	row := staffRowOf(v)
	p := &myDossierPage{View: v, Late: row.Late, Badge: badgeOf(row), Conflict: conflict, Errors: errs, CSRF: h.cfg.CSRF.Token(r),
		Self: myDossierURL(v.Code)}
	if v.Status == workflow.StatusRegistered {
		p.ComposeURL = p.Self + "/soan"
	}
	proc, err := wf.Procedure(ctx, a, v.Procedure)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		h.renderError(w, r, err)
		return
	}
	p.Components = h.componentRows(ctx, a, v)
	for _, e := range v.Trail {
		// People by name and position, never by login ID.
		p.Trail = append(p.Trail, trailRow{At: e.At, Who: e.Name, Role: e.Role.Label(), Action: e.Action.Label(),
			From: stateLabel(e.From), To: stateLabel(e.To), Reason: e.Reason, Items: e.Items})
	}
	p.Agent = v.Applicant.ID != a.Subject
	if slices.Contains(v.Actions, workflow.ActionSupplement) {
		p.Supplement = v.Supplement
		for _, c := range proc.Components {
			if len(c.TypeCodes) == 0 || p.Agent {
				continue
			}
			u := uploadForm{Code: c.Code, Name: c.Name, URL: p.Self + "/thanh-phan/" + url.PathEscape(c.Code), ID: "tep-" + c.Code,
				ReuseID: "giay-to-" + c.Code, Filled: slices.ContainsFunc(v.Components, func(f workflow.Filled) bool { return f.Code == c.Code })}
			for _, e := range errs {
				switch e.Field {
				case u.ID:
					u.Error = e.Message
				case u.ReuseID:
					u.ReuseError = e.Message
				}
			}
			if c.Reusable && h.cfg.Vault != nil {
				if u.Papers, err = h.reusable(r, a, c.TypeCodes); err != nil {
					h.renderError(w, r, err)
					return
				}
			}
			p.Uploads = append(p.Uploads, u)
		}
	}
	for _, act := range v.Actions {
		if act == workflow.ActionSubmit {
			continue // the draft's page submits
		}
		f := actionFormOf(act, v.State())
		if posted != nil && posted.Get("action") == string(act) {
			refill(&f, posted, errs)
		}
		p.Actions = append(p.Actions, f)
	}
	for _, k := range workflow.SlipKinds {
		if k.ForApplicant() && workflow.SlipReady(v.Dossier, k) {
			p.Slips = append(p.Slips, slipLink{Label: k.Label(), URL: p.Self + "/phieu/" + url.PathEscape(string(k))})
		}
	}
	if res := v.Result; res != nil && res.DocumentID != "" {
		rv, err := wf.Result(ctx, a, v.Code, "")
		switch {
		case err == nil:
			p.Result = &rv
			p.ResultURL = PathMyVault + "/" + url.PathEscape(rv.DocumentID)
			p.ResultFile = p.ResultURL + "/phien-ban/" + strconv.Itoa(rv.Version) + "?tai=1"
		case kerr.IsKind(err, kerr.NotFound):
			// A representative may not read the applicant's vault.
			p.ResultNote = "Giấy tờ kết quả đã được trả vào kho dữ liệu của người có hồ sơ (" + v.Applicant.Name + ")."
		default:
			h.log.Warn("dossier result unavailable", "requestId", requestID(r), "code", v.Code, "err", err.Error())
			p.ResultNote = "Chưa đọc được giấy tờ kết quả; vui lòng tải lại trang sau."
		}
	}
	h.render(w, r, status, "mydossier", "Hồ sơ "+v.Code, "mydossiers", p)
}

// reusable lists a's valid papers of the types, to fill a component with.
func (h *Handler) reusable(r *http.Request, a archive.Actor, types []string) ([]option, error) {
	var out []option
	for _, tc := range types {
		page, err := h.cfg.Vault.List(r.Context(), a, archive.ListQuery{OwnerID: a.Subject, TypeCode: tc, Status: archive.StatusValid,
			Limit: maxReusePapers}, archive.Access{})
		if err != nil {
			return nil, err
		}
		for _, d := range page.Documents {
			label := d.Name
			if d.Number != "" {
				label += ", số " + d.Number
			}
			out = append(out, option{Value: d.ID, Label: label})
		}
	}
	return out, nil
}

// refill puts what was posted back into an action's form, with each
// control's error.
func refill(f *actionForm, posted url.Values, errs []formError) {
	for i := range f.Fields {
		c := &f.Fields[i]
		if c.Kind != "fixed" {
			c.Value = posted.Get(c.Name)
		}
		for i := range c.Options {
			c.Options[i].Selected = c.Options[i].Value == c.Value
		}
		for _, e := range errs {
			if e.Field == c.ID {
				c.Error = e.Message
			}
		}
	}
}

// myDossierAct is POST /ho-so-cua-toi/{code}: one of the applicant's
// actions, guarded by the CSRF token and the revision they saw. Done, it
// goes back to the dossier (303); the dossier moved on meanwhile, the
// fresh dossier with the notice (409); refused, the dossier with the
// reason at its control.
func (h *Handler) myDossierAct(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxActBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, formErr(err))
		return
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	code := r.PathValue("code")
	in, field, err := actInputOf(r.PostForm)
	if err == nil && in.Action == workflow.ActionSubmit {
		err = kerr.New(kerr.Invalid, "unknown_action", "Thao tác không hợp lệ.", "the draft's page submits")
	}
	if err == nil {
		_, err = h.cfg.Workflow.Act(r.Context(), a, code, in)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, myDossierURL(code), http.StatusSeeOther)
	case isDossierNotFound(err):
		h.renderError(w, r, err)
	case kerr.IsKind(err, kerr.Conflict):
		h.showMyDossier(w, r, a, code, http.StatusConflict, msgMoved(err), nil, r.PostForm)
	default:
		_, msg := kerr.Public(err)
		if field == "" {
			field = string(in.Action) + "-" + firstControl(err)
		}
		h.showMyDossier(w, r, a, code, statusOf(err), "", []formError{{Field: field, Message: msg}}, r.PostForm)
	}
}

// isDossierNotFound reports the refusal of a dossier that is not the
// caller's (or does not exist): the error page, nothing of the dossier.
func isDossierNotFound(err error) bool {
	ke := kerr.Outer(err)
	return kerr.IsKind(err, kerr.NotFound) && (ke == nil || ke.Code == "dossier_not_found")
}

// msgMoved is the notice of an action or upload the dossier's new state
// refused.
func msgMoved(err error) string {
	_, msg := kerr.Public(err)
	return "Hồ sơ vừa thay đổi (" + strings.TrimSuffix(msg, ".") + "). Dưới đây là hồ sơ mới nhất; hãy xem lại trước khi thao tác."
}

// formErr is a form body that could not be read: too large, or malformed.
func formErr(err error) error {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return kerr.Wrap(err, kerr.TooLarge, "form_too_large", "Nội dung gửi lên quá lớn.")
	}
	return kerr.Wrap(err, kerr.Invalid, "invalid_form", "Không đọc được nội dung biểu mẫu.")
}

// myDossierUpload is POST /ho-so-cua-toi/{code}/thanh-phan/{comp}: a file
// for component comp while the agency waits for a supplement
// (workflow.Service.Upload as the applicant: into their vault, then into
// the dossier), guarded by the CSRF token and the revision. Done, back to
// the dossier (303); refused, the dossier with the reason at the file's
// control.
func (h *Handler) myDossierUpload(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	code, comp := r.PathValue("code"), r.PathValue("comp")
	field := "tep-" + comp
	refuse := func(err error) {
		if r.PostForm.Get("giay-to") != "" {
			field = "giay-to-" + comp
		}
		switch {
		case isDossierNotFound(err):
			h.renderError(w, r, err)
		case kerr.IsKind(err, kerr.Conflict):
			h.showMyDossier(w, r, a, code, http.StatusConflict, msgMoved(err), nil, nil)
		default:
			_, msg := kerr.Public(err)
			h.showMyDossier(w, r, a, code, statusOf(err), "", []formError{{Field: field, Message: msg}}, nil)
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSupplementBytes)
	err := r.ParseMultipartForm(1 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm() // a paper of the vault chosen: no file
	}
	if err != nil {
		if kerr.IsKind(formErr(err), kerr.TooLarge) {
			w.Header().Set("Connection", "close")
			refuse(kerr.Wrap(err, kerr.TooLarge, "file_too_large", "Tệp quá lớn (tối đa 50 MB)."))
			return
		}
		refuse(formErr(err))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	rev, err := revOf(r.PostForm)
	if err != nil {
		refuse(err)
		return
	}
	if doc := r.PostForm.Get("giay-to"); doc != "" {
		if _, err := h.cfg.Workflow.SetComponent(r.Context(), a, code, comp, workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: doc}, Rev: rev}); err != nil {
			refuse(err)
			return
		}
		http.Redirect(w, r, myDossierURL(code)+"#bo-sung", http.StatusSeeOther)
		return
	}
	f, fh, err := r.FormFile("tep")
	if err != nil {
		refuse(kerr.Wrap(err, kerr.Invalid, "file_required", "Hãy chọn tệp cần nộp."))
		return
	}
	defer f.Close()
	up := archive.Upload{Body: f, Size: fh.Size, FileName: fh.Filename, MediaType: fh.Header.Get("Content-Type")}
	if _, err := h.cfg.Workflow.Upload(r.Context(), a, code, comp, "", rev, up); err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, myDossierURL(code)+"#bo-sung", http.StatusSeeOther)
}

// myDossierSlip is GET /ho-so-cua-toi/{code}/phieu/{kind}: a slip of the
// dossier as a PDF download (workflow.Service.Slip as the applicant: the
// process control slip is the agency's, a slip whose event has not
// happened is refused).
func (h *Handler) myDossierSlip(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	rc, name, err := h.cfg.Workflow.Slip(r.Context(), a, r.PathValue("code"), workflow.SlipKind(r.PathValue("kind")), "")
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	defer rc.Close()
	// Read whole first: a conversion failing half-way is the error page,
	// not a cut file.
	b, err := io.ReadAll(io.LimitReader(rc, maxSlipBytes+1))
	if err == nil && len(b) > maxSlipBytes {
		err = kerr.New(kerr.TooLarge, "slip_too_large", "Phiếu quá lớn để tải về.", "slip over %d bytes", maxSlipBytes)
	}
	if err != nil {
		h.renderError(w, r, kerr.Wrap(err, kerr.Unavailable, "converter_failed", "Không nhận được trọn vẹn phiếu từ dịch vụ chuyển đổi; vui lòng thử lại."))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", disposition("attachment", name))
	_, _ = w.Write(b)
}
