package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
)

// migrationVaultStats holds the vault statistics' aggregates (one row per
// stream and month, the counters and the cursor in its body) and indexes
// owners by used bytes for the largest owners and the size bands.
const migrationVaultStats = `
CREATE TABLE vault_stats (
	key  TEXT PRIMARY KEY,
	rev  INTEGER NOT NULL,
	body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX owners_used_bytes ON owners (used_bytes DESC, id);
`

// PutVaultAgg inserts g (expectedRev 0) or replaces the row at
// expectedRev: one statement, counters and cursor together.
func (s *Store) PutVaultAgg(ctx context.Context, g archive.VaultAgg, expectedRev int64) error {
	g.Key = archive.VaultAggKey(g.Stream, g.Month)
	g.UpdatedAt = utcMs(g.UpdatedAt)
	g.Rev = expectedRev + 1
	body, err := json.Marshal(g)
	if err != nil {
		return s.fail("encode vault aggregate", err)
	}
	if expectedRev == 0 {
		_, err := s.w.ExecContext(ctx, `INSERT INTO vault_stats (key, rev, body) VALUES (?, 1, ?)`, g.Key, body)
		if isUnique(err) {
			return conflict("vault_stats_exists", "Số liệu thống kê kho của tháng đã có.", "sqlite: vault aggregate %q exists", g.Key)
		}
		return s.fail("insert vault aggregate", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE vault_stats SET rev = ?, body = ? WHERE key = ? AND rev = ?`, g.Rev, body, g.Key, expectedRev)
	if err != nil {
		return s.fail("update vault aggregate", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return conflict("vault_stats_changed", "Số liệu thống kê kho vừa được cập nhật bởi tiến trình khác.",
			"sqlite: vault aggregate %q is not at rev %d", g.Key, expectedRev)
	}
	return nil
}

// LatestVaultAgg returns the stream's aggregate with the highest month:
// the last key of the stream's key range.
func (s *Store) LatestVaultAgg(ctx context.Context, stream string) (archive.VaultAgg, error) {
	var body []byte
	var rev int64
	err := s.r.QueryRowContext(ctx, `SELECT rev, body FROM vault_stats WHERE key > ? AND key < ? ORDER BY key DESC LIMIT 1`,
		stream+"/", stream+"0").Scan(&rev, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.VaultAgg{}, notFound("vault_stats_not_found", "Chưa có số liệu thống kê kho.", "sqlite: no vault aggregate of %q", stream)
	}
	if err != nil {
		return archive.VaultAgg{}, s.fail("latest vault aggregate", err)
	}
	return s.decodeVaultAgg(rev, body)
}

// VaultAggs returns the stream's aggregates of the months from..to.
func (s *Store) VaultAggs(ctx context.Context, stream, from, to string) ([]archive.VaultAgg, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT rev, body FROM vault_stats WHERE key >= ? AND key <= ? ORDER BY key`,
		archive.VaultAggKey(stream, from), archive.VaultAggKey(stream, to))
	if err != nil {
		return nil, s.fail("vault aggregates", err)
	}
	defer rows.Close()
	var out []archive.VaultAgg
	for rows.Next() {
		var body []byte
		var rev int64
		if err := rows.Scan(&rev, &body); err != nil {
			return nil, s.fail("vault aggregates", err)
		}
		g, err := s.decodeVaultAgg(rev, body)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, s.fail("vault aggregates", rows.Err())
}

func (s *Store) decodeVaultAgg(rev int64, body []byte) (archive.VaultAgg, error) {
	var g archive.VaultAgg
	if err := json.Unmarshal(body, &g); err != nil {
		return archive.VaultAgg{}, s.fail("decode vault aggregate", err)
	}
	g.Rev = rev
	return g, nil
}

// ReusesAfter walks reuse records by their primary key.
func (s *Store) ReusesAfter(ctx context.Context, after string, limit int) ([]archive.ReuseRecord, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM reuses WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, s.fail("reuses after", err)
	}
	defer rows.Close()
	var out []archive.ReuseRecord
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, s.fail("reuses after", err)
		}
		var r archive.ReuseRecord
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, s.fail("decode reuse", err)
		}
		out = append(out, r)
	}
	return out, s.fail("reuses after", rows.Err())
}

// TopOwners reads the first rows of the index owners_used_bytes.
func (s *Store) TopOwners(ctx context.Context, limit int) ([]archive.Owner, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx,
		`SELECT id, quota_bytes, used_bytes, document_count, rev, body FROM owners INDEXED BY owners_used_bytes ORDER BY used_bytes DESC, id LIMIT ?`, limit)
	if err != nil {
		return nil, s.fail("top owners", err)
	}
	defer rows.Close()
	var out []archive.Owner
	for rows.Next() {
		var o archive.Owner
		var body []byte
		var id string
		var quota, used, docs, rev int64
		if err := rows.Scan(&id, &quota, &used, &docs, &rev, &body); err != nil {
			return nil, s.fail("top owners", err)
		}
		if err := json.Unmarshal(body, &o); err != nil {
			return nil, s.fail("decode owner", err)
		}
		o.ID, o.QuotaBytes, o.UsedBytes, o.DocumentCount, o.Rev = id, quota, used, docs, rev
		out = append(out, o)
	}
	return out, s.fail("top owners", rows.Err())
}

// CountOwnersBySize counts one range of the index owners_used_bytes.
func (s *Store) CountOwnersBySize(ctx context.Context, b archive.SizeBand) (int64, error) {
	var n int64
	var err error
	if b.Max > 0 {
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM owners INDEXED BY owners_used_bytes WHERE used_bytes >= ? AND used_bytes < ?`, b.Min, b.Max).Scan(&n)
	} else {
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM owners INDEXED BY owners_used_bytes WHERE used_bytes >= ?`, b.Min).Scan(&n)
	}
	return n, s.fail("count owners by size", err)
}
