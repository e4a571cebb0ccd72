package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/auth"
)

// TestCitizenCannotReachAnotherVault: citizen B, using owner A's and A's
// document's IDs on every endpoint that takes them, gets 403 or 404 and
// learns nothing of A's papers.
func TestCitizenCannotReachAnotherVault(t *testing.T) {
	e := newEnv(t)
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.citizenA, contentType: "application/json",
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerA + `","name":"Trần Thị Bích Ngọc"}`)}).want(t, 201, "")
	data := pdf("bí mật của A")
	q := url.Values{"type": {"KHAI_SINH"}, "name": {"Giấy khai sinh Bích Ngọc"}, "summary": {"Trích lục số 123/2000 bí mật"},
		"fields": {`{"hoTen":"Trần Thị Bích Ngọc","ngaySinh":"2000-02-29"}`}}
	var d document
	e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="khai-sinh-ngoc.pdf"`, data: data}).
		want(t, 201, "").json(t, &d)
	var draft struct {
		ID string `json:"id"`
	}
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/drafts", token: e.citizenA, contentType: "application/json",
		body: []byte(`{"hoTen":"Bích Ngọc nháp bí mật"}`)}).want(t, 201, "").json(t, &draft)
	secrets := []string{"Bích Ngọc", "123/2000", "bí mật", d.Current.Blob, "khai-sinh-ngoc", "2000-02-29", "KHAI_SINH"}

	body, ct := multipartBody(t, metadataPart(t, map[string]any{"ownerId": ownerA, "typeCode": "KHAC", "name": "x"}),
		part{name: "file", fileName: "x.pdf", contentType: "application/pdf", data: pdf("x")})
	doc := "/api/v1/documents/" + d.ID
	owner := "/api/v1/owners/" + ownerA
	cases := []struct {
		route string // the route it exercises, as in Server.Routes
		call  call
	}{
		{"GET /api/v1/owners/{id}", call{method: "GET", path: owner}},
		{"PUT /api/v1/owners/{id}/quota", call{method: "PUT", path: owner + "/quota", contentType: "application/json", body: []byte(`{"quotaBytes":1}`)}},
		{"GET /api/v1/owners/{id}/stats", call{method: "GET", path: owner + "/stats"}},
		{"GET /api/v1/owners/{id}/ledger", call{method: "GET", path: owner + "/ledger"}},
		{"GET /api/v1/owners/{id}/ledger", call{method: "GET", path: owner + "/ledger?document=" + d.ID}},
		{"GET /api/v1/owners/{id}/reusable", call{method: "GET", path: owner + "/reusable?type=KHAI_SINH"}},
		{"GET /api/v1/documents", call{method: "GET", path: "/api/v1/documents?owner=" + ownerA}},
		{"GET /api/v1/documents", call{method: "GET", path: "/api/v1/documents?owner=" + ownerA + "&q=" + url.QueryEscape("bích ngọc")}},
		{"POST /api/v1/documents", call{method: "POST", path: "/api/v1/documents?owner=" + ownerA + "&type=KHAC&name=x&filename=x.pdf", contentType: "application/pdf", body: pdf("x")}},
		{"POST /api/v1/documents", call{method: "POST", path: "/api/v1/documents", contentType: ct, body: body}},
		{"GET /api/v1/documents/{id}", call{method: "GET", path: doc}},
		{"GET /api/v1/documents/{id}", call{method: "GET", path: doc + "?purpose=xem"}},
		{"PATCH /api/v1/documents/{id}", call{method: "PATCH", path: doc, contentType: "application/json", body: []byte(`{"name":"của tôi"}`)}},
		{"GET /api/v1/documents/{id}/content", call{method: "GET", path: doc + "/content"}},
		{"GET /api/v1/documents/{id}/content", call{method: "GET", path: doc + "/content", header: map[string]string{"Range": "bytes=0-9"}}},
		{"GET /api/v1/documents/{id}/content", call{method: "GET", path: doc + "/content", header: map[string]string{"If-None-Match": `"` + d.Current.Blob + `"`}}},
		{"POST /api/v1/documents/{id}/versions", call{method: "POST", path: doc + "/versions?filename=x.pdf", contentType: "application/pdf", body: pdf("x")}},
		{"GET /api/v1/documents/{id}/versions", call{method: "GET", path: doc + "/versions"}},
		{"GET /api/v1/documents/{id}/versions/{n}/content", call{method: "GET", path: doc + "/versions/1/content"}},
		{"POST /api/v1/documents/{id}/versions/{n}/verify", call{method: "POST", path: doc + "/versions/1/verify"}},
		{"GET /api/v1/documents/{id}/versions/{n}/signature-report", call{method: "GET", path: doc + "/versions/1/signature-report"}},
		{"GET /api/v1/documents/{id}/versions/{n}/signature-report", call{method: "GET", path: doc + "/versions/1/signature-report", header: map[string]string{"Accept": "text/html"}}},
		{"POST /api/v1/documents/{id}/sign", call{method: "POST", path: doc + "/sign", contentType: "application/json", body: []byte(`{"key":"canbo"}`)}},
		{"POST /api/v1/documents/{id}/reuse", call{method: "POST", path: doc + "/reuse", contentType: "application/json", body: []byte(`{"dossier":"HS-1"}`)}},
		{"GET /api/v1/documents/{id}/reuses", call{method: "GET", path: doc + "/reuses"}},
		{"POST /api/v1/forms/{code}/prefill", call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?owner=" + ownerA}},
		{"GET /api/v1/forms/{code}/drafts/{id}", call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH/drafts/" + draft.ID}},
		{"PUT /api/v1/forms/{code}/drafts/{id}", call{method: "PUT", path: "/api/v1/forms/TK_KHAI_SINH/drafts/" + draft.ID, contentType: "application/json", body: []byte(`{}`)}},
		{"DELETE /api/v1/forms/{code}/drafts/{id}", call{method: "DELETE", path: "/api/v1/forms/TK_KHAI_SINH/drafts/" + draft.ID}},
		{"POST /api/v1/forms/{code}/validate", call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate?owner=" + ownerA, contentType: "application/json", body: []byte(`{"hoTen":"x"}`)}},
		{"POST /api/v1/forms/{code}/export", call{method: "POST", path: "/api/v1/forms/CAN_CUOC/export?format=json&owner=" + ownerA, contentType: "application/json", body: []byte(`{"hoTen":"x"}`)}},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.route] = true
		t.Run(c.call.method+" "+c.call.path, func(t *testing.T) {
			c.call.token = e.citizenB
			r := e.do(c.call)
			if r.status != 403 && r.status != 404 {
				t.Fatalf("status %d, want 403 or 404: %s", r.status, truncate(r.body))
			}
			for _, s := range secrets {
				if strings.Contains(string(r.body), s) {
					t.Errorf("the answer leaks %q: %s", s, r.body)
				}
			}
			for k, vs := range r.header {
				if strings.Contains(strings.Join(vs, " "), d.Current.Blob) {
					t.Errorf("header %s leaks the hash", k)
				}
			}
		})
	}
	// Every route that takes an owner, a document or a draft is in the table.
	for _, rt := range e.server.Routes() {
		if (strings.Contains(rt, "/owners/{id}") || strings.Contains(rt, "/documents") || strings.Contains(rt, "/drafts/{id}")) && !covered[rt] {
			t.Errorf("route %s is not tried by citizen B", rt)
		}
	}
	// Nothing B tried changed A's paper or left B in A's ledger.
	var now document
	e.do(call{method: "GET", path: doc, token: e.citizenA}).want(t, 200, "").json(t, &now)
	if now.Rev != 1 || now.VersionCount != 1 || now.ReuseCount != 0 || now.Name != d.Name {
		t.Errorf("A's document changed: %+v", now)
	}
	var lp ledgerPage
	e.do(call{method: "GET", path: owner + "/ledger", token: e.citizenA}).want(t, 200, "").json(t, &lp)
	for _, en := range lp.Entries {
		if en.Actor == ownerB {
			t.Errorf("B is in A's ledger: %+v", en)
		}
	}
	// A's draft is intact, and B lists none.
	e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH/drafts/" + draft.ID, token: e.citizenA}).want(t, 200, "")
	r := e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH/drafts", token: e.citizenB}).want(t, 200, "")
	if strings.Contains(string(r.body), draft.ID) {
		t.Errorf("B lists A's draft: %s", r.body)
	}
	var p page
	e.do(call{method: "GET", path: "/api/v1/documents", token: e.citizenB}).want(t, 200, "").json(t, &p)
	if len(p.Documents) != 0 {
		t.Errorf("B's own list has %d documents", len(p.Documents))
	}
}

// TestAuthenticationRequired: every /api/v1 operation except the OpenAPI
// document and the limits answers 401 without a valid token.
func TestAuthenticationRequired(t *testing.T) {
	e := newEnv(t)
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("x"))
	revoked := e.token(ownerA, archive.RoleCitizen, time.Time{})
	var revokedID string
	toks, err := e.store.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.Hash == auth.HashSecret(revoked) {
			revokedID = tk.ID
		}
	}
	if err := e.store.RevokeToken(context.Background(), revokedID); err != nil {
		t.Fatal(err)
	}
	expired := e.token(ownerA, archive.RoleCitizen, time.Now().Add(-time.Minute))
	signBody, signCT := multipartBody(t, part{name: "options", contentType: "application/json", data: []byte(`{"key":"canbo"}`)},
		part{name: "file", fileName: "x.pdf", contentType: "application/pdf", data: pdf("x")})
	unknown, _, _ := auth.Generate(ownerA, archive.RoleCitizen, "", time.Now()) // never stored

	// The public routes and what they answer without a token here.
	public := map[string]int{"GET /healthz": 200, "GET /api/v1/openapi.yaml": 200, "GET /api/v1/limits": 200,
		"POST /api/v1/signing/verify": 503, "POST /api/v1/signing/verify-data": 503} // no verifier configured in this test
	dataBody, dataCT := multipartBody(t, part{name: "data", data: []byte(`{}`)}, part{name: "signature", data: []byte{0x30}})
	bodies := map[string]struct {
		ct, query string
		body      []byte
	}{
		"POST /api/v1/owners":                             {"application/json", "", []byte(`{"kind":"individual","identityNumber":"` + ownerB + `"}`)},
		"PUT /api/v1/owners/{id}/quota":                   {"application/json", "", []byte(`{"quotaBytes":1}`)},
		"GET /api/v1/owners/{id}/reusable":                {"", "?type=KHAI_SINH", nil},
		"POST /api/v1/documents":                          {"application/pdf", "?type=KHAC&name=x&filename=x.pdf", pdf("y")},
		"PATCH /api/v1/documents/{id}":                    {"application/json", "", []byte(`{"name":"x"}`)},
		"POST /api/v1/documents/{id}/versions":            {"application/pdf", "?filename=x.pdf", pdf("y")},
		"POST /api/v1/documents/{id}/reuse":               {"application/json", "", []byte(`{"dossier":"x"}`)},
		"PUT /api/v1/document-types/{code}":               {"application/json", "", []byte(`{"name":"x"}`)},
		"PUT /api/v1/procedures/{code}":                   {"application/json", "", []byte(`{"name":"x","components":[]}`)},
		"POST /api/v1/catalog":                            {"application/json", "", []byte(`{}`)},
		"GET /api/v1/documents/{id}/versions/{n}/content": {"", "", nil},
		"POST /api/v1/documents/{id}/sign":                {"application/json", "", []byte(`{"key":"canbo"}`)},
		"POST /api/v1/signing/sign":                       {signCT, "", signBody},
		"POST /api/v1/signing/sign-data":                  {"application/json", "?key=canbo", []byte(`{}`)},
		"POST /api/v1/signing/verify-data":                {dataCT, "", dataBody},
		"POST /api/v1/signing/batch":                      {"application/json", "", []byte(`{"documents":["x"],"options":{"key":"canbo"}}`)},
		"PUT /api/v1/forms/{code}":                        {"application/json", "", []byte(`{"schema":1,"code":"KHAI_SINH","version":1,"title":"x","fields":[]}`)},
		"POST /api/v1/forms/{code}/validate":              {"application/json", "", []byte(`{}`)},
		"POST /api/v1/forms/{code}/export":                {"application/json", "", []byte(`{}`)},
		"POST /api/v1/forms/{code}/drafts":                {"application/json", "", []byte(`{}`)},
		"PUT /api/v1/forms/{code}/drafts/{id}":            {"application/json", "", []byte(`{}`)},
	}
	for _, rt := range e.server.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if status, ok := public[rt]; ok {
			c := call{method: method, path: path}
			if b, ok := bodies[rt]; ok {
				c.contentType, c.body = b.ct, b.body
			} else if method == "POST" {
				c.contentType, c.body = "application/pdf", pdf("x")
			}
			e.do(c).want(t, status, "")
			continue
		}
		if !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("route %s is outside /api/v1 and not public", rt)
		}
		p := strings.NewReplacer("/owners/{id}", "/owners/"+ownerA, "/documents/{id}", "/documents/"+d.ID, "{n}", "1", "{code}", "KHAI_SINH").Replace(path)
		b := bodies[rt]
		t.Run(rt, func(t *testing.T) {
			for _, c := range []struct {
				header string
				expect expectation
				code   string
			}{
				{"", specInvalid, "unauthenticated"},
				{"Basic " + "YWRtaW46YWRtaW4=", specInvalid, "unauthenticated"},
				{"Bearer not-a-token", specValid, "unauthenticated"},
				{"Bearer " + unknown, specValid, "unauthenticated"},
				{"Bearer " + revoked, specValid, "unauthenticated"},
				{"Bearer " + expired, specValid, "unauthenticated"},
			} {
				h := map[string]string{}
				if c.header != "" {
					h["Authorization"] = c.header
				}
				r := e.do(call{method: method, path: p + b.query, contentType: b.ct, body: b.body, header: h, expect: c.expect})
				r.want(t, 401, c.code)
				wa := r.header.Get("WWW-Authenticate")
				if !strings.HasPrefix(wa, `Bearer realm="kho"`) || strings.Contains(wa, `error="invalid_token"`) != (c.header != "") {
					t.Errorf("%q: WWW-Authenticate = %q", c.header, wa)
				}
			}
		})
	}
	// The document is untouched and nothing new was stored.
	var now document
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &now)
	if now.Rev != 1 || now.ReuseCount != 0 {
		t.Errorf("document changed: %+v", now)
	}
}
