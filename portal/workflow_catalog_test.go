package portal_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWorkflowCatalogAPI: the procedure catalogue and processes are public;
// a new process version keeps the old one readable; a process over the
// resolution time is refused; the diagram is SVG for admins, heads and
// leaders only; the staff directory is the admin's.
func TestWorkflowCatalogAPI(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	const js = "application/json"

	var list struct {
		Procedures []struct {
			Code       string `json:"code"`
			Agency     string `json:"agency"`
			Components []struct {
				Code     string `json:"code"`
				Reusable bool   `json:"reusable"`
			} `json:"components"`
		} `json:"procedures"`
	}
	e.do(call{method: "GET", path: "/api/v1/procedures"}).want(t, 200, "").json(t, &list)
	if len(list.Procedures) != 3 {
		t.Fatalf("procedures %+v", list)
	}
	e.do(call{method: "GET", path: "/api/v1/procedures/KHONG_CO"}).want(t, 404, "procedure_not_found")

	var p1 map[string]any
	e.do(call{method: "GET", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process"}).want(t, 200, "").json(t, &p1)
	if p1["version"] != float64(1) || p1["start"] != "tiep_nhan" {
		t.Fatalf("process %v", p1)
	}
	// Version 2: the same steps, another name.
	p2 := map[string]any{"name": "Quy trình đăng ký khai sinh (sửa đổi)", "start": p1["start"], "steps": p1["steps"], "flows": p1["flows"]}
	body, _ := json.Marshal(p2)
	e.do(call{method: "POST", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process", token: st.leader, contentType: js, body: body}).want(t, 403, "admin_only")
	r := e.do(call{method: "POST", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process", token: e.admin, contentType: js, body: body}).want(t, 201, "")
	if !strings.Contains(string(r.body), `"version":2`) || r.header.Get("Location") != "/api/v1/procedures/DANG_KY_KHAI_SINH/process?version=2" {
		t.Errorf("version 2: %s %v", r.body, r.header)
	}
	var got map[string]any
	e.do(call{method: "GET", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process?version=1"}).want(t, 200, "").json(t, &got)
	if got["name"] != p1["name"] || got["version"] != float64(1) {
		t.Errorf("version 1 after version 2: %v", got)
	}
	e.do(call{method: "GET", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process"}).want(t, 200, "").json(t, &got)
	if got["version"] != float64(2) || got["name"] != p2["name"] {
		t.Errorf("latest: %v", got)
	}
	e.do(call{method: "GET", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process?version=9"}).want(t, 404, "process_not_found")
	// A step deadline beyond the procedure's resolution time.
	steps := p1["steps"].([]any)
	steps[0].(map[string]any)["deadlineMinutes"] = 365 * 24 * 60
	body, _ = json.Marshal(map[string]any{"name": "Quá hạn", "start": p1["start"], "steps": steps, "flows": p1["flows"]})
	e.do(call{method: "POST", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process", token: e.admin, contentType: js, body: body}).
		want(t, 400, "process_over_resolution_time")

	for _, c := range []struct {
		token  string
		status int
		code   string
	}{{e.admin, 200, ""}, {st.leader, 200, ""}, {st.head, 200, ""}, {st.appraiser, 403, "diagram_not_allowed"}, {e.citizenA, 403, "diagram_not_allowed"}} {
		r := e.do(call{method: "GET", path: "/api/v1/procedures/DANG_KY_KHAI_SINH/process/diagram?version=1", token: c.token}).want(t, c.status, c.code)
		if c.status == 200 && (r.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(r.body), "<svg") ||
			!strings.Contains(string(r.body), "tiep_nhan")) {
			t.Errorf("diagram: %s %s", r.header.Get("Content-Type"), truncate(r.body))
		}
	}

	// The staff directory.
	entry := []byte(`{"name":"Bùi Thị Mới","agency":"000.00.31.H29","department":"MOT_CUA","positions":["desk"],"active":true}`)
	e.do(call{method: "PUT", path: "/api/v1/staff/motcua02", token: st.desk, contentType: js, body: entry}).want(t, 403, "admin_only")
	e.do(call{method: "PUT", path: "/api/v1/staff/motcua02", token: e.admin, contentType: js, body: entry}).want(t, 200, "")
	e.do(call{method: "PUT", path: "/api/v1/staff/motcua02", token: e.admin, contentType: js,
		body: []byte(`{"subject":"khac","name":"x","agency":"000.00.31.H29","department":"MOT_CUA","positions":["desk"],"active":true}`)}).want(t, 400, "subject_mismatch")
	e.do(call{method: "PUT", path: "/api/v1/staff/motcua03", token: e.admin, contentType: js,
		body: []byte(`{"name":"x","agency":"000.00.31.H29","department":"KHONG_CO","positions":["desk"],"active":true}`)}).want(t, 400, "unknown_department")
	e.do(call{method: "GET", path: "/api/v1/staff/" + deskSubject, token: st.desk}).want(t, 200, "")
	e.do(call{method: "GET", path: "/api/v1/staff/motcua02", token: st.desk}).want(t, 403, "admin_only")
	e.do(call{method: "GET", path: "/api/v1/staff/khong-co", token: e.admin}).want(t, 404, "staff_not_found")
	var sl struct {
		Staff []struct{ Subject string } `json:"staff"`
	}
	e.do(call{method: "GET", path: "/api/v1/staff?agency=000.00.31.H29", token: e.admin}).want(t, 200, "").json(t, &sl)
	if len(sl.Staff) != 5 {
		t.Errorf("the ward's staff: %+v", sl.Staff)
	}
	e.do(call{method: "GET", path: "/api/v1/staff", token: st.head}).want(t, 403, "admin_only")
}
