package portal_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// dossierReads returns the "dossier" entries of owner's ledger.
func (e *env) dossierReads(t *testing.T, owner string) []archive.LedgerEntry {
	t.Helper()
	es, _, err := e.vault.Ledger(context.Background(), citizenActor(owner), owner, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	var out []archive.LedgerEntry
	for _, x := range es {
		if x.Action == archive.ActionDossier {
			out = append(out, x)
		}
	}
	return out
}

// TestDossierReadLedger: a staff member's and an admin's read of a
// dossier land in the applicant's ledger with the purpose they gave and
// the dossier's code; the applicant's own read needs no purpose and adds
// nothing; a read without a purpose is refused and not recorded.
func TestDossierReadLedger(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	get := func(token, purpose string) result {
		path := "/api/v1/dossiers/" + v.Code
		if purpose != "" {
			path += "?purpose=" + url.QueryEscape(purpose)
		}
		return e.do(call{method: "GET", path: path, token: token})
	}
	get(e.citizenA, "").want(t, 200, "")
	if got := e.dossierReads(t, ownerA); len(got) != 0 {
		t.Fatalf("the applicant's own read was recorded: %+v", got)
	}
	get(st.desk, "").want(t, 400, "purpose_required")
	get(st.outsider, "kiểm tra").want(t, 403, "other_agency")
	if got := e.dossierReads(t, ownerA); len(got) != 0 {
		t.Fatalf("refused reads were recorded: %+v", got)
	}
	get(st.desk, "Tiếp nhận hồ sơ").want(t, 200, "")
	get(e.admin, "Kiểm tra theo yêu cầu thanh tra").want(t, 200, "")
	got := e.dossierReads(t, ownerA)
	if len(got) != 2 {
		t.Fatalf("ledger has %d dossier reads, want 2: %+v", len(got), got)
	}
	for i, w := range []struct {
		actor   string
		role    archive.Role
		purpose string
	}{{deskSubject, archive.RoleStaff, "Tiếp nhận hồ sơ"}, {"quantri", archive.RoleAdmin, "Kiểm tra theo yêu cầu thanh tra"}} {
		x := got[i]
		if x.Actor != w.actor || x.ActorRole != w.role || x.Purpose != w.purpose || x.Dossier != v.Code || x.Chain != ownerA {
			t.Errorf("entry %d = %+v, want %s (%s) for %q on %s", i, x, w.actor, w.role, w.purpose, v.Code)
		}
	}
	if l := archive.ActionDossier.Label(); l == string(archive.ActionDossier) {
		t.Errorf("no Vietnamese label for %q", l)
	}
	// Another citizen's ledger holds nothing of it.
	if got := e.dossierReads(t, ownerB); len(got) != 0 {
		t.Errorf("B's ledger has A's dossier reads: %+v", got)
	}
}

// TestDossierUploadOpensVault: a desk officer of the receiving agency
// storing a component for an applicant who has no vault yet opens it (a
// person by identity number, an organisation by its code), as an agency
// issuing a paper does; a citizen applying as a representative does not,
// and the applicant's vault stays unopened.
func TestDossierUploadOpensVault(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	const (
		person = "001088000777"
		org    = "0312345678"
		other  = "002077000555"
	)
	ctx := context.Background()
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	owner := func(id string) (archive.Owner, error) {
		return e.vault.Owner(ctx, admin, id, archive.Access{Purpose: "kiểm thử"})
	}
	create := func(token, body string) string {
		var d struct{ Code string }
		e.do(call{method: "POST", path: "/api/v1/dossiers", token: token, contentType: "application/json", body: []byte(body)}).
			want(t, 201, "").json(t, &d)
		return d.Code
	}
	upload := func(token, code string) result {
		return e.do(call{method: "POST", path: "/api/v1/dossiers/" + code + "/components/GIAY_CHUNG_SINH/file?filename=gcs.pdf", token: token,
			contentType: "application/pdf", body: pdf("giấy chứng sinh")})
	}
	// A citizen as representative of someone without a vault: refused, nothing opened.
	code := create(e.citizenB, `{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"`+other+`","name":"Vũ Văn Năm"},`+
		`"representative":{"kind":"individual","id":"`+ownerB+`","name":"Lê Văn Bê","authorization":"Giấy ủy quyền số 7/2026"}}`)
	upload(e.citizenB, code).want(t, 403, "not_own_vault")
	if _, err := owner(other); !errors.Is(err, &kerr.Error{Code: "owner_not_found"}) {
		t.Fatalf("the representative's refused upload: owner %s: %v, want owner_not_found", other, err)
	}
	for _, w := range []struct {
		kind, id string
		want     archive.OwnerKind
	}{{"individual", person, archive.Individual}, {"organization", org, archive.Organization}} {
		if _, err := owner(w.id); !errors.Is(err, &kerr.Error{Code: "owner_not_found"}) {
			t.Fatalf("owner %s before: %v", w.id, err)
		}
		code := create(st.desk, `{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"`+w.kind+`","id":"`+w.id+`","name":"Người Nộp Mới"}}`)
		var after dossierJSON
		upload(st.desk, code).want(t, 200, "").json(t, &after)
		if len(after.Components) != 1 || after.Components[0].Source != "upload" {
			t.Fatalf("%s: components %+v", w.id, after.Components)
		}
		o, err := owner(w.id)
		if err != nil || o.Kind != w.want || o.IdentityNumber != w.id {
			t.Fatalf("%s: owner %+v, %v", w.id, o, err)
		}
		docs, err := e.vault.List(ctx, admin, archive.ListQuery{OwnerID: w.id, Limit: 10}, archive.Access{Purpose: "kiểm thử"})
		if err != nil || len(docs.Documents) != 1 || docs.Documents[0].ID != after.Components[0].DocumentID {
			t.Fatalf("%s: the vault holds %+v, %v", w.id, docs.Documents, err)
		}
		// Again into the vault now open: one more paper, no error.
		upload(st.desk, code).want(t, 200, "")
	}
}

// TestStaffTokenAgency: a staff token that acts for an agency must name
// the agency the staff directory gives its subject — another is refused
// with 403 agency_mismatch on every dossier call, and changes nothing; a
// token naming the directory's agency, or none, acts as the directory says.
func TestStaffTokenAgency(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	e.act(e.citizenA, v.Code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	wrong := e.agencyToken(deskSubject, otherWard)
	right := e.agencyToken(deskSubject, ward)
	read := "/api/v1/dossiers/" + v.Code + "?purpose=" + url.QueryEscape("tiếp nhận")
	for _, c := range []call{
		{method: "GET", path: read, token: wrong},
		{method: "GET", path: "/api/v1/dossiers", token: wrong},
		{method: "GET", path: "/api/v1/dossier-counts", token: wrong},
		{method: "POST", path: "/api/v1/dossiers/" + v.Code + "/actions", token: wrong, contentType: "application/json",
			body: []byte(`{"action":"receive"}`)},
		{method: "POST", path: "/api/v1/dossiers", token: wrong, contentType: "application/json",
			body: []byte(`{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"` + ownerB + `","name":"Lê Văn Bê"}}`)},
	} {
		r := e.do(c).want(t, 403, "agency_mismatch")
		if !vietnamese(string(r.body)) {
			t.Errorf("%s %s: no Vietnamese message: %s", c.method, c.path, r.body)
		}
	}
	if d := e.dossier(e.citizenA, v.Code); d.Status != "awaiting_intake" || len(d.Trail) != 1 {
		t.Fatalf("the refused action changed the dossier: %s, %d trail entries", d.Status, len(d.Trail))
	}
	e.do(call{method: "GET", path: read, token: right}).want(t, 200, "")
	e.do(call{method: "GET", path: read, token: st.desk}).want(t, 200, "")
	e.act(right, v.Code, v.Rev+1, `{"action":"receive"}`).want(t, 200, "")
}

// TestDossierFieldNamesExact: the dossier API matches JSON member names
// exactly — "ACtion" is not "action" — on every body it reads, and a
// refused body changes nothing.
func TestDossierFieldNamesExact(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	const js = "application/json"
	for _, c := range []call{
		{method: "POST", path: "/api/v1/dossiers/" + v.Code + "/actions", token: e.citizenA, body: []byte(`{"ACtion":"submit"}`)},
		{method: "POST", path: "/api/v1/dossiers/" + v.Code + "/actions", token: e.citizenA, body: []byte(`{"Action":"submit"}`)},
		{method: "POST", path: "/api/v1/dossiers", token: e.citizenA,
			body: []byte(`{"Procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"` + ownerA + `","name":"Trần Thị Bích Ngọc"}}`)},
		{method: "POST", path: "/api/v1/dossiers", token: e.citizenA,
			body: []byte(`{"procedure":"DANG_KY_KHAI_SINH","applicant":{"KIND":"individual","id":"` + ownerA + `","name":"Trần Thị Bích Ngọc"}}`)},
		{method: "PUT", path: "/api/v1/dossiers/" + v.Code + "/components/TO_KHAI", token: e.citizenA, body: []byte(`{"Form":{}}`)},
		{method: "PUT", path: "/api/v1/staff/motcua09", token: e.admin,
			body: []byte(`{"Name":"Hoàng Thị Chín","agency":"` + ward + `","department":"MOT_CUA","positions":["desk"],"active":true}`)},
	} {
		c.contentType, c.expect = js, specInvalid
		e.do(c).want(t, 400, "unknown_field")
	}
	d := e.dossier(e.citizenA, v.Code)
	if d.Status != "registered" || d.Rev != v.Rev || len(d.Trail) != 0 {
		t.Fatalf("a refused body changed the dossier: %s rev %d, %d trail entries", d.Status, d.Rev, len(d.Trail))
	}
	if page := e.dossiersOf(t, e.citizenA); page != 1 {
		t.Fatalf("A has %d dossiers, want 1", page)
	}
	e.act(e.citizenA, v.Code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	e.act(st.desk, v.Code, v.Rev+1, `{"action":"receive"}`).want(t, 200, "")
}

// dossiersOf counts the dossiers a token lists.
func (e *env) dossiersOf(t *testing.T, token string) int {
	t.Helper()
	var p struct{ Dossiers []struct{ Code string } }
	e.do(call{method: "GET", path: "/api/v1/dossiers", token: token}).want(t, 200, "").json(t, &p)
	return len(p.Dossiers)
}
