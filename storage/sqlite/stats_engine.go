package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// migrationStats adds what dossier statistics need (workflow.StatsStore):
// on each dossier the pending flag with its change time (a partial index
// holds only the pending ones) and the bucket month (reception month,
// Vietnam time) indexed with the competent agency; the aggregate
// buckets; and the bucket each dossier was last counted in. Every
// existing dossier starts pending, its month computed here (UTC+7), so
// the first runs of the job count them all. One self-contained entry.
const migrationStats = `
ALTER TABLE dossiers ADD COLUMN stats_pending INTEGER;
ALTER TABLE dossiers ADD COLUMN stats_month TEXT;
ALTER TABLE dossiers ADD COLUMN stats_at INTEGER;
UPDATE dossiers SET stats_pending = 1, stats_at = COALESCE(received_at, 0),
	stats_month = CASE WHEN received_at IS NULL THEN NULL ELSE strftime('%Y-%m', received_at / 1000 + 25200, 'unixepoch') END;
CREATE INDEX dossiers_stats_pending ON dossiers (stats_at, code) WHERE stats_pending = 1;
CREATE INDEX dossiers_stats_bucket ON dossiers (handling_agency, stats_month, code) WHERE stats_month IS NOT NULL;
CREATE TABLE stats_buckets (
	id           TEXT PRIMARY KEY,
	agency       TEXT NOT NULL,
	month        TEXT NOT NULL,
	open_through TEXT NOT NULL,
	body         BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX stats_buckets_agency_month ON stats_buckets (agency, month);
CREATE INDEX stats_buckets_month ON stats_buckets (month, agency);
CREATE INDEX stats_buckets_agency_open ON stats_buckets (agency, open_through, month);
CREATE INDEX stats_buckets_open ON stats_buckets (open_through, month);
CREATE TABLE stats_counted (
	code   TEXT PRIMARY KEY,
	bucket TEXT NOT NULL
) WITHOUT ROWID;
`

// statsArgs are d's values of the statistics columns: pending, the
// bucket month ("" = NULL when not received), the change time.
func statsArgs(d workflow.Dossier) []any {
	month := ""
	if !d.ReceivedAt.IsZero() {
		month = workflow.MonthKey(d.ReceivedAt)
	}
	at := d.UpdatedAt
	if at.IsZero() {
		at = d.CreatedAt
	}
	return []any{1, nullString(month), at.UnixMilli()}
}

// PendingStats reads the partial index of pending dossiers.
func (s *Store) PendingStats(ctx context.Context, limit int) ([]workflow.StatsPending, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT d.body, COALESCE(c.bucket, '') FROM dossiers d LEFT JOIN stats_counted c ON c.code = d.code
		WHERE d.stats_pending = 1 ORDER BY d.stats_at, d.code LIMIT ?`, limit)
	if err != nil {
		return nil, s.fail("pending stats", err)
	}
	defer rows.Close()
	var out []workflow.StatsPending
	for rows.Next() {
		var body []byte
		var p workflow.StatsPending
		if err := rows.Scan(&body, &p.Counted); err != nil {
			return nil, s.fail("pending stats", err)
		}
		if p.Dossier, err = workflow.DecodeDossier(body); err != nil {
			return nil, s.fail("decode dossier", err)
		}
		out = append(out, p)
	}
	return out, s.fail("pending stats", rows.Err())
}

// OldestStatsPending reads the first entry of the pending index.
func (s *Store) OldestStatsPending(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT stats_at FROM dossiers WHERE stats_pending = 1 ORDER BY stats_at, code LIMIT 1`).Scan(&at)
	if err == sql.ErrNoRows {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, s.fail("oldest stats pending", err)
	}
	return fromMillis(at), true, nil
}

// BucketDossiers reads the index of (competent agency, month).
func (s *Store) BucketDossiers(ctx context.Context, agency, month, after string, limit int) ([]workflow.Dossier, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	return s.queryDossiers(ctx, "bucket dossiers", `SELECT body FROM dossiers WHERE handling_agency = ? AND stats_month = ? AND code > ?
		ORDER BY code LIMIT ?`, agency, month, after, limit)
}

// PutStatsBucket replaces the bucket's row.
func (s *Store) PutStatsBucket(ctx context.Context, b workflow.StatsBucket) error {
	b.At = utcMs(b.At)
	body, err := json.Marshal(b)
	if err != nil {
		return s.fail("encode stats bucket", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO stats_buckets (id, agency, month, open_through, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET open_through = excluded.open_through, body = excluded.body`, b.ID(), b.Agency, b.Month, b.OpenThrough, body)
	return s.fail("put stats bucket", err)
}

// StatsBuckets runs the month range and, with openAt, the open range,
// each on its index, and merges them.
func (s *Store) StatsBuckets(ctx context.Context, agency, from, before, openAt string) ([]workflow.StatsBucket, error) {
	type st struct {
		q    string
		args []any
	}
	var qs []st
	if agency != "" {
		qs = append(qs, st{`SELECT body FROM stats_buckets WHERE agency = ? AND month >= ? AND month < ?`, []any{agency, from, before}})
		if openAt != "" {
			qs = append(qs, st{`SELECT body FROM stats_buckets WHERE agency = ? AND open_through >= ? AND month < ?`, []any{agency, openAt, before}})
		}
	} else {
		qs = append(qs, st{`SELECT body FROM stats_buckets WHERE month >= ? AND month < ?`, []any{from, before}})
		if openAt != "" {
			qs = append(qs, st{`SELECT body FROM stats_buckets WHERE open_through >= ? AND month < ?`, []any{openAt, before}})
		}
	}
	var all []workflow.StatsBucket
	for _, q := range qs {
		rows, err := s.r.QueryContext(ctx, q.q, q.args...)
		if err != nil {
			return nil, s.fail("stats buckets", err)
		}
		bs, err := jsonRows[workflow.StatsBucket](s, rows, "stats buckets", "stats bucket")
		if err != nil {
			return nil, err
		}
		all = append(all, bs...)
	}
	return workflow.MergeStatsBuckets(all), nil
}

// MarkStatsCounted upserts the dossier's counted bucket.
func (s *Store) MarkStatsCounted(ctx context.Context, code, bucket string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO stats_counted (code, bucket) VALUES (?, ?)
		ON CONFLICT (code) DO UPDATE SET bucket = excluded.bucket`, code, bucket)
	return s.fail("mark stats counted", err)
}

// ClearStatsPending clears the flag with the revision in the WHERE.
func (s *Store) ClearStatsPending(ctx context.Context, code string, rev int64) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE dossiers SET stats_pending = NULL WHERE code = ? AND rev = ? AND stats_pending = 1`, code, rev)
	if err != nil {
		return false, s.fail("clear stats pending", err)
	}
	n, err := res.RowsAffected()
	return n == 1, s.fail("clear stats pending", err)
}

// MarkStatsPending marks a page of dossiers in code order, computing the
// bucket month again from the reception time.
func (s *Store) MarkStatsPending(ctx context.Context, after string, limit int) (string, error) {
	if err := checkLimit(limit); err != nil {
		return "", err
	}
	var last sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT max(code) FROM (SELECT code FROM dossiers WHERE code > ? ORDER BY code LIMIT ?)`, after, limit).Scan(&last)
	if err != nil {
		return "", s.fail("mark stats pending", err)
	}
	if !last.Valid {
		return "", nil
	}
	_, err = s.w.ExecContext(ctx, `UPDATE dossiers SET stats_pending = 1, stats_at = ?,
		stats_month = CASE WHEN received_at IS NULL THEN NULL ELSE strftime('%Y-%m', received_at / 1000 + 25200, 'unixepoch') END
		WHERE code > ? AND code <= ?`, time.Now().UnixMilli(), after, last.String)
	return last.String, s.fail("mark stats pending", err)
}
