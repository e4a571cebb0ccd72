package workflowtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
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

// testStatsConcurrent: while goroutines resolve, stop and transfer
// dossiers, two processes (two stores on one database) run the leased
// statistics job over and over; once the changes stop and a last run
// has counted what is pending, every figure is the dataset's.
func testStatsConcurrent(t *testing.T, s workflow.Store, again Again) {
	ctx := context.Background()
	ds, err := Generate(ctx, s, 21, 300)
	if err != nil {
		t.Fatal(err)
	}
	s2 := again(t, s)
	svcs := [2]*workflow.Service{StatsService(s), StatsService(s2)}
	// The runners' clock moves two hours a reading, so the job is always
	// due: what keeps the two processes apart is the lease alone.
	var ticks atomic.Int64
	jobClock := func() time.Time { return StatsNow.Add(time.Duration(ticks.Add(1)) * 2 * time.Hour) }
	var runners [2]*jobs.Runner
	for i, st := range []workflow.Store{s, s2} {
		ls, ok := st.(jobs.Store)
		if !ok {
			t.Fatalf("store %T keeps no job leases", st)
		}
		runners[i] = jobs.NewRunner(ls, nil, jobs.WithHolder(fmt.Sprintf("process-%d", i)), jobs.WithClock(jobClock))
	}
	// The job as kho serve runs it, with small runs so that the two
	// processes take turns while the dossiers move.
	job := func(i int) jobs.Job {
		j := svcs[i].StatsJob(time.Hour)
		j.Run = func(ctx context.Context, _ *jobs.Run) error { _, err := svcs[i].RunStatsOnce(ctx, 20); return err }
		return j
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var runs [2]int
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ran, err := runners[i].RunOnce(ctx, job(i))
				if err != nil {
					t.Errorf("process %d: %v", i, err)
					return
				}
				if ran {
					runs[i]++
				}
			}
		}()
	}

	var open []int
	for i, f := range ds.Facts {
		if !f.Received.IsZero() && f.Ended.IsZero() {
			open = append(open, i)
		}
	}
	if len(open) < 20 {
		t.Fatalf("only %d open dossiers", len(open))
	}
	var movers sync.WaitGroup
	const workers = 4
	for w := range workers {
		movers.Add(1)
		go func() {
			defer movers.Done()
			for k := w; k < len(open); k += workers {
				f := &ds.Facts[open[k]]
				d, err := s.GetDossier(ctx, f.Code)
				if err != nil {
					t.Error(err)
					return
				}
				from := d.Status
				d.Rev++
				at := f.Received.Add(time.Duration(1+k%90) * 24 * time.Hour)
				if at.After(StatsNow) {
					at = StatsNow.Add(-time.Minute)
				}
				d.UpdatedAt = at.UTC()
				switch {
				case k == 0: // a transfer to another agency, still open
					to := statsAgencies[(slices.Index(statsAgencies, f.Agency)+1)%len(statsAgencies)]
					d.HandlingAgency, d.Stage, d.Handler = to, workflow.StageToAssign, nil
					f.Agency, f.Stage, f.Officer = to, workflow.StageToAssign, ""
					d.Status, f.Status = workflow.StatusProcessing, workflow.StatusProcessing
				case k%3 == 0: // stopped
					d.Status, d.Stage, d.Handler = workflow.StatusStopped, "", nil
					d.Trail = append(d.Trail, workflow.TrailEntry{Seq: len(d.Trail) + 1, At: at.UTC(), Actor: "gen", Action: workflow.ActionStop,
						To: workflow.State{Status: workflow.StatusStopped}})
					f.Status, f.Stage, f.Officer, f.Ended = workflow.StatusStopped, "", "", at
				default: // resolved
					d.Status, d.Stage, d.Handler, d.ResolvedAt = workflow.StatusResolved, "", nil, at.UTC()
					d.Trail = append(d.Trail, workflow.TrailEntry{Seq: len(d.Trail) + 1, At: at.UTC(), Actor: "gen", Action: workflow.ActionSign,
						To: workflow.State{Status: workflow.StatusResolved}})
					f.Status, f.Stage, f.Officer, f.Resolved, f.Ended = workflow.StatusResolved, "", "", at, at
					f.OnTime = f.Due.IsZero() || !at.After(f.Due)
				}
				if err := s.UpdateDossier(ctx, d, from); err != nil {
					t.Errorf("move %s: %v", f.Code, err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	movers.Wait()
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("job runs while moving: %v", runs)
	if runs[0]+runs[1] == 0 {
		t.Fatal("no process ran the job while the dossiers moved")
	}
	for range 100 {
		if _, ok, err := s.OldestStatsPending(ctx); err != nil {
			t.Fatal(err)
		} else if !ok {
			break
		}
		if _, err := runners[1].RunOnce(ctx, job(1)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range StatsQueries() {
		got, err := svcs[0].DossierStats(ctx, adminActor(), q)
		if err != nil {
			t.Fatal(err)
		}
		if d := DiffStats(got, ds.Expect(q)); d != "" {
			t.Fatalf("%s: %s (job runs %v)", q.Values().Encode(), d, runs)
		}
	}
}
