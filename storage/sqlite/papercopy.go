package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
)

// AddPaperCopy inserts c. Conflict if c.ID or c.Code exists.
func (s *Store) AddPaperCopy(ctx context.Context, c archive.PaperCopy) error {
	c.At = utcMs(c.At)
	body, err := json.Marshal(c)
	if err != nil {
		return s.fail("encode paper copy", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO paper_copies (id, code, document_id, blob, body) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.Code, c.DocumentID, c.Blob, body)
	if isUnique(err) {
		return conflict("paper_copy_exists", "Bản chuyển đổi đã được ghi nhận.", "sqlite: paper copy %q or code %q exists", c.ID, c.Code)
	}
	return s.fail("add paper copy", err)
}

// PaperCopyByCode returns the record with that code. NotFound if none.
func (s *Store) PaperCopyByCode(ctx context.Context, code string) (archive.PaperCopy, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM paper_copies WHERE code = ?`, code).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.PaperCopy{}, notFound("paper_copy_not_found", "Không tìm thấy bản chuyển đổi.", "sqlite: no paper copy with code %q", code)
	}
	if err != nil {
		return archive.PaperCopy{}, s.fail("get paper copy", err)
	}
	var c archive.PaperCopy
	if err := json.Unmarshal(body, &c); err != nil {
		return archive.PaperCopy{}, s.fail("decode paper copy", err)
	}
	return c, nil
}

// PaperCopyBlobReferenced reports whether a paper copy's blob is blob.
func (s *Store) PaperCopyBlobReferenced(ctx context.Context, blob string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM paper_copies WHERE blob = ? LIMIT 1`, blob).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("paper copy blob referenced", err)
	}
	return true, nil
}
