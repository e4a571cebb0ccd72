package main

import (
	"context"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/workflow"
)

// TestReportTemplatesCLI: `kho report templates` lists the shared
// templates, and a person's saved reports only with --owner;
// `kho report run-periodic --at` makes the closed quarter's run of the
// periodic template once; it wants --now or --at.
func TestReportTemplatesCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := workflow.NewReports(workflow.ReportsConfig{Store: st.meta})
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	in := workflow.TemplateInput{Scope: workflow.ScopeShared, TemplateFields: workflow.TemplateFields{Name: "Báo cáo quý toàn tỉnh",
		Query: "groupBy=agency", Relative: workflow.RelLastQuarter, Measures: []workflow.Measure{workflow.MeasureReceived},
		Schedule: workflow.ScheduleQuarterly}}
	shared, err := rs.CreateTemplate(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	in.Scope, in.Name, in.Schedule = workflow.ScopePersonal, "Của riêng quản trị", ""
	mine, err := rs.CreateTemplate(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	st.close(ctx)

	code, out, errs := runKho(t, nil, "report", "templates", "--data", dir)
	if code != 0 || !strings.Contains(out, shared.ID) || !strings.Contains(out, "Hằng quý") || strings.Contains(out, mine.ID) {
		t.Fatalf("templates: %d %q %q", code, out, errs)
	}
	code, out, errs = runKho(t, nil, "report", "templates", "--data", dir, "--owner", "quantri")
	if code != 0 || !strings.Contains(out, shared.ID) || !strings.Contains(out, mine.ID) || !strings.Contains(out, "Của riêng quản trị") {
		t.Fatalf("templates --owner: %d %q %q", code, out, errs)
	}
	// The quarter that closed at the start of 2027: one run, once.
	for _, want := range []string{"made: 1", "made: 0"} {
		code, out, errs := runKho(t, nil, "report", "run-periodic", "--data", dir, "--at", "2027-01-01T00:05:00+07:00")
		if code != 0 || !strings.Contains(out, "visited: 1\n") || !strings.Contains(out, want) {
			t.Fatalf("run-periodic --at: %d %q %q, want %s", code, out, errs, want)
		}
	}
	if code, _, errs := runKho(t, nil, "report", "run-periodic", "--data", dir); code != 2 || !strings.Contains(errs, "--now") {
		t.Fatalf("run-periodic without --now: %d %q", code, errs)
	}
	if code, _, errs := runKho(t, nil, "report", "run-periodic", "--data", dir, "--at", "yesterday"); code != 2 || !strings.Contains(errs, "--at") {
		t.Fatalf("run-periodic --at yesterday: %d %q", code, errs)
	}
}
