package workflowtest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// StatsQueries is a matrix of queries over the generated dataset: every
// period kind, each group-by dimension, pairs, filters, one agency and
// all.
func StatsQueries() []workflow.StatsQuery {
	ag := statsAgencies[1]
	y25, y26 := workflow.Period{Kind: workflow.PeriodYear, Year: 2025}, workflow.Period{Kind: workflow.PeriodYear, Year: 2026}
	qs := []workflow.StatsQuery{
		{Period: workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 3}},
		{Period: workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 12}},
		{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2025, N: 4}, Agency: ag},
		{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 1}},
		{Period: y25}, {Period: y26}, {Period: y26, Agency: ag},
		{Period: workflow.Period{Kind: workflow.PeriodYTD, Year: 2026}},
		{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2027}},
		{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2024}},
		{Period: y26, GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimMonth}},
		{Period: y25, GroupBy: []workflow.Dimension{workflow.DimQuarter, workflow.DimLevel}},
		{Period: y26, GroupBy: []workflow.Dimension{workflow.DimStatus, workflow.DimStage}, Agency: ag},
		{Period: y26, GroupBy: []workflow.Dimension{workflow.DimAgency, workflow.DimReceivingAgency}},
		{Period: y26, Filter: map[workflow.Dimension][]string{workflow.DimLevel: {"info"}}},
		{Period: y26, Filter: map[workflow.Dimension][]string{workflow.DimChannel: {"portal", "national"}}, GroupBy: []workflow.Dimension{workflow.DimProcedure}},
		{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 2}, Filter: map[workflow.Dimension][]string{workflow.DimOfficer: {"cb-2-3"}}, Agency: ag},
	}
	for _, d := range workflow.Dimensions {
		qs = append(qs, workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 3}, GroupBy: []workflow.Dimension{d}})
	}
	return qs
}

// DiffStats says how got differs from want in figures and row keys
// ("" when they agree; labels and AsOf are not compared).
func DiffStats(got, want workflow.DossierStats) string {
	if got.Total != want.Total {
		return fmt.Sprintf("total %+v, want %+v", got.Total, want.Total)
	}
	if len(got.Rows) != len(want.Rows) {
		return fmt.Sprintf("%d rows, want %d:\n got %v\nwant %v", len(got.Rows), len(want.Rows), rowsText(got.Rows), rowsText(want.Rows))
	}
	for i := range got.Rows {
		g, w := got.Rows[i], want.Rows[i]
		if !slices.Equal(g.Keys, w.Keys) || g.StatsCounts != w.StatsCounts {
			return fmt.Sprintf("row %d: %v %+v, want %v %+v", i, g.Keys, g.StatsCounts, w.Keys, w.StatsCounts)
		}
	}
	return ""
}

func rowsText(rs []workflow.StatsRow) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("%v%+v ", r.Keys, r.StatsCounts)
	}
	return s
}

// RunStatsJob runs the statistics job until nothing is pending.
func RunStatsJob(t testing.TB, svc *workflow.Service) {
	t.Helper()
	for range 1000 {
		n, err := svc.RunStatsOnce(context.Background(), 1000)
		if err != nil {
			t.Fatalf("RunStatsOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("statistics job never finished")
}

// StatsService is a service over s whose clock is the dataset's now.
func StatsService(s workflow.Store) *workflow.Service {
	return workflow.New(workflow.Config{Store: s, Now: func() time.Time { return StatsNow }})
}

// testStatsDataset generates a dataset, runs the job, and checks the
// matrix of queries against the dataset's answers; then transfers a
// dossier to another agency and checks both agencies' figures moved.
func testStatsDataset(t *testing.T, s workflow.Store, _ Again) {
	ctx := context.Background()
	ds, err := Generate(ctx, s, 13, 900)
	if err != nil {
		t.Fatal(err)
	}
	svc := StatsService(s)
	if _, ok, err := s.OldestStatsPending(ctx); err != nil || !ok {
		t.Fatalf("OldestStatsPending before the job: %v %v, want pending", ok, err)
	}
	RunStatsJob(t, svc)
	if _, ok, err := s.OldestStatsPending(ctx); err != nil || ok {
		t.Fatalf("OldestStatsPending after the job: %v %v, want none", ok, err)
	}
	admin := adminActor()
	check := func(when string) {
		t.Helper()
		for _, q := range StatsQueries() {
			got, err := svc.DossierStats(ctx, admin, q)
			if err != nil {
				t.Fatalf("%s: %v: %v", when, q.Values().Encode(), err)
			}
			if d := DiffStats(got, ds.Expect(q)); d != "" {
				t.Fatalf("%s: %s: %s", when, q.Values().Encode(), d)
			}
			if !got.AsOf.Equal(StatsNow) {
				t.Fatalf("%s: AsOf %v, want now (nothing pending)", when, got.AsOf)
			}
		}
	}
	check("generated")
	if ds.Expect(workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2026}}).Total.Late == 0 {
		t.Fatal("the dataset has no late dossier")
	}

	// A transfer: the old bucket loses the dossier, the new one gains it.
	i := slices.IndexFunc(ds.Facts, func(f Fact) bool {
		return f.Status == workflow.StatusProcessing && f.Agency == f.ReceivingAgency && f.Received.Year() == 2026
	})
	if i < 0 {
		t.Fatal("no open dossier to transfer")
	}
	f := &ds.Facts[i]
	d, err := s.GetDossier(ctx, f.Code)
	must(t, err)
	to := statsAgencies[(slices.Index(statsAgencies, f.Agency)+2)%len(statsAgencies)]
	d.HandlingAgency, d.Handler, d.Stage, d.Rev = to, nil, workflow.StageToAssign, d.Rev+1
	d.UpdatedAt = StatsNow.Add(-time.Hour).UTC()
	must(t, s.UpdateDossier(ctx, d, d.Status))
	f.Agency, f.Officer, f.Stage = to, "", workflow.StageToAssign
	got, err := svc.DossierStats(ctx, admin, workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2026}})
	must(t, err)
	if !got.AsOf.Equal(StatsNow.Add(-time.Hour)) {
		t.Fatalf("AsOf with a pending change: %v, want %v", got.AsOf, StatsNow.Add(-time.Hour))
	}
	RunStatsJob(t, svc)
	check("after a transfer")
}

func adminActor() archive.Actor { return archive.Actor{Subject: "admin-1", Role: archive.RoleAdmin} }
