package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathAdminAgencies lists the agencies with the form adding one; GET
// …/{code} is one agency — its form, its departments and its staff with
// the form adding or changing a member (?can-bo= the member to change);
// POST …/{code} saves the agency, POST …/{code}/can-bo a member.
const PathAdminAgencies = PathAdmin + "/co-quan"

// agenciesPage is the list of agencies with the add form.
type agenciesPage struct {
	Agencies []workflow.Agency
	Add      adminForm
	Fields   []adminField
}

// agencyPage is one agency: its form, its staff and the staff form.
type agencyPage struct {
	Agency workflow.Agency
	Rev    int64
	Form   adminForm
	Fields []adminField
	Staff  []staffRowAdmin
	// Member is the staff form: a new member, or ?can-bo='s.
	Member staffForm
	Done   string
	// Notice is a conflict's message: the forms show what is stored now.
	Notice adminForm
}

// staffRowAdmin is one member as the agency's page lists them.
type staffRowAdmin struct {
	workflow.Staff
	Department, Positions, EditURL string
}

// staffForm is the form adding or changing a member.
type staffForm struct {
	Form adminForm
	// Subject is the member changed ("" adds one); Rev their revision.
	Subject string
	Rev     int64
	Fields  []adminField
	// Positions are the checkboxes, Active whether the box is ticked.
	Positions []positionBox
	Active    bool
}

// positionBox is one position's checkbox.
type positionBox struct {
	Value, Label string
	Checked      bool
}

// agencyURL is the address of an agency's page.
func agencyURL(code string) string { return PathAdminAgencies + "/" + url.PathEscape(code) }

// agencyFields maps an agency's refusals to the form's controls.
var agencyFields = map[string]string{
	"invalid_agency_code": "cq-code", "agency_exists": "cq-code", "agency_changed": "cq-name",
	"invalid_department_code": "cq-departments", "duplicate_department": "cq-departments", "too_many_departments": "cq-departments",
	"invalid_departments": "cq-departments",
}

// agencyFieldSpecs are the agency form's controls; the code only when
// adding.
func agencyFieldSpecs(adding bool) []adminField {
	fs := []adminField{
		{ID: "cq-name", Name: "name", Label: "Tên cơ quan", Kind: "text", Required: true, Max: 300},
		{ID: "cq-parent", Name: "parent", Label: "Cơ quan chủ quản (in phía trên tên cơ quan)", Hint: "Ví dụ: Ủy ban nhân dân Thành phố Hồ Chí Minh.", Kind: "text", Max: 300},
		{ID: "cq-place", Name: "place", Label: "Địa danh (dòng ngày tháng)", Hint: "Ví dụ: Bến Nghé.", Kind: "text", Max: 300},
		{ID: "cq-departments", Name: "departments", Label: "Phòng, ban", Hint: "Mỗi dòng một phòng, ban: MÃ: Tên. Ví dụ: MOT_CUA: Bộ phận Một cửa.", Kind: "textarea"},
	}
	if adding {
		fs = append([]adminField{{ID: "cq-code", Name: "code", Label: "Mã định danh cơ quan", Hint: "Dạng 000.00.31.H29.", Kind: "text", Required: true, Max: 20}}, fs...)
	}
	return fs
}

// departmentsText is an agency's departments as the form's lines.
func departmentsText(ds []workflow.Department) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Code + ": " + d.Name + "\n")
	}
	return b.String()
}

// agencyOf reads the agency form: its departments one a line "CODE: Name".
func agencyOf(code string, f url.Values) (workflow.Agency, error) {
	ag := workflow.Agency{Code: code, Name: f.Get("name"), Parent: f.Get("parent"), Place: f.Get("place"), Departments: []workflow.Department{}}
	for i, line := range strings.Split(strings.ReplaceAll(f.Get("departments"), "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		c, n, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(n) == "" {
			return ag, kerr.New(kerr.Invalid, "invalid_departments", "Dòng "+strconv.Itoa(i+1)+" của danh sách phòng, ban phải có dạng «MÃ: Tên».", "department line %d has no name", i+1)
		}
		ag.Departments = append(ag.Departments, workflow.Department{Code: strings.TrimSpace(c), Name: strings.TrimSpace(n)})
	}
	return ag, nil
}

// adminWorkflow is adminReady over the workflow.
func (h *Handler) adminWorkflow(w http.ResponseWriter, r *http.Request, post bool) (archive.Actor, *workflow.Service, bool) {
	a, ok := h.adminReady(w, r, post, h.cfg.Workflow == nil, errWorkflowOff)
	return a, h.cfg.Workflow, ok
}

// adminAgencies is GET /quan-tri/co-quan: the agencies and the add form.
func (h *Handler) adminAgencies(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, false)
	if ok {
		h.showAgencies(w, r, a, wf, http.StatusOK, adminForm{})
	}
}

func (h *Handler) showAgencies(w http.ResponseWriter, r *http.Request, a archive.Actor, wf *workflow.Service, status int, add adminForm) {
	ags, err := wf.Agencies(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &agenciesPage{Agencies: ags, Add: add, Fields: add.fields(agencyFieldSpecs(true)...)}
	h.render(w, r, status, "admin_agencies", "Cơ quan, phòng ban và cán bộ", "admin", p)
}

// adminAddAgency is POST /quan-tri/co-quan: adds an agency.
func (h *Handler) adminAddAgency(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, true)
	if !ok {
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	ag, err := agencyOf(code, r.PostForm)
	if err == nil {
		ag, err = wf.PutAgencyAt(r.Context(), a, ag, 0)
	}
	if err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		h.showAgencies(w, r, a, wf, statusOf(err), refuse(r.PostForm, fieldOf(err, agencyFields, "cq-name"), err))
		return
	}
	http.Redirect(w, r, agencyURL(ag.Code)+"?da=luu", http.StatusSeeOther)
}

// findAgency is the agency code of the directory (NotFound when none).
func findAgency(ags []workflow.Agency, code string) (workflow.Agency, error) {
	i := slices.IndexFunc(ags, func(ag workflow.Agency) bool { return ag.Code == code })
	if i < 0 {
		return workflow.Agency{}, kerr.New(kerr.NotFound, "agency_not_found", "Không tìm thấy cơ quan.", "no agency %q", code)
	}
	return ags[i], nil
}

// adminAgency is GET /quan-tri/co-quan/{code}: the agency's form, its
// staff, and the staff form (?can-bo= the member to change).
func (h *Handler) adminAgency(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, false)
	if !ok {
		return
	}
	p := &agencyPage{}
	switch r.URL.Query().Get("da") {
	case "luu":
		p.Done = "Đã lưu thông tin cơ quan."
	case "can-bo":
		p.Done = "Đã lưu thông tin cán bộ."
	}
	h.showAgency(w, r, a, wf, r.PathValue("code"), http.StatusOK, p, r.URL.Query().Get("can-bo"))
}

// showAgency renders agency code's page p with status: its form filled
// from the store unless p.Form holds a refused one, and the staff form
// for member edit ("" a new one) unless p.Member holds a refused one.
func (h *Handler) showAgency(w http.ResponseWriter, r *http.Request, a archive.Actor, wf *workflow.Service, code string, status int, p *agencyPage, edit string) {
	ags, err := wf.Agencies(r.Context(), a)
	if err == nil {
		p.Agency, err = findAgency(ags, code)
	}
	var staff []workflow.Staff
	if err == nil {
		staff, err = wf.ListStaff(r.Context(), a, code)
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	ag := p.Agency
	if p.Rev == 0 {
		p.Rev = workflow.Rev(ag.UpdatedAt)
	}
	if p.Form.Values == nil {
		p.Form.Values = url.Values{"name": {ag.Name}, "parent": {ag.Parent}, "place": {ag.Place}, "departments": {departmentsText(ag.Departments)}}
	}
	p.Fields = p.Form.fields(agencyFieldSpecs(false)...)
	for _, m := range staff {
		row := staffRowAdmin{Staff: m, EditURL: agencyURL(code) + "?can-bo=" + url.QueryEscape(m.Subject) + "#can-bo-form"}
		row.Department = m.Department
		if d, ok := ag.Department(m.Department); ok {
			row.Department = d.Name
		}
		var ps []string
		for _, pos := range m.Positions {
			ps = append(ps, pos.Label())
		}
		row.Positions = strings.Join(ps, ", ")
		p.Staff = append(p.Staff, row)
	}
	if p.Member.Form.Values == nil {
		p.Member.Form.Values, p.Member.Active = url.Values{}, true
		if i := slices.IndexFunc(staff, func(m workflow.Staff) bool { return m.Subject == edit }); i >= 0 {
			m := staff[i]
			p.Member.Subject, p.Member.Rev, p.Member.Active = m.Subject, workflow.Rev(m.UpdatedAt), m.Active
			p.Member.Form.Values = url.Values{"subject": {m.Subject}, "name": {m.Name}, "department": {m.Department}}
			for _, pos := range m.Positions {
				p.Member.Form.Values.Add("positions", string(pos))
			}
		}
	}
	var depts []roleOption
	for _, d := range ag.Departments {
		depts = append(depts, roleOption{d.Code, d.Name})
	}
	specs := []adminField{
		{ID: "cb-name", Name: "name", Label: "Họ và tên", Kind: "text", Required: true, Max: 300},
		{ID: "cb-department", Name: "department", Label: "Phòng, ban", Kind: "select", Options: depts},
	}
	if p.Member.Subject == "" {
		specs = append([]adminField{{ID: "cb-subject", Name: "subject", Label: "Tài khoản cán bộ", Hint: "Tên đăng nhập của cán bộ (như tài khoản đăng nhập cổng).", Kind: "text", Required: true, Max: 128}}, specs...)
	}
	p.Member.Fields = p.Member.Form.fields(specs...)
	for _, pos := range workflow.Roles {
		if pos.IsPosition() {
			p.Member.Positions = append(p.Member.Positions, positionBox{Value: string(pos), Label: pos.Label(), Checked: slices.Contains(p.Member.Form.Values["positions"], string(pos))})
		}
	}
	h.render(w, r, status, "admin_agency", ag.Name, "admin", p)
}

// formRev is the form's revision field (0: none or malformed).
func formRev(f url.Values) int64 {
	n, err := strconv.ParseInt(f.Get("rev"), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// adminSaveAgency is POST /quan-tri/co-quan/{code}: saves the agency over
// the revision the form carries.
func (h *Handler) adminSaveAgency(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, true)
	if !ok {
		return
	}
	code := r.PathValue("code")
	rev := formRev(r.PostForm)
	ag, err := agencyOf(code, r.PostForm)
	if err == nil {
		if rev == 0 {
			err = kerr.New(kerr.Invalid, "rev_required", "Biểu mẫu thiếu phiên bản của cơ quan; hãy tải lại trang.", "no rev")
		} else {
			_, err = wf.PutAgencyAt(r.Context(), a, ag, rev)
		}
	}
	if err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		p := &agencyPage{Form: refuse(r.PostForm, fieldOf(err, agencyFields, "cq-name"), err), Rev: rev}
		if kerr.IsKind(err, kerr.Conflict) {
			// The form again as stored now, with the notice.
			p = &agencyPage{Notice: p.Form}
		}
		h.showAgency(w, r, a, wf, code, statusOf(err), p, "")
		return
	}
	http.Redirect(w, r, agencyURL(code)+"?da=luu", http.StatusSeeOther)
}

// staffFields maps a member's refusals to the staff form's controls.
var staffFields = map[string]string{
	"invalid_subject": "cb-subject", "staff_exists": "cb-subject", "name_required": "cb-name", "unknown_department": "cb-department",
	"positions_required": "cb-positions", "invalid_position": "cb-positions", "staff_changed": "cb-name",
}

// adminSaveStaff is POST /quan-tri/co-quan/{code}/can-bo: adds a member
// (rev 0) or changes one over the revision the form carries.
func (h *Handler) adminSaveStaff(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, true)
	if !ok {
		return
	}
	code, f := r.PathValue("code"), r.PostForm
	m := workflow.Staff{Subject: strings.TrimSpace(f.Get("subject")), Name: f.Get("name"), Agency: code, Department: f.Get("department"),
		Active: f.Get("active") == "1"}
	for _, p := range f["positions"] {
		m.Positions = append(m.Positions, workflow.Role(p))
	}
	rev := formRev(f)
	if _, err := wf.PutStaffAt(r.Context(), a, m, rev); err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		refused := refuse(f, fieldOf(err, staffFields, "cb-name"), err)
		if kerr.IsKind(err, kerr.Conflict) && rev != 0 {
			// The member as stored now, with the notice.
			h.showAgency(w, r, a, wf, code, statusOf(err), &agencyPage{Notice: refused}, m.Subject)
			return
		}
		form := staffForm{Form: refused, Active: m.Active}
		if rev != 0 {
			form.Subject, form.Rev = m.Subject, rev
		}
		h.showAgency(w, r, a, wf, code, statusOf(err), &agencyPage{Member: form}, "")
		return
	}
	http.Redirect(w, r, agencyURL(code)+"?da=can-bo", http.StatusSeeOther)
}
