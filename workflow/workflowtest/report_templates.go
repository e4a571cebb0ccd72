package workflowtest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

func reportTemplate(id string, scope workflow.TemplateScope, owner string, sched workflow.Schedule) workflow.ReportTemplate {
	return workflow.ReportTemplate{ID: id, Scope: scope, Owner: owner, OwnerRole: "staff", Agency: agencyA,
		TemplateFields: workflow.TemplateFields{Name: "Báo cáo " + id, Query: "agency=" + agencyA + "&groupBy=field",
			Relative: workflow.RelLastMonth, Measures: []workflow.Measure{workflow.MeasureReceived, workflow.MeasureLate},
			Format: workflow.FormatXLSX, Schedule: sched},
		Rev: 1, CreatedAt: base, UpdatedAt: base}
}

// testReportTemplates: insert, read back, guarded update and delete
// (Conflict on a stale revision, NotFound when gone), listing by scope
// key and by schedule in ID order, with pages.
func testReportTemplates(t *testing.T, s workflow.Store, again Again) {
	ctx := t.Context()
	a := reportTemplate("00000000000000a1", workflow.ScopePersonal, "canbo1", workflow.ScheduleMonthly)
	must(t, s.CreateReportTemplate(ctx, a))
	wantKind(t, s.CreateReportTemplate(ctx, a), kerr.Conflict, "second insert")
	got, err := again(t, s).GetReportTemplate(ctx, a.ID)
	must(t, err)
	a.CreatedAt, a.UpdatedAt = ms(a.CreatedAt), ms(a.UpdatedAt)
	same(t, "template", got, a)
	_, err = s.GetReportTemplate(ctx, "00000000000000ff")
	wantKind(t, err, kerr.NotFound, "missing template")

	b := a
	b.Name, b.Rev, b.Schedule = "Đổi tên", 2, ""
	must(t, s.UpdateReportTemplate(ctx, b))
	stale := a
	stale.Name, stale.Rev = "cũ", 2
	err = s.UpdateReportTemplate(ctx, stale)
	wantKind(t, err, kerr.Conflict, "stale update")
	if !errors.Is(err, workflow.ErrTemplateChanged) {
		t.Fatalf("stale update: %v, want report_template_changed", err)
	}
	gone := reportTemplate("00000000000000fe", workflow.ScopeShared, "admin", "")
	gone.Rev = 2
	wantKind(t, s.UpdateReportTemplate(ctx, gone), kerr.NotFound, "update of a missing template")
	got, err = s.GetReportTemplate(ctx, a.ID)
	must(t, err)
	if got.Name != "Đổi tên" || got.Rev != 2 || got.Schedule != "" {
		t.Fatalf("after update %+v", got)
	}
	wantKind(t, s.DeleteReportTemplate(ctx, a.ID, 1), kerr.Conflict, "stale delete")
	must(t, s.DeleteReportTemplate(ctx, a.ID, 2))
	wantKind(t, s.DeleteReportTemplate(ctx, a.ID, 2), kerr.NotFound, "second delete")
	_, err = s.GetReportTemplate(ctx, a.ID)
	wantKind(t, err, kerr.NotFound, "deleted template")

	// Listing: two owners' personal templates and shared ones, some scheduled.
	var ids []string
	for i := range 7 {
		id := fmt.Sprintf("%016x", 0x100+i)
		var tpl workflow.ReportTemplate
		switch i % 3 {
		case 0:
			tpl = reportTemplate(id, workflow.ScopeShared, "admin", workflow.ScheduleYearly)
		case 1:
			tpl = reportTemplate(id, workflow.ScopePersonal, "canbo1", "")
		default:
			tpl = reportTemplate(id, workflow.ScopePersonal, "canbo2", workflow.ScheduleQuarterly)
		}
		must(t, s.CreateReportTemplate(ctx, tpl))
		ids = append(ids, id)
	}
	list := func(key, after string, limit int) ([]string, bool) {
		ts, more, err := s.ListReportTemplates(ctx, key, after, limit)
		must(t, err)
		var out []string
		for _, tpl := range ts {
			out = append(out, tpl.ID)
		}
		return out, more
	}
	shared, more := list(string(workflow.ScopeShared), "", 10)
	same(t, "shared", shared, []string{ids[0], ids[3], ids[6]})
	if more {
		t.Fatal("more after every shared template")
	}
	page, more := list(workflow.PersonalScopeKey("canbo2"), "", 1)
	if !more || len(page) != 1 || page[0] != ids[2] {
		t.Fatalf("first page of canbo2: %v %v", page, more)
	}
	page, more = list(workflow.PersonalScopeKey("canbo2"), page[0], 1)
	if more || len(page) != 1 || page[0] != ids[5] {
		t.Fatalf("second page of canbo2: %v %v", page, more)
	}
	mine, _ := list(workflow.PersonalScopeKey("canbo1"), "", 10)
	same(t, "canbo1", mine, []string{ids[1], ids[4]})
	none, _ := list(workflow.PersonalScopeKey("canbo3"), "", 10)
	if len(none) != 0 {
		t.Fatalf("canbo3 has %v", none)
	}
	_, _, err = s.ListReportTemplates(ctx, "shared", "", 0)
	wantKind(t, err, kerr.Invalid, "limit 0")

	sched, err := s.ScheduledReportTemplates(ctx, "", 3)
	must(t, err)
	var sids []string
	for _, tpl := range sched {
		sids = append(sids, tpl.ID)
	}
	same(t, "scheduled", sids, []string{ids[0], ids[2], ids[3]})
	sched, err = s.ScheduledReportTemplates(ctx, ids[3], 10)
	must(t, err)
	sids = nil
	for _, tpl := range sched {
		sids = append(sids, tpl.ID)
	}
	same(t, "scheduled after", sids, []string{ids[5], ids[6]})
}

// testReportRuns: a run per template and period, the second insert of
// the same one a Conflict (also from two stores at once), listing the
// latest period first with pages.
func testReportRuns(t *testing.T, s workflow.Store, again Again) {
	ctx := t.Context()
	const tpl = "00000000000000b1"
	var ids []string
	for m := 1; m <= 4; m++ {
		p := workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: m}
		r := workflow.ReportRun{ID: workflow.RunID(tpl, p), Template: tpl, Name: "Tháng", Scope: workflow.ScopePersonal,
			Owner: "canbo1", Period: p, Measures: []workflow.Measure{workflow.MeasureReceived},
			Stats:  workflow.DossierStats{PeriodLabel: p.Label(base), Total: workflow.StatsCounts{Received: int64(m), OnTime: 1}, AsOf: base},
			MadeAt: base}
		must(t, s.CreateReportRun(ctx, r))
		ids = append(ids, r.ID)
		if m == 1 {
			got, err := again(t, s).GetReportRun(ctx, r.ID)
			must(t, err)
			r.MadeAt, r.Stats.AsOf = ms(r.MadeAt), ms(r.Stats.AsOf)
			same(t, "run", got, r)
		}
	}
	other := workflow.ReportRun{ID: workflow.RunID("00000000000000b2", workflow.Period{Kind: workflow.PeriodYear, Year: 2025}), Template: "00000000000000b2"}
	must(t, s.CreateReportRun(ctx, other))
	_, err := s.GetReportRun(ctx, workflow.RunID(tpl, workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 9}))
	wantKind(t, err, kerr.NotFound, "missing run")

	runs, more, err := s.ListReportRuns(ctx, tpl, "", 3)
	must(t, err)
	if !more || len(runs) != 3 || runs[0].ID != ids[3] || runs[2].ID != ids[1] {
		t.Fatalf("first page %v %v", runIDs(runs), more)
	}
	runs, more, err = s.ListReportRuns(ctx, tpl, runs[2].ID, 3)
	must(t, err)
	if more || len(runs) != 1 || runs[0].ID != ids[0] || runs[0].Stats.Total.Received != 1 {
		t.Fatalf("second page %v %v", runIDs(runs), more)
	}

	// Two stores insert the same run at once: exactly one wins.
	p := workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 2}
	r := workflow.ReportRun{ID: workflow.RunID(tpl, p), Template: tpl, Period: p}
	stores := []workflow.Store{s, again(t, s)}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = stores[i%2].CreateReportRun(ctx, r) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !kerr.IsKind(err, kerr.Conflict):
			t.Fatalf("concurrent insert: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d inserts of one run won", won)
	}
	runs, _, err = s.ListReportRuns(ctx, tpl, "", 100)
	must(t, err)
	if len(runs) != 5 {
		t.Fatalf("runs %v", runIDs(runs))
	}
}

func runIDs(rs []workflow.ReportRun) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
