package auth_test

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// cheap are argon2id parameters that keep the tests fast; the algorithm
// and the format are the same as with the defaults.
var cheap = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phcShape = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashAndVerifyPassword(t *testing.T) {
	h, err := auth.HashPassword("mật khẩu rất dài 2026", auth.DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !phcShape.MatchString(h) {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if h2, _ := auth.HashPassword("mật khẩu rất dài 2026", auth.DefaultArgon2); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{
		"mật khẩu rất dài 2026":                    true,
		norm.NFD.String("mật khẩu rất dài 2026"):   true, // decomposed accents: the same password
		"mat khau rat dai 2026":                    false,
		"mật khẩu rất dài 2026 ":                   false,
		"":                                         false,
		strings.Repeat("x", auth.MaxPasswordBytes): false,
	} {
		ok, err := auth.VerifyPassword(pw, h)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	before := auth.HashCount()
	if ok, err := auth.VerifyPassword(strings.Repeat("x", auth.MaxPasswordBytes+1), h); ok || err != nil {
		t.Errorf("over-long password: %v, %v", ok, err)
	}
	if _, err := auth.HashPassword(strings.Repeat("x", auth.MaxPasswordBytes+1), cheap); kerr.Outer(err) == nil || kerr.Outer(err).Code != "password_too_long" {
		t.Errorf("HashPassword(over-long) = %v", err)
	}
	if n := auth.HashCount() - before; n != 0 {
		t.Errorf("an over-long password was hashed (%d hashes)", n)
	}
	if auth.NeedsRehash(h, auth.DefaultArgon2) {
		t.Error("NeedsRehash with the same parameters")
	}
	if !auth.NeedsRehash(h, cheap) || !auth.NeedsRehash("$2a$10$bcrypt", auth.DefaultArgon2) {
		t.Error("NeedsRehash missed other parameters or another algorithm")
	}
}

func TestParsePHCRefuses(t *testing.T) {
	good, _ := auth.HashPassword("mật khẩu rất dài", cheap)
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, hash
	salt, key := parts[4], parts[5]
	for _, s := range []string{
		"",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, // 4 GiB
		"$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=255$" + salt + "$" + key,
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10],
		"$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + strings.Repeat("A", 300),
	} {
		if _, _, _, err := auth.ParsePHC(s); kerr.Outer(err) == nil || kerr.Outer(err).Code != "password_hash_invalid" {
			t.Errorf("ParsePHC(%q) = %v, want password_hash_invalid", s, err)
		}
		if ok, err := auth.VerifyPassword("mật khẩu rất dài", s); ok || !kerr.IsKind(err, kerr.Integrity) {
			t.Errorf("VerifyPassword against %q = %v, %v", s, ok, err)
		}
	}
	if _, _, _, err := auth.ParsePHC(good); err != nil {
		t.Fatalf("ParsePHC(good) = %v", err)
	}
}

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct{ user, pw, code string }{
		{"canbo01", "mật khẩu đủ dài", ""},
		{"canbo01", "ngắn quá", "password_too_short"},
		{"canbo01", "ángẮnquá9", "password_too_short"}, // 9 characters, more bytes
		{"canbo01", strings.Repeat("a", auth.MaxPasswordBytes+1), "password_too_long"},
		{"canbo01234", "CANBO01234", "password_is_username"},
		{"canbo01234", " canbo01234 ", "password_is_username"},
		{"canbo01", "có\x00ký tự điều khiển", "password_invalid"},
		{"canbo01", "không hợp lệ \xff\xfe", "password_invalid"},
	} {
		err := auth.CheckPassword(c.user, c.pw)
		got := ""
		if ke := kerr.Outer(err); ke != nil {
			got = ke.Code
		} else if err != nil {
			got = err.Error()
		}
		if got != c.code {
			t.Errorf("CheckPassword(%q, %q) = %q, want %q", c.user, c.pw, got, c.code)
		}
	}
}

// FuzzParsePHC: ParsePHC never panics, and what it accepts is exactly the
// string HashPassword would have written for those parameters, salt and
// key (one spelling per hash).
func FuzzParsePHC(f *testing.F) {
	good, _ := auth.HashPassword("mật khẩu rất dài", cheap)
	for _, s := range []string{good, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "$argon2id$v=19$", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := auth.ParsePHC(s)
		if err != nil {
			if !kerr.IsKind(err, kerr.Integrity) {
				t.Fatalf("ParsePHC(%q) = %v, want an Integrity error", s, err)
			}
			return
		}
		if p.Memory > 1<<20 || p.Time > 16 || p.Threads > 16 || len(salt) > 64 || len(key) > 64 {
			t.Fatalf("ParsePHC(%q) accepted parameters out of bounds: %+v", s, p)
		}
		if got := auth.FormatPHC(p, salt, key); got != s {
			t.Fatalf("ParsePHC(%q) accepted another spelling of %q", s, got)
		}
	})
}
