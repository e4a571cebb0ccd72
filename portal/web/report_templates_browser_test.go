package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// TestReportTemplatePagesAccessible: the templates' list, the new and the
// edit form (every dimension and measure), the periodic runs and one
// run's table have no serious or critical axe-core violation at desktop
// and phone width, nor sideways scrolling on a phone.
func TestReportTemplatePagesAccessible(t *testing.T) {
	s, rs := reportsSite(t, nil)
	ctx := context.Background()
	head := archive.Actor{Subject: rtHeadSub, Role: archive.RoleStaff}
	tpl, err := rs.CreateTemplate(ctx, head, workflow.TemplateInput{TemplateFields: workflow.TemplateFields{
		Name: "Tình hình giải quyết hồ sơ theo lĩnh vực và tháng", Description: "Dùng cho giao ban hằng quý.",
		Query: "groupBy=field,month&f.level=full", Relative: workflow.RelLastQuarter, Schedule: workflow.ScheduleQuarterly,
		Measures: workflow.Measures, Format: workflow.FormatXLSX}})
	if err != nil {
		t.Fatal(err)
	}
	p := workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 3}
	run := workflow.ReportRun{ID: workflow.RunID(tpl.ID, p), Template: tpl.ID, Name: tpl.Name, Scope: tpl.Scope, Owner: rtHeadSub,
		Period: p, Measures: tpl.Measures, Stats: workflow.DossierStats{Query: workflow.StatsQuery{Period: p, Agency: ward,
			GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimMonth}}, PeriodLabel: "Quý III/2026",
			Rows: []workflow.StatsRow{{Labels: []string{"Hộ tịch", "Tháng 07/2026"}, StatsCounts: workflow.StatsCounts{Received: 1234, Resolved: 1100, OnTime: 1090, Late: 10, InProgress: 134, Services: 12}},
				{Labels: []string{"Chứng thực", "Tháng 07/2026"}, StatsCounts: workflow.StatsCounts{Received: 98, Resolved: 97, OnTime: 97, Services: 3}}},
			Total: workflow.StatsCounts{Received: 1332, Resolved: 1197, OnTime: 1187, Late: 10, InProgress: 134, Services: 15}}}
	if err := s.store.CreateReportRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	// The browser is the head of department: the headers the test's
	// Identify reads, added on the way to the site.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, _ := http.NewRequestWithContext(r.Context(), r.Method, s.url+r.URL.RequestURI(), r.Body)
		r2.Header = r.Header.Clone()
		r2.Header.Set("X-Test-User", rtHeadSub)
		r2.Header.Set("X-Test-Role", "staff")
		res, err := http.DefaultTransport.RoundTrip(r2)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	t.Cleanup(proxy.Close)
	b := browsertest.New(t)
	for _, path := range []string{web.PathReportTemplates, web.PathReportTemplateNew, web.ReportTemplateURL(tpl.ID),
		web.ReportTemplateURL(tpl.ID) + "/ky", web.ReportRunURL(run.ID)} {
		t.Run(path, func(t *testing.T) { b.CheckAccessible(t, proxy.URL+path) })
	}
}
