package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
)

// ClaimIssue inserts r unless a record with r.Key exists, and returns the
// stored record and whether it inserted r.
func (s *Store) ClaimIssue(ctx context.Context, r archive.IssueRecord) (archive.IssueRecord, bool, error) {
	r.At = utcMs(r.At)
	body, err := json.Marshal(r)
	if err != nil {
		return archive.IssueRecord{}, false, s.fail("encode issue", err)
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO issued (key, document_id, body) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		r.Key, r.DocumentID, body)
	if err != nil {
		return archive.IssueRecord{}, false, s.fail("claim issue", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return archive.IssueRecord{}, false, s.fail("claim issue", err)
	}
	if n == 1 {
		return r, true, nil
	}
	got, err := s.getIssue(ctx, s.w, r.Key)
	return got, false, err
}

// GetIssue returns the record with that key. NotFound if none.
func (s *Store) GetIssue(ctx context.Context, key string) (archive.IssueRecord, error) {
	return s.getIssue(ctx, s.r, key)
}

func (s *Store) getIssue(ctx context.Context, conn *db, key string) (archive.IssueRecord, error) {
	var body []byte
	err := conn.QueryRowContext(ctx, `SELECT body FROM issued WHERE key = ?`, key).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.IssueRecord{}, notFound("issue_not_found", "Không tìm thấy giấy tờ đã cấp.", "sqlite: no issue %q", key)
	}
	if err != nil {
		return archive.IssueRecord{}, s.fail("get issue", err)
	}
	var r archive.IssueRecord
	if err := json.Unmarshal(body, &r); err != nil {
		return archive.IssueRecord{}, s.fail("decode issue", err)
	}
	return r, nil
}

// ListIssued returns the records of one dossier of one agency, ordered by
// key: a range of the primary key.
func (s *Store) ListIssued(ctx context.Context, agency, dossier string) ([]archive.IssueRecord, error) {
	lo, hi := issuePrefixRange(agency, dossier)
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM issued WHERE key >= ? AND key < ? ORDER BY key LIMIT 1000`, lo, hi)
	if err != nil {
		return nil, s.fail("list issued", err)
	}
	return jsonRows[archive.IssueRecord](s, rows, "list issued", "issue")
}

// issuePrefixRange is the key range [lo, hi) of one dossier's records: the
// prefix ends in "/", and "0" is the byte after it.
func issuePrefixRange(agency, dossier string) (lo, hi string) {
	lo = archive.IssueKeyPrefix(agency, dossier)
	return lo, lo[:len(lo)-1] + "0"
}
