package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
)

var _ jobs.Store = (*Store)(nil)

const leaseColumns = `job, holder, token, until, next_run, cursor, last_start, last_end, last_error`

func scanLease(sc interface{ Scan(...any) error }) (jobs.Lease, error) {
	var (
		l                  jobs.Lease
		until, next        int64
		lastStart, lastEnd sql.NullInt64
	)
	if err := sc.Scan(&l.Job, &l.Holder, &l.Token, &until, &next, &l.Cursor, &lastStart, &lastEnd, &l.LastError); err != nil {
		return jobs.Lease{}, err
	}
	l.Until, l.NextRun = msTime(until), msTime(next)
	l.LastStart, l.LastEnd = fromMillis(lastStart), fromMillis(lastEnd)
	return l, nil
}

// msTime reads a NOT NULL millisecond column where 0 is the zero time.
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// AcquireLease implements jobs.Store in one upsert: it inserts the record
// held by holder, or takes the existing one only if its lease has ended
// and the job is due.
func (s *Store) AcquireLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (jobs.Lease, error) {
	if err := jobs.CheckAcquire(job, holder); err != nil {
		return jobs.Lease{}, err
	}
	nowMs, until := now.UnixMilli(), now.Add(ttl).UnixMilli()
	l, err := scanLease(s.w.QueryRowContext(ctx, `
INSERT INTO job_leases (job, holder, token, until) VALUES (?, ?, 1, ?)
ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, token = job_leases.token + 1, until = excluded.until
	WHERE job_leases.until <= ? AND job_leases.next_run <= ?
RETURNING `+leaseColumns, job, holder, until, nowMs, nowMs))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Lease{}, jobs.ErrHeld(job)
	}
	if err != nil {
		return jobs.Lease{}, s.fail("acquire lease", err)
	}
	return l, nil
}

// RenewLease implements jobs.Store.
func (s *Store) RenewLease(ctx context.Context, job, holder string, token int64, until time.Time, cursor string) error {
	if err := jobs.CheckCursor(cursor); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE job_leases SET until = ?, cursor = ? WHERE job = ? AND holder = ? AND token = ?`,
		until.UnixMilli(), cursor, job, holder, token)
	return s.leaseChanged(res, err, job, "renew lease")
}

// FinishLease implements jobs.Store.
func (s *Store) FinishLease(ctx context.Context, f jobs.Finish) error {
	if err := jobs.CheckCursor(f.Cursor); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `
UPDATE job_leases SET holder = '', until = 0, next_run = ?, cursor = ?, last_start = ?, last_end = ?, last_error = ?
WHERE job = ? AND holder = ? AND token = ?`,
		f.NextRun.UnixMilli(), f.Cursor, millis(f.Start), millis(f.End), f.Error, f.Job, f.Holder, f.Token)
	return s.leaseChanged(res, err, f.Job, "finish lease")
}

// leaseChanged turns a guarded update's result into nil or lease_lost.
func (s *Store) leaseChanged(res sql.Result, err error, job, op string) error {
	return s.oneRow(op, res, err, func() error { return jobs.ErrLost(job) })
}

// GetLease implements jobs.Store.
func (s *Store) GetLease(ctx context.Context, job string) (jobs.Lease, error) {
	l, err := scanLease(s.r.QueryRowContext(ctx, `SELECT `+leaseColumns+` FROM job_leases WHERE job = ?`, job))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Lease{}, jobs.ErrNotFound(job)
	}
	if err != nil {
		return jobs.Lease{}, s.fail("get lease", err)
	}
	return l, nil
}
