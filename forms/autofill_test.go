package forms

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

func TestParseRefusesPrefill(t *testing.T) {
	tests := []struct {
		name, json, path, msg string
	}{
		{"on a group", def(`{"code":"g","type":"group","label":"G","prefill":[{"source":"profile","path":"fullName"}],"fields":[{"code":"a","type":"text","label":"A"}]}`),
			"$.fields[0].prefill", `does not apply to type "group"`},
		{"on a file", def(`{"code":"a","type":"file","label":"A","accept":[".pdf"],"maxSize":10,"prefill":[{"source":"profile","path":"fullName"}]}`),
			"$.fields[0].prefill", `does not apply to type "file"`},
		{"inside rows", def(`{"code":"r","type":"rows","label":"R","maxRows":2,"fields":[{"code":"a","type":"text","label":"A","prefill":[{"source":"profile","path":"fullName"}]}]}`),
			"$.fields[0].fields[0].prefill", "inside rows"},
		{"unknown source", def(`{"code":"a","type":"text","label":"A","prefill":[{"source":"national_db","path":"x"}]}`),
			"$.fields[0].prefill[0].source", "source must be"},
		{"unknown profile path", def(`{"code":"a","type":"text","label":"A","prefill":[{"source":"profile","path":"password"}]}`),
			"$.fields[0].prefill[0].path", "unknown profile path"},
		{"profile with a field", def(`{"code":"a","type":"text","label":"A","prefill":[{"source":"profile","path":"fullName","field":"x"}]}`),
			"$.fields[0].prefill[0]", "only a path"},
		{"document without type", def(`{"code":"a","type":"text","label":"A","prefill":[{"source":"document","field":"hoTen"}]}`),
			"$.fields[0].prefill[0].type", "document type code"},
		{"document bad field", def(`{"code":"a","type":"text","label":"A","prefill":[{"source":"document","type":"CAN_CUOC","field":"a.b"}]}`),
			"$.fields[0].prefill[0].field", "document field"},
		{"editable without prefill", def(`{"code":"a","type":"text","label":"A","prefillEditable":false}`),
			"$.fields[0].prefillEditable", "needs a prefill list"},
		{"empty list", def(`{"code":"a","type":"text","label":"A","prefill":[]}`),
			"$.fields[0].prefill", "empty prefill list"},
		{"too many", def(`{"code":"a","type":"text","label":"A","prefill":[` + strings.Repeat(`{"source":"profile","path":"fullName"},`, 5) + `{"source":"profile","path":"fullName"}]}`),
			"$.fields[0].prefill", "at most 5"},
		{"unknown key", def(`{"code":"a","type":"text","label":"A","prefill":[{"source":"profile","path":"fullName","trust":true}]}`),
			"$.fields[0].prefill[0].trust", "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json))
			probs := ProblemsOf(err)
			if len(probs) == 0 {
				t.Fatalf("accepted; err %v", err)
			}
			if probs[0].Path != tt.path || !strings.Contains(probs[0].Message, tt.msg) {
				t.Fatalf("first problem %v, want %s: …%s…", probs, tt.path, tt.msg)
			}
		})
	}
}

// vaultOf is a Vault over fixed records, counting the papers read.
type vaultOf struct {
	caller  string // a citizen's subject ("" = staff: any owner)
	profile map[string]map[string]any
	docs    map[string]map[string]VaultDocument // owner → type → paper
	reads   []string
}

func (v *vaultOf) allowed(owner string) error {
	if v.caller != "" && v.caller != owner {
		return kerr.New(kerr.Permission, "not_own_vault", "Bạn chỉ được truy cập kho dữ liệu của chính mình.", "")
	}
	return nil
}

func (v *vaultOf) Profile(_ context.Context, owner string) (map[string]any, error) {
	if err := v.allowed(owner); err != nil {
		return nil, err
	}
	return v.profile[owner], nil
}

func (v *vaultOf) NewestValid(_ context.Context, owner, typeCode, purpose string) (VaultDocument, error) {
	if err := v.allowed(owner); err != nil {
		return VaultDocument{}, err
	}
	d, ok := v.docs[owner][typeCode]
	if !ok {
		return VaultDocument{}, kerr.New(kerr.NotFound, "prefill_source_not_found", "", "")
	}
	v.reads = append(v.reads, d.ID+" "+purpose)
	return d, nil
}

const prefillDef = `{"schema":1,"code":"TK_THU","version":2,"title":"Thử","fields":[
 {"code":"hoTen","type":"text","label":"Họ và tên","maxLength":100,"required":true,
  "prefill":[{"source":"document","type":"CAN_CUOC","field":"hoTen"},{"source":"profile","path":"fullName"}]},
 {"code":"soDinhDanh","type":"text","format":"identityNumber","label":"Số định danh cá nhân","prefillEditable":false,
  "prefill":[{"source":"profile","path":"identityNumber"}]},
 {"code":"ngaySinh","type":"date","label":"Ngày sinh","max":"today","prefill":[{"source":"document","type":"CAN_CUOC","field":"ngaySinh"}]},
 {"code":"namSinh","type":"spin","label":"Năm sinh","min":1900,"max":2100,"prefill":[{"source":"profile","path":"birthYear"}]},
 {"code":"namSinhChu","type":"text","label":"Năm sinh (chữ)","prefill":[{"source":"profile","path":"birthYear"}]},
 {"code":"hoChieu","type":"text","label":"Số hộ chiếu","prefill":[{"source":"document","type":"HO_CHIEU","field":"soHoChieu"}]},
 {"code":"gioiTinh","type":"radio","label":"Giới tính","options":[{"value":"nam","label":"Nam"},{"value":"nu","label":"Nữ"}],
  "prefill":[{"source":"document","type":"CAN_CUOC","field":"gioiTinh"}]},
 {"code":"coNoiCuTru","type":"radio","label":"Khai nơi cư trú","options":[{"value":"co","label":"Có"},{"value":"khong","label":"Không"}]},
 {"code":"noiCuTru","type":"textarea","label":"Nơi cư trú","visibleIf":{"field":"coNoiCuTru","equals":"co"},"prefillEditable":false,
  "prefill":[{"source":"document","type":"CAN_CUOC","field":"noiCuTru"}]}
]}`

func newVault() *vaultOf {
	return &vaultOf{
		profile: map[string]map[string]any{
			"001099012345": {"identityNumber": "001099012345", "fullName": "Trần Văn Hồ Sơ", "birthYear": 1999, "ownerKind": "individual"},
		},
		docs: map[string]map[string]VaultDocument{
			"001099012345": {"CAN_CUOC": {ID: "doc1", Version: 3, TypeCode: "CAN_CUOC", Name: "Căn cước của An",
				Fields: map[string]any{"hoTen": "Trần Văn An", "ngaySinh": "1999-05-12", "gioiTinh": "khác", "noiCuTru": "12 Lý Thường Kiệt, Hà Nội"}}},
		},
	}
}

func TestPrefill(t *testing.T) {
	d, err := Parse([]byte(prefillDef))
	if err != nil {
		t.Fatal(err)
	}
	v := newVault()
	vals, warns, err := testChecker().Prefill(t.Context(), d, "001099012345", v)
	if err != nil {
		t.Fatal(err)
	}
	wantData := map[string]any{
		"hoTen":      "Trần Văn An", // the card wins over the profile: it comes first
		"soDinhDanh": "001099012345",
		"ngaySinh":   "1999-05-12",
		"namSinh":    json.Number("1999"),
		"namSinhChu": "1999",
		"noiCuTru":   "12 Lý Thường Kiệt, Hà Nội", // hidden until chosen, filled all the same
	}
	if !reflect.DeepEqual(vals.Data, wantData) {
		t.Errorf("data %#v\nwant %#v", vals.Data, wantData)
	}
	card := Provenance{Source: SourceDocument, DocumentID: "doc1", DocumentVersion: 3, DocumentType: "CAN_CUOC"}
	withField := func(p Provenance, f string) Provenance { p.DocumentField = f; return p }
	wantProv := map[string]Provenance{
		"hoTen":      withField(card, "hoTen"),
		"soDinhDanh": {Source: SourceProfile, Path: "identityNumber"},
		"ngaySinh":   withField(card, "ngaySinh"),
		"namSinh":    {Source: SourceProfile, Path: "birthYear"},
		"namSinhChu": {Source: SourceProfile, Path: "birthYear"},
		"noiCuTru":   withField(card, "noiCuTru"),
	}
	if !reflect.DeepEqual(vals.Provenance, wantProv) {
		t.Errorf("provenance %#v\nwant %#v", vals.Provenance, wantProv)
	}
	// The card's "khác" is no option of gioiTinh: left out with a warning.
	if len(warns) != 1 || warns[0].Field != "gioiTinh" || warns[0].Code != "prefill_value_invalid" ||
		warns[0].Message != "Giới tính: giá trị lấy từ giấy tờ «Căn cước của An» trong kho dữ liệu không hợp lệ nên không được điền sẵn (Giới tính: giá trị «khác» không có trong danh sách lựa chọn.)" {
		t.Errorf("warnings %+v", warns)
	}
	// One read of the card (HO_CHIEU is missing: no error, no read).
	if len(v.reads) != 1 || v.reads[0] != "doc1 Tự động điền biểu mẫu TK_THU" {
		t.Errorf("reads %q", v.reads)
	}

	// Without the card, the profile gives the name.
	v2 := newVault()
	delete(v2.docs, "001099012345")
	vals, _, err = testChecker().Prefill(t.Context(), d, "001099012345", v2)
	if err != nil || vals.Data["hoTen"] != "Trần Văn Hồ Sơ" || vals.Provenance["hoTen"] != (Provenance{Source: SourceProfile, Path: "fullName"}) {
		t.Errorf("profile fallback: %v %v %v", vals.Data, vals.Provenance, err)
	}

	// Another citizen's vault: the vault's refusal, even for a form that pre-fills nothing.
	v3 := newVault()
	v3.caller = "079088000123"
	for _, dd := range []*Definition{d, mustParse(t, def(`{"code":"a","type":"text","label":"A"}`))} {
		if _, _, err := testChecker().Prefill(t.Context(), dd, "001099012345", v3); !kerr.IsKind(err, kerr.Permission) {
			t.Errorf("%s: another's vault: %v", dd.Code, err)
		}
	}
	if len(v3.reads) != 0 {
		t.Errorf("reads %q", v3.reads)
	}
}

func mustParse(t *testing.T, s string) *Definition {
	t.Helper()
	d, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestValidatePrefilled(t *testing.T) {
	d := mustParse(t, prefillDef)
	tests := []struct {
		name   string
		data   string
		prov   map[string]Provenance
		errors []FieldError
	}{
		{"as pre-filled", `{"hoTen":"Trần Văn An","soDinhDanh":"001099012345","ngaySinh":"12/05/1999","namSinh":1999,"namSinhChu":"1999"}`,
			map[string]Provenance{
				"hoTen":      {Source: SourceDocument, DocumentID: "doc1", DocumentVersion: 3, DocumentType: "CAN_CUOC", DocumentField: "hoTen"},
				"soDinhDanh": {Source: SourceProfile, Path: "identityNumber"},
				"ngaySinh":   {Source: SourceDocument, DocumentID: "doc1", DocumentVersion: 3, DocumentType: "CAN_CUOC", DocumentField: "ngaySinh"},
				"namSinh":    {Source: SourceProfile, Path: "birthYear"},
				"namSinhChu": {Source: SourceProfile, Path: "birthYear"},
			}, nil},
		{"corrected where allowed", `{"hoTen":"Trần Văn Ân","soDinhDanh":"001099012345","namSinh":2000}`,
			map[string]Provenance{
				"hoTen":      {Source: SourceDocument, DocumentID: "doc1", DocumentVersion: 3, DocumentType: "CAN_CUOC", DocumentField: "hoTen", Original: "Trần Văn An"},
				"soDinhDanh": {Source: SourceProfile, Path: "identityNumber"},
				"ngaySinh":   {Source: SourceDocument, DocumentID: "doc1", DocumentVersion: 3, DocumentType: "CAN_CUOC", DocumentField: "ngaySinh", Original: "1999-05-12"},
				"namSinh":    {Source: SourceProfile, Path: "birthYear", Original: json.Number("1999")},
				"namSinhChu": {Source: SourceProfile, Path: "birthYear", Original: "1999"},
			}, nil},
		{"changed where not allowed", `{"hoTen":"Trần Văn An","soDinhDanh":"079088000123","coNoiCuTru":"co","noiCuTru":"Nơi khác"}`, nil,
			[]FieldError{
				fe("noiCuTru", "prefill_not_editable", "Nơi cư trú: trường này lấy từ giấy tờ «Căn cước của An» trong kho dữ liệu và không được sửa."),
				fe("soDinhDanh", "prefill_not_editable", "Số định danh cá nhân: trường này lấy từ thông tin cá nhân của chủ kho dữ liệu và không được sửa."),
			}},
		{"emptied where not allowed", `{"hoTen":"Trần Văn An"}`, nil,
			[]FieldError{fe("soDinhDanh", "prefill_not_editable", "Số định danh cá nhân: trường này lấy từ thông tin cá nhân của chủ kho dữ liệu và không được sửa.")}},
		{"invalid value: one error, not two", `{"hoTen":"Trần Văn An","soDinhDanh":"12"}`, nil,
			[]FieldError{fe("soDinhDanh", "invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số.")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVault()
			vals, errs, err := testChecker().ValidatePrefilled(t.Context(), d, []byte(tt.data), "001099012345", v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sortErrs(errs), sortErrs(tt.errors)) {
				t.Fatalf("errors %+v\nwant %+v", errs, tt.errors)
			}
			if tt.errors != nil {
				return
			}
			// A field the user emptied is a correction; hidden noiCuTru is never there.
			if !reflect.DeepEqual(vals.Provenance, tt.prov) {
				t.Errorf("provenance %#v\nwant %#v", vals.Provenance, tt.prov)
			}
			if _, err := vals.CanonicalJSON(); err != nil {
				t.Errorf("canonical: %v", err)
			}
		})
	}
}

// TestShippedPrefillSources: every document source of a shipped form names
// a field of the shipped document type's schema, of a type whose values
// the form's field accepts; and the household form pre-fills from a card.
func TestShippedPrefillSources(t *testing.T) {
	reg, err := NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range reg.List() {
		d, _ := reg.Get(s.Code, s.Version)
		for _, fi := range d.idx.order {
			for _, src := range fi.f.Prefill {
				if src.Source != SourceDocument {
					continue
				}
				n++
				dt, err := reg.Get(src.Type, 0)
				if err != nil || dt.Kind != KindDocumentType {
					t.Errorf("%s.%s: type %s is not a shipped document type: %v", s.Code, fi.f.Code, src.Type, err)
					continue
				}
				sf := dt.idx.byCode[src.Field]
				if sf == nil {
					t.Errorf("%s.%s: %s has no field %s", s.Code, fi.f.Code, src.Type, src.Field)
					continue
				}
				if sf.f.Type != fi.f.Type && !(sf.f.Type.hasValue() && fi.f.Type == TypeText || sf.f.Type == TypeText && fi.f.Type == TypeTextarea || sf.f.Type == TypeTextarea && fi.f.Type == TypeText) {
					t.Errorf("%s.%s (%s) from %s.%s (%s)", s.Code, fi.f.Code, fi.f.Type, src.Type, src.Field, sf.f.Type)
				}
			}
		}
	}
	if n < 8 {
		t.Errorf("only %d document sources in the shipped forms", n)
	}
	hkd, _ := reg.Get("HKD_DANG_KY", 1)
	v := newVault()
	v.docs["001099012345"]["CAN_CUOC"] = VaultDocument{ID: "c1", Version: 1, TypeCode: "CAN_CUOC", Name: "Căn cước",
		Fields: map[string]any{"hoTen": "Lê Văn Chủ", "ngaySinh": "1985-03-15", "gioiTinh": "nam", "quocTich": "Việt Nam", "soDinhDanh": "001099012345", "noiCuTru": "Huế"}}
	vals, warns, err := testChecker().Prefill(t.Context(), hkd, "001099012345", v)
	if err != nil || len(warns) != 0 {
		t.Fatal(err, warns)
	}
	want := map[string]any{"hoTenChuHo": "Lê Văn Chủ", "ngaySinhChuHo": "1985-03-15", "gioiTinhChuHo": "nam", "quocTichChuHo": "Việt Nam",
		"soDinhDanhChuHo": "001099012345", "noiThuongTruChuHo": "Huế"}
	if !reflect.DeepEqual(vals.Data, want) {
		t.Errorf("household prefill %v", vals.Data)
	}
}

func TestValidatePrefilledUnreadable(t *testing.T) {
	v := newVault()
	_, errs, err := testChecker().ValidatePrefilled(t.Context(), mustParse(t, prefillDef), []byte(`{"hoTen":`), "001099012345", v)
	if err != nil || len(errs) != 1 || errs[0].Code != "invalid_json" || len(v.reads) != 0 {
		t.Fatalf("%v %v reads %q", errs, err, v.reads)
	}
}
