package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/auth"
)

const tokenColumns = `id, hash, subject, role, name, created_at, expires_at, revoked, agency`

func scanToken(sc interface{ Scan(...any) error }) (auth.Token, error) {
	var (
		t                auth.Token
		role             string
		created, expires sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.Hash, &t.Subject, &role, &t.Name, &created, &expires, &t.Revoked, &t.Agency); err != nil {
		return auth.Token{}, err
	}
	t.Role = archive.Role(role)
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	return t, nil
}

// CreateToken inserts t. Conflict if t.ID or t.Hash exists.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Hash, t.Subject, string(t.Role), t.Name, millis(t.CreatedAt), millis(t.ExpiresAt), t.Revoked, t.Agency)
	if isUnique(err) {
		return conflict("token_exists", "Mã truy cập đã tồn tại.", "sqlite: a token with ID %q or the same hash exists", t.ID)
	}
	return s.fail("create token", err)
}

// TokenByHash returns the token with that hash. NotFound if none.
func (s *Store) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Token{}, notFound("token_not_found", "Không tìm thấy mã truy cập.", "sqlite: no token with that hash")
	}
	if err != nil {
		return auth.Token{}, s.fail("token by hash", err)
	}
	return t, nil
}

// RevokeToken marks the token with that ID revoked. NotFound if none.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE id = ?`, id)
	if err != nil {
		return s.fail("revoke token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail("revoke token", err)
	}
	if n == 0 {
		return notFound("token_not_found", "Không tìm thấy mã truy cập.", "sqlite: no token %q", id)
	}
	return nil
}

// ListTokens returns every token ordered by ID.
func (s *Store) ListTokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, s.fail("list tokens", err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.fail("list tokens", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list tokens", err)
	}
	return out, nil
}
