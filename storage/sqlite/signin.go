package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

var _ auth.SignInStore = (*Store)(nil)

const accountColumns = `username, display_name, role, agency, citizen_id, disabled, password_hash, password_changed_at, created_at, updated_at, rev`

func scanAccount(sc interface{ Scan(...any) error }) (auth.Account, error) {
	var (
		a                         auth.Account
		role                      string
		changed, created, updated sql.NullInt64
	)
	err := sc.Scan(&a.Username, &a.DisplayName, &role, &a.Agency, &a.CitizenID, &a.Disabled, &a.PasswordHash, &changed, &created, &updated, &a.Rev)
	if err != nil {
		return auth.Account{}, err
	}
	a.Role = archive.Role(role)
	a.PasswordChangedAt, a.CreatedAt, a.UpdatedAt = fromMillis(changed), fromMillis(created), fromMillis(updated)
	return a, nil
}

func accountNotFound(username string) error {
	return notFound("account_not_found", "Không tìm thấy tài khoản.", "sqlite: no account %q", username)
}

// CreateAccount implements auth.AccountStore.
func (s *Store) CreateAccount(ctx context.Context, a auth.Account) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Username, a.DisplayName, string(a.Role), a.Agency, a.CitizenID, a.Disabled, a.PasswordHash,
		millis(a.PasswordChangedAt), millis(a.CreatedAt), millis(a.UpdatedAt), a.Rev)
	if isUnique(err) {
		return conflict("account_exists", "Tên đăng nhập đã được dùng.", "sqlite: account %q exists", a.Username)
	}
	return s.fail("create account", err)
}

// AccountByUsername implements auth.AccountStore.
func (s *Store) AccountByUsername(ctx context.Context, username string) (auth.Account, error) {
	a, err := scanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Account{}, accountNotFound(username)
	}
	if err != nil {
		return auth.Account{}, s.fail("account by username", err)
	}
	return a, nil
}

// UpdateAccount implements auth.AccountStore: one UPDATE guarded by rev.
func (s *Store) UpdateAccount(ctx context.Context, a auth.Account) (auth.Account, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET display_name = ?, role = ?, agency = ?, citizen_id = ?, disabled = ?,
		password_hash = ?, password_changed_at = ?, created_at = ?, updated_at = ?, rev = rev + 1 WHERE username = ? AND rev = ?`,
		a.DisplayName, string(a.Role), a.Agency, a.CitizenID, a.Disabled, a.PasswordHash,
		millis(a.PasswordChangedAt), millis(a.CreatedAt), millis(a.UpdatedAt), a.Username, a.Rev)
	if err != nil {
		return auth.Account{}, s.fail("update account", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return auth.Account{}, s.fail("update account", err)
	} else if n == 0 {
		if _, err := s.AccountByUsername(ctx, a.Username); err != nil {
			return auth.Account{}, err
		}
		return auth.Account{}, conflict("account_changed", "Tài khoản vừa được thay đổi; vui lòng tải lại và thử lại.", "sqlite: account %q is not at rev %d", a.Username, a.Rev)
	}
	return s.AccountByUsername(ctx, a.Username)
}

// ListAccounts implements auth.AccountStore: a range of the primary key.
func (s *Store) ListAccounts(ctx context.Context, after string, limit int) ([]auth.Account, error) {
	if limit < 1 || limit > auth.MaxListAccounts {
		return nil, kerr.New(kerr.Invalid, "invalid_limit", "Giới hạn số dòng không hợp lệ.", "limit must be 1..%d", auth.MaxListAccounts)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username > ? ORDER BY username LIMIT ?`, after, limit)
	if err != nil {
		return nil, s.fail("list accounts", err)
	}
	defer rows.Close()
	out := []auth.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, s.fail("list accounts", err)
		}
		out = append(out, a)
	}
	return out, s.fail("list accounts", rows.Err())
}

const sessionColumns = `hash, id, username, created_at, last_seen, expires_at, user_agent, ip`

func scanSession(sc interface{ Scan(...any) error }) (auth.Session, error) {
	var (
		x                      auth.Session
		created, seen, expires sql.NullInt64
	)
	if err := sc.Scan(&x.Hash, &x.ID, &x.Username, &created, &seen, &expires, &x.UserAgent, &x.IP); err != nil {
		return auth.Session{}, err
	}
	x.CreatedAt, x.LastSeen, x.ExpiresAt = fromMillis(created), fromMillis(seen), fromMillis(expires)
	return x, nil
}

func sessionNotFound() error {
	return notFound("session_not_found", "Không tìm thấy phiên đăng nhập.", "sqlite: no such session")
}

// CreateSession implements auth.SessionStore.
func (s *Store) CreateSession(ctx context.Context, x auth.Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		x.Hash, x.ID, x.Username, millis(x.CreatedAt), millis(x.LastSeen), millis(x.ExpiresAt), x.UserAgent, x.IP)
	if isUnique(err) {
		return conflict("session_exists", "Phiên đăng nhập đã tồn tại.", "sqlite: a session with that hash or ID exists")
	}
	return s.fail("create session", err)
}

// SessionByHash implements auth.SessionStore.
func (s *Store) SessionByHash(ctx context.Context, hash string) (auth.Session, error) {
	x, err := scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, sessionNotFound()
	}
	if err != nil {
		return auth.Session{}, s.fail("session by hash", err)
	}
	return x, nil
}

// TouchSession implements auth.SessionStore.
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, expiresAt time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen = ?, expires_at = ? WHERE hash = ?`, millis(lastSeen), millis(expiresAt), hash)
	return s.oneRow("touch session", res, err, sessionNotFound)
}

// oneRow turns the result of a change of one row into nil, the store's
// error, or missing() when no row changed.
func (s *Store) oneRow(op string, res sql.Result, err error, missing func() error) error {
	if err != nil {
		return s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return missing()
	}
	return nil
}

// ListSessions implements auth.SessionStore: a range of sessions_username.
func (s *Store) ListSessions(ctx context.Context, username string, limit int) ([]auth.Session, error) {
	if limit < 1 || limit > auth.MaxListSessions {
		return nil, kerr.New(kerr.Invalid, "invalid_limit", "Giới hạn số dòng không hợp lệ.", "limit must be 1..%d", auth.MaxListSessions)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions INDEXED BY sessions_username
		WHERE username = ? ORDER BY created_at, id LIMIT ?`, username, limit)
	if err != nil {
		return nil, s.fail("list sessions", err)
	}
	defer rows.Close()
	out := []auth.Session{}
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, s.fail("list sessions", err)
		}
		out = append(out, x)
	}
	return out, s.fail("list sessions", rows.Err())
}

// DeleteSession implements auth.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, username, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? AND username = ?`, id, username)
	return s.oneRow("delete session", res, err, sessionNotFound)
}

// AddFailure implements auth.ThrottleStore: one upsert that starts again
// at 1 when the record had expired.
func (s *Store) AddFailure(ctx context.Context, key string, at, expiresAt time.Time) (auth.Throttle, error) {
	now := millis(at)
	var t auth.Throttle
	var last, exp sql.NullInt64
	err := s.w.QueryRowContext(ctx, `INSERT INTO auth_throttles (key, failures, last, expires_at) VALUES (?, 1, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN expires_at <= excluded.last THEN 1 ELSE failures + 1 END,
			last = excluded.last, expires_at = excluded.expires_at
		RETURNING key, failures, last, expires_at`, key, now, millis(expiresAt)).Scan(&t.Key, &t.Failures, &last, &exp)
	if err != nil {
		return auth.Throttle{}, s.fail("add failure", err)
	}
	t.Last, t.ExpiresAt = fromMillis(last), fromMillis(exp)
	return t, nil
}

// GetThrottle implements auth.ThrottleStore.
func (s *Store) GetThrottle(ctx context.Context, key string) (auth.Throttle, error) {
	var t auth.Throttle
	var last, exp sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT key, failures, last, expires_at FROM auth_throttles WHERE key = ?`, key).Scan(&t.Key, &t.Failures, &last, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Throttle{}, notFound("throttle_not_found", "Không có bản ghi đăng nhập sai.", "sqlite: no throttle %q", key)
	}
	if err != nil {
		return auth.Throttle{}, s.fail("get throttle", err)
	}
	t.Last, t.ExpiresAt = fromMillis(last), fromMillis(exp)
	return t, nil
}

// ClearThrottle implements auth.ThrottleStore.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM auth_throttles WHERE key = ?`, key)
	return s.fail("clear throttle", err)
}

// UseNonce implements auth.ThrottleStore: the primary key refuses a
// second insert.
func (s *Store) UseNonce(ctx context.Context, nonce string, expiresAt time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO auth_nonces (nonce, expires_at) VALUES (?, ?)`, nonce, millis(expiresAt))
	if isUnique(err) {
		return conflict("nonce_used", "Biểu mẫu này đã được gửi.", "sqlite: nonce used")
	}
	return s.fail("use nonce", err)
}

// PurgeExpired implements auth.ThrottleStore: for each table, the first
// limit rows of its expiry index up to before.
func (s *Store) PurgeExpired(ctx context.Context, before time.Time, limit int) (int, error) {
	total := 0
	for _, q := range []string{
		`DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions INDEXED BY sessions_expires WHERE expires_at <= ? LIMIT ?)`,
		`DELETE FROM auth_throttles WHERE key IN (SELECT key FROM auth_throttles INDEXED BY auth_throttles_expires WHERE expires_at <= ? LIMIT ?)`,
		`DELETE FROM auth_nonces WHERE nonce IN (SELECT nonce FROM auth_nonces INDEXED BY auth_nonces_expires WHERE expires_at <= ? LIMIT ?)`,
	} {
		res, err := s.w.ExecContext(ctx, q, before.UnixMilli(), limit)
		if err != nil {
			return total, s.fail("purge expired", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.fail("purge expired", err)
		}
		total += int(n)
	}
	return total, nil
}
