package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestReportsOnGeneratedDataset: on the real statistics engine over the
// generated dataset (workflowtest.Generate), the leaders' dashboard shows
// the figures the dataset expects for the head's agency this year, month
// by month, and the public page those of the year by agency — and none
// of the dataset's dossier codes, officers or staff names.
func TestReportsOnGeneratedDataset(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, vault, _ := openVault(t, archive.Config{}, log)
	ds, err := workflowtest.Generate(ctx, store, 13, 400)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return ds.Now }
	wf := workflow.New(workflow.Config{Store: store, Vault: vault, Log: log, Now: now})
	workflowtest.RunStatsJob(t, wf)
	identify := func(r *http.Request) (archive.Actor, bool) {
		sub := r.Header.Get("X-Test-User")
		return archive.Actor{Subject: sub, Role: archive.Role(r.Header.Get("X-Test-Role"))}, sub != ""
	}
	h, err := web.New(web.Config{Vault: vault, Workflow: wf, Identify: identify, Now: now}, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	get := func(path, user, role string) (*http.Response, string) {
		r, err := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sendAs(t, r, user, role)
	}
	agency := ds.Agencies[0].Code
	head, appraiser := ds.Heads(agency)

	// The dashboard: the year to date of the head's agency by month.
	want := ds.Expect(workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYTD, Year: ds.Now.Year()}, Agency: agency,
		GroupBy: []workflow.Dimension{workflow.DimMonth}})
	if want.Total.Received == 0 || want.Total.Late == 0 || want.Total.OnTime == 0 {
		t.Fatalf("the dataset expects nothing to show: %+v", want.Total)
	}
	res, body := get(web.PathDashboard, head, "staff")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("head: %d\n%s", res.StatusCode, body)
	}
	for _, f := range []struct {
		label string
		n     int64
	}{{"Tiếp nhận", want.Total.Received}, {"Đang giải quyết", want.Total.InProgress}, {"Đã giải quyết", want.Total.Resolved},
		{"Đúng hạn", want.Total.OnTime}, {"Quá hạn", want.Total.Late}} {
		if s := fmt.Sprintf("<dt>%s</dt><dd>%d</dd>", f.label, f.n); !strings.Contains(body, s) {
			t.Errorf("dashboard lacks %s", s)
		}
	}
	// Each month's row of the results table (the chart's data).
	for _, r := range want.Rows {
		// Expect gives the month's key ("2026-03"); the page its label.
		var m workflow.Period
		if _, err := fmt.Sscanf(r.Keys[0], "%d-%d", &m.Year, &m.N); err != nil {
			t.Fatalf("month key %q: %v", r.Keys[0], err)
		}
		m.Kind = workflow.PeriodMonth
		row := fmt.Sprintf(`<th scope="row">%s</th><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td>`,
			m.Label(ds.Now), r.Received, r.InProgress, r.Resolved, r.OnTime, r.Late)
		if !strings.Contains(body, row) {
			t.Errorf("dashboard lacks the row %s", row)
		}
	}
	if res, _ := get(web.PathDashboard, appraiser, "staff"); res.StatusCode != http.StatusForbidden {
		t.Errorf("appraiser: %d", res.StatusCode)
	}

	// The public page: the year by agency.
	pub := ds.Expect(workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: ds.Now.Year()}, GroupBy: []workflow.Dimension{workflow.DimAgency}})
	res, body = get(web.PathPublicStats+fmt.Sprintf("?period=year&year=%d", ds.Now.Year()), "", "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("public: %d\n%s", res.StatusCode, body)
	}
	for _, f := range []struct {
		label string
		n     int64
	}{{"Tiếp nhận", pub.Total.Received}, {"Đã giải quyết", pub.Total.Resolved}, {"Đúng hạn", pub.Total.OnTime}, {"Quá hạn", pub.Total.Late}} {
		if s := fmt.Sprintf("<dt>%s</dt><dd>%d</dd>", f.label, f.n); !strings.Contains(body, s) {
			t.Errorf("public page lacks %s", s)
		}
	}
	for _, f := range ds.Facts {
		if strings.Contains(body, f.Code) || (f.Officer != "" && strings.Contains(body, f.Officer)) {
			t.Fatalf("the public page shows dossier %s or its officer %q", f.Code, f.Officer)
		}
	}
	for _, m := range ds.Staff {
		if strings.Contains(body, m.Name) || strings.Contains(body, m.Subject) {
			t.Fatalf("the public page names %s (%s)", m.Name, m.Subject)
		}
	}
}
