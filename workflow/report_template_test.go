package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// handStats is a statistics source built by hand (until the engine's
// tests below): the figures of a query are made from its period, so a
// run shows which period it was computed for; it records who asked.
type handStats struct {
	mu    sync.Mutex
	calls []archive.Actor
}

func (h *handStats) DossierStats(_ context.Context, a archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error) {
	h.mu.Lock()
	h.calls = append(h.calls, a)
	h.mu.Unlock()
	n := int64(q.Period.Year*100 + q.Period.N)
	return workflow.DossierStats{Query: q, PeriodLabel: q.Period.Label(start),
		Rows:  []workflow.StatsRow{{Keys: []string{"hotich"}, Labels: []string{"Hộ tịch"}, StatsCounts: workflow.StatsCounts{Received: n, Resolved: 3, OnTime: 2, Late: 1}}},
		Total: workflow.StatsCounts{Received: n, Resolved: 3, OnTime: 2, Late: 1}, AsOf: start}, nil
}

func (h *handStats) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

// reportsStore is a metadata store of the workflow, the outbox and job leases.
type reportsStore interface {
	workflow.Store
	notify.Store
	jobs.Store
}

func newReports(e *env, st reportsStore, stats workflow.StatsSource) *workflow.Reports {
	notes := notify.New(notify.Config{Store: st, Now: e.clock.Now})
	return workflow.NewReports(workflow.ReportsConfig{Store: st, Stats: stats, Outbox: notes, Now: e.clock.Now})
}

func fieldOf(err error) string {
	var te *workflow.TemplateError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

var monthly = workflow.TemplateInput{TemplateFields: workflow.TemplateFields{Name: "Tình hình giải quyết theo lĩnh vực",
	Query: "groupBy=field&f.level=full", Relative: workflow.RelLastMonth,
	Measures: []workflow.Measure{workflow.MeasureReceived, workflow.MeasureOnTime, workflow.MeasureLate}, Format: workflow.FormatXLSX}}

func TestRelativePeriodsAtBoundaries(t *testing.T) {
	ict := workflow.Vietnam
	m := func(y, n int) workflow.Period { return workflow.Period{Kind: workflow.PeriodMonth, Year: y, N: n} }
	q := func(y, n int) workflow.Period { return workflow.Period{Kind: workflow.PeriodQuarter, Year: y, N: n} }
	y := func(y int) workflow.Period { return workflow.Period{Kind: workflow.PeriodYear, Year: y} }
	ytd := func(y int) workflow.Period { return workflow.Period{Kind: workflow.PeriodYTD, Year: y} }
	for _, tc := range []struct {
		now                       time.Time
		month, quarter, year, ytd workflow.Period
	}{
		// New Year in Vietnam is still 31 December in UTC.
		{time.Date(2026, 1, 1, 0, 0, 0, 0, ict), m(2025, 12), q(2025, 4), y(2025), ytd(2026)},
		{time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC), m(2025, 12), q(2025, 4), y(2025), ytd(2026)},
		{time.Date(2025, 12, 31, 16, 59, 59, 0, time.UTC), m(2025, 11), q(2025, 3), y(2024), ytd(2025)},
		// A quarter's first instant, and its last.
		{time.Date(2026, 4, 1, 0, 0, 0, 0, ict), m(2026, 3), q(2026, 1), y(2025), ytd(2026)},
		{time.Date(2026, 3, 31, 23, 59, 59, 0, ict), m(2026, 2), q(2025, 4), y(2025), ytd(2026)},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, ict), m(2026, 6), q(2026, 2), y(2025), ytd(2026)},
		{time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC), m(2026, 11), q(2026, 3), y(2025), ytd(2026)},
	} {
		for rel, want := range map[workflow.RelativePeriod]workflow.Period{workflow.RelLastMonth: tc.month,
			workflow.RelLastQuarter: tc.quarter, workflow.RelLastYear: tc.year, workflow.RelYTD: tc.ytd} {
			got, err := rel.Resolve(tc.now)
			if err != nil || got != want {
				t.Errorf("%s at %s: %+v %v, want %+v", rel, tc.now.Format(time.RFC3339), got, err, want)
			}
		}
		// A template with a relative period resolves it when it runs.
		tpl := workflow.ReportTemplate{TemplateFields: workflow.TemplateFields{Query: "groupBy=field", Relative: workflow.RelLastQuarter}}
		sq, err := tpl.StatsQuery(tc.now)
		if err != nil || sq.Period != tc.quarter {
			t.Errorf("template at %s: %+v %v", tc.now, sq.Period, err)
		}
	}
	if _, err := workflow.RelativePeriod("next-month").Resolve(start); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("unknown relative period: %v", err)
	}
}

func TestReportTemplatesCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	r := newReports(e, e.store, &handStats{})

	mine, err := r.CreateTemplate(ctx, head, monthly)
	if err != nil {
		t.Fatal(err)
	}
	if mine.Scope != workflow.ScopePersonal || mine.Owner != head.Subject || mine.Rev != 1 || mine.Agency != ward {
		t.Fatalf("created %+v", mine)
	}
	// The staff member's own agency is written into the query.
	if v, _ := url.ParseQuery(mine.Query); v.Get("agency") != ward || v.Get("period") != "" {
		t.Fatalf("query %q", mine.Query)
	}
	shared := monthly
	shared.Scope, shared.Name, shared.Query, shared.Relative = workflow.ScopeShared, "Báo cáo năm toàn tỉnh", "period=year&year=2026&groupBy=agency", ""
	sh, err := r.CreateTemplate(ctx, admin, shared)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.CreateTemplate(ctx, head, shared)
	wantCode(t, err, "admin_only")

	// head sees the shared one and their own; the leader of the same
	// agency only the shared one, and head's is NotFound to them.
	list, err := r.ListTemplates(ctx, head)
	if err != nil || len(list) != 2 || list[0].ID != sh.ID || list[1].ID != mine.ID {
		t.Fatalf("head's list %+v %v", list, err)
	}
	list, err = r.ListTemplates(ctx, leader)
	if err != nil || len(list) != 1 || list[0].ID != sh.ID {
		t.Fatalf("leader's list %+v %v", list, err)
	}
	for _, a := range []archive.Actor{leader, admin, outsider} {
		_, err = r.Template(ctx, a, mine.ID)
		wantCode(t, err, "report_template_not_found")
		_, err = r.UpdateTemplate(ctx, a, mine.ID, 1, monthly)
		wantCode(t, err, "report_template_not_found")
		wantCode(t, r.DeleteTemplate(ctx, a, mine.ID, 1), "report_template_not_found")
		_, _, err = r.Runs(ctx, a, mine.ID, "", 10)
		wantCode(t, err, "report_template_not_found")
	}
	// Staff without the position, and citizens, get nothing.
	for _, a := range []archive.Actor{desk, appraiser, citizen} {
		_, err = r.ListTemplates(ctx, a)
		if !kerr.IsKind(err, kerr.Permission) {
			t.Fatalf("%s lists: %v", a.Subject, err)
		}
		_, err = r.Template(ctx, a, sh.ID)
		if !kerr.IsKind(err, kerr.Permission) {
			t.Fatalf("%s reads: %v", a.Subject, err)
		}
	}
	// Staff may not change a shared template.
	_, err = r.UpdateTemplate(ctx, head, sh.ID, 1, shared)
	wantCode(t, err, "admin_only")

	// Revisions: an edit at the stored revision, then a stale one.
	edit := monthly
	edit.Name, edit.Schedule = "Hằng tháng theo lĩnh vực", workflow.ScheduleMonthly
	mine2, err := r.UpdateTemplate(ctx, head, mine.ID, 1, edit)
	if err != nil || mine2.Rev != 2 || mine2.Schedule != workflow.ScheduleMonthly || !mine2.CreatedAt.Equal(mine.CreatedAt) {
		t.Fatalf("update %+v %v", mine2, err)
	}
	_, err = r.UpdateTemplate(ctx, head, mine.ID, 1, monthly)
	wantCode(t, err, "report_template_changed")
	wantCode(t, r.DeleteTemplate(ctx, head, mine.ID, 1), "report_template_changed")
	got, err := r.Template(ctx, head, mine.ID)
	if err != nil || got.Name != edit.Name {
		t.Fatalf("after a stale edit %+v %v", got, err)
	}
	// Run: the relative period resolved at the clock's now (Monday
	// 07/12/2026: last month is 11/2026).
	_, q, err := r.RunQuery(ctx, head, mine.ID)
	if err != nil || q.Period != (workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 11}) || q.Agency != ward ||
		len(q.GroupBy) != 1 || q.Filter[workflow.DimLevel][0] != "full" {
		t.Fatalf("run query %+v %v", q, err)
	}
	if err := r.DeleteTemplate(ctx, head, mine.ID, 2); err != nil {
		t.Fatal(err)
	}
	_, err = r.Template(ctx, head, mine.ID)
	wantCode(t, err, "report_template_not_found")
}

func TestReportTemplateHostileInput(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	r := newReports(e, e.store, &handStats{})
	var thousand []string
	for i := range 1000 {
		thousand = append(thousand, fmt.Sprintf("f.procedure=P%d", i))
	}
	var fifty []string
	for d := range 60 {
		fifty = append(fifty, fmt.Sprintf("f.procedure=P%d", d))
	}
	for _, tc := range []struct {
		name  string
		a     archive.Actor
		edit  func(*workflow.TemplateInput)
		code  string
		field string
	}{
		{"empty name", head, func(in *workflow.TemplateInput) { in.Name = "  " }, "template_name_required", "name"},
		{"oversized name", head, func(in *workflow.TemplateInput) { in.Name = strings.Repeat("Báo", 201) }, "text_too_long", "name"},
		{"control character", head, func(in *workflow.TemplateInput) { in.Name = "Báo cáo\u202e" }, "invalid_characters", "name"},
		{"oversized description", head, func(in *workflow.TemplateInput) { in.Description = strings.Repeat("x", 2001) }, "text_too_long", "description"},
		{"unknown dimension", head, func(in *workflow.TemplateInput) { in.Query = "f.color=red" }, "invalid_stats_query", "query"},
		{"unknown group-by", head, func(in *workflow.TemplateInput) { in.Query = "groupBy=color" }, "invalid_stats_query", "query"},
		{"three group-bys", head, func(in *workflow.TemplateInput) { in.Query = "groupBy=field,level,status" }, "invalid_stats_query", "query"},
		{"1,000 filters", head, func(in *workflow.TemplateInput) { in.Query = strings.Join(thousand, "&") }, "invalid_stats_query", "query"},
		{"60 values of one filter", head, func(in *workflow.TemplateInput) { in.Query = strings.Join(fifty, "&") }, "invalid_stats_query", "query"},
		{"oversized query", head, func(in *workflow.TemplateInput) { in.Query = "f.field=" + strings.Repeat("a", 9000) }, "invalid_stats_query", "query"},
		{"bad escape", head, func(in *workflow.TemplateInput) { in.Query = "f.field=%zz" }, "invalid_stats_query", "query"},
		{"bad period", head, func(in *workflow.TemplateInput) { in.Relative, in.Query = "", "period=month&n=13" }, "invalid_stats_query", "query"},
		{"unknown relative", head, func(in *workflow.TemplateInput) { in.Relative = "tomorrow" }, "invalid_relative_period", "relative"},
		{"no measure", head, func(in *workflow.TemplateInput) { in.Measures = nil }, "template_measures_required", "measures"},
		{"unknown measure", head, func(in *workflow.TemplateInput) { in.Measures = []workflow.Measure{"profit"} }, "invalid_measure", "measures"},
		{"unknown format", head, func(in *workflow.TemplateInput) { in.Format = "odt" }, "invalid_export_format", "format"},
		{"unknown schedule", head, func(in *workflow.TemplateInput) { in.Schedule = "daily" }, "invalid_schedule", "schedule"},
		{"bad e-mail", head, func(in *workflow.TemplateInput) { in.NotifyEmail = "not an address" }, "invalid_email", "notifyEmail"},
		{"unknown scope", admin, func(in *workflow.TemplateInput) { in.Scope = "world" }, "invalid_scope", "scope"},
		{"another agency", head, func(in *workflow.TemplateInput) { in.Query = "agency=" + other }, "other_agency", "query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := monthly
			tc.edit(&in)
			_, err := r.CreateTemplate(ctx, tc.a, in)
			wantCode(t, err, tc.code)
			if f := fieldOf(err); f != tc.field {
				t.Fatalf("field %q, want %q", f, tc.field)
			}
		})
	}
	list, err := r.ListTemplates(ctx, head)
	if err != nil || len(list) != 0 {
		t.Fatalf("refused templates were stored: %+v %v", list, err)
	}
	// A malformed ID is NotFound, not an error of the store.
	_, err = r.Template(ctx, head, "../../etc")
	wantCode(t, err, "report_template_not_found")
	_, err = r.Run(ctx, head, "x'; DROP TABLE")
	wantCode(t, err, "report_run_not_found")
}

// TestPeriodicReports: two processes run the leased job at the same time,
// twice; each periodic template gets exactly one run of the month that
// closed, computed as its owner, and its owner one notice; the next month
// makes the next run.
func TestPeriodicReports(t *testing.T) {
	e := newEnv(t)
	st2, err := sqlite.Open(t.Context(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close(context.Background()) })
	testPeriodicReports(t, e, e.store, st2)
}

// TestPeriodicReportsFerretDB is TestPeriodicReports over FerretDB, the
// two processes on two connections to one database.
func TestPeriodicReportsFerretDB(t *testing.T) {
	ctx := context.Background()
	name := testenv.UniqueName(t, "wfreports")
	open := func() *mongo.Store {
		st, err := mongo.Open(ctx, testenv.MongoURI(t), name)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st1, st2 := open(), open()
	t.Cleanup(func() {
		_ = st2.Close(context.Background())
		_ = st1.Drop(context.Background())
		_ = st1.Close(context.Background())
	})
	testPeriodicReports(t, newEnvOn(t, st1), st1, st2)
}

func testPeriodicReports(t *testing.T, e *env, st1, st2 reportsStore) {
	ctx := t.Context()
	stats := &handStats{}
	r1 := newReports(e, st1, stats)
	r2 := newReports(e, st2, stats)

	in := monthly
	in.Schedule = workflow.ScheduleMonthly
	mine, err := r1.CreateTemplate(ctx, head, in)
	if err != nil {
		t.Fatal(err)
	}
	in.Schedule, in.Scope, in.Name = workflow.ScheduleQuarterly, workflow.ScopeShared, "Quý, toàn tỉnh"
	shared, err := r1.CreateTemplate(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	in.Schedule, in.Scope, in.Name = "", workflow.ScopePersonal, "Không định kỳ"
	if _, err := r1.CreateTemplate(ctx, leader, in); err != nil {
		t.Fatal(err)
	}

	pass := func() {
		t.Helper()
		var wg sync.WaitGroup
		for i, r := range []*workflow.Reports{r1, r2, r1, r2} {
			runner := jobs.NewRunner([]jobs.Store{st1, st2}[i%2], nil, jobs.WithClock(e.clock.Now), jobs.WithHolder(fmt.Sprint("p", i)))
			wg.Go(func() {
				if _, err := runner.RunOnce(ctx, r.PeriodicJob(time.Hour)); err != nil {
					t.Error(err)
				}
			})
			// Without the lease too: the run's key alone keeps it single.
			wg.Go(func() {
				if _, err := r.PeriodicPass(ctx, "", nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	pass()
	pass()
	runs, _, err := r1.Runs(ctx, head, mine.ID, "", 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs of the monthly template: %+v %v", runs, err)
	}
	nov := workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 11}
	run := runs[0]
	if run.ID != workflow.RunID(mine.ID, nov) || run.Period != nov || run.Stats.Total.Received != 202611 ||
		run.Stats.Query.Agency != ward || run.Owner != head.Subject {
		t.Fatalf("run %+v", run)
	}
	shRuns, _, err := r1.Runs(ctx, admin, shared.ID, "", 10)
	q3 := workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 3}
	if err != nil || len(shRuns) != 1 || shRuns[0].Period != q3 || shRuns[0].Stats.Total.Received != 202603 {
		t.Fatalf("runs of the shared template: %+v %v", shRuns, err)
	}
	for _, a := range stats.calls {
		if a.Subject != head.Subject && a.Subject != admin.Subject {
			t.Fatalf("figures computed as %+v", a)
		}
	}
	// One notice, in-app, for the owner; the leader has none.
	notes := notify.New(notify.Config{Store: st1, Now: e.clock.Now})
	page, err := notes.List(ctx, head.Subject, "", 10)
	if err != nil || len(page.Notifications) != 1 || page.Notifications[0].Kind != workflow.KindReportRun || page.Notifications[0].Ref != run.ID ||
		!strings.Contains(page.Notifications[0].Subject, "Tháng 11/2026") || page.Notifications[0].Link != "/bao-cao/mau/"+mine.ID+"/ky/"+run.ID {
		t.Fatalf("head's notices %+v %v", page, err)
	}
	if page, _ := notes.List(ctx, leader.Subject, "", 10); len(page.Notifications) != 0 {
		t.Fatalf("leader's notices %+v", page.Notifications)
	}
	// The run's figures as a table: the group-by column, then the measures.
	tab := run.Table()
	if len(tab.Columns) != 4 || tab.Columns[0].Label != "Lĩnh vực" || tab.Columns[3].Key != "late" ||
		tab.Rows[0].Cells[0].Text != "Hộ tịch" || tab.Total.Cells[2].Number != 2 {
		t.Fatalf("table %+v", tab)
	}
	// The leader of the same agency cannot read head's run; the admin
	// neither (it is personal).
	for _, a := range []archive.Actor{leader, admin, outsider} {
		_, err := r1.Run(ctx, a, run.ID)
		wantCode(t, err, "report_run_not_found")
	}
	// The quarter's run of the shared template has no agency: only admins.
	_, err = r1.Run(ctx, head, shRuns[0].ID)
	wantCode(t, err, "report_run_not_found")

	// A month later: December's run of the monthly template; the quarter
	// has not closed.
	e.clock.Add(31 * 24 * time.Hour)
	calls := stats.count()
	pass()
	runs, _, _ = r1.Runs(ctx, head, mine.ID, "", 10)
	if len(runs) != 2 || runs[0].Period != (workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 12}) || runs[1].ID != run.ID {
		t.Fatalf("runs after a month %+v", runs)
	}
	shRuns, _, _ = r1.Runs(ctx, admin, shared.ID, "", 10)
	if len(shRuns) != 2 || shRuns[0].Period != (workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 4}) {
		t.Fatalf("shared runs after a month %+v", shRuns)
	}
	if stats.count() < calls+2 {
		t.Fatalf("%d computations for two new runs", stats.count()-calls)
	}
	// A pass over stored runs computes nothing again.
	calls = stats.count()
	if res, err := r1.PeriodicPass(ctx, "", nil); err != nil || res.Visited != 2 || res.Made != 0 || stats.count() != calls {
		t.Fatalf("pass over made runs: %+v %v, %d computations", res, err, stats.count()-calls)
	}
}

// TestPeriodicReportBatchesAndEmail: a pass reads the scheduled templates
// a bounded batch at a time from its cursor, back to the first at the
// end; a template with an e-mail address has its notice delivered once
// by e-mail (Mailpit), however often the outbox runs.
func TestPeriodicReportBatchesAndEmail(t *testing.T) {
	mp := testenv.Mailpit(t)
	ctx := t.Context()
	e := newEnv(t)
	e.clock.t = time.Now().Truncate(time.Second) // the outbox sends what is due by its clock
	notes := notify.New(notify.Config{Store: e.store, Email: mailpitSMTP(t, mp), Now: e.clock.Now})
	r := workflow.NewReports(workflow.ReportsConfig{Store: e.store, Stats: &handStats{}, Outbox: notes, Now: e.clock.Now})
	email := testenv.UniqueAddress(t, "example.vn")
	in := monthly
	in.Schedule = workflow.ScheduleMonthly
	for i := range 5 {
		in.Name, in.NotifyEmail = fmt.Sprintf("Báo cáo %d", i), ""
		if i == 3 {
			in.NotifyEmail = email
		}
		if _, err := r.CreateTemplate(ctx, head, in); err != nil {
			t.Fatal(err)
		}
	}
	in.Schedule, in.Name = "", "Không định kỳ"
	if _, err := r.CreateTemplate(ctx, head, in); err != nil {
		t.Fatal(err)
	}
	cursor, made := "", 0
	for i, want := range []int{2, 2, 1} {
		res, err := r.RunPeriodic(ctx, e.clock.Now(), cursor, 2)
		if err != nil || res.Visited != want || (i < 2) != (res.Cursor != "") {
			t.Fatalf("batch %d: %+v %v", i, res, err)
		}
		cursor, made = res.Cursor, made+res.Made
	}
	if made != 5 {
		t.Fatalf("%d runs made", made)
	}
	for range 2 {
		if _, err := notes.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs := mp.WaitTo(t, email, 1, 30*time.Second)
	last, _ := workflow.RelLastMonth.Resolve(e.clock.Now())
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Báo cáo 3") || !strings.Contains(msgs[0].Subject, last.Label(e.clock.Now())) {
		t.Fatalf("e-mails %+v", msgs)
	}
}
