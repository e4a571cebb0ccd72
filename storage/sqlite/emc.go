package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/workflow"
)

var _ emc.Store = (*Store)(nil)

// migrationEMC is the EMC feed's outbox and delivery log (emc.Store), and
// an index of the dossiers by update time for its catch-up: an index on
// an expression of the body (the update time in milliseconds), so that
// the dossiers' own writes are untouched. Appended to migrations as one
// self-contained entry.
const migrationEMC = `
CREATE TABLE emc_events (
	id      TEXT PRIMARY KEY,
	dossier TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	state   TEXT NOT NULL,
	pos     TEXT NOT NULL,
	rev     INTEGER NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX emc_events_dossier_seq ON emc_events (dossier, seq);
CREATE INDEX emc_events_state_pos ON emc_events (state, pos);

CREATE TABLE emc_attempts (
	id   TEXT PRIMARY KEY,
	body TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX dossiers_updated ON dossiers (` + dossierUpdatedMs + `, code);
`

// dossierUpdatedMs is a dossier's UpdatedAt in Unix milliseconds, read
// from its body: the expression the index dossiers_updated holds and
// DossiersChangedSince selects by (the same text, or SQLite would not use
// the index).
const dossierUpdatedMs = `CAST(round(unixepoch(json_extract(body, '$.updatedAt'), 'subsec') * 1000) AS INTEGER)`

// The statements of emc.Store that read ranges, each served by an index
// (TestEMCUsesIndexes).
const (
	qDossierEMCEvents     = `SELECT body FROM emc_events WHERE dossier = ? AND seq >= ? AND state <> ? ORDER BY seq LIMIT ?`
	qDueEMCEvents         = `SELECT body FROM emc_events WHERE state = ? AND pos < ? ORDER BY pos LIMIT ?`
	qListEMCEvents        = `SELECT body FROM emc_events WHERE state = ? AND pos < ? ORDER BY pos DESC LIMIT ?`
	qCountEMCEvents       = `SELECT count(*) FROM emc_events WHERE state = ?`
	qLastEMCSeq           = `SELECT max(seq) FROM emc_events WHERE dossier = ?`
	qListEMCAttempts      = `SELECT body FROM emc_attempts WHERE id < ? ORDER BY id DESC LIMIT ?`
	qPruneEMCAttempts     = `DELETE FROM emc_attempts WHERE id IN (SELECT id FROM emc_attempts WHERE id < ? ORDER BY id LIMIT ?)`
	qDossiersChangedSince = `SELECT body FROM dossiers WHERE ` + dossierUpdatedMs + ` >= ? AND ` + dossierUpdatedMs + ` < ?
		AND (` + dossierUpdatedMs + ` > ? OR code > ?) ORDER BY ` + dossierUpdatedMs + `, code LIMIT ?`
)

// writeEMCEvent inserts r, or replaces the record with r.ID.
func writeEMCEvent(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, r emc.Record, insert bool) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	q := `UPDATE emc_events SET dossier = ?, seq = ?, state = ?, pos = ?, rev = ?, body = ? WHERE id = ?`
	if insert {
		q = `INSERT INTO emc_events (dossier, seq, state, pos, rev, body, id) VALUES (?, ?, ?, ?, ?, ?, ?)`
	}
	_, err = ex.ExecContext(ctx, q, r.Dossier, r.Seq, string(r.State), r.Pos(), r.Rev, body, r.ID)
	return err
}

// AddEMCEvent implements emc.Store.
func (s *Store) AddEMCEvent(ctx context.Context, r emc.Record) error {
	r = r.Norm()
	r.Rev = 1
	err := writeEMCEvent(ctx, s.w, r, true)
	if isUnique(err) {
		return emc.ErrEventExists(r.ID)
	}
	return s.fail("add emc event", err)
}

// GetEMCEvent implements emc.Store.
func (s *Store) GetEMCEvent(ctx context.Context, id string) (emc.Record, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM emc_events WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return emc.Record{}, emc.ErrEventNotFound(id)
	}
	if err != nil {
		return emc.Record{}, s.fail("get emc event", err)
	}
	var r emc.Record
	if err := json.Unmarshal(body, &r); err != nil {
		return emc.Record{}, s.fail("decode emc event", err)
	}
	return r, nil
}

// UpdateEMCEvent implements emc.Store: one statement guarded by the
// stored revision.
func (s *Store) UpdateEMCEvent(ctx context.Context, r emc.Record) error {
	r = r.Norm()
	body, err := json.Marshal(r)
	if err != nil {
		return s.fail("encode emc event", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE emc_events SET state = ?, pos = ?, rev = ?, body = ? WHERE id = ? AND rev = ?`,
		string(r.State), r.Pos(), r.Rev, body, r.ID, r.Rev-1)
	if err != nil {
		return s.fail("update emc event", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return s.fail("update emc event", err)
	}
	if _, err := s.GetEMCEvent(ctx, r.ID); err != nil {
		return err
	}
	return emc.ErrEventChanged(r.ID)
}

// LastEMCSeq implements emc.Store.
func (s *Store) LastEMCSeq(ctx context.Context, dossier string) (int, error) {
	var n sql.NullInt64
	err := s.r.QueryRowContext(ctx, qLastEMCSeq, dossier).Scan(&n)
	return int(n.Int64), s.fail("last emc seq", err)
}

// DossierEMCEvents implements emc.Store.
func (s *Store) DossierEMCEvents(ctx context.Context, dossier string, from, limit int) ([]emc.Record, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, qDossierEMCEvents,
		dossier, from, string(emc.Sent), limit)
	if err != nil {
		return nil, s.fail("dossier emc events", err)
	}
	return jsonRows[emc.Record](s, rows, "dossier emc events", "emc event")
}

// DueEMCEvents implements emc.Store.
func (s *Store) DueEMCEvents(ctx context.Context, now time.Time, limit int) ([]emc.Record, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, qDueEMCEvents,
		string(emc.Pending), emc.AttemptBound(now.Add(time.Millisecond)), limit)
	if err != nil {
		return nil, s.fail("due emc events", err)
	}
	return jsonRows[emc.Record](s, rows, "due emc events", "emc event")
}

// ListEMCEvents implements emc.Store.
func (s *Store) ListEMCEvents(ctx context.Context, st emc.State, before string, limit int) ([]emc.Record, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if before == "" {
		before = "~"
	}
	rows, err := s.r.QueryContext(ctx, qListEMCEvents,
		string(st), before, limit)
	if err != nil {
		return nil, s.fail("list emc events", err)
	}
	return jsonRows[emc.Record](s, rows, "list emc events", "emc event")
}

// CountEMCEvents implements emc.Store.
func (s *Store) CountEMCEvents(ctx context.Context, st emc.State) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, qCountEMCEvents, string(st)).Scan(&n)
	return n, s.fail("count emc events", err)
}

// AddEMCAttempt implements emc.Store.
func (s *Store) AddEMCAttempt(ctx context.Context, a emc.Attempt) error {
	body, err := json.Marshal(a.Norm())
	if err != nil {
		return s.fail("encode emc attempt", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO emc_attempts (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, a.ID, body)
	return s.fail("add emc attempt", err)
}

// ListEMCAttempts implements emc.Store.
func (s *Store) ListEMCAttempts(ctx context.Context, before string, limit int) ([]emc.Attempt, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if before == "" {
		before = "~"
	}
	rows, err := s.r.QueryContext(ctx, qListEMCAttempts, before, limit)
	if err != nil {
		return nil, s.fail("list emc attempts", err)
	}
	return jsonRows[emc.Attempt](s, rows, "list emc attempts", "emc attempt")
}

// PruneEMCAttempts implements emc.Store.
func (s *Store) PruneEMCAttempts(ctx context.Context, t time.Time, limit int) (int, error) {
	if err := checkLimit(limit); err != nil {
		return 0, err
	}
	res, err := s.w.ExecContext(ctx, qPruneEMCAttempts,
		emc.AttemptBound(t), limit)
	if err != nil {
		return 0, s.fail("prune emc attempts", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.fail("prune emc attempts", err)
}

// DossiersChangedSince implements emc.Store: one range of the index
// dossiers_updated.
func (s *Store) DossiersChangedSince(ctx context.Context, after emc.ChangeCursor, before time.Time, limit int) ([]workflow.Dossier, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	at := max(after.At.UnixMilli(), 0)
	return s.queryDossiers(ctx, "dossiers changed since",
		qDossiersChangedSince, at, before.UnixMilli(), at, after.Code, limit)
}
