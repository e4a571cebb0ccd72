// Package formstest is the conformance suite for forms.Store. Every
// metadata driver (storage/sqlite, storage/mongo) runs it:
//
//	func TestFormsConformance(t *testing.T) {
//		formstest.Run(t, func(t *testing.T) forms.Store { return openFresh(t) })
//	}
//
// open must return a new, empty store and arrange (with t.Cleanup) to
// close it. Times must come back in UTC truncated to the millisecond, and
// bytes (sealed drafts, definition bodies) byte for byte.
package formstest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) forms.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s forms.Store)
	}{
		{"DraftCreateGet", testDraftCreateGet},
		{"DraftUpdateGuarded", testDraftUpdateGuarded},
		{"DraftUpdateConcurrent", testDraftUpdateConcurrent},
		{"DraftListDelete", testDraftListDelete},
		{"DraftExpiredSweep", testDraftExpiredSweep},
		{"DefinitionPutGet", testDefinitionPutGet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var base = time.Date(2026, 11, 23, 10, 0, 0, 123_456_789, time.FixedZone("ICT", 7*3600))

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func draft(id, owner, form string, at time.Time) forms.StoredDraft {
	return forms.StoredDraft{ID: id, OwnerID: owner, Form: form, Version: 1,
		Sealed:    []byte{0x01, 0x00, 0xff, 'x', 0x80, 0x00},
		CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(30 * 24 * time.Hour), Rev: 1}
}

func equalDraft(t *testing.T, got, want forms.StoredDraft) {
	t.Helper()
	want.CreatedAt, want.UpdatedAt, want.ExpiresAt = ms(want.CreatedAt), ms(want.UpdatedAt), ms(want.ExpiresAt)
	if got.ID != want.ID || got.OwnerID != want.OwnerID || got.Form != want.Form || got.Version != want.Version ||
		!bytes.Equal(got.Sealed, want.Sealed) || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
		!got.ExpiresAt.Equal(want.ExpiresAt) || got.Rev != want.Rev || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("draft\n got %+v\nwant %+v", got, want)
	}
}

func wantKind(t *testing.T, err error, k kerr.Kind, what string) {
	t.Helper()
	if !kerr.IsKind(err, k) {
		t.Fatalf("%s: %v, want kind %v", what, err, k)
	}
}

func testDraftCreateGet(t *testing.T, s forms.Store) {
	ctx := t.Context()
	d := draft("aaaaaaaaaaaaaaaaaaaaaaaaaa", "001099012345", "TK_KHAI_SINH", base)
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDraft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	equalDraft(t, got, d)
	wantKind(t, s.CreateDraft(ctx, d), kerr.Conflict, "create twice")
	_, err = s.GetDraft(ctx, "bbbbbbbbbbbbbbbbbbbbbbbbbb")
	wantKind(t, err, kerr.NotFound, "get missing")
}

func testDraftUpdateGuarded(t *testing.T, s forms.Store) {
	ctx := t.Context()
	d := draft("aaaaaaaaaaaaaaaaaaaaaaaaaa", "001099012345", "TK_KHAI_SINH", base)
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	u := d
	u.Version, u.Sealed, u.UpdatedAt, u.ExpiresAt, u.Rev = 2, []byte("new sealed bytes"), base.Add(time.Hour), base.Add(time.Hour+24*time.Hour), 2
	// What never changes is kept whatever the update says.
	u.OwnerID, u.Form, u.CreatedAt = "079088000123", "OTHER", base.Add(time.Minute)
	if err := s.UpdateDraft(ctx, u, 1); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDraft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.OwnerID, want.Form, want.CreatedAt = d.OwnerID, d.Form, d.CreatedAt
	equalDraft(t, got, want)
	wantKind(t, s.UpdateDraft(ctx, u, 1), kerr.Conflict, "stale rev")
	u.ID = "bbbbbbbbbbbbbbbbbbbbbbbbbb"
	wantKind(t, s.UpdateDraft(ctx, u, 1), kerr.NotFound, "update missing")
}

func testDraftUpdateConcurrent(t *testing.T, s forms.Store) {
	ctx := t.Context()
	d := draft("aaaaaaaaaaaaaaaaaaaaaaaaaa", "001099012345", "TK_KHAI_SINH", base)
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			u := d
			u.Sealed, u.Rev = []byte(fmt.Sprint("writer ", i)), 2
			errs[i] = s.UpdateDraft(ctx, u, 1)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !kerr.IsKind(err, kerr.Conflict):
			t.Errorf("concurrent update: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d updates from rev 1 succeeded, want exactly 1", won)
	}
	got, err := s.GetDraft(ctx, d.ID)
	if err != nil || got.Rev != 2 {
		t.Fatalf("after: %+v %v", got, err)
	}
}

func testDraftListDelete(t *testing.T, s forms.Store) {
	ctx := t.Context()
	ds := []forms.StoredDraft{
		draft("cccccccccccccccccccccccccc", "001099012345", "TK_KHAI_SINH", base),
		draft("aaaaaaaaaaaaaaaaaaaaaaaaaa", "001099012345", "TK_KHAI_SINH", base.Add(time.Second)),
		draft("bbbbbbbbbbbbbbbbbbbbbbbbbb", "001099012345", "HKD_DANG_KY", base),
		draft("dddddddddddddddddddddddddd", "079088000123", "TK_KHAI_SINH", base),
	}
	for _, d := range ds {
		if err := s.CreateDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(owner, form string) string {
		t.Helper()
		got, err := s.ListDrafts(ctx, owner, form)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, d := range got {
			out += d.ID[:1]
		}
		return out
	}
	if got := ids("001099012345", "TK_KHAI_SINH"); got != "ac" {
		t.Errorf("A's birth drafts %q, want ac", got)
	}
	if got := ids("001099012345", ""); got != "abc" {
		t.Errorf("A's drafts %q, want abc", got)
	}
	if got := ids("079088000123", "HKD_DANG_KY"); got != "" {
		t.Errorf("B's HKD drafts %q", got)
	}
	if err := s.DeleteDraft(ctx, ds[1].ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.DeleteDraft(ctx, ds[1].ID), kerr.NotFound, "delete twice")
	if got := ids("001099012345", ""); got != "bc" {
		t.Errorf("after delete %q", got)
	}
}

func testDraftExpiredSweep(t *testing.T, s forms.Store) {
	ctx := t.Context()
	for i, id := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccc", "dddddddddddddddddddddddddd"} {
		d := draft(id, "001099012345", "TK_KHAI_SINH", base)
		d.ExpiresAt = base.Add(time.Duration(i) * time.Hour)
		if err := s.CreateDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// At base+2h: a (base), b (base+1h) and c (base+2h, "at or before") are expired.
	n, err := s.DeleteExpiredDrafts(ctx, base.Add(2*time.Hour), 2)
	if err != nil || n != 2 {
		t.Fatalf("first sweep: %d %v, want 2 (the limit)", n, err)
	}
	n, err = s.DeleteExpiredDrafts(ctx, base.Add(2*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("second sweep: %d %v, want 1", n, err)
	}
	left, err := s.ListDrafts(ctx, "001099012345", "")
	if err != nil || len(left) != 1 || left[0].ID[0] != 'd' {
		t.Fatalf("left %+v %v", left, err)
	}
}

func testDefinitionPutGet(t *testing.T, s forms.Store) {
	ctx := t.Context()
	defs := []forms.StoredDefinition{
		{Code: "TK_THU", Version: 1, Body: []byte(`{"code":"TK_THU","version":1,"title":"Tờ khai thử <1>"}`), CreatedAt: base},
		{Code: "TK_THU", Version: 10, Body: []byte(`{"code":"TK_THU","version":10}`), CreatedAt: base},
		{Code: "TK_THU", Version: 2, Body: []byte(`{"code":"TK_THU","version":2}`), CreatedAt: base},
		{Code: "A_FORM", Version: 3, Body: []byte(`{"code":"A_FORM","version":3}`), CreatedAt: base},
	}
	for _, d := range defs {
		if err := s.PutDefinition(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// A published version never changes, same body or not.
	wantKind(t, s.PutDefinition(ctx, defs[0]), kerr.Conflict, "same again")
	other := defs[0]
	other.Body = []byte(`{}`)
	wantKind(t, s.PutDefinition(ctx, other), kerr.Conflict, "other body")
	got, err := s.GetDefinition(ctx, "TK_THU", 1)
	if err != nil || !bytes.Equal(got.Body, defs[0].Body) || got.Code != "TK_THU" || got.Version != 1 || !got.CreatedAt.Equal(ms(base)) {
		t.Fatalf("get v1: %+v %v", got, err)
	}
	// Version 0 is the highest (numerically: 10 over 2).
	if got, err := s.GetDefinition(ctx, "TK_THU", 0); err != nil || got.Version != 10 {
		t.Fatalf("latest: %+v %v", got, err)
	}
	_, err = s.GetDefinition(ctx, "TK_THU", 3)
	wantKind(t, err, kerr.NotFound, "missing version")
	_, err = s.GetDefinition(ctx, "NOPE", 0)
	wantKind(t, err, kerr.NotFound, "missing code")
	list, err := s.ListDefinitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	order := ""
	for _, d := range list {
		order += fmt.Sprintf("%s/%d ", d.Code, d.Version)
	}
	if order != "A_FORM/3 TK_THU/1 TK_THU/2 TK_THU/10 " {
		t.Fatalf("list order %q", order)
	}
}
