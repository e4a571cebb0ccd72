package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/workflow"
)

// dossierJSON is the part of a dossier the tests read.
type dossierJSON struct {
	Code       string `json:"code"`
	Status     string `json:"status"`
	Stage      string `json:"stage"`
	Rev        int64  `json:"rev"`
	ReceivedAt string `json:"receivedAt"`
	DueAt      string `json:"dueAt"`
	Components []struct {
		Code       string `json:"code"`
		Source     string `json:"source"`
		DocumentID string `json:"documentId"`
		Version    int    `json:"version"`
		TypeCode   string `json:"typeCode"`
		ReuseID    string `json:"reuseId"`
		Signature  *struct {
			Signed bool `json:"signed"`
		} `json:"signature"`
	} `json:"components"`
	Display struct {
		Status string `json:"status"`
		Label  string `json:"label"`
		Info   string `json:"info"`
	} `json:"display"`
	Actions []string `json:"actions"`
	Trail   []struct {
		Seq    int    `json:"seq"`
		Actor  string `json:"actor"`
		Role   string `json:"role"`
		Action string `json:"action"`
		From   struct{ Status, Stage string }
		To     struct{ Status, Stage string }
		Note   string `json:"note"`
	} `json:"trail"`
}

func (e *env) dossier(token, code string) dossierJSON {
	e.t.Helper()
	path := "/api/v1/dossiers/" + code
	if token != e.citizenA && token != e.citizenB {
		path += "?purpose=" + url.QueryEscape("xử lý hồ sơ")
	}
	var d dossierJSON
	r := e.do(call{method: "GET", path: path, token: token}).want(e.t, 200, "")
	r.json(e.t, &d)
	if et := r.header.Get("ETag"); et != fmt.Sprintf(`"%d"`, d.Rev) {
		e.t.Fatalf("ETag %q for rev %d", et, d.Rev)
	}
	return d
}

// act posts an action with If-Match: the dossier's revision.
func (e *env) act(token, code string, rev int64, body string) result {
	e.t.Helper()
	return e.do(call{method: "POST", path: "/api/v1/dossiers/" + code + "/actions", token: token, contentType: "application/json",
		body: []byte(body), header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, rev)}})
}

// cardOf uploads owner A's identity card (fields matching birthForm) and
// returns its ID.
func (e *env) cardOfA() string {
	e.t.Helper()
	q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước"}, "fields": {`{"soDinhDanh":"` + ownerA + `","hoTen":"Trần Thị Bích Ngọc","ngaySinh":"2000-02-29","noiCuTru":"12 Lý Thường Kiệt, Hà Nội"}`}}
	var card document
	e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="cccd.pdf"`, data: pdf("thẻ căn cước")}).
		want(e.t, 201, "").json(e.t, &card)
	return card.ID
}

// TestDossierLifecycleAPI takes a birth registration through the API from
// online submission reusing a paper of the vault, through intake,
// assignment, a supplement round, appraisal, approval and signature to
// the return of the result, and checks at each step the status, the
// status as people read it and the trail's new entry. (The result paper
// itself is not issued yet: signing moves the dossier to "Đã xử lý xong"
// without a converter; result issuance is wired later.)
func TestDossierLifecycleAPI(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	cardID := e.cardOfA()
	const js = "application/json"

	// Online submission by A, for A.
	r := e.do(call{method: "POST", path: "/api/v1/dossiers", token: e.citizenA, contentType: js,
		body: []byte(`{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"` + ownerA + `","name":"Trần Thị Bích Ngọc"}}`)}).want(t, 201, "")
	var d dossierJSON
	r.json(t, &d)
	if !regexp.MustCompile(`^000\.00\.31\.H29-\d{6}-0001$`).MatchString(d.Code) || d.Status != "registered" || d.Display.Label != "Mới đăng ký" ||
		r.header.Get("Location") != "/api/v1/dossiers/"+d.Code || r.header.Get("ETag") != `"1"` {
		t.Fatalf("new dossier %+v, headers %v", d, r.header)
	}
	code := d.Code
	// Submitting before the components are there is refused.
	e.act(e.citizenA, code, d.Rev, `{"action":"submit"}`).want(t, 400, "components_missing")

	// The components: the declaration, the birth certificate, the card reused.
	e.do(call{method: "PUT", path: "/api/v1/dossiers/" + code + "/components/TO_KHAI", token: e.citizenA, contentType: js,
		body: []byte(`{"form":` + birthForm("Trần Thị Bích Ngọc", ownerA) + `}`), header: map[string]string{"If-Match": `"1"`}}).want(t, 200, "")
	e.do(call{method: "POST", path: "/api/v1/dossiers/" + code + "/components/GIAY_CHUNG_SINH/file?filename=chung-sinh.pdf", token: e.citizenA,
		contentType: "application/pdf", body: pdf("giấy chứng sinh")}).want(t, 200, "")
	e.do(call{method: "PUT", path: "/api/v1/dossiers/" + code + "/components/GIAY_TO_TUY_THAN", token: e.citizenA, contentType: js,
		body: []byte(`{"reuse":{"document":"` + cardID + `","version":1}}`)}).want(t, 200, "").json(t, &d)
	if len(d.Components) != 3 || d.Rev != 4 {
		t.Fatalf("components %+v rev %d", d.Components, d.Rev)
	}
	for _, c := range d.Components {
		switch c.Code {
		case "GIAY_TO_TUY_THAN":
			if c.Source != "reuse" || c.DocumentID != cardID || c.Version != 1 || c.ReuseID == "" || c.TypeCode != "CAN_CUOC" {
				t.Errorf("reused component %+v", c)
			}
		case "GIAY_CHUNG_SINH":
			if c.Source != "upload" || c.DocumentID == "" || c.TypeCode != "GIAY_CHUNG_SINH" {
				t.Errorf("uploaded component %+v", c)
			}
		case "TO_KHAI":
			if c.Source != "form" {
				t.Errorf("form component %+v", c)
			}
		}
	}
	// The reuse is in A's ledger, with the dossier.
	led := e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger", token: e.citizenA}).want(t, 200, "")
	if !strings.Contains(string(led.body), code) {
		t.Errorf("A's ledger does not name the dossier: %s", truncate(led.body))
	}

	steps := []struct {
		token, actor, body string
		status, stage      string
		label, info        string
	}{
		{e.citizenA, ownerA, `{"action":"submit"}`, "awaiting_intake", "", "Đang chờ tiếp nhận", ""},
		{st.desk, deskSubject, `{"action":"receive"}`, "received", "", "Được tiếp nhận", "/"},
		{st.desk, deskSubject, `{"action":"transfer"}`, "processing", "to_assign", "Đang xử lý", "Cơ quan có thẩm quyền giải quyết"},
		{st.head, headSubject, `{"action":"assign","assignee":"` + appraiserSubject + `"}`, "processing", "appraising", "Đang xử lý",
			"Cán bộ thẩm định, Văn phòng HĐND và UBND, Phạm Văn Định"},
		{st.appraiser, appraiserSubject, `{"action":"request_supplement","reason":"Giấy chứng sinh mờ","items":["Giấy chứng sinh bản rõ"]}`,
			"supplement_requested", "", "Yêu cầu bổ sung giấy tờ", "Lý do: Giấy chứng sinh mờ; Nội dung cần bổ sung: Giấy chứng sinh bản rõ"},
		{e.citizenA, ownerA, `{"action":"supplement","note":"Đã nộp bản rõ"}`, "processing", "appraising", "Đang xử lý", "Phạm Văn Định"},
		{st.appraiser, appraiserSubject, `{"action":"appraise","opinion":"Đủ điều kiện đăng ký khai sinh"}`, "processing", "appraised", "Đang xử lý", ""},
		{st.appraiser, appraiserSubject, `{"action":"submit_for_approval"}`, "processing", "to_approve", "Đang xử lý", "Lãnh đạo phòng"},
		{st.leader, leaderSubject, `{"action":"approve"}`, "processing", "approved", "Đang xử lý", "Lãnh đạo đơn vị"},
		{st.leader, leaderSubject, `{"action":"sign"}`, "resolved", "", "Đã xử lý xong", "Đang trả kết quả"},
		{st.desk, deskSubject, `{"action":"return_result"}`, "awaiting_return", "", "Chờ trả kết quả", ""},
		{st.desk, deskSubject, `{"action":"receive_result","receiver":{"name":"Trần Thị Bích Ngọc","id":"` + ownerA + `"}}`, "result_returned", "",
			"Đã trả kết quả", "/"},
	}
	for i, s := range steps {
		var in struct{ Action string }
		_ = json.Unmarshal([]byte(s.body), &in)
		if in.Action == "supplement" {
			// The clearer birth certificate, while the supplement is open.
			e.do(call{method: "POST", path: "/api/v1/dossiers/" + code + "/components/GIAY_CHUNG_SINH/file?filename=chung-sinh-ro.pdf", token: e.citizenA,
				contentType: "application/pdf", body: pdf("giấy chứng sinh bản rõ"), header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, d.Rev)}}).
				want(t, 200, "").json(t, &d)
		}
		before := d
		var after dossierJSON
		e.act(s.token, code, d.Rev, s.body).want(t, 200, "").json(t, &after)
		if after.Status != s.status || after.Stage != s.stage || after.Rev != before.Rev+1 || after.Display.Label != s.label ||
			!strings.Contains(after.Display.Info, s.info) {
			t.Fatalf("step %d %s: %s/%s rev %d, display %+v", i, in.Action, after.Status, after.Stage, after.Rev, after.Display)
		}
		if len(after.Trail) != i+1 {
			t.Fatalf("step %d: %d trail entries", i, len(after.Trail))
		}
		last := after.Trail[i]
		if last.Seq != i+1 || last.Action != in.Action || last.Actor != s.actor || last.From.Status != before.Status ||
			last.From.Stage != before.Stage || last.To.Status != s.status || last.To.Stage != s.stage {
			t.Fatalf("step %d: trail entry %+v", i, last)
		}
		// What the applicant reads is what the action answered.
		if got := e.dossier(e.citizenA, code); got.Rev != after.Rev || len(got.Trail) != len(after.Trail) || got.Display != after.Display {
			t.Fatalf("step %d: A reads rev %d, %d entries, %+v", i, got.Rev, len(got.Trail), got.Display)
		}
		d = after
	}
	if d.ReceivedAt == "" || d.DueAt == "" || len(d.Actions) != 0 {
		t.Errorf("returned dossier: received %q due %q actions %v", d.ReceivedAt, d.DueAt, d.Actions)
	}
	if !strings.Contains(d.Trail[3].Note, "Phạm Văn Định") || !strings.Contains(d.Trail[4].Note, "Giấy chứng sinh bản rõ") || !strings.Contains(d.Trail[1].Note, "Hẹn trả kết quả") {
		t.Errorf("trail notes: %+v", d.Trail)
	}
	// A lists it; staff list their agency's; B lists nothing of A's.
	var page struct {
		Dossiers []dossierJSON `json:"dossiers"`
	}
	e.do(call{method: "GET", path: "/api/v1/dossiers", token: e.citizenA}).want(t, 200, "").json(t, &page)
	if len(page.Dossiers) != 1 || page.Dossiers[0].Code != code {
		t.Errorf("A's list: %+v", page)
	}
	e.do(call{method: "GET", path: "/api/v1/dossiers?status=result_returned", token: st.desk}).want(t, 200, "").json(t, &page)
	if len(page.Dossiers) != 1 || page.Dossiers[0].Code != code {
		t.Errorf("the desk's list: %+v", page)
	}
	e.do(call{method: "GET", path: "/api/v1/dossiers", token: st.outsider}).want(t, 200, "").json(t, &page)
	if len(page.Dossiers) != 0 {
		t.Errorf("another agency lists %+v", page)
	}
}

// TestDossierPrivacy: citizen B and staff of another agency cannot read,
// list, change or act on A's dossier; B's answer is the one for a code
// that does not exist; nothing of A's dossier changes.
func TestDossierPrivacy(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	code, ghost := v.Code, "000.00.31.H29-261207-9999"
	e.act(e.citizenA, code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	stored := func() workflow.Dossier {
		d, err := e.store.GetDossier(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := stored()
	for _, c := range []struct {
		name         string
		req          call
		status       int
		errorCode    string
		sameAsGhost  bool
		forbidsShown []string
	}{
		{"B reads", call{method: "GET", path: "/api/v1/dossiers/" + code, token: e.citizenB}, 404, "dossier_not_found", true, nil},
		{"B acts", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"request_withdrawal"}`), 404, "dossier_not_found", true, nil},
		{"B fills", jsonCall("PUT", "/api/v1/dossiers/"+code+"/components/GIAY_KET_HON", `{"reuse":{"document":"`+archiveID()+`"}}`), 404, "dossier_not_found", true, nil},
		{"outsider reads", call{method: "GET", path: "/api/v1/dossiers/" + code + "?purpose=xem", token: st.outsider}, 403, "other_agency", false, nil},
		{"outsider receives", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"receive"}`), 403, "other_agency", false, nil},
		{"staff without a directory entry", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"receive"}`), 403, "not_in_staff_directory", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := c.req
			if req.token == "" {
				switch {
				case strings.HasPrefix(c.name, "B"):
					req.token = e.citizenB
				case strings.HasPrefix(c.name, "outsider"):
					req.token = st.outsider
				default:
					req.token = e.staff
				}
			}
			r := e.do(req).want(t, c.status, c.errorCode)
			for _, s := range []string{"Trần Thị Bích Ngọc", ownerA, "Tờ khai"} {
				if strings.Contains(string(r.body), s) {
					t.Errorf("the answer shows %q: %s", s, r.body)
				}
			}
			if c.sameAsGhost {
				g := req
				g.path = strings.Replace(g.path, code, ghost, 1)
				gr := e.do(g)
				if gr.status != r.status || gr.code(t) != r.code(t) {
					t.Errorf("B tells A's dossier from none: %d %s / %d %s", r.status, r.code(t), gr.status, gr.code(t))
				}
			}
		})
	}
	if after := stored(); after.Rev != before.Rev || len(after.Trail) != len(before.Trail) || after.Status != before.Status {
		t.Errorf("A's dossier changed: rev %d→%d, trail %d→%d, %s→%s", before.Rev, after.Rev, len(before.Trail), len(after.Trail), before.Status, after.Status)
	}
	var page struct {
		Dossiers []dossierJSON `json:"dossiers"`
	}
	e.do(call{method: "GET", path: "/api/v1/dossiers", token: e.citizenB}).want(t, 200, "").json(t, &page)
	if len(page.Dossiers) != 0 {
		t.Errorf("B lists %+v", page.Dossiers)
	}
	// The desk of A's agency does reach it: the refusals above are about who asks.
	e.act(st.desk, code, before.Rev, `{"action":"receive"}`).want(t, 200, "")
}

// TestDossierBadInput: malformed or oversized bodies, unknown actions, a
// stale If-Match, a missing reason, an illegal transition and an upload
// declared over the limit get their error, and the dossier is unchanged.
func TestDossierBadInput(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	code := v.Code
	e.act(e.citizenA, code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	before, err := e.store.GetDossier(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	rev := before.Rev
	big := `{"action":"refuse_intake","reason":"` + strings.Repeat("x", 2<<20) + `"}`
	for _, c := range []struct {
		name   string
		req    call
		status int
		code   string
	}{
		{"malformed JSON", withHeader(jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":`), "If-Match", fmt.Sprintf(`"%d"`, rev)), 400, "invalid_json"},
		{"unknown field", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"receive","colour":"red"}`), 400, "unknown_field"},
		{"oversized body", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", big), 413, "request_too_large"},
		{"unknown action", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"teleport"}`), 400, "unknown_action"},
		{"stale If-Match", withHeader(jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"receive"}`), "If-Match", fmt.Sprintf(`"%d"`, rev-1)), 409, "dossier_changed"},
		{"bad If-Match", withHeader(jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"receive"}`), "If-Match", "soon"), 400, "invalid_if_match"},
		{"missing reason", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"refuse_intake"}`), 400, "reason_required"},
		{"blank reason", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"refuse_intake","reason":"   "}`), 400, "reason_required"},
		{"illegal transition", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"sign"}`), 409, "illegal_transition"},
		{"client time", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"receive","at":"2026-01-01T00:00:00Z"}`), 400, "client_time_refused"},
		{"bidi in a reason", jsonCall("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"refuse_intake","reason":"sai \u202e lý do"}`), 400, "invalid_characters"},
		{"component JSON not an object", jsonCall("PUT", "/api/v1/dossiers/"+code+"/components/TO_KHAI", `[]`), 400, "invalid_field_type"},
		{"unknown component", jsonCall("PUT", "/api/v1/dossiers/"+code+"/components/KHONG_CO", `{"form":{}}`), 404, "component_not_found"},
		{"upload declared too large", call{method: "POST", path: "/api/v1/dossiers/" + code + "/components/GIAY_CHUNG_SINH/file", contentType: "application/pdf",
			body: make([]byte, 64<<20)}, 413, "file_too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := c.req
			req.token = st.desk
			if c.code == "invalid_field_type" || c.code == "invalid_json" || c.code == "unknown_field" {
				req.expect = specInvalid
			}
			if c.name == "oversized body" || c.name == "upload declared too large" {
				req.expect = specSkip
			}
			e.do(req).want(t, c.status, c.code)
			after, err := e.store.GetDossier(context.Background(), code)
			if err != nil {
				t.Fatal(err)
			}
			if after.Rev != before.Rev || len(after.Trail) != len(before.Trail) || after.Status != before.Status || len(after.Components) != len(before.Components) {
				t.Errorf("the dossier changed: rev %d→%d, %s→%s", before.Rev, after.Rev, before.Status, after.Status)
			}
		})
	}
	// The same desk officer with the right revision and a reason succeeds.
	e.act(st.desk, code, rev, `{"action":"refuse_intake","reason":"Hồ sơ không thuộc thẩm quyền"}`).want(t, 200, "")
}

// TestPublicLookup: anyone, without a token, looks a dossier up by its
// code and sees the procedure, the agency, the status and the dates —
// nothing of the applicant, the components or the trail.
func TestPublicLookup(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	cardID := e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	// Not public while it is being drafted.
	e.do(call{method: "GET", path: "/api/v1/public/dossiers/" + v.Code}).want(t, 404, "dossier_not_found")
	e.act(e.citizenA, v.Code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	e.act(st.desk, v.Code, v.Rev+1, `{"action":"receive","note":"Nhận đủ hồ sơ"}`).want(t, 200, "")
	r := e.do(call{method: "GET", path: "/api/v1/public/dossiers/" + v.Code}).want(t, 200, "")
	var p struct {
		Code, ProcedureName, AgencyName, ReceivedAt, DueAt string
		Status, Label, Info                                string
	}
	r.json(t, &p)
	if p.Code != v.Code || p.ProcedureName != "Đăng ký khai sinh" || p.AgencyName == "" || p.Label != "Được tiếp nhận" || p.Status != "received" ||
		!regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{4}$`).MatchString(p.Info) || p.ReceivedAt == "" || p.DueAt == "" {
		t.Errorf("lookup %+v: %s", p, r.body)
	}
	for _, s := range []string{"Trần Thị Bích Ngọc", "Bích Ngọc", ownerA, cardID, "Tờ khai", "Giấy chứng sinh", "Giấy tờ tùy thân",
		"GIAY_CHUNG_SINH", "TO_KHAI", deskSubject, "Lê Văn Một", "Nhận đủ hồ sơ", "applicant", "trail", "components"} {
		if strings.Contains(string(r.body), s) {
			t.Errorf("the public lookup shows %q: %s", s, r.body)
		}
	}
	// A reason typed by staff stays out of the public answer too.
	e.act(st.desk, v.Code, v.Rev+2, `{"action":"request_supplement","reason":"Bà Ngọc ghi sai ngày sinh","items":["Tờ khai sửa ngày sinh"]}`).want(t, 200, "")
	r = e.do(call{method: "GET", path: "/api/v1/public/dossiers/" + v.Code}).want(t, 200, "")
	if !strings.Contains(string(r.body), "Yêu cầu bổ sung giấy tờ") || strings.Contains(string(r.body), "Ngọc") || strings.Contains(string(r.body), "ngày sinh") {
		t.Errorf("the public lookup of a supplement request: %s", r.body)
	}
	e.do(call{method: "GET", path: "/api/v1/public/dossiers/000.00.31.H29-261207-9999"}).want(t, 404, "dossier_not_found")
	e.do(call{method: "GET", path: "/api/v1/public/dossiers/khong-phai-ma"}).want(t, 404, "dossier_not_found")
	e.do(call{method: "GET", path: "/api/v1/public/dossiers/" + v.Code + "?owner=" + ownerA}).want(t, 400, "")
}
