package portal_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
)

const issueDossier = agencyA + "-261207-0007"

// issued is a document as the API shows it.
type issued struct {
	archive.Document
	EffectiveStatus string `json:"effectiveStatus"`
}

// issueQuery is the query of a birth certificate issued for issueDossier.
func issueQuery(owner, number string) url.Values {
	return url.Values{"owner": {owner}, "dossier": {issueDossier}, "agencyName": {"Ủy ban nhân dân Phường Bến Nghé"},
		"number": {number}, "type": {"KHAI_SINH"}, "name": {"Giấy khai sinh"},
		"fields": {`{"hoTen":"Nguyễn Văn An","ngaySinh":"2026-11-30"}`}, "validFrom": {"2026-12-07"}}
}

// by returns c made with token.
func (c call) by(token string) call { c.token = token; return c }

// issue sends POST /api/v1/issued with a PDF body.
func (e *env) issue(token string, q url.Values, pdf []byte) result {
	e.t.Helper()
	return e.do(call{method: "POST", path: "/api/v1/issued?" + q.Encode(), token: token, contentType: "application/pdf",
		body: pdf, header: map[string]string{"Content-Disposition": `attachment; filename="ket-qua.pdf"`}})
}

// TestIssueAPI walks an issued paper through the API: the agency's staff
// issue it (again, after a lost answer: the same paper), the owner sees
// it with issuedBy, another agency cannot revoke it, its agency revokes
// it, and a reuse then says why it cannot be.
func TestIssueAPI(t *testing.T) {
	e := newEnv(t)
	body := pdf("ket qua")
	var d issued
	e.issue(e.issuer, issueQuery(ownerA, "15/2026/KS"), body).want(t, 201, "").json(t, &d)
	if d.Source != archive.SourceResult || d.IssuedBy == nil || d.IssuedBy.Agency != agencyA || d.IssuedBy.Dossier != issueDossier ||
		d.IssuedBy.Number != "15/2026/KS" || d.OwnerID != ownerA {
		t.Fatalf("issued %+v, issuedBy %+v", d.Document, d.IssuedBy)
	}
	var again issued
	e.issue(e.issuer, issueQuery(ownerA, "15/2026/KS"), body).want(t, 201, "").json(t, &again)
	if again.ID != d.ID {
		t.Fatalf("the issue sent again made %s, first %s", again.ID, d.ID)
	}
	// The owner's view shows who issued it.
	var mine issued
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &mine)
	if mine.IssuedBy == nil || mine.IssuedBy.AgencyName != "Ủy ban nhân dân Phường Bến Nghé" {
		t.Fatalf("the owner's view: issuedBy %+v", mine.IssuedBy)
	}
	// The owner renames it, but cannot change its number.
	e.do(jsonCall("PATCH", "/api/v1/documents/"+d.ID, `{"name":"Khai sinh của con"}`).by(e.citizenA)).want(t, 200, "")
	e.do(jsonCall("PATCH", "/api/v1/documents/"+d.ID, `{"number":"99"}`).by(e.citizenA)).want(t, 403, "issued_document_locked")

	// Staff reads still need a purpose.
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.issuerB}).want(t, 400, "purpose_required")

	revoke := "/api/v1/documents/" + d.ID + "/revoke"
	e.do(jsonCall("POST", revoke, `{"reason":"Cấp sai ngày sinh"}`).by(e.citizenA)).want(t, 403, "staff_only")
	e.do(jsonCall("POST", revoke, `{"reason":"Cấp sai ngày sinh"}`).by(e.staff)).want(t, 403, "not_agency_staff")
	e.do(jsonCall("POST", revoke, `{"reason":"Cấp sai ngày sinh"}`).by(e.issuerB)).want(t, 404, "issued_document_not_found")
	e.do(jsonCall("POST", revoke, `{"reason":"  "}`).by(e.issuer)).want(t, 400, "reason_required")
	e.do(jsonCall("POST", "/api/v1/documents/"+archive.NewID(mine.CreatedAt)+"/revoke", `{"reason":"x"}`).by(e.issuer)).
		want(t, 404, "issued_document_not_found")
	e.do(call{method: "POST", path: revoke, token: e.issuer, contentType: "application/json", body: []byte(`{"reason":`), expect: specInvalid}).
		want(t, 400, "")
	got, err := e.store.GetDocument(context.Background(), d.ID)
	if err != nil || got.Status != archive.StatusValid || got.StatusChange != nil {
		t.Fatalf("refused revocations changed the paper: %s %+v (%v)", got.Status, got.StatusChange, err)
	}

	var r issued
	e.do(jsonCall("POST", revoke, `{"reason":"Cấp sai ngày sinh"}`).by(e.issuer)).want(t, 200, "").json(t, &r)
	if r.Status != archive.StatusRevoked || r.EffectiveStatus != "revoked" || r.StatusChange == nil || r.StatusChange.Reason != "Cấp sai ngày sinh" {
		t.Fatalf("revoked: %s %+v", r.Status, r.StatusChange)
	}
	// A dossier that reused it earlier asks its current status: the
	// document view, with a purpose.
	var now issued
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "?purpose=" + url.QueryEscape("kiểm tra giấy tờ đã dùng lại"), token: e.staff}).
		want(t, 200, "").json(t, &now)
	if now.EffectiveStatus != "revoked" || now.StatusChange == nil || now.StatusChange.Reason != "Cấp sai ngày sinh" || now.StatusChange.At.IsZero() {
		t.Fatalf("document view after revocation: %s %+v", now.EffectiveStatus, now.StatusChange)
	}
	res := e.do(jsonCall("POST", "/api/v1/documents/"+d.ID+"/reuse", `{"dossier":"000.00.40.H29-261207-0001"}`).by(e.staff)).
		want(t, 409, "document_not_reusable")
	var eb errorBody
	res.json(t, &eb)
	if !strings.Contains(eb.Error.Message, "Cấp sai ngày sinh") || !strings.Contains(eb.Error.Message, "thu hồi") {
		t.Fatalf("reuse refusal %q", eb.Error.Message)
	}
	// The owner's ledger shows the issue and the revocation.
	var l struct {
		Entries []archive.LedgerEntry `json:"entries"`
	}
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &l)
	var acts []string
	for _, en := range l.Entries {
		acts = append(acts, string(en.Action))
	}
	if s := strings.Join(acts, ","); !strings.Contains(s, "issue") || !strings.Contains(s, "revoke") {
		t.Fatalf("ledger actions %s", s)
	}
}

// TestIssueAPIRefusals: bad issues leave nothing in the vault.
func TestIssueAPIRefusals(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.vault.MaxUploadBytes = 64 << 10; o.portal.MaxUploadBytes = 64 << 10 })
	body := pdf("ket qua")
	with := func(k, v string) url.Values {
		q := issueQuery(ownerA, "1/2026/KS")
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	for _, tc := range []struct {
		name   string
		token  string
		q      url.Values
		data   []byte
		status int
		code   string
		expect expectation
	}{
		{"citizen", e.citizenA, with("", ""), body, 403, "staff_only", specValid},
		{"staff of no agency", e.staff, with("", ""), body, 403, "not_agency_staff", specValid},
		{"no dossier", e.issuer, with("dossier", ""), body, 400, "dossier_required", specInvalid},
		{"no number", e.issuer, with("number", ""), body, 400, "number_required", specValid},
		{"unknown type", e.issuer, with("type", "KHONG_CO"), body, 400, "unknown_document_type", specValid},
		{"issuer given", e.issuer, with("issuer", "Giả mạo"), body, 400, "unknown_parameter", specValid},
		{"bad issuedAt", e.issuer, with("issuedAt", "07/12/2026"), body, 400, "invalid_parameter", specValid},
		{"not a pdf", e.issuer, with("", ""), []byte(`{"not":"pdf"}`), 400, "content_type_mismatch", specValid},
		{"over the cap", e.issuer, with("", ""), append(body, make([]byte, 65<<10)...), 413, "file_too_large", specValid},
		{"not json fields", e.issuer, with("fields", "{"), body, 422, "document_fields_invalid", specValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := call{method: "POST", path: "/api/v1/issued?" + tc.q.Encode(), token: tc.token, contentType: "application/pdf",
				body: tc.data, expect: tc.expect}
			e.do(c).want(t, tc.status, tc.code)
			docs, _, err := e.store.ListDocuments(context.Background(), archive.DocQuery{OwnerID: ownerA, Limit: 10})
			if err != nil && !strings.Contains(err.Error(), "owner") {
				t.Fatal(err)
			}
			if len(docs) != 0 {
				t.Fatalf("a refused issue stored %d documents", len(docs))
			}
			if rs, _ := e.store.ListIssued(context.Background(), agencyA, issueDossier); len(rs) != 0 {
				t.Fatalf("a refused issue left %d register records", len(rs))
			}
		})
	}
}

// TestSupersedeAPI: the agency replaces one paper by another it issued to
// the same owner; another owner's paper cannot be the replacement.
func TestSupersedeAPI(t *testing.T) {
	e := newEnv(t)
	var old, repl, other issued
	e.issue(e.issuer, issueQuery(ownerA, "1/2026/KS"), pdf("cu")).want(t, 201, "").json(t, &old)
	e.issue(e.issuer, issueQuery(ownerA, "2/2026/KS"), pdf("moi")).want(t, 201, "").json(t, &repl)
	e.issue(e.issuer, issueQuery(ownerB, "3/2026/KS"), pdf("khac")).want(t, 201, "").json(t, &other)
	path := "/api/v1/documents/" + old.ID + "/supersede"
	req := func(id, reason string) string {
		return `{"replacement":"` + id + `","reason":` + strconv.Quote(reason) + `}`
	}
	e.do(jsonCall("POST", path, req(repl.ID, "cấp lại")).by(e.citizenA)).want(t, 403, "staff_only")
	e.do(jsonCall("POST", path, req(other.ID, "cấp lại")).by(e.issuer)).want(t, 400, "supersede_other_owner")
	e.do(jsonCall("POST", path, req(old.ID, "cấp lại")).by(e.issuer)).want(t, 400, "supersede_same")
	e.do(jsonCall("POST", path, req(repl.ID, "cấp lại")).by(e.issuerB)).want(t, 404, "issued_document_not_found")
	e.do(jsonCall("POST", path, req(repl.ID, "")).by(e.issuer)).want(t, 400, "reason_required")
	var s issued
	e.do(jsonCall("POST", path, req(repl.ID, "Cấp lại do đổi họ tên")).by(e.issuer)).want(t, 200, "").json(t, &s)
	if s.Status != archive.StatusSuperseded || s.StatusChange == nil || s.StatusChange.ReplacedBy != repl.ID {
		t.Fatalf("superseded: %s %+v", s.Status, s.StatusChange)
	}
	e.do(jsonCall("POST", "/api/v1/documents/"+old.ID+"/reuse", `{"dossier":"000.00.40.H29-261207-0001"}`).by(e.staff)).
		want(t, 409, "document_not_reusable")
	e.do(jsonCall("POST", "/api/v1/documents/"+repl.ID+"/reuse", `{"dossier":"000.00.40.H29-261207-0001"}`).by(e.staff)).
		want(t, 201, "")
}

// TestIssueRefusalFilesAPI: the files of a dossier refused at intake go
// into the applicant's vault with kind=refusal, any accepted type.
func TestIssueRefusalFilesAPI(t *testing.T) {
	e := newEnv(t)
	q := issueQuery(ownerA, "1")
	q.Set("kind", "refusal")
	q.Set("type", "KHAC")
	q.Set("name", "Tờ khai bị từ chối")
	q.Del("fields")
	var d issued
	e.do(call{method: "POST", path: "/api/v1/issued?" + q.Encode(), token: e.issuer, contentType: "image/png", body: pngImage(t)}).
		want(t, 201, "").json(t, &d)
	if d.Source != archive.SourceRejected || d.IssuedBy == nil || d.IssuedBy.Kind != archive.IssueRefusal || d.Current.MediaType != "image/png" || d.Number != "" {
		t.Fatalf("refusal file: source %s, issuedBy %+v, type %s, number %q", d.Source, d.IssuedBy, d.Current.MediaType, d.Number)
	}
	// A refusal's file is no result: it cannot be revoked.
	e.do(jsonCall("POST", "/api/v1/documents/"+d.ID+"/revoke", `{"reason":"x"}`).by(e.issuer)).want(t, 404, "issued_document_not_found")
}
