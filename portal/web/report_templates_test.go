package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

const (
	rtHeadSub   = "truongphong.baocao"
	rtLeaderSub = "chutich.baocao"
)

// reportsSite is a staff site with report templates, a head of
// department and a leader of the ward.
func reportsSite(t *testing.T, csrf web.CSRF) (*staffSite, *workflow.Reports) {
	t.Helper()
	var rs *workflow.Reports
	s := newStaffSiteWith(t, 0, nil, csrf, staffSiteOptions{
		staff: []workflow.Staff{
			{Subject: rtHeadSub, Name: "Trần Thị Phòng", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleHead}},
			{Subject: rtLeaderSub, Name: "Nguyễn Văn Tịch", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleLeader}},
		},
		config: func(s *staffSite, c *web.Config) {
			rs = workflow.NewReports(workflow.ReportsConfig{Store: s.store})
			c.Reports = rs
		},
	})
	return s, rs
}

// TestReportTemplatePages: a head of department saves a report through
// the form (every dimension as a filter, two group-bys, the measures),
// sees it in their list, runs it (to the statistics page with its query,
// the relative period resolved) and sees its periodic runs; a refused
// form shows the error summary linking to the field, and keeps what was
// typed; the leader of the same agency, another agency's officer and a
// desk officer see nothing of it; a signed-out visitor is sent to sign
// in; the leader's delete of it is the 404 page; head deletes it.
func TestReportTemplatePages(t *testing.T) {
	s, rs := reportsSite(t, nil)
	ctx := context.Background()

	_, body := s.do(t, "GET", web.PathReportTemplateNew, rtHeadSub, "", nil)
	for _, want := range []string{`name="csrf"`, `<label for="ten">`, `<label for="loc-officer">`, `<label for="nhom-2">`,
		`id="chi-tieu-onTimePercent"`, `<label for="dinh-ky">`} {
		if !strings.Contains(body, want) {
			t.Fatalf("the form has no %s:\n%s", want, body)
		}
	}
	form := url.Values{"csrf": {"x"}, "action": {"luu"}, "ten": {"Hộ tịch theo lĩnh vực"}, "ky-tuong-doi": {"last-quarter"},
		"nhom-1": {"field"}, "nhom-2": {"month"}, "loc-level": {"full, partial"}, "loc-status": {"resolved"},
		"chi-tieu": {"received", "late"}, "dinh-dang": {"xlsx"}, "dinh-ky": {"quarterly"}}
	res, _ := s.do(t, "POST", web.PathReportTemplateNew, rtHeadSub, "", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	list, err := rs.ListTemplates(ctx, archive.Actor{Subject: rtHeadSub, Role: archive.RoleStaff})
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %+v %v", list, err)
	}
	tpl := list[0]
	q, _ := url.ParseQuery(tpl.Query)
	if tpl.Scope != workflow.ScopePersonal || q.Get("agency") != ward || q.Get("groupBy") != "field,month" ||
		len(q["f.level"]) != 2 || q.Get("f.status") != "resolved" || len(tpl.Measures) != 2 || tpl.Schedule != workflow.ScheduleQuarterly {
		t.Fatalf("stored %+v", tpl)
	}
	_, body = s.do(t, "GET", web.PathReportTemplates, rtHeadSub, "", nil)
	if !strings.Contains(body, "Hộ tịch theo lĩnh vực") || !strings.Contains(body, "Quý trước") {
		t.Fatalf("head's list:\n%s", body)
	}
	// Chạy báo cáo: the statistics page with the query, last quarter now.
	res, _ = s.do(t, "GET", web.ReportTemplateURL(tpl.ID)+"/chay", rtHeadSub, "", nil)
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc.Path != web.PathDossierStats || loc.Query().Get("period") != "quarter" ||
		loc.Query().Get("groupBy") != "field,month" || loc.Query().Get("agency") != ward {
		t.Fatalf("run: %d %s", res.StatusCode, loc)
	}
	// The edit form shows what is stored.
	_, body = s.do(t, "GET", web.ReportTemplateURL(tpl.ID), rtHeadSub, "", nil)
	if !strings.Contains(body, `value="full, partial"`) || !strings.Contains(body, `<option value="quarterly" selected>`) {
		t.Fatalf("edit form:\n%s", body)
	}
	// A refused form: the summary links to the field, the input stays.
	bad := url.Values{"csrf": {"x"}, "action": {"luu"}, "rev": {"1"}, "ten": {"Tên mới"}, "loc-procedure": {"A"}, "chi-tieu": {}}
	res, body = s.do(t, "POST", web.ReportTemplateURL(tpl.ID), rtHeadSub, "", bad)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `href="#chi-tieu"`) ||
		!strings.Contains(body, "Hãy chọn ít nhất một chỉ tiêu.") || !strings.Contains(body, `value="Tên mới"`) {
		t.Fatalf("refused form: %d\n%s", res.StatusCode, body)
	}
	bad.Set("chi-tieu", "received")
	bad.Set("loc-field", strings.Repeat("x,", 60))
	res, body = s.do(t, "POST", web.ReportTemplateURL(tpl.ID), rtHeadSub, "", bad)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="#loai-ky"`) {
		t.Fatalf("60 filter values: %d\n%s", res.StatusCode, body)
	}
	// A periodic run of it, as the job stores it.
	p := workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 3}
	run := workflow.ReportRun{ID: workflow.RunID(tpl.ID, p), Template: tpl.ID, Name: tpl.Name, Scope: tpl.Scope, Owner: rtHeadSub,
		Period: p, Measures: tpl.Measures, Stats: workflow.DossierStats{Query: workflow.StatsQuery{Period: p, Agency: ward,
			GroupBy: []workflow.Dimension{workflow.DimField}}, PeriodLabel: "Quý III/2026",
			Rows:  []workflow.StatsRow{{Keys: []string{"HT"}, Labels: []string{"Hộ tịch"}, StatsCounts: workflow.StatsCounts{Received: 1234, Late: 5}}},
			Total: workflow.StatsCounts{Received: 1234, Late: 5}}}
	if err := s.store.CreateReportRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	_, body = s.do(t, "GET", web.ReportTemplateURL(tpl.ID)+"/ky", rtHeadSub, "", nil)
	if !strings.Contains(body, "Quý III/2026") || !strings.Contains(body, web.ReportRunURL(run.ID)) {
		t.Fatalf("runs:\n%s", body)
	}
	_, body = s.do(t, "GET", web.ReportRunURL(run.ID), rtHeadSub, "", nil)
	if !strings.Contains(body, "<th scope=\"col\">Lĩnh vực</th>") || !strings.Contains(body, "<td>1.234</td>") || !strings.Contains(body, "Hộ tịch") {
		t.Fatalf("run:\n%s", body)
	}

	// Nobody else sees any of it.
	for _, who := range []struct{ sub, role string }{{rtLeaderSub, ""}, {outSub, ""}, {"quantri", "admin"}} {
		_, body = s.do(t, "GET", web.PathReportTemplates, who.sub, who.role, nil)
		if strings.Contains(body, "Hộ tịch theo lĩnh vực") {
			t.Fatalf("%s lists head's template", who.sub)
		}
		for _, path := range []string{web.ReportTemplateURL(tpl.ID), web.ReportTemplateURL(tpl.ID) + "/chay",
			web.ReportTemplateURL(tpl.ID) + "/ky", web.ReportRunURL(run.ID), web.ReportRunURL(run.ID) + "?dinh-dang=json"} {
			res, body := s.do(t, "GET", path, who.sub, who.role, nil)
			if res.StatusCode != http.StatusNotFound || strings.Contains(body, "Hộ tịch") || strings.Contains(body, "1.234") {
				t.Fatalf("%s GET %s: %d", who.sub, path, res.StatusCode)
			}
		}
		res, _ := s.do(t, "POST", web.ReportTemplateURL(tpl.ID), who.sub, who.role, url.Values{"csrf": {"x"}, "action": {"xoa"}, "rev": {"1"}})
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s deletes: %d", who.sub, res.StatusCode)
		}
	}
	res, body = s.do(t, "GET", web.PathReportTemplates, deskSub, "", nil)
	if res.StatusCode != http.StatusForbidden || strings.Contains(body, "Hộ tịch theo lĩnh vực") {
		t.Fatalf("desk officer: %d", res.StatusCode)
	}
	res, _ = s.do(t, "GET", web.ReportRunURL(run.ID), "", "", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "dang-nhap") {
		t.Fatalf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = s.do(t, "POST", web.ReportTemplateURL(tpl.ID), rtHeadSub, "", url.Values{"csrf": {"x"}, "action": {"xoa"}, "rev": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if list, _ := rs.ListTemplates(ctx, archive.Actor{Subject: rtHeadSub, Role: archive.RoleStaff}); len(list) != 0 {
		t.Fatalf("after delete %+v", list)
	}
}

// TestReportTemplatePagesCSRF: a form without a valid token stores nothing.
func TestReportTemplatePagesCSRF(t *testing.T) {
	s, rs := reportsSite(t, rejectCSRF{})
	form := url.Values{"ten": {"X"}, "ky-tuong-doi": {"last-month"}, "chi-tieu": {"received"}}
	res, _ := s.do(t, "POST", web.PathReportTemplateNew, rtHeadSub, "", form)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("without a token: %d", res.StatusCode)
	}
	if list, _ := rs.ListTemplates(context.Background(), archive.Actor{Subject: rtHeadSub, Role: archive.RoleStaff}); len(list) != 0 {
		t.Fatalf("stored %+v", list)
	}
}
