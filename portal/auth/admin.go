package auth

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// The administration of accounts and API tokens, for the admin pages:
// the same store operations as 'kho admin user' and 'kho admin token',
// each refused (Permission "admin_only") unless the actor is an admin,
// and each change of an account guarded by the revision the admin saw.

// checkAdmin refuses a non-admin actor.
func checkAdmin(a archive.Actor) error {
	if a.Role != archive.RoleAdmin || a.Subject == "" {
		return kerr.New(kerr.Permission, "admin_only", "Chỉ quản trị viên mới được thực hiện thao tác này.", "role %q may not administer accounts", a.Role)
	}
	return nil
}

// Accounts returns up to limit accounts (1..MaxListAccounts) whose
// usernames sort after after, in username order. Permission unless a is
// an admin.
func (s *Service) Accounts(ctx context.Context, a archive.Actor, after string, limit int) ([]Account, error) {
	if err := checkAdmin(a); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), MaxListAccounts)
	return s.cfg.Store.ListAccounts(ctx, after, limit)
}

// Account returns the account username. Permission unless a is an admin;
// NotFound "account_not_found".
func (s *Service) Account(ctx context.Context, a archive.Actor, username string) (Account, error) {
	if err := checkAdmin(a); err != nil {
		return Account{}, err
	}
	return s.cfg.Store.AccountByUsername(ctx, username)
}

// AddAccount creates acct with password (NewAccount's checks; "" makes a
// password, returned so that it is shown once). Permission unless a is an
// admin; Conflict "account_exists".
func (s *Service) AddAccount(ctx context.Context, a archive.Actor, acct Account, password string) (Account, string, error) {
	if err := checkAdmin(a); err != nil {
		return Account{}, "", err
	}
	if password == "" {
		password = NewPassword()
	}
	if err := s.slots.acquire(ctx); err != nil {
		return Account{}, "", err
	}
	acct, err := NewAccount(acct, password, s.cfg.Argon2, s.now())
	s.slots.release()
	if err != nil {
		return Account{}, "", err
	}
	if err := s.cfg.Store.CreateAccount(ctx, acct); err != nil {
		return Account{}, "", err
	}
	return acct, password, nil
}

// ResetPassword gives the account username a new password ("" makes one,
// returned so that it is shown once) if it is still at revision rev, and
// ends its sessions. Permission unless a is an admin; NotFound
// "account_not_found"; Conflict "account_changed" if its revision is not
// rev.
func (s *Service) ResetPassword(ctx context.Context, a archive.Actor, username string, rev int64, password string) (Account, string, error) {
	if err := checkAdmin(a); err != nil {
		return Account{}, "", err
	}
	if rev <= 0 {
		return Account{}, "", errRevRequired()
	}
	if password == "" {
		password = NewPassword()
	}
	if err := s.slots.acquire(ctx); err != nil {
		return Account{}, "", err
	}
	defer s.slots.release()
	acct, err := setPassword(ctx, s.cfg.Store, username, rev, password, s.cfg.Argon2, s.now())
	return acct, password, err
}

// SetAccountDisabled disables (or enables again) the account username if
// it is still at revision rev; a disabled account's sessions end.
// Permission unless a is an admin; NotFound "account_not_found"; Conflict
// "account_changed"; Invalid "disable_self" when an admin would disable
// their own account (nobody would be left to enable it).
func (s *Service) SetAccountDisabled(ctx context.Context, a archive.Actor, username string, rev int64, disabled bool) (Account, error) {
	if err := checkAdmin(a); err != nil {
		return Account{}, err
	}
	if rev <= 0 {
		return Account{}, errRevRequired()
	}
	if disabled && username == a.Subject {
		return Account{}, kerr.New(kerr.Invalid, "disable_self", "Không thể tự khoá tài khoản của chính mình.", "admin %q would disable their own account", username)
	}
	return setDisabled(ctx, s.cfg.Store, username, rev, disabled, s.now())
}

// errAccountChanged is the Conflict of an account changed since the
// admin read it.
func errAccountChanged(username string, rev, stored int64) error {
	return kerr.New(kerr.Conflict, "account_changed", "Tài khoản vừa được người khác thay đổi; hãy tải lại trang và thử lại.",
		"account %q is at revision %d, not %d", username, stored, rev)
}

// errRevRequired refuses a change that does not say which revision it
// is over.
func errRevRequired() error {
	return kerr.New(kerr.Invalid, "rev_required", "Biểu mẫu thiếu phiên bản của tài khoản; hãy tải lại trang.", "an account change needs the revision it was read at")
}

// TokenInput is a new API token: who it acts as, with which role, for
// which agency, its name, and when it expires (zero: never).
type TokenInput struct {
	Subject   string
	Role      archive.Role
	Agency    string
	Name      string
	ExpiresAt time.Time
}

// Tokens returns every API token (never a secret). Permission unless a is
// an admin.
func (s *Service) Tokens(ctx context.Context, a archive.Actor) ([]Token, error) {
	if err := checkAdmin(a); err != nil {
		return nil, err
	}
	return s.cfg.Tokens.ListTokens(ctx)
}

// CreateToken makes and stores a token as 'kho admin token create' does,
// returning its secret (shown once, never stored). Permission unless a is
// an admin; Invalid for a bad subject, role, name or agency, or an expiry
// not in the future.
func (s *Service) CreateToken(ctx context.Context, a archive.Actor, in TokenInput) (string, Token, error) {
	if err := checkAdmin(a); err != nil {
		return "", Token{}, err
	}
	now := s.now()
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		return "", Token{}, kerr.New(kerr.Invalid, "invalid_expiry", "Ngày hết hạn của mã truy cập phải ở sau thời điểm hiện tại.", "expiry %s is not after %s", in.ExpiresAt, now)
	}
	secret, tok, err := Generate(in.Subject, in.Role, in.Name, now)
	if err == nil {
		tok, err = tok.ForAgency(in.Agency)
	}
	if err != nil {
		return "", Token{}, err
	}
	if !in.ExpiresAt.IsZero() {
		tok.ExpiresAt = in.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	if err := s.cfg.Tokens.CreateToken(ctx, tok); err != nil {
		return "", Token{}, err
	}
	return secret, tok, nil
}

// RevokeToken revokes the token id (revoking it again changes nothing).
// Permission unless a is an admin; NotFound if there is no such token.
func (s *Service) RevokeToken(ctx context.Context, a archive.Actor, id string) error {
	if err := checkAdmin(a); err != nil {
		return err
	}
	return s.cfg.Tokens.RevokeToken(ctx, id)
}

// NewPassword makes a password for an admin to hand over: 26 random
// characters of A–Z and 2–7 (128 bits, crypto/rand.Text).
func NewPassword() string { return rand.Text() }
