package portal_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// fieldErrorsBody is a 422 answer: the error and one entry per refusal.
type fieldErrorsBody struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
	FieldErrors []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"fieldErrors"`
}

// TestFieldsFollowFormDataRules sends the same malformed data as a form's
// data (POST /forms/{code}/validate) and as a document's typed fields (the
// raw upload's "fields", the multipart metadata's "fields", and a PATCH):
// every path must refuse it with the same rule code, because they share
// one parser (forms.ParseData).
func TestFieldsFollowFormDataRules(t *testing.T) {
	e := newEnv(t)
	doc := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("ks"))
	deep := `{"hoTen":` + strings.Repeat("[", 17) + strings.Repeat("]", 17) + `}`
	many := `{"hoTen":[` + strings.TrimSuffix(strings.Repeat("0,", 10001), ",") + `]}`
	cases := []struct {
		name, data, code, field string
		// spec is what api/openapi.yaml makes of a JSON body holding data:
		// it forbids what is not one JSON object.
		spec expectation
	}{
		{"duplicate key", `{"hoTen":"An","hoTen":"Bình"}`, "duplicate_key", "hoTen", specValid},
		{"duplicate nested key", `{"hoTen":"An","x":{"a":1,"a":2}}`, "duplicate_key", "x.a", specValid},
		{"nested too deep", deep, "nesting_too_deep", "", specValid},
		{"too many values", many, "too_many_values", "", specValid},
		{"not an object", `["hoTen"]`, "wrong_type", "", specInvalid},
		{"not JSON", `{"hoTen":`, "invalid_json", "", specInvalid},
		{"trailing data", `{"hoTen":"An"} {}`, "invalid_json", "", specInvalid},
	}
	js := "application/json"
	check := func(t *testing.T, what string, r result, wantError, code, field string) {
		t.Helper()
		r.want(t, 422, wantError)
		var b fieldErrorsBody
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatal(err)
		}
		if len(b.FieldErrors) != 1 || b.FieldErrors[0].Code != code || b.FieldErrors[0].Field != field || !vietnamese(b.FieldErrors[0].Message) {
			t.Errorf("%s: field errors %+v, want one %s at %q", what, b.FieldErrors, code, field)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The forms API: the reference.
			r := e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/validate", token: e.citizenA, contentType: js, body: []byte(c.data), expect: c.spec})
			check(t, "form data", r, "form_data_invalid", c.code, c.field)

			q := url.Values{"type": {"KHAI_SINH"}, "name": {"Giấy khai sinh"}, "fields": {c.data}}
			r = e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="ks.pdf"`, data: pdf("x")})
			check(t, "raw upload", r, "document_fields_invalid", c.code, c.field)

			if !json.Valid([]byte(c.data)) && c.code == "invalid_json" {
				return // cannot sit inside a JSON metadata part or patch
			}
			meta := part{name: "metadata", contentType: js, data: []byte(`{"typeCode":"KHAI_SINH","name":"Giấy khai sinh","fields":` + c.data + `}`)}
			file := part{name: "file", fileName: "ks.pdf", contentType: "application/pdf", data: pdf("x")}
			check(t, "multipart upload", e.uploadMultipart(e.citizenA, specValid, meta, file), "document_fields_invalid", c.code, c.field)

			r = e.do(call{method: "PATCH", path: "/api/v1/documents/" + doc.ID, token: e.citizenA, contentType: js,
				body: []byte(`{"fields":` + c.data + `}`), expect: c.spec})
			check(t, "patch", r, "document_fields_invalid", c.code, c.field)
		})
	}
	e.assertDocumentCount(t, ownerA, 1)

	// Data the rules accept reaches the type's schema, whose refusals are
	// the forms API's too.
	q := url.Values{"type": {"KHAI_SINH"}, "name": {"Giấy khai sinh"}, "fields": {`{"hoTen":"An\u202eBình","ngaySinh":"1999-05-01"}`}}
	r := e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="ks.pdf"`, data: pdf("x")})
	check(t, "bidi override in a typed field", r, "document_fields_invalid", "invalid_characters", "hoTen")

	// A missing document type has its own code.
	for _, typ := range []string{"", "   "} {
		q := url.Values{"name": {"Giấy"}}
		if typ != "" {
			q.Set("type", typ)
		}
		e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}).want(t, 400, "type_required")
	}
	meta := part{name: "metadata", contentType: js, data: []byte(`{"name":"Giấy"}`)}
	file := part{name: "file", fileName: "a.pdf", contentType: "application/pdf", data: pdf("x")}
	e.uploadMultipart(e.citizenA, specValid, meta, file).want(t, 400, "type_required")
	e.assertDocumentCount(t, ownerA, 1)
}

// assertDocumentCount checks how many documents owner has.
func (e *env) assertDocumentCount(t *testing.T, owner string, n int) {
	t.Helper()
	var p page
	e.do(call{method: "GET", path: "/api/v1/documents?purpose=ki%E1%BB%83m+tra&owner=" + owner, token: e.staff}).want(t, 200, "").json(t, &p)
	if len(p.Documents) != n {
		t.Errorf("owner %s has %d documents, want %d", owner, len(p.Documents), n)
	}
}
