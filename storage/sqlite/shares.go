package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kho-vn/kho/archive"
)

// CreateShare inserts sh. Conflict if sh.ID exists.
func (s *Store) CreateShare(ctx context.Context, sh archive.Share) error {
	sh.CreatedAt, sh.RevokedAt = utcMs(sh.CreatedAt), utcMs(sh.RevokedAt)
	body, err := json.Marshal(sh)
	if err != nil {
		return s.fail("encode share", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO shares (id, owner_id, document_id, grantee, active_until, body) VALUES (?, ?, ?, ?, ?, ?)`,
		sh.ID, sh.OwnerID, sh.DocumentID, sh.GranteeKey(), activeUntil(sh), body)
	if isUnique(err) {
		return conflict("share_exists", "Thông tin chia sẻ đã tồn tại.", "sqlite: share %q exists", sh.ID)
	}
	return s.fail("create share", err)
}

// activeUntil is the share's active_until column: its last day while it is
// not revoked, NULL once it is.
func activeUntil(sh archive.Share) any {
	if !sh.RevokedAt.IsZero() {
		return nil
	}
	return sh.ValidUntil.String()
}

// GetShare returns one share. NotFound if none.
func (s *Store) GetShare(ctx context.Context, id string) (archive.Share, error) {
	return s.getShare(ctx, s.r, id)
}

// getShare reads share id through conn (a connection or a transaction).
func (s *Store) getShare(ctx context.Context, conn interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, id string) (archive.Share, error) {
	var body []byte
	err := conn.QueryRowContext(ctx, `SELECT body FROM shares WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Share{}, notFound("share_not_found", "Không tìm thấy thông tin chia sẻ giấy tờ.", "sqlite: no share %q", id)
	}
	if err != nil {
		return archive.Share{}, s.fail("get share", err)
	}
	var sh archive.Share
	if err := json.Unmarshal(body, &sh); err != nil {
		return archive.Share{}, s.fail("decode share", err)
	}
	return sh, nil
}

// RevokeShare revokes share id once: one UPDATE guarded by active_until
// IS NOT NULL (not revoked yet), in a transaction that reads it first.
func (s *Store) RevokeShare(ctx context.Context, id string, at time.Time, by, reason string) (archive.Share, error) {
	var sh archive.Share
	err := s.inTx(ctx, "revoke share", func(tx *txn) error {
		var err error
		if sh, err = s.getShare(ctx, tx, id); err != nil {
			return err
		}
		if !sh.RevokedAt.IsZero() {
			return conflict("share_revoked", "Việc chia sẻ này đã được thu hồi.", "sqlite: share %q is revoked already", id)
		}
		sh.RevokedAt, sh.RevokedBy, sh.RevokeReason = utcMs(at), by, reason
		body, err := json.Marshal(sh)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE shares SET active_until = NULL, body = ? WHERE id = ? AND active_until IS NOT NULL`, body, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return conflict("share_revoked", "Việc chia sẻ này đã được thu hồi.", "sqlite: share %q is revoked already", id)
		}
		return nil
	})
	if err != nil {
		return archive.Share{}, s.fail("revoke share", err)
	}
	return sh, nil
}

// ListSharesGiven returns an owner's shares (of one document, when set),
// newest first: one range of the index (owner_id, id) or (document_id, id).
func (s *Store) ListSharesGiven(ctx context.Context, q archive.GivenQuery) ([]archive.Share, bool, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, false, err
	}
	after := q.After
	if after == "" {
		after = "\U0010FFFF"
	}
	var (
		rows *sql.Rows
		err  error
	)
	if q.DocumentID != "" {
		rows, err = s.r.QueryContext(ctx, `SELECT body FROM shares WHERE document_id = ? AND owner_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
			q.DocumentID, q.OwnerID, after, q.Limit+1)
	} else {
		rows, err = s.r.QueryContext(ctx, `SELECT body FROM shares WHERE owner_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
			q.OwnerID, after, q.Limit+1)
	}
	if err != nil {
		return nil, false, s.fail("list shares given", err)
	}
	return pageOf(jsonRows[archive.Share](s, rows, "list shares given", "share"))(q.Limit)
}

// ListSharesReceived returns a grantee's active shares by last day, then
// ID: one range of the partial index (grantee, active_until, id).
func (s *Store) ListSharesReceived(ctx context.Context, q archive.ReceivedQuery) ([]archive.Share, bool, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, false, err
	}
	from := q.ActiveOn.String()
	if u := q.After.Until.String(); u != "" && u > from {
		from = u
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM shares
		WHERE grantee = ? AND active_until IS NOT NULL AND active_until >= ? AND (active_until > ? OR id > ?)
		ORDER BY active_until, id LIMIT ?`,
		q.Grantee, from, q.After.Until.String(), q.After.ID, q.Limit+1)
	if err != nil {
		return nil, false, s.fail("list shares received", err)
	}
	return pageOf(jsonRows[archive.Share](s, rows, "list shares received", "share"))(q.Limit)
}

// pageOf cuts a list read with limit+1 rows to limit, and says whether
// more followed.
func pageOf[T any](out []T, err error) func(limit int) ([]T, bool, error) {
	return func(limit int) ([]T, bool, error) {
		if err != nil {
			return nil, false, err
		}
		if len(out) > limit {
			return out[:limit], true, nil
		}
		return out, false, nil
	}
}
