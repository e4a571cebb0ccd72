package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage/sqlite"
)

var tokenShape = regexp.MustCompile(`^kho_[a-z2-7]{13}_[a-z2-7]{52}$`)

func TestGenerate(t *testing.T) {
	now := time.Date(2025, 3, 1, 8, 30, 0, 123456789, time.FixedZone("ICT", 7*3600))
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		secret, tok, err := auth.Generate("001099012345", archive.RoleCitizen, "điện thoại", now)
		if err != nil {
			t.Fatal(err)
		}
		if !tokenShape.MatchString(secret) {
			t.Fatalf("token %q has the wrong shape", secret)
		}
		sum := sha256.Sum256([]byte(secret))
		if tok.Hash != hex.EncodeToString(sum[:]) || tok.Hash != auth.HashSecret(secret) {
			t.Fatalf("hash %s is not the SHA-256 of %s", tok.Hash, secret)
		}
		if !strings.HasPrefix(secret, "kho_"+tok.ID+"_") || tok.Subject != "001099012345" || tok.Role != archive.RoleCitizen || tok.Name != "điện thoại" {
			t.Fatalf("token = %+v", tok)
		}
		if !tok.CreatedAt.Equal(now.UTC().Truncate(time.Millisecond)) || tok.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v", tok.CreatedAt)
		}
		if seen[secret] || seen[tok.ID] {
			t.Fatal("a token or ID repeated")
		}
		seen[secret], seen[tok.ID] = true, true
	}
	for _, c := range []struct {
		subject string
		role    archive.Role
		name    string
		code    string
	}{
		{"", archive.RoleCitizen, "", "invalid_subject"},
		{"có dấu cách", archive.RoleStaff, "", "invalid_subject"},
		{"a\x00b", archive.RoleStaff, "", "invalid_subject"},
		{strings.Repeat("x", 129), archive.RoleStaff, "", "invalid_subject"},
		{"canbo", "root", "", "invalid_role"},
		{"canbo", archive.RoleStaff, "tab\there", "invalid_token_name"},
	} {
		_, _, err := auth.Generate(c.subject, c.role, c.name, time.Now())
		if ke := kerr.Outer(err); ke == nil || ke.Code != c.code || ke.Kind != kerr.Invalid {
			t.Errorf("Generate(%q, %q, %q) = %v, want %s", c.subject, c.role, c.name, err, c.code)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	now := time.Now()
	mk := func(role archive.Role, expires time.Time) (string, auth.Token) {
		secret, tok, err := auth.Generate("canbo01", role, "", now)
		if err != nil {
			t.Fatal(err)
		}
		tok.ExpiresAt = expires
		if err := store.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return secret, tok
	}
	good, goodTok := mk(archive.RoleStaff, time.Time{})
	later, _ := mk(archive.RoleAdmin, now.Add(time.Hour))
	expired, _ := mk(archive.RoleStaff, now.Add(-time.Second))
	revoked, revokedTok := mk(archive.RoleStaff, time.Time{})
	if err := store.RevokeToken(ctx, revokedTok.ID); err != nil {
		t.Fatal(err)
	}
	unknown, _, _ := auth.Generate("canbo01", archive.RoleStaff, "", now)

	tok, err := auth.Authenticate(ctx, store, "Bearer "+good, now)
	if err != nil || tok.ID != goodTok.ID || tok.Actor() != (archive.Actor{Subject: "canbo01", Role: archive.RoleStaff}) {
		t.Fatalf("good token: %+v, %v", tok, err)
	}
	if _, err := auth.Authenticate(ctx, store, "bearer "+later, now); err != nil {
		t.Fatalf("scheme is case-insensitive: %v", err)
	}
	for header, wrong := range map[string]bool{
		"":                             false,
		"Basic YWRtaW46YWRtaW4=":       false,
		"Bearer":                       false,
		"Bearer " + unknown:            true,
		"Bearer " + expired:            true,
		"Bearer " + revoked:            true,
		"Bearer " + good + "x":         true,
		"Bearer " + good[:len(good)-1]: true,
		"Bearer kho_x_y":               true,
		"Bearer " + goodTok.Hash:       true, // the stored hash is not a credential
	} {
		_, err := auth.Authenticate(ctx, store, header, now)
		ke := kerr.Outer(err)
		if ke == nil || ke.Kind != kerr.Unauthenticated || ke.Code != "unauthenticated" {
			t.Errorf("Authenticate(%q) = %v, want unauthenticated", header, err)
			continue
		}
		if strings.Contains(ke.Message, "Mã truy cập không hợp lệ") != wrong {
			t.Errorf("Authenticate(%q): message %q", header, ke.Message)
		}
	}
	// A token expiring later is refused once its time has come.
	if _, err := auth.Authenticate(ctx, store, "Bearer "+later, now.Add(2*time.Hour)); !kerr.IsKind(err, kerr.Unauthenticated) {
		t.Errorf("after expiry: %v", err)
	}
}
