package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const msgOwnerNotFound = "Không tìm thấy chủ kho dữ liệu."

func errOwnerNotFound(id string) error {
	return notFound("owner_not_found", msgOwnerNotFound, "sqlite: no owner %q", id)
}

// CreateOwner inserts o with Rev 1. Conflict if o.ID exists.
func (s *Store) CreateOwner(ctx context.Context, o archive.Owner) error {
	o.CreatedAt = utcMs(o.CreatedAt)
	o.Rev = 1
	body, err := json.Marshal(o)
	if err != nil {
		return s.fail("encode owner", err)
	}
	_, err = s.w.ExecContext(ctx,
		`INSERT INTO owners (id, quota_bytes, used_bytes, document_count, rev, body) VALUES (?, ?, ?, ?, ?, ?)`,
		o.ID, o.QuotaBytes, o.UsedBytes, o.DocumentCount, o.Rev, body)
	if isUnique(err) {
		return conflict("owner_exists", "Chủ kho dữ liệu đã tồn tại.", "sqlite: owner %q exists", o.ID)
	}
	return s.fail("create owner", err)
}

// GetOwner returns the owner with that ID. NotFound if none.
func (s *Store) GetOwner(ctx context.Context, id string) (archive.Owner, error) {
	var (
		o    archive.Owner
		body []byte
	)
	var quota, used, docs, rev int64
	err := s.r.QueryRowContext(ctx,
		`SELECT quota_bytes, used_bytes, document_count, rev, body FROM owners WHERE id = ?`, id).
		Scan(&quota, &used, &docs, &rev, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Owner{}, errOwnerNotFound(id)
	}
	if err != nil {
		return archive.Owner{}, s.fail("get owner", err)
	}
	if err := json.Unmarshal(body, &o); err != nil {
		return archive.Owner{}, s.fail("decode owner", err)
	}
	o.ID, o.QuotaBytes, o.UsedBytes, o.DocumentCount, o.Rev = id, quota, used, docs, rev
	return o, nil
}

// SetQuota sets QuotaBytes. NotFound if no owner.
func (s *Store) SetQuota(ctx context.Context, id string, quotaBytes int64) error {
	res, err := s.w.ExecContext(ctx, `UPDATE owners SET quota_bytes = ? WHERE id = ?`, quotaBytes, id)
	if err != nil {
		return s.fail("set quota", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail("set quota", err)
	} else if n == 0 {
		return errOwnerNotFound(id)
	}
	return nil
}

// AddUsage atomically adds bytes and docs to the owner's usage; with
// limit > 0 and bytes > 0 only when the result stays within limit (else
// TooLarge "quota_exceeded", nothing changed). NotFound if no owner.
func (s *Store) AddUsage(ctx context.Context, id string, bytes, docs, limit int64) error {
	return s.fail("add usage", addUsage(ctx, s.w, id, bytes, docs, limit))
}

// execer is the writer pool or a write transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// addUsage is AddUsage on w (the pool, or a transaction it is part of).
func addUsage(ctx context.Context, w execer, id string, bytes, docs, limit int64) error {
	res, err := w.ExecContext(ctx, `
		UPDATE owners SET used_bytes = used_bytes + ?1, document_count = document_count + ?2
		WHERE id = ?3 AND (?4 <= 0 OR ?1 <= 0 OR used_bytes + ?1 <= ?4)`,
		bytes, docs, id, limit)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	var used int64
	err = w.QueryRowContext(ctx, `SELECT used_bytes FROM owners WHERE id = ?`, id).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		return errOwnerNotFound(id)
	}
	if err != nil {
		return err
	}
	return kerr.New(kerr.TooLarge, "quota_exceeded", "Kho dữ liệu đã vượt quá hạn mức lưu trữ.",
		"sqlite: storing %d bytes on top of %d used would exceed the quota of %d bytes", bytes, used, limit)
}

// ---- catalogue -------------------------------------------------------------

// PutDocumentType inserts or replaces the type with t.Code.
func (s *Store) PutDocumentType(ctx context.Context, t archive.DocumentType) error {
	t.UpdatedAt = utcMs(t.UpdatedAt)
	return s.putCatalog(ctx, "document_types", t.Code, t)
}

// GetDocumentType returns one type. NotFound if none.
func (s *Store) GetDocumentType(ctx context.Context, code string) (archive.DocumentType, error) {
	var t archive.DocumentType
	err := s.getCatalog(ctx, "document_types", code, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("document_type_not_found", "Không tìm thấy loại giấy tờ.", "sqlite: no document type %q", code)
	}
	return t, err
}

// ListDocumentTypes returns all types ordered by Code.
func (s *Store) ListDocumentTypes(ctx context.Context) ([]archive.DocumentType, error) {
	return listCatalog[archive.DocumentType](ctx, s, "document_types")
}

// PutProcedure inserts or replaces the procedure with p.Code.
func (s *Store) PutProcedure(ctx context.Context, p archive.Procedure) error {
	p.UpdatedAt = utcMs(p.UpdatedAt)
	return s.putCatalog(ctx, "procedures", p.Code, p)
}

// GetProcedure returns one procedure. NotFound if none.
func (s *Store) GetProcedure(ctx context.Context, code string) (archive.Procedure, error) {
	var p archive.Procedure
	err := s.getCatalog(ctx, "procedures", code, &p)
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("procedure_not_found", "Không tìm thấy thủ tục hành chính.", "sqlite: no procedure %q", code)
	}
	return p, err
}

// ListProcedures returns all procedures ordered by Code.
func (s *Store) ListProcedures(ctx context.Context) ([]archive.Procedure, error) {
	return listCatalog[archive.Procedure](ctx, s, "procedures")
}

// putCatalog upserts one row of a catalogue table (table is a constant).
func (s *Store) putCatalog(ctx context.Context, table, code string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return s.fail("encode "+table, err)
	}
	_, err = s.w.ExecContext(ctx,
		`INSERT INTO `+table+` (code, body) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET body = excluded.body`,
		code, body)
	return s.fail("put "+table, err)
}

// getCatalog reads one row; sql.ErrNoRows passes through for the caller.
func (s *Store) getCatalog(ctx context.Context, table, code string, v any) error {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM `+table+` WHERE code = ?`, code).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err != nil {
		return s.fail("get "+table, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return s.fail("decode "+table, err)
	}
	return nil
}

func listCatalog[T any](ctx context.Context, s *Store, table string) ([]T, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM `+table+` ORDER BY code`)
	if err != nil {
		return nil, s.fail("list "+table, err)
	}
	return jsonRows[T](s, rows, "list "+table, table)
}
