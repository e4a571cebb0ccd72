package portal_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage/sqlite"
)

type owner struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	Name          string `json:"name"`
	QuotaBytes    int64  `json:"quotaBytes"`
	UsedBytes     int64  `json:"usedBytes"`
	DocumentCount int64  `json:"documentCount"`
}

func TestOwnersAndQuota(t *testing.T) {
	e := newEnv(t)
	json := "application/json"
	r := e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: json,
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerA + `","name":"Nguyễn Văn An","birthYear":1999}`)}).want(t, 201, "")
	var o owner
	r.json(t, &o)
	if o.ID != ownerA || o.Kind != "individual" || o.Name != "Nguyễn Văn An" || r.header.Get("Location") != "/api/v1/owners/"+ownerA {
		t.Fatalf("owner = %+v, Location %q", o, r.header.Get("Location"))
	}
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: json,
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerA + `"}`)}).want(t, 409, "owner_exists")
	// An organisation by its agency code; a person without a number by their identity paper.
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: json,
		body: []byte(`{"kind":"organization","identityNumber":"000.00.31.H29","name":"UBND phường Bến Nghé"}`)}).want(t, 201, "")
	r = e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: json,
		body: []byte(`{"kind":"individual","name":"Lê Văn Tám","birthYear":1950,"idIssueDate":"1970-03-02","idIssuer":"Công an Hà Nội"}`)}).want(t, 201, "")
	r.json(t, &o)
	if !strings.HasPrefix(o.ID, "x") {
		t.Errorf("derived owner ID %q", o.ID)
	}
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: json,
		body: []byte(`{"kind":"alien"}`), expect: specInvalid}).want(t, 400, "")
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: json,
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerB + `","nickname":"B"}`), expect: specInvalid}).want(t, 400, "unknown_field")
	// A citizen registers only themselves.
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.citizenB, contentType: json,
		body: []byte(`{"kind":"individual","identityNumber":"079088000999"}`)}).want(t, 403, "")
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.citizenB, contentType: json,
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerB + `"}`)}).want(t, 201, "")
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerB, token: e.citizenB}).want(t, 200, "")
	e.do(call{method: "GET", path: "/api/v1/owners/079088000999?purpose=tra", token: e.staff}).want(t, 404, "owner_not_found")

	// Quotas: admin only; over the quota is 413 and stores nothing.
	e.do(call{method: "PUT", path: "/api/v1/owners/" + ownerA + "/quota", token: e.staff, contentType: json, body: []byte(`{"quotaBytes":1000}`)}).want(t, 403, "")
	e.do(call{method: "PUT", path: "/api/v1/owners/" + ownerA + "/quota", token: e.admin, contentType: json, body: []byte(`{}`), expect: specInvalid}).want(t, 400, "quota_required")
	e.do(call{method: "PUT", path: "/api/v1/owners/" + ownerA + "/quota", token: e.admin, contentType: json, body: []byte(`{"quotaBytes":-5}`), expect: specInvalid}).want(t, 400, "")
	e.do(call{method: "PUT", path: "/api/v1/owners/" + ownerA + "/quota", token: e.admin, contentType: json, body: []byte(`{"quotaBytes":1000}`)}).want(t, 200, "").json(t, &o)
	if o.QuotaBytes != 1000 {
		t.Errorf("quota = %d", o.QuotaBytes)
	}
	big := pdf("lớn " + strings.Repeat("x", 2000))
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Lớn"}}, contentType: "application/pdf",
		disposition: `attachment; filename="lon.pdf"`, data: big}).want(t, 413, "quota_exceeded")
	e.assertNothingStored(t, ownerA) // the declared size was refused before any byte was read
	// Of unknown length, the bytes are stored before the quota can be
	// checked; the refused upload leaves an orphan blob for the collector,
	// but no document and no usage.
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Lớn"}}, contentType: "application/pdf",
		disposition: `attachment; filename="lon.pdf"`, data: big, chunked: true}).want(t, 413, "quota_exceeded")
	e.assertNoDocument(t, ownerA)
}

func TestCatalogue(t *testing.T) {
	e := newEnv(t)
	json := "application/json"
	var types struct {
		DocumentTypes []struct{ Code, Name string } `json:"documentTypes"`
	}
	e.do(call{method: "GET", path: "/api/v1/document-types", token: e.citizenA}).want(t, 200, "").json(t, &types)
	if len(types.DocumentTypes) < 10 {
		t.Fatalf("catalogue has %d types", len(types.DocumentTypes))
	}
	var dt struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		Fields []struct{ Name, Type string }
	}
	e.do(call{method: "GET", path: "/api/v1/document-types/KHAI_SINH", token: e.citizenA}).want(t, 200, "").json(t, &dt)
	if dt.Name != "Giấy khai sinh" || len(dt.Fields) == 0 {
		t.Errorf("KHAI_SINH = %+v", dt)
	}
	e.do(call{method: "GET", path: "/api/v1/document-types/KHONG_CO", token: e.citizenA}).want(t, 404, "")

	newType := []byte(`{"name":"Thẻ bảo hiểm y tế","fields":[{"name":"maThe","label":"Mã thẻ","type":"string","required":true}]}`)
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.staff, contentType: json, body: newType}).want(t, 403, "")
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: json, body: newType}).want(t, 200, "").json(t, &dt)
	if dt.Code != "BHYT" || dt.Name != "Thẻ bảo hiểm y tế" {
		t.Errorf("put type = %+v", dt)
	}
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: json, body: []byte(`{"code":"KHAC","name":"x"}`)}).want(t, 400, "code_mismatch")
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: json,
		body: []byte(`{"name":"x","fields":[{"name":"1bad","label":"x","type":"colour"}]}`), expect: specInvalid}).want(t, 400, "")
	// The new type is usable at once.
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"BHYT"}, "name": {"Thẻ BHYT"}, "fields": {`{"maThe":"DN4797912345678"}`}},
		contentType: "application/pdf", disposition: `attachment; filename="bhyt.pdf"`, data: pdf("bhyt")}).want(t, 201, "")

	procOf := func(typeCode string) []byte {
		return []byte(`{"name":"Khám chữa bệnh","field":"Y tế","level":"partial","agency":"000.00.31.H29","legalBasis":["Luật Bảo hiểm y tế"],` +
			`"components":[{"code":"THE","name":"Thẻ BHYT","typeCodes":["` + typeCode + `"],"required":true,"reusable":true}],` +
			`"resolution":{"workingDays":1},"results":[{"typeCode":"KHAC","name":"Kết quả khám","template":"kcb"}]}`)
	}
	e.do(call{method: "PUT", path: "/api/v1/procedures/KCB", token: e.staff, contentType: json, body: procOf("BHYT")}).want(t, 403, "admin_only")
	e.do(call{method: "PUT", path: "/api/v1/procedures/KCB", token: e.admin, contentType: json, body: procOf("BHYT")}).want(t, 200, "")
	e.do(call{method: "PUT", path: "/api/v1/procedures/KCB2", token: e.admin, contentType: json, body: procOf("KHONG_CO")}).want(t, 400, "unknown_document_type")
	var p struct {
		Code       string `json:"code"`
		Components []struct{ Code string }
	}
	e.do(call{method: "GET", path: "/api/v1/procedures/KCB", token: e.citizenA}).want(t, 200, "").json(t, &p)
	if p.Code != "KCB" || len(p.Components) != 1 {
		t.Errorf("procedure = %+v", p)
	}
	var pl struct {
		Procedures []struct{ Code string } `json:"procedures"`
	}
	e.do(call{method: "GET", path: "/api/v1/procedures", token: e.citizenA}).want(t, 200, "").json(t, &pl)
	if len(pl.Procedures) < 2 {
		t.Errorf("procedures = %+v", pl)
	}
	e.do(call{method: "GET", path: "/api/v1/procedures/KHONG_CO", token: e.citizenA}).want(t, 404, "")

	// A whole catalogue file.
	var res struct{ DocumentTypes, Procedures int }
	e.do(call{method: "POST", path: "/api/v1/catalog", token: e.admin, contentType: json, body: archive.DefaultCatalog()}).want(t, 200, "").json(t, &res)
	if res.DocumentTypes < 10 || res.Procedures < 2 {
		t.Errorf("catalogue load = %+v", res)
	}
	e.do(call{method: "POST", path: "/api/v1/catalog", token: e.staff, contentType: json, body: archive.DefaultCatalog()}).want(t, 403, "")
	e.do(call{method: "POST", path: "/api/v1/catalog", token: e.admin, contentType: "text/plain", body: archive.DefaultCatalog(), expect: specInvalid}).want(t, 415, "unsupported_content_type")
	e.do(call{method: "POST", path: "/api/v1/catalog", token: e.admin, contentType: json, body: []byte(`{"documentTypes":[`), expect: specInvalid}).want(t, 400, "")
}

// TestPanicsBecomeJSON500 runs the portal over a vault that was never
// set up: its store is nil, so the first catalogue call panics. The panic
// must become a logged 500 with a JSON body and no internal detail.
func TestPanicsBecomeJSON500(t *testing.T) {
	for _, expose := range []bool{false, true} {
		store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kho.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close(context.Background())
		secret, tok, _ := auth.Generate("quantri", archive.RoleAdmin, "", time.Now())
		if err := store.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		logs := &logSink{}
		s := portal.New(portal.Config{ExposeInternalErrors: expose}, &archive.Service{}, store, slog.New(logs))
		srv := httptest.NewServer(s.Handler())
		defer srv.Close()
		e := &env{t: t, srv: srv, server: s, logs: logs,
			client: &http.Client{Transport: &checkingTransport{t: t, v: specValidator(t), base: srv.Client().Transport}}}
		r := e.do(call{method: "GET", path: "/api/v1/document-types", token: secret}).want(t, 500, "internal")
		var eb errorBody
		r.json(t, &eb)
		if (eb.Error.Detail != "") != expose {
			t.Errorf("expose=%v: detail %q", expose, eb.Error.Detail)
		}
		if eb.Error.RequestID == "" || eb.Error.RequestID != r.header.Get("X-Request-Id") {
			t.Errorf("request ID %q vs header %q", eb.Error.RequestID, r.header.Get("X-Request-Id"))
		}
		found := false
		for _, m := range logs.find("panic serving request") {
			if m["requestId"] == eb.Error.RequestID && m["stack"] != "" {
				found = true
			}
		}
		if !found {
			t.Error("the panic was not logged with the request ID and a stack")
		}
		// The server goes on serving.
		e.do(call{method: "GET", path: "/healthz"}).want(t, 200, "")
	}
}

// TestStoreFailureIsAJSONError closes the metadata store under the running
// server: requests then fail with a logged 5xx JSON error, not a hang or a
// bare text answer.
func TestStoreFailureIsAJSONError(t *testing.T) {
	e := newEnv(t)
	e.store.Close(context.Background())
	for _, c := range []call{
		{method: "GET", path: "/api/v1/document-types", token: e.admin},
		{method: "GET", path: "/api/v1/documents", token: e.citizenA},
	} {
		r := e.do(c)
		if r.status != 500 && r.status != 503 {
			t.Fatalf("%s %s with the store closed: %d %s", c.method, c.path, r.status, r.body)
		}
		var eb errorBody
		r.json(t, &eb)
		if r.status == 500 && eb.Error.Detail != "" {
			t.Errorf("internal detail exposed: %q", eb.Error.Detail)
		}
	}
	if len(e.logs.find("request failed")) == 0 {
		t.Error("the failures were not logged")
	}
	// The public endpoints still answer.
	e.do(call{method: "GET", path: "/healthz"}).want(t, 200, "")
}
