package portal_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kho-vn/kho/forms"
)

type formSummary struct {
	Code    string `json:"code"`
	Version int    `json:"version"`
	Title   string `json:"title"`
	Kind    string `json:"kind"`
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func TestForms(t *testing.T) {
	e := newEnv(t)
	const js = "application/json"

	// The shipped definitions are listed and served to any caller.
	var list struct {
		Forms   []formSummary     `json:"forms"`
		Formats map[string]string `json:"formats"`
	}
	e.do(call{method: "GET", path: "/api/v1/forms", token: e.citizenA}).want(t, 200, "").json(t, &list)
	shipped, _ := forms.NewShippedRegistry()
	if len(list.Forms) != len(shipped.List()) || len(list.Forms) < 4 || !slices.Contains(list.Forms, formSummary{Code: "TK_KHAI_SINH", Version: 1, Title: "Tờ khai đăng ký khai sinh", Kind: "form"}) {
		t.Fatalf("forms %+v", list.Forms)
	}
	if list.Formats["identityNumber"] != `^\d{12}$` || len(list.Formats) != 5 {
		t.Errorf("formats %v", list.Formats)
	}
	e.do(call{method: "GET", path: "/api/v1/forms", expect: specInvalid}).want(t, 401, "")
	var def struct {
		Schema int    `json:"schema"`
		Code   string `json:"code"`
		Fields []struct {
			Code string `json:"code"`
			Type string `json:"type"`
		} `json:"fields"`
	}
	e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH", token: e.citizenA}).want(t, 200, "").json(t, &def)
	if def.Schema != 1 || def.Code != "TK_KHAI_SINH" || len(def.Fields) < 10 || def.Fields[1].Type != "group" {
		t.Fatalf("definition %+v", def)
	}
	e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH?version=1", token: e.staff}).want(t, 200, "")
	e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH?version=2", token: e.staff}).want(t, 404, "form_version_not_found")
	e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH?version=0", token: e.staff, expect: specInvalid}).want(t, 400, "invalid_parameter")
	e.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH?lang=en", token: e.staff}).want(t, 400, "unknown_parameter")
	e.do(call{method: "GET", path: "/api/v1/forms/NOPE", token: e.staff}).want(t, 404, "form_not_found")

	// Validation: the clean values, or a Vietnamese message per field.
	var vals struct {
		Form    string         `json:"form"`
		Version int            `json:"version"`
		Data    map[string]any `json:"data"`
	}
	card := `{"soDinhDanh":"001099012345","hoTen":"<b>Nguyễn Văn An</b>","ngaySinh":"12/05/1999","noiCap":"Bộ Công an"}`
	e.do(call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate", token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 200, "").json(t, &vals)
	if vals.Form != "CAN_CUOC" || vals.Version != 1 || vals.Data["ngaySinh"] != "1999-05-12" || vals.Data["hoTen"] != "<b>Nguyễn Văn An</b>" {
		t.Fatalf("values %+v", vals)
	}
	bad := `{"soDinhDanh":"0010990123","hoTen":"An","ngaySinh":"31/02/2025","isAdmin":true}`
	r := e.do(call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate?version=1", token: e.citizenA, contentType: js, body: []byte(bad)}).want(t, 422, "form_data_invalid")
	var fe struct {
		FieldErrors []fieldError `json:"fieldErrors"`
	}
	r.json(t, &fe)
	want := []fieldError{
		{"isAdmin", "unknown_field", "Biểu mẫu không có trường thông tin «isAdmin»."},
		{"soDinhDanh", "invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số."},
		{"ngaySinh", "invalid_date", "Ngày, tháng, năm sinh không hợp lệ: 31/02/2025 không tồn tại."},
	}
	if len(fe.FieldErrors) != len(want) {
		t.Fatalf("field errors %+v", fe.FieldErrors)
	}
	for i := range want {
		if fe.FieldErrors[i] != want[i] {
			t.Errorf("field error %d = %+v, want %+v", i, fe.FieldErrors[i], want[i])
		}
	}
	e.do(call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate", token: e.citizenA, contentType: js, body: []byte(`[1]`), expect: specInvalid}).want(t, 422, "form_data_invalid")
	e.do(call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate", token: e.citizenA, contentType: "text/plain", body: []byte(card), expect: specInvalid}).want(t, 415, "unsupported_content_type")
	e.do(call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate", token: e.citizenA, contentType: js,
		body: []byte(`{"hoTen":"` + strings.Repeat("a", 300<<10) + `"}`)}).want(t, 413, "request_too_large")
	e.do(call{method: "POST", path: "/api/v1/forms/NOPE/validate", token: e.citizenA, contentType: js, body: []byte(card)}).want(t, 404, "form_not_found")
	e.do(call{method: "POST", path: "/api/v1/forms/CAN_CUOC/validate", contentType: js, body: []byte(card), expect: specInvalid}).want(t, 401, "")

	// Publishing: admin only; strict parsing; published versions never change.
	newDef := `{"schema":1,"code":"TK_THU","version":1,"title":"Tờ khai thử","fields":[{"code":"hoTen","type":"text","label":"Họ và tên","required":true}]}`
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.citizenA, contentType: js, body: []byte(newDef)}).want(t, 403, "admin_only")
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.staff, contentType: js, body: []byte(newDef)}).want(t, 403, "admin_only")
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", contentType: js, body: []byte(newDef), expect: specInvalid}).want(t, 401, "")
	r = e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.admin, contentType: js, body: []byte(newDef)}).want(t, 201, "")
	if r.header.Get("Location") != "/api/v1/forms/TK_THU?version=1" {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.admin, contentType: js, body: []byte(newDef)}).want(t, 200, "")
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.admin, contentType: js,
		body: []byte(strings.Replace(newDef, `"Họ và tên"`, `"Họ tên"`, 1))}).want(t, 409, "form_version_exists")
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_KHAC", token: e.admin, contentType: js, body: []byte(newDef)}).want(t, 400, "code_mismatch")
	r = e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.admin, contentType: js,
		body: []byte(strings.Replace(newDef, `"required":true`, `"required":true,"visibleIf":{"field":"zz","notEmpty":true}`, 1))}).want(t, 400, "form_definition_invalid")
	var eb errorBody
	r.json(t, &eb)
	if !strings.Contains(eb.Error.Detail, `$.fields[0].visibleIf.field: no field "zz"`) {
		t.Errorf("detail %q", eb.Error.Detail)
	}
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.admin, contentType: js,
		body: []byte(strings.Replace(newDef, `"title"`, `"tittle":"x","title"`, 1)), expect: specInvalid}).want(t, 400, "form_definition_invalid")
	e.do(call{method: "PUT", path: "/api/v1/forms/TK_THU", token: e.admin, contentType: js,
		body: []byte(`{"pad":"` + strings.Repeat("a", 1<<20) + `"}`), expect: specInvalid}).want(t, 413, "request_too_large")

	// The new form is listed and validates data.
	e.do(call{method: "GET", path: "/api/v1/forms", token: e.citizenB}).want(t, 200, "").json(t, &list)
	if len(list.Forms) != len(shipped.List())+1 {
		t.Errorf("after put: %+v", list.Forms)
	}
	e.do(call{method: "POST", path: "/api/v1/forms/TK_THU/validate", token: e.citizenB, contentType: js, body: []byte(`{}`)}).want(t, 422, "form_data_invalid")
	e.do(call{method: "DELETE", path: "/api/v1/forms/TK_THU", token: e.admin, expect: specSkip}).want(t, http.StatusMethodNotAllowed, "")
}
