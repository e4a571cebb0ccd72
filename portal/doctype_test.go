package portal_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestDocumentTypeSchemas: a type's schema is served with it, a PUT is
// checked by the eForm parser (problems with JSON paths), and a document's
// typed fields are validated by the schema with a 422 and one Vietnamese
// message per refused value, as the forms API answers.
func TestDocumentTypeSchemas(t *testing.T) {
	e := newEnv(t)
	const js = "application/json"
	var dt struct {
		Code   string `json:"code"`
		Schema struct {
			Code   string `json:"code"`
			Kind   string `json:"kind"`
			Fields []struct {
				Code, Type, Format string
				Required           bool
			} `json:"fields"`
		} `json:"schema"`
		Fields []struct{ Name, Type string } `json:"fields"`
	}
	e.do(call{method: "GET", path: "/api/v1/document-types/CAN_CUOC", token: e.citizenA}).want(t, 200, "").json(t, &dt)
	if dt.Schema.Code != "CAN_CUOC" || dt.Schema.Kind != "documentType" || len(dt.Schema.Fields) < 10 {
		t.Fatalf("CAN_CUOC schema %+v", dt.Schema)
	}
	if f := dt.Schema.Fields[1]; f.Code != "soDinhDanh" || f.Format != "identityNumber" || !f.Required {
		t.Errorf("soDinhDanh = %+v", f)
	}

	// PUT: the parser's problems come back with JSON paths.
	bad := `{"name":"Thẻ BHYT","schema":{"schema":1,"code":"BHYT","version":1,"kind":"documentType","title":"Thẻ BHYT",
		"fields":[{"code":"maThe","type":"text","label":"Mã thẻ"},{"code":"maThe","type":"date","label":"Hạn"}]}}`
	r := e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: js, body: []byte(bad)}).want(t, 400, "invalid_type_schema")
	if !strings.Contains(string(r.body), `$.fields[1].code`) {
		t.Errorf("no JSON path in %s", r.body)
	}
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: js,
		body: []byte(`{"name":"x","schema":{"schema":1,"code":"KHAC_MA","version":1,"kind":"documentType","title":"x","fields":[{"code":"a","type":"text","label":"A"}]}}`)}).want(t, 400, "schema_code_mismatch")
	good := `{"name":"Thẻ bảo hiểm y tế","schema":{"schema":1,"code":"BHYT","version":1,"kind":"documentType","title":"Thẻ bảo hiểm y tế",
		"fields":[{"code":"maThe","type":"text","label":"Mã thẻ","minLength":15,"maxLength":15,"required":true},
		{"code":"hanThe","type":"dateRange","label":"Giá trị sử dụng"}]}}`
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: js, body: []byte(good)}).want(t, 200, "").json(t, &dt)
	if dt.Schema.Code != "BHYT" || len(dt.Fields) != 1 || dt.Fields[0].Name != "maThe" {
		t.Fatalf("stored type %+v", dt)
	}
	// A type read and put back keeps its schema.
	r = e.do(call{method: "GET", path: "/api/v1/document-types/BHYT", token: e.admin}).want(t, 200, "")
	e.do(call{method: "PUT", path: "/api/v1/document-types/BHYT", token: e.admin, contentType: js, body: r.body}).want(t, 200, "").json(t, &dt)
	if len(dt.Schema.Fields) != 2 {
		t.Fatalf("schema lost on a round trip: %+v", dt.Schema)
	}
	e.do(call{method: "PUT", path: "/api/v1/document-types/GIAY_CU", token: e.admin, contentType: js,
		body: []byte(`{"name":"Giấy cũ","schemaRef":{"code":"CAN_CUOC"}}`)}).want(t, 400, "schema_code_mismatch")

	// Upload: field errors are 422 with one entry per value; nothing stored.
	type fieldErrors struct {
		Error struct {
			Code, Message string
		} `json:"error"`
		FieldErrors []fieldError `json:"fieldErrors"`
	}
	var fe fieldErrors
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"BHYT"}, "name": {"Thẻ BHYT"},
		"fields": {`{"maThe":"DN47","hanThe":{"from":"31/02/2026","to":"01/01/2027"},"ghiChu":"<script>x</script>"}`}},
		contentType: "application/pdf", disposition: `attachment; filename="bhyt.pdf"`, data: pdf("bhyt")}).want(t, 422, "document_fields_invalid").json(t, &fe)
	want := []fieldError{
		{"ghiChu", "unknown_field", "Loại giấy tờ này không có trường thông tin «ghiChu»."},
		{"maThe", "too_short", "Mã thẻ cần ít nhất 15 ký tự."},
		{"hanThe.from", "invalid_date", "Giá trị sử dụng (từ ngày) không hợp lệ: 31/02/2026 không tồn tại."},
	}
	if len(fe.FieldErrors) != len(want) {
		t.Fatalf("field errors %+v", fe.FieldErrors)
	}
	for i, w := range want {
		if g := fe.FieldErrors[i]; g != w {
			t.Errorf("field error %d = %+v, want %+v", i, g, w)
		}
	}
	var list struct {
		Documents []struct{ ID string } `json:"documents"`
	}
	e.do(call{method: "GET", path: "/api/v1/documents?type=BHYT", token: e.citizenA}).want(t, 200, "").json(t, &list)
	if len(list.Documents) != 0 {
		t.Fatalf("a refused upload was stored: %+v", list.Documents)
	}

	// A good upload stores the clean values: dates YYYY-MM-DD, script as data.
	var d document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"BHYT"}, "name": {"Thẻ BHYT"},
		"fields": {`{"maThe":"<b>479791234567","hanThe":{"from":"01/01/2026","to":"31/12/2026"}}`}},
		contentType: "application/pdf", disposition: `attachment; filename="bhyt.pdf"`, data: pdf("bhyt")}).want(t, 201, "").json(t, &d)
	if d.Fields["maThe"] != "<b>479791234567" || d.Fields["hanThe"].(map[string]any)["to"] != "2026-12-31" {
		t.Fatalf("stored fields %v", d.Fields)
	}

	// PATCH: the same 422; the document keeps its version.
	e.do(call{method: "PATCH", path: "/api/v1/documents/" + d.ID, token: e.citizenA, contentType: js,
		body: []byte(`{"fields":{"maThe":"DN4797912345678","hanThe":{"from":"2026-01-01"}}}`)}).want(t, 422, "document_fields_invalid").json(t, &fe)
	if len(fe.FieldErrors) != 1 || fe.FieldErrors[0].Code != "incomplete_range" || fe.FieldErrors[0].Message == "" {
		t.Fatalf("field errors %+v", fe.FieldErrors)
	}
	var same document
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &same)
	if same.VersionCount != 1 {
		t.Fatalf("a refused patch made version %d", same.VersionCount)
	}
}
