package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Account is a local account of the web portal (tài khoản đăng nhập).
// Its Actor is what its sessions act as: a citizen acts as their identity
// number (the ID of their vault), staff and admins as their username
// (the subject of the staff directory, as their API tokens do).
type Account struct {
	// Username is the login name: 3..64 of [a-z0-9._-], starting with a
	// letter or digit; stored and compared in lower case.
	Username    string       `json:"username"`
	DisplayName string       `json:"displayName"`
	Role        archive.Role `json:"role"`
	// Agency is the agency code a staff or admin account acts for ("" =
	// none), as Token.Agency.
	Agency string `json:"agency,omitempty"`
	// CitizenID is the 12-digit identity number: required for a citizen
	// (their sessions act as it), optional for staff and admins.
	CitizenID string `json:"citizenId,omitempty"`
	Disabled  bool   `json:"disabled,omitempty"`
	// PasswordHash is the argon2id PHC string (HashPassword).
	PasswordHash      string    `json:"-"`
	PasswordChangedAt time.Time `json:"passwordChangedAt"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
	// Rev guards updates: UpdateAccount stores a record only over the
	// revision it was read at, and adds one.
	Rev int64 `json:"rev"`
}

// Actor returns the archive actor the account's sessions act as.
func (a Account) Actor() archive.Actor {
	if a.Role == archive.RoleCitizen {
		return archive.Actor{Subject: a.CitizenID, Role: a.Role}
	}
	return archive.Actor{Subject: a.Username, Role: a.Role, Agency: a.Agency}
}

// Limits of account fields.
const (
	MinUsername    = 3
	MaxUsername    = 64
	maxDisplayName = 200
)

// NormalizeUsername returns the stored form of a typed login name (spaces
// around it dropped, lower case) and whether it has the allowed shape. It
// never allocates more than MaxUsername bytes' worth: a longer name is
// refused before it is lowered.
func NormalizeUsername(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < MinUsername || len(s) > MaxUsername {
		return "", false
	}
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return "", false
		}
	}
	return s, true
}

func errUsername() error {
	return kerr.New(kerr.Invalid, "invalid_username",
		"Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ cái không dấu, chữ số và các dấu . _ -, bắt đầu bằng chữ cái hoặc chữ số.",
		"username must be %d..%d of [a-z0-9._-], starting with a letter or digit", MinUsername, MaxUsername)
}

// Validate checks an account's fields (not its password): the username's
// shape (already normalised), a display name of people's text, a known
// role, the agency of staff and admins only, and a citizen's identity
// number. Invalid with a code naming the field.
func (a Account) Validate() error {
	if n, ok := NormalizeUsername(a.Username); !ok || n != a.Username {
		return errUsername()
	}
	name := strings.TrimSpace(a.DisplayName)
	if name == "" || len(a.DisplayName) > maxDisplayName || !utf8.ValidString(a.DisplayName) {
		return kerr.New(kerr.Invalid, "invalid_display_name", "Họ và tên hiển thị phải có từ 1 đến 200 byte.", "display name must be 1..%d bytes of UTF-8", maxDisplayName)
	}
	if i, r := textrule.Find(a.DisplayName, false); i >= 0 {
		return kerr.New(kerr.Invalid, "invalid_display_name", "Họ và tên hiển thị có ký tự không được phép.", "display name has %U at byte %d", r, i)
	}
	if !a.Role.Valid() {
		return kerr.New(kerr.Invalid, "invalid_role", "Vai trò không hợp lệ (citizen, staff hoặc admin).", "unknown role %q", a.Role)
	}
	if a.Agency != "" {
		if a.Role == archive.RoleCitizen {
			return kerr.New(kerr.Invalid, "agency_for_citizen", "Chỉ tài khoản cán bộ hoặc quản trị viên mới gắn với cơ quan.", "a citizen account acts for no agency")
		}
		if !archive.ValidAgencyCode(a.Agency) {
			return kerr.New(kerr.Invalid, "invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "agency code %q", a.Agency)
		}
	}
	if a.CitizenID != "" && !archive.ValidIdentityNumber(a.CitizenID) {
		return kerr.New(kerr.Invalid, "invalid_citizen_id", "Số định danh cá nhân phải gồm đúng 12 chữ số.", "citizen ID %q", a.CitizenID)
	}
	if a.Role == archive.RoleCitizen && a.CitizenID == "" {
		return kerr.New(kerr.Invalid, "citizen_id_required", "Tài khoản công dân cần số định danh cá nhân.", "a citizen account needs its identity number")
	}
	return nil
}

// AccountStore keeps local accounts. Error kinds: Conflict
// "account_exists" when CreateAccount finds the username taken and
// "account_changed" when UpdateAccount finds another revision; NotFound
// "account_not_found"; Unavailable when the server cannot be reached;
// Internal otherwise. Times come back in UTC, truncated to milliseconds.
type AccountStore interface {
	// CreateAccount inserts a (its Rev as given, normally 1).
	CreateAccount(ctx context.Context, a Account) error
	// AccountByUsername returns the account with that (normalised) name.
	AccountByUsername(ctx context.Context, username string) (Account, error)
	// UpdateAccount replaces the account a.Username if its stored Rev is
	// a.Rev, storing Rev a.Rev+1, and returns the stored record.
	UpdateAccount(ctx context.Context, a Account) (Account, error)
	// ListAccounts returns up to limit accounts (1..1000) whose usernames
	// sort after after ("" = from the start), in username order.
	ListAccounts(ctx context.Context, after string, limit int) ([]Account, error)
}

// MaxListAccounts bounds one page of ListAccounts.
const MaxListAccounts = 1000

// NewAccount returns the record of a new account a with password, after
// checking both (Validate, CheckPassword) and hashing the password with
// params (DefaultArgon2 when zero). Rev is 1.
func NewAccount(a Account, password string, params Argon2Params, now time.Time) (Account, error) {
	if n, ok := NormalizeUsername(a.Username); ok {
		a.Username = n
	}
	if err := a.Validate(); err != nil {
		return Account{}, err
	}
	if err := a.setPassword(password, params, now); err != nil {
		return Account{}, err
	}
	a.CreatedAt, a.Rev = a.UpdatedAt, 1
	return a, nil
}

// setPassword checks password against the rule (CheckPassword), hashes it
// with params (DefaultArgon2 when zero) into a, and marks a changed at now.
func (a *Account) setPassword(password string, params Argon2Params, now time.Time) error {
	if err := CheckPassword(a.Username, password); err != nil {
		return err
	}
	if params == (Argon2Params{}) {
		params = DefaultArgon2
	}
	h, err := HashPassword(password, params)
	if err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Millisecond)
	a.PasswordHash, a.PasswordChangedAt, a.UpdatedAt = h, now, now
	return nil
}

// AccountSessionStore is what changing an account from outside a session
// needs: the account and its sessions.
type AccountSessionStore interface {
	AccountStore
	SessionStore
}

// SetPassword gives the account username a new password (checked by
// CheckPassword, hashed with params or DefaultArgon2) and ends all its
// sessions: whoever knew the old one is signed out. NotFound
// "account_not_found"; Conflict "account_changed" if it changed meanwhile.
func SetPassword(ctx context.Context, st AccountSessionStore, username, password string, params Argon2Params, now time.Time) (Account, error) {
	return setPassword(ctx, st, username, 0, password, params, now)
}

// setPassword is SetPassword of the account at revision rev (0: any).
func setPassword(ctx context.Context, st AccountSessionStore, username string, rev int64, password string, params Argon2Params, now time.Time) (Account, error) {
	a, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return Account{}, err
	}
	if rev != 0 && a.Rev != rev {
		return Account{}, errAccountChanged(username, rev, a.Rev)
	}
	if err := a.setPassword(password, params, now); err != nil {
		return Account{}, err
	}
	if a, err = st.UpdateAccount(ctx, a); err != nil {
		return Account{}, err
	}
	return a, endSessions(ctx, st, a.Username)
}

// SetDisabled disables (or enables again) the account username. A
// disabled account cannot sign in, and its sessions end: they are deleted
// here, and a session read meanwhile is refused because its account is
// disabled.
func SetDisabled(ctx context.Context, st AccountSessionStore, username string, disabled bool, now time.Time) (Account, error) {
	return setDisabled(ctx, st, username, 0, disabled, now)
}

// setDisabled is SetDisabled of the account at revision rev (0: any).
func setDisabled(ctx context.Context, st AccountSessionStore, username string, rev int64, disabled bool, now time.Time) (Account, error) {
	a, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return Account{}, err
	}
	if rev != 0 && a.Rev != rev {
		return Account{}, errAccountChanged(username, rev, a.Rev)
	}
	if a.Disabled != disabled {
		a.Disabled, a.UpdatedAt = disabled, now.UTC().Truncate(time.Millisecond)
		if a, err = st.UpdateAccount(ctx, a); err != nil {
			return Account{}, err
		}
	}
	if disabled {
		return a, endSessions(ctx, st, a.Username)
	}
	return a, nil
}

// endSessions deletes every session of username.
func endSessions(ctx context.Context, st SessionStore, username string) error {
	all, err := st.ListSessions(ctx, username, MaxListSessions)
	if err != nil {
		return err
	}
	for _, x := range all {
		if err := st.DeleteSession(ctx, username, x.ID); err != nil && !kerr.IsKind(err, kerr.NotFound) {
			return err
		}
	}
	return nil
}
