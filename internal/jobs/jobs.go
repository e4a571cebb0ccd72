// Package jobs runs Kho's background work as leased jobs: any `kho serve`
// process may run a job, exactly one does at a time, and a job runs once
// per interval across all processes, not once per process.
//
// A job's lease is one record in the metadata store, changed only by
// conditional single-record updates (no transactions): a process takes the
// lease when nobody holds it and the job is due, renews it while it works,
// and gives it back with the time the job is next due. The lease carries a
// fencing token that grows each time it changes hands, so a process that
// lost its lease (paused past its end, cut off from the store) finds out at
// its next renewal and stops; its job's effects must be idempotent, since
// the next holder may redo part of them.
//
// The lease also keeps a small cursor that a job saves as it goes, so
// that work can resume where the last run (of any process) stopped, and the
// outcome of the last run, for operators.
package jobs

import (
	"context"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Lease is the store's record of one job.
type Lease struct {
	Job    string    // the job's name, e.g. "gc"
	Holder string    // the process holding the lease; "" when none does
	Token  int64     // fencing token: +1 each time the lease is taken
	Until  time.Time // the holder's lease ends then; zero when not held
	// NextRun is when the job is next due; zero for a new job (due at once).
	NextRun time.Time
	// Cursor is the job's own progress marker, saved by RenewLease and
	// FinishLease (at most MaxCursor bytes).
	Cursor string
	// The last run that finished (FinishLease): when it started and ended,
	// and its error ("" for success).
	LastStart time.Time
	LastEnd   time.Time
	LastError string
}

// Held reports whether someone holds the lease at now.
func (l Lease) Held(now time.Time) bool { return l.Holder != "" && now.Before(l.Until) }

// MaxCursor bounds Lease.Cursor: a cursor is a position, not a payload.
const MaxCursor = 4096

// Finish is what FinishLease records.
type Finish struct {
	Job     string
	Holder  string
	Token   int64
	NextRun time.Time
	Cursor  string
	Start   time.Time // when the run began
	End     time.Time // when it ended
	Error   string    // "" for success
}

// Store keeps job leases. storage/sqlite and storage/mongo implement it;
// jobstest is the conformance suite both pass.
//
// Times are compared as given by the caller (the process's clock): leases
// are minutes long, so clock skew between processes of a few seconds only
// shortens or lengthens one by as much. Stores return times in UTC,
// truncated to milliseconds.
//
// Error kinds (internal/kerr): Conflict with code "lease_held" when
// AcquireLease finds the lease held or the job not yet due, and with code
// "lease_lost" when RenewLease or FinishLease finds the lease taken by
// another holder or token; NotFound from GetLease for a job never leased;
// Invalid for an empty job or holder or a cursor over MaxCursor;
// Unavailable when the server cannot be reached; Internal otherwise.
type Store interface {
	// AcquireLease gives holder the lease of job until now+ttl, adding one
	// to its Token, if nobody holds it at now (Until <= now) and the job is
	// due (NextRun <= now). The record is created on first use, due at
	// once. It returns the lease as taken. Conflict "lease_held" otherwise.
	AcquireLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (Lease, error)
	// RenewLease moves the lease's end to until and saves cursor, if holder
	// still holds it with token. Conflict "lease_lost" otherwise.
	RenewLease(ctx context.Context, job, holder string, token int64, until time.Time, cursor string) error
	// FinishLease gives the lease back (Holder "", Until zero) and records
	// f's NextRun, Cursor, Start, End and Error, if f.Holder still holds it
	// with f.Token. Conflict "lease_lost" otherwise (nothing is recorded).
	FinishLease(ctx context.Context, f Finish) error
	// GetLease returns job's record. NotFound if it was never leased.
	GetLease(ctx context.Context, job string) (Lease, error)
}

// The errors every Store returns, made here so that drivers agree.

// ErrHeld is AcquireLease's Conflict: the lease is held or the job not due.
func ErrHeld(job string) error {
	return kerr.New(kerr.Conflict, "lease_held", "Tác vụ nền đang được tiến trình khác chạy hoặc chưa đến hạn.", "jobs: lease of %q is held or the job is not due", job)
}

// ErrLost is RenewLease's and FinishLease's Conflict: another holder or
// token has the lease now.
func ErrLost(job string) error {
	return kerr.New(kerr.Conflict, "lease_lost", "Tác vụ nền đã được tiến trình khác tiếp quản.", "jobs: lease of %q is no longer held by this holder and token", job)
}

// ErrNotFound is GetLease's NotFound.
func ErrNotFound(job string) error {
	return kerr.New(kerr.NotFound, "job_not_found", "Không tìm thấy tác vụ nền.", "jobs: no lease record for %q", job)
}

// CheckAcquire returns Invalid for an empty job or holder name.
func CheckAcquire(job, holder string) error {
	if job == "" || holder == "" {
		return kerr.New(kerr.Invalid, "invalid_job_lease", "Tên tác vụ nền hoặc tiến trình trống.", "jobs: job %q, holder %q: both must be non-empty", job, holder)
	}
	return nil
}

// CheckCursor returns Invalid for a cursor over MaxCursor bytes.
func CheckCursor(cursor string) error {
	if len(cursor) > MaxCursor {
		return kerr.New(kerr.Invalid, "job_cursor_too_large", "Dữ liệu tiến độ của tác vụ nền quá lớn.", "jobs: cursor of %d bytes > %d", len(cursor), MaxCursor)
	}
	return nil
}
