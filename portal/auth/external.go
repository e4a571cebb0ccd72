package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// ExternalCitizen is a citizen an outside identity provider (OpenID
// Connect, as VNeID) vouched for, with the client's request.
type ExternalCitizen struct {
	CitizenID   string // 12 digits
	DisplayName string // "" shows the citizen ID
	IP          string
	UserAgent   string
}

// ExternalUsername is the account name of a citizen signed in by an
// outside provider: "cd." and the citizen ID. Its sessions act as the
// citizen ID's vault, as a local citizen account with that ID does.
func ExternalUsername(citizenID string) string { return "cd." + citizenID }

// OpenExternalSession opens a session for a citizen an outside provider
// vouched for: the account ExternalUsername(CitizenID), made on first
// sign-in (role citizen, an unusable random password), no password
// checked; a disabled account is refused (Permission "account_disabled").
// Invalid "invalid_citizen_id" for an ID that is not 12 digits; the
// limit of sessions applies as for SignIn.
func (s *Service) OpenExternalSession(ctx context.Context, in ExternalCitizen) (SignedIn, error) {
	if !archive.ValidIdentityNumber(in.CitizenID) {
		return SignedIn{}, kerr.New(kerr.Invalid, "invalid_citizen_id", "Số định danh cá nhân phải gồm đúng 12 chữ số.", "citizen ID %q", in.CitizenID)
	}
	now := s.now()
	username := ExternalUsername(in.CitizenID)
	acct, err := s.cfg.Store.AccountByUsername(ctx, username)
	if kerr.IsKind(err, kerr.NotFound) {
		acct, err = s.createExternal(ctx, username, in)
	}
	if err != nil {
		return SignedIn{}, err
	}
	if acct.Disabled {
		return SignedIn{}, errDisabled()
	}
	return s.open(ctx, acct, SignInInput{Username: username, IP: in.IP, UserAgent: in.UserAgent}, now)
}

// createExternal makes the account of a first external sign-in; one made
// meanwhile by another request is read back.
func (s *Service) createExternal(ctx context.Context, username string, in ExternalCitizen) (Account, error) {
	var pw [32]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return Account{}, kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được tài khoản.")
	}
	name := in.DisplayName
	if name == "" {
		name = in.CitizenID
	}
	if err := s.slots.acquire(ctx); err != nil {
		return Account{}, err
	}
	acct, err := NewAccount(Account{Username: username, DisplayName: name, Role: archive.RoleCitizen, CitizenID: in.CitizenID},
		hex.EncodeToString(pw[:]), s.cfg.Argon2, s.now())
	s.slots.release()
	if err != nil {
		return Account{}, err
	}
	err = s.cfg.Store.CreateAccount(ctx, acct)
	if kerr.IsKind(err, kerr.Conflict) {
		return s.cfg.Store.AccountByUsername(ctx, username)
	}
	return acct, err
}
