package archive_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// wantCode fails t unless err is a kerr error with that code ("" = no error).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	ke := kerr.Outer(err)
	if ke == nil || ke.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	if _, msg := kerr.Public(err); msg == "" {
		t.Fatalf("error %v has no Vietnamese message", err)
	}
}

func TestValidIdentityNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"001203012345", true},
		{"079090001234", true},
		{"096199912345", true},
		{"000203012345", false}, // province 000
		{"097203012345", false}, // province beyond 096
		{"99920301234a", false},
		{"00120301234", false},   // 11 digits
		{"0012030123456", false}, // 13 digits
		{"", false},
		{"００１２０３０１２３４５", false}, // full-width digits
		{" 01203012345", false},
	} {
		if got := archive.ValidIdentityNumber(tc.in); got != tc.want {
			t.Errorf("ValidIdentityNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidOrganizationCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"0101234567", true},
		{"0101234567-001", true},
		{"000.00.31.H29", true},
		{"000.00.31.h29", false},
		{"0101234567-01", false},
		{"010123456", false},
		{"000.00.31.H2", false},
		{"", false},
	} {
		if got := archive.ValidOrganizationCode(tc.in); got != tc.want {
			t.Errorf("ValidOrganizationCode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestOwnerKey(t *testing.T) {
	issue := archive.Date{Year: 2015, Month: time.March, Day: 2}
	derived, err := archive.OwnerKey(archive.OwnerInput{Kind: archive.Individual, Name: "Nguyễn Văn An", BirthYear: 1980, IDIssueDate: issue, IDIssuer: "Công an TP Hà Nội"})
	wantCode(t, err, "")
	if len(derived) != 25 || derived[0] != 'x' {
		t.Fatalf("derived key %q is not x + 24 hex", derived)
	}
	// Case and diacritics do not change the key: the parts are folded.
	again, err := archive.OwnerKey(archive.OwnerInput{Kind: archive.Individual, Name: "NGUYEN  VAN AN", BirthYear: 1980, IDIssueDate: issue, IDIssuer: "cong an tp ha noi"})
	wantCode(t, err, "")
	if again != derived {
		t.Fatalf("folded inputs gave %q and %q", derived, again)
	}
	other, _ := archive.OwnerKey(archive.OwnerInput{Kind: archive.Individual, Name: "Nguyễn Văn An", BirthYear: 1981, IDIssueDate: issue, IDIssuer: "Công an TP Hà Nội"})
	if other == derived {
		t.Fatal("a different birth year gave the same key")
	}
	for _, tc := range []struct {
		name string
		in   archive.OwnerInput
		want string
		id   string
	}{
		{"personal", archive.OwnerInput{Kind: archive.Individual, IdentityNumber: "001203012345"}, "", "001203012345"},
		{"personal trimmed", archive.OwnerInput{Kind: archive.Individual, IdentityNumber: " 001203012345 "}, "", "001203012345"},
		{"bad province", archive.OwnerInput{Kind: archive.Individual, IdentityNumber: "123203012345"}, "invalid_identity_number", ""},
		{"short", archive.OwnerInput{Kind: archive.Individual, IdentityNumber: "12345"}, "invalid_identity_number", ""},
		{"tax code", archive.OwnerInput{Kind: archive.Organization, IdentityNumber: "0101234567-002"}, "", "0101234567-002"},
		{"agency", archive.OwnerInput{Kind: archive.Organization, IdentityNumber: "000.00.31.H29"}, "", "000.00.31.H29"},
		{"bad org", archive.OwnerInput{Kind: archive.Organization, IdentityNumber: "001203012345"}, "invalid_organization_code", ""},
		{"no kind", archive.OwnerInput{IdentityNumber: "001203012345"}, "invalid_owner_kind", ""},
		{"no issuer", archive.OwnerInput{Kind: archive.Individual, Name: "A", BirthYear: 1980, IDIssueDate: issue}, "identity_required", ""},
		{"no year", archive.OwnerInput{Kind: archive.Individual, Name: "A", IDIssueDate: issue, IDIssuer: "B"}, "identity_required", ""},
		{"year after issue", archive.OwnerInput{Kind: archive.Individual, Name: "A", BirthYear: 2020, IDIssueDate: issue, IDIssuer: "B"}, "invalid_birth_year", ""},
		{"bad date", archive.OwnerInput{Kind: archive.Individual, Name: "A", BirthYear: 1980, IDIssueDate: archive.Date{Year: 2015, Month: 2, Day: 30}, IDIssuer: "B"}, "invalid_date", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := archive.OwnerKey(tc.in)
			wantCode(t, err, tc.want)
			if tc.want == "" && id != tc.id {
				t.Fatalf("id %q, want %q", id, tc.id)
			}
		})
	}
}

func TestValidateFileName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"giay-khai-sinh.pdf", "giay-khai-sinh.pdf", true},
		{"  Giấy khai sinh (bản sao).pdf ", "Giấy khai sinh (bản sao).pdf", true},
		{".hidden", ".hidden", true},
		{"", "", false},
		{"   ", "", false},
		{"a/b.pdf", "", false},
		{`a\b.pdf`, "", false},
		{"..", "", false},
		{".", "", false},
		{"a..pdf", "", false},
		{"../etc/passwd", "", false},
		{"a\x00.pdf", "", false},
		{"a\nb.pdf", "", false},
		{"a\x7f.pdf", "", false},
		{"evil\u202Efdp.exe", "", false}, // right-to-left override
		{"a\u2066b.pdf", "", false},      // left-to-right isolate
		{"a\u200eb.pdf", "", false},      // left-to-right mark
		{"a\u2028b.pdf", "", false},      // line separator
		{"a\x1b[31mb.pdf", "", false},    // terminal escape
		{"a\u009bb.pdf", "", false},      // C1 control
		{"\ufeffa.pdf", "", false},       // BOM
		{"a\xffb.pdf", "", false},        // not UTF-8
		{strings.Repeat("a", 252) + ".pdf", "", false},
		{strings.Repeat("a", 251) + ".pdf", strings.Repeat("a", 251) + ".pdf", true},
	} {
		got, err := archive.ValidateFileName(tc.in)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("ValidateFileName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ValidateFileName(%q) accepted %q", tc.in, got)
			continue
		}
		wantCode(t, err, "invalid_file_name")
	}
}

var testDefs = []archive.FieldDef{
	{Name: "hoTen", Label: "Họ tên", Type: archive.FieldString, Required: true},
	{Name: "dienTich", Type: archive.FieldNumber},
	{Name: "ngaySinh", Type: archive.FieldDate},
	{Name: "coAnTich", Type: archive.FieldBool},
}

// fieldCodes returns the rule codes of a document_fields_invalid error,
// as "field:code".
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	var fe archive.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("error %v carries no field errors", err)
	}
	var out []string
	for _, e := range fe {
		if e.Message == "" {
			t.Errorf("field error %+v has no message", e)
		}
		out = append(out, e.Field+":"+e.Code)
	}
	return out
}

var fixedNow = func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }

// TestValidateFieldsLegacy checks that an old field list still works: it is
// converted to a schema (string → textarea ≤ 1000, number → spin, date,
// bool → Có/Không) and values keep their old stored forms.
func TestValidateFieldsLegacy(t *testing.T) {
	dt := archive.DocumentType{Code: "T", Name: "T", Fields: testDefs}
	for _, tc := range []struct {
		name string
		in   map[string]any
		want string // "field:code" of the first field error
		out  map[string]any
	}{
		{"all types", map[string]any{"hoTen": " An ", "dienTich": 12, "ngaySinh": "2001-02-03", "coAnTich": false},
			"", map[string]any{"hoTen": "An", "dienTich": 12.0, "ngaySinh": "2001-02-03", "coAnTich": "false"}},
		{"json number", map[string]any{"hoTen": "An", "dienTich": json.Number("12.5")}, "", map[string]any{"hoTen": "An", "dienTich": 12.5}},
		{"date value", map[string]any{"hoTen": "An", "ngaySinh": archive.Date{Year: 2001, Month: 2, Day: 3}}, "", map[string]any{"hoTen": "An", "ngaySinh": "2001-02-03"}},
		{"date typed DD/MM/YYYY", map[string]any{"hoTen": "An", "ngaySinh": "03/02/2001"}, "", map[string]any{"hoTen": "An", "ngaySinh": "2001-02-03"}},
		{"nil is absent", map[string]any{"hoTen": "An", "dienTich": nil}, "", map[string]any{"hoTen": "An"}},
		{"unknown", map[string]any{"hoTen": "An", "x": 1}, "x:unknown_field", nil},
		{"required missing", map[string]any{"dienTich": 1.0}, "hoTen:required", nil},
		{"required blank", map[string]any{"hoTen": "  "}, "hoTen:required", nil},
		{"string as number", map[string]any{"hoTen": "An", "dienTich": "12"}, "dienTich:wrong_type", nil},
		{"number as string", map[string]any{"hoTen": 5}, "hoTen:wrong_type", nil},
		{"impossible date", map[string]any{"hoTen": "An", "ngaySinh": "2001-02-30"}, "ngaySinh:invalid_date", nil},
		{"bool as other text", map[string]any{"hoTen": "An", "coAnTich": "có"}, "coAnTich:invalid_option", nil},
		{"too long", map[string]any{"hoTen": strings.Repeat("ơ", 1001)}, "hoTen:too_long", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := archive.ValidateFields(tc.in, dt, fixedNow)
			if tc.want != "" {
				wantCode(t, err, "document_fields_invalid")
				if got := fieldCodes(t, err); got[0] != tc.want {
					t.Fatalf("field errors %v, want %s first", got, tc.want)
				}
				return
			}
			wantCode(t, err, "")
			if len(out) != len(tc.out) {
				t.Fatalf("got %v, want %v", out, tc.out)
			}
			for k, v := range tc.out {
				if out[k] != v {
					t.Fatalf("field %s = %#v, want %#v", k, out[k], v)
				}
			}
		})
	}
	// A type without typed fields takes none.
	_, err := archive.ValidateFields(map[string]any{"a": "b"}, archive.DocumentType{Code: "KHAC", Name: "Khác"}, fixedNow)
	wantCode(t, err, "document_fields_invalid")
	if got := fieldCodes(t, err); len(got) != 1 || got[0] != "a:unknown_field" {
		t.Fatalf("field errors %v", got)
	}
}

func TestValidateMetadata(t *testing.T) {
	dt := archive.DocumentType{Code: "T", Name: "T", Fields: testDefs[1:]}
	day := func(y, m, d int) archive.Date { return archive.Date{Year: y, Month: time.Month(m), Day: d} }
	for _, tc := range []struct {
		name string
		m    archive.Metadata
		want string
	}{
		{"minimal", archive.Metadata{Name: "Giấy"}, ""},
		{"no name", archive.Metadata{Name: "  "}, "name_required"},
		{"long name", archive.Metadata{Name: strings.Repeat("a", 301)}, "name_too_long"},
		{"long summary", archive.Metadata{Name: "a", Summary: strings.Repeat("a", 2001)}, "summary_too_long"},
		{"long number", archive.Metadata{Name: "a", Number: strings.Repeat("1", 301)}, "number_too_long"},
		{"long issuer", archive.Metadata{Name: "a", Issuer: strings.Repeat("1", 301)}, "issuer_too_long"},
		{"long scope", archive.Metadata{Name: "a", ValidityScope: strings.Repeat("1", 301)}, "validity_scope_too_long"},
		{"period reversed", archive.Metadata{Name: "a", ValidFrom: day(2025, 1, 2), ValidUntil: day(2025, 1, 1)}, "invalid_validity_period"},
		{"one-day period", archive.Metadata{Name: "a", ValidFrom: day(2025, 1, 1), ValidUntil: day(2025, 1, 1)}, ""},
		{"permanent with end", archive.Metadata{Name: "a", Permanent: true, ValidUntil: day(2030, 1, 1)}, "permanent_with_end_date"},
		{"expired not storable", archive.Metadata{Name: "a", Status: archive.StatusExpired}, "invalid_status"},
		{"bad status", archive.Metadata{Name: "a", Status: "lost"}, "invalid_status"},
		{"bad date", archive.Metadata{Name: "a", IssueDate: day(2025, 13, 1)}, "invalid_date"},
		{"bad field", archive.Metadata{Name: "a", Fields: map[string]any{"hoTen": "x"}}, "document_fields_invalid"},
		// Text people type refuses control and format characters; only the
		// summary is multi-line (LF and TAB; CRLF is stored as LF).
		{"escape in name", archive.Metadata{Name: "Giấy \x1b[31mđỏ"}, "invalid_characters"},
		{"C1 in name", archive.Metadata{Name: "Giấy\u009b2J"}, "invalid_characters"},
		{"bidi override in name", archive.Metadata{Name: "hợp đồng\u202efdp.exe"}, "invalid_characters"},
		{"bidi isolate in name", archive.Metadata{Name: "a\u2066b\u2069"}, "invalid_characters"},
		{"directional mark in name", archive.Metadata{Name: "a\u200fb"}, "invalid_characters"},
		{"zero-width space in name", archive.Metadata{Name: "a\u200bb"}, "invalid_characters"},
		{"BOM in name", archive.Metadata{Name: "\ufeffGiấy"}, "invalid_characters"},
		{"line separator in name", archive.Metadata{Name: "a\u2028b"}, "invalid_characters"},
		{"newline in name", archive.Metadata{Name: "dòng 1\ndòng 2"}, "invalid_characters"},
		{"tab in name", archive.Metadata{Name: "a\tb"}, "invalid_characters"},
		{"newline in number", archive.Metadata{Name: "a", Number: "12\n34"}, "invalid_characters"},
		{"bidi in issuer", archive.Metadata{Name: "a", Issuer: "UBND\u202b"}, "invalid_characters"},
		{"escape in scope", archive.Metadata{Name: "a", ValidityScope: "\x1b]0;x\x07"}, "invalid_characters"},
		{"summary lines", archive.Metadata{Name: "a", Summary: "dòng 1\r\ndòng 2\tcột"}, ""},
		{"CR alone in summary", archive.Metadata{Name: "a", Summary: "dòng 1\rdòng 2"}, "invalid_characters"},
		{"escape in summary", archive.Metadata{Name: "a", Summary: "dòng 1\n\x1b[2J"}, "invalid_characters"},
		{"bidi override in summary", archive.Metadata{Name: "a", Summary: "dòng 1\n\u202edòng 2"}, "invalid_characters"},
		{"Vietnamese decomposed", archive.Metadata{Name: "Nguye\u0302\u0303n"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := archive.ValidateMetadata(tc.m, dt, fixedNow)
			wantCode(t, err, tc.want)
			if tc.want == "" && m.Status != archive.StatusValid {
				t.Fatalf("status %q, want the default valid", m.Status)
			}
			if tc.name == "summary lines" && m.Summary != "dòng 1\ndòng 2\tcột" {
				t.Fatalf("summary stored as %q, want CRLF as LF", m.Summary)
			}
		})
	}
}

func TestValidateDocumentType(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    archive.DocumentType
		want string
	}{
		{"ok", archive.DocumentType{Code: "KHAI_SINH", Name: "Giấy khai sinh", Fields: testDefs}, ""},
		{"bad code", archive.DocumentType{Code: "khai sinh", Name: "x"}, "invalid_type_code"},
		{"slash code", archive.DocumentType{Code: "A/B", Name: "x"}, "invalid_type_code"},
		{"long code", archive.DocumentType{Code: strings.Repeat("A", 65), Name: "x"}, "invalid_type_code"},
		{"no name", archive.DocumentType{Code: "A"}, "name_required"},
		{"bidi override in name", archive.DocumentType{Code: "A", Name: "Giấy\u202e"}, "invalid_characters"},
		{"escape in description", archive.DocumentType{Code: "A", Name: "x", Description: "dòng 1\n\x1b[31m"}, "invalid_characters"},
		{"lines in description", archive.DocumentType{Code: "A", Name: "x", Description: "dòng 1\r\ndòng 2"}, ""},
		{"bad field name", archive.DocumentType{Code: "A", Name: "x", Fields: []archive.FieldDef{{Name: "1a", Type: archive.FieldString}}}, "invalid_type_schema"},
		{"bad field type", archive.DocumentType{Code: "A", Name: "x", Fields: []archive.FieldDef{{Name: "a", Type: "money"}}}, "invalid_field_type"},
		{"duplicate field", archive.DocumentType{Code: "A", Name: "x", Fields: []archive.FieldDef{{Name: "a", Type: archive.FieldBool}, {Name: "a", Type: archive.FieldBool}}}, "invalid_type_schema"},
		{"schema", schemaType("A", `{"schema":1,"code":"A","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"text","label":"A"}]}`), ""},
		{"schema lower-case type code", archive.DocumentType{Code: "bang.dh", Name: "x", Schema: json.RawMessage(`{"schema":1,"code":"BANG_DH","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"text","label":"A"}]}`)}, ""},
		{"schema of a form", schemaType("A", `{"schema":1,"code":"A","version":1,"title":"A","fields":[{"code":"a","type":"text","label":"A"}]}`), "invalid_type_schema"},
		{"schema of another code", schemaType("A", `{"schema":1,"code":"B","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"text","label":"A"}]}`), "schema_code_mismatch"},
		{"schema not parsed", schemaType("A", `{"schema":1,"code":"A","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"colour","label":"A"}]}`), "invalid_type_schema"},
		{"schema duplicate key", schemaType("A", `{"schema":1,"schema":1,"code":"A","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"text","label":"A"}]}`), "invalid_type_schema"},
		{"schema and ref", archive.DocumentType{Code: "CAN_CUOC", Name: "x", SchemaRef: &archive.SchemaRef{Code: "CAN_CUOC"},
			Schema: json.RawMessage(`{"schema":1,"code":"CAN_CUOC","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"text","label":"A"}]}`)}, "schema_and_ref"},
		{"shipped ref", archive.DocumentType{Code: "CAN_CUOC", Name: "x", SchemaRef: &archive.SchemaRef{Code: "CAN_CUOC", Version: 1}}, ""},
		{"unknown ref", archive.DocumentType{Code: "CAN_CUOC", Name: "x", SchemaRef: &archive.SchemaRef{Code: "CAN_CUOC", Version: 99}}, "unknown_type_schema"},
		{"ref to a form", archive.DocumentType{Code: "TK_KHAI_SINH", Name: "x", SchemaRef: &archive.SchemaRef{Code: "TK_KHAI_SINH"}}, "invalid_type_schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.ValidateDocumentType(tc.t)
			wantCode(t, err, tc.want)
		})
	}
	// The parser's problems come back with their JSON paths, under "schema".
	_, err := archive.ValidateDocumentType(schemaType("A", `{"schema":1,"code":"A","version":1,"kind":"documentType","title":"A","fields":[{"code":"a","type":"text","label":"A","options":[]}]}`))
	if ke := kerr.Outer(err); ke == nil || !strings.Contains(err.Error(), "$.fields[0].options") {
		t.Fatalf("error %v does not name the JSON path", err)
	}
	// A stored type holds the whole definition and a summary of its fields.
	got, err := archive.ValidateDocumentType(archive.DocumentType{Code: "CAN_CUOC", Name: "x", SchemaRef: &archive.SchemaRef{Code: "CAN_CUOC"}})
	wantCode(t, err, "")
	if got.SchemaRef != nil || !strings.Contains(string(got.Schema), `"identityNumber"`) || len(got.Fields) < 10 {
		t.Fatalf("resolved type %+v", got)
	}
}

func TestSearchWordsAndCursor(t *testing.T) {
	w, err := archive.SearchWords("  Giấy  KHAI sinh ")
	wantCode(t, err, "")
	if strings.Join(w, ",") != "giay,khai,sinh" {
		t.Fatalf("words %v", w)
	}
	_, err = archive.SearchWords(strings.Repeat("a ", 11))
	wantCode(t, err, "too_many_words")
	_, err = archive.SearchWords(strings.Repeat("ă", 101))
	wantCode(t, err, "word_too_long")

	id := archive.NewID(time.Now())
	got, err := archive.DecodeCursor(archive.EncodeCursor(id))
	wantCode(t, err, "")
	if got != id {
		t.Fatalf("cursor round trip gave %q, want %q", got, id)
	}
	for _, c := range []string{"!!", "YWJj", archive.EncodeCursor("../../x")} {
		_, err := archive.DecodeCursor(c)
		wantCode(t, err, "invalid_cursor")
	}
}

func TestFormatBytes(t *testing.T) {
	for in, want := range map[int64]string{50 << 20: "50 MB", 5 << 30: "5 GB", 1536: "1,5 KB", 12: "12 byte"} {
		if got := archive.FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultCatalogDecodes(t *testing.T) {
	var f struct {
		DocumentTypes []archive.DocumentType `json:"documentTypes"`
		Procedures    []archive.Procedure    `json:"procedures"`
	}
	if err := json.Unmarshal(archive.DefaultCatalog(), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.DocumentTypes) < 15 || len(f.Procedures) < 2 {
		t.Fatalf("%d types, %d procedures", len(f.DocumentTypes), len(f.Procedures))
	}
	for _, dt := range f.DocumentTypes {
		if _, err := archive.ValidateDocumentType(dt); err != nil {
			t.Errorf("type %s: %v", dt.Code, err)
		}
	}
}

func schemaType(code, schema string) archive.DocumentType {
	return archive.DocumentType{Code: code, Name: "x", Schema: json.RawMessage(schema)}
}

// TestFileNameFor checks that a stored file's extension follows its
// detected type, so that text sent as "evil.html" is served as a .txt.
func TestFileNameFor(t *testing.T) {
	long := strings.Repeat("ă", 125) + ".html" // 250 + 5 bytes
	for _, tc := range []struct{ name, mediaType, want string }{
		{"evil.html", "text/plain; charset=utf-8", "evil.txt"},
		{"evil.html", "text/plain", "evil.txt"},
		{"evil.exe", "text/plain", "evil.txt"},
		{"ghi-chu.txt", "text/plain", "ghi-chu.txt"},
		{"ghi-chu.TEXT", "text/plain", "ghi-chu.TEXT"},
		{"giay.pdf", "application/pdf", "giay.pdf"},
		{"GIAY.PDF", "application/pdf", "GIAY.PDF"},
		{"anh.jpeg", "image/jpeg", "anh.jpeg"},
		{"anh.JPG", "image/jpeg", "anh.JPG"},
		{"anh.png", "image/jpeg", "anh.jpg"},
		{"scan.tif", "image/tiff", "scan.tif"},
		{"bang.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "bang.docx"},
		{"bang.doc", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "bang.docx"},
		{"hop-dong.pdf.html", "application/pdf", "hop-dong.pdf.pdf"},
		{"svg.svg", "image/png", "svg.png"},
		{"Nguyen.Van.A", "application/pdf", "Nguyen.Van.A.pdf"},
		{"bao-cao.2024", "application/pdf", "bao-cao.2024.pdf"},
		{"giay khai sinh", "application/pdf", "giay khai sinh.pdf"},
		{"a.", "application/pdf", "a.pdf"},
		{".html", "text/plain", ".html.txt"},
		{"", "application/pdf", "giay-to.pdf"},
		{"", "image/png", "giay-to.png"},
		{"", "application/x-unknown", "giay-to"},
		{"x.bin", "application/octet-stream", "x.bin"},
		{long, "text/plain", strings.Repeat("ă", 125) + ".txt"},
		{strings.Repeat("ă", 127) + "a", "application/pdf", strings.Repeat("ă", 125) + ".pdf"}, // cut at a rune boundary, within 255 bytes
	} {
		got := archive.FileNameFor(tc.name, tc.mediaType)
		if got != tc.want {
			t.Errorf("FileNameFor(%q, %q) = %q, want %q", tc.name, tc.mediaType, got, tc.want)
			continue
		}
		if tc.want != "" {
			if _, err := archive.ValidateFileName(got); err != nil && got != "" {
				t.Errorf("FileNameFor(%q) = %q, which is not a valid file name: %v", tc.name, got, err)
			}
		}
	}
}
