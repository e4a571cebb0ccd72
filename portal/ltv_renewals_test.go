package portal_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/signing"
)

type renewalPage struct {
	WithinDays int `json:"withinDays"`
	Renewals   []struct {
		DocumentID string    `json:"documentId"`
		OwnerID    string    `json:"ownerId"`
		Version    int       `json:"version"`
		Level      string    `json:"level"`
		ExpiresAt  time.Time `json:"expiresAt"`
		RenewBy    time.Time `json:"renewBy"`
	} `json:"renewals"`
	More bool   `json:"more"`
	Next string `json:"next"`
}

// TestRenewalsAPI: staff and admin list the papers due for renewal —
// within the default 90 days or the days asked, earliest first, paged by
// next — with the paper's ID, owner and expiry and nothing of its
// content; a citizen (even the owner) gets staff_only, a caller without a
// token 401; a bad cursor is invalid_cursor.
func TestRenewalsAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	put := func(name string, expires time.Time) string {
		d, err := e.vault.Put(ctx, archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, archive.NewDocument{OwnerID: ownerA,
			Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: name, Fields: map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2001-02-03"}},
			Upload:   archive.Upload{Body: bytes.NewReader(pdf(name)), Size: int64(len(pdf(name))), FileName: "giay.pdf"}})
		if err != nil {
			t.Fatal(err)
		}
		sum := &archive.SignatureSummary{Signed: true, Count: 1, Verdict: signing.TotalPassed, Level: "B-T", Signers: []string{"Nguyễn Văn Ký"}, VerifiedAt: now, ExpiresAt: expires}
		if err := e.store.SetSignature(ctx, d.ID, 1, sum); err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	later := put("Bí mật sau", now.Add(60*24*time.Hour))
	soon := put("Bí mật sớm", now.Add(10*24*time.Hour))
	put("Bí mật xa", now.Add(400*24*time.Hour))

	var page renewalPage
	r := e.do(call{method: "GET", path: "/api/v1/archive/renewals", token: e.staff}).want(t, 200, "")
	r.json(t, &page)
	if page.WithinDays != 90 || len(page.Renewals) != 2 || page.Renewals[0].DocumentID != soon || page.Renewals[1].DocumentID != later || page.More {
		t.Fatalf("staff list: %s", r.body)
	}
	it := page.Renewals[0]
	if it.OwnerID != ownerA || it.Version != 1 || it.Level != "B-T" || !it.ExpiresAt.Equal(now.Add(10*24*time.Hour)) || !it.RenewBy.Equal(now.Add(-80*24*time.Hour)) {
		t.Fatalf("item: %+v", it)
	}
	if bytes.Contains(r.body, []byte("Bí mật")) {
		t.Fatalf("the list shows the papers' names: %s", r.body)
	}
	// Paged by one, as admin.
	r = e.do(call{method: "GET", path: "/api/v1/archive/renewals?limit=1", token: e.admin}).want(t, 200, "")
	r.json(t, &page)
	if len(page.Renewals) != 1 || page.Renewals[0].DocumentID != soon || !page.More || page.Next == "" {
		t.Fatalf("first page: %s", r.body)
	}
	r = e.do(call{method: "GET", path: "/api/v1/archive/renewals?limit=1&after=" + url.QueryEscape(page.Next), token: e.admin}).want(t, 200, "")
	r.json(t, &page)
	if len(page.Renewals) != 1 || page.Renewals[0].DocumentID != later || page.More {
		t.Fatalf("second page: %s", r.body)
	}
	r = e.do(call{method: "GET", path: "/api/v1/archive/renewals?withinDays=30", token: e.staff}).want(t, 200, "")
	r.json(t, &page)
	if len(page.Renewals) != 1 || page.Renewals[0].DocumentID != soon {
		t.Fatalf("within 30 days: %s", r.body)
	}

	// Nobody else sees anything.
	for _, tok := range []string{e.citizenA, e.citizenB} {
		r = e.do(call{method: "GET", path: "/api/v1/archive/renewals", token: tok}).want(t, 403, "staff_only")
		if bytes.Contains(r.body, []byte(soon)) {
			t.Fatalf("a citizen sees a paper: %s", r.body)
		}
	}
	r = e.do(call{method: "GET", path: "/api/v1/archive/renewals", expect: specInvalid}).want(t, 401, "")
	if bytes.Contains(r.body, []byte(soon)) {
		t.Fatalf("an anonymous caller sees a paper: %s", r.body)
	}
	e.do(call{method: "GET", path: "/api/v1/archive/renewals?after=xyz", token: e.staff}).want(t, 400, "invalid_cursor")
	e.do(call{method: "GET", path: "/api/v1/archive/renewals?withinDays=0", token: e.staff, expect: specInvalid}).want(t, 400, "")
}
