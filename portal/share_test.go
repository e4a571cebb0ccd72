package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// ownerC is a third citizen: neither the owner nor the grantee.
const ownerC = "001203099999"

// shareJSON is a share as the API answers it.
type shareJSON struct {
	ID         string `json:"id"`
	DocumentID string `json:"documentId"`
	Version    int    `json:"version"`
	Grantee    string `json:"grantee"`
	Purpose    string `json:"purpose"`
	State      string `json:"state"`
	StateLabel string `json:"stateLabel"`
}

// inVietnam is the day in Vietnam d days from now, YYYY-MM-DD.
func inVietnam(d int) string {
	return time.Now().In(time.FixedZone("ICT", 7*3600)).AddDate(0, 0, d).Format(time.DateOnly)
}

// shareEntries counts the entries of A's ledger that name share id, by action.
func (e *env) shareEntries(t *testing.T, id string) map[string]int {
	t.Helper()
	var l struct {
		Entries []struct {
			Action  string `json:"action"`
			Share   string `json:"share"`
			Grantee string `json:"grantee"`
			Purpose string `json:"purpose"`
		} `json:"entries"`
	}
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?limit=1000", token: e.citizenA}).want(t, 200, "").json(t, &l)
	out := map[string]int{}
	for _, en := range l.Entries {
		if en.Share == id {
			out[en.Action]++
			if en.Grantee == "" || en.Purpose == "" {
				t.Errorf("entry %+v names no grantee or purpose", en)
			}
		}
	}
	return out
}

// TestShareBadInput: each bad request to share gets its status and code
// and stores no share.
func TestShareBadInput(t *testing.T) {
	e := newEnv(t)
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("x"))
	path := "/api/v1/documents/" + d.ID + "/shares"
	body := func(kind, grantee, purpose, until string) []byte {
		return []byte(`{"granteeKind":"` + kind + `","grantee":"` + grantee + `","purpose":"` + purpose + `","validUntil":"` + until + `"}`)
	}
	for _, c := range []struct {
		name   string
		token  string
		body   []byte
		expect expectation
		status int
		code   string
	}{
		{"missing purpose", e.citizenA, []byte(`{"granteeKind":"agency","grantee":"` + agencyA + `","validUntil":"` + inVietnam(5) + `"}`), specInvalid, 400, "purpose_required"},
		{"blank purpose", e.citizenA, body("agency", agencyA, "  ", inVietnam(5)), specValid, 400, "purpose_required"},
		{"past date", e.citizenA, body("agency", agencyA, "xét tuyển", inVietnam(-1)), specValid, 400, "valid_until_past"},
		{"over 5 years", e.citizenA, body("agency", agencyA, "xét tuyển", inVietnam(5*366+2)), specValid, 400, "valid_until_too_far"},
		{"unknown grantee kind", e.citizenA, body("ministry", agencyA, "xét tuyển", inVietnam(5)), specInvalid, 400, "invalid_grantee_kind"},
		{"bad agency code", e.citizenA, body("agency", "UBND", "xét tuyển", inVietnam(5)), specValid, 400, "invalid_grantee"},
		{"with oneself", e.citizenA, body("person", ownerA, "xét tuyển", inVietnam(5)), specValid, 400, "share_with_self"},
		{"over-long purpose", e.citizenA, body("agency", agencyA, strings.Repeat("x", 501), inVietnam(5)), specInvalid, 400, "purpose_too_long"},
		{"not a date", e.citizenA, body("agency", agencyA, "xét tuyển", "31/12/2026"), specInvalid, 400, ""},
		{"unknown field", e.citizenA, []byte(`{"granteeKind":"agency","grantee":"` + agencyA + `","purpose":"x","validUntil":"` + inVietnam(5) + `","until":"x"}`), specInvalid, 400, "unknown_field"},
		{"someone else's paper", e.citizenB, body("agency", agencyA, "xét tuyển", inVietnam(5)), specValid, 404, "document_not_found"},
		{"staff for the owner", e.staff, body("agency", agencyA, "xét tuyển", inVietnam(5)), specValid, 403, "share_owner_only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(call{method: "POST", path: path, token: c.token, contentType: "application/json", body: c.body, expect: c.expect})
			r.want(t, c.status, c.code)
		})
	}
	if shs, _, err := e.store.ListSharesGiven(context.Background(), archive.GivenQuery{OwnerID: ownerA, Limit: 10}); err != nil || len(shs) != 0 {
		t.Errorf("refused shares were stored: %v, %v", shs, err)
	}
	e.do(call{method: "GET", path: "/api/v1/shares?direction=both", token: e.citizenA, expect: specInvalid}).want(t, 400, "invalid_direction")
}

// TestShareAPI walks a share over HTTP: A shares a paper with person B; B
// lists it, reads and downloads it and nothing else of A's; C, a third
// citizen, reaches nothing; A revokes it and B gets share_revoked; an
// expired share gives share_expired; staff of the granted agency read
// without a purpose, other staff cannot. Each use is counted in A's ledger.
func TestShareAPI(t *testing.T) {
	e := newEnv(t)
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("giay khai sinh"))
	other := e.birthCert(e.citizenA, ownerA, "Giấy tờ khác", pdf("giay khac"))
	citizenC := e.token(ownerC, archive.RoleCitizen, time.Time{})
	json := func(s string) call { return call{contentType: "application/json", body: []byte(s)} }
	post := json(`{"granteeKind":"person","grantee":"` + ownerB + `","purpose":"Cho thuê nhà","validUntil":"` + inVietnam(30) + `"}`)
	post.method, post.path, post.token = "POST", "/api/v1/documents/"+d.ID+"/shares", e.citizenA
	var sh shareJSON
	r := e.do(post).want(t, 201, "")
	r.json(t, &sh)
	if sh.State != "active" || sh.StateLabel != "Đang chia sẻ" || sh.Version != 1 || r.header.Get("Location") != "/api/v1/shares/"+sh.ID {
		t.Fatalf("share %+v, Location %q", sh, r.header.Get("Location"))
	}
	base := "/api/v1/shares/" + sh.ID

	var page struct {
		Shares []shareJSON `json:"shares"`
	}
	e.do(call{method: "GET", path: "/api/v1/shares", token: e.citizenB}).want(t, 200, "").json(t, &page)
	if len(page.Shares) != 1 || page.Shares[0].ID != sh.ID {
		t.Errorf("B's received shares: %+v", page.Shares)
	}
	e.do(call{method: "GET", path: "/api/v1/shares?direction=given", token: e.citizenA}).want(t, 200, "").json(t, &page)
	if len(page.Shares) != 1 || page.Shares[0].ID != sh.ID {
		t.Errorf("A's given shares: %+v", page.Shares)
	}
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/shares", token: e.citizenA}).want(t, 200, "").json(t, &page)
	if len(page.Shares) != 1 {
		t.Errorf("the paper's shares: %+v", page.Shares)
	}
	for _, tok := range []string{e.citizenB, citizenC} {
		e.do(call{method: "GET", path: "/api/v1/shares", token: tok}).want(t, 200, "").json(t, &page)
		e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/shares", token: tok}).want(t, 404, "document_not_found")
	}

	var sd struct {
		DocumentID string `json:"documentId"`
		Status     string `json:"status"`
		Version    struct {
			N    int    `json:"n"`
			Blob string `json:"blob"`
		} `json:"version"`
		Share shareJSON `json:"share"`
	}
	e.do(call{method: "GET", path: base + "/document", token: e.citizenB}).want(t, 200, "").json(t, &sd)
	if sd.DocumentID != d.ID || sd.Status != "valid" || sd.Version.N != 1 || sd.Share.ID != sh.ID {
		t.Errorf("shared document %+v", sd)
	}
	r = e.do(call{method: "GET", path: base + "/content", token: e.citizenB}).want(t, 200, "")
	if string(r.body) != string(pdf("giay khai sinh")) || r.header.Get("ETag") != `"`+d.Current.Blob+`"` {
		t.Errorf("shared content: %d bytes, ETag %q", len(r.body), r.header.Get("ETag"))
	}
	if n := e.shareEntries(t, sh.ID); n["share"] != 1 || n["read"] != 1 || n["download"] != 1 || len(n) != 3 {
		t.Errorf("A's ledger entries of the share: %v, want share, read and download once each", n)
	}
	// The grantee reaches the shared paper only.
	e.do(call{method: "GET", path: "/api/v1/documents/" + other.ID, token: e.citizenB}).want(t, 404, "document_not_found")
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/content", token: e.citizenB}).want(t, 404, "document_not_found")
	// C, the owner (through the share's paths) and staff of agencies get
	// the answer of a share that does not exist, and nothing is recorded.
	for _, tok := range []string{citizenC, e.issuer, e.staff} {
		e.do(call{method: "GET", path: base + "/document", token: tok}).want(t, 404, "share_not_found")
		e.do(call{method: "GET", path: base + "/content", token: tok}).want(t, 404, "share_not_found")
		e.do(call{method: "GET", path: base, token: tok}).want(t, 404, "share_not_found")
	}
	e.do(call{method: "DELETE", path: base, token: citizenC}).want(t, 404, "share_not_found")
	e.do(call{method: "DELETE", path: base, token: e.citizenB}).want(t, 404, "share_not_found")
	e.do(call{method: "DELETE", path: base, token: e.staff}).want(t, 403, "share_owner_only")
	if n := e.shareEntries(t, sh.ID); len(n) != 3 || n["read"] != 1 || n["download"] != 1 {
		t.Errorf("refused calls were recorded: %v", n)
	}

	// A revokes; B is refused with when, and nothing more is recorded.
	rv := json(`{"reason":"Đã ký hợp đồng"}`)
	rv.method, rv.path, rv.token = "DELETE", base, e.citizenA
	e.do(rv).want(t, 200, "").json(t, &sh)
	if sh.State != "revoked" {
		t.Errorf("revoked share %+v", sh)
	}
	e.do(call{method: "DELETE", path: base, token: e.citizenA}).want(t, 409, "share_revoked")
	r = e.do(call{method: "GET", path: base + "/document", token: e.citizenB}).want(t, 403, "share_revoked")
	var eb errorBody
	r.json(t, &eb)
	if !strings.Contains(eb.Error.Message, time.Now().In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006")) {
		t.Errorf("the refusal does not say when: %q", eb.Error.Message)
	}
	e.do(call{method: "GET", path: base + "/content", token: e.citizenB}).want(t, 403, "share_revoked")
	e.do(call{method: "GET", path: "/api/v1/shares", token: e.citizenB}).want(t, 200, "").json(t, &page)
	if len(page.Shares) != 0 {
		t.Errorf("a revoked share is listed as received: %+v", page.Shares)
	}
	if n := e.shareEntries(t, sh.ID); len(n) != 4 || n["unshare"] != 1 || n["read"] != 1 || n["download"] != 1 {
		t.Errorf("A's ledger entries after the revocation: %v", n)
	}

	// A share whose last day was yesterday (written to the store as it
	// would stand a day after its end): share_expired naming the day.
	yesterday := inVietnam(-1)
	until, _ := archive.ParseDate(yesterday)
	ex := archive.Share{ID: archive.NewID(time.Now()), DocumentID: d.ID, OwnerID: ownerA, Version: 1, GranteeKind: archive.GranteePerson,
		Grantee: ownerB, Purpose: "Cho thuê nhà", ValidUntil: until, TypeCode: d.TypeCode, DocumentName: d.Name,
		CreatedAt: time.Now().Add(-72 * time.Hour), CreatedBy: ownerA}
	if err := e.store.CreateShare(context.Background(), ex); err != nil {
		t.Fatal(err)
	}
	r = e.do(call{method: "GET", path: "/api/v1/shares/" + ex.ID + "/content", token: e.citizenB}).want(t, 403, "share_expired")
	r.json(t, &eb)
	if !strings.Contains(eb.Error.Message, until.Vietnamese()) {
		t.Errorf("the expiry message does not name %s: %q", until.Vietnamese(), eb.Error.Message)
	}
	e.do(call{method: "GET", path: "/api/v1/shares/" + ex.ID, token: e.citizenA}).want(t, 200, "").json(t, &sh)
	if sh.State != "expired" || sh.StateLabel != "Hết hạn chia sẻ" {
		t.Errorf("expired share %+v", sh)
	}
	if n := e.shareEntries(t, ex.ID); len(n) != 0 {
		t.Errorf("uses of an expired share were recorded: %v", n)
	}

	// To an agency: its staff read with no purpose; another agency's do not.
	post = json(`{"granteeKind":"agency","grantee":"` + agencyA + `","purpose":"Xét tuyển viên chức","validUntil":"` + inVietnam(30) + `","version":1}`)
	post.method, post.path, post.token = "POST", "/api/v1/documents/"+d.ID+"/shares", e.citizenA
	e.do(post).want(t, 201, "").json(t, &sh)
	e.do(call{method: "GET", path: "/api/v1/shares", token: e.issuer}).want(t, 200, "").json(t, &page)
	if len(page.Shares) != 1 || page.Shares[0].ID != sh.ID {
		t.Errorf("agency A's received shares: %+v", page.Shares)
	}
	e.do(call{method: "GET", path: "/api/v1/shares/" + sh.ID + "/document", token: e.issuer}).want(t, 200, "")
	e.do(call{method: "GET", path: "/api/v1/shares/" + sh.ID + "/document", token: e.issuerB}).want(t, 404, "share_not_found")
	e.do(call{method: "GET", path: "/api/v1/shares", token: e.staff}).want(t, 403, "not_agency_staff")
	if n := e.shareEntries(t, sh.ID); len(n) != 2 || n["read"] != 1 {
		t.Errorf("A's ledger entries of the agency's share: %v", n)
	}
}
