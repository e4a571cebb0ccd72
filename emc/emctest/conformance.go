package emctest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// Store is what the suite needs of a driver: the EMC store, and the
// dossier store to make dossiers that change.
type Store interface {
	emc.Store
	workflow.DossierStore
}

// Run runs the conformance suite of emc.Store against stores made by open
// (each fresh and empty, closed by t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Events", testEvents},
		{"Due", testDue},
		{"Attempts", testAttempts},
		{"ChangedSince", testChangedSince},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantKind(t *testing.T, err error, k kerr.Kind, code string) {
	t.Helper()
	if !kerr.IsKind(err, k) || kerr.Outer(err) == nil || kerr.Outer(err).Code != code {
		t.Fatalf("%v, want %v %s", err, k, code)
	}
}

func record(code string, seq int, next time.Time) emc.Record {
	return emc.Record{ID: emc.EventID(code, seq), Dossier: code, Seq: seq, Event: []byte(`{"EventId":"` + emc.EventID(code, seq) + `"}`),
		State: emc.Pending, NextAt: next, CreatedAt: next, Rev: 1}
}

func testEvents(t *testing.T, s Store) {
	ctx := context.Background()
	code := Dossier(1, Start).Code
	if n, err := s.LastEMCSeq(ctx, code); err != nil || n != 0 {
		t.Fatalf("LastEMCSeq of none = %d, %v", n, err)
	}
	at := Start.Add(123456789 * time.Nanosecond)
	for seq := 1; seq <= 3; seq++ {
		must(t, s.AddEMCEvent(ctx, record(code, seq, at)))
	}
	wantKind(t, s.AddEMCEvent(ctx, record(code, 2, at)), kerr.Conflict, "emc_event_exists")
	if n, err := s.LastEMCSeq(ctx, code); err != nil || n != 3 {
		t.Fatalf("LastEMCSeq = %d, %v", n, err)
	}
	r, err := s.GetEMCEvent(ctx, emc.EventID(code, 2))
	must(t, err)
	if r.Seq != 2 || r.Dossier != code || r.State != emc.Pending || r.Rev != 1 || !r.NextAt.Equal(at.Truncate(time.Millisecond)) ||
		r.NextAt.Location() != time.UTC || string(r.Event) != `{"EventId":"`+r.ID+`"}` {
		t.Fatalf("stored record %+v", r)
	}
	_, err = s.GetEMCEvent(ctx, code+".9")
	wantKind(t, err, kerr.NotFound, "emc_event_not_found")

	// Guarded updates.
	r.State, r.SentAt, r.Rev = emc.Sent, at, 2
	must(t, s.UpdateEMCEvent(ctx, r))
	stale := r
	stale.State = emc.Failed
	wantKind(t, s.UpdateEMCEvent(ctx, stale), kerr.Conflict, "emc_event_changed")
	ghost := record(code, 8, at)
	ghost.Rev = 2
	wantKind(t, s.UpdateEMCEvent(ctx, ghost), kerr.NotFound, "emc_event_not_found")

	// The dossier's unsent events, in order, from a number.
	rs, err := s.DossierEMCEvents(ctx, code, 1, 10)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, []string{code + ".1", code + ".3"}) {
		t.Fatalf("unsent events %v", ids)
	}
	rs, err = s.DossierEMCEvents(ctx, code, 2, 10)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, []string{code + ".3"}) {
		t.Fatalf("unsent events from 2: %v", ids)
	}
	_, err = s.DossierEMCEvents(ctx, code, 1, 0)
	wantKind(t, err, kerr.Invalid, "invalid_limit")
}

func recordIDs(rs []emc.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testDue(t *testing.T, s Store) {
	ctx := context.Background()
	var want []string
	for i := range 5 {
		code := Dossier(i+1, Start).Code
		r := record(code, 1, Start.Add(time.Duration(5-i)*time.Minute))
		must(t, s.AddEMCEvent(ctx, r))
		want = append([]string{r.ID}, want...)
	}
	rs, err := s.DueEMCEvents(ctx, Start.Add(3*time.Minute), 10)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, want[:3]) {
		t.Fatalf("due at +3 min: %v, want %v", ids, want[:3])
	}
	rs, err = s.DueEMCEvents(ctx, Start.Add(time.Hour), 2)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, want[:2]) {
		t.Fatalf("first two due: %v", ids)
	}
	// One fails, one is sent: out of the due ones, counted, listed.
	f := rs[0]
	f.State, f.Rev, f.NextAt = emc.Failed, 2, Start.Add(2*time.Hour)
	must(t, s.UpdateEMCEvent(ctx, f))
	g := rs[1]
	g.State, g.Rev = emc.Sent, 2
	must(t, s.UpdateEMCEvent(ctx, g))
	rs, err = s.DueEMCEvents(ctx, Start.Add(time.Hour), 10)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, want[2:]) {
		t.Fatalf("due after: %v", ids)
	}
	for st, n := range map[emc.State]int64{emc.Pending: 3, emc.Failed: 1, emc.Sent: 1} {
		if got, err := s.CountEMCEvents(ctx, st); err != nil || got != n {
			t.Fatalf("count %s = %d, %v; want %d", st, got, err, n)
		}
	}
	rs, err = s.ListEMCEvents(ctx, emc.Pending, "", 2)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, []string{want[4], want[3]}) {
		t.Fatalf("pending newest first: %v", ids)
	}
	rs, err = s.ListEMCEvents(ctx, emc.Pending, rs[1].Pos(), 2)
	must(t, err)
	if ids := recordIDs(rs); !slices.Equal(ids, []string{want[2]}) {
		t.Fatalf("pending, next page: %v", ids)
	}
	rs, err = s.ListEMCEvents(ctx, emc.Failed, "", 10)
	must(t, err)
	if len(rs) != 1 || rs[0].ID != f.ID || rs[0].State != emc.Failed {
		t.Fatalf("failed: %+v", rs)
	}
}

func testAttempts(t *testing.T, s Store) {
	ctx := context.Background()
	var ids []string
	for i := range 7 {
		at := Start.Add(time.Duration(i) * 24 * time.Hour)
		a := emc.Attempt{ID: fmt.Sprintf("%s-%04d", emc.AttemptBound(at), i), At: at, EventID: "x.1", Status: 500 - i,
			Error: "HTTP 500", Duration: time.Duration(i) * time.Millisecond}
		must(t, s.AddEMCAttempt(ctx, a))
		must(t, s.AddEMCAttempt(ctx, a)) // idempotent
		ids = append(ids, a.ID)
	}
	as, err := s.ListEMCAttempts(ctx, "", 3)
	must(t, err)
	if len(as) != 3 || as[0].ID != ids[6] || as[2].ID != ids[4] || as[0].Status != 494 || as[0].Duration != 6*time.Millisecond ||
		!as[0].At.Equal(Start.Add(6*24*time.Hour)) {
		t.Fatalf("newest attempts %+v", as)
	}
	as, err = s.ListEMCAttempts(ctx, as[2].ID, 10)
	must(t, err)
	if len(as) != 4 || as[0].ID != ids[3] {
		t.Fatalf("next page %+v", as)
	}
	// Prune what is older than day 4, two at a time.
	bound := Start.Add(4 * 24 * time.Hour)
	n, err := s.PruneEMCAttempts(ctx, bound, 2)
	must(t, err)
	if n != 2 {
		t.Fatalf("pruned %d, want 2", n)
	}
	n, err = s.PruneEMCAttempts(ctx, bound, 10)
	must(t, err)
	if n != 2 {
		t.Fatalf("pruned %d, want 2 more", n)
	}
	if n, err = s.PruneEMCAttempts(ctx, bound, 10); err != nil || n != 0 {
		t.Fatalf("pruned again %d, %v", n, err)
	}
	as, err = s.ListEMCAttempts(ctx, "", 10)
	must(t, err)
	if len(as) != 3 || as[2].ID != ids[4] {
		t.Fatalf("kept %+v", as)
	}
}

func testChangedSince(t *testing.T, s Store) {
	ctx := context.Background()
	// Dossiers made a minute apart, then the first changed last.
	var ds []workflow.Dossier
	for i := range 4 {
		d := Dossier(i+1, Start.Add(time.Duration(i)*time.Minute))
		must(t, s.CreateDossier(ctx, d))
		ds = append(ds, d)
	}
	d := ds[0]
	Append(&d, workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake}, Start.Add(10*time.Minute))
	must(t, s.UpdateDossier(ctx, d, workflow.StatusRegistered))
	codes := func(ds []workflow.Dossier) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Code)
		}
		return out
	}
	got, err := s.DossiersChangedSince(ctx, emc.ChangeCursor{}, Start.Add(time.Hour), 10)
	must(t, err)
	if c := codes(got); !slices.Equal(c, []string{ds[1].Code, ds[2].Code, ds[3].Code, d.Code}) || len(got[3].Trail) != 1 {
		t.Fatalf("changed since the start: %v", c)
	}
	// Paged by the cursor of the last one read.
	got, err = s.DossiersChangedSince(ctx, emc.ChangeCursor{}, Start.Add(time.Hour), 2)
	must(t, err)
	next := emc.ChangeCursor{At: got[1].UpdatedAt, Code: got[1].Code}
	got, err = s.DossiersChangedSince(ctx, next, Start.Add(time.Hour), 10)
	must(t, err)
	if c := codes(got); !slices.Equal(c, []string{ds[3].Code, d.Code}) {
		t.Fatalf("after %v: %v", next, c)
	}
	// Bounded above: what changed at or after before waits.
	got, err = s.DossiersChangedSince(ctx, next, Start.Add(10*time.Minute), 10)
	must(t, err)
	if c := codes(got); !slices.Equal(c, []string{ds[3].Code}) {
		t.Fatalf("before +10 min: %v", c)
	}
	// Same millisecond, ordered by code.
	same, err := s.DossiersChangedSince(ctx, emc.ChangeCursor{At: ds[2].UpdatedAt}, Start.Add(time.Hour), 1)
	must(t, err)
	if c := codes(same); !slices.Equal(c, []string{ds[2].Code}) {
		t.Fatalf("from ds[2]'s time: %v", c)
	}
}
