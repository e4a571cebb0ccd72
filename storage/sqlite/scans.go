package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kho-vn/kho/archive"
)

// scanRow encodes a batch for the scans table.
func scanRow(sc archive.Scan) ([]byte, archive.Scan, error) {
	sc.CreatedAt, sc.ExpiresAt, sc.ConfirmedAt = utcMs(sc.CreatedAt), utcMs(sc.ExpiresAt), utcMs(sc.ConfirmedAt)
	body, err := json.Marshal(sc)
	return body, sc, err
}

// PutScan inserts sc. Conflict if a batch sc.ID exists.
func (s *Store) PutScan(ctx context.Context, sc archive.Scan) error {
	body, sc, err := scanRow(sc)
	if err != nil {
		return s.fail("encode scan", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO scans (id, rev, status, expires_at, blob, body) VALUES (?, ?, ?, ?, ?, ?)`,
		sc.ID, sc.Rev, string(sc.Status), sc.ExpiresAt.UnixMilli(), sc.Blob, body)
	if isUnique(err) {
		return conflict("scan_exists", "Lô trang quét đã tồn tại.", "sqlite: scan %q exists", sc.ID)
	}
	return s.fail("put scan", err)
}

// GetScan returns the batch id. NotFound if none.
func (s *Store) GetScan(ctx context.Context, id string) (archive.Scan, error) {
	return s.getScan(ctx, s.r, id)
}

func (s *Store) getScan(ctx context.Context, conn *db, id string) (archive.Scan, error) {
	var body []byte
	err := conn.QueryRowContext(ctx, `SELECT body FROM scans WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Scan{}, notFound("scan_not_found", "Không tìm thấy lô trang quét.", "sqlite: no scan %q", id)
	}
	if err != nil {
		return archive.Scan{}, s.fail("get scan", err)
	}
	var sc archive.Scan
	if err := json.Unmarshal(body, &sc); err != nil {
		return archive.Scan{}, s.fail("decode scan", err)
	}
	return sc, nil
}

// ConfirmScan marks pending batch id confirmed when its rev is rev: one
// conditional update of its row.
func (s *Store) ConfirmScan(ctx context.Context, id string, rev int64, documentID, by string, at time.Time) (archive.Scan, error) {
	sc, err := s.getScan(ctx, s.w, id)
	if err != nil {
		return archive.Scan{}, err
	}
	if sc.Rev != rev || sc.Status != archive.ScanPending {
		return archive.Scan{}, scanChanged(id)
	}
	sc.Rev, sc.Status, sc.DocumentID, sc.ConfirmedBy, sc.ConfirmedAt = rev+1, archive.ScanConfirmed, documentID, by, at
	body, sc, err := scanRow(sc)
	if err != nil {
		return archive.Scan{}, s.fail("encode scan", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE scans SET rev = ?, status = ?, body = ? WHERE id = ? AND rev = ? AND status = ?`,
		sc.Rev, string(sc.Status), body, id, rev, string(archive.ScanPending))
	if err != nil {
		return archive.Scan{}, s.fail("confirm scan", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return archive.Scan{}, s.fail("confirm scan", err)
		}
		return archive.Scan{}, scanChanged(id)
	}
	return sc, nil
}

func scanChanged(id string) error {
	return conflict("scan_changed", "Lô trang quét đã được xác nhận hoặc thay đổi.", "sqlite: scan %q is not pending at the revision", id)
}

// DeleteScan removes batch id if it is pending at rev.
func (s *Store) DeleteScan(ctx context.Context, id string, rev int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM scans WHERE id = ? AND rev = ? AND status = ?`, id, rev, string(archive.ScanPending))
	if err != nil {
		return s.fail("delete scan", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail("delete scan", err)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.getScan(ctx, s.w, id); err != nil {
		return err
	}
	return scanChanged(id)
}

// ExpiredScans returns pending batches that expired before before, oldest
// first: a range of scans_expiry.
func (s *Store) ExpiredScans(ctx context.Context, before time.Time, limit int) ([]archive.Scan, error) {
	limit = max(1, min(limit, 1000))
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM scans WHERE status = ? AND expires_at < ? ORDER BY expires_at, id LIMIT ?`,
		string(archive.ScanPending), before.UnixMilli(), limit)
	if err != nil {
		return nil, s.fail("expired scans", err)
	}
	return jsonRows[archive.Scan](s, rows, "expired scans", "scan")
}

// ScanBlobPending reports whether a pending batch's PDF is the blob hash,
// through scans_blob.
func (s *Store) ScanBlobPending(ctx context.Context, hash string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM scans WHERE blob = ? AND status = ? LIMIT 1`, hash, string(archive.ScanPending)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("scan blob pending", err)
	}
	return true, nil
}
