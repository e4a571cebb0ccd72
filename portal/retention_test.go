package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestRetentionAPI: an admin sets a type's period through the catalogue
// API; archivists (staff holding the position) read a paper's retention,
// see the disposal list, submit it; its submitter's approval is refused
// (four eyes), another archivist's is taken; execution disposes of the
// paper and the owner's ledger shows it. Citizens and staff without the
// position get 403 archivist_only from every retention operation.
func TestRetentionAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	for _, s := range []string{"luutru.mot", "luutru.hai"} {
		if _, err := e.wf.PutStaff(ctx, admin, workflow.Staff{Subject: s, Name: "Cán bộ lưu trữ", Agency: agencyA, Department: "VP",
			Positions: []workflow.Role{workflow.RoleArchivist}, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	arch1 := e.token("luutru.mot", archive.RoleStaff, time.Time{})
	arch2 := e.token("luutru.hai", archive.RoleStaff, time.Time{})

	r := e.do(call{method: "GET", path: "/api/v1/document-types/KHAC", token: e.admin}).want(t, 200, "")
	var dt map[string]any
	r.json(t, &dt)
	dt["retention"] = map[string]any{"years": 1}
	delete(dt, "updatedAt")
	delete(dt, "fields")
	e.do(jsonReq("PUT", "/api/v1/document-types/KHAC", e.admin, dt)).want(t, 200, "")
	if b := e.do(call{method: "GET", path: "/api/v1/document-types/KHAC", token: arch1}).want(t, 200, "").body; !bytes.Contains(b, []byte(`"retention":{"years":1}`)) {
		t.Fatalf("the type's period: %s", b)
	}

	body := pdf("thành phần hồ sơ cũ")
	if _, err := e.vault.Put(ctx, archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Của A"}, Upload: archive.Upload{Body: bytes.NewReader(pdf("a")), Size: -1, FileName: "a.pdf"}}); err != nil {
		t.Fatal(err)
	}
	d, err := e.vault.Put(ctx, archive.Actor{Subject: "canbo.ubnd", Role: archive.RoleStaff}, archive.NewDocument{OwnerID: ownerA, Source: archive.SourceComponent,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Tờ khai năm 2020", IssueDate: archive.Date{Year: 2020, Month: 3, Day: 1}},
		Upload:   archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: "to-khai.pdf"}})
	if err != nil {
		t.Fatal(err)
	}

	// Nobody but archivists and admins.
	for _, tok := range []string{e.citizenA, e.citizenB, e.staff} {
		for _, c := range []call{
			{method: "GET", path: "/api/v1/retention/documents/" + d.ID},
			jsonReq("POST", "/api/v1/retention/documents/"+d.ID+"/hold", "", map[string]any{"reason": "x"}),
			jsonReq("POST", "/api/v1/retention/documents/"+d.ID+"/release", "", map[string]any{"reason": "x"}),
			{method: "GET", path: "/api/v1/retention/holds"},
			{method: "GET", path: "/api/v1/disposal-lists"},
		} {
			c.token = tok
			if r := e.do(c).want(t, 403, "archivist_only"); bytes.Contains(r.body, []byte(d.ID)) {
				t.Fatalf("%s %s leaked the paper: %s", c.method, c.path, r.body)
			}
		}
	}

	var rec archive.RetentionRecord
	e.do(call{method: "GET", path: "/api/v1/retention/documents/" + d.ID, token: arch1}).want(t, 200, "").json(t, &rec)
	if rec.State != archive.RetentionKept || rec.RetainUntil != (archive.Date{Year: 2021, Month: 3, Day: 1}) {
		t.Fatalf("record: %+v", rec)
	}
	prop, err := e.vault.ProposeDisposal(ctx, 100)
	if err != nil || prop.Proposed != 1 {
		t.Fatalf("propose: %+v, %v", prop, err)
	}
	for _, tok := range []string{e.citizenA, e.citizenB, e.staff} {
		for _, c := range []call{
			{method: "GET", path: "/api/v1/disposal-lists/" + prop.List},
			jsonReq("POST", "/api/v1/disposal-lists/"+prop.List+"/submit", "", map[string]any{}),
			jsonReq("POST", "/api/v1/disposal-lists/"+prop.List+"/decision", "", map[string]any{"approve": true}),
			{method: "POST", path: "/api/v1/disposal-lists/" + prop.List + "/execute"},
		} {
			c.token = tok
			if r := e.do(c).want(t, 403, "archivist_only"); bytes.Contains(r.body, []byte(d.ID)) {
				t.Fatalf("%s %s leaked the list: %s", c.method, c.path, r.body)
			}
		}
	}
	var page struct {
		Lists []archive.DisposalList `json:"lists"`
	}
	e.do(call{method: "GET", path: "/api/v1/disposal-lists", token: arch1}).want(t, 200, "").json(t, &page)
	if len(page.Lists) != 1 || page.Lists[0].ID != prop.List || page.Lists[0].Items[0].DocumentID != d.ID {
		t.Fatalf("lists: %+v", page)
	}
	var l archive.DisposalList
	e.do(jsonReq("POST", "/api/v1/disposal-lists/"+prop.List+"/submit", arch1, map[string]any{"rev": page.Lists[0].Rev})).want(t, 200, "").json(t, &l)
	e.do(jsonReq("POST", "/api/v1/disposal-lists/"+prop.List+"/decision", arch1, map[string]any{"rev": l.Rev, "approve": true})).want(t, 403, "four_eyes")
	e.do(jsonReq("POST", "/api/v1/disposal-lists/"+prop.List+"/decision", arch2, map[string]any{"rev": l.Rev - 1, "approve": true})).want(t, 409, "retention_changed")
	e.do(jsonReq("POST", "/api/v1/disposal-lists/"+prop.List+"/decision", e.admin, map[string]any{"rev": l.Rev, "approve": true})).want(t, 200, "")
	e.do(call{method: "POST", path: "/api/v1/disposal-lists/" + prop.List + "/execute", token: arch1}).want(t, 200, "").json(t, &l)
	if l.State != archive.DisposalExecuted || l.Items[0].Outcome != archive.OutcomeDisposed || l.DecidedBy != "quantri" {
		t.Fatalf("executed: %+v", l)
	}
	e.do(call{method: "POST", path: "/api/v1/disposal-lists/" + prop.List + "/execute", token: arch2}).want(t, 409, "disposal_list_state")
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 404, "document_not_found")
	led := e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + d.ID, token: e.citizenA}).want(t, 200, "")
	if !strings.Contains(string(led.body), `"action":"dispose"`) || !strings.Contains(string(led.body), "Giấy tờ hết thời hạn lưu trữ đã được hủy") {
		t.Fatalf("the owner's ledger: %s", led.body)
	}
}

// jsonReq is a request with v as its JSON body.
func jsonReq(method, path, token string, v any) call {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return call{method: method, path: path, token: token, contentType: "application/json", body: b}
}
