package archive_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestTypedFieldsThroughService stores papers of the default catalogue's
// types through the Service: good values come back clean (dates
// YYYY-MM-DD, text as typed), bad ones are refused with a Vietnamese
// message per field and leave nothing stored.
func TestTypedFieldsThroughService(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	v.clock.Set(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	card := func(mod map[string]any) map[string]any {
		f := map[string]any{"soDinhDanh": citizenA.Subject, "hoTen": "Nguyễn Văn An", "ngaySinh": "12/05/2003",
			"gioiTinh": "nam", "quocTich": "Việt Nam", "queQuan": "Xã Tân Hội, tỉnh Lâm Đồng",
			"noiCuTru": "Số 1 Lê Lợi,\r\nphường Bến Thành, TP. Hồ Chí Minh", "ngayCap": "2021-04-01",
			"coGiaTriDen": "12/05/2028", "noiCap": "Cục Cảnh sát quản lý hành chính về trật tự xã hội"}
		for k, x := range mod {
			if x == nil {
				delete(f, k)
			} else {
				f[k] = x
			}
		}
		return f
	}
	script := `<script>alert("x")</script> Nguyễn Văn An`
	for _, tc := range []struct {
		name, typeCode string
		fields         map[string]any
		errs           []string       // "field:code", in order; nil: accepted
		want           map[string]any // some stored values
	}{
		{"identity card", "CAN_CUOC", card(nil), nil, map[string]any{"ngaySinh": "2003-05-12", "coGiaTriDen": "2028-05-12",
			"noiCuTru": "Số 1 Lê Lợi,\nphường Bến Thành, TP. Hồ Chí Minh", "gioiTinh": "nam"}},
		{"script kept as data", "CAN_CUOC", card(map[string]any{"hoTen": script}), nil, map[string]any{"hoTen": script}},
		{"31/02/2025", "CAN_CUOC", card(map[string]any{"ngayCap": "31/02/2025"}), []string{"ngayCap:invalid_date"}, nil},
		{"identity number", "CAN_CUOC", card(map[string]any{"soDinhDanh": "12345"}), []string{"soDinhDanh:invalid_identity_number"}, nil},
		{"born tomorrow", "CAN_CUOC", card(map[string]any{"ngaySinh": "24/11/2026"}), []string{"ngaySinh:date_after_max"}, nil},
		{"over-long name", "CAN_CUOC", card(map[string]any{"hoTen": strings.Repeat("â", 101)}), []string{"hoTen:too_long"}, nil},
		{"unknown field", "CAN_CUOC", card(map[string]any{"isAdmin": true}), []string{"isAdmin:unknown_field"}, nil},
		{"several errors", "CAN_CUOC", card(map[string]any{"hoTen": nil, "gioiTinh": "khác", "ngaySinh": 2003}),
			[]string{"hoTen:required", "ngaySinh:wrong_type", "gioiTinh:invalid_option"}, nil},
		{"birth certificate", "KHAI_SINH", map[string]any{"hoTen": "Trần Thị Bé", "ngaySinh": "29/02/2024", "soDinhDanh": "079324000001"},
			nil, map[string]any{"ngaySinh": "2024-02-29"}},
		{"birth certificate 29/02/2025", "KHAI_SINH", map[string]any{"hoTen": "Bé", "ngaySinh": "29/02/2025"}, []string{"ngaySinh:invalid_date"}, nil},
		{"enterprise tax code", "GCN_DKDN", map[string]any{"maSoDoanhNghiep": "0101234567-001", "vonDieuLe": 1500000000}, nil,
			map[string]any{"maSoDoanhNghiep": "0101234567-001", "vonDieuLe": 1.5e9}},
		{"enterprise bad tax code", "GCN_DKDN", map[string]any{"maSoDoanhNghiep": "01012"}, []string{"maSoDoanhNghiep:invalid_tax_code"}, nil},
		{"land area decimals", "GCN_QSDD", map[string]any{"dienTich": 120.555}, []string{"dienTich:too_many_decimals"}, nil},
		{"land area", "GCN_QSDD", map[string]any{"dienTich": 120.5, "thuaDatSo": "12"}, nil, map[string]any{"dienTich": 120.5}},
		{"yes/no as JSON bool", "LY_LICH_TU_PHAP", map[string]any{"coAnTich": false}, nil, map[string]any{"coAnTich": "false"}},
		{"graduation year", "BANG_TOT_NGHIEP", map[string]any{"namTotNghiep": 1850}, []string{"namTotNghiep:below_min"}, nil},
		{"no fields for KHAC", "KHAC", map[string]any{"ghiChu": "x"}, []string{"ghiChu:unknown_field"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
			d, err := v.Put(ctx, citizenA, archive.NewDocument{Metadata: archive.Metadata{TypeCode: tc.typeCode, Name: tc.name, Fields: tc.fields},
				Upload: upload("a.pdf", pdfBytes(tc.name))})
			if tc.errs != nil {
				wantCode(t, err, "document_fields_invalid")
				if got := strings.Join(fieldCodes(t, err), " "); got != strings.Join(tc.errs, " ") {
					t.Fatalf("field errors %s, want %s", got, strings.Join(tc.errs, " "))
				}
				after, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
				if after.DocumentCount != before.DocumentCount || after.UsedBytes != before.UsedBytes {
					t.Fatalf("a refused paper was counted: %+v → %+v", before, after)
				}
				return
			}
			wantCode(t, err, "")
			got, err := v.Get(ctx, citizenA, d.ID, archive.Access{})
			wantCode(t, err, "")
			for k, w := range tc.want {
				if got.Fields[k] != w {
					t.Errorf("stored %s = %#v, want %#v", k, got.Fields[k], w)
				}
			}
		})
	}
}

// TestTypedFieldsOnUpdate checks the schema on a metadata update: a bad
// value is refused and the document keeps its version; a good one makes a
// version with the clean value.
func TestTypedFieldsOnUpdate(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("ks")))
	wantCode(t, err, "")
	bad := archive.FieldValues{"hoTen": "An", "ngaySinh": "31/02/2025"}
	_, err = v.UpdateMetadata(ctx, citizenA, d.ID, d.Rev, archive.MetadataPatch{Fields: &bad})
	wantCode(t, err, "document_fields_invalid")
	if got := fieldCodes(t, err); len(got) != 1 || got[0] != "ngaySinh:invalid_date" {
		t.Fatalf("field errors %v", got)
	}
	same, err := v.Get(ctx, citizenA, d.ID, archive.Access{})
	wantCode(t, err, "")
	if same.VersionCount != d.VersionCount || same.Rev != d.Rev {
		t.Fatalf("a refused update changed the document: %+v", same)
	}
	good := archive.FieldValues{"hoTen": " Nguyễn Văn An ", "ngaySinh": "03/02/2001", "gioiTinh": "nam"}
	upd, err := v.UpdateMetadata(ctx, citizenA, d.ID, d.Rev, archive.MetadataPatch{Fields: &good})
	wantCode(t, err, "")
	if upd.VersionCount != 2 || upd.Fields["hoTen"] != "Nguyễn Văn An" || upd.Fields["ngaySinh"] != "2001-02-03" {
		t.Fatalf("updated %+v", upd.Metadata)
	}
	// Changing the type checks the fields against the new type's schema.
	typ := "CAN_CUOC"
	_, err = v.UpdateMetadata(ctx, citizenA, d.ID, upd.Rev, archive.MetadataPatch{TypeCode: &typ})
	wantCode(t, err, "document_fields_invalid")

	// A paper stored under an older schema can still be revoked: fields the
	// patch does not set stay as stored.
	_, err = v.PutDocumentType(ctx, admin, archive.DocumentType{Code: "GHI", Name: "Giấy ghi chú",
		Fields: []archive.FieldDef{{Name: "ghiChu", Label: "Ghi chú", Type: archive.FieldString}}})
	wantCode(t, err, "")
	long := strings.Repeat("ghi chú ", 40)
	note, err := v.Put(ctx, citizenA, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "GHI", Name: "Ghi chú", Fields: map[string]any{"ghiChu": long}},
		Upload: upload("g.pdf", pdfBytes("g"))})
	wantCode(t, err, "")
	_, err = v.PutDocumentType(ctx, admin, archive.DocumentType{Code: "GHI", Name: "Giấy ghi chú", Schema: json.RawMessage(
		`{"schema":1,"code":"GHI","version":2,"kind":"documentType","title":"Giấy ghi chú","fields":[{"code":"ghiChu","type":"text","label":"Ghi chú","maxLength":100},{"code":"so","type":"text","label":"Số","required":true}]}`)})
	wantCode(t, err, "")
	revoked := archive.StatusRevoked
	note, err = v.UpdateMetadata(ctx, staff, note.ID, note.Rev, archive.MetadataPatch{Status: &revoked})
	wantCode(t, err, "")
	if note.Status != archive.StatusRevoked || note.Fields["ghiChu"] != strings.TrimSpace(long) {
		t.Fatalf("revoked %+v", note.Metadata)
	}
	again := archive.FieldValues{"ghiChu": long}
	_, err = v.UpdateMetadata(ctx, citizenA, note.ID, note.Rev, archive.MetadataPatch{Fields: &again})
	wantCode(t, err, "document_fields_invalid")
	if got := strings.Join(fieldCodes(t, err), " "); got != "ghiChu:too_long so:required" {
		t.Fatalf("field errors %s", got)
	}
}

// TestDocumentTypeSchemas covers the catalogue side: every default type
// with fields carries a documentType schema; an old entry kept by a store
// (field list, no schema) is read as a schema; a type put with a schema
// keeps it.
func TestDocumentTypeSchemas(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	types, err := v.DocumentTypes(ctx, citizenA)
	wantCode(t, err, "")
	for _, dt := range types {
		if dt.Code == "KHAC" {
			if dt.Schema != nil || dt.Fields != nil {
				t.Errorf("KHAC has fields: %+v", dt)
			}
			continue
		}
		var s struct{ Code, Kind string }
		if err := json.Unmarshal(dt.Schema, &s); err != nil || s.Code != dt.Code || s.Kind != "documentType" || len(dt.Fields) == 0 {
			t.Errorf("%s: schema %s (%v), fields %v", dt.Code, dt.Schema, err, dt.Fields)
		}
	}
	card, err := v.DocumentType(ctx, citizenA, "CAN_CUOC")
	wantCode(t, err, "")
	for _, f := range []string{"soDinhDanh", "hoTen", "ngaySinh", "gioiTinh", "quocTich", "queQuan", "noiCuTru", "ngayCap", "coGiaTriDen", "noiCap"} {
		if !strings.Contains(string(card.Schema), `"code":"`+f+`"`) {
			t.Errorf("CAN_CUOC's schema has no %s", f)
		}
	}

	// An entry written before schemas: only the old field list is stored.
	old := archive.DocumentType{Code: "CU", Name: "Giấy cũ", UpdatedAt: time.Now(), Fields: []archive.FieldDef{
		{Name: "so", Label: "Số", Type: archive.FieldNumber, Required: true}, {Name: "ban", Label: "Bản chính", Type: archive.FieldBool}}}
	if err := v.store.PutDocumentType(ctx, old); err != nil {
		t.Fatal(err)
	}
	got, err := v.DocumentType(ctx, citizenA, "CU")
	wantCode(t, err, "")
	if !strings.Contains(string(got.Schema), `"type":"spin"`) || len(got.Fields) != 2 || got.Fields[1].Type != archive.FieldBool {
		t.Fatalf("old entry read as %s / %+v", got.Schema, got.Fields)
	}
	d, err := v.Put(ctx, citizenA, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "CU", Name: "x", Fields: map[string]any{"so": 42, "ban": true}},
		Upload: upload("cu.pdf", pdfBytes("cu"))})
	wantCode(t, err, "")
	if d.Fields["so"] != 42.0 || d.Fields["ban"] != "true" {
		t.Fatalf("fields %v", d.Fields)
	}

	// A type put with a schema; the answer and later reads hold it.
	schema := `{"schema":1,"code":"BHYT","version":2,"kind":"documentType","title":"Thẻ bảo hiểm y tế",
		"fields":[{"code":"maThe","type":"text","label":"Mã thẻ","minLength":15,"maxLength":15,"required":true},
		{"code":"hanThe","type":"dateRange","label":"Giá trị sử dụng"}]}`
	put, err := v.PutDocumentType(ctx, admin, archive.DocumentType{Code: "BHYT", Name: "Thẻ BHYT", Schema: json.RawMessage(schema)})
	wantCode(t, err, "")
	if len(put.Fields) != 1 || put.Fields[0].Name != "maThe" {
		t.Fatalf("summary %+v", put.Fields)
	}
	_, err = v.Put(ctx, citizenA, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "BHYT", Name: "x", Fields: map[string]any{"maThe": "DN4797912345678",
		"hanThe": map[string]any{"from": "01/01/2026", "to": "31/12/2026"}}}, Upload: upload("b.pdf", pdfBytes("b"))})
	wantCode(t, err, "")
	_, err = v.Put(ctx, citizenA, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "BHYT", Name: "x", Fields: map[string]any{"maThe": "DN47",
		"hanThe": map[string]any{"from": "31/12/2026", "to": "01/01/2026"}}}, Upload: upload("b.pdf", pdfBytes("b2"))})
	wantCode(t, err, "document_fields_invalid")
	if got := strings.Join(fieldCodes(t, err), " "); got != "maThe:too_short hanThe:invalid_range" {
		t.Fatalf("field errors %s", got)
	}
	_, err = v.PutDocumentType(ctx, admin, archive.DocumentType{Code: "BHYT", Name: "Thẻ BHYT", Schema: json.RawMessage(`{"schema":1}`)})
	wantCode(t, err, "invalid_type_schema")
}

// BenchmarkDocumentFields measures the schema check a document's typed
// fields pay on store: the identity card's ten values. BenchmarkTypeSchema
// is the parse of a type's schema, paid once per schema (cached after).
func BenchmarkDocumentFields(b *testing.B) {
	card := archive.DocumentType{Code: "CAN_CUOC", Name: "Căn cước", SchemaRef: &archive.SchemaRef{Code: "CAN_CUOC"}}
	in := map[string]any{"soDinhDanh": "001099012345", "hoTen": "Nguyễn Văn An", "ngaySinh": "12/05/1999", "gioiTinh": "nam",
		"quocTich": "Việt Nam", "queQuan": "Xã Tân Hội, tỉnh Lâm Đồng", "noiCuTru": "Số 1 Lê Lợi, phường Bến Thành, TP. Hồ Chí Minh",
		"ngayCap": "2021-04-01", "coGiaTriDen": "12/05/2039", "noiCap": "Cục Cảnh sát quản lý hành chính về trật tự xã hội"}
	check, err := archive.FieldsChecker(card)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := check(in, fixedNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	stored, err := archive.ValidateDocumentType(card) // the shipped definition copied in
	if err != nil {
		b.Fatal(err)
	}
	stored.SchemaRef = nil
	b.Run("parse schema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := archive.ValidateDocumentType(stored); err != nil {
				b.Fatal(err)
			}
		}
	})
}
