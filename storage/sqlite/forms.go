package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kho-vn/kho/forms"
)

var _ forms.Store = (*Store)(nil)

const draftColumns = `id, owner_id, form, version, sealed, created_at, updated_at, expires_at, rev`

func scanDraft(sc interface{ Scan(...any) error }) (forms.StoredDraft, error) {
	var (
		d                         forms.StoredDraft
		created, updated, expires sql.NullInt64
	)
	if err := sc.Scan(&d.ID, &d.OwnerID, &d.Form, &d.Version, &d.Sealed, &created, &updated, &expires, &d.Rev); err != nil {
		return forms.StoredDraft{}, err
	}
	d.CreatedAt, d.UpdatedAt, d.ExpiresAt = fromMillis(created), fromMillis(updated), fromMillis(expires)
	return d, nil
}

func draftNotFound(id string) error {
	return notFound("draft_not_found", "Không tìm thấy bản nháp.", "sqlite: no draft %q", id)
}

// CreateDraft inserts d. Conflict if d.ID exists.
func (s *Store) CreateDraft(ctx context.Context, d forms.StoredDraft) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO form_drafts (`+draftColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.OwnerID, d.Form, d.Version, d.Sealed, millis(d.CreatedAt), millis(d.UpdatedAt), millis(d.ExpiresAt), d.Rev)
	if isUnique(err) {
		return conflict("draft_exists", "Bản nháp đã tồn tại.", "sqlite: a draft with ID %q exists", d.ID)
	}
	return s.fail("create draft", err)
}

// GetDraft returns the draft with that ID. NotFound if none.
func (s *Store) GetDraft(ctx context.Context, id string) (forms.StoredDraft, error) {
	d, err := scanDraft(s.r.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM form_drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return forms.StoredDraft{}, draftNotFound(id)
	}
	if err != nil {
		return forms.StoredDraft{}, s.fail("get draft", err)
	}
	return d, nil
}

// UpdateDraft replaces the draft's version, data and times when its Rev is
// expectedRev. Conflict if it is not, NotFound if no draft.
func (s *Store) UpdateDraft(ctx context.Context, d forms.StoredDraft, expectedRev int64) error {
	return s.inTx(ctx, "update draft", func(tx *txn) error {
		var rev int64
		err := tx.QueryRowContext(ctx, `SELECT rev FROM form_drafts WHERE id = ?`, d.ID).Scan(&rev)
		if errors.Is(err, sql.ErrNoRows) {
			return draftNotFound(d.ID)
		}
		if err != nil {
			return err
		}
		if rev != expectedRev {
			return conflict("draft_changed", "Bản nháp vừa được lưu từ nơi khác; vui lòng tải lại.", "sqlite: draft %q has rev %d, not %d", d.ID, rev, expectedRev)
		}
		_, err = tx.ExecContext(ctx, `UPDATE form_drafts SET version = ?, sealed = ?, updated_at = ?, expires_at = ?, rev = ? WHERE id = ?`,
			d.Version, d.Sealed, millis(d.UpdatedAt), millis(d.ExpiresAt), expectedRev+1, d.ID)
		return err
	})
}

// ListDrafts returns the owner's drafts of a form ("" = all), by ID.
func (s *Store) ListDrafts(ctx context.Context, ownerID, form string) ([]forms.StoredDraft, error) {
	q := `SELECT ` + draftColumns + ` FROM form_drafts WHERE owner_id = ? AND (? = '' OR form = ?) ORDER BY id`
	rows, err := s.r.QueryContext(ctx, q, ownerID, form, form)
	if err != nil {
		return nil, s.fail("list drafts", err)
	}
	defer rows.Close()
	var out []forms.StoredDraft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, s.fail("list drafts", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list drafts", err)
	}
	return out, nil
}

// DeleteDraft removes a draft. NotFound if none.
func (s *Store) DeleteDraft(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM form_drafts WHERE id = ?`, id)
	if err != nil {
		return s.fail("delete draft", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail("delete draft", err)
	} else if n == 0 {
		return draftNotFound(id)
	}
	return nil
}

// DeleteExpiredDrafts removes at most limit drafts expired at now.
func (s *Store) DeleteExpiredDrafts(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM form_drafts WHERE id IN (SELECT id FROM form_drafts WHERE expires_at <= ? LIMIT ?)`,
		now.UnixMilli(), limit)
	if err != nil {
		return 0, s.fail("delete expired drafts", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail("delete expired drafts", err)
	}
	return int(n), nil
}

// PutDefinition inserts a published definition. Conflict if its code and
// version are taken.
func (s *Store) PutDefinition(ctx context.Context, d forms.StoredDefinition) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO form_definitions (code, version, body, created_at) VALUES (?, ?, ?, ?)`,
		d.Code, d.Version, d.Body, millis(d.CreatedAt))
	if isUnique(err) {
		return conflict("form_version_exists", "Phiên bản biểu mẫu này đã được công bố.", "sqlite: form %s version %d exists", d.Code, d.Version)
	}
	return s.fail("put definition", err)
}

// GetDefinition returns one version (0: the highest). NotFound if none.
func (s *Store) GetDefinition(ctx context.Context, code string, version int) (forms.StoredDefinition, error) {
	q := `SELECT code, version, body, created_at FROM form_definitions WHERE code = ? AND version = ?`
	args := []any{code, version}
	if version == 0 {
		q = `SELECT code, version, body, created_at FROM form_definitions WHERE code = ? ORDER BY version DESC LIMIT 1`
		args = args[:1]
	}
	var (
		d       forms.StoredDefinition
		created sql.NullInt64
	)
	err := s.r.QueryRowContext(ctx, q, args...).Scan(&d.Code, &d.Version, &d.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return forms.StoredDefinition{}, notFound("form_not_found", "Không tìm thấy biểu mẫu.", "sqlite: no form %s version %d", code, version)
	}
	if err != nil {
		return forms.StoredDefinition{}, s.fail("get definition", err)
	}
	d.CreatedAt = fromMillis(created)
	return d, nil
}

// ListDefinitions returns every stored definition by code, then version.
func (s *Store) ListDefinitions(ctx context.Context) ([]forms.StoredDefinition, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT code, version, body, created_at FROM form_definitions ORDER BY code, version`)
	if err != nil {
		return nil, s.fail("list definitions", err)
	}
	defer rows.Close()
	var out []forms.StoredDefinition
	for rows.Next() {
		var (
			d       forms.StoredDefinition
			created sql.NullInt64
		)
		if err := rows.Scan(&d.Code, &d.Version, &d.Body, &created); err != nil {
			return nil, s.fail("list definitions", err)
		}
		d.CreatedAt = fromMillis(created)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list definitions", err)
	}
	return out, nil
}
