package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
)

// migrationFixity is the schema of fixity checking (archive.FixityStore):
// the findings, one per failed blob, in blob order; the runs' summaries,
// listed newest first, all or only those that finished a pass. Appended to
// migrations as one self-contained entry.
const migrationFixity = `
CREATE TABLE fixity_findings (
	blob TEXT PRIMARY KEY,
	body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE fixity_runs (
	id        TEXT PRIMARY KEY,
	start     INTEGER NOT NULL,
	pass_done INTEGER NOT NULL,
	body      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX fixity_runs_start ON fixity_runs (start, id);
CREATE INDEX fixity_runs_pass ON fixity_runs (pass_done, start, id);
`

// The queries of fixity that walk the versions (TestFixityUsesIndexes).
const (
	qReferencedBlobs = `
SELECT blob FROM (SELECT DISTINCT blob FROM versions WHERE blob > ?1 ORDER BY blob LIMIT ?2)
UNION
SELECT report_blob FROM (SELECT DISTINCT report_blob FROM versions WHERE report_blob > ?1 ORDER BY report_blob LIMIT ?2)
ORDER BY 1 LIMIT ?2`
	qBlobUsers = `
SELECT id, owner_id FROM documents WHERE id IN (
	SELECT document_id FROM versions WHERE blob = ?1
	UNION SELECT document_id FROM versions WHERE report_blob = ?1)
ORDER BY id LIMIT ?2`
)

// ReferencedBlobs returns the distinct content and report blobs of
// versions after after, increasing, at most limit: two walks of the
// versions_blob and versions_report_blob indexes, each cut at limit, merged.
func (s *Store) ReferencedBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return s.blobPage(ctx, "referenced blobs", qReferencedBlobs, after, limit)
}

// BlobUsers returns the documents with a version that references blob.
func (s *Store) BlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, qBlobUsers, blob, limit)
	if err != nil {
		return nil, s.fail("blob users", err)
	}
	defer rows.Close()
	var out []archive.BlobUser
	for rows.Next() {
		var u archive.BlobUser
		if err := rows.Scan(&u.DocumentID, &u.OwnerID); err != nil {
			return nil, s.fail("blob users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("blob users", err)
	}
	return out, nil
}

// SaveFixityFinding inserts f, or replaces the finding of f.Blob keeping
// its FirstSeen, in one transaction.
func (s *Store) SaveFixityFinding(ctx context.Context, f archive.FixityFinding) (bool, error) {
	f.FirstSeen, f.LastSeen = utcMs(f.FirstSeen), utcMs(f.LastSeen)
	inserted := false
	err := s.inTx(ctx, "save fixity finding", func(tx *txn) error {
		var body []byte
		err := tx.QueryRowContext(ctx, `SELECT body FROM fixity_findings WHERE blob = ?`, f.Blob).Scan(&body)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			inserted = true
		case err != nil:
			return err
		default:
			var old archive.FixityFinding
			if err := json.Unmarshal(body, &old); err != nil {
				return err
			}
			f.FirstSeen = old.FirstSeen
		}
		nb, err := json.Marshal(f)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO fixity_findings (blob, body) VALUES (?, ?)
			ON CONFLICT (blob) DO UPDATE SET body = excluded.body`, f.Blob, nb)
		return err
	})
	return inserted, err
}

// DeleteFixityFinding removes the finding of blob.
func (s *Store) DeleteFixityFinding(ctx context.Context, blob string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM fixity_findings WHERE blob = ?`, blob)
	if err != nil {
		return false, s.fail("delete fixity finding", err)
	}
	n, err := res.RowsAffected()
	return n > 0, s.fail("delete fixity finding", err)
}

// ListFixityFindings returns findings after after (up to to) by blob.
func (s *Store) ListFixityFindings(ctx context.Context, after, to string, limit int) ([]archive.FixityFinding, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM fixity_findings WHERE blob > ?1 AND (?2 = '' OR blob <= ?2)
		ORDER BY blob LIMIT ?3`, after, to, limit)
	if err != nil {
		return nil, s.fail("list fixity findings", err)
	}
	return jsonRows[archive.FixityFinding](s, rows, "list fixity findings", "fixity finding")
}

// AddFixityRun stores a run's summary.
func (s *Store) AddFixityRun(ctx context.Context, r archive.FixityRun) error {
	r.Start, r.End, r.PassStart = utcMs(r.Start), utcMs(r.End), utcMs(r.PassStart)
	body, err := json.Marshal(r)
	if err != nil {
		return s.fail("encode fixity run", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO fixity_runs (id, start, pass_done, body) VALUES (?, ?, ?, ?)`,
		r.ID, r.Start.UnixMilli(), r.PassDone, body)
	if isUnique(err) {
		return conflict("fixity_run_exists", "Lần kiểm tra toàn vẹn đã được ghi.", "sqlite: fixity run %q exists", r.ID)
	}
	return s.fail("add fixity run", err)
}

// ListFixityRuns returns runs newest first.
func (s *Store) ListFixityRuns(ctx context.Context, passDone bool, limit int) ([]archive.FixityRun, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	q := `SELECT body FROM fixity_runs ORDER BY start DESC, id DESC LIMIT ?`
	if passDone {
		q = `SELECT body FROM fixity_runs WHERE pass_done = 1 ORDER BY start DESC, id DESC LIMIT ?`
	}
	rows, err := s.r.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, s.fail("list fixity runs", err)
	}
	return jsonRows[archive.FixityRun](s, rows, "list fixity runs", "fixity run")
}

var _ archive.FixityStore = (*Store)(nil)
