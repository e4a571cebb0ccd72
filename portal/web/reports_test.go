package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// The directory of the reports tests, besides the desk officer and the
// other agency's officer (who holds every position there).
const (
	dashLeaderSub    = "lanhdao1"
	dashHeadSub      = "truongphong1"
	dashAppraiserSub = "chuyenvien1"
	handlerName      = "Trần Thị Xử Lý"
)

// handStats is a statistics source of hand-built answers: what the pages
// draw is checked against figures known here. It records the queries.
type handStats struct {
	mu      sync.Mutex
	private []workflow.StatsQuery
	public  []workflow.StatsQuery
	actors  []archive.Actor
}

// monthly is the hand-built answer by month: row i has i+1 on time.
func monthly(q workflow.StatsQuery) workflow.DossierStats {
	d := workflow.DossierStats{Query: q, PeriodLabel: "Năm 2026", AsOf: time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)}
	for m := 1; m <= 3; m++ {
		c := workflow.StatsCounts{Received: int64(100 * m), InProgress: int64(7 * m), Resolved: int64(m + 2*m), OnTime: int64(m), Late: int64(2 * m)}
		d.Rows = append(d.Rows, workflow.StatsRow{Keys: []string{time.Month(m).String()}, Labels: []string{"Tháng " + string(rune('0'+m))}, StatsCounts: c})
		d.Total.Received += c.Received
		d.Total.InProgress += c.InProgress
		d.Total.Resolved += c.Resolved
		d.Total.OnTime += c.OnTime
		d.Total.Late += c.Late
	}
	d.Total.OnTime += 1200 // a figure the page writes with a thousands dot
	d.Total.Resolved += 1200
	return d
}

func (s *handStats) DossierStats(_ context.Context, a archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.private, s.actors = append(s.private, q), append(s.actors, a)
	return monthly(q), nil
}

func (s *handStats) PublicStats(_ context.Context, q workflow.StatsQuery) (workflow.DossierStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.public = append(s.public, q)
	if q.Period.Kind == workflow.PeriodMonth && q.Period.N == 11 {
		return workflow.DossierStats{}, kerr.New(kerr.Invalid, "invalid_stats_query", "Kỳ thống kê chưa có số liệu.", "test")
	}
	d := workflow.DossierStats{Query: q, PeriodLabel: "Năm 2026"}
	rows := map[workflow.Dimension][]workflow.StatsRow{
		workflow.DimAgency: {{Keys: []string{ward}, Labels: []string{"UBND phường Bến Nghé"}, StatsCounts: workflow.StatsCounts{Received: 40, Resolved: 30, OnTime: 27, Late: 3}},
			{Keys: []string{otherWard}, Labels: []string{"UBND phường Đa Kao"}, StatsCounts: workflow.StatsCounts{Received: 10, Resolved: 10, OnTime: 10}}},
		workflow.DimField: {{Keys: []string{"Hộ tịch"}, Labels: []string{"Hộ tịch"}, StatsCounts: workflow.StatsCounts{Received: 50, Resolved: 40, OnTime: 37, Late: 3}}},
	}
	if len(q.GroupBy) == 1 {
		d.Rows = rows[q.GroupBy[0]]
	}
	d.Total = workflow.StatsCounts{Received: 50, Resolved: 40, OnTime: 37, Late: 3}
	return d, nil
}

func (s *handStats) calls() (private, public int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.private), len(s.public)
}

// newReportsSite is the staff site with leaders, dossiers late and near
// their deadline, and hand-built statistics.
func newReportsSite(t *testing.T) (*staffSite, *handStats) {
	t.Helper()
	return newReportsSiteAs(t, nil)
}

// newReportsSiteAs is newReportsSite where fixed is always signed in
// (nil: the test headers say who is).
func newReportsSiteAs(t *testing.T, fixed *archive.Actor) (*staffSite, *handStats) {
	t.Helper()
	stats := &handStats{}
	now := time.Now()
	s := newStaffSiteWith(t, 4, fixed, nil, staffSiteOptions{
		staff: []workflow.Staff{
			{Subject: dashLeaderSub, Name: "Phạm Lãnh Đạo", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleLeader}},
			{Subject: dashHeadSub, Name: "Vũ Trưởng Phòng", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleHead}},
			{Subject: dashAppraiserSub, Name: "Hồ Chuyên Viên", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleAppraiser}},
		},
		edit: func(d *workflow.Dossier, at time.Time) {
			i := at.Sub(now.Add(-2*time.Hour)) / time.Minute
			switch i {
			case 0: // late: three days past due, its step one day past
				d.Status, d.Stage, d.Step = workflow.StatusProcessing, workflow.StageAppraising, "tham_dinh"
				d.ReceivedAt, d.DueAt, d.StepDueAt = now.Add(-10*24*time.Hour), now.Add(-3*24*time.Hour), now.Add(-24*time.Hour)
				d.Handler = &workflow.Handler{Subject: dashAppraiserSub, Name: handlerName, Department: "VP", DepartmentName: "Văn phòng"}
			case 1: // near its deadline
				d.Status, d.Stage, d.Step = workflow.StatusProcessing, workflow.StageAppraising, "tham_dinh"
				d.ReceivedAt, d.DueAt, d.StepDueAt = now.Add(-24*time.Hour), now.Add(2*time.Hour), now.Add(time.Hour)
			}
		},
		config: func(_ *staffSite, c *web.Config) { c.Stats = stats },
	})
	return s, stats
}

func TestDashboard(t *testing.T) {
	s, stats := newReportsSite(t)
	late, near := s.codes[3], s.codes[2] // newest first
	res, body := s.do(t, http.MethodGet, web.PathDashboard, dashLeaderSub, "staff", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("leader: %d\n%s", res.StatusCode, body)
	}
	// 27.4: the late dossier in the late list with its step, department,
	// handler and the working days; the near one in the near list.
	lateList, nearList, ok := strings.Cut(body[strings.Index(body, `id="ho-so-qua-han"`):], `id="ho-so-sap-het-han"`)
	if !ok {
		t.Fatal("no near-deadline section")
	}
	for _, want := range []string{late, "Thẩm định hồ sơ, dự thảo giấy khai sinh", "Văn phòng", handlerName, "quá hạn 3 ngày làm việc", "bước này quá hạn 1 ngày làm việc"} {
		if !strings.Contains(lateList, want) {
			t.Errorf("late list lacks %q", want)
		}
	}
	if strings.Contains(lateList, near) || !strings.Contains(nearList, near) || strings.Contains(nearList, late) {
		t.Errorf("near %s / late %s in the wrong lists", near, late)
	}
	// 27.1: the work to do of the leader's position, linked to its list.
	if !strings.Contains(body, `href="/can-bo?nhom=leader.overdue">Hồ sơ đang xử lý quá hạn: <strong>1</strong>`) {
		t.Error("no leader's overdue count with its link")
	}
	// 23.6, 27.2: the year by month, asked for the leader's agency; its
	// totals, the charts and their tables.
	p, _ := stats.calls()
	if p != 1 || stats.private[0].Agency != ward || !slices.Equal(stats.private[0].GroupBy, []workflow.Dimension{workflow.DimMonth}) ||
		stats.private[0].Period.Kind != workflow.PeriodYTD || stats.actors[0].Subject != dashLeaderSub {
		t.Errorf("asked %+v as %+v", stats.private, stats.actors)
	}
	for _, want := range []string{`<dt>Đúng hạn</dt><dd>1206</dd>`, `<dt>Quá hạn</dt><dd>12</dd>`, `<td class="num">1.206</td>`,
		`<th scope="row">Tháng 3</th><td class="num">300</td>`, `role="img"`, `<title id="ket-qua-title">`, `<title id="xu-huong-title">`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if n := strings.Count(body, `class="bar"`); n != 9 {
		t.Errorf("%d bars, want 3 months × 3 series", n)
	}
	if n := strings.Count(body, `class="line"`); n != 3 {
		t.Errorf("%d lines", n)
	}
	// The head of department too.
	if res, _ := s.do(t, http.MethodGet, web.PathDashboard, dashHeadSub, "staff", nil); res.StatusCode != http.StatusOK {
		t.Errorf("head: %d", res.StatusCode)
	}
}

func TestDashboardPrivacy(t *testing.T) {
	s, stats := newReportsSite(t)
	late := s.codes[3]
	for _, c := range []struct{ who, role string }{{deskSub, "staff"}, {dashAppraiserSub, "staff"}, {"001099012345", "citizen"}} {
		res, body := s.do(t, http.MethodGet, web.PathDashboard, c.who, c.role, nil)
		if res.StatusCode != http.StatusForbidden || strings.Contains(body, late) || strings.Contains(body, handlerName) {
			t.Errorf("%s (%s): %d, shows the dossier: %v", c.who, c.role, res.StatusCode, strings.Contains(body, late))
		}
	}
	if p, _ := stats.calls(); p != 0 {
		t.Errorf("statistics asked %d times for people who may not see them", p)
	}
	res, _ := s.do(t, http.MethodGet, web.PathDashboard, "", "", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), web.PathSignIn) {
		t.Errorf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Another agency's leader sees their own agency, whatever they ask.
	for _, path := range []string{web.PathDashboard, web.PathDashboard + "?agency=" + ward} {
		res, body := s.do(t, http.MethodGet, path, outSub, "staff", nil)
		if res.StatusCode != http.StatusOK || strings.Contains(body, late) || strings.Contains(body, handlerName) {
			t.Errorf("%s as the other agency's leader: %d, shows the ward's dossier: %v", path, res.StatusCode, strings.Contains(body, late))
		}
	}
	for _, q := range stats.private {
		if q.Agency != otherWard {
			t.Errorf("the other agency's leader was answered for %q", q.Agency)
		}
	}
	// An admin chooses the agency.
	res, body := s.do(t, http.MethodGet, web.PathDashboard, "quantri", "admin", nil)
	if res.StatusCode != http.StatusOK || strings.Contains(body, late) || !strings.Contains(body, `<select id="co-quan" name="agency">`) {
		t.Errorf("admin without an agency: %d", res.StatusCode)
	}
	if res, body = s.do(t, http.MethodGet, web.PathDashboard+"?agency="+ward, "quantri", "admin", nil); res.StatusCode != http.StatusOK || !strings.Contains(body, late) {
		t.Errorf("admin for the ward: %d, shows its late dossier: %v", res.StatusCode, strings.Contains(body, late))
	}
}

func TestPublicStats(t *testing.T) {
	s, stats := newReportsSite(t)
	res, body := s.do(t, http.MethodGet, web.PathPublicStats+"?period=year&year=2026&n=&agency=&f.field=", "", "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, want := range []string{`<dt>Đúng hạn</dt><dd>37</dd>`, `<dt>Tỷ lệ đúng hạn</dt><dd>92,5%</dd>`, `<th scope="row">UBND phường Bến Nghé</th>`,
		`<option value="` + ward + `">UBND phường Bến Nghé</option>`, `<title id="theo-co-quan-title">`, `<title id="theo-linh-vuc-title">`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// No personal data: no dossier code, applicant or officer.
	for _, no := range append(slices.Clone(s.codes), "Nguyễn Văn Ấn", "001099012345", handlerName, "Lê Văn Một") {
		if strings.Contains(body, no) {
			t.Errorf("the public page shows %q", no)
		}
	}
	// Only public queries: period, agency, field; grouped by agency and
	// by field; the same answer again from memory.
	s.do(t, http.MethodGet, web.PathPublicStats+"?period=year&year=2026", "", "", nil)
	if _, n := stats.calls(); n != 2 {
		t.Errorf("%d calls for one query asked twice, want 2 (by agency, by field)", n)
	}
	for _, q := range stats.public {
		if len(q.GroupBy) != 1 || (q.GroupBy[0] != workflow.DimAgency && q.GroupBy[0] != workflow.DimField) || q.Period != (workflow.Period{Kind: workflow.PeriodYear, Year: 2026}) {
			t.Errorf("asked %+v", q)
		}
	}
	res, _ = s.do(t, http.MethodGet, web.PathPublicStats+"?period=quarter&year=2026&n=2&agency="+ward+"&f.field=H%E1%BB%99+t%E1%BB%8Bch", deskSub, "staff", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "private, max-age=60" {
		t.Errorf("signed in: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	last := stats.public[len(stats.public)-1]
	if last.Agency != ward || !slices.Equal(last.Filter[workflow.DimField], []string{"Hộ tịch"}) || last.Period.N != 2 {
		t.Errorf("asked %+v", last)
	}
	// Bad queries: the page with its error summary, never a 500, and
	// never a query beyond the public dimensions.
	before := len(stats.public)
	for _, q := range []string{"period=month&n=13", "year=abc", "groupBy=officer", "f.officer=" + dashAppraiserSub, "f.status=processing", "period=decade", "agency=%3Cscript%3E"} {
		res, body := s.do(t, http.MethodGet, web.PathPublicStats+"?"+q, "", "", nil)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error-summary"`) || strings.Contains(body, "<script>") {
			t.Errorf("%s: %d", q, res.StatusCode)
		}
	}
	if len(stats.public) != before {
		t.Errorf("bad queries reached the engine: %+v", stats.public[before:])
	}
	// The engine's own refusal is the same error summary.
	if res, body := s.do(t, http.MethodGet, web.PathPublicStats+"?period=month&year=2026&n=11", "", "", nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Kỳ thống kê chưa có số liệu.") {
		t.Errorf("engine refusal: %d", res.StatusCode)
	}
}

func TestReportsIndex(t *testing.T) {
	s, _ := newReportsSite(t)
	cards := func(body string) []string {
		var out []string
		for _, p := range []string{web.PathDashboard, web.PathDossierStats, web.PathVaultStats, web.PathReportTemplates, web.PathEMC, web.PathPublicStats} {
			if strings.Contains(body, `<h2><a href="`+p+`">`) {
				out = append(out, p)
			}
		}
		return out
	}
	for _, c := range []struct {
		who, role string
		want      []string
	}{
		{"quantri", "admin", []string{web.PathDashboard, web.PathDossierStats, web.PathVaultStats, web.PathReportTemplates, web.PathEMC, web.PathPublicStats}},
		{dashLeaderSub, "staff", []string{web.PathDashboard, web.PathDossierStats, web.PathVaultStats, web.PathReportTemplates, web.PathPublicStats}},
		{dashHeadSub, "staff", []string{web.PathDashboard, web.PathDossierStats, web.PathVaultStats, web.PathReportTemplates, web.PathPublicStats}},
		{deskSub, "staff", []string{web.PathReportTemplates, web.PathPublicStats}},
	} {
		res, body := s.do(t, http.MethodGet, web.PathReports, c.who, c.role, nil)
		if got := cards(body); res.StatusCode != http.StatusOK || !slices.Equal(got, c.want) {
			t.Errorf("%s: %d cards %v, want %v", c.who, res.StatusCode, got, c.want)
		}
		if !strings.Contains(body, `<a href="/bao-cao" aria-current="page">Báo cáo</a>`) {
			t.Errorf("%s: no current «Báo cáo» in the nav", c.who)
		}
	}
	if res, _ := s.do(t, http.MethodGet, web.PathReports, "001099012345", "citizen", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("citizen: %d", res.StatusCode)
	}
	if res, _ := s.do(t, http.MethodGet, web.PathReports, "", "", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out: %d", res.StatusCode)
	}
	// The nav: «Thống kê» for everyone, «Báo cáo» for staff and admins.
	for _, c := range []struct {
		who, role string
		reports   bool
	}{{"", "", false}, {"001099012345", "citizen", false}, {deskSub, "staff", true}, {"quantri", "admin", true}} {
		_, body := s.do(t, http.MethodGet, web.PathPublicStats, c.who, c.role, nil)
		if !strings.Contains(body, `<a href="/thong-ke" aria-current="page">Thống kê</a>`) || strings.Contains(body, `>Báo cáo</a>`) != c.reports {
			t.Errorf("%q nav: reports link %v, want %v", c.who, strings.Contains(body, `>Báo cáo</a>`), c.reports)
		}
	}
}
