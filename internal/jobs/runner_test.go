package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage/sqlite"
)

// openStore opens an embedded store; two runners over it are two processes.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// clock is a settable clock shared by the runners of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestRunOnceIsDueOncePerInterval(t *testing.T) {
	st := openStore(t)
	clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	a := jobs.NewRunner(st, nil, jobs.WithClock(clk.Now), jobs.WithHolder("a"))
	b := jobs.NewRunner(st, nil, jobs.WithClock(clk.Now), jobs.WithHolder("b"))
	var runs atomic.Int32
	job := jobs.Job{Name: "gc", Every: time.Hour, Run: func(context.Context, *jobs.Run) error { runs.Add(1); return nil }}

	if ran, err := a.RunOnce(t.Context(), job); !ran || err != nil {
		t.Fatalf("a: ran %v, err %v; want the first run", ran, err)
	}
	if ran, err := b.RunOnce(t.Context(), job); ran || err != nil {
		t.Fatalf("b right after a: ran %v, err %v; want not due", ran, err)
	}
	clk.Add(59 * time.Minute)
	if ran, _ := b.RunOnce(t.Context(), job); ran {
		t.Fatal("b ran before the interval ended")
	}
	clk.Add(time.Minute)
	if ran, err := b.RunOnce(t.Context(), job); !ran || err != nil {
		t.Fatalf("b an hour later: ran %v, err %v; want a run", ran, err)
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("%d runs; want 2", n)
	}
	l, err := st.GetLease(t.Context(), "gc")
	if err != nil || l.Holder != "" || l.LastError != "" || !l.NextRun.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("lease after runs: %+v, %v; want released, due in an hour", l, err)
	}
}

func TestRunOnceWhileHeldElsewhere(t *testing.T) {
	st := openStore(t)
	a := jobs.NewRunner(st, nil, jobs.WithHolder("a"))
	b := jobs.NewRunner(st, nil, jobs.WithHolder("b"))
	started, release := make(chan struct{}), make(chan struct{})
	job := jobs.Job{Name: "gc", Every: time.Nanosecond, Run: func(ctx context.Context, _ *jobs.Run) error {
		close(started)
		<-release
		return nil
	}}
	done := make(chan error, 1)
	go func() { _, err := a.RunOnce(t.Context(), job); done <- err }()
	<-started
	ran, err := b.RunOnce(t.Context(), jobs.Job{Name: "gc", Every: time.Nanosecond, Run: func(context.Context, *jobs.Run) error {
		t.Error("b ran while a held the lease")
		return nil
	}})
	if ran || err != nil {
		t.Fatalf("b while a runs: ran %v, err %v; want not run", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("a: %v", err)
	}
}

func TestTakeOverFromCrashedHolderWithCursor(t *testing.T) {
	st := openStore(t)
	clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	// A process took the lease, saved progress, then died without finishing.
	l, err := st.AcquireLease(t.Context(), "ckpt", "dead", clk.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RenewLease(t.Context(), "ckpt", "dead", l.Token, clk.Now().Add(time.Minute), "upto-41"); err != nil {
		t.Fatal(err)
	}
	b := jobs.NewRunner(st, nil, jobs.WithClock(clk.Now), jobs.WithHolder("b"))
	var sawCursor string
	job := jobs.Job{Name: "ckpt", Every: time.Hour, Run: func(ctx context.Context, r *jobs.Run) error {
		sawCursor = r.Cursor()
		return r.Save(ctx, "upto-99")
	}}
	if ran, _ := b.RunOnce(t.Context(), job); ran {
		t.Fatal("b ran while the dead holder's lease was still current")
	}
	clk.Add(time.Minute)
	if ran, err := b.RunOnce(t.Context(), job); !ran || err != nil {
		t.Fatalf("b after the lease ended: ran %v, err %v", ran, err)
	}
	if sawCursor != "upto-41" {
		t.Fatalf("the take-over run saw cursor %q; want the dead holder's upto-41", sawCursor)
	}
	if got, _ := st.GetLease(t.Context(), "ckpt"); got.Cursor != "upto-99" || got.Token != l.Token+1 {
		t.Fatalf("lease = %+v; want cursor upto-99, token %d", got, l.Token+1)
	}
}

func TestLostLeaseStopsTheRun(t *testing.T) {
	st := openStore(t)
	clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	a := jobs.NewRunner(st, nil, jobs.WithClock(clk.Now), jobs.WithHolder("a"))
	job := jobs.Job{Name: "gc", Every: time.Hour, Run: func(ctx context.Context, r *jobs.Run) error {
		// a pauses past its lease's end; another process takes over.
		clk.Add(2 * time.Minute)
		if _, err := st.AcquireLease(ctx, "gc", "intruder", clk.Now(), time.Minute); err != nil {
			t.Errorf("intruder: %v", err)
		}
		err := r.Save(ctx, "from-a")
		if !kerr.IsKind(err, kerr.Conflict) {
			t.Errorf("Save after losing the lease: %v; want Conflict", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Error("the run's context was not cancelled after the lease was lost")
		}
		return ctx.Err()
	}}
	ran, err := a.RunOnce(t.Context(), job)
	if !ran || !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("ran %v, err %v; want a run that ends with lease_lost", ran, err)
	}
	l, _ := st.GetLease(t.Context(), "gc")
	if l.Holder != "intruder" || l.Cursor == "from-a" {
		t.Fatalf("lease = %+v; want the intruder's, untouched by a", l)
	}
}

func TestRenewalKeepsLongRunsExclusive(t *testing.T) {
	st := openStore(t)
	a := jobs.NewRunner(st, nil, jobs.WithHolder("a"))
	b := jobs.NewRunner(st, nil, jobs.WithHolder("b"))
	const ttl = 300 * time.Millisecond
	job := jobs.Job{Name: "long", Every: time.Nanosecond, TTL: ttl, Run: func(ctx context.Context, _ *jobs.Run) error {
		// Three lease lengths: without renewal b would take over.
		deadline := time.Now().Add(3 * ttl)
		for time.Now().Before(deadline) {
			if ran, _ := b.RunOnce(ctx, jobs.Job{Name: "long", Every: time.Nanosecond, TTL: ttl,
				Run: func(context.Context, *jobs.Run) error { return nil }}); ran {
				return errors.New("b took a lease that a kept renewing")
			}
			time.Sleep(ttl / 5)
		}
		return ctx.Err()
	}}
	if ran, err := a.RunOnce(t.Context(), job); !ran || err != nil {
		t.Fatalf("ran %v, err %v", ran, err)
	}
}

func TestPanicIsRecordedNotFatal(t *testing.T) {
	st := openStore(t)
	clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	a := jobs.NewRunner(st, nil, jobs.WithClock(clk.Now), jobs.WithHolder("a"))
	job := jobs.Job{Name: "gc", Every: time.Hour, RetryAfter: time.Minute, Run: func(context.Context, *jobs.Run) error { panic("boom") }}
	ran, err := a.RunOnce(t.Context(), job)
	if !ran || func() bool { c, _ := kerr.Public(err); return c != "job_panic" }() {
		t.Fatalf("ran %v, err %v; want job_panic", ran, err)
	}
	l, _ := st.GetLease(t.Context(), "gc")
	if l.Holder != "" || l.LastError == "" || !l.NextRun.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("lease = %+v; want released, the panic recorded, retry in a minute", l)
	}
}

// TestLoopRunsOnceAcrossProcesses: two runners looping over one store run
// the job one at a time and about once per interval in all, not once per
// interval each.
func TestLoopRunsOnceAcrossProcesses(t *testing.T) {
	st := openStore(t)
	const every, span = 100 * time.Millisecond, 1500 * time.Millisecond
	var running, maxRunning, runs atomic.Int32
	job := jobs.Job{Name: "gc", Every: every, TTL: time.Second, Run: func(ctx context.Context, _ *jobs.Run) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		time.Sleep(10 * time.Millisecond)
		return nil
	}}
	ctx, cancel := context.WithTimeout(t.Context(), span)
	defer cancel()
	var wg sync.WaitGroup
	for _, h := range []string{"a", "b"} {
		r := jobs.NewRunner(st, nil, jobs.WithHolder(h), jobs.WithPoll(every))
		wg.Go(func() { r.Loop(ctx, job) })
	}
	wg.Wait()
	if m := maxRunning.Load(); m != 1 {
		t.Fatalf("%d runs at once; want 1", m)
	}
	// One shared schedule gives at most span/every runs (+1 for the first);
	// two per-process schedules would give about twice that.
	if n, most := runs.Load(), int32(span/every)+1; n < 2 || n > most {
		t.Fatalf("%d runs in %v with a %v interval; want 2..%d", n, span, every, most)
	}
}
