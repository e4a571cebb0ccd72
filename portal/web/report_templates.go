package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// Report templates, personal saved reports and periodic runs (2025 item
// 24) at PathReportTemplates:
//
//	GET  /bao-cao/mau                    the shared templates and mine
//	GET  /bao-cao/mau/moi, POST          a new template (24.3: a form over every dimension and measure)
//	GET  /bao-cao/mau/{id}, POST         edit (action=luu) or delete (action=xoa)
//	GET  /bao-cao/mau/{id}/chay          "Chạy báo cáo": to the statistics page with the query
//	GET  /bao-cao/mau/{id}/ky            the periodic runs
//	GET  /bao-cao/mau/{id}/ky/{run}      one run's figures as a table
//
// Who may: as workflow.Reports says (heads, leaders, admins); another
// person's personal template is the 404 page.

// Paths under PathReportTemplates.
const (
	PathReportTemplateNew = PathReportTemplates + "/moi"
)

// maxTemplateForm bounds a template's form (its query is at most 8 KiB).
const maxTemplateForm = 32 << 10

// ReportTemplateURL is the page of a template.
func ReportTemplateURL(id string) string { return PathReportTemplates + "/" + id }

// ReportRunURL is the page of a periodic run (the template's ID begins it).
func ReportRunURL(runID string) string {
	tpl, _, _ := strings.Cut(runID, "-")
	return ReportTemplateURL(tpl) + "/ky/" + runID
}

// reportsActor is the signed-in caller, when the server keeps templates.
func (h *Handler) reportsActor(w http.ResponseWriter, r *http.Request) (archive.Actor, *workflow.Reports, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, nil, false
	}
	if h.cfg.Reports == nil {
		h.renderError(w, r, kerr.New(kerr.Unavailable, "reports_not_configured", "Chức năng mẫu báo cáo chưa được bật trên máy chủ này.", "web.Config.Reports is nil"))
		return a, nil, false
	}
	return a, h.cfg.Reports, true
}

// templatesPage is what templates/report_templates.html shows.
type templatesPage struct {
	Shared, Mine []templateRow
	Done         string
	// Index is the reports index (PathReports).
	Index string
}

type templateRow struct {
	ID, Name, Description, Period, Schedule, Format string
	URL, RunURL, RunsURL                            string
	Changeable                                      bool
	Rev                                             int64
}

// reportTemplates is GET /bao-cao/mau.
func (h *Handler) reportTemplates(w http.ResponseWriter, r *http.Request) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok {
		return
	}
	ts, err := rs.ListTemplates(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &templatesPage{Index: PathReports}
	switch r.URL.Query().Get("da") {
	case "xoa":
		p.Done = "Đã xóa mẫu báo cáo."
	case "luu":
		p.Done = "Đã lưu mẫu báo cáo."
	}
	for _, t := range ts {
		row := templateRow{ID: t.ID, Name: t.Name, Description: t.Description, Schedule: t.Schedule.Label(), Format: t.Format.Label(),
			URL: ReportTemplateURL(t.ID), RunURL: ReportTemplateURL(t.ID) + "/chay", RunsURL: ReportTemplateURL(t.ID) + "/ky",
			Changeable: t.Scope == workflow.ScopePersonal || a.Role == archive.RoleAdmin, Rev: t.Rev}
		row.Period = templatePeriod(t)
		if t.Scope == workflow.ScopeShared {
			p.Shared = append(p.Shared, row)
		} else {
			p.Mine = append(p.Mine, row)
		}
	}
	h.render(w, r, http.StatusOK, "report_templates", "Mẫu báo cáo", "reports", p)
}

// templatePeriod is a template's period as people read it.
func templatePeriod(t workflow.ReportTemplate) string {
	if t.Relative != "" {
		return t.Relative.Label()
	}
	v, _ := url.ParseQuery(t.Query)
	q, err := workflow.ParseStatsQuery(v, time.Now())
	if err != nil {
		return ""
	}
	return q.Period.Label(time.Now())
}

// templateForm is the form of a template: the values as sent (or as
// stored) and the messages of a refusal, as controls the page draws.
type templateForm struct {
	adminForm
	// Action, Submit name the form; Rev is the revision edited (0 for a
	// new one).
	Action, Submit string
	Rev            int64
	Admin          bool
	// The controls, in the form's order (Scope and Agency: admins only).
	Name, Desc, Scope       control
	Relative, Kind, Year, N control
	Agency, Group1, Group2  control
	Filters                 []control
	Measures                []option
	Format, Schedule, Email control
	// Chosen are the measures ticked.
	Chosen []string
}

// control is one labelled control with its value and error: Kind is an
// input type, "select" (Options) or "textarea".
type control struct {
	ID, Label, Kind, Value, Error string
	Options                       []option
}

// Names of the form's controls.
const (
	fName, fDesc, fScope                 = "ten", "mo-ta", "pham-vi"
	fRelative, fKind, fYear, fN, fAgency = "ky-tuong-doi", "loai-ky", "nam", "so-ky", "co-quan"
	fGroup1, fGroup2                     = "nhom-1", "nhom-2"
	fMeasures, fFormat, fSchedule        = "chi-tieu", "dinh-dang", "dinh-ky"
	fEmail, fFilterPrefix                = "email", "loc-"
)

// fieldIDs maps a workflow.TemplateError's field to the control the
// error summary links to.
var fieldIDs = map[string]string{
	workflow.FieldTemplateName: fName, workflow.FieldTemplateDesc: fDesc, workflow.FieldTemplateQuery: fKind,
	workflow.FieldTemplateMeasures: fMeasures, workflow.FieldTemplateFormat: fFormat, workflow.FieldTemplateSchedule: fSchedule,
	workflow.FieldTemplateRelative: fRelative, workflow.FieldTemplateEmail: fEmail, workflow.FieldTemplateScope: fScope,
}

// newTemplateForm is the form over values, with errs.
func newTemplateForm(values url.Values, a archive.Actor, errs ...formError) *templateForm {
	f := &templateForm{adminForm: adminForm{Values: values, Errors: errs}, Admin: a.Role == archive.RoleAdmin, Chosen: values[fMeasures]}
	c := func(id, label, kind string, opts ...option) control {
		return control{ID: id, Label: label, Kind: kind, Value: values.Get(id), Error: f.Err(id), Options: opts}
	}
	rel := []option{{"", "Kỳ cố định (chọn bên dưới)"}}
	for _, rp := range workflow.RelativePeriods {
		rel = append(rel, option{string(rp), rp.Label()})
	}
	dims := []option{{"", "(không nhóm)"}}
	for _, d := range workflow.Dimensions {
		dims = append(dims, option{string(d), d.Label()})
		f.Filters = append(f.Filters, c(fFilterPrefix+string(d), d.Label(), "text"))
	}
	for _, m := range workflow.Measures {
		f.Measures = append(f.Measures, option{string(m), m.Label()})
	}
	var formats []option
	for _, x := range workflow.ExportFormats {
		formats = append(formats, option{string(x), x.Label()})
	}
	scheds := []option{{"", workflow.Schedule("").Label()}}
	for _, s := range workflow.Schedules {
		scheds = append(scheds, option{string(s), s.Label()})
	}
	f.Name = c(fName, "Tên báo cáo", "text")
	f.Desc = c(fDesc, "Mô tả (không bắt buộc)", "textarea")
	f.Scope = c(fScope, "Phạm vi", "select", option{string(workflow.ScopePersonal), workflow.ScopePersonal.Label()},
		option{string(workflow.ScopeShared), workflow.ScopeShared.Label()})
	f.Relative = c(fRelative, "Kỳ tương đối (tính lại mỗi lần chạy báo cáo)", "select", rel...)
	f.Kind = c(fKind, "Hoặc kỳ cố định: loại kỳ", "select", option{"", "(chọn)"}, option{string(workflow.PeriodMonth), "Tháng"},
		option{string(workflow.PeriodQuarter), "Quý"}, option{string(workflow.PeriodYear), "Năm"}, option{string(workflow.PeriodYTD), "Từ đầu năm đến nay"})
	f.Year = c(fYear, "Năm (ví dụ 2026)", "text")
	f.N = c(fN, "Tháng (1–12) hoặc quý (1–4)", "text")
	f.Agency = c(fAgency, "Mã cơ quan giải quyết (để trống: mọi cơ quan)", "text")
	f.Group1 = c(fGroup1, "Nhóm theo", "select", dims...)
	f.Group2 = c(fGroup2, "Nhóm tiếp theo", "select", dims...)
	f.Format = c(fFormat, "Định dạng kết xuất mặc định", "select", formats...)
	f.Schedule = c(fSchedule, "Báo cáo định kỳ", "select", scheds...)
	f.Email = c(fEmail, "Thư điện tử nhận thông báo mỗi kỳ báo cáo (không bắt buộc)", "email")
	return f
}

// Ticked reports whether measure m is ticked.
func (f *templateForm) Ticked(m string) bool { return slices.Contains(f.Chosen, m) }

// formOfTemplate is t as the form's values.
func formOfTemplate(t workflow.ReportTemplate) url.Values {
	v := url.Values{}
	v.Set(fName, t.Name)
	v.Set(fDesc, t.Description)
	v.Set(fScope, string(t.Scope))
	v.Set(fRelative, string(t.Relative))
	q, _ := url.ParseQuery(t.Query)
	v.Set(fKind, q.Get("period"))
	v.Set(fYear, q.Get("year"))
	v.Set(fN, q.Get("n"))
	v.Set(fAgency, q.Get("agency"))
	g := strings.Split(q.Get("groupBy"), ",")
	v.Set(fGroup1, g[0])
	if len(g) > 1 {
		v.Set(fGroup2, g[1])
	}
	for _, d := range workflow.Dimensions {
		if vals := q["f."+string(d)]; len(vals) > 0 {
			v.Set(fFilterPrefix+string(d), strings.Join(vals, ", "))
		}
	}
	for _, m := range t.Measures {
		v.Add(fMeasures, string(m))
	}
	v.Set(fFormat, string(t.Format))
	v.Set(fSchedule, string(t.Schedule))
	v.Set(fEmail, t.NotifyEmail)
	return v
}

// inputOfForm is the template the form asks for: the query in its URL
// form (what ParseStatsQuery checks) from the period, agency, group-by
// and filter controls.
func inputOfForm(v url.Values) workflow.TemplateInput {
	q := url.Values{}
	if v.Get(fRelative) == "" {
		for _, k := range [][2]string{{"period", fKind}, {"year", fYear}, {"n", fN}} {
			if s := strings.TrimSpace(v.Get(k[1])); s != "" {
				q.Set(k[0], s)
			}
		}
	}
	if s := strings.TrimSpace(v.Get(fAgency)); s != "" {
		q.Set("agency", s)
	}
	var g []string
	for _, k := range []string{fGroup1, fGroup2} {
		if s := v.Get(k); s != "" {
			g = append(g, s)
		}
	}
	if len(g) > 0 {
		q.Set("groupBy", strings.Join(g, ","))
	}
	for _, d := range workflow.Dimensions {
		for _, s := range strings.Split(v.Get(fFilterPrefix+string(d)), ",") {
			if s = strings.TrimSpace(s); s != "" {
				q.Add("f."+string(d), s)
			}
		}
	}
	in := workflow.TemplateInput{Scope: workflow.TemplateScope(v.Get(fScope)), TemplateFields: workflow.TemplateFields{
		Name: v.Get(fName), Description: v.Get(fDesc), Query: q.Encode(), Relative: workflow.RelativePeriod(v.Get(fRelative)),
		Format: workflow.ExportFormat(v.Get(fFormat)), Schedule: workflow.Schedule(v.Get(fSchedule)), NotifyEmail: v.Get(fEmail)}}
	for _, m := range v[fMeasures] {
		in.Measures = append(in.Measures, workflow.Measure(m))
	}
	return in
}

// templateError is err's message about the control it concerns.
func templateError(err error) formError {
	id := fKind
	var te *workflow.TemplateError
	if errors.As(err, &te) {
		id = fieldIDs[te.Field]
	}
	_, msg := kerr.Public(err)
	return formError{Field: id, Message: msg}
}

func (h *Handler) showTemplateForm(w http.ResponseWriter, r *http.Request, status int, title string, f *templateForm) {
	h.render(w, r, status, "report_template", title, "reports", f)
}

// reportTemplateNew is GET /bao-cao/mau/moi: an empty form (the last
// month, every measure of item 25 but the percentage ticked).
func (h *Handler) reportTemplateNew(w http.ResponseWriter, r *http.Request) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok {
		return
	}
	// The right to keep templates first: a desk officer gets the 403 page.
	if _, err := rs.ListTemplates(r.Context(), a); err != nil {
		h.renderError(w, r, err)
		return
	}
	v := url.Values{fRelative: {string(workflow.RelLastMonth)}, fFormat: {string(workflow.FormatHTML)},
		fMeasures: {"received", "inProgress", "resolved", "onTime", "late"}}
	f := newTemplateForm(v, a)
	f.Action, f.Submit = PathReportTemplateNew, "Lưu mẫu báo cáo"
	h.showTemplateForm(w, r, http.StatusOK, "Mẫu báo cáo mới", f)
}

// reportTemplateCreate is POST /bao-cao/mau/moi.
func (h *Handler) reportTemplateCreate(w http.ResponseWriter, r *http.Request) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok || !h.postTemplateForm(w, r) {
		return
	}
	t, err := rs.CreateTemplate(r.Context(), a, inputOfForm(r.PostForm))
	if err == nil {
		http.Redirect(w, r, PathReportTemplates+"?da=luu#"+t.ID, http.StatusSeeOther)
		return
	}
	if !kerr.IsKind(err, kerr.Invalid) && !kerr.IsKind(err, kerr.Permission) {
		h.renderError(w, r, err)
		return
	}
	f := newTemplateForm(r.PostForm, a, templateError(err))
	f.Action, f.Submit = PathReportTemplateNew, "Lưu mẫu báo cáo"
	h.showTemplateForm(w, r, statusOf(err), "Mẫu báo cáo mới", f)
}

// postTemplateForm parses a template's form (at most maxTemplateForm)
// and checks its CSRF token.
func (h *Handler) postTemplateForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxTemplateForm)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, kerr.Wrap(err, kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ hoặc quá lớn."))
		return false
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return false
	}
	return true
}

// reportTemplate is the template {id} as the signed-in caller may see it
// (ok false: the answer is written).
func (h *Handler) reportTemplate(w http.ResponseWriter, r *http.Request) (archive.Actor, *workflow.Reports, workflow.ReportTemplate, bool) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok {
		return a, rs, workflow.ReportTemplate{}, false
	}
	t, err := rs.Template(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return a, rs, t, false
	}
	return a, rs, t, true
}

// reportTemplateEdit is GET /bao-cao/mau/{id}.
func (h *Handler) reportTemplateEdit(w http.ResponseWriter, r *http.Request) {
	a, _, t, ok := h.reportTemplate(w, r)
	if !ok {
		return
	}
	f := newTemplateForm(formOfTemplate(t), a)
	f.Action, f.Submit, f.Rev = ReportTemplateURL(t.ID), "Lưu thay đổi", t.Rev
	h.showTemplateForm(w, r, http.StatusOK, "Sửa mẫu báo cáo: "+t.Name, f)
}

// reportTemplateSave is POST /bao-cao/mau/{id}: action=luu saves the
// form at its revision, action=xoa deletes.
func (h *Handler) reportTemplateSave(w http.ResponseWriter, r *http.Request) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok || !h.postTemplateForm(w, r) {
		return
	}
	id := r.PathValue("id")
	rev, err := strconv.ParseInt(r.PostForm.Get("rev"), 10, 64)
	if err != nil {
		h.renderError(w, r, kerr.New(kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ.", "rev %q", r.PostForm.Get("rev")))
		return
	}
	if r.PostForm.Get("action") == "xoa" {
		if err := rs.DeleteTemplate(r.Context(), a, id, rev); err != nil {
			h.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, PathReportTemplates+"?da=xoa", http.StatusSeeOther)
		return
	}
	t, err := rs.UpdateTemplate(r.Context(), a, id, rev, inputOfForm(r.PostForm))
	if err == nil {
		http.Redirect(w, r, PathReportTemplates+"?da=luu#"+t.ID, http.StatusSeeOther)
		return
	}
	if !kerr.IsKind(err, kerr.Invalid) && !kerr.IsKind(err, kerr.Conflict) {
		h.renderError(w, r, err)
		return
	}
	f := newTemplateForm(r.PostForm, a, templateError(err))
	f.Action, f.Submit, f.Rev = ReportTemplateURL(id), "Lưu thay đổi", rev
	h.showTemplateForm(w, r, statusOf(err), "Sửa mẫu báo cáo", f)
}

// reportTemplateRun is GET /bao-cao/mau/{id}/chay: "Chạy báo cáo", the
// statistics page with the template's query at now.
func (h *Handler) reportTemplateRun(w http.ResponseWriter, r *http.Request) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok {
		return
	}
	_, q, err := rs.RunQuery(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, PathDossierStats+"?"+q.Values().Encode(), http.StatusSeeOther)
}

// runsPage is what templates/report_runs.html shows.
type runsPage struct {
	Template workflow.ReportTemplate
	Runs     []runRow
	NextURL  string
}

type runRow struct {
	Period, MadeAt, URL                     string
	Received, Resolved, OnTime, Late, InPrg int64
}

// reportTemplateRuns is GET /bao-cao/mau/{id}/ky (?truoc= the next page).
func (h *Handler) reportTemplateRuns(w http.ResponseWriter, r *http.Request) {
	a, rs, t, ok := h.reportTemplate(w, r)
	if !ok {
		return
	}
	runs, more, err := rs.Runs(r.Context(), a, t.ID, r.URL.Query().Get("truoc"), 24)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &runsPage{Template: t}
	for _, run := range runs {
		c := run.Stats.Total
		p.Runs = append(p.Runs, runRow{Period: run.Stats.PeriodLabel, MadeAt: run.MadeAt.In(workflow.Vietnam).Format("15:04:05 02/01/2006"),
			URL: ReportRunURL(run.ID), Received: c.Received, Resolved: c.Resolved, OnTime: c.OnTime, Late: c.Late, InPrg: c.InProgress})
	}
	if more && len(runs) > 0 {
		p.NextURL = ReportTemplateURL(t.ID) + "/ky?truoc=" + url.QueryEscape(runs[len(runs)-1].ID)
	}
	h.render(w, r, http.StatusOK, "report_runs", "Báo cáo định kỳ: "+t.Name, "reports", p)
}

// runPage is what templates/report_run.html shows.
type runPage struct {
	Run      workflow.ReportRun
	Table    runTableView
	Back     string
	JSONLink string
}

// reportRun is GET /bao-cao/mau/{id}/ky/{run}: the stored figures as a
// table (?dinh-dang=json: the run as JSON).
func (h *Handler) reportRun(w http.ResponseWriter, r *http.Request) {
	a, rs, ok := h.reportsActor(w, r)
	if !ok {
		return
	}
	id := r.PathValue("run")
	if !strings.HasPrefix(id, r.PathValue("id")+"-") {
		h.renderError(w, r, kerr.New(kerr.NotFound, "report_run_not_found", "Không tìm thấy kỳ báo cáo.", "run %q is not of template %q", id, r.PathValue("id")))
		return
	}
	run, err := rs.Run(r.Context(), a, id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if r.URL.Query().Get("dinh-dang") == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bao-cao-%s.json"`, run.ID))
		writeRunJSON(w, run)
		return
	}
	p := &runPage{Run: run, Table: viewTable(run.Table()), Back: ReportTemplateURL(run.Template) + "/ky", JSONLink: ReportRunURL(run.ID) + "?dinh-dang=json"}
	h.render(w, r, http.StatusOK, "report_run", run.Name+" — "+run.Stats.PeriodLabel, "reports", p)
}

func writeRunJSON(w http.ResponseWriter, run workflow.ReportRun) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(run)
}

// runTableView is a report.Table with every cell written as people read it
// (until the exports' part gives the pages one way to draw a table).
type runTableView struct {
	Title, Subtitle string
	Columns         []report.Column
	Rows            [][]string
	Total           []string
	Notes           []string
}

func viewTable(t report.Table) runTableView {
	v := runTableView{Title: t.Title, Subtitle: t.Subtitle, Columns: t.Columns, Notes: t.Notes}
	row := func(r report.Row) []string {
		out := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			kind := report.KindText
			if i < len(t.Columns) {
				kind = t.Columns[i].Kind
			}
			out[i] = cellText(kind, c)
		}
		return out
	}
	for _, r := range t.Rows {
		v.Rows = append(v.Rows, row(r))
	}
	if t.Total != nil {
		v.Total = row(*t.Total)
	}
	return v
}

// cellText is a cell as people read it: counts with "." between
// thousands, percentages with a decimal comma.
func cellText(kind report.CellKind, c report.Cell) string {
	if c.Text != "" || kind == report.KindText {
		return c.Text
	}
	switch kind {
	case report.KindPercent:
		return strings.Replace(strconv.FormatFloat(c.Number, 'f', 1, 64), ".", ",", 1) + "%"
	case report.KindBytes:
		n, unit := c.Number, "B"
		for _, u := range []string{"KB", "MB", "GB", "TB"} {
			if n < 1024 {
				break
			}
			n, unit = n/1024, u
		}
		return strings.Replace(strconv.FormatFloat(n, 'f', 1, 64), ".", ",", 1) + " " + unit
	}
	s := strconv.FormatInt(int64(c.Number), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
