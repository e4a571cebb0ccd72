package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
)

// AddRendition inserts r unless a rendition with r.Key exists, and returns
// the stored record and whether it inserted r.
func (s *Store) AddRendition(ctx context.Context, r archive.Rendition) (archive.Rendition, bool, error) {
	r.CreatedAt = utcMs(r.CreatedAt)
	body, err := json.Marshal(r)
	if err != nil {
		return archive.Rendition{}, false, s.fail("encode rendition", err)
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO renditions (key, document_id, blob, body) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		r.Key, r.DocumentID, r.Blob, body)
	if err != nil {
		return archive.Rendition{}, false, s.fail("add rendition", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return archive.Rendition{}, false, s.fail("add rendition", err)
	}
	if n == 1 {
		return r, true, nil
	}
	got, err := s.getRendition(ctx, s.w, r.Key)
	return got, false, err
}

// GetRendition returns the rendition with that key. NotFound if none.
func (s *Store) GetRendition(ctx context.Context, key string) (archive.Rendition, error) {
	return s.getRendition(ctx, s.r, key)
}

func (s *Store) getRendition(ctx context.Context, conn *db, key string) (archive.Rendition, error) {
	var body []byte
	err := conn.QueryRowContext(ctx, `SELECT body FROM renditions WHERE key = ?`, key).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Rendition{}, notFound("rendition_not_found", "Không tìm thấy bản chuyển đổi của giấy tờ.", "sqlite: no rendition %q", key)
	}
	if err != nil {
		return archive.Rendition{}, s.fail("get rendition", err)
	}
	var r archive.Rendition
	if err := json.Unmarshal(body, &r); err != nil {
		return archive.Rendition{}, s.fail("decode rendition", err)
	}
	return r, nil
}

// ListRenditions returns a document's renditions in key order (index
// renditions_document).
func (s *Store) ListRenditions(ctx context.Context, documentID string) ([]archive.Rendition, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM renditions WHERE document_id = ? ORDER BY key LIMIT 1000`, documentID)
	if err != nil {
		return nil, s.fail("list renditions", err)
	}
	return jsonRows[archive.Rendition](s, rows, "list renditions", "rendition")
}

// RenditionBlobReferenced reports whether a rendition's blob is blob
// (index renditions_blob).
func (s *Store) RenditionBlobReferenced(ctx context.Context, blob string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM renditions WHERE blob = ? LIMIT 1`, blob).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("rendition blob referenced", err)
	}
	return true, nil
}
