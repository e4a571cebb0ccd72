// Package authtest is the conformance suite for auth.Store. Every metadata
// driver runs it:
//
//	authtest.RunAuth(t, func(t *testing.T) auth.Store { return openFresh(t) })
//
// open must return a new, empty store and arrange (with t.Cleanup) to close
// it. Times must come back in UTC truncated to the millisecond; a zero
// ExpiresAt must come back zero.
package authtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// RunAuth runs every conformance test against stores made by open. Each
// subtest opens its own fresh, empty store.
func RunAuth(t *testing.T, open func(t *testing.T) auth.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s auth.Store)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"Duplicates", testDuplicates},
		{"NotFound", testNotFound},
		{"Revoke", testRevoke},
		{"List", testList},
		{"ConcurrentCreate", testConcurrentCreate},
	}
	runSuite(t, open, tests)
}

// runSuite runs each test on a fresh store made by open.
func runSuite[S comparable](t *testing.T, open func(t *testing.T) S, tests []struct {
	name string
	fn   func(t *testing.T, s S)
}) {
	var none S
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == none {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

var ict = time.FixedZone("ICT", 7*3600)

func hashOf(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func token(id, subject string, role archive.Role) auth.Token {
	return auth.Token{
		ID:        id,
		Hash:      hashOf("kho_" + id + "_secret"),
		Subject:   subject,
		Role:      role,
		Name:      "Máy trạm một cửa — " + id,
		CreatedAt: time.Date(2026, 3, 14, 9, 26, 53, 589793238, ict),
	}
}

// want is what a store must return for tok.
func want(tok auth.Token) auth.Token {
	tok.CreatedAt = tok.CreatedAt.UTC().Truncate(time.Millisecond)
	if !tok.ExpiresAt.IsZero() {
		tok.ExpiresAt = tok.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	return tok
}

// same compares tokens by JSON encoding (which shows time zones and
// sub-millisecond digits) plus Hash (not in the encoding).
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
	if gt, ok := got.(auth.Token); ok {
		if gt.Hash != want.(auth.Token).Hash {
			t.Errorf("%s: Hash = %q, want %q", what, gt.Hash, want.(auth.Token).Hash)
		}
	}
}

func isKind(t *testing.T, what string, err error, kind kerr.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, kind)
		return
	}
	if k := kerr.KindOf(err); k != kind {
		t.Errorf("%s: error kind %v (%v), want %v", what, k, err, kind)
	}
}

func mustCreate(t *testing.T, s auth.Store, tok auth.Token) {
	t.Helper()
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", tok.ID, err)
	}
}

func find(t *testing.T, s auth.Store, hash string) auth.Token {
	t.Helper()
	tok, err := s.TokenByHash(t.Context(), hash)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	return tok
}

func testCreateAndFind(t *testing.T, s auth.Store) {
	citizen := token("tk1", "001090012345", archive.RoleCitizen)
	staff := token("tk2", "can-bo-01", archive.RoleStaff)
	staff.ExpiresAt = time.Date(2027, 1, 1, 0, 0, 0, 123456789, ict)
	staff.Agency = "000.00.31.H29" // an agency's staff token keeps its agency
	admin := token("tk3", "quan-tri", archive.RoleAdmin)
	admin.Name = ""
	for _, tok := range []auth.Token{citizen, staff, admin} {
		mustCreate(t, s, tok)
	}
	for _, tok := range []auth.Token{citizen, staff, admin} {
		got := find(t, s, tok.Hash)
		same(t, "TokenByHash("+tok.ID+")", got, want(tok))
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt is in %v, want UTC", got.CreatedAt.Location())
		}
	}
	if got := find(t, s, staff.Hash); got.Agency != "000.00.31.H29" || got.Actor().Agency != "000.00.31.H29" {
		t.Errorf("Agency = %q (actor %q), want 000.00.31.H29", got.Agency, got.Actor().Agency)
	}
	if got := find(t, s, citizen.Hash); !got.ExpiresAt.IsZero() {
		t.Errorf("a token without expiry came back expiring at %v", got.ExpiresAt)
	}
	if got := find(t, s, staff.Hash); got.ExpiresAt.Location() != time.UTC || got.ExpiresAt.Nanosecond() != 123_000_000 {
		t.Errorf("ExpiresAt = %v, want UTC with milliseconds", got.ExpiresAt)
	}
}

func testDuplicates(t *testing.T, s auth.Store) {
	ctx := t.Context()
	tok := token("dup", "001090012345", archive.RoleCitizen)
	mustCreate(t, s, tok)

	sameID := token("dup", "other", archive.RoleAdmin)
	sameID.Hash = hashOf("another secret")
	isKind(t, "CreateToken(same ID)", s.CreateToken(ctx, sameID), kerr.Conflict)
	sameHash := token("dup2", "other", archive.RoleAdmin)
	sameHash.Hash = tok.Hash
	isKind(t, "CreateToken(same hash)", s.CreateToken(ctx, sameHash), kerr.Conflict)

	same(t, "token after refused duplicates", find(t, s, tok.Hash), want(tok))
	if _, err := s.TokenByHash(ctx, sameID.Hash); kerr.KindOf(err) != kerr.NotFound {
		t.Errorf("a refused token is findable: %v", err)
	}
	ts, err := s.ListTokens(ctx)
	if err != nil || len(ts) != 1 {
		t.Errorf("ListTokens after refused duplicates = %d tokens, %v; want 1", len(ts), err)
	}
}

func testNotFound(t *testing.T, s auth.Store) {
	ctx := t.Context()
	_, err := s.TokenByHash(ctx, hashOf("nothing"))
	isKind(t, "TokenByHash(missing)", err, kerr.NotFound)
	isKind(t, "RevokeToken(missing)", s.RevokeToken(ctx, "nothing"), kerr.NotFound)
	mustCreate(t, s, token("present", "x", archive.RoleStaff))
	_, err = s.TokenByHash(ctx, hashOf("nothing"))
	isKind(t, "TokenByHash(missing, store not empty)", err, kerr.NotFound)
	if ts, err := s.ListTokens(ctx); err != nil || len(ts) != 1 {
		t.Errorf("ListTokens = %d, %v; want 1", len(ts), err)
	}
}

func testRevoke(t *testing.T, s auth.Store) {
	ctx := t.Context()
	a := token("a", "001090012345", archive.RoleCitizen)
	b := token("b", "001090012345", archive.RoleCitizen)
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	if err := s.RevokeToken(ctx, "a"); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	got := find(t, s, a.Hash)
	w := want(a)
	w.Revoked = true
	same(t, "revoked token", got, w)
	if find(t, s, b.Hash).Revoked {
		t.Error("revoking a revoked another token")
	}
	// Revoking twice is fine and keeps it revoked.
	if err := s.RevokeToken(ctx, "a"); err != nil {
		t.Fatalf("RevokeToken(again): %v", err)
	}
	if !find(t, s, a.Hash).Revoked {
		t.Error("token no longer revoked")
	}
}

func testList(t *testing.T, s auth.Store) {
	ctx := t.Context()
	if ts, err := s.ListTokens(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("ListTokens(empty) = %v, %v", ts, err)
	}
	order := []string{"m", "b", "z", "a", "k"}
	toks := map[string]auth.Token{}
	for _, id := range order {
		tok := token(id, "s-"+id, archive.RoleStaff)
		toks[id] = tok
		mustCreate(t, s, tok)
	}
	if err := s.RevokeToken(ctx, "z"); err != nil {
		t.Fatal(err)
	}
	ts, err := s.ListTokens(ctx)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	var ids []string
	for _, tok := range ts {
		ids = append(ids, tok.ID)
	}
	if fmt.Sprint(ids) != "[a b k m z]" {
		t.Fatalf("ListTokens IDs = %v, want [a b k m z]", ids)
	}
	for _, tok := range ts {
		w := want(toks[tok.ID])
		w.Revoked = tok.ID == "z"
		same(t, "listed "+tok.ID, tok, w)
	}
}

func testConcurrentCreate(t *testing.T, s auth.Store) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := token(fmt.Sprint("race", i), "x", archive.RoleStaff)
			tok.Hash = hashOf("the same secret")
			errs[i] = s.CreateToken(t.Context(), tok)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if kerr.KindOf(err) != kerr.Conflict {
			t.Errorf("CreateToken: %v, want nil or Conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d tokens with the same hash were created, want 1", ok)
	}
}
