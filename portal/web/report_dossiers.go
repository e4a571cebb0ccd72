package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/statsexport"
	"github.com/kho-vn/kho/workflow"
)

// The dossier statistics page (issue 13, items 23.1–23.4 and 25):
// GET PathDossierStats with the statistics query in the URL
// (workflow.StatsQuery.Values), for staff holding the position of head of
// department or leader (their own agency) and admins (any agency). It
// shows the table, offers it as .xlsx, .docx and PDF and as a printable
// page (serveTable).

// DossierStatsSource answers dossier statistics (statsexport.Source).
type DossierStatsSource = statsexport.Source

// dossierStatsSource is Config.DossierStats, or the workflow service once it
// answers statistics; nil when neither does.
func (h *Handler) dossierStatsSource() DossierStatsSource {
	if h.cfg.DossierStats != nil {
		return h.cfg.DossierStats
	}
	return statsexport.SourceOf(h.cfg.Workflow)
}

var errDossierStatsOff = kerr.New(kerr.Unavailable, "stats_not_configured", "Máy chủ chưa được cấu hình để thống kê hồ sơ.",
	"neither web.Config.DossierStats nor Workflow answers DossierStats")

// statsPage is the dossier statistics page.
type statsPage struct {
	adminForm
	Fields  []adminField
	GroupBy [2]adminField
	Filters []adminField
	// Table is the report (nil when the query was refused).
	Table   *tableView
	Exports tableExports
}

// statsActor is the signed-in person, when they may see dossier
// statistics at all (workflow.Service.StatsScope); ok false: the answer
// is written.
func (h *Handler) statsActor(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, false
	}
	if h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return a, false
	}
	if _, err := h.cfg.Workflow.StatsScope(r.Context(), a, ""); err != nil {
		h.renderError(w, r, err)
		return a, false
	}
	return a, true
}

// The fields of the form, by parameter: the control's ID and the message
// when its value is refused.
var statsFieldIDs = map[string]string{"period": "ky", "year": "nam", "n": "so-ky", "agency": "co-quan", "groupBy": "nhom-1"}

// normalStatsValues is the form as sent made into the query's URL form:
// empty values dropped, the two group-by choices joined, the month or
// quarter dropped for a year. changed reports whether anything was.
func normalStatsValues(v url.Values) (out url.Values, changed bool) {
	out = url.Values{}
	for k, vs := range v {
		for _, s := range vs {
			if s == "" {
				changed = true
				continue
			}
			out[k] = append(out[k], s)
		}
	}
	if g := out["groupBy"]; len(g) > 1 {
		out.Set("groupBy", strings.Join(g, ","))
		changed = true
	}
	if p := out.Get("period"); (p == "year" || p == "ytd") && out.Has("n") {
		out.Del("n")
		changed = true
	}
	return out, changed
}

// checkStatsForm checks the period's fields one by one, for messages
// beside each control; ParseStatsQuery checks the rest.
func checkStatsForm(v url.Values) []formError {
	var errs []formError
	add := func(param, msg string) { errs = append(errs, formError{Field: statsFieldIDs[param], Message: msg}) }
	period := v.Get("period")
	switch period {
	case "", "month", "quarter", "year", "ytd":
	default:
		add("period", "Chọn kỳ thống kê: tháng, quý, năm hoặc từ đầu năm đến nay.")
	}
	if y := v.Get("year"); y != "" {
		if n, err := strconv.Atoi(y); err != nil || n < 2000 || n > 2200 {
			add("year", "Năm phải là số từ 2000 đến 2200.")
		}
	}
	n, err := strconv.Atoi(v.Get("n"))
	switch {
	case period == "month" && (err != nil || n < 1 || n > 12):
		add("n", "Với kỳ theo tháng, nhập tháng từ 1 đến 12.")
	case period == "quarter" && (err != nil || n < 1 || n > 4):
		add("n", "Với kỳ theo quý, nhập quý từ 1 đến 4.")
	}
	if g := strings.Split(v.Get("groupBy"), ","); len(g) == 2 && g[0] == g[1] {
		add("groupBy", "Hai tiêu chí nhóm phải khác nhau.")
	}
	return errs
}

// dossierStats is GET PathDossierStats: the form, the table and its
// exports. A form sent with empty fields or two group-by choices is sent
// on to its canonical address (the query's Values), so the address of a
// report is its query.
func (h *Handler) dossierStats(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statsActor(w, r)
	if !ok {
		return
	}
	src := h.dossierStatsSource()
	if src == nil {
		h.renderError(w, r, errDossierStatsOff)
		return
	}
	raw := r.URL.Query()
	params, changed := normalStatsValues(reportParams(raw))
	p := &statsPage{adminForm: adminForm{Values: params}}
	if p.Errors = checkStatsForm(params); len(p.Errors) > 0 {
		h.renderStats(w, r, http.StatusBadRequest, a, p)
		return
	}
	q, err := workflow.ParseStatsQuery(params, h.cfg.Now())
	if err != nil {
		p.Errors = []formError{{Field: "ky", Message: "Điều kiện thống kê không hợp lệ; hãy chọn lại trong biểu mẫu."}}
		h.renderStats(w, r, http.StatusBadRequest, a, p)
		return
	}
	if changed {
		u := q.Values()
		for _, k := range []string{formatParam, printParam} {
			if raw.Has(k) {
				u.Set(k, raw.Get(k))
			}
		}
		http.Redirect(w, r, PathDossierStats+"?"+u.Encode(), http.StatusSeeOther)
		return
	}
	if q.Agency, err = h.cfg.Workflow.StatsScope(r.Context(), a, q.Agency); err != nil {
		h.renderError(w, r, err)
		return
	}
	d, err := src.DossierStats(r.Context(), a, q)
	if kerr.IsKind(err, kerr.Invalid) {
		_, msg := kerr.Public(err)
		p.Errors = []formError{{Field: "ky", Message: msg}}
		h.renderStats(w, r, http.StatusBadRequest, a, p)
		return
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	t := statsexport.Table(d)
	if h.serveTable(w, r, t, statsexport.FileName(q.Period)) {
		return
	}
	p.Values = q.Values()
	v := viewOf(t)
	p.Table, p.Exports = &v, exportLinks(PathDossierStats, q.Values())
	h.renderStats(w, r, http.StatusOK, a, p)
}

// renderStats renders the page with its form filled from p.Values.
func (h *Handler) renderStats(w http.ResponseWriter, r *http.Request, status int, a archive.Actor, p *statsPage) {
	opt := func(v, l string) roleOption { return roleOption{Value: v, Label: l} }
	periods := []roleOption{opt("ytd", "Từ đầu năm đến nay"), opt("year", "Cả năm"), opt("quarter", "Theo quý"), opt("month", "Theo tháng")}
	year := p.Get("year")
	if year == "" {
		year = strconv.Itoa(h.cfg.Now().In(Vietnam).Year())
	}
	p.Fields = []adminField{
		{ID: "ky", Name: "period", Label: "Kỳ thống kê", Kind: "select", Options: periods},
		{ID: "nam", Name: "year", Label: "Năm", Kind: "number", Value: year, Max: 4},
		{ID: "so-ky", Name: "n", Label: "Tháng hoặc quý", Hint: "Tháng từ 1 đến 12, hoặc quý từ 1 đến 4; bỏ trống khi thống kê cả năm.", Kind: "number", Max: 2},
	}
	if a.Role == archive.RoleAdmin {
		p.Fields = append(p.Fields, adminField{ID: "co-quan", Name: "agency", Label: "Mã cơ quan giải quyết", Hint: "Bỏ trống để thống kê mọi cơ quan.", Kind: "text", Max: 40})
	}
	p.Fields = p.fields(p.Fields...)
	p.Fields[1].Value = year
	dims := []roleOption{opt("", "— Không nhóm —")}
	for _, d := range workflow.Dimensions {
		dims = append(dims, opt(string(d), d.Label()))
	}
	groups := strings.Split(p.Get("groupBy"), ",")
	for i := range p.GroupBy {
		f := adminField{ID: fmt.Sprintf("nhom-%d", i+1), Name: "groupBy", Label: fmt.Sprintf("Nhóm theo (tiêu chí %d)", i+1), Kind: "select", Options: dims}
		if i < len(groups) {
			f.Value = groups[i]
		}
		f.Error = p.Err(f.ID)
		p.GroupBy[i] = f
	}
	levels := []roleOption{opt("", "— Tất cả —")}
	for _, l := range []workflow.ServiceLevel{workflow.LevelFull, workflow.LevelPartial, workflow.LevelInfo} {
		levels = append(levels, opt(string(l), levelLabel(l)))
	}
	channels := []roleOption{opt("", "— Tất cả —")}
	for _, c := range []workflow.Channel{workflow.ChannelPortal, workflow.ChannelNational, workflow.ChannelDesk, workflow.ChannelPostal} {
		channels = append(channels, opt(string(c), c.Label()))
	}
	statuses := []roleOption{opt("", "— Tất cả —")}
	for _, s := range workflow.Statuses {
		statuses = append(statuses, opt(string(s), s.Label()))
	}
	stages := []roleOption{opt("", "— Tất cả —")}
	for _, s := range workflow.Stages {
		stages = append(stages, opt(string(s), s.Label()))
	}
	p.Filters = p.fields(
		adminField{ID: "loc-linh-vuc", Name: "f.field", Label: "Lĩnh vực (mã)", Kind: "text", Max: 200},
		adminField{ID: "loc-muc-do", Name: "f.level", Label: "Mức độ dịch vụ công", Kind: "select", Options: levels},
		adminField{ID: "loc-hinh-thuc", Name: "f.channel", Label: "Hình thức nộp", Kind: "select", Options: channels},
		adminField{ID: "loc-thu-tuc", Name: "f.procedure", Label: "Thủ tục hành chính (mã)", Kind: "text", Max: 200},
		adminField{ID: "loc-trang-thai", Name: "f.status", Label: "Trạng thái", Kind: "select", Options: statuses},
		adminField{ID: "loc-buoc", Name: "f.stage", Label: "Bước xử lý", Kind: "select", Options: stages},
		adminField{ID: "loc-can-bo", Name: "f.officer", Label: "Cán bộ xử lý (tài khoản)", Kind: "text", Max: 200},
	)
	h.render(w, r, status, "report_dossiers", "Thống kê hồ sơ", "reports", p)
}

// levelLabel is a service level as people read it, the information-only
// level included.
func levelLabel(l workflow.ServiceLevel) string {
	if l == workflow.LevelInfo {
		return "Dịch vụ cung cấp thông tin trực tuyến"
	}
	return l.Label()
}
