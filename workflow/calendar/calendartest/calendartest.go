// Package calendartest is the conformance suite for calendar.Store. Every
// metadata driver (storage/sqlite, storage/mongo) runs it:
//
//	func TestCalendarConformance(t *testing.T) {
//		calendartest.Run(t, func(t *testing.T) calendar.Store { return openFresh(t) })
//	}
//
// open must return a new, empty store and arrange (with t.Cleanup) to
// close it. Times must come back in UTC truncated to the millisecond, and
// bodies byte for byte.
package calendartest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow/calendar"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) calendar.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s calendar.Store)
	}{
		{"CreateGet", testCreateGet},
		{"GuardedUpdate", testGuardedUpdate},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ServiceOverStore", testServiceOverStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var base = time.Date(2026, 12, 7, 10, 0, 0, 123_456_789, calendar.Zone())

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func wantKind(t *testing.T, err error, k kerr.Kind, what string) {
	t.Helper()
	if !kerr.IsKind(err, k) {
		t.Fatalf("%s: %v, want kind %v", what, err, k)
	}
}

func equal(t *testing.T, got, want calendar.Record) {
	t.Helper()
	want.UpdatedAt = ms(want.UpdatedAt)
	if got.Agency != want.Agency || !bytes.Equal(got.Body, want.Body) || got.Rev != want.Rev ||
		!got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC || got.UpdatedBy != want.UpdatedBy {
		t.Fatalf("record\n got %+v\nwant %+v", got, want)
	}
}

func testCreateGet(t *testing.T, s calendar.Store) {
	ctx := t.Context()
	wantKind(t, func() error { _, err := s.GetCalendar(ctx, ""); return err }(), kerr.NotFound, "get before any")
	national := calendar.Record{Body: []byte(`{"years":[2026],"days":[{"date":"2026-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`),
		UpdatedAt: base, UpdatedBy: "system"}
	if err := s.PutCalendar(ctx, national, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCalendar(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	national.Rev = 1
	equal(t, got, national)

	// An agency's record is its own; the national one is unchanged.
	agency := calendar.Record{Agency: "000.00.31.H29", Body: []byte(`{"hours":{"saturday":["07:30-11:30"]}}`), UpdatedAt: base.Add(time.Hour), UpdatedBy: "admin01"}
	if err := s.PutCalendar(ctx, agency, 0); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetCalendar(ctx, agency.Agency)
	if err != nil {
		t.Fatal(err)
	}
	agency.Rev = 1
	equal(t, got, agency)
	if got, err := s.GetCalendar(ctx, ""); err != nil || got.Rev != 1 || !bytes.Equal(got.Body, national.Body) {
		t.Fatalf("national after the agency's put: %+v, %v", got, err)
	}
	wantKind(t, func() error { _, err := s.GetCalendar(ctx, "000.00.31.H30"); return err }(), kerr.NotFound, "another agency")

	// Making it again is a Conflict, and changes nothing.
	again := national
	again.Body = []byte(`{}`)
	wantKind(t, s.PutCalendar(ctx, again, 0), kerr.Conflict, "create twice")
	if got, _ := s.GetCalendar(ctx, ""); !bytes.Equal(got.Body, national.Body) {
		t.Fatalf("a refused create changed the record: %s", got.Body)
	}
}

func testGuardedUpdate(t *testing.T, s calendar.Store) {
	ctx := t.Context()
	r := calendar.Record{Agency: "H29", Body: []byte(`{"years":[2025]}`), UpdatedAt: base, UpdatedBy: "a"}
	wantKind(t, s.PutCalendar(ctx, r, 1), kerr.NotFound, "update of no record")
	if err := s.PutCalendar(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	next := calendar.Record{Agency: "H29", Body: []byte(`{"years":[2025,2026]}`), UpdatedAt: base.Add(time.Minute), UpdatedBy: "b"}
	if err := s.PutCalendar(ctx, next, 1); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCalendar(ctx, "H29")
	if err != nil {
		t.Fatal(err)
	}
	next.Rev = 2
	equal(t, got, next)
	stale := next
	stale.Body = []byte(`{"years":[1]}`)
	wantKind(t, s.PutCalendar(ctx, stale, 1), kerr.Conflict, "update at an old revision")
	wantKind(t, s.PutCalendar(ctx, stale, 3), kerr.Conflict, "update at a future revision")
	if got, _ := s.GetCalendar(ctx, "H29"); got.Rev != 2 || !bytes.Equal(got.Body, next.Body) {
		t.Fatalf("a refused update changed the record: %+v", got)
	}
}

// testConcurrentUpdates: of writers racing from one revision, exactly one
// wins each round.
func testConcurrentUpdates(t *testing.T, s calendar.Store) {
	ctx := t.Context()
	if err := s.PutCalendar(ctx, calendar.Record{Body: []byte(`{}`), UpdatedAt: base, UpdatedBy: "x"}, 0); err != nil {
		t.Fatal(err)
	}
	const writers = 6
	for round := int64(1); round <= 3; round++ {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []int
		)
		for w := range writers {
			wg.Go(func() {
				body := fmt.Appendf(nil, `{"years":[%d]}`, 2000+w)
				err := s.PutCalendar(ctx, calendar.Record{Body: body, UpdatedAt: base, UpdatedBy: fmt.Sprint(w)}, round)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, w)
				case !kerr.IsKind(err, kerr.Conflict):
					t.Errorf("writer %d: %v, want nil or Conflict", w, err)
				}
			})
		}
		wg.Wait()
		if len(wins) != 1 {
			t.Fatalf("round %d: %d writers won, want 1", round, len(wins))
		}
		got, err := s.GetCalendar(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"years":[%d]}`, 2000+wins[0]); got.Rev != round+1 || string(got.Body) != want || got.UpdatedBy != fmt.Sprint(wins[0]) {
			t.Fatalf("round %d: record %+v, want the winner's %s at rev %d", round, got, want, round+1)
		}
	}
}

// testServiceOverStore: the Service's merge and start-up load through the
// store, with two services (two processes) sharing it.
func testServiceOverStore(t *testing.T, s calendar.Store) {
	ctx := t.Context()
	clock := base
	a := calendar.NewService(s, calendar.WithClock(func() time.Time { return clock }))
	b := calendar.NewService(s, calendar.WithClock(func() time.Time { return clock }), calendar.WithCacheTTL(0))
	if loaded, err := a.LoadShipped(ctx); err != nil || !loaded {
		t.Fatalf("first LoadShipped: %v, %v", loaded, err)
	}
	if loaded, err := b.LoadShipped(ctx); err != nil || loaded {
		t.Fatalf("second LoadShipped: %v, %v; want nothing stored", loaded, err)
	}
	c, err := a.Calendar(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	tet := time.Date(2026, 2, 13, 16, 55, 0, 0, calendar.Zone())
	if due, err := c.AddWorkingDays(tet, 1); err != nil || !due.Equal(time.Date(2026, 2, 23, 17, 0, 0, 0, calendar.Zone())) {
		t.Fatalf("due after Tết = %s, %v", due, err)
	}
	// Process b adds 2027 (its Tết Dương lịch on Friday 01/01/2027).
	u, err := calendar.ParseSpec(bytes.NewReader([]byte(`{"years":[2027],"days":[{"date":"2027-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	merged, rev, err := b.Apply(ctx, u, "admin01", 1)
	if err != nil || rev != 2 || len(merged.Years) != 3 || merged.Years[2] != 2027 {
		t.Fatalf("Apply: years %v, rev %d, %v", merged.Years, rev, err)
	}
	_, _, err = b.Apply(ctx, u, "admin01", 1)
	wantKind(t, err, kerr.Conflict, "Apply at a stale If-Match")
	// a still serves its cached copy; after the cache's life it sees 2027.
	if c, _ := a.Calendar(ctx, ""); c.Known(2027) {
		t.Fatal("the cache expired early")
	}
	clock = clock.Add(calendar.CacheTTL)
	c, err = a.Calendar(ctx, "")
	if err != nil || !c.Known(2027) || c.WorkingDay(calendar.DueDate(time.Date(2027, 1, 1, 12, 0, 0, 0, calendar.Zone()))) {
		t.Fatalf("after the cache's life: known 2027 %v, %v", c != nil && c.Known(2027), err)
	}
	rec, err := s.GetCalendar(ctx, "")
	if err != nil || rec.UpdatedBy != "admin01" || rec.Rev != 2 {
		t.Fatalf("stored record %+v, %v", rec, err)
	}
}
