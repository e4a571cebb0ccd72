package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Config configures the sign-in Service. Zero durations and counts take
// the defaults named.
type Config struct {
	// Store keeps accounts, sessions and throttles; Tokens the API tokens
	// (both are the metadata store in kho serve).
	Store  SignInStore
	Tokens Store
	// Key signs CSRF and challenge tokens: at least 32 random bytes, the
	// same in every kho serve process behind one address.
	Key []byte
	// Now is the clock (default time.Now).
	Now func() time.Time
	// IdleTimeout ends a session unused that long (default 30 min);
	// Lifetime ends any session that long after sign-in (default 12 h).
	IdleTimeout time.Duration
	Lifetime    time.Duration
	// TouchEvery is how often at most a session's LastSeen is written
	// (default 1 min).
	TouchEvery time.Duration
	// MaxSessions is how many sessions an account may have at once
	// (default 5); signing in past it ends the oldest.
	MaxSessions int
	// Secure marks the cookie Secure with the __Host- prefix. Only a
	// plain-HTTP server on loopback (tests, the demo) may leave it false.
	Secure bool
	// Origin is the portal's public origin ("https://kho.example.vn"),
	// which a form's Origin header must equal; "" accepts the origin of
	// the request's own Host (scheme https when Secure, else http).
	Origin string
	// Argon2 are the parameters of new password hashes (default
	// DefaultArgon2); a stored hash with others is replaced at sign-in.
	Argon2 Argon2Params
	// HashConcurrency bounds the password hashes computed at once by this
	// process (default 4: 256 MiB with the default parameters).
	HashConcurrency int
	// Throttle is the back-off of failed sign-ins (default
	// DefaultThrottlePolicy).
	Throttle ThrottlePolicy
	// ChallengeTTL is how long a public form's challenge token is good
	// (default 30 min); ChallengeMinAge how soon after it was made a form
	// may come back (default 2 s: a person does not fill a form faster).
	ChallengeTTL    time.Duration
	ChallengeMinAge time.Duration
}

// Service is the sign-in backend of the web pages: accounts, sessions,
// CSRF, throttling and the challenge of public forms. It keeps nothing in
// memory that another kho serve process needs: all state is in Store.
type Service struct {
	cfg   Config
	slots hashSlots
	// dummyHash is verified for unknown users, so that they cost a
	// sign-in the same hash as a known user with a wrong password.
	dummyHash string
}

// minKeyBytes is the shortest Config.Key accepted.
const minKeyBytes = 32

// NewService checks cfg, fills in its defaults and returns the service.
// Invalid "invalid_auth_config" for a missing store or a short key.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Tokens == nil {
		return nil, kerr.New(kerr.Invalid, "invalid_auth_config", "Cấu hình đăng nhập không hợp lệ.", "auth: Store and Tokens are required")
	}
	if len(cfg.Key) < minKeyBytes {
		return nil, kerr.New(kerr.Invalid, "invalid_auth_config", "Cấu hình đăng nhập không hợp lệ.", "auth: Key must be at least %d bytes", minKeyBytes)
	}
	cfg.Key = slices.Clone(cfg.Key)
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def(&cfg.IdleTimeout, 30*time.Minute)
	def(&cfg.Lifetime, 12*time.Hour)
	def(&cfg.TouchEvery, time.Minute)
	def(&cfg.ChallengeTTL, 30*time.Minute)
	def(&cfg.ChallengeMinAge, 2*time.Second)
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 5
	}
	cfg.MaxSessions = min(cfg.MaxSessions, MaxListSessions/2)
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.HashConcurrency <= 0 {
		cfg.HashConcurrency = 4
	}
	if cfg.Throttle == (ThrottlePolicy{}) {
		cfg.Throttle = DefaultThrottlePolicy
	}
	cfg.Origin = strings.TrimSuffix(cfg.Origin, "/")
	s := &Service{cfg: cfg, slots: make(hashSlots, cfg.HashConcurrency)}
	dummy, err := HashPassword("không có tài khoản này", cfg.Argon2)
	if err != nil {
		return nil, err
	}
	s.dummyHash = dummy
	return s, nil
}

// now is the service's clock in UTC, to the millisecond (as stored).
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// mac is HMAC-SHA256 under the service key of the parts, each
// length-prefixed so that no two lists of parts sign the same bytes.
func (s *Service) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.cfg.Key)
	for _, p := range parts {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(p)>>24), byte(len(p)>>16), byte(len(p)>>8), byte(len(p))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// errWrongCredentials is the one answer for an unknown user, a disabled
// account with a wrong password and a wrong password.
func errWrongCredentials() error {
	return kerr.New(kerr.Unauthenticated, "wrong_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.", "unknown user or wrong password")
}

// SignInInput is what a sign-in form gives.
type SignInInput struct {
	Username  string
	Password  string
	IP        string // the client's address (after the server's proxy rules)
	UserAgent string // the User-Agent header
	// ChallengeSolved says the caller checked this request's public-form
	// challenge (CheckChallenge) and it passed; after failures the
	// policy names, a sign-in without it is refused.
	ChallengeSolved bool
}

// SignedIn is a successful sign-in.
type SignedIn struct {
	Account Account
	Session Session
	// Cookie is the session cookie to set on the answer.
	Cookie *http.Cookie
	// Ended are the sessions ended because the account was at its limit
	// of concurrent sessions, oldest first: tell the user (e.g. "Phiên
	// đăng nhập trên Firefox trên Windows từ 08:12:03 đã kết thúc").
	Ended []Session
}

// maxTypedUsername bounds a typed username before anything else is done
// with it (a valid one is at most MaxUsername bytes, plus spaces around).
const maxTypedUsername = 256

// SignIn checks a username and password and opens a session. Errors:
// Invalid "password_too_long" and "username_too_long" (nothing looked up
// or hashed); Unauthenticated
// "wrong_credentials" — the same answer, after the same one hash, for an
// unknown user and a wrong password; Permission "account_disabled" for a
// disabled account's right password; Permission "sign_in_throttled" (a
// *ThrottledError) while the account or the client's address must wait;
// Invalid "challenge_required" after the failures of
// ThrottlePolicy.AccountChallenge/IPChallenge without in.ChallengeSolved
// (nothing hashed, no failure counted); the store's errors.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (SignedIn, error) {
	if len(in.Password) > MaxPasswordBytes {
		return SignedIn{}, errPasswordTooLong()
	}
	if len(in.Username) > maxTypedUsername {
		return SignedIn{}, kerr.New(kerr.Invalid, "username_too_long", "Tên đăng nhập quá dài (tối đa 64 ký tự).",
			"username is over %d bytes", maxTypedUsername)
	}
	now := s.now()
	// An unusable name is still throttled and hashed like any other: the
	// answer must not tell which names could exist.
	username, okName := NormalizeUsername(in.Username)
	accountKey := "account:" + username
	if !okName {
		accountKey = "account:" + hexSum(strings.ToLower(strings.TrimSpace(in.Username)))
	}
	keys := []string{accountKey, ipKey(in.IP)}
	if err := s.checkThrottle(ctx, keys, now, in.ChallengeSolved); err != nil {
		return SignedIn{}, err
	}
	var acct Account
	var err error
	if okName {
		acct, err = s.cfg.Store.AccountByUsername(ctx, username)
		if err != nil && !kerr.IsKind(err, kerr.NotFound) {
			return SignedIn{}, err
		}
	}
	known := okName && err == nil
	hash := s.dummyHash
	if known {
		hash = acct.PasswordHash
	}
	if err := s.slots.acquire(ctx); err != nil {
		return SignedIn{}, err
	}
	match, verr := VerifyPassword(in.Password, hash)
	s.slots.release()
	if verr != nil {
		return SignedIn{}, verr
	}
	if !known || !match {
		if err := s.recordFailure(ctx, keys, now); err != nil {
			return SignedIn{}, err
		}
		return SignedIn{}, errWrongCredentials()
	}
	if acct.Disabled {
		return SignedIn{}, errDisabled()
	}
	if err := s.cfg.Store.ClearThrottle(ctx, accountKey); err != nil {
		return SignedIn{}, err
	}
	if NeedsRehash(acct.PasswordHash, s.cfg.Argon2) {
		acct = s.rehash(ctx, acct, in.Password, now)
	}
	return s.open(ctx, acct, in, now)
}

func errDisabled() error {
	return kerr.New(kerr.Permission, "account_disabled", "Tài khoản đã bị khoá. Vui lòng liên hệ quản trị viên.", "the account is disabled")
}

// rehash stores a new hash of password with the current parameters; a
// failure (a concurrent change of the account) leaves the old one, which
// still verifies.
func (s *Service) rehash(ctx context.Context, acct Account, password string, now time.Time) Account {
	h, err := HashPassword(password, s.cfg.Argon2)
	if err != nil {
		return acct
	}
	next := acct
	next.PasswordHash, next.UpdatedAt = h, now
	if got, err := s.cfg.Store.UpdateAccount(ctx, next); err == nil {
		return got
	}
	return acct
}

// open creates a session for acct and ends the oldest ones past the limit.
func (s *Service) open(ctx context.Context, acct Account, in SignInInput, now time.Time) (SignedIn, error) {
	value, hash, err := newSessionSecret()
	if err != nil {
		return SignedIn{}, err
	}
	id, err := newSessionID()
	if err != nil {
		return SignedIn{}, err
	}
	sess := Session{Hash: hash, ID: id, Username: acct.Username, CreatedAt: now, LastSeen: now,
		ExpiresAt: s.expiry(now, now), UserAgent: summarizeUserAgent(in.UserAgent)}
	if a, ok := parseIP(in.IP); ok {
		sess.IP = a.String()
	}
	if err := s.cfg.Store.CreateSession(ctx, sess); err != nil {
		return SignedIn{}, err
	}
	ended, err := s.enforceLimit(ctx, acct.Username, hash, now)
	if err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Account: acct, Session: sess, Cookie: s.cookie(value, sess.CreatedAt.Add(s.cfg.Lifetime)), Ended: ended}, nil
}

// enforceLimit ends the oldest live sessions of username beyond
// MaxSessions, never the one just made (keep), and deletes the expired
// ones it meets on the way.
func (s *Service) enforceLimit(ctx context.Context, username, keep string, now time.Time) ([]Session, error) {
	all, err := s.cfg.Store.ListSessions(ctx, username, MaxListSessions)
	if err != nil {
		return nil, err
	}
	var live []Session
	for _, x := range all {
		if !now.Before(x.ExpiresAt) {
			_ = s.cfg.Store.DeleteSession(ctx, username, x.ID) // gone already is fine
			continue
		}
		live = append(live, x)
	}
	var ended []Session
	for i := 0; len(live)-len(ended) > s.cfg.MaxSessions && i < len(live); i++ {
		if live[i].Hash == keep {
			continue
		}
		if err := s.cfg.Store.DeleteSession(ctx, username, live[i].ID); err != nil && !kerr.IsKind(err, kerr.NotFound) {
			return ended, err
		}
		ended = append(ended, live[i])
	}
	return ended, nil
}

// expiry is when a session made at created and last seen at seen ends.
func (s *Service) expiry(created, seen time.Time) time.Time {
	return minTime(created.Add(s.cfg.Lifetime), seen.Add(s.cfg.IdleTimeout))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// cookie is the session cookie carrying value.
func (s *Service) cookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: CookieName(s.cfg.Secure), Value: value, Path: "/", Expires: expires,
		Secure: s.cfg.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// ClearCookie is the cookie that removes the session cookie (set it when
// signing out, or when a request's cookie named no live session).
func (s *Service) ClearCookie() *http.Cookie {
	return &http.Cookie{Name: CookieName(s.cfg.Secure), Value: "", Path: "/", MaxAge: -1,
		Secure: s.cfg.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// Principal is who made a request: a signed-in account (Session and
// Account set) or an API token (Token set).
type Principal struct {
	Actor   archive.Actor
	Account *Account
	Session *Session
	Token   *Token
	csrf    string
}

// CSRFToken is the token a form of this session carries in its hidden
// field "csrf_token" ("" for API tokens, which need none).
func (p Principal) CSRFToken() string { return p.csrf }

// errNoSession is the answer for a missing, malformed, unknown, expired or
// revoked session cookie (one code, as for tokens).
func errNoSession(detail string) error {
	return kerr.New(kerr.Unauthenticated, "unauthenticated", "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại.", "%s", detail)
}

// Authenticate finds who made r: by its Authorization header exactly as
// the JSON API does (Authenticate, bearer tokens) when it has one, else by
// the session cookie. A session must be live (idle and absolute limits)
// and its account present and enabled; its LastSeen is written at most
// once per TouchEvery. Unauthenticated "unauthenticated" when neither
// proves anyone (the caller then clears the cookie if one was sent:
// HasSessionCookie); the store's errors.
func (s *Service) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		t, err := Authenticate(ctx, s.cfg.Tokens, h, s.cfg.Now())
		if err != nil {
			return Principal{}, err
		}
		return Principal{Actor: t.Actor(), Token: &t}, nil
	}
	value := cookieValue(r, CookieName(s.cfg.Secure))
	if value == "" {
		return Principal{}, errNoSession("no session cookie")
	}
	hash, ok := ParseSessionCookie(value)
	if !ok {
		return Principal{}, errNoSession("malformed session cookie")
	}
	sess, err := s.cfg.Store.SessionByHash(ctx, hash)
	if kerr.IsKind(err, kerr.NotFound) {
		return Principal{}, errNoSession("unknown session")
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(s.expiry(sess.CreatedAt, sess.LastSeen)) {
		return Principal{}, errNoSession("session expired")
	}
	acct, err := s.cfg.Store.AccountByUsername(ctx, sess.Username)
	if kerr.IsKind(err, kerr.NotFound) {
		return Principal{}, errNoSession("the session's account is gone")
	}
	if err != nil {
		return Principal{}, err
	}
	if acct.Disabled {
		return Principal{}, errNoSession("the session's account is disabled")
	}
	if now.Sub(sess.LastSeen) >= s.cfg.TouchEvery {
		exp := s.expiry(sess.CreatedAt, now)
		if err := s.cfg.Store.TouchSession(ctx, hash, now, exp); err != nil {
			if kerr.IsKind(err, kerr.NotFound) {
				return Principal{}, errNoSession("session revoked")
			}
			return Principal{}, err
		}
		sess.LastSeen, sess.ExpiresAt = now, exp
	}
	return Principal{Actor: acct.Actor(), Account: &acct, Session: &sess, csrf: s.csrfToken(hash)}, nil
}

// HasSessionCookie reports whether r carries a session cookie at all.
func (s *Service) HasSessionCookie(r *http.Request) bool {
	return cookieValue(r, CookieName(s.cfg.Secure)) != ""
}

// ctxKey keys the Principal in a request's context.
type ctxKey struct{}

// authResult is what Middleware stores.
type authResult struct {
	p   Principal
	err error
}

// Middleware authenticates every request once (Authenticate) and keeps
// the outcome in its context for PrincipalFrom; it refuses nothing, so
// public pages pass through it too. A request whose session cookie named
// no live session gets the cookie cleared.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Authenticate(r)
		if kerr.IsKind(err, kerr.Unauthenticated) && r.Header.Get("Authorization") == "" && s.HasSessionCookie(r) {
			http.SetCookie(w, s.ClearCookie())
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, authResult{p, err})))
	})
}

// PrincipalFrom returns who made the request Middleware authenticated, or
// the error why nobody is known (Unauthenticated when no one signed in,
// Unavailable when the store could not answer).
func PrincipalFrom(ctx context.Context) (Principal, error) {
	res, ok := ctx.Value(ctxKey{}).(authResult)
	if !ok {
		return Principal{}, errNoSession("the request did not pass through auth.Middleware")
	}
	return res.p, res.err
}

// SignOut ends p's session (nothing for an API token).
func (s *Service) SignOut(ctx context.Context, p Principal) error {
	if p.Session == nil {
		return nil
	}
	err := s.cfg.Store.DeleteSession(ctx, p.Session.Username, p.Session.ID)
	if kerr.IsKind(err, kerr.NotFound) {
		return nil
	}
	return err
}

// SessionInfo is one line of the list of one's sessions.
type SessionInfo struct {
	Session
	Current bool `json:"current"` // the session making the request
}

// ListSessions returns p's account's live sessions, oldest first. Only a
// signed-in account has sessions: Permission "session_required" for a
// token.
func (s *Service) ListSessions(ctx context.Context, p Principal) ([]SessionInfo, error) {
	if p.Session == nil {
		return nil, errSessionRequired()
	}
	all, err := s.cfg.Store.ListSessions(ctx, p.Session.Username, MaxListSessions)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []SessionInfo{}
	for _, x := range all {
		if now.Before(x.ExpiresAt) {
			out = append(out, SessionInfo{Session: x, Current: x.ID == p.Session.ID})
		}
	}
	return out, nil
}

func errSessionRequired() error {
	return kerr.New(kerr.Permission, "session_required", "Chức năng này chỉ dùng khi đăng nhập trên trang web.", "only a session, not an API token, has sessions")
}

// RevokeSession ends the session id of p's own account. NotFound
// "session_not_found" for an ID that is not one of its sessions (another
// account's included: nothing tells them apart).
func (s *Service) RevokeSession(ctx context.Context, p Principal, id string) error {
	if p.Session == nil {
		return errSessionRequired()
	}
	return s.cfg.Store.DeleteSession(ctx, p.Session.Username, id)
}

// RevokeOtherSessions ends every session of p's account but the current
// one and returns how many it ended.
func (s *Service) RevokeOtherSessions(ctx context.Context, p Principal) (int, error) {
	if p.Session == nil {
		return 0, errSessionRequired()
	}
	all, err := s.cfg.Store.ListSessions(ctx, p.Session.Username, MaxListSessions)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range all {
		if x.ID == p.Session.ID {
			continue
		}
		switch err := s.cfg.Store.DeleteSession(ctx, x.Username, x.ID); {
		case err == nil:
			n++
		case !kerr.IsKind(err, kerr.NotFound):
			return n, err
		}
	}
	return n, nil
}
