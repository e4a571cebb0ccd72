package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/internal/kerr"
)

// Argon2Params are the cost parameters of argon2id (RFC 9106). They are
// written into every stored hash, so a hash made with older parameters
// still verifies, and NeedsRehash tells when to replace it.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2 are the parameters of new hashes: 64 MiB, 2 passes, one
// lane — about 80 ms for one hash on the 2-core development machine
// (docs/benchmarks.md, BenchmarkHashPassword), inside the 50–150 ms a
// sign-in may cost. RFC 9106's second recommendation is 64 MiB and 3
// passes; OWASP's floor is 19 MiB and 2 passes.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read back from a stored hash: a hash string is
// data, and a forged one must not make a sign-in allocate gigabytes or
// loop for minutes.
const (
	maxArgonMemory  = 1 << 20 // 1 GiB in KiB
	minArgonMemory  = 8       // argon2 needs 8 KiB per lane at least
	maxArgonTime    = 16
	maxArgonThreads = 16
	minSaltLen      = 8
	maxSaltLen      = 64
	minKeyLen       = 16
	maxKeyLen       = 64
	// MaxPHCLength bounds a PHC hash string before it is parsed.
	MaxPHCLength = 256
)

// Password limits. MaxPasswordBytes is checked before anything is hashed.
const (
	MinPasswordRunes = 10
	MaxPasswordBytes = 256
)

// phcPrefix starts every hash this package writes.
const phcPrefix = "$argon2id$v=19$"

var b64 = base64.RawStdEncoding

// hashCount counts argon2id computations; tests read it (export_test.go)
// to check that an unknown user costs a sign-in one hash, as a known one.
var hashCount atomic.Int64

// normalizePassword is the form a password is hashed in: NFC, so that the
// same Vietnamese password typed on systems that compose accents
// differently (NFC on most, NFD on some) is the same password.
func normalizePassword(pw string) []byte { return []byte(norm.NFC.String(pw)) }

// HashPassword returns the PHC string of password with params:
// $argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash> (unpadded standard base64).
// It does not apply the password rule (CheckPassword does); it refuses
// only a password over MaxPasswordBytes. Internal if randomness fails.
func HashPassword(password string, params Argon2Params) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", errPasswordTooLong()
	}
	salt := make([]byte, params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được mật khẩu; vui lòng thử lại.")
	}
	key := argonKey(password, salt, params)
	return formatPHC(params, salt, key), nil
}

func argonKey(password string, salt []byte, p Argon2Params) []byte {
	hashCount.Add(1)
	return argon2.IDKey(normalizePassword(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

func formatPHC(p Argon2Params, salt, key []byte) string {
	return phcPrefix + "m=" + strconv.FormatUint(uint64(p.Memory), 10) + ",t=" + strconv.FormatUint(uint64(p.Time), 10) +
		",p=" + strconv.FormatUint(uint64(p.Threads), 10) + "$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
}

// errBadHash is the error for a stored hash this package cannot read.
func errBadHash(detail string) error {
	return kerr.New(kerr.Integrity, "password_hash_invalid", "Dữ liệu mật khẩu của tài khoản bị hỏng; vui lòng liên hệ quản trị viên.", "%s", detail)
}

// ParsePHC reads a hash string HashPassword wrote: its parameters, salt
// and key. Integrity "password_hash_invalid" for anything else — another
// algorithm or version, parameters out of bounds, bad base64, a string
// over MaxPHCLength.
func ParsePHC(s string) (p Argon2Params, salt, key []byte, err error) {
	if len(s) > MaxPHCLength {
		return p, nil, nil, errBadHash("hash string too long")
	}
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return p, nil, nil, errBadHash("not an argon2id v=19 PHC string")
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return p, nil, nil, errBadHash("want parameters, salt and hash")
	}
	fields := strings.Split(parts[0], ",")
	if len(fields) != 3 {
		return p, nil, nil, errBadHash("want m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok || v == "" || len(v) > 10 || v[0] == '0' && len(v) > 1 {
			return p, nil, nil, errBadHash("bad parameter " + name)
		}
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil {
			return p, nil, nil, errBadHash("bad parameter " + name)
		}
		vals[i] = n
	}
	p.Memory, p.Time = uint32(vals[0]), uint32(vals[1])
	if vals[2] < 1 || vals[2] > maxArgonThreads || p.Time < 1 || p.Time > maxArgonTime ||
		p.Memory > maxArgonMemory || p.Memory < minArgonMemory*uint32(vals[2]) {
		return p, nil, nil, errBadHash("parameters out of bounds")
	}
	p.Threads = uint8(vals[2])
	// Even a strict decoder skips CR and LF: refuse them, or another
	// spelling of the same hash would parse.
	if strings.ContainsAny(parts[1], "\r\n") || strings.ContainsAny(parts[2], "\r\n") {
		return p, nil, nil, errBadHash("a line break in the salt or hash")
	}
	salt, err1 := b64.Strict().DecodeString(parts[1])
	key, err2 := b64.Strict().DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, errBadHash("bad salt or hash")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches the PHC string hash,
// comparing in constant time. An over-long password is false (never
// hashed); a hash that cannot be read is its Integrity error.
func VerifyPassword(password, hash string) (bool, error) {
	p, salt, key, err := ParsePHC(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	got := argonKey(password, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether hash was made with other parameters than
// want (or cannot be read): the caller then stores a new hash, made while
// the password is at hand after a successful sign-in.
func NeedsRehash(hash string, want Argon2Params) bool {
	p, _, _, err := ParsePHC(hash)
	return err != nil || p != want
}

func errPasswordTooLong() error {
	return kerr.New(kerr.Invalid, "password_too_long", "Mật khẩu quá dài (tối đa "+strconv.Itoa(MaxPasswordBytes)+" byte).",
		"password is over %d bytes", MaxPasswordBytes)
}

// CheckPassword applies the password rule to a new password for the
// account username: at least MinPasswordRunes characters, at most
// MaxPasswordBytes bytes, valid UTF-8 without control characters, and not
// the username (in any letter case, or with spaces around it). Invalid
// with codes "password_too_short", "password_too_long",
// "password_invalid" and "password_is_username".
func CheckPassword(username, password string) error {
	switch {
	case len(password) > MaxPasswordBytes:
		return errPasswordTooLong()
	case !utf8.ValidString(password) || strings.ContainsFunc(password, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return kerr.New(kerr.Invalid, "password_invalid", "Mật khẩu có ký tự không hợp lệ.", "password is not UTF-8 or has control characters")
	case utf8.RuneCountInString(norm.NFC.String(password)) < MinPasswordRunes:
		return kerr.New(kerr.Invalid, "password_too_short", "Mật khẩu phải có ít nhất "+strconv.Itoa(MinPasswordRunes)+" ký tự.",
			"password has fewer than %d characters", MinPasswordRunes)
	case username != "" && strings.EqualFold(strings.TrimSpace(password), username):
		return kerr.New(kerr.Invalid, "password_is_username", "Mật khẩu không được trùng với tên đăng nhập.", "password equals the username")
	}
	return nil
}

// hashSlots bounds how many argon2id hashes run at once in this process:
// each holds Memory KiB (64 MiB by default), so a burst of sign-ins waits
// for a slot instead of exhausting memory.
type hashSlots chan struct{}

func (h hashSlots) acquire(ctx context.Context) error {
	select {
	case h <- struct{}{}:
		return nil
	case <-ctx.Done():
		return kerr.Wrap(ctx.Err(), kerr.Unavailable, "sign_in_busy", "Hệ thống đang bận; vui lòng thử đăng nhập lại sau ít phút.")
	}
}

func (h hashSlots) release() { <-h }
