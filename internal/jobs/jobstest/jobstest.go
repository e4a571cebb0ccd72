// Package jobstest is the conformance suite for jobs.Store. Every metadata
// driver (storage/sqlite, storage/mongo) runs it:
//
//	func TestJobsConformance(t *testing.T) {
//		jobstest.Run(t, func(t *testing.T) jobs.Store { return openFresh(t) })
//	}
//
// open must return a new, empty store and arrange to close it.
package jobstest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) jobs.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s jobs.Store)
	}{
		{"AcquireNew", testAcquireNew},
		{"AcquireHeld", testAcquireHeld},
		{"AcquireExpired", testAcquireExpired},
		{"RenewAndCursor", testRenew},
		{"RenewLost", testRenewLost},
		{"FinishSetsNextRun", testFinish},
		{"FinishLost", testFinishLost},
		{"GetNotFound", testGetNotFound},
		{"Invalid", testInvalid},
		{"JobsIndependent", testIndependent},
		{"ConcurrentAcquire", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// t0 is a fixed instant; stores compare the times callers give.
var t0 = time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)

func wantCode(t *testing.T, err error, kind kerr.Kind, code string) {
	t.Helper()
	var ke *kerr.Error
	if !errors.As(err, &ke) || ke.Kind != kind || ke.Code != code {
		t.Fatalf("err = %v; want kind %v code %q", err, kind, code)
	}
}

func acquire(t *testing.T, s jobs.Store, job, holder string, now time.Time, ttl time.Duration) jobs.Lease {
	t.Helper()
	l, err := s.AcquireLease(t.Context(), job, holder, now, ttl)
	if err != nil {
		t.Fatalf("AcquireLease(%s, %s, %v): %v", job, holder, now, err)
	}
	return l
}

func get(t *testing.T, s jobs.Store, job string) jobs.Lease {
	t.Helper()
	l, err := s.GetLease(t.Context(), job)
	if err != nil {
		t.Fatalf("GetLease(%s): %v", job, err)
	}
	return l
}

func testAcquireNew(t *testing.T, s jobs.Store) {
	l := acquire(t, s, "gc", "p1", t0, time.Minute)
	if l.Job != "gc" || l.Holder != "p1" || l.Token != 1 || !l.Until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("lease = %+v; want gc held by p1, token 1, until t0+1m", l)
	}
	if g := get(t, s, "gc"); g.Holder != "p1" || g.Token != 1 || !g.Until.Equal(l.Until) || g.Until.Location() != time.UTC {
		t.Fatalf("GetLease = %+v; want what AcquireLease returned, in UTC", g)
	}
	if !l.Held(t0) || l.Held(t0.Add(time.Minute)) {
		t.Fatalf("Held: want true at t0, false at Until")
	}
}

func testAcquireHeld(t *testing.T, s jobs.Store) {
	acquire(t, s, "gc", "p1", t0, time.Minute)
	_, err := s.AcquireLease(t.Context(), "gc", "p2", t0.Add(59*time.Second), time.Minute)
	wantCode(t, err, kerr.Conflict, "lease_held")
	// Not even the holder takes it twice: a second run would overlap.
	_, err = s.AcquireLease(t.Context(), "gc", "p1", t0.Add(time.Second), time.Minute)
	wantCode(t, err, kerr.Conflict, "lease_held")
	if g := get(t, s, "gc"); g.Holder != "p1" || g.Token != 1 {
		t.Fatalf("after refused acquires: %+v; want p1, token 1", g)
	}
}

func testAcquireExpired(t *testing.T, s jobs.Store) {
	acquire(t, s, "gc", "p1", t0, time.Minute)
	// p1 crashed: once its lease ends, p2 takes over with a new token.
	l := acquire(t, s, "gc", "p2", t0.Add(time.Minute), time.Minute)
	if l.Holder != "p2" || l.Token != 2 || !l.Until.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("take-over lease = %+v; want p2, token 2, until t0+2m", l)
	}
}

func testRenew(t *testing.T, s jobs.Store) {
	l := acquire(t, s, "ckpt", "p1", t0, time.Minute)
	if err := s.RenewLease(t.Context(), "ckpt", "p1", l.Token, t0.Add(5*time.Minute), "chain-42"); err != nil {
		t.Fatalf("RenewLease: %v", err)
	}
	g := get(t, s, "ckpt")
	if !g.Until.Equal(t0.Add(5*time.Minute)) || g.Cursor != "chain-42" || g.Holder != "p1" {
		t.Fatalf("after renew: %+v; want until t0+5m, cursor chain-42", g)
	}
	// Renewed past its first end: still held then.
	_, err := s.AcquireLease(t.Context(), "ckpt", "p2", t0.Add(2*time.Minute), time.Minute)
	wantCode(t, err, kerr.Conflict, "lease_held")
	// A cursor of the maximum size round-trips; a larger one is refused.
	big := strings.Repeat("x", jobs.MaxCursor)
	if err := s.RenewLease(t.Context(), "ckpt", "p1", l.Token, t0.Add(5*time.Minute), big); err != nil {
		t.Fatalf("RenewLease with a %d-byte cursor: %v", len(big), err)
	}
	if g := get(t, s, "ckpt"); g.Cursor != big {
		t.Fatalf("cursor of %d bytes came back as %d bytes", len(big), len(g.Cursor))
	}
	err = s.RenewLease(t.Context(), "ckpt", "p1", l.Token, t0.Add(5*time.Minute), big+"x")
	wantCode(t, err, kerr.Invalid, "job_cursor_too_large")
}

func testRenewLost(t *testing.T, s jobs.Store) {
	l1 := acquire(t, s, "gc", "p1", t0, time.Minute)
	l2 := acquire(t, s, "gc", "p2", t0.Add(2*time.Minute), time.Minute)
	err := s.RenewLease(t.Context(), "gc", "p1", l1.Token, t0.Add(3*time.Minute), "stale")
	wantCode(t, err, kerr.Conflict, "lease_lost")
	// The right holder with an old token is refused too (fencing).
	err = s.RenewLease(t.Context(), "gc", "p2", l1.Token, t0.Add(3*time.Minute), "stale")
	wantCode(t, err, kerr.Conflict, "lease_lost")
	if g := get(t, s, "gc"); g.Holder != "p2" || g.Token != l2.Token || g.Cursor == "stale" {
		t.Fatalf("after lost renewals: %+v; want p2's lease unchanged", g)
	}
	err = s.RenewLease(t.Context(), "never", "p1", 1, t0, "")
	wantCode(t, err, kerr.Conflict, "lease_lost")
}

func testFinish(t *testing.T, s jobs.Store) {
	l := acquire(t, s, "gc", "p1", t0, time.Minute)
	f := jobs.Finish{Job: "gc", Holder: "p1", Token: l.Token, NextRun: t0.Add(time.Hour), Cursor: "done-to-7",
		Start: t0, End: t0.Add(3 * time.Second), Error: "blob store unreachable"}
	if err := s.FinishLease(t.Context(), f); err != nil {
		t.Fatalf("FinishLease: %v", err)
	}
	g := get(t, s, "gc")
	if g.Holder != "" || !g.Until.IsZero() || !g.NextRun.Equal(f.NextRun) || g.Cursor != "done-to-7" ||
		!g.LastStart.Equal(f.Start) || !g.LastEnd.Equal(f.End) || g.LastError != f.Error || g.Token != l.Token {
		t.Fatalf("after finish: %+v; want released, next run, cursor and last run recorded, token kept", g)
	}
	if g.Held(t0) {
		t.Fatal("a finished lease is still held")
	}
	// Not due yet: nobody takes it, even with no holder.
	_, err := s.AcquireLease(t.Context(), "gc", "p2", t0.Add(59*time.Minute), time.Minute)
	wantCode(t, err, kerr.Conflict, "lease_held")
	l2 := acquire(t, s, "gc", "p2", t0.Add(time.Hour), time.Minute)
	if l2.Token != l.Token+1 || l2.Cursor != "done-to-7" {
		t.Fatalf("next run's lease = %+v; want token %d and the saved cursor", l2, l.Token+1)
	}
}

func testFinishLost(t *testing.T, s jobs.Store) {
	l1 := acquire(t, s, "gc", "p1", t0, time.Minute)
	acquire(t, s, "gc", "p2", t0.Add(time.Minute), time.Minute)
	err := s.FinishLease(t.Context(), jobs.Finish{Job: "gc", Holder: "p1", Token: l1.Token, NextRun: t0.Add(time.Hour), Error: "late"})
	wantCode(t, err, kerr.Conflict, "lease_lost")
	if g := get(t, s, "gc"); g.Holder != "p2" || g.LastError == "late" || !g.NextRun.Before(t0.Add(time.Hour)) {
		t.Fatalf("a lost finish changed the lease: %+v", g)
	}
}

func testGetNotFound(t *testing.T, s jobs.Store) {
	_, err := s.GetLease(t.Context(), "never")
	if !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("GetLease of a job never leased: %v; want NotFound", err)
	}
}

func testInvalid(t *testing.T, s jobs.Store) {
	for _, c := range []struct{ job, holder string }{{"", "p1"}, {"gc", ""}} {
		_, err := s.AcquireLease(t.Context(), c.job, c.holder, t0, time.Minute)
		if !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("AcquireLease(%q, %q): %v; want Invalid", c.job, c.holder, err)
		}
	}
}

func testIndependent(t *testing.T, s jobs.Store) {
	acquire(t, s, "gc", "p1", t0, time.Minute)
	if l := acquire(t, s, "checkpoint", "p2", t0, time.Minute); l.Token != 1 {
		t.Fatalf("a second job's first lease has token %d; want 1", l.Token)
	}
}

func testConcurrent(t *testing.T, s jobs.Store) {
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []string
		errs []error
	)
	for i := range n {
		holder := string(rune('a' + i))
		wg.Go(func() {
			_, err := s.AcquireLease(t.Context(), "gc", holder, t0, time.Minute)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, holder)
			case !kerr.IsKind(err, kerr.Conflict):
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent acquires failed: %v", errs)
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent acquires won (%v); want exactly 1", len(won), n, won)
	}
	if g := get(t, s, "gc"); g.Holder != won[0] || g.Token != 1 {
		t.Fatalf("lease = %+v; want held by the winner %s with token 1", g, won[0])
	}
}
