package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Job is one kind of background work.
type Job struct {
	// Name identifies the job's lease in the store; stable across releases.
	Name string
	// Every is how long after a run ends the job is due again.
	Every time.Duration
	// RetryAfter is how long after a failed run it is due again (default:
	// the smaller of Every and one minute).
	RetryAfter time.Duration
	// TTL is the lease's length; the runner renews it every TTL/3 while the
	// job works (default one minute). A holder that stops renewing (a
	// crashed process) keeps others out for at most TTL.
	TTL time.Duration
	// Timeout bounds one run (default: none beyond the runner's context).
	Timeout time.Duration
	// Run does the work. It must stop when ctx is done (the lease was lost
	// or the server is stopping) and be idempotent: the next holder may
	// redo what a lost run did since its last saved cursor.
	Run func(ctx context.Context, r *Run) error
}

func (j Job) ttl() time.Duration {
	if j.TTL > 0 {
		return j.TTL
	}
	return time.Minute
}

func (j Job) retryAfter() time.Duration {
	if j.RetryAfter > 0 {
		return j.RetryAfter
	}
	return min(j.Every, time.Minute)
}

// Run is one run of a job, as its Run function sees it.
type Run struct {
	runner *Runner
	job    Job
	token  int64
	cancel context.CancelCauseFunc

	mu     sync.Mutex
	cursor string
}

// Cursor is the progress marker the last run saved ("" at first).
func (r *Run) Cursor() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cursor
}

// Save records cursor in the lease at once, so that a run that dies later
// resumes from it. It fails with Conflict "lease_lost" when another process
// holds the lease now; the run's context is then cancelled too.
func (r *Run) Save(ctx context.Context, cursor string) error {
	if err := CheckCursor(cursor); err != nil {
		return err
	}
	r.mu.Lock()
	r.cursor = cursor
	r.mu.Unlock()
	return r.renew(ctx)
}

// renew extends the lease by the job's TTL from now, saving the cursor.
func (r *Run) renew(ctx context.Context) error {
	until := r.runner.now().Add(r.job.ttl())
	err := r.runner.store.RenewLease(ctx, r.job.Name, r.runner.holder, r.token, until, r.Cursor())
	if kerr.IsKind(err, kerr.Conflict) {
		r.cancel(errLeaseLost)
	}
	return err
}

// Runner runs jobs under leases kept in a Store.
type Runner struct {
	store  Store
	holder string
	log    *slog.Logger
	now    func() time.Time
	// poll is the longest a waiting runner sleeps before it asks again.
	poll time.Duration
}

// Option configures a Runner.
type Option func(*Runner)

// WithClock sets the runner's clock (tests).
func WithClock(now func() time.Time) Option { return func(r *Runner) { r.now = now } }

// WithHolder sets the name this runner holds leases under (default: host,
// process ID and a random suffix, unique per Runner).
func WithHolder(h string) Option { return func(r *Runner) { r.holder = h } }

// WithPoll sets the longest wait between two attempts to take a lease that
// another process holds (default 30 s). Runners also wake when the job is
// due, so this only bounds how late a crashed holder's job is taken over.
func WithPoll(d time.Duration) Option { return func(r *Runner) { r.poll = d } }

// NewRunner returns a runner over store.
func NewRunner(store Store, log *slog.Logger, opts ...Option) *Runner {
	r := &Runner{store: store, log: log, now: time.Now, poll: 30 * time.Second}
	for _, o := range opts {
		o(r)
	}
	if r.holder == "" {
		r.holder = defaultHolder()
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r
}

func defaultHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Loop runs each job whenever it is due and this runner can take its
// lease, until ctx is done. It returns when every job's loop has stopped
// (a running job first sees its context cancelled).
func (r *Runner) Loop(ctx context.Context, jobs ...Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.Every <= 0 {
			continue
		}
		wg.Go(func() { r.loop(ctx, j) })
	}
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, j Job) {
	for ctx.Err() == nil {
		ran, err := r.RunOnce(ctx, j)
		wait := r.poll
		switch {
		case ran:
			// The next run is due in Every (or RetryAfter); ask again then.
			if err != nil {
				if ctx.Err() == nil {
					r.log.Warn("tác vụ nền lỗi", "job", j.Name, "err", err)
				}
				wait = min(wait, j.retryAfter())
			} else {
				wait = min(wait, j.Every)
			}
		case err != nil:
			if ctx.Err() == nil {
				r.log.Warn("tác vụ nền: không đọc được hợp đồng thuê", "job", j.Name, "err", err)
			}
			wait = min(wait, 5*time.Second)
		default:
			// Held elsewhere or not due: wake when it is due or the holder's
			// lease ends, whichever is first, but no later than poll.
			if l, gerr := r.store.GetLease(ctx, j.Name); gerr == nil {
				now := r.now()
				next := l.NextRun
				if l.Held(now) && l.Until.After(next) {
					next = l.Until
				}
				if d := next.Sub(now); d > 0 {
					wait = min(wait, d)
				} else {
					wait = min(wait, time.Second)
				}
			}
		}
		// Jitter spreads processes that wake together.
		wait += time.Duration(mrand.Int64N(int64(wait)/10 + int64(time.Millisecond)))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// errLeaseLost is the cause given to a run's context when its lease is
// lost.
var errLeaseLost = errors.New("jobs: lease lost")

// RunOnce runs j now if it is due and this runner can take its lease.
// ran reports whether it ran; err is the run's error (or the store's, when
// ran is false). A run's panic is recovered and returned as an error.
func (r *Runner) RunOnce(ctx context.Context, j Job) (ran bool, err error) {
	start := r.now()
	l, err := r.store.AcquireLease(ctx, j.Name, r.holder, start, j.ttl())
	if kerr.IsKind(err, kerr.Conflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	if j.Timeout > 0 {
		var cancelT context.CancelFunc
		runCtx, cancelT = context.WithTimeout(runCtx, j.Timeout)
		defer cancelT()
	}
	defer cancel(nil)
	run := &Run{runner: r, job: j, token: l.Token, cancel: cancel, cursor: l.Cursor}

	// Renew every TTL/3 while the job works; give up the run once the
	// lease has ended without a successful renewal.
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		ttl := j.ttl()
		tick := time.NewTicker(ttl / 3)
		defer tick.Stop()
		until := l.Until
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			err := run.renew(runCtx)
			switch {
			case err == nil:
				until = r.now().Add(ttl)
			case kerr.IsKind(err, kerr.Conflict):
				r.log.Warn("tác vụ nền: mất hợp đồng thuê, dừng lượt chạy", "job", j.Name, "token", l.Token)
				cancel(errLeaseLost)
				return
			case !r.now().Before(until):
				r.log.Warn("tác vụ nền: không gia hạn được hợp đồng thuê, dừng lượt chạy", "job", j.Name, "err", err)
				cancel(errLeaseLost)
				return
			}
		}
	}()

	err = r.call(runCtx, j, run)
	cancel(nil)
	<-renewed

	end := r.now()
	f := Finish{Job: j.Name, Holder: r.holder, Token: l.Token, Cursor: run.Cursor(), Start: start, End: end, NextRun: end.Add(j.Every)}
	if err != nil {
		f.Error = err.Error()
		if len(f.Error) > 1000 {
			f.Error = f.Error[:1000]
		}
		f.NextRun = end.Add(j.retryAfter())
	}
	if errors.Is(context.Cause(runCtx), errLeaseLost) {
		return true, ErrLost(j.Name)
	}
	// The server may be stopping: record the end anyway.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	if ferr := r.store.FinishLease(fctx, f); ferr != nil {
		r.log.Warn("tác vụ nền: không ghi được kết thúc lượt chạy", "job", j.Name, "err", ferr)
	}
	return true, err
}

// call runs j.Run, turning a panic into an error.
func (r *Runner) call(ctx context.Context, j Job, run *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("tác vụ nền bị lỗi nghiêm trọng", "job", j.Name, "panic", p, "stack", string(debug.Stack()))
			err = kerr.New(kerr.Internal, "job_panic", "Tác vụ nền gặp lỗi nghiêm trọng.", "jobs: %s panicked: %v", j.Name, p)
		}
	}()
	return j.Run(ctx, run)
}
