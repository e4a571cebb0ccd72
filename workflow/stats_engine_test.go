package workflow_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// statsEnv is a SQLite store holding a small generated dataset, counted.
func statsEnv(t *testing.T, n int) (*workflow.Service, *workflowtest.Dataset) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	ds, err := workflowtest.Generate(ctx, st, 7, n)
	if err != nil {
		t.Fatal(err)
	}
	svc := workflowtest.StatsService(st)
	workflowtest.RunStatsJob(t, svc)
	return svc, ds
}

var y2026 = workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2026}}

// TestDossierStatsPrivacy: a head of department sees their agency only;
// an appraiser, another agency's head asking for this one, a citizen and
// a member of no directory get Permission and no figures.
func TestDossierStatsPrivacy(t *testing.T) {
	svc, ds := statsEnv(t, 300)
	ctx := context.Background()
	ag := ds.Agencies[0].Code
	head, appraiser := ds.Heads(ag)
	otherHead, _ := ds.Heads(ds.Agencies[1].Code)
	staff := func(s string) archive.Actor { return archive.Actor{Subject: s, Role: archive.RoleStaff} }

	got, err := svc.DossierStats(ctx, staff(head), y2026)
	if err != nil {
		t.Fatal(err)
	}
	want := ds.Expect(workflow.StatsQuery{Period: y2026.Period, Agency: ag})
	if d := workflowtest.DiffStats(got, want); d != "" || got.Query.Agency != ag || got.AgencyName != ds.Agencies[0].Name {
		t.Fatalf("head's own agency: %s (agency %q %q)", d, got.Query.Agency, got.AgencyName)
	}
	if want.Total.Received == 0 {
		t.Fatal("the agency received nothing in 2026: the test proves nothing")
	}
	for name, c := range map[string]struct {
		a    archive.Actor
		q    workflow.StatsQuery
		code string
	}{
		"other agency's head":   {staff(otherHead), workflow.StatsQuery{Period: y2026.Period, Agency: ag}, "other_agency"},
		"appraiser":             {staff(appraiser), y2026, "stats_not_allowed"},
		"citizen":               {archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}, y2026, "stats_not_allowed"},
		"not in the directory":  {staff("nobody"), y2026, "not_in_staff_directory"},
		"citizen naming agency": {archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}, workflow.StatsQuery{Period: y2026.Period, Agency: ag}, "stats_not_allowed"},
	} {
		got, err := svc.DossierStats(ctx, c.a, c.q)
		if !kerr.IsKind(err, kerr.Permission) || codeOf(err) != c.code {
			t.Errorf("%s: %v, want Permission %s", name, err, c.code)
		}
		if got.Total != (workflow.StatsCounts{}) || len(got.Rows) != 0 {
			t.Errorf("%s: figures came back with the error: %+v", name, got)
		}
	}
	// An admin sees every agency, and any one.
	all, err := svc.DossierStats(ctx, archive.Actor{Subject: "qt", Role: archive.RoleAdmin}, y2026)
	if err != nil {
		t.Fatal(err)
	}
	if d := workflowtest.DiffStats(all, ds.Expect(y2026)); d != "" {
		t.Fatal(d)
	}
}

// TestPublicStats: anyone gets the figures by period, agency, field and
// level; grouping or filtering by officer, status, stage, procedure or
// channel is refused, so no officer's data ever comes out.
func TestPublicStats(t *testing.T) {
	svc, ds := statsEnv(t, 300)
	ctx := context.Background()
	q := workflow.StatsQuery{Period: y2026.Period, GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimLevel},
		Filter: map[workflow.Dimension][]string{workflow.DimAgency: {ds.Agencies[1].Code}}}
	got, err := svc.PublicStats(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := workflowtest.DiffStats(got, ds.Expect(q)); d != "" {
		t.Fatal(d)
	}
	if len(got.Rows) == 0 || got.Rows[0].Labels[1] == got.Rows[0].Keys[1] {
		t.Fatalf("rows %+v: want labelled levels", got.Rows)
	}
	for _, d := range []workflow.Dimension{workflow.DimOfficer, workflow.DimStatus, workflow.DimStage, workflow.DimProcedure, workflow.DimChannel, workflow.DimReceivingAgency} {
		for _, q := range []workflow.StatsQuery{
			{Period: y2026.Period, GroupBy: []workflow.Dimension{d}},
			{Period: y2026.Period, Filter: map[workflow.Dimension][]string{d: {"x"}}},
		} {
			got, err := svc.PublicStats(ctx, q)
			if !kerr.IsKind(err, kerr.Invalid) || codeOf(err) != "not_public_dimension" || len(got.Rows) != 0 {
				t.Errorf("public %s: %v %+v, want Invalid not_public_dimension", q.Values().Encode(), err, got)
			}
		}
	}
}

// TestStatsQueryChecked: a query built in code is checked like a parsed one.
func TestStatsQueryChecked(t *testing.T) {
	svc, _ := statsEnv(t, 10)
	admin := archive.Actor{Subject: "qt", Role: archive.RoleAdmin}
	for _, q := range []workflow.StatsQuery{
		{Period: workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 13}},
		{Period: y2026.Period, Agency: "bad"},
		{Period: y2026.Period, GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimLevel, workflow.DimChannel}},
		{Period: y2026.Period, GroupBy: []workflow.Dimension{workflow.DimMonth, workflow.DimQuarter}},
		{Period: y2026.Period, GroupBy: []workflow.Dimension{"nope"}},
		{Period: y2026.Period, Filter: map[workflow.Dimension][]string{workflow.DimMonth: {"2026-01"}}},
	} {
		if _, err := svc.DossierStats(context.Background(), admin, q); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("%+v: %v, want Invalid", q, err)
		}
	}
}

func codeOf(err error) string {
	if e := kerr.Outer(err); e != nil {
		return e.Code
	}
	return ""
}

// TestStatsCalendarCases: the hand-placed dossiers whose due dates cross
// Tết, 30/4–1/5 and 2/9 and fall on make-up Saturdays (computed with the
// shipped calendar) count 5 on time — resolved at the last minute — and
// 5 late — at the first minute after — by month as the dataset says.
func TestStatsCalendarCases(t *testing.T) {
	svc, ds := statsEnv(t, 0)
	admin := archive.Actor{Subject: "qt", Role: archive.RoleAdmin}
	q := workflow.StatsQuery{Period: y2026.Period, Filter: map[workflow.Dimension][]string{workflow.DimProcedure: {workflowtest.CalendarProcedure}},
		GroupBy: []workflow.Dimension{workflow.DimMonth}}
	got, err := svc.DossierStats(context.Background(), admin, q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.Resolved != 10 || got.Total.OnTime != 5 || got.Total.Late != 5 || got.Total.Received != 10 {
		t.Fatalf("total %+v, want 10 received and resolved, 5 on time, 5 late", got.Total)
	}
	if d := workflowtest.DiffStats(got, ds.Expect(q)); d != "" {
		t.Fatal(d)
	}
	// Tết: received 13/02, due 23/02 — February has both, resolved in it.
	for _, r := range got.Rows {
		if r.Keys[0] == "2026-02" && (r.OnTime != 1 || r.Late != 1) {
			t.Fatalf("February %+v, want 1 on time and 1 late", r.StatsCounts)
		}
	}
}

// TestProcedureLevels: "info" (dịch vụ cung cấp thông tin trực tuyến) is
// a level a procedure may have, an unknown one is refused, and a dossier
// records its procedure's level when it is made.
func TestProcedureLevels(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	proc, err := e.wf.Procedure(ctx, admin, "DANG_KY_KHAI_SINH")
	wantCode(t, err, "")
	proc.Level = workflow.LevelInfo
	_, err = e.wf.PutProcedure(ctx, admin, proc)
	wantCode(t, err, "")
	if workflow.LevelInfo.Label() != "Dịch vụ cung cấp thông tin trực tuyến" {
		t.Fatalf("label %q", workflow.LevelInfo.Label())
	}
	bad := proc
	bad.Level = "online"
	_, err = e.wf.PutProcedure(ctx, admin, bad)
	wantCode(t, err, "invalid_service_level")

	v, err := e.wf.Create(ctx, citizen, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}})
	wantCode(t, err, "")
	d, err := e.store.GetDossier(ctx, v.Code)
	wantCode(t, err, "")
	if d.Level != workflow.LevelInfo {
		t.Fatalf("dossier level %q, want info", d.Level)
	}
}

// BenchmarkDossierStats: a year's figures of every agency, and grouped
// by field and month, from the buckets of 2,000 generated dossiers on
// SQLite; the reference is one indexed desk count (CountDossiers) of the
// same store.
func BenchmarkDossierStats(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "kho.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close(ctx)
	if _, err := workflowtest.Generate(ctx, st, 1, 2000); err != nil {
		b.Fatal(err)
	}
	svc := workflowtest.StatsService(st)
	workflowtest.RunStatsJob(b, svc)
	admin := archive.Actor{Subject: "qt", Role: archive.RoleAdmin}
	for _, c := range []struct {
		name string
		q    workflow.StatsQuery
	}{
		{"year", y2026},
		{"year-by-field-month", workflow.StatsQuery{Period: y2026.Period, GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimMonth}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.DossierStats(ctx, admin, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("reference-desk-count", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.CountDossiers(ctx, workflow.DossierQuery{Agency: "000.00.31.H29", Status: workflow.StatusProcessing}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
