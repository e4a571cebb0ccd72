package sqlite

import (
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
)

// ltvExpiry is the current version's validation expiry in the body: an
// RFC 3339 string in UTC whole seconds (fixed width), so that its text
// order is its time order. documents_ltv_due and documents_ltv_unknown
// (migration 18) index it.
const ltvExpiry = `json_extract(body, '$.current.signature.expiresAt')`

// ltvTime formats t as ltvExpiry holds it.
func ltvTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// DueForRenewal returns at most limit documents whose current version's
// validation expires at or before before, ordered by expiry then ID, after
// the cursor; documents_ltv_due serves it.
func (s *Store) DueForRenewal(ctx context.Context, before time.Time, after archive.RenewCursor, limit int) ([]archive.Document, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	q := `SELECT ` + docColumns + ` FROM documents INDEXED BY documents_ltv_due WHERE ` + ltvExpiry + ` IS NOT NULL AND ` + ltvExpiry + ` <= ?`
	args := []any{ltvTime(before)}
	if after.ID != "" {
		q += ` AND (` + ltvExpiry + ` > ? OR (` + ltvExpiry + ` = ? AND id > ?))`
		at := ltvTime(after.ExpiresAt)
		args = append(args, at, at, after.ID)
	}
	q += ` ORDER BY ` + ltvExpiry + `, id LIMIT ?`
	return s.ltvList(ctx, "due for renewal", q, append(args, limit)...)
}

// SignedWithoutExpiry returns at most limit signed documents without a
// validation expiry, by ID after after; documents_ltv_unknown serves it.
func (s *Store) SignedWithoutExpiry(ctx context.Context, after string, limit int) ([]archive.Document, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	return s.ltvList(ctx, "signed without expiry",
		`SELECT `+docColumns+` FROM documents INDEXED BY documents_ltv_unknown WHERE signed = 1 AND `+ltvExpiry+` IS NULL AND id > ? ORDER BY id LIMIT ?`,
		after, limit)
}

func (s *Store) ltvList(ctx context.Context, op, q string, args ...any) ([]archive.Document, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var docs []archive.Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return docs, nil
}

// utcSec is t in UTC whole seconds, as the validation expiry is stored.
func utcSec(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}
