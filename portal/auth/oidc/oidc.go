// Package oidc signs people in with OpenID Connect, as VNeID works: the
// authorization code flow with PKCE (S256), state and nonce. A Client
// discovers the provider, builds the redirect to it and turns the
// provider's callback into a verified Identity; Handler serves the pair of
// routes /dang-nhap/oidc and /dang-nhap/oidc/callback and hands the
// Identity to the session layer through its OnSignIn hook.
//
// Nothing is kept on the server between the redirect and the callback: the
// state, nonce and PKCE verifier travel in a short-lived cookie sealed with
// HMAC-SHA256 under Config.CookieKey, so any Kho process behind a load
// balancer can take the callback. Every failure is a kerr error with a
// stable code (the Code* constants) and a Vietnamese message.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Defaults of Config's optional fields.
const (
	DefaultFlowTTL         = 10 * time.Minute
	DefaultTimeout         = 10 * time.Second
	DefaultMaxResponse     = 1 << 20 // 1 MiB: discovery, keys and token answers are a few KiB
	DefaultCitizenIDClaim  = "citizen_id"
	DefaultNameClaim       = "name"
	DefaultEmailClaim      = "email"
	DefaultFlowCookieName  = "kho_oidc"
	DefaultFlowCookiePath  = "/dang-nhap/oidc"
	minCookieKeyLen        = 32
	maxClaimLen            = 256
	maxSubjectLen          = 255 // OpenID Connect Core §2: at most 255 ASCII characters
	citizenIDPatternString = `^[0-9]{12}$`
)

// citizenIDPattern is the form of a Vietnamese personal identification
// number (số định danh cá nhân): 12 digits.
var citizenIDPattern = regexp.MustCompile(citizenIDPatternString)

// Config is how to reach one OpenID Connect provider. Issuer, ClientID,
// ClientSecret, RedirectURL and CookieKey are required.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer + "/.well-known/openid-configuration".
	Issuer       string
	ClientID     string
	ClientSecret string // read with LoadSecret, never from a flag
	// RedirectURL is this site's callback URL as registered at the
	// provider, e.g. https://kho.example.vn/dang-nhap/oidc/callback.
	RedirectURL string
	// Scopes asked for besides "openid"; default profile and email.
	Scopes []string
	// The claim names of the person's citizen ID number, name and e-mail
	// (defaults citizen_id, name, email). VNeID's citizen-number claim has
	// its own name: set CitizenIDClaim to it.
	CitizenIDClaim, NameClaim, EmailClaim string
	// CookieKey seals the flow cookie: at least 32 random bytes, the same
	// in every process behind one load balancer.
	CookieKey []byte
	// InsecureCookie drops the Secure attribute of the flow cookie, for a
	// server on plain HTTP on loopback (tests, the demo). Never in
	// production.
	InsecureCookie bool
	// FlowTTL is how long a person has at the provider (default 10 min).
	FlowTTL time.Duration
	// Timeout bounds each call to the provider (default 10 s) and
	// MaxResponse the size of each of its answers (default 1 MiB).
	Timeout     time.Duration
	MaxResponse int64
	// HTTPClient, when set, is used to reach the provider (its Timeout
	// and transport are wrapped by the limits above). Tests set it.
	HTTPClient *http.Client
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

// Identity is a person the provider vouched for, from a verified ID token.
// The session layer turns it into a session after matching it with an
// account.
type Identity struct {
	Issuer    string `json:"issuer"`
	Subject   string `json:"subject"`             // the provider's stable ID of the person
	Name      string `json:"name,omitempty"`      // from Config.NameClaim
	CitizenID string `json:"citizenId,omitempty"` // from Config.CitizenIDClaim: 12 digits, or "" when absent
	Email     string `json:"email,omitempty"`     // from Config.EmailClaim
	// EmailVerified is the provider's email_verified claim.
	EmailVerified bool `json:"emailVerified,omitempty"`
	// AuthTime is when the person authenticated at the provider (zero
	// when the provider does not say).
	AuthTime time.Time `json:"authTime,omitzero"`
}

// Client is an OpenID Connect relying party for one provider. It is safe
// for concurrent use. Discovery happens on first use and is retried on the
// next request while the provider cannot be reached.
type Client struct {
	cfg  Config
	http *http.Client

	mu       sync.Mutex
	provider *gooidc.Provider
	oauth    oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

// New checks cfg and returns a Client. It does not reach the provider.
func New(cfg Config) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.FlowTTL <= 0 {
		cfg.FlowTTL = DefaultFlowTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = DefaultMaxResponse
	}
	if cfg.CitizenIDClaim == "" {
		cfg.CitizenIDClaim = DefaultCitizenIDClaim
	}
	if cfg.NameClaim == "" {
		cfg.NameClaim = DefaultNameClaim
	}
	if cfg.EmailClaim == "" {
		cfg.EmailClaim = DefaultEmailClaim
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{gooidc.ScopeOpenID, "profile", "email"}
	} else if !containsString(cfg.Scopes, gooidc.ScopeOpenID) {
		cfg.Scopes = append([]string{gooidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	hc := &http.Client{
		Timeout:   cfg.Timeout,
		Transport: limitTransport{base: base, max: cfg.MaxResponse},
		// The provider's endpoints answer directly; a redirect is not
		// followed (it could lead anywhere).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cfg.CookieKey = append([]byte(nil), cfg.CookieKey...)
	return &Client{cfg: cfg, http: hc}, nil
}

func (cfg Config) check() error {
	bad := func(format string, args ...any) error {
		return kerr.New(kerr.Invalid, "oidc_config_invalid",
			"Cấu hình đăng nhập OpenID Connect không hợp lệ.", format, args...)
	}
	u, err := url.Parse(cfg.Issuer)
	if cfg.Issuer == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("issuer %q must be an absolute http(s) URL", cfg.Issuer)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return bad("client ID and client secret are required")
	}
	r, err := url.Parse(cfg.RedirectURL)
	if cfg.RedirectURL == "" || err != nil || (r.Scheme != "https" && r.Scheme != "http") || r.Host == "" {
		return bad("redirect URL %q must be an absolute http(s) URL", cfg.RedirectURL)
	}
	if len(cfg.CookieKey) < minCookieKeyLen {
		return bad("cookie key has %d bytes; at least %d are needed", len(cfg.CookieKey), minCookieKeyLen)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// LoadSecret returns the client secret from the file at path when path is
// not empty (its trailing line break removed), else from the environment
// variable env. Either way the secret never appears in the process list.
func LoadSecret(path, env string) (string, error) {
	var s string
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", kerr.Wrap(err, kerr.Invalid, "oidc_secret_unreadable",
				"Không đọc được tệp khoá bí mật OpenID Connect.")
		}
		s = strings.TrimRight(string(b), "\r\n")
	} else if env != "" {
		s = os.Getenv(env)
	}
	if s == "" {
		return "", kerr.New(kerr.Invalid, "oidc_secret_missing",
			"Chưa cấu hình khoá bí mật OpenID Connect.", "no secret in file %q nor in $%s", path, env)
	}
	return s, nil
}

// discover returns the provider's OAuth2 configuration and ID token
// verifier, discovering them on first use. A provider that cannot be
// reached gives an Unavailable error; the next call tries again.
func (c *Client) discover(ctx context.Context) (oauth2.Config, *gooidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.oauth, c.verifier, nil
	}
	// The provider keeps this context for its key set's later fetches: it
	// carries our bounded client, and no deadline of one request.
	pctx := gooidc.ClientContext(context.WithoutCancel(ctx), c.http)
	dctx, cancel := context.WithTimeout(pctx, c.cfg.Timeout)
	defer cancel()
	p, err := gooidc.NewProvider(gooidc.ClientContext(dctx, c.http), c.cfg.Issuer)
	if err != nil {
		return oauth2.Config{}, nil, errUnavailable(fmt.Errorf("discovery at %s: %w", c.cfg.Issuer, err))
	}
	// NewProvider used dctx for its key set; rebuild the verifier on pctx
	// so key fetches outlive this request.
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := p.Claims(&meta); err != nil || meta.JWKS == "" {
		return oauth2.Config{}, nil, errUnavailable(fmt.Errorf("discovery at %s: no jwks_uri", c.cfg.Issuer))
	}
	keys := gooidc.NewRemoteKeySet(pctx, meta.JWKS)
	c.provider = p
	c.oauth = oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: c.cfg.RedirectURL, Scopes: c.cfg.Scopes,
	}
	c.verifier = gooidc.NewVerifier(c.cfg.Issuer, keys, &gooidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now})
	return c.oauth, c.verifier, nil
}

// Start begins a sign-in that returns to returnTo (a local path; anything
// else becomes "/"): it returns the URL to send the browser to and the
// flow cookie to set.
func (c *Client) Start(ctx context.Context, returnTo string) (authURL string, cookie *http.Cookie, err error) {
	oc, _, err := c.discover(ctx)
	if err != nil {
		return "", nil, err
	}
	f := flow{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: localPath(returnTo),
		Expires:  c.cfg.Now().Add(c.cfg.FlowTTL).Unix(),
	}
	u := oc.AuthCodeURL(f.State, gooidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return u, c.flowCookie(f.seal(c.cfg.CookieKey), int(c.cfg.FlowTTL/time.Second)), nil
}

// flowCookie is the flow cookie with value, or its removal (maxAge < 0).
func (c *Client) flowCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: DefaultFlowCookieName, Value: value, Path: DefaultFlowCookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: !c.cfg.InsecureCookie,
		// Lax: the callback is a top-level navigation from the provider's
		// site, on which Lax cookies are sent.
		SameSite: http.SameSiteLaxMode,
	}
}

// ClearCookie is the Set-Cookie that removes the flow cookie.
func (c *Client) ClearCookie() *http.Cookie { return c.flowCookie("", -1) }

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return b64.EncodeToString(b[:])
}

// Finish completes a sign-in from the callback request r: it checks the
// flow cookie and the state, exchanges the code (with the PKCE verifier),
// verifies the ID token (signature, issuer, audience, expiry, nonce,
// access-token hash) and returns the person and the local path to return
// to. The caller must clear the flow cookie whatever the outcome
// (ClearCookie). Errors carry the Code* codes.
func (c *Client) Finish(ctx context.Context, r *http.Request) (Identity, string, error) {
	ck, err := r.Cookie(DefaultFlowCookieName)
	if err != nil || ck.Value == "" {
		return Identity{}, "", errFlowMissing()
	}
	f, err := parseFlow(c.cfg.CookieKey, ck.Value, c.cfg.Now())
	if err != nil {
		return Identity{}, "", err
	}
	q := r.URL.Query()
	if !hmacEqualString(q.Get("state"), f.State) {
		return Identity{}, "", errStateMismatch()
	}
	if e := q.Get("error"); e != "" {
		desc := textrule.Replace(truncate(q.Get("error_description"), maxClaimLen), '?')
		if e == "access_denied" {
			return Identity{}, "", errCancelled(desc)
		}
		return Identity{}, "", errProvider(textrule.Replace(truncate(e, 64), '?'), desc)
	}
	code := q.Get("code")
	if code == "" {
		return Identity{}, "", errCodeMissing()
	}
	oc, verifier, err := c.discover(ctx)
	if err != nil {
		return Identity{}, "", err
	}
	tok, err := oc.Exchange(gooidc.ClientContext(ctx, c.http), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Identity{}, "", exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", errTokenMissing()
	}
	idt, err := verifier.Verify(gooidc.ClientContext(ctx, c.http), raw)
	if err != nil {
		return Identity{}, "", verifyError(err)
	}
	if !hmacEqualString(idt.Nonce, f.Nonce) {
		return Identity{}, "", errNonceMismatch()
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, "", errTokenInvalid(err)
		}
	}
	id, err := c.identity(idt)
	if err != nil {
		return Identity{}, "", err
	}
	return id, f.ReturnTo, nil
}

// exchangeError classifies a failed code exchange.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch re.ErrorCode {
		case "invalid_grant":
			return errCodeInvalid(err)
		case "invalid_client", "unauthorized_client":
			return errClientRejected(err)
		}
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return errUnavailable(err)
		}
		return errCodeInvalid(err)
	}
	return errUnavailable(err)
}

// verifyError classifies a failed ID token verification. go-oidc types
// only the expiry; the rest is told apart by its text, checked by the
// tests against the real provider.
func verifyError(err error) error {
	var exp *gooidc.TokenExpiredError
	var ne net.Error
	switch {
	case errors.As(err, &exp):
		return errTokenExpired(err)
	case errors.As(err, &ne), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errResponseTooLarge):
		return errUnavailable(err) // the key set could not be fetched
	case strings.Contains(err.Error(), "signature"):
		return errTokenSignature(err)
	}
	return errTokenInvalid(err)
}

// identity reads the person's claims from a verified ID token.
func (c *Client) identity(t *gooidc.IDToken) (Identity, error) {
	if t.Subject == "" || len(t.Subject) > maxSubjectLen || !utf8.ValidString(t.Subject) {
		return Identity{}, errClaim("sub", "missing or longer than 255 bytes")
	}
	if i, _ := textrule.Find(t.Subject, false); i >= 0 {
		return Identity{}, errClaim("sub", "has a control or bidi character")
	}
	var claims map[string]any
	if err := t.Claims(&claims); err != nil {
		return Identity{}, errClaim("*", err.Error())
	}
	id := Identity{Issuer: t.Issuer, Subject: t.Subject}
	var err error
	if id.Name, err = stringClaim(claims, c.cfg.NameClaim); err != nil {
		return Identity{}, err
	}
	if id.Email, err = stringClaim(claims, c.cfg.EmailClaim); err != nil {
		return Identity{}, err
	}
	if id.CitizenID, err = stringClaim(claims, c.cfg.CitizenIDClaim); err != nil {
		return Identity{}, err
	}
	if id.CitizenID != "" && !citizenIDPattern.MatchString(id.CitizenID) {
		return Identity{}, errClaim(c.cfg.CitizenIDClaim, "not 12 digits")
	}
	if v, ok := claims["email_verified"].(bool); ok {
		id.EmailVerified = v
	}
	if at, ok := claims["auth_time"].(float64); ok && at > 0 {
		id.AuthTime = time.Unix(int64(at), 0).UTC()
	}
	return id, nil
}

// stringClaim returns claim name of claims: "" when absent, an error when
// it is not a string, too long, or has a control or bidi character.
func stringClaim(claims map[string]any, name string) (string, error) {
	v, ok := claims[name]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errClaim(name, "not a string")
	}
	if len(s) > maxClaimLen || !utf8.ValidString(s) {
		return "", errClaim(name, "too long or not UTF-8")
	}
	if i, _ := textrule.Find(s, false); i >= 0 {
		return "", errClaim(name, "has a control or bidi character")
	}
	return strings.TrimSpace(s), nil
}

// hmacEqualString compares a and b in time independent of their contents.
func hmacEqualString(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// errResponseTooLarge is the error of a provider answer over MaxResponse.
var errResponseTooLarge = errors.New("oidc: the provider's answer is over the size limit")

// limitTransport cuts every response body at max bytes: reading past it
// fails with errResponseTooLarge instead of growing memory.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w (%d bytes declared)", errResponseTooLarge, resp.ContentLength)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
