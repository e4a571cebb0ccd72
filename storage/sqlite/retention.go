package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

var _ archive.RetentionStore = (*Store)(nil)

// retainUntilKey is the retention column of a record: its last day, or
// "~" (after every date) when it is permanent, so that a permanent record
// is never in a due range.
func retainUntilKey(r archive.RetentionRecord) string {
	if r.Permanent || r.RetainUntil.IsZero() {
		return "~"
	}
	return r.RetainUntil.String()
}

// PutRetention inserts r (expectedRev 0) or replaces the record at
// expectedRev.
func (s *Store) PutRetention(ctx context.Context, r archive.RetentionRecord, expectedRev int64) error {
	r = r.Normalized()
	r.Rev = expectedRev + 1
	body, err := json.Marshal(r)
	if err != nil {
		return s.fail("encode retention", err)
	}
	if expectedRev == 0 {
		_, err := s.w.ExecContext(ctx, `INSERT INTO retention (document_id, state, retain_until, rev, body) VALUES (?, ?, ?, 1, ?)`,
			r.DocumentID, string(r.State), retainUntilKey(r), body)
		if isUnique(err) {
			return conflict("retention_exists", "Thông tin lưu trữ của giấy tờ đã có.", "sqlite: retention of %q exists", r.DocumentID)
		}
		return s.fail("insert retention", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE retention SET state = ?, retain_until = ?, rev = ?, body = ? WHERE document_id = ? AND rev = ?`,
		string(r.State), retainUntilKey(r), r.Rev, body, r.DocumentID, expectedRev)
	if err != nil {
		return s.fail("update retention", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if _, gerr := s.GetRetention(ctx, r.DocumentID); gerr != nil {
			return gerr
		}
		return conflict("retention_changed", "Thông tin lưu trữ đã được người khác thay đổi; vui lòng tải lại và thử lại.",
			"sqlite: retention of %q is not at rev %d", r.DocumentID, expectedRev)
	}
	return nil
}

// GetRetention returns a document's record. NotFound if none.
func (s *Store) GetRetention(ctx context.Context, documentID string) (archive.RetentionRecord, error) {
	return getJSON[archive.RetentionRecord](ctx, s, `SELECT body FROM retention WHERE document_id = ?`, documentID,
		notFound("retention_not_found", "Không tìm thấy thông tin lưu trữ của giấy tờ.", "sqlite: no retention of %q", documentID))
}

// getJSON reads the one body query selects for id, decoded; nf when
// there is none.
func getJSON[T any](ctx context.Context, s *Store, query, id string, nf error) (T, error) {
	var (
		body []byte
		v    T
	)
	err := s.r.QueryRowContext(ctx, query, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return v, nf
	}
	if err != nil {
		return v, s.fail("get "+id, err)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, s.fail("decode "+id, err)
	}
	return v, nil
}

// DueRetention reads one range of retention_due.
func (s *Store) DueRetention(ctx context.Context, day archive.Date, after archive.DueCursor, limit int) ([]archive.RetentionRecord, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM retention INDEXED BY retention_due
		WHERE state = ? AND retain_until <= ? AND (retain_until > ? OR (retain_until = ? AND document_id > ?))
		ORDER BY retain_until, document_id LIMIT ?`,
		string(archive.RetentionKept), day.String(), after.RetainUntil.String(), after.RetainUntil.String(), after.DocumentID, limit)
	if err != nil {
		return nil, s.fail("due retention", err)
	}
	return jsonRows[archive.RetentionRecord](s, rows, "due retention", "retention")
}

// RetentionByState reads the state prefix of retention_due, sorted by
// document (the held papers are few).
func (s *Store) RetentionByState(ctx context.Context, st archive.RetentionState, after string, limit int) ([]archive.RetentionRecord, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM retention WHERE state = ? AND document_id > ? ORDER BY document_id LIMIT ?`,
		string(st), after, limit)
	if err != nil {
		return nil, s.fail("retention by state", err)
	}
	return jsonRows[archive.RetentionRecord](s, rows, "retention by state", "retention")
}

// DocumentsAfter walks the documents' primary key.
func (s *Store) DocumentsAfter(ctx context.Context, after string, limit int) ([]archive.Document, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, s.fail("documents after", err)
	}
	defer rows.Close()
	var out []archive.Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, s.fail("documents after", err)
		}
		out = append(out, d)
	}
	return out, s.fail("documents after", rows.Err())
}

// DeleteDocument removes a document and its versions in one transaction.
func (s *Store) DeleteDocument(ctx context.Context, id string) error {
	err := s.inTx(ctx, "delete document", func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM versions WHERE document_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, id)
		return err
	})
	return s.fail("delete document", err)
}

// CreateDisposalList inserts l.
func (s *Store) CreateDisposalList(ctx context.Context, l archive.DisposalList) error {
	l = l.Normalized()
	l.Rev = 1
	body, err := json.Marshal(l)
	if err != nil {
		return s.fail("encode disposal list", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO disposal_lists (id, state, rev, body) VALUES (?, ?, 1, ?)`, l.ID, string(l.State), body)
	if isUnique(err) {
		return conflict("disposal_list_exists", "Danh mục hủy đã tồn tại.", "sqlite: disposal list %q exists", l.ID)
	}
	return s.fail("create disposal list", err)
}

// GetDisposalList returns one list. NotFound if none.
func (s *Store) GetDisposalList(ctx context.Context, id string) (archive.DisposalList, error) {
	return getJSON[archive.DisposalList](ctx, s, `SELECT body FROM disposal_lists WHERE id = ?`, id,
		notFound("disposal_list_not_found", "Không tìm thấy danh mục hủy.", "sqlite: no disposal list %q", id))
}

// UpdateDisposalList replaces the list at expectedRev.
func (s *Store) UpdateDisposalList(ctx context.Context, l archive.DisposalList, expectedRev int64) error {
	l = l.Normalized()
	l.Rev = expectedRev + 1
	body, err := json.Marshal(l)
	if err != nil {
		return s.fail("encode disposal list", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE disposal_lists SET state = ?, rev = ?, body = ? WHERE id = ? AND rev = ?`,
		string(l.State), l.Rev, body, l.ID, expectedRev)
	if err != nil {
		return s.fail("update disposal list", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if _, gerr := s.GetDisposalList(ctx, l.ID); gerr != nil {
			return gerr
		}
		return kerr.New(kerr.Conflict, "disposal_list_changed", "Danh mục hủy đã được người khác thay đổi; vui lòng tải lại và thử lại.",
			"sqlite: disposal list %q is not at rev %d", l.ID, expectedRev)
	}
	return nil
}

// ListDisposalLists pages the lists newest first by ID.
func (s *Store) ListDisposalLists(ctx context.Context, before string, limit int) ([]archive.DisposalList, bool, error) {
	if err := checkLimit(limit); err != nil {
		return nil, false, err
	}
	if before == "" {
		before = "\U0010FFFF"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM disposal_lists WHERE id < ? ORDER BY id DESC LIMIT ?`, before, limit+1)
	if err != nil {
		return nil, false, s.fail("list disposal lists", err)
	}
	return pageOf(jsonRows[archive.DisposalList](s, rows, "list disposal lists", "disposal list"))(limit)
}

// OpenDisposalDraft returns the newest draft.
func (s *Store) OpenDisposalDraft(ctx context.Context) (archive.DisposalList, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT id FROM disposal_lists WHERE state = ? ORDER BY id DESC LIMIT 1`, string(archive.DisposalDraft)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.DisposalList{}, notFound("disposal_list_not_found", "Không có danh mục hủy dự thảo.", "sqlite: no draft disposal list")
	}
	if err != nil {
		return archive.DisposalList{}, s.fail("open disposal draft", err)
	}
	return s.GetDisposalList(ctx, id)
}
