package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage/sqlite"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a sign-in service over a fresh embedded store, with a citizen
// "an.tran" and a staff member "binh".
type env struct {
	t     testing.TB
	store *sqlite.Store
	svc   *auth.Service
	clock *clock
	cfg   auth.Config
}

const (
	anPassword   = "Mật khẩu của An 2026"
	binhPassword = "binh-mat-khau-dai"
	key32        = "0123456789abcdef0123456789abcdef"
)

func newEnv(t *testing.T, tweak func(*auth.Config)) *env {
	t.Helper()
	return newEnvTB(t, tweak, cheap)
}

// newEnvTB is newEnv for tests and benchmarks, the accounts' passwords
// hashed with params.
func newEnvTB(t testing.TB, tweak func(*auth.Config), params auth.Argon2Params) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(ctx) })
	c := &clock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	cfg := auth.Config{Store: st, Tokens: st, Key: []byte(key32), Now: c.Now, Argon2: cheap, Secure: true}
	if tweak != nil {
		tweak(&cfg)
	}
	svc, err := auth.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, svc: svc, clock: c, cfg: cfg}
	e.addAccount(auth.Account{Username: "an.tran", DisplayName: "Trần Thị An", Role: archive.RoleCitizen, CitizenID: "001090012345"}, anPassword, params)
	e.addAccount(auth.Account{Username: "binh", DisplayName: "Lê Văn Bình", Role: archive.RoleStaff, Agency: "000.00.31.H29"}, binhPassword, params)
	return e
}

func (e *env) addAccount(a auth.Account, pw string, params auth.Argon2Params) auth.Account {
	e.t.Helper()
	a, err := auth.NewAccount(a, pw, params, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// signIn signs in as a page does after the challenge it showed was
// solved (TestChallengeAfterFailures is the test of the challenge).
func (e *env) signIn(user, pw, ip string) (auth.SignedIn, error) {
	return e.svc.SignIn(context.Background(), auth.SignInInput{Username: user, Password: pw, IP: ip,
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", ChallengeSolved: true})
}

func (e *env) mustSignIn(user, pw string) auth.SignedIn {
	e.t.Helper()
	s, err := e.signIn(user, pw, "203.0.113.7")
	if err != nil {
		e.t.Fatalf("SignIn(%s): %v", user, err)
	}
	return s
}

// request is a GET (or method) carrying the cookie c.
func request(method string, c *http.Cookie) *http.Request {
	r := httptest.NewRequest(method, "https://kho.example.vn/kho-cua-toi", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func (e *env) auth(c *http.Cookie) (auth.Principal, error) {
	return e.svc.Authenticate(request(http.MethodGet, c))
}

func code(err error) string {
	if ke := kerr.Outer(err); ke != nil {
		return ke.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestSignInSession(t *testing.T) {
	e := newEnv(t, nil)
	s := e.mustSignIn("  An.Tran ", anPassword) // typed with spaces and a capital
	c := s.Cookie
	if c.Name != "__Host-kho_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie = %+v, want __Host-kho_session, Secure, HttpOnly, SameSite=Lax, Path=/", c)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) != 32 {
		t.Fatalf("cookie value %q is not 256 random bits", c.Value)
	}
	sum := sha256.Sum256(raw)
	stored, err := e.store.SessionByHash(t.Context(), hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatalf("the session is not stored under the SHA-256 of its secret: %v", err)
	}
	if strings.Contains(stored.Hash+stored.ID, c.Value) || stored.ID == "" {
		t.Errorf("stored session %+v holds the secret or has no public ID", stored)
	}
	if stored.UserAgent != "Firefox trên Linux" || stored.IP != "203.0.113.7" || stored.Username != "an.tran" {
		t.Errorf("session metadata = %+v", stored)
	}
	v6, err := e.signIn("an.tran", anPassword, "[2001:db8:1:2::9]:443")
	if err != nil || v6.Session.IP != "2001:db8:1:2::9" {
		t.Errorf("IPv6 client: session IP %q, %v; want the address itself", v6.Session.IP, err)
	}
	p, err := e.auth(c)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if p.Actor != (archive.Actor{Subject: "001090012345", Role: archive.RoleCitizen}) || p.Account.Username != "an.tran" || p.Token != nil {
		t.Errorf("principal = %+v", p)
	}
	staff := e.mustSignIn("binh", binhPassword)
	p, err = e.auth(staff.Cookie)
	if err != nil || p.Actor != (archive.Actor{Subject: "binh", Role: archive.RoleStaff, Agency: "000.00.31.H29"}) {
		t.Errorf("staff principal = %+v, %v", p.Actor, err)
	}
	if err := e.svc.SignOut(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth(staff.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("a signed-out session still works: %v", err)
	}
	// A plain-HTTP server (loopback tests, the demo) cannot use __Host-.
	plain := newEnv(t, func(c *auth.Config) { c.Secure = false })
	if c := plain.mustSignIn("an.tran", anPassword).Cookie; c.Name != "kho_session" || c.Secure || !c.HttpOnly {
		t.Errorf("plain-HTTP cookie = %+v", c)
	}
}

// TestChallengeAfterFailures: with the default policy, one failure of an
// account, or three of an address, make the next sign-in need a solved
// challenge — refused without one before any hash, with no failure
// counted — and the right password with the challenge still gets in.
func TestChallengeAfterFailures(t *testing.T) {
	e := newEnv(t, nil)
	bare := func(user, pw, ip string) error {
		_, err := e.svc.SignIn(t.Context(), auth.SignInInput{Username: user, Password: pw, IP: ip})
		return err
	}
	if err := bare("an.tran", "mật khẩu sai rồi", "203.0.113.1"); code(err) != "wrong_credentials" {
		t.Fatalf("first failure: %v", err)
	}
	before := auth.HashCount()
	err := bare("an.tran", anPassword, "198.51.100.9")
	if code(err) != "challenge_required" || !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("after the account's failure, no challenge: %v", err)
	}
	if _, msg := kerr.Public(err); !strings.Contains(msg, "câu hỏi kiểm tra") {
		t.Errorf("message %q", msg)
	}
	if auth.HashCount() != before {
		t.Error("a sign-in refused for its challenge hashed the password")
	}
	if th, err := e.store.GetThrottle(t.Context(), "account:an.tran"); err != nil || th.Failures != 1 {
		t.Errorf("the refusal counted as a failure: %+v %v", th, err)
	}
	if _, err := e.signIn("an.tran", anPassword, "198.51.100.9"); err != nil {
		t.Fatalf("with the challenge solved: %v", err)
	}
	// The success cleared the account's count: no challenge for it now.
	if err := bare("an.tran", anPassword, "198.51.100.9"); err != nil {
		t.Errorf("after a success: %v", err)
	}
	// Another account is held only by its address's third failure.
	for i := range 3 {
		if err := bare(fmt.Sprintf("khong-co-ai-%d", i), "sai", "192.0.2.50"); code(err) != "wrong_credentials" {
			t.Fatalf("address failure %d: %v", i+1, err)
		}
	}
	if err := bare("an.tran", anPassword, "192.0.2.50"); code(err) != "challenge_required" {
		t.Errorf("after three failures of the address: %v", err)
	}
	if err := bare("an.tran", anPassword, "192.0.2.51"); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// TestNoAccountEnumeration: an unknown user, a malformed name and a wrong
// password get the same answer, each after exactly one argon2id hash.
func TestNoAccountEnumeration(t *testing.T) {
	e := newEnv(t, nil)
	var msgs []string
	for i, c := range []struct{ user, pw string }{
		{"an.tran", "mật khẩu sai rồi"},
		{"khong-co-ai", "mật khẩu sai rồi"},
		{"tên có dấu", "mật khẩu sai rồi"},
		{"x", anPassword},
	} {
		before := auth.HashCount()
		_, err := e.signIn(c.user, c.pw, "198.51.100.1")
		if n := auth.HashCount() - before; n != 1 {
			t.Errorf("case %d (%q): %d hashes, want 1", i, c.user, n)
		}
		ke := kerr.Outer(err)
		if ke == nil || ke.Code != "wrong_credentials" || ke.Kind != kerr.Unauthenticated {
			t.Fatalf("case %d (%q): %v, want wrong_credentials", i, c.user, err)
		}
		msgs = append(msgs, ke.Message+"|"+ke.Detail)
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Errorf("answers differ: %q and %q", msgs[0], m)
		}
	}
}

func TestSignInBadInput(t *testing.T) {
	e := newEnv(t, nil)
	before := auth.HashCount()
	for _, c := range []struct{ user, pw, code string }{
		{strings.Repeat("a", 10_000), anPassword, "username_too_long"},
		{"an.tran", strings.Repeat("mật khẩu ", 100), "password_too_long"},
	} {
		_, err := e.signIn(c.user, c.pw, "198.51.100.2")
		if code(err) != c.code || !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("SignIn(%d-byte name, %d-byte password) = %v, want %s", len(c.user), len(c.pw), err, c.code)
		}
	}
	if n := auth.HashCount() - before; n != 0 {
		t.Errorf("over-long input was hashed (%d hashes)", n)
	}
	if _, err := e.store.GetThrottle(t.Context(), "ip:198.51.100.2"); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("refused input was counted as a failure: %v", err)
	}
}

func TestThrottleBackOff(t *testing.T) {
	policy := auth.ThrottlePolicy{AccountFree: 3, IPFree: 6, Base: 30 * time.Second, Max: 10 * time.Minute, Window: time.Hour}
	e := newEnv(t, func(c *auth.Config) { c.Throttle = policy })
	for range 3 {
		if _, err := e.signIn("an.tran", "sai mật khẩu rồi", "203.0.113.1"); code(err) != "wrong_credentials" {
			t.Fatalf("failure: %v", err)
		}
	}
	// Now even the right password waits 30 s, with a Vietnamese answer.
	before := auth.HashCount()
	_, err := e.signIn("an.tran", anPassword, "203.0.113.99")
	var te *auth.ThrottledError
	if code(err) != "sign_in_throttled" || !kerr.IsKind(err, kerr.Permission) || !errors.As(err, &te) {
		t.Fatalf("after 3 failures: %v, want sign_in_throttled", err)
	}
	if auth.HashCount() != before {
		t.Error("a throttled sign-in hashed the password")
	}
	_, msg := kerr.Public(err)
	// 08:00:00 UTC is 15:00:00 in Vietnam; the third failure was at 15:00:00.
	if msg != "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15:00:30 (khoảng 1 phút nữa)." || te.RetryAfterSeconds() != 30 {
		t.Errorf("message %q, Retry-After %d", msg, te.RetryAfterSeconds())
	}
	// A second kho serve process over the same store sees the same count.
	other, err := auth.NewService(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.SignIn(t.Context(), auth.SignInInput{Username: "an.tran", Password: anPassword, IP: "192.0.2.1"}); code(err) != "sign_in_throttled" {
		t.Errorf("another process let the account in: %v", err)
	}
	e.clock.Add(30 * time.Second)
	if _, err := e.signIn("an.tran", "vẫn sai mật khẩu", "203.0.113.1"); code(err) != "wrong_credentials" {
		t.Fatalf("after the wait: %v", err)
	}
	// The 4th failure doubles the wait.
	_, err = e.signIn("an.tran", anPassword, "203.0.113.1")
	if !errors.As(err, &te) || te.Wait != time.Minute {
		t.Fatalf("after 4 failures: %v (wait %v), want 1 min", err, te.Wait)
	}
	e.clock.Add(time.Minute)
	e.mustSignIn("an.tran", anPassword)
	if _, err := e.store.GetThrottle(t.Context(), "account:an.tran"); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("a successful sign-in kept the account's count: %v", err)
	}

	// Per address: many names from one address.
	for i := range 6 {
		_, err := e.signIn("khach"+string(rune('a'+i)), "sai mật khẩu rồi", "2001:db8:aa:bb::1")
		if code(err) != "wrong_credentials" {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// The same /64 is the same subscriber; another address is not held.
	if _, err := e.signIn("binh", binhPassword, "2001:db8:aa:bb:ffff::9"); code(err) != "sign_in_throttled" {
		t.Errorf("same /64 after 6 failures: %v, want sign_in_throttled", err)
	}
	if _, err := e.signIn("binh", binhPassword, "2001:db8:aa:cc::1"); err != nil {
		t.Errorf("another /64: %v", err)
	}
}

func TestSessionTimeouts(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.IdleTimeout = 10 * time.Minute; c.Lifetime = time.Hour })
	s := e.mustSignIn("an.tran", anPassword)
	ctx := t.Context()
	lastSeen := func() time.Time {
		x, err := e.store.SessionByHash(ctx, s.Session.Hash)
		if err != nil {
			t.Fatal(err)
		}
		return x.LastSeen
	}
	e.clock.Add(30 * time.Second)
	if _, err := e.auth(s.Cookie); err != nil {
		t.Fatal(err)
	}
	if !lastSeen().Equal(s.Session.LastSeen) {
		t.Error("LastSeen was written within the first minute")
	}
	e.clock.Add(31 * time.Second)
	if _, err := e.auth(s.Cookie); err != nil {
		t.Fatal(err)
	}
	if !lastSeen().Equal(e.clock.Now()) {
		t.Errorf("LastSeen = %v after a minute, want %v", lastSeen(), e.clock.Now())
	}
	// Used every 9 minutes it lives until its lifetime ends.
	for e.clock.Now().Before(s.Session.CreatedAt.Add(time.Hour - 9*time.Minute)) {
		e.clock.Add(9 * time.Minute)
		if _, err := e.auth(s.Cookie); err != nil {
			t.Fatalf("at %v: %v", e.clock.Now().Sub(s.Session.CreatedAt), err)
		}
	}
	e.clock.Add(9 * time.Minute) // past the hour
	if _, err := e.auth(s.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("past its lifetime: %v", err)
	}
	// Idle: unused for 10 minutes.
	s2 := e.mustSignIn("an.tran", anPassword)
	e.clock.Add(10 * time.Minute)
	if _, err := e.auth(s2.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("idle 10 min: %v", err)
	}
}

func TestSessionLimit(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.MaxSessions = 2 })
	first := e.mustSignIn("an.tran", anPassword)
	e.clock.Add(time.Second)
	second := e.mustSignIn("an.tran", anPassword)
	e.clock.Add(time.Second)
	e.mustSignIn("binh", binhPassword)
	third := e.mustSignIn("an.tran", anPassword)
	if len(third.Ended) != 1 || third.Ended[0].ID != first.Session.ID {
		t.Fatalf("Ended = %+v, want the first session", third.Ended)
	}
	if _, err := e.auth(first.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("the ended session still works: %v", err)
	}
	for _, s := range []auth.SignedIn{second, third} {
		if _, err := e.auth(s.Cookie); err != nil {
			t.Errorf("a session within the limit: %v", err)
		}
	}
	if len(second.Ended) != 0 {
		t.Errorf("the second sign-in ended %v", second.Ended)
	}
}

func TestListAndRevokeSessions(t *testing.T) {
	e := newEnv(t, nil)
	a1 := e.mustSignIn("an.tran", anPassword)
	e.clock.Add(time.Second)
	a2 := e.mustSignIn("an.tran", anPassword)
	e.clock.Add(time.Second)
	a3 := e.mustSignIn("an.tran", anPassword)
	b := e.mustSignIn("binh", binhPassword)
	ctx := t.Context()
	p, err := e.auth(a2.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.ListSessions(ctx, p)
	if err != nil || len(list) != 3 {
		t.Fatalf("ListSessions = %+v, %v", list, err)
	}
	for i, want := range []auth.SignedIn{a1, a2, a3} {
		if list[i].ID != want.Session.ID || list[i].Current != (i == 1) || list[i].UserAgent != "Firefox trên Linux" {
			t.Errorf("session %d = %+v", i, list[i])
		}
	}
	// Another account's session is out of reach: not found, and it lives.
	if err := e.svc.RevokeSession(ctx, p, b.Session.ID); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("revoking binh's session as an: %v", err)
	}
	if _, err := e.auth(b.Cookie); err != nil {
		t.Errorf("binh's session after an's attempt: %v", err)
	}
	if err := e.svc.RevokeSession(ctx, p, a1.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth(a1.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("revoked session: %v", err)
	}
	if n, err := e.svc.RevokeOtherSessions(ctx, p); n != 1 || err != nil {
		t.Errorf("RevokeOtherSessions = %d, %v; want 1", n, err)
	}
	if _, err := e.auth(a3.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("another session after revoke-all-others: %v", err)
	}
	if _, err := e.auth(a2.Cookie); err != nil {
		t.Errorf("the current session after revoke-all-others: %v", err)
	}
	if _, err := e.auth(b.Cookie); err != nil {
		t.Errorf("binh's session after an's revoke-all-others: %v", err)
	}
}

func TestDisabledAccount(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	s := e.mustSignIn("binh", binhPassword)
	// Disabled straight in the store (another process, sessions not yet
	// deleted): the session is refused at its next request.
	acct, _ := e.store.AccountByUsername(ctx, "binh")
	acct.Disabled = true
	if _, err := e.store.UpdateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth(s.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("a disabled account's session: %v", err)
	}
	if _, err := e.signIn("binh", binhPassword, "203.0.113.7"); code(err) != "account_disabled" {
		t.Errorf("sign-in of a disabled account: %v", err)
	}
	if _, err := e.signIn("binh", "mật khẩu sai rồi", "203.0.113.7"); code(err) != "wrong_credentials" {
		t.Errorf("wrong password of a disabled account: %v", err)
	}
	// SetDisabled also deletes the sessions.
	s2 := e.mustSignIn("an.tran", anPassword)
	if _, err := auth.SetDisabled(ctx, e.store, "an.tran", true, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SessionByHash(ctx, s2.Session.Hash); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("SetDisabled left the session: %v", err)
	}
	if _, err := auth.SetDisabled(ctx, e.store, "an.tran", false, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.mustSignIn("an.tran", anPassword)
}

func TestSetPasswordEndsSessions(t *testing.T) {
	e := newEnv(t, nil)
	s := e.mustSignIn("an.tran", anPassword)
	if _, err := auth.SetPassword(t.Context(), e.store, "an.tran", "an.tran", cheap, e.clock.Now()); code(err) != "password_too_short" {
		t.Errorf("SetPassword(short) = %v", err)
	}
	if _, err := auth.SetPassword(t.Context(), e.store, "an.tran", "mật khẩu mới của An", cheap, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth(s.Cookie); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("a session from before the new password: %v", err)
	}
	if _, err := e.signIn("an.tran", anPassword, "203.0.113.7"); code(err) != "wrong_credentials" {
		t.Errorf("old password: %v", err)
	}
	e.mustSignIn("an.tran", "mật khẩu mới của An")
}

func TestRehashOnSignIn(t *testing.T) {
	stronger := cheap
	stronger.Time = 2
	e := newEnv(t, func(c *auth.Config) { c.Argon2 = stronger })
	before, _ := e.store.AccountByUsername(t.Context(), "an.tran")
	if !auth.NeedsRehash(before.PasswordHash, stronger) {
		t.Fatal("the account's hash already has the new parameters")
	}
	e.mustSignIn("an.tran", anPassword)
	after, _ := e.store.AccountByUsername(t.Context(), "an.tran")
	if auth.NeedsRehash(after.PasswordHash, stronger) || after.Rev != before.Rev+1 {
		t.Errorf("hash after sign-in = %q (rev %d), want t=2", after.PasswordHash, after.Rev)
	}
	e.mustSignIn("an.tran", anPassword)
}

func TestBearerTokensBesideSessions(t *testing.T) {
	e := newEnv(t, nil)
	secret, tok, err := auth.Generate("canbo01", archive.RoleStaff, "máy trạm", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	s := e.mustSignIn("an.tran", anPassword)
	r := request(http.MethodGet, s.Cookie)
	r.Header.Set("Authorization", "Bearer "+secret)
	p, err := e.svc.Authenticate(r)
	if err != nil || p.Token == nil || p.Token.ID != tok.ID || p.Session != nil || p.Actor != tok.Actor() || p.CSRFToken() != "" {
		t.Fatalf("bearer with a cookie: %+v, %v", p, err)
	}
	r.Header.Set("Authorization", "Bearer kho_wrong")
	if _, err := e.svc.Authenticate(r); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("a wrong bearer token beside a good cookie: %v (the header decides)", err)
	}
}

func TestMalformedCookies(t *testing.T) {
	e := newEnv(t, nil)
	good := e.mustSignIn("an.tran", anPassword).Cookie.Value
	unknown := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	for _, v := range []string{
		"",
		"x",
		good[:42],
		good + "A",
		good[:42] + "!",
		strings.Repeat("a", 4000),
		good[:40] + "==",
		unknown,
		"%00" + good[3:],
	} {
		c := &http.Cookie{Name: "__Host-kho_session", Value: v}
		if _, err := e.auth(c); code(err) != "unauthenticated" {
			t.Errorf("cookie %q: %v, want unauthenticated", v, err)
		}
	}
	// The middleware clears a cookie that names no session and lets the
	// request on, unauthenticated.
	var seen error
	h := e.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, seen = auth.PrincipalFrom(r.Context())
	}))
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "__Host-kho_session="+unknown)
	h.ServeHTTP(w, r)
	if !kerr.IsKind(seen, kerr.Unauthenticated) || !strings.Contains(w.Header().Get("Set-Cookie"), "__Host-kho_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax") {
		t.Errorf("middleware: %v, Set-Cookie %q", seen, w.Header().Get("Set-Cookie"))
	}
	// And passes a good one on.
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "__Host-kho_session="+good)
	w = httptest.NewRecorder()
	var p auth.Principal
	h = e.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p, seen = auth.PrincipalFrom(r.Context()) }))
	h.ServeHTTP(w, r)
	if seen != nil || p.Account == nil || p.Account.Username != "an.tran" || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("middleware with a good cookie: %+v, %v, Set-Cookie %q", p, seen, w.Header().Get("Set-Cookie"))
	}
}

// post is a form POST with the cookie and fields.
func post(c *http.Cookie, form url.Values, header map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://kho.example.vn/phien/thu-hoi", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if form != nil {
		_ = r.ParseForm() // as the handler does before CheckCSRF
	}
	if c != nil {
		r.AddCookie(c)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	s1 := e.mustSignIn("an.tran", anPassword)
	s2 := e.mustSignIn("an.tran", anPassword)
	p1, _ := e.auth(s1.Cookie)
	p2, _ := e.auth(s2.Cookie)
	if p1.CSRFToken() == "" || p1.CSRFToken() == p2.CSRFToken() {
		t.Fatalf("CSRF tokens %q and %q: want one per session", p1.CSRFToken(), p2.CSRFToken())
	}
	check := func(r *http.Request, p auth.Principal) error { return e.svc.CheckCSRF(r, p) }
	sameSite := map[string]string{"Origin": "https://kho.example.vn", "Sec-Fetch-Site": "same-origin"}
	if err := check(post(s1.Cookie, url.Values{auth.CSRFField: {p1.CSRFToken()}}, sameSite), p1); err != nil {
		t.Errorf("a good form: %v", err)
	}
	if err := check(post(s1.Cookie, url.Values{auth.CSRFField: {p1.CSRFToken()}}, nil), p1); err != nil {
		t.Errorf("a good form from a browser that sends no Origin: %v", err)
	}
	hdr := post(s1.Cookie, nil, map[string]string{auth.CSRFHeader: p1.CSRFToken()})
	if err := check(hdr, p1); err != nil {
		t.Errorf("the token in the header: %v", err)
	}
	if err := check(request(http.MethodGet, s1.Cookie), p1); err != nil {
		t.Errorf("GET: %v", err)
	}
	unparsed := httptest.NewRequest(http.MethodPost, "https://kho.example.vn/phien/thu-hoi", strings.NewReader(url.Values{auth.CSRFField: {p1.CSRFToken()}}.Encode()))
	unparsed.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := check(unparsed, p1); code(err) != "csrf_failed" {
		t.Errorf("a form the handler did not parse: %v, want csrf_failed (the check reads no body)", err)
	}
	// A token replayed from another session, or from a session that
	// ended, is refused.
	s1Token := p1.CSRFToken()
	if err := e.svc.SignOut(t.Context(), p1); err != nil {
		t.Fatal(err)
	}
	s3 := e.mustSignIn("an.tran", anPassword)
	p3, _ := e.auth(s3.Cookie)
	for name, c := range map[string]struct {
		r *http.Request
		p auth.Principal
	}{
		"no token":                      {post(s2.Cookie, url.Values{}, sameSite), p2},
		"another session's token":       {post(s2.Cookie, url.Values{auth.CSRFField: {s1Token}}, sameSite), p2},
		"a signed-out session's token":  {post(s3.Cookie, url.Values{auth.CSRFField: {s1Token}}, sameSite), p3},
		"a token with one byte changed": {post(s2.Cookie, url.Values{auth.CSRFField: {p2.CSRFToken()[:10] + "x" + p2.CSRFToken()[11:]}}, sameSite), p2},
		"cross-site Origin":             {post(s2.Cookie, url.Values{auth.CSRFField: {p2.CSRFToken()}}, map[string]string{"Origin": "https://evil.example"}), p2},
		"null Origin":                   {post(s2.Cookie, url.Values{auth.CSRFField: {p2.CSRFToken()}}, map[string]string{"Origin": "null"}), p2},
		"http Origin on https":          {post(s2.Cookie, url.Values{auth.CSRFField: {p2.CSRFToken()}}, map[string]string{"Origin": "http://kho.example.vn"}), p2},
		"Sec-Fetch-Site cross-site":     {post(s2.Cookie, url.Values{auth.CSRFField: {p2.CSRFToken()}}, map[string]string{"Sec-Fetch-Site": "cross-site"}), p2},
		"Sec-Fetch-Site same-site":      {post(s2.Cookie, url.Values{auth.CSRFField: {p2.CSRFToken()}}, map[string]string{"Sec-Fetch-Site": "same-site"}), p2},
		"no principal":                  {post(nil, url.Values{auth.CSRFField: {p2.CSRFToken()}}, sameSite), auth.Principal{}},
	} {
		if err := check(c.r, c.p); code(err) != "csrf_failed" || !kerr.IsKind(err, kerr.Permission) {
			t.Errorf("%s: %v, want csrf_failed", name, err)
		}
	}
	// The public sign-in form has no session: only the headers count.
	if err := e.svc.CheckOrigin(post(nil, nil, map[string]string{"Origin": "https://evil.example"})); code(err) != "csrf_failed" {
		t.Errorf("CheckOrigin(cross-site) = %v", err)
	}
}

func TestPurge(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.IdleTimeout = time.Minute })
	s := e.mustSignIn("an.tran", anPassword)
	_, _ = e.signIn("an.tran", "sai mật khẩu rồi", "203.0.113.5")
	if n, err := auth.Purge(t.Context(), e.store, e.clock.Now()); n != 0 || err != nil {
		t.Fatalf("Purge with nothing expired = %d, %v", n, err)
	}
	e.clock.Add(25 * time.Hour)
	if n, err := auth.Purge(t.Context(), e.store, e.clock.Now()); n != 3 || err != nil { // the session, 2 throttle records
		t.Fatalf("Purge = %d, %v; want 3", n, err)
	}
	if _, err := e.store.SessionByHash(t.Context(), s.Session.Hash); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("expired session kept: %v", err)
	}
	if j := e.svc.PurgeJob(10 * time.Minute); j.Name != auth.PurgeJobName || j.Every != 10*time.Minute || j.Run == nil {
		t.Errorf("PurgeJob = %+v", j)
	}
}

func TestNewServiceRefuses(t *testing.T) {
	e := newEnv(t, nil)
	for name, cfg := range map[string]auth.Config{
		"no store":  {Tokens: e.store, Key: []byte(key32)},
		"short key": {Store: e.store, Tokens: e.store, Key: []byte("short")},
	} {
		if _, err := auth.NewService(cfg); code(err) != "invalid_auth_config" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUserAgentAndAddress(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36":      "Chrome trên Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/604": "Safari trên iPhone",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0":                       "Edge trên Windows",
		"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/130 CocCoc/130 Safari/537.36":                                    "Cốc Cốc trên Windows",
		"curl/8.5.0":                            "curl",
		"":                                      "Trình duyệt khác",
		"\x1b[31m" + strings.Repeat("x", 10000): "Trình duyệt khác",
	} {
		if got := auth.SummarizeUserAgent(ua); got != want {
			t.Errorf("SummarizeUserAgent(%.40q) = %q, want %q", ua, got, want)
		}
	}
	for ip, want := range map[string]string{
		"203.0.113.7":           "ip:203.0.113.7",
		"203.0.113.7:5555":      "ip:203.0.113.7",
		"::ffff:203.0.113.7":    "ip:203.0.113.7",
		"2001:db8:1:2:3:4:5:6":  "ip:2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:443": "ip:2001:db8:1:2::/64",
		"không phải địa chỉ":    "ip:unknown",
		"":                      "ip:unknown",
	} {
		if got := auth.IPKey(ip); got != want {
			t.Errorf("ipKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
