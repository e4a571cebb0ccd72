package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathProcedures lists the procedures a citizen may apply for online;
// PathProcedures/{procedure} is one of them, and POST there starts a
// dossier.
const PathProcedures = "/dich-vu"

// draftPrefix heads a citizen's dossier pages: draftPrefix{code}/soan is
// the draft, draftPrefix{code}/da-nop the confirmation of submission.
const draftPrefix = "/ho-so-cua-toi/"

// draftURL is the draft page of dossier code.
func draftURL(code string) string { return draftPrefix + url.PathEscape(code) + "/soan" }

// sentURL is the confirmation page of dossier code.
func sentURL(code string) string { return draftPrefix + url.PathEscape(code) + "/da-nop" }

// maxStartBytes bounds the start form's body.
const maxStartBytes = 16 << 10

// procRow is a procedure as the citizen's list and its page show it.
type procRow struct {
	Code, Name, Field, Level, Agency, Resolution, URL string
	Legal                                             []string
	Fees                                              []feeRow
	Components                                        []procComponent
}

// feeRow is a fee as people read it.
type feeRow struct{ Name, Amount, Note string }

// procComponent is a component of a procedure: what it takes and whether
// the citizen's vault can give it.
type procComponent struct {
	Name, Takes string
	Required    bool
	Reusable    bool
	// InVault is how many valid papers of its types the citizen has
	// (only on the procedure's page; -1 on the list).
	InVault int
}

// proceduresPage is the list of procedures.
type proceduresPage struct{ Procedures []procRow }

// procedurePage is one procedure with the form that starts a dossier.
type procedurePage struct {
	procRow
	Self, Applicant string
	Errors          []formError
}

// procedures is GET /dich-vu: the catalogue's procedures.
func (h *Handler) procedures(w http.ResponseWriter, r *http.Request) {
	a, ok := h.catalogCitizen(w, r)
	if !ok {
		return
	}
	ps, err := h.cfg.Workflow.Procedures(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	names, err := h.typeNames(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &proceduresPage{}
	for _, pr := range ps {
		p.Procedures = append(p.Procedures, h.procRowOf(r, a, pr, names, false))
	}
	h.render(w, r, http.StatusOK, "procedures", "Dịch vụ công trực tuyến", "procedures", p)
}

// procedure is GET /dich-vu/{procedure}: the procedure, what the
// citizen's vault holds for it, and the button that starts a dossier.
func (h *Handler) procedure(w http.ResponseWriter, r *http.Request) {
	a, ok := h.catalogCitizen(w, r)
	if !ok {
		return
	}
	h.showProcedure(w, r, a, http.StatusOK, "", nil)
}

// showProcedure renders the procedure's page with the name typed and the
// errors of a refused start.
func (h *Handler) showProcedure(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, name string, errs []formError) {
	pr, err := h.cfg.Workflow.Procedure(r.Context(), a, r.PathValue("procedure"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	names, err := h.typeNames(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if name == "" && errs == nil {
		if o, err := h.cfg.Vault.Owner(r.Context(), a, a.Subject, archive.Access{}); err == nil {
			name = o.Name
		}
	}
	p := &procedurePage{procRow: h.procRowOf(r, a, pr, names, true), Self: PathProcedures + "/" + url.PathEscape(pr.Code), Applicant: name, Errors: errs}
	h.render(w, r, status, "procedure", pr.Name, "procedures", p)
}

// startDossier is POST /dich-vu/{procedure}: a dossier of the procedure
// for the signed-in citizen, online (workflow.Service.Create), then its
// draft page (303).
func (h *Handler) startDossier(w http.ResponseWriter, r *http.Request) {
	a, ok := h.catalogCitizen(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxStartBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, kerr.Wrap(err, kerr.Invalid, "invalid_form", "Không đọc được nội dung biểu mẫu."))
		return
	}
	if err := h.cfg.CSRF.Check(r); err != nil { // after ParseForm: the session's check reads r.PostForm
		h.renderError(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("ho-ten"))
	if name == "" {
		h.showProcedure(w, r, a, http.StatusUnprocessableEntity, name,
			[]formError{{Field: "ho-ten", Message: "Hãy nhập họ, chữ đệm và tên của người nộp hồ sơ."}})
		return
	}
	v, err := h.cfg.Workflow.Create(r.Context(), a, workflow.NewDossier{Procedure: r.PathValue("procedure"), Channel: workflow.ChannelPortal,
		Applicant: workflow.Party{Kind: archive.Individual, ID: a.Subject, Name: name}})
	switch {
	case err == nil:
		http.Redirect(w, r, draftURL(v.Code), http.StatusSeeOther)
	case kerr.IsKind(err, kerr.Invalid):
		_, msg := kerr.Public(err)
		h.showProcedure(w, r, a, statusOf(err), name, []formError{{Field: "ho-ten", Message: msg}})
	default:
		h.renderError(w, r, err)
	}
}

// catalogCitizen is the signed-in citizen of the procedures' pages
// (citizen's rules: staff and admin get 403), with the workflow
// configured.
func (h *Handler) catalogCitizen(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.citizen(w, r)
	if ok && h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return a, false
	}
	return a, ok
}

// procRowOf is pr as people read it; with vault, each reusable
// component counts the citizen's valid papers of its types.
func (h *Handler) procRowOf(r *http.Request, a archive.Actor, pr workflow.Procedure, names map[string]string, vault bool) procRow {
	row := procRow{Code: pr.Code, Name: pr.Name, Field: pr.Field, Level: pr.Level.Label(), Agency: pr.Agency,
		Resolution: resolutionText(pr.Resolution), URL: PathProcedures + "/" + url.PathEscape(pr.Code), Legal: pr.LegalBasis}
	for _, f := range pr.Fees {
		amount := "Miễn phí"
		if f.Amount > 0 {
			amount = money(f.Amount) + " đồng"
		}
		row.Fees = append(row.Fees, feeRow{Name: f.Name, Amount: amount, Note: f.Note})
	}
	for _, c := range pr.Components {
		pc := procComponent{Name: c.Name, Required: c.Required, Reusable: c.Reusable && len(c.TypeCodes) > 0, InVault: -1}
		if c.Form != "" {
			pc.Takes = "Biểu mẫu điện tử, điền trực tuyến"
		} else {
			pc.Takes = typeList(c.TypeCodes, names)
		}
		if vault && pc.Reusable {
			if rows, err := h.vaultPapers(r, a, c.TypeCodes, names); err == nil {
				pc.InVault = len(rows)
			}
		}
		row.Components = append(row.Components, pc)
	}
	return row
}

// typeList names codes: "Căn cước hoặc Hộ chiếu".
func typeList(codes []string, names map[string]string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = names[c]
		if out[i] == "" {
			out[i] = c
		}
	}
	return strings.Join(out, " hoặc ")
}

// resolutionText is a resolution time as people read it.
func resolutionText(t workflow.ResolutionTime) string {
	if t.IsZero() {
		return "Không quy định"
	}
	var parts []string
	if t.WorkingDays > 0 {
		parts = append(parts, strconv.Itoa(t.WorkingDays)+" ngày làm việc")
	}
	if t.Hours > 0 {
		parts = append(parts, strconv.Itoa(t.Hours)+" giờ làm việc")
	}
	return strings.Join(parts, " ")
}

// money is n with Vietnamese thousands dots: 100000 → "100.000".
func money(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}
