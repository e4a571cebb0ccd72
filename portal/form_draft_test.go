package portal_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/portal"
)

type draftAnswer struct {
	ID        string         `json:"id"`
	Form      string         `json:"form"`
	Version   int            `json:"version"`
	Data      map[string]any `json:"data"`
	ExpiresAt string         `json:"expiresAt"`
	Warnings  []fieldError   `json:"warnings"`
}

func TestDrafts(t *testing.T) {
	e := newEnv(t)
	const js = "application/json"
	const secret = "Lê Thị Nháp Bí Mật"
	base := "/api/v1/forms/TK_KHAI_SINH/drafts"

	// A saves a partial, invalid form; the unknown field is dropped with a warning.
	var d draftAnswer
	r := e.do(call{method: "POST", path: base, token: e.citizenA, contentType: js,
		body: []byte(`{"hoTen":"` + secret + `","ngaySinh":"31/02/2025","isAdmin":true}`)}).want(t, 201, "")
	r.json(t, &d)
	if d.Form != "TK_KHAI_SINH" || d.Version != 1 || d.Data["hoTen"] != secret || d.Data["isAdmin"] != nil ||
		len(d.Warnings) != 1 || d.Warnings[0].Field != "isAdmin" || d.ExpiresAt == "" {
		t.Fatalf("draft %s", r.body)
	}
	if r.header.Get("Location") != base+"/"+d.ID {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	// At rest it is sealed.
	sd, err := e.store.GetDraft(context.Background(), d.ID)
	if err != nil || bytes.Contains(sd.Sealed, []byte(secret)) || sd.OwnerID != ownerA {
		t.Fatalf("stored %+v %v", sd, err)
	}
	// A resumes and saves it; lists it.
	var got draftAnswer
	e.do(call{method: "GET", path: base + "/" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &got)
	if got.Data["hoTen"] != secret || got.Data["ngaySinh"] != "31/02/2025" {
		t.Errorf("resumed %+v", got)
	}
	var saved draftAnswer
	e.do(call{method: "PUT", path: base + "/" + d.ID, token: e.citizenA, contentType: js, body: []byte(`{"hoTen":"An"}`)}).want(t, 200, "").json(t, &saved)
	if saved.Data["hoTen"] != "An" || saved.Data["ngaySinh"] != nil || saved.ID != d.ID {
		t.Errorf("saved %+v", saved)
	}
	var list struct {
		Drafts []draftAnswer `json:"drafts"`
	}
	e.do(call{method: "GET", path: base, token: e.citizenA}).want(t, 200, "").json(t, &list)
	if len(list.Drafts) != 1 || list.Drafts[0].ID != d.ID || list.Drafts[0].Data != nil {
		t.Errorf("list %+v", list)
	}

	// B, and staff, see nothing of A's drafts.
	for _, tok := range []string{e.citizenB, e.staff} {
		for _, c := range []call{
			{method: "GET", path: base + "/" + d.ID},
			{method: "PUT", path: base + "/" + d.ID, contentType: js, body: []byte(`{"hoTen":"x"}`)},
			{method: "DELETE", path: base + "/" + d.ID},
			{method: "GET", path: "/api/v1/forms/HKD_DANG_KY/drafts/" + d.ID},
		} {
			c.token = tok
			r := e.do(c).want(t, 404, "draft_not_found")
			if strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), "An") && strings.Contains(string(r.body), "hoTen") {
				t.Errorf("%s %s leaks: %s", c.method, c.path, r.body)
			}
		}
		var other struct {
			Drafts []draftAnswer `json:"drafts"`
		}
		e.do(call{method: "GET", path: base, token: tok}).want(t, 200, "").json(t, &other)
		if len(other.Drafts) != 0 {
			t.Errorf("another caller lists %+v", other.Drafts)
		}
	}

	// Bad input.
	e.do(call{method: "POST", path: base, token: e.citizenA, contentType: js, body: []byte(`[1]`), expect: specInvalid}).want(t, 400, "wrong_type")
	e.do(call{method: "POST", path: base, token: e.citizenA, contentType: js,
		body: []byte(`{"hoTen":"` + strings.Repeat("a", 300<<10) + `"}`)}).want(t, 413, "request_too_large")
	e.do(call{method: "POST", path: "/api/v1/forms/NOPE/drafts", token: e.citizenA, contentType: js, body: []byte(`{}`)}).want(t, 404, "form_not_found")
	e.do(call{method: "GET", path: base + "/not-an-id", token: e.citizenA}).want(t, 404, "draft_not_found")

	// Delete.
	e.do(call{method: "DELETE", path: base + "/" + d.ID, token: e.citizenA}).want(t, 204, "")
	e.do(call{method: "GET", path: base + "/" + d.ID, token: e.citizenA}).want(t, 404, "draft_not_found")
}

// TestFormsStoredAcrossServers: a definition an admin publishes on one
// server is served by another over the same metadata store, and stays
// immutable there.
func TestFormsStoredAcrossServers(t *testing.T) {
	e := newEnv(t)
	def := `{"schema":1,"code":"TK_CHUNG","version":1,"title":"Tờ khai dùng chung","fields":[{"code":"hoTen","type":"text","label":"Họ và tên"}]}`
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_CHUNG", token: e.admin, contentType: "application/json", body: []byte(def)}).want(t, 201, "")

	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	reg.SetStore(e.store)
	other := httptest.NewServer(portal.New(portal.Config{Forms: reg}, e.vault, e.store, nil).Handler())
	defer other.Close()
	ask := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, other.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := other.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := ask("GET", "/api/v1/forms/TK_CHUNG", ""); st != 200 {
		t.Errorf("the other server: %d", st)
	}
	if st := ask("PUT", "/api/v1/forms/TK_CHUNG", def); st != 200 {
		t.Errorf("same again on the other server: %d", st)
	}
	if st := ask("PUT", "/api/v1/forms/TK_CHUNG", strings.Replace(def, "Họ và tên", "Họ tên", 1)); st != 409 {
		t.Errorf("changed on the other server: %d", st)
	}
}
