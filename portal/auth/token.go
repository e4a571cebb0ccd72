package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Token strings look like "kho_<id>_<secret>": id is 13 and secret 52
// characters of lowercase base32 (64 and 256 random bits).
const (
	tokenPrefix  = "kho_"
	idBytes      = 8
	secretBytes  = 32
	idChars      = 13 // base32 of 8 bytes, no padding
	secretChars  = 52 // base32 of 32 bytes, no padding
	tokenLength  = len(tokenPrefix) + idChars + 1 + secretChars
	maxSubject   = 128
	maxTokenName = 200
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Generate makes a new token for subject with role. It returns the secret
// token string (to show the user once) and the Token record to store, whose
// Hash is HashSecret(secret). Invalid "invalid_subject" or "invalid_role"
// for bad input; Internal if the system's random source fails.
func Generate(subject string, role archive.Role, name string, now time.Time) (secret string, t Token, err error) {
	if subject == "" || len(subject) > maxSubject || !utf8.ValidString(subject) || strings.IndexFunc(subject, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "", Token{}, kerr.New(kerr.Invalid, "invalid_subject", "Chủ thể của mã truy cập không hợp lệ.", "subject must be 1..%d bytes of UTF-8 without spaces or control characters", maxSubject)
	}
	if !role.Valid() {
		return "", Token{}, kerr.New(kerr.Invalid, "invalid_role", "Vai trò không hợp lệ (citizen, staff hoặc admin).", "unknown role %q", role)
	}
	if len(name) > maxTokenName || !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", Token{}, kerr.New(kerr.Invalid, "invalid_token_name", "Tên của mã truy cập không hợp lệ.", "token name must be at most %d bytes of UTF-8 without control characters", maxTokenName)
	}
	var buf [idBytes + secretBytes]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", Token{}, kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được mã truy cập; vui lòng thử lại.")
	}
	id := strings.ToLower(b32.EncodeToString(buf[:idBytes]))
	secret = tokenPrefix + id + "_" + strings.ToLower(b32.EncodeToString(buf[idBytes:]))
	t = Token{
		ID:        id,
		Hash:      HashSecret(secret),
		Subject:   subject,
		Role:      role,
		Name:      name,
		CreatedAt: now.UTC().Truncate(time.Millisecond),
	}
	return secret, t, nil
}

// HashSecret returns the lowercase hex SHA-256 of a token string: the only
// form in which tokens are stored.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether s has the shape Generate makes.
func wellFormed(s string) bool {
	if len(s) != tokenLength || !strings.HasPrefix(s, tokenPrefix) || s[len(tokenPrefix)+idChars] != '_' {
		return false
	}
	for i := len(tokenPrefix); i < len(s); i++ {
		c := s[i]
		if i == len(tokenPrefix)+idChars {
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// unauthenticated is the error for missing (invalid false) or wrong
// credentials; both have the code "unauthenticated".
func unauthenticated(invalid bool, detail string) error {
	msg := "Bạn cần đăng nhập để thực hiện thao tác này."
	if invalid {
		msg = "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."
	}
	return kerr.New(kerr.Unauthenticated, "unauthenticated", msg, "%s", detail)
}

// Authenticate checks the value of an Authorization header ("Bearer
// <token>") and returns the stored token. The token is looked up by its
// hash, so the work done does not depend on how much of a guess is right;
// malformed tokens are hashed and looked up like any other. Unauthenticated
// (code "unauthenticated") when no credentials are given or they are wrong,
// expired or revoked — the message and detail tell which; the store's own
// error (e.g. Unavailable) when it cannot answer.
func Authenticate(ctx context.Context, store Store, header string, now time.Time) (Token, error) {
	if header == "" {
		return Token{}, unauthenticated(false, "no Authorization header")
	}
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Token{}, unauthenticated(false, "the Authorization header must use the Bearer scheme")
	}
	secret = strings.TrimSpace(secret)
	hash := HashSecret(secret)
	t, err := store.TokenByHash(ctx, hash)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Token{}, unauthenticated(true, "unknown token")
		}
		return Token{}, err
	}
	switch {
	case subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1 || !wellFormed(secret):
		return Token{}, unauthenticated(true, "unknown token")
	case t.Revoked:
		return Token{}, unauthenticated(true, "token revoked")
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return Token{}, unauthenticated(true, "token expired")
	case !t.Role.Valid():
		return Token{}, unauthenticated(true, "token has an unknown role")
	}
	return t, nil
}

// Actor returns the archive actor a token acts as.
func (t Token) Actor() archive.Actor {
	return archive.Actor{Subject: t.Subject, Role: t.Role, Agency: t.Agency}
}

// ForAgency returns t acting for the agency code (mã định danh cơ quan,
// e.g. 000.00.31.H29); "" leaves it without one. Invalid
// "invalid_agency_code" for another shape, "agency_for_citizen" for a
// citizen's token.
func (t Token) ForAgency(code string) (Token, error) {
	if code == "" {
		return t, nil
	}
	if !archive.ValidAgencyCode(code) {
		return Token{}, kerr.New(kerr.Invalid, "invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "agency code %q", code)
	}
	if t.Role == archive.RoleCitizen {
		return Token{}, kerr.New(kerr.Invalid, "agency_for_citizen", "Chỉ mã truy cập của cán bộ hoặc quản trị viên mới gắn với cơ quan.", "a citizen token acts for no agency")
	}
	t.Agency = code
	return t, nil
}
