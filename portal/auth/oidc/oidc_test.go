package oidc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kho-vn/kho/internal/testenv"
)

// site is Kho's side of a test: the two routes on a real HTTP server, a
// Client pointed at the test provider, and the identities OnSignIn got.
type site struct {
	t       *testing.T
	srv     *httptest.Server
	client  *Client
	key     []byte
	browser *http.Client // with a cookie jar; follows no redirect by itself

	mu  sync.Mutex
	ids []Identity
}

// newSite starts Kho's routes against the test provider; edit changes the
// client's configuration before it is made.
func newSite(t *testing.T, edit func(*Config)) *site {
	t.Helper()
	p := testenv.OIDCProvider(t)
	s := &site{t: t, key: make([]byte, 32)}
	rand.Read(s.key)
	mux := http.NewServeMux()
	h := &Handler{Log: slog.New(slog.DiscardHandler), OnSignIn: func(w http.ResponseWriter, r *http.Request, id Identity) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ids = append(s.ids, id)
		return nil
	}}
	h.Register(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	cfg := Config{
		Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: s.srv.URL + CallbackPath, CookieKey: s.key,
		InsecureCookie: true, // plain HTTP on loopback
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Client, s.client = c, c
	jar, _ := cookiejar.New(nil)
	s.browser = &http.Client{
		Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

func (s *site) identities() []Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identity(nil), s.ids...)
}

// do sends a request and returns the response with its body read.
func (s *site) do(method, u string, form url.Values) (*http.Response, []byte) {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.browser.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// redirect checks resp is a redirect and returns its target, resolved.
func (s *site) redirect(resp *http.Response, body []byte) string {
	s.t.Helper()
	if resp.StatusCode/100 != 3 {
		s.t.Fatalf("%s %s: status %d, want a redirect; body %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, body)
	}
	loc, err := resp.Location()
	if err != nil {
		s.t.Fatal(err)
	}
	return loc.String()
}

// start asks Kho to sign in and returns the provider's authorize URL.
func (s *site) start() string {
	s.t.Helper()
	return s.redirect(s.do("GET", s.srv.URL+LoginPath+"?"+ReturnParam+"=/kho-cua-toi", nil))
}

// atProvider walks the provider from its authorize URL: the login page,
// then user signs in (or, with user "", cancels). It returns the URL the
// provider sends the browser back to Kho with.
func (s *site) atProvider(authorize, user string) string {
	s.t.Helper()
	login := s.redirect(s.do("GET", authorize, nil))
	lu, _ := url.Parse(login)
	id := lu.Query().Get("authRequestID")
	if id == "" {
		s.t.Fatalf("provider sent the browser to %s, not its login page", login)
	}
	form := url.Values{"id": {id}}
	if user == "" {
		form.Set("cancel", "1")
	} else {
		form.Set("user", user)
	}
	next := s.redirect(s.do("POST", lu.Scheme+"://"+lu.Host+"/login", form))
	if user == "" {
		return next // error=access_denied straight back to Kho
	}
	return s.redirect(s.do("GET", next, nil)) // the provider's callback issues the code
}

// callback delivers the provider's answer to Kho.
func (s *site) callback(u string) (*http.Response, []byte) {
	s.t.Helper()
	if !strings.HasPrefix(u, s.srv.URL+CallbackPath+"?") {
		s.t.Fatalf("provider redirected to %s, not to Kho's callback", u)
	}
	return s.do("GET", u, nil)
}

// flowCookie is the flow cookie the browser holds now ("" = none).
func (s *site) flowCookie() string {
	u, _ := url.Parse(s.srv.URL + CallbackPath)
	for _, c := range s.browser.Jar.Cookies(u) {
		if c.Name == DefaultFlowCookieName {
			return c.Value
		}
	}
	return ""
}

func (s *site) setFlowCookie(v string) {
	u, _ := url.Parse(s.srv.URL + CallbackPath)
	s.browser.Jar.SetCookies(u, []*http.Cookie{{Name: DefaultFlowCookieName, Value: v, Path: DefaultFlowCookiePath}})
}

// wantError checks Kho answered status with code, a Vietnamese message,
// and that no one was signed in.
func (s *site) wantError(resp *http.Response, body []byte, status int, code string) {
	s.t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &e); err != nil {
		s.t.Fatalf("status %d, body %q is not the JSON error", resp.StatusCode, body)
	}
	if resp.StatusCode != status || e.Error.Code != code {
		s.t.Fatalf("got %d %s (%s), want %d %s", resp.StatusCode, e.Error.Code, e.Error.Message, status, code)
	}
	if !strings.Contains(e.Error.Message, "đăng nhập") && !strings.Contains(e.Error.Message, "định danh") {
		s.t.Errorf("message %q does not tell the person about the sign-in", e.Error.Message)
	}
	if ids := s.identities(); len(ids) != 0 {
		s.t.Fatalf("a failed sign-in still signed in %+v", ids)
	}
}

func TestSignInGivesTheVerifiedIdentity(t *testing.T) {
	s := newSite(t, nil)
	issuer := testenv.OIDCProvider(t).Issuer
	authorize := s.start()
	au, _ := url.Parse(authorize)
	q := au.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || len(q.Get("state")) != randomLen || len(q.Get("nonce")) != randomLen {
		t.Fatalf("authorize URL lacks PKCE S256, state or nonce: %s", authorize)
	}
	if s.flowCookie() == "" {
		t.Fatal("no flow cookie set by the login route")
	}
	resp, body := s.callback(s.atProvider(authorize, "cd-001"))
	if got := s.redirect(resp, body); got != s.srv.URL+"/kho-cua-toi" {
		t.Errorf("after sign-in went to %s, want /kho-cua-toi", got)
	}
	if s.flowCookie() != "" {
		t.Error("the flow cookie is still there after the callback")
	}
	ids := s.identities()
	if len(ids) != 1 {
		t.Fatalf("OnSignIn got %d identities, want 1", len(ids))
	}
	id := ids[0]
	if id.Issuer != issuer || id.Subject != "cd-001" || id.Name != "Nguyễn Văn An" ||
		id.CitizenID != "001090012345" || id.Email != "an.nguyen@example.vn" || !id.EmailVerified {
		t.Errorf("identity %+v", id)
	}
	if id.AuthTime.IsZero() || time.Since(id.AuthTime) > time.Minute {
		t.Errorf("auth time %v", id.AuthTime)
	}

	// A second person, without a citizen number: the claim stays empty.
	resp, body = s.callback(s.atProvider(s.start(), "cd-003"))
	s.redirect(resp, body)
	if ids := s.identities(); len(ids) != 2 || ids[1].Subject != "cd-003" || ids[1].CitizenID != "" || ids[1].Name != "Lê Minh Châu" {
		t.Errorf("second identity %+v", ids[1:])
	}
}

func TestClaimNamesAreConfigured(t *testing.T) {
	// The citizen number read from another claim name: the provider's
	// citizen_id is not taken, and an e-mail read as the name shows the
	// mapping is followed.
	s := newSite(t, func(c *Config) { c.CitizenIDClaim = "so_dinh_danh"; c.NameClaim = "email" })
	resp, body := s.callback(s.atProvider(s.start(), "cd-002"))
	s.redirect(resp, body)
	ids := s.identities()
	if len(ids) != 1 || ids[0].CitizenID != "" || ids[0].Name != "binh.tran@example.vn" {
		t.Fatalf("identities %+v", ids)
	}
}

func TestTamperedStateIsRefused(t *testing.T) {
	s := newSite(t, nil)
	back, _ := url.Parse(s.atProvider(s.start(), "cd-001"))
	q := back.Query()
	q.Set("state", randomToken())
	back.RawQuery = q.Encode()
	resp, body := s.callback(back.String())
	s.wantError(resp, body, http.StatusUnauthorized, CodeStateMismatch)
}

func TestTamperedFlowCookieIsRefused(t *testing.T) {
	s := newSite(t, nil)
	back := s.atProvider(s.start(), "cd-001")
	v := []byte(s.flowCookie())
	v[5] ^= 1 // one bit of the payload
	s.setFlowCookie(string(v))
	resp, body := s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeFlowInvalid)
}

func TestMissingFlowCookieIsRefused(t *testing.T) {
	s := newSite(t, nil)
	back := s.atProvider(s.start(), "cd-001")
	s.setFlowCookie("")
	resp, body := s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeFlowMissing)
}

func TestReplayedCallbackIsRefused(t *testing.T) {
	s := newSite(t, nil)
	back := s.atProvider(s.start(), "cd-001")
	cookie := s.flowCookie()
	resp, body := s.callback(back)
	s.redirect(resp, body)
	if len(s.identities()) != 1 {
		t.Fatal("the first callback did not sign in")
	}
	// The same callback again, with the flow cookie put back as an
	// attacker who copied both would: the provider refuses the used code.
	s.setFlowCookie(cookie)
	s.mu.Lock()
	s.ids = nil
	s.mu.Unlock()
	resp, body = s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeCodeInvalid)
	// And without the cookie (the browser dropped it): no flow.
	resp, body = s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeFlowMissing)
}

func TestWrongNonceIsRefused(t *testing.T) {
	s := newSite(t, nil)
	s.start()
	f, err := parseFlow(s.key, s.flowCookie(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The provider signs a token for this browser's state and verifier but
	// another sign-in's nonce: a token injected from elsewhere.
	oc, _, err := s.client.discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	authorize := oc.AuthCodeURL(f.State, oauth2.SetAuthURLParam("nonce", randomToken()), oauth2.S256ChallengeOption(f.Verifier))
	resp, body := s.callback(s.atProvider(authorize, "cd-001"))
	s.wantError(resp, body, http.StatusUnauthorized, CodeNonceMismatch)
}

func TestUnknownCodeIsRefused(t *testing.T) {
	s := newSite(t, nil)
	back, _ := url.Parse(s.atProvider(s.start(), "cd-001"))
	q := back.Query()
	q.Set("code", "not-a-code-the-provider-gave")
	back.RawQuery = q.Encode()
	resp, body := s.callback(back.String())
	s.wantError(resp, body, http.StatusUnauthorized, CodeCodeInvalid)

	resp, body = s.callback(s.srv.URL + CallbackPath + "?state=" + q.Get("state"))
	s.wantError(resp, body, http.StatusUnauthorized, CodeFlowMissing) // the refused callback used the flow up
}

func TestCallbackWithoutCodeIsRefused(t *testing.T) {
	s := newSite(t, nil)
	back, _ := url.Parse(s.atProvider(s.start(), "cd-001"))
	resp, body := s.callback(s.srv.URL + CallbackPath + "?state=" + back.Query().Get("state"))
	s.wantError(resp, body, http.StatusBadRequest, CodeCodeMissing)
}

func TestExpiredFlowAndTokenAreRefused(t *testing.T) {
	var shift atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }

	// The person took longer than FlowTTL at the provider.
	s := newSite(t, func(c *Config) { c.Now = now; c.FlowTTL = time.Minute })
	back := s.atProvider(s.start(), "cd-001")
	shift.Store(int64(2 * time.Minute))
	resp, body := s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeFlowExpired)

	// The ID token (5 minutes at the test provider) checked an hour later.
	shift.Store(0)
	s = newSite(t, func(c *Config) { c.Now = now; c.FlowTTL = 2 * time.Hour })
	back = s.atProvider(s.start(), "cd-001")
	shift.Store(int64(time.Hour))
	resp, body = s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeTokenExpired)
}

func TestCancelledAtProviderIsAccessDenied(t *testing.T) {
	s := newSite(t, nil)
	back := s.atProvider(s.start(), "")
	if u, _ := url.Parse(back); u.Query().Get("error") != "access_denied" {
		t.Fatalf("the provider answered %s, not error=access_denied", back)
	}
	resp, body := s.callback(back)
	s.wantError(resp, body, http.StatusUnauthorized, CodeCancelled)
}

// tamperToken is a transport that alters the ID token in the provider's
// token answers: a token changed on its way, which only the signature can
// tell.
type tamperToken struct{ base http.RoundTripper }

func (tt tamperToken) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := tt.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/oauth/token") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	parts := strings.Split(m["id_token"].(string), ".")
	// Another subject in the payload, the provider's signature kept.
	payload, _ := b64.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(`"cd-001"`), []byte(`"cd-002"`), 1)
	parts[1] = b64.EncodeToString(payload)
	m["id_token"] = strings.Join(parts, ".")
	b, _ = json.Marshal(m)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func TestBadSignatureIsRefused(t *testing.T) {
	s := newSite(t, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: tamperToken{base: http.DefaultTransport}}
	})
	resp, body := s.callback(s.atProvider(s.start(), "cd-001"))
	s.wantError(resp, body, http.StatusUnauthorized, CodeTokenSignature)
}

func TestWrongClientSecretIsAConfigurationError(t *testing.T) {
	s := newSite(t, func(c *Config) { c.ClientSecret = "not-the-secret" })
	resp, body := s.callback(s.atProvider(s.start(), "cd-001"))
	s.wantError(resp, body, http.StatusInternalServerError, CodeClientRejected)
}

func TestUnreachableProviderIsUnavailable(t *testing.T) {
	closed := "http://" + testenv.ClosedAddr(t) // nothing listens there
	s := newSite(t, func(c *Config) { c.Issuer = closed; c.Timeout = 2 * time.Second })
	resp, body := s.do("GET", s.srv.URL+LoginPath, nil)
	s.wantError(resp, body, http.StatusServiceUnavailable, CodeProviderUnavailable)
	if s.flowCookie() != "" {
		t.Error("a flow cookie was set though the provider is down")
	}
}

func TestOversizedProviderAnswerIsUnavailable(t *testing.T) {
	// Discovery's document is about 1.5 KiB; a 256-byte limit refuses it.
	s := newSite(t, func(c *Config) { c.MaxResponse = 256 })
	resp, body := s.do("GET", s.srv.URL+LoginPath, nil)
	s.wantError(resp, body, http.StatusServiceUnavailable, CodeProviderUnavailable)
}

func TestReturnPathStaysOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/kho-cua-toi?loc=1":                   "/kho-cua-toi?loc=1",
		"":                                     "/",
		"//evil.example/x":                     "/",
		"/\\evil.example":                      "/",
		"https://evil.example/":                "/",
		"/a b":                                 "/",
		"/a\r\nSet-Cookie: x=1":                "/",
		"/" + strings.Repeat("a", maxReturnTo): "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigIsChecked(t *testing.T) {
	good := Config{Issuer: "https://sso.example.vn", ClientID: "kho", ClientSecret: "s",
		RedirectURL: "https://kho.example.vn" + CallbackPath, CookieKey: make([]byte, 32)}
	if _, err := New(good); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for name, edit := range map[string]func(*Config){
		"no issuer":     func(c *Config) { c.Issuer = "" },
		"issuer scheme": func(c *Config) { c.Issuer = "ftp://x" },
		"no secret":     func(c *Config) { c.ClientSecret = "" },
		"no client":     func(c *Config) { c.ClientID = "" },
		"redirect":      func(c *Config) { c.RedirectURL = "/dang-nhap/oidc/callback" },
		"short key":     func(c *Config) { c.CookieKey = make([]byte, 16) },
	} {
		c := good
		edit(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadSecret(t *testing.T) {
	f := t.TempDir() + "/secret"
	if err := writeFile(f, "từ-tệp\n"); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSecret(f, "KHO_TEST_OIDC_UNSET"); err != nil || s != "từ-tệp" {
		t.Errorf("from file: %q, %v", s, err)
	}
	t.Setenv("KHO_TEST_OIDC_SECRET_ENV", "from-env")
	if s, err := LoadSecret("", "KHO_TEST_OIDC_SECRET_ENV"); err != nil || s != "from-env" {
		t.Errorf("from env: %q, %v", s, err)
	}
	if _, err := LoadSecret("", "KHO_TEST_OIDC_UNSET"); err == nil {
		t.Error("no secret anywhere was accepted")
	}
	if _, err := LoadSecret(f+".missing", ""); err == nil {
		t.Error("a missing file was accepted")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func TestLimitedBodyCutsLongAnswers(t *testing.T) {
	for _, c := range []struct {
		size int
		ok   bool
	}{{0, true}, {255, true}, {256, true}, {257, false}, {10000, false}} {
		b := &limitedBody{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", c.size))), left: 256}
		got, err := io.ReadAll(b)
		if c.ok && (err != nil || len(got) != c.size) {
			t.Errorf("%d bytes: %d read, %v", c.size, len(got), err)
		}
		if !c.ok && !errors.Is(err, errResponseTooLarge) {
			t.Errorf("%d bytes over a 256-byte limit: %d read, %v", c.size, len(got), err)
		}
	}
}

func TestProviderGoneBeforeTheExchangeIsUnavailable(t *testing.T) {
	// After discovery and the person's sign-in at the provider, Kho's
	// network to the provider goes: every dial then reaches a closed port.
	closed := testenv.ClosedAddr(t)
	var down atomic.Bool
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if down.Load() {
			addr = closed
		}
		return dialer.DialContext(ctx, network, addr)
	}}
	s := newSite(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	back := s.atProvider(s.start(), "cd-001")
	down.Store(true)
	resp, body := s.callback(back)
	s.wantError(resp, body, http.StatusServiceUnavailable, CodeProviderUnavailable)
}

func TestSilentProviderTimesOut(t *testing.T) {
	// A provider that takes the connection and never answers.
	silent := testenv.SilentServer(t)
	s := newSite(t, func(c *Config) { c.Issuer = "http://" + silent; c.Timeout = 300 * time.Millisecond })
	start := time.Now()
	resp, body := s.do("GET", s.srv.URL+LoginPath, nil)
	s.wantError(resp, body, http.StatusServiceUnavailable, CodeProviderUnavailable)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the sign-in waited %v for a silent provider (timeout 300ms)", d)
	}
}
