package emc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// Procedures is where the service reads a procedure's service level
// (workflow.Store is one).
type Procedures interface {
	GetProcedureRecord(ctx context.Context, code string) (workflow.Procedure, error)
}

// Config is what a Service is made of. Zero values take the defaults
// given on each field.
type Config struct {
	Store      Store
	Procedures Procedures
	// URL is EMC's endpoint the events are POSTed to; SiteID this
	// system's code at EMC; Token the bearer token EMC gave it.
	URL, SiteID, Token string
	// Client sends the events (default: a client with no timeout of its
	// own; Timeout bounds each attempt).
	Client *http.Client
	// Timeout bounds one attempt (default 30 seconds).
	Timeout time.Duration
	// MaxAge is how long an event is retried before it is given up
	// (Failed) for an admin to retry (default 72 hours).
	MaxAge time.Duration
	// Backoff is the wait before retry n (n = 1 after the first failed
	// attempt). Default: 30 seconds doubling to at most 1 hour, ±10 %.
	Backoff func(n int) time.Duration
	// Batch is how many records one read takes (default 100).
	Batch int
	// Lag keeps the catch-up this far behind the clock, so that a dossier
	// whose change is still being stored (its update time set, its write
	// not yet seen) is read on a later run (default 2 minutes).
	Lag time.Duration
	// Since is how far back the catch-up's first run starts (default 24
	// hours): the feed does not resend the whole history when it is
	// switched on.
	Since time.Duration
	// Retention is how long the delivery log is kept (default 400 days:
	// art. 10.2 asks for at least one year).
	Retention time.Duration
	Now       func() time.Time
	Log       *slog.Logger
}

// Service records the events of dossiers in the outbox and delivers them
// to EMC. It is safe for concurrent use; several processes may run one
// each over the same store (the jobs are leased).
type Service struct {
	cfg Config
}

// New returns the service. It panics if cfg.Store or cfg.Procedures is
// nil (a wiring bug).
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Procedures == nil {
		panic("emc: Config.Store or Config.Procedures is nil")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 72 * time.Hour
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Batch <= 0 || cfg.Batch > 1000 {
		cfg.Batch = 100
	}
	if cfg.Lag <= 0 {
		cfg.Lag = 2 * time.Minute
	}
	if cfg.Since <= 0 {
		cfg.Since = 24 * time.Hour
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 400 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}
}

// DefaultBackoff waits 30 seconds before the first retry, doubling to at
// most one hour, each ±10 %.
func DefaultBackoff(n int) time.Duration {
	d := min(30*time.Second<<min(max(n-1, 0), 8), time.Hour)
	return d + time.Duration((mrand.Float64()*0.2-0.1)*float64(d))
}

var _ workflow.Notifier = (*Service)(nil)

// Notify records the events of e's dossier not yet in the outbox (every
// trail entry after the last recorded one): called after each
// transition. Events of lateness (no trail entry) have none.
func (s *Service) Notify(ctx context.Context, e workflow.Event) error {
	if e.Entry.Action == "" {
		return nil
	}
	_, err := s.Record(ctx, e.Dossier)
	return err
}

// Record puts in the outbox the events of d's trail entries after the
// last one recorded, due now, and returns how many it added. Recording
// an event twice (two processes, or the catch-up beside a transition)
// adds it once. Errors: the store's.
func (s *Service) Record(ctx context.Context, d workflow.Dossier) (int, error) {
	last, err := s.cfg.Store.LastEMCSeq(ctx, d.Code)
	if err != nil || last >= len(d.Trail) {
		return 0, err
	}
	level, err := s.level(ctx, d.Procedure)
	if err != nil {
		return 0, err
	}
	now := s.cfg.Now()
	added := 0
	for seq := last + 1; seq <= len(d.Trail); seq++ {
		ev, err := Build(d, seq, level, s.cfg.SiteID)
		if err != nil {
			return added, kerr.Wrap(err, kerr.Internal, "emc_build", "Không tạo được sự kiện EMC.")
		}
		body, err := json.Marshal(ev)
		if err != nil {
			return added, kerr.Wrap(err, kerr.Internal, "emc_build", "Không tạo được sự kiện EMC.")
		}
		err = s.cfg.Store.AddEMCEvent(ctx, Record{ID: ev.EventID, Dossier: d.Code, Seq: seq, Event: body, State: Pending,
			NextAt: now, CreatedAt: now, Rev: 1})
		switch {
		case kerr.IsKind(err, kerr.Conflict):
		case err != nil:
			return added, err
		default:
			added++
		}
	}
	return added, nil
}

// level is the service level of procedure: its catalogue record's, info
// when it has none.
func (s *Service) level(ctx context.Context, procedure string) (workflow.ServiceLevel, error) {
	p, err := s.cfg.Procedures.GetProcedureRecord(ctx, procedure)
	if kerr.IsKind(err, kerr.NotFound) {
		return workflow.LevelInfo, nil
	}
	if err != nil {
		return "", err
	}
	if p.Level == "" {
		return workflow.LevelInfo, nil
	}
	return p.Level, nil
}

// Report counts what one DeliverDue did.
type Report struct {
	Sent     int // EMC answered 2xx
	Retry    int // failed for now, due again after the backoff
	Failed   int // given up (too old), or behind an event given up
	Deferred int // waiting for an earlier event of the same dossier
}

// maxRounds bounds the batches of one DeliverDue.
const maxRounds = 50

// DeliverDue sends the events due now, a batch at a time, each only when
// every earlier event of its dossier has been sent (events of one
// dossier reach EMC in order; an event behind one given up is given up
// too, and retried with it). Every attempt is written to the delivery
// log. It returns the store's error when the outbox cannot be read; a
// failed send is not an error of the run.
func (s *Service) DeliverDue(ctx context.Context) (Report, error) {
	var rep Report
	for range maxRounds {
		now := s.cfg.Now()
		rs, err := s.cfg.Store.DueEMCEvents(ctx, now, s.cfg.Batch)
		if err != nil {
			return rep, err
		}
		for _, r := range rs {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			if err := s.deliver(ctx, r, &rep); err != nil && !kerr.IsKind(err, kerr.Conflict) {
				return rep, err
			}
		}
		if len(rs) < s.cfg.Batch {
			break
		}
	}
	return rep, nil
}

// deliver sends r if it is the first unsent event of its dossier, and
// records the outcome.
func (s *Service) deliver(ctx context.Context, r Record, rep *Report) error {
	first, err := s.cfg.Store.DossierEMCEvents(ctx, r.Dossier, 1, 1)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	if len(first) == 1 && first[0].ID != r.ID {
		b := first[0]
		r.Rev++
		if b.State == Failed {
			r.State, r.NextAt, r.LastError = Failed, now, "an earlier event of the dossier ("+b.ID+") was given up"
			rep.Failed++
		} else {
			r.NextAt = b.NextAt.Add(time.Millisecond)
			rep.Deferred++
		}
		return s.cfg.Store.UpdateEMCEvent(ctx, r)
	}
	status, sendErr, took := s.send(ctx, r)
	a := Attempt{ID: attemptID(now), At: now, EventID: r.ID, Status: status, Duration: took}
	if sendErr != nil {
		a.Error = sendErr.Error()
	}
	if err := s.cfg.Store.AddEMCAttempt(ctx, a); err != nil {
		return err
	}
	r.Rev++
	r.Attempts++
	now = s.cfg.Now()
	switch {
	case sendErr == nil:
		r.State, r.SentAt, r.LastError = Sent, now, ""
		rep.Sent++
	case now.Sub(r.CreatedAt) >= s.cfg.MaxAge:
		r.State, r.NextAt, r.LastError = Failed, now, a.Error
		rep.Failed++
		s.cfg.Log.Warn("EMC không nhận sự kiện hồ sơ; đã ngừng gửi lại", "event", r.ID, "attempts", r.Attempts, "err", a.Error)
	default:
		r.NextAt, r.LastError = now.Add(s.cfg.Backoff(r.Attempts)), a.Error
		rep.Retry++
	}
	return s.cfg.Store.UpdateEMCEvent(ctx, r)
}

// maxAnswer bounds what is read of EMC's answer.
const maxAnswer = 64 << 10

// send POSTs r's event to EMC: its status (0 when none came), the error
// of a failed attempt, how long it took.
func (s *Service) send(ctx context.Context, r Record) (int, error, time.Duration) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(r.Event))
	if err != nil {
		return 0, err, time.Since(start)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", r.ID)
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, err, time.Since(start)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	_ = resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode), took
	}
	return resp.StatusCode, nil, took
}

// attemptID is a new attempt's ID: its time, then random.
func attemptID(at time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return AttemptBound(at) + "-" + hex.EncodeToString(b[:])
}

// maxCatchUpBatches bounds the batches of one catch-up run.
const maxCatchUpBatches = 10

// CatchUp records the events of the dossiers changed since the cursor
// (ChangeCursor.String; "" starts Since ago) and up to Lag ago, a batch
// at a time, at most ten batches, calling save with the cursor after
// each. It returns the cursor reached and how many events it added: the
// events of a change whose notification a crash skipped. Its cost
// follows the dossiers changed, never the store.
func (s *Service) CatchUp(ctx context.Context, cursor string, save func(string) error) (string, int, error) {
	cur, err := ParseChangeCursor(cursor)
	if err != nil {
		return cursor, 0, err
	}
	now := s.cfg.Now()
	if cursor == "" {
		cur.At = now.Add(-s.cfg.Since)
	}
	before := now.Add(-s.cfg.Lag)
	added := 0
	for range maxCatchUpBatches {
		ds, err := s.cfg.Store.DossiersChangedSince(ctx, cur, before, s.cfg.Batch)
		if err != nil {
			return cur.String(), added, err
		}
		for _, d := range ds {
			n, err := s.Record(ctx, d)
			added += n
			if err != nil {
				return cur.String(), added, err
			}
			cur = ChangeCursor{At: d.UpdatedAt, Code: d.Code}
		}
		if len(ds) > 0 {
			if err := save(cur.String()); err != nil {
				return cur.String(), added, err
			}
		}
		if len(ds) < s.cfg.Batch {
			break
		}
	}
	return cur.String(), added, nil
}

// Prune deletes the attempts older than Retention, a batch at a time, at
// most ten batches, and returns how many it deleted.
func (s *Service) Prune(ctx context.Context) (int, error) {
	bound := s.cfg.Now().Add(-s.cfg.Retention)
	total := 0
	for range maxCatchUpBatches {
		n, err := s.cfg.Store.PruneEMCAttempts(ctx, bound, s.cfg.Batch)
		total += n
		if err != nil || n < s.cfg.Batch {
			return total, err
		}
	}
	return total, nil
}

// The names of the leased jobs.
const (
	DeliverJobName = "emc-deliver"
	CatchUpJobName = "emc-catchup"
	PruneJobName   = "emc-prune"
)

// Jobs are the service's leased jobs: delivery and catch-up every
// interval, the log's pruning daily (in this order).
func (s *Service) Jobs(every time.Duration) []jobs.Job {
	ttl := s.cfg.Timeout + time.Minute
	return []jobs.Job{
		{Name: DeliverJobName, Every: every, RetryAfter: every, TTL: ttl, Run: func(ctx context.Context, _ *jobs.Run) error {
			rep, err := s.DeliverDue(ctx)
			if rep.Failed > 0 {
				s.cfg.Log.Warn("có sự kiện EMC không gửi được", "failed", rep.Failed)
			}
			return err
		}},
		{Name: CatchUpJobName, Every: every, RetryAfter: every, Run: func(ctx context.Context, r *jobs.Run) error {
			_, n, err := s.CatchUp(ctx, r.Cursor(), func(c string) error { return r.Save(ctx, c) })
			if n > 0 {
				s.cfg.Log.Info("đã bổ sung sự kiện EMC của hồ sơ thay đổi mà chưa ghi", "events", n)
			}
			return err
		}},
		{Name: PruneJobName, Every: 24 * time.Hour, Run: func(ctx context.Context, _ *jobs.Run) error {
			_, err := s.Prune(ctx)
			return err
		}},
	}
}
