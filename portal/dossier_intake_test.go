package portal_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestDossierIntakeChannels: who may register a dossier, on which channel
// and for whom — a citizen for themselves or as someone's representative
// online, a desk officer for a paper dossier at the desk or by post —
// and a component uploaded as multipart.
func TestDossierIntakeChannels(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA() // A's vault exists: a component is stored into it
	const js = "application/json"
	applicantA := `"applicant":{"kind":"individual","id":"` + ownerA + `","name":"Trần Thị Bích Ngọc"}`
	create := func(token, body string) result {
		return e.do(call{method: "POST", path: "/api/v1/dossiers", token: token, contentType: js, body: []byte(body)})
	}
	var d struct {
		Code, Channel, CreatedBy string
		Representative           *struct{ ID, Authorization string }
	}
	// The desk, for a paper dossier that came by post.
	create(st.desk, `{"procedure":"DANG_KY_KHAI_SINH","channel":"postal",`+applicantA+`}`).want(t, 201, "").json(t, &d)
	if d.Channel != "postal" || d.CreatedBy != deskSubject || !strings.HasPrefix(d.Code, ward+"-") {
		t.Errorf("desk dossier %+v", d)
	}
	create(st.desk, `{"procedure":"DANG_KY_KHAI_SINH","channel":"portal",`+applicantA+`}`).want(t, 400, "channel_not_allowed")
	create(st.appraiser, `{"procedure":"DANG_KY_KHAI_SINH",`+applicantA+`}`).want(t, 403, "role_not_allowed")
	create(e.admin, `{"procedure":"DANG_KY_KHAI_SINH",`+applicantA+`}`).want(t, 403, "role_not_allowed")
	create(e.citizenA, `{"procedure":"DANG_KY_KHAI_SINH","channel":"desk",`+applicantA+`}`).want(t, 400, "channel_not_allowed")
	create(e.citizenA, `{"procedure":"KHONG_CO",`+applicantA+`}`).want(t, 404, "procedure_not_found")
	create(e.citizenA, `{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"123","name":"x"}}`).want(t, 403, "not_own_dossier")

	// B for A, as A's representative: both read it, the desk too.
	rep := `"representative":{"kind":"individual","id":"` + ownerB + `","name":"Lê Văn Bê","authorization":"Giấy ủy quyền số 12/2026"}`
	e.do(call{method: "POST", path: "/api/v1/dossiers", token: e.citizenB, contentType: js, expect: specInvalid,
		body: []byte(`{"procedure":"DANG_KY_KHAI_SINH",` + applicantA + `,"representative":{"kind":"individual","id":"` + ownerB + `","name":"Lê Văn Bê"}}`)}).
		want(t, 400, "authorization_required")
	create(e.citizenB, `{"procedure":"DANG_KY_KHAI_SINH",`+applicantA+`,`+rep+`}`).want(t, 201, "").json(t, &d)
	if d.Channel != "portal" || d.Representative == nil || d.Representative.ID != ownerB {
		t.Errorf("dossier by a representative %+v", d)
	}
	e.dossier(e.citizenA, d.Code)
	e.dossier(e.citizenB, d.Code)
	e.dossier(st.desk, d.Code)
	e.do(call{method: "GET", path: "/api/v1/dossiers/" + d.Code, token: st.desk}).want(t, 400, "purpose_required")
	// The representative may not store into A's vault; the desk may, as multipart.
	e.do(call{method: "POST", path: "/api/v1/dossiers/" + d.Code + "/components/GIAY_CHUNG_SINH/file?filename=gcs.pdf", token: e.citizenB,
		contentType: "application/pdf", body: pdf("giấy chứng sinh")}).want(t, 403, "not_own_vault")
	body, ct := multipartBody(t, part{name: "file", fileName: "giay-chung-sinh.pdf", contentType: "application/pdf", data: pdf("giấy chứng sinh")})
	var after dossierJSON
	e.do(call{method: "POST", path: "/api/v1/dossiers/" + d.Code + "/components/GIAY_CHUNG_SINH/file", token: st.desk, contentType: ct, body: body}).
		want(t, 200, "").json(t, &after)
	if len(after.Components) != 1 || after.Components[0].Source != "upload" || after.Components[0].TypeCode != "GIAY_CHUNG_SINH" {
		t.Errorf("components %+v", after.Components)
	}
	e.do(call{method: "POST", path: "/api/v1/dossiers/" + d.Code + "/components/GIAY_CHUNG_SINH/file?type=CAN_CUOC", token: st.desk,
		contentType: "application/pdf", body: pdf("x")}).want(t, 400, "document_type_mismatch")
	e.do(call{method: "POST", path: "/api/v1/dossiers/" + d.Code + "/components/TO_KHAI/file", token: st.desk,
		contentType: "application/pdf", body: pdf("x")}).want(t, 400, "component_not_document")
}

// TestDossierConcurrentActions: two officers act on one dossier at once
// with the same revision: exactly one wins, the other gets 409
// dossier_changed, and the trail has one entry for it.
func TestDossierConcurrentActions(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	e.act(e.citizenA, v.Code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	desk2 := e.token("motcua02", archive.RoleStaff, time.Time{})
	e.do(call{method: "PUT", path: "/api/v1/staff/motcua02", token: e.admin, contentType: "application/json",
		body: []byte(`{"name":"Hoàng Thị Hai","agency":"000.00.31.H29","department":"MOT_CUA","positions":["desk"],"active":true}`)}).want(t, 200, "")
	rev := v.Rev + 1
	bodies := []string{`{"action":"receive"}`, `{"action":"refuse_intake","reason":"Không thuộc thẩm quyền"}`}
	statuses, codes := make([]int, 2), make([]string, 2)
	var wg sync.WaitGroup
	for i, tok := range []string{st.desk, desk2} {
		wg.Go(func() {
			r := e.act(tok, v.Code, rev, bodies[i])
			statuses[i], codes[i] = r.status, r.code(t)
		})
	}
	wg.Wait()
	if (statuses[0] == 200) == (statuses[1] == 200) || (codes[0] != "dossier_changed" && codes[1] != "dossier_changed") {
		t.Fatalf("statuses %v %v: want one 200 and one 409 dossier_changed", statuses, codes)
	}
	d := e.dossier(e.citizenA, v.Code)
	if len(d.Trail) != 2 || d.Rev != rev+1 || d.Trail[1].Action != map[bool]string{true: "receive", false: "refuse_intake"}[statuses[0] == 200] {
		t.Fatalf("trail %+v, rev %d", d.Trail, d.Rev)
	}
}
