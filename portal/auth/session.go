package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Session is one signed-in browser of an account. The secret in the
// cookie is never stored: Hash is the lowercase hex SHA-256 of its 32
// random bytes.
type Session struct {
	Hash string `json:"-"`
	// ID is public (shown in the list of one's sessions, used to revoke
	// one); it is not the secret and does not find the session from a
	// cookie.
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	CreatedAt time.Time `json:"createdAt"`
	// LastSeen is updated at most once per Config.TouchEvery, not on every
	// request.
	LastSeen time.Time `json:"lastSeen"`
	// ExpiresAt is the earlier of CreatedAt+Lifetime and
	// LastSeen+IdleTimeout, moved on with LastSeen; PurgeExpired deletes
	// by it.
	ExpiresAt time.Time `json:"expiresAt"`
	// UserAgent is a short summary ("Chrome trên Android"), IP the
	// client's address when it signed in.
	UserAgent string `json:"userAgent,omitempty"`
	IP        string `json:"ip,omitempty"`
}

// SessionStore keeps sessions. Error kinds: Conflict "session_exists",
// NotFound "session_not_found", Unavailable, Internal. Times come back
// in UTC, truncated to milliseconds.
type SessionStore interface {
	// CreateSession inserts s. Conflict if its Hash or ID exists.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns the session with that hash (expired or not).
	SessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession sets the LastSeen and ExpiresAt of the session hash.
	// NotFound if it is gone.
	TouchSession(ctx context.Context, hash string, lastSeen, expiresAt time.Time) error
	// ListSessions returns up to limit (1..1000) sessions of username,
	// oldest first (by CreatedAt, then ID), expired ones included; read
	// through an index on (username, createdAt).
	ListSessions(ctx context.Context, username string, limit int) ([]Session, error)
	// DeleteSession deletes the session id if it belongs to username.
	// NotFound otherwise.
	DeleteSession(ctx context.Context, username, id string) error
}

// ThrottleStore keeps the counts of failed sign-ins and the used nonces of
// challenge tokens; every record expires and PurgeExpired removes it.
type ThrottleStore interface {
	// AddFailure counts one failure under key at at and returns the
	// record: Failures+1 and Last=at, or Failures=1 when there was no
	// record or it had expired (ExpiresAt <= at); ExpiresAt becomes
	// expiresAt. One atomic change of one record.
	AddFailure(ctx context.Context, key string, at, expiresAt time.Time) (Throttle, error)
	// GetThrottle returns the record of key. NotFound "throttle_not_found".
	GetThrottle(ctx context.Context, key string) (Throttle, error)
	// ClearThrottle deletes the record of key; none is fine.
	ClearThrottle(ctx context.Context, key string) error
	// UseNonce records nonce as used until expiresAt. Conflict
	// "nonce_used" if it is recorded already.
	UseNonce(ctx context.Context, nonce string, expiresAt time.Time) error
	// PurgeExpired deletes up to limit sessions, up to limit throttle
	// records and up to limit nonces whose ExpiresAt is at or before
	// before, through indexes on their expiry, and returns how many it
	// deleted in all.
	PurgeExpired(ctx context.Context, before time.Time, limit int) (int, error)
}

// SignInStore is what the sign-in Service needs of the metadata store.
// storage/sqlite and storage/mongo implement it; authtest.RunSignIn is
// its conformance suite.
type SignInStore interface {
	AccountStore
	SessionStore
	ThrottleStore
}

// Throttle is the count of recent failed sign-ins under one key
// ("account:<username>" or "ip:<address or /64>").
type Throttle struct {
	Key       string    `json:"key"`
	Failures  int       `json:"failures"`
	Last      time.Time `json:"last"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// MaxListSessions bounds one ListSessions.
const MaxListSessions = 1000

// The session secret: 32 random bytes, unpadded base64url in the cookie.
const (
	sessionSecretBytes = 32
	sessionCookieChars = 43
	sessionIDBytes     = 10 // the public ID: 16 characters of base32
)

var b64url = base64.RawURLEncoding

// newSessionSecret returns a cookie value and the hash stored for it.
func newSessionSecret() (value, hash string, err error) {
	var b [sessionSecretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được phiên đăng nhập; vui lòng thử lại.")
	}
	sum := sha256.Sum256(b[:])
	return b64url.EncodeToString(b[:]), hex.EncodeToString(sum[:]), nil
}

// ParseSessionCookie checks the shape of a session cookie's value (43
// characters of unpadded base64url, 32 bytes) and returns the hash the
// session is stored under; ok is false for anything else, which is then
// never looked up.
func ParseSessionCookie(value string) (hash string, ok bool) {
	if len(value) != sessionCookieChars {
		return "", false
	}
	b, err := b64url.Strict().DecodeString(value)
	if err != nil || len(b) != sessionSecretBytes {
		return "", false
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), true
}

func newSessionID() (string, error) {
	var b [sessionIDBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được phiên đăng nhập; vui lòng thử lại.")
	}
	return strings.ToLower(b32.EncodeToString(b[:])), nil
}

// CookieName is the session cookie's name: with the __Host- prefix when
// the cookie is Secure (the browser then requires Secure, Path=/ and no
// Domain: no subdomain can set or shadow it). A plain-HTTP server (tests
// and the demo on loopback) cannot use the prefix.
func CookieName(secure bool) string {
	if secure {
		return "__Host-kho_session"
	}
	return "kho_session"
}

// summarizeUserAgent returns a short Vietnamese summary of a User-Agent
// header for the list of one's sessions ("Firefox trên Windows"): the
// header itself is long, unreadable and attacker-chosen, so it is not
// kept. Only the first 512 bytes are looked at.
func summarizeUserAgent(ua string) string {
	if len(ua) > 512 {
		ua = ua[:512]
	}
	browser := "Trình duyệt khác"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"CocCoc", "Cốc Cốc"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	osName := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			osName = o.name
			break
		}
	}
	if osName == "" {
		return browser
	}
	return browser + " trên " + osName
}

// parseIP reads a client address, with or without a port.
func parseIP(ip string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(ip)
		if err2 != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// ipKey is the address a throttle counts under: an IPv4 address, or the
// /64 network of an IPv6 address (one subscriber usually has a whole /64).
func ipKey(ip string) string {
	a, ok := parseIP(ip)
	if !ok {
		return "ip:unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// cookieValue returns the value of the request's session cookie, "" if
// none. Only the first cookie of that name counts.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
