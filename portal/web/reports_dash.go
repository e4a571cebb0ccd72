package web

import (
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report/chart"
	"github.com/kho-vn/kho/workflow"
)

// dashboardRows is how many dossiers each list of the dashboard shows.
const dashboardRows = 10

// dashboardPage is the leaders' dashboard (2025 items 23.6 and 27).
type dashboardPage struct {
	Self string
	// Admin chooses the agency: Agencies are the choices, Agency the one
	// chosen ("" = none yet).
	Admin    bool
	Agencies []option
	Agency   string
	Year     int
	// Counts are the work to do of the caller's positions (staff; 27.1).
	Counts *workflow.Counts
	// Stats are the year's figures (27.2), Results and Trend its charts
	// (23.6).
	PeriodLabel string
	Total       workflow.StatsCounts
	Rate        string
	Results     statsChart
	Trend       statsChart
	// Direction are the dossiers now late and nearing their deadline
	// (27.4); LateURL and NearURL their full lists on the desk ("" when
	// the caller has no such list).
	Direction        workflow.Direction
	LateURL, NearURL string
}

// reportsStaff is the signed-in staff member or admin: citizens get the
// 403 page, nobody the sign-in.
func (h *Handler) reportsStaff(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, false
	}
	if h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return a, false
	}
	if a.Role != archive.RoleStaff && a.Role != archive.RoleAdmin {
		h.renderError(w, r, kerr.New(kerr.Permission, "staff_only", "Trang này dành cho cán bộ, công chức và quản trị viên.", "role %q", a.Role))
		return a, false
	}
	return a, true
}

// dashboard is GET /bao-cao/dieu-hanh: staff holding head or leader see
// their agency; admins choose one (?agency=). ?year= another year.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	a, ok := h.reportsStaff(w, r)
	if !ok {
		return
	}
	wf, ctx := h.cfg.Workflow, r.Context()
	now := h.cfg.Now()
	p := &dashboardPage{Self: PathDashboard, Admin: a.Role == archive.RoleAdmin, Year: now.In(workflow.Vietnam).Year()}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > p.Year {
			h.renderError(w, r, kerr.New(kerr.Invalid, "invalid_year", "Năm không hợp lệ.", "year %q", y))
			return
		}
		p.Year = n
	}
	if p.Admin {
		ags, err := wf.Agencies(ctx, a)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		for _, ag := range ags {
			p.Agencies = append(p.Agencies, option{ag.Code, ag.Name})
		}
		p.Agency = r.URL.Query().Get("agency")
		if p.Agency == "" {
			h.render(w, r, http.StatusOK, "report_dashboard", "Điều hành", "reports", p)
			return
		}
	}
	dir, err := wf.Direction(ctx, a, p.Agency, dashboardRows)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Direction, p.Agency = dir, dir.Agency
	src := h.statsSource()
	if src == nil {
		h.renderError(w, r, errStatsOff)
		return
	}
	kind := workflow.PeriodYTD
	if p.Year < now.In(workflow.Vietnam).Year() {
		kind = workflow.PeriodYear
	}
	st, err := src.DossierStats(ctx, a, workflow.StatsQuery{Period: workflow.Period{Kind: kind, Year: p.Year}, Agency: p.Agency,
		GroupBy: []workflow.Dimension{workflow.DimMonth}})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.PeriodLabel, p.Total = st.PeriodLabel, st.Total
	t, month := statsTable(st, "Kết quả giải quyết hồ sơ theo tháng")
	p.Rate = onTimeRate(st.Total)
	p.Results = drawChart(t, month, chart.Bars, []string{colOnTime, colLate, colInProgress}, chart.Options{ID: "ket-qua"})
	t.Title = "Xu hướng tiếp nhận và giải quyết theo tháng"
	p.Trend = drawChart(t, month, chart.Lines, []string{colReceived, colResolved, colLate}, chart.Options{ID: "xu-huong"})
	if a.Role == archive.RoleStaff {
		counts, err := wf.Counts(ctx, a)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		p.Counts = &counts
		for _, g := range counts.Groups {
			for _, b := range g.Buckets {
				switch b.Key {
				case "leader.overdue":
					p.LateURL = bucketURL(b.Key)
				case "desk.near_deadline":
					p.NearURL = bucketURL(b.Key)
				}
			}
		}
	}
	h.render(w, r, http.StatusOK, "report_dashboard", "Điều hành", "reports", p)
}

// reportCard is one card of the reports index.
type reportCard struct{ Title, URL, Text string }

// reportsIndex is GET /bao-cao: a card for each reports page the caller
// may use.
func (h *Handler) reportsIndex(w http.ResponseWriter, r *http.Request) {
	a, ok := h.reportsStaff(w, r)
	if !ok {
		return
	}
	admin := a.Role == archive.RoleAdmin
	leader := admin
	if !admin {
		m, err := h.cfg.Workflow.StaffMember(r.Context(), a, a.Subject)
		if err != nil && !kerr.IsKind(err, kerr.NotFound) {
			h.renderError(w, r, err)
			return
		}
		leader = err == nil && m.Active && (m.Holds(workflow.RoleHead) || m.Holds(workflow.RoleLeader))
	}
	var cards []reportCard
	if leader {
		cards = append(cards,
			reportCard{"Điều hành", PathDashboard, "Kết quả giải quyết hồ sơ theo tháng và xu hướng (biểu đồ kèm bảng số liệu), việc cần làm, hồ sơ quá hạn đang ở bước nào và hồ sơ sắp hết hạn."},
			reportCard{"Thống kê hồ sơ", PathDossierStats, "Số hồ sơ tiếp nhận, đang giải quyết, đã giải quyết đúng hạn và quá hạn theo kỳ, lĩnh vực, thủ tục, đơn vị, cán bộ; xuất Excel, Word, PDF và in."},
			reportCard{"Thống kê kho dữ liệu", PathVaultStats, "Giấy tờ lưu trữ và tái sử dụng theo loại giấy tờ, thủ tục và theo thời gian; dung lượng theo chủ kho."})
	}
	cards = append(cards, reportCard{"Mẫu báo cáo", PathReportTemplates, "Mẫu báo cáo theo mọi thuộc tính của hồ sơ, báo cáo đã lưu của bạn và báo cáo định kỳ."})
	if admin {
		cards = append(cards, reportCard{"Đồng bộ EMC", PathEMC, "Dữ liệu gửi Hệ thống thông tin giám sát, đo lường (EMC): hàng đợi, lần gửi và nhật ký gửi."})
	}
	cards = append(cards, reportCard{"Thống kê công khai", PathPublicStats, "Số liệu giải quyết hồ sơ đúng hạn, quá hạn theo kỳ mà mọi người đều xem được."})
	h.render(w, r, http.StatusOK, "reports", "Báo cáo, thống kê", "reports", cards)
}
