package workflow_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestPeriodicRunEqualsEngine: on the generated dataset with known
// answers, the periodic job's runs — a head of department's monthly
// report of their agency grouped by field, an admin's shared quarterly
// report of every agency grouped by agency and level — hold exactly the
// figures the statistics engine gives for the same query and period, and
// the dataset's expected answer.
func TestPeriodicRunEqualsEngine(t *testing.T) {
	st, err := sqlite.Open(t.Context(), t.TempDir()+"/kho.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	testPeriodicRunEqualsEngine(t, st)
}

// TestPeriodicRunEqualsEngineFerretDB is the same over FerretDB.
func TestPeriodicRunEqualsEngineFerretDB(t *testing.T) {
	ctx := context.Background()
	st, err := mongo.Open(ctx, testenv.MongoURI(t), testenv.UniqueName(t, "wfrunengine"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.Drop(context.Background())
		_ = st.Close(context.Background())
	})
	testPeriodicRunEqualsEngine(t, st)
}

func testPeriodicRunEqualsEngine(t *testing.T, st reportsStore) {
	ctx := t.Context()
	ds, err := workflowtest.Generate(ctx, st, 13, 400)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return ds.Now }
	wf := workflowtest.StatsService(st)
	workflowtest.RunStatsJob(t, wf)
	r := workflow.NewReports(workflow.ReportsConfig{Store: st, Stats: wf, Now: now})
	agency := ds.Agencies[0].Code
	headSub, _ := ds.Heads(agency)
	headActor := archive.Actor{Subject: headSub, Role: archive.RoleStaff}
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}

	monthlyIn := workflow.TemplateInput{TemplateFields: workflow.TemplateFields{Name: "Theo lĩnh vực, hằng tháng",
		Query: "groupBy=field", Relative: workflow.RelLastMonth, Measures: workflow.Measures, Schedule: workflow.ScheduleMonthly}}
	mine, err := r.CreateTemplate(ctx, headActor, monthlyIn)
	if err != nil {
		t.Fatal(err)
	}
	quarterlyIn := workflow.TemplateInput{Scope: workflow.ScopeShared, TemplateFields: workflow.TemplateFields{Name: "Toàn tỉnh, hằng quý",
		Query: "groupBy=agency,level", Relative: workflow.RelLastQuarter, Measures: workflow.Measures, Schedule: workflow.ScheduleQuarterly}}
	shared, err := r.CreateTemplate(ctx, admin, quarterlyIn)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := r.PeriodicPass(ctx, "", nil); err != nil || res.Made != 2 || res.Failed != 0 {
		t.Fatalf("pass: %+v %v", res, err)
	}
	for _, c := range []struct {
		tpl   workflow.ReportTemplate
		who   archive.Actor
		query workflow.StatsQuery
	}{
		{mine, headActor, workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 11}, Agency: agency,
			GroupBy: []workflow.Dimension{workflow.DimField}}},
		{shared, admin, workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 3},
			GroupBy: []workflow.Dimension{workflow.DimAgency, workflow.DimLevel}}},
	} {
		runs, _, err := r.Runs(ctx, c.who, c.tpl.ID, "", 10)
		if err != nil || len(runs) != 1 {
			t.Fatalf("%s: runs %+v %v", c.tpl.Name, runs, err)
		}
		got := runs[0].Stats
		engine, err := wf.DossierStats(ctx, c.who, c.query)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, c.tpl.Name+": the run against the engine", got, engine)
		want := ds.Expect(c.query)
		if got.Total != want.Total || len(got.Rows) != len(want.Rows) {
			t.Fatalf("%s: total %+v (%d rows), want %+v (%d rows)", c.tpl.Name, got.Total, len(got.Rows), want.Total, len(want.Rows))
		}
		for i := range want.Rows {
			if got.Rows[i].StatsCounts != want.Rows[i].StatsCounts || len(got.Rows[i].Keys) != len(want.Rows[i].Keys) {
				t.Fatalf("%s: row %d %+v, want %+v", c.tpl.Name, i, got.Rows[i], want.Rows[i])
			}
		}
		if got.Total.Received == 0 {
			t.Fatalf("%s: an empty period proves nothing", c.tpl.Name)
		}
	}
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s\n got %s\nwant %s", what, g, w)
	}
}
