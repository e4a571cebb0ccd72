package archive

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// A document type's typed fields (2025 item 28.4) are described by an eForm
// definition of kind "documentType" (package forms, docs/forms.md): the
// vault validates a document's Fields with forms.Validate and stores the
// clean values. The definition is kept whole inside the catalogue entry
// (DocumentType.Schema), so a stored type never depends on what a forms
// registry holds later. A catalogue entry may instead name a definition
// shipped with Kho (SchemaRef); it is copied in when the entry is stored.
//
// Catalogue entries written before schemas existed have only the old field
// list (Fields); they are converted on read and on write (legacySchema), so
// the stores need no migration.

// SchemaRef names an eForm definition shipped with Kho (forms/definitions)
// by code and version (0: the latest).
type SchemaRef struct {
	Code    string `json:"code"`
	Version int    `json:"version,omitempty"`
}

// FieldErrors lists the typed fields of a document that its type's schema
// refused, each with a Vietnamese message (see forms.FieldError). It is
// wrapped in a kerr.Invalid error with code "document_fields_invalid".
type FieldErrors []forms.FieldError

func (e FieldErrors) Error() string {
	var b strings.Builder
	for i, fe := range e {
		if i > 0 {
			b.WriteString("; ")
		}
		if fe.Field != "" {
			b.WriteString("fields." + fe.Field + ": ")
		}
		b.WriteString(fe.Code)
	}
	return b.String()
}

// boolOptions are the options of a yes/no field converted from the old
// "bool" type; a JSON true or false given for such a field is read as
// "true" or "false".
var boolOptions = []forms.Option{{Value: "true", Label: "Có"}, {Value: "false", Label: "Không"}}

// schemaCode is the definition code that goes with a type code: the type
// code itself when it is a valid form code, else an upper-case form of it.
func schemaCode(typeCode string) string {
	c := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '.' || r == '-':
			return '_'
		}
		return r
	}, typeCode)
	if c == "" || c[0] < 'A' || c[0] > 'Z' {
		c = "T" + c
	}
	if len(c) > 64 {
		c = c[:64]
	}
	return c
}

// legacySchema converts the old field list to a definition: string →
// textarea of at most 1000 characters (the old limit), number → spin box
// with up to 6 decimals, date → date, bool → a Có/Không radio.
func legacySchema(t DocumentType) *forms.Definition {
	d := &forms.Definition{Schema: forms.SchemaVersion, Code: schemaCode(t.Code), Version: 1,
		Kind: forms.KindDocumentType, Title: t.Name}
	if d.Title == "" {
		d.Title = t.Code
	}
	for _, fd := range t.Fields {
		f := forms.Field{Code: fd.Name, Label: strings.TrimSpace(fd.Label), Required: fd.Required}
		if f.Label == "" {
			f.Label = fd.Name
		}
		switch fd.Type {
		case FieldNumber:
			f.Type, f.Decimals = forms.TypeSpin, 6
		case FieldDate:
			f.Type = forms.TypeDate
		case FieldBool:
			f.Type, f.Options = forms.TypeRadio, boolOptions
		default:
			f.Type, f.MaxLength = forms.TypeTextarea, maxFieldRunes
		}
		d.Fields = append(d.Fields, f)
	}
	return d
}

// summaryFields lists the schema's single-valued fields (sections opened)
// in the old FieldDef form, for clients that read "fields": choices and
// text are "string", numbers "number", dates "date", a Có/Không radio
// "bool". Fields of other types (ranges, files, rows, multiple choices)
// are left out.
func summaryFields(d *forms.Definition) []FieldDef {
	var out []FieldDef
	var walk func(fs []forms.Field)
	walk = func(fs []forms.Field) {
		for _, f := range fs {
			var ft FieldType
			switch f.Type {
			case forms.TypeGroup:
				walk(f.Fields)
				continue
			case forms.TypeText, forms.TypeTextarea, forms.TypeSearch:
				ft = FieldString
			case forms.TypeRadio, forms.TypeDropdown:
				if f.Multiple {
					continue
				}
				ft = FieldString
				if isBoolOptions(f.Options) {
					ft = FieldBool
				}
			case forms.TypeSpin, forms.TypeSlider:
				ft = FieldNumber
			case forms.TypeDate:
				ft = FieldDate
			default:
				continue
			}
			out = append(out, FieldDef{Name: f.Code, Label: f.Label, Type: ft, Required: f.Required})
		}
	}
	walk(d.Fields)
	return out
}

func isBoolOptions(opts []forms.Option) bool {
	return len(opts) == 2 && opts[0].Value == "true" && opts[1].Value == "false"
}

// boolFields returns the codes of the top-level Có/Không radios.
func boolFields(d *forms.Definition) map[string]bool {
	out := map[string]bool{}
	var walk func(fs []forms.Field)
	walk = func(fs []forms.Field) {
		for _, f := range fs {
			if f.Type == forms.TypeGroup {
				walk(f.Fields)
			} else if f.Type == forms.TypeRadio && isBoolOptions(f.Options) {
				out[f.Code] = true
			}
		}
	}
	walk(d.Fields)
	return out
}

func errBadSchema(err error) error {
	return kerr.Wrap(err, kerr.Invalid, "invalid_type_schema",
		"Lược đồ trường thông tin của loại giấy tờ không hợp lệ (định dạng biểu mẫu điện tử, loại documentType).")
}

// resolveSchema fills t.Schema from, in order: the schema given, the
// shipped definition SchemaRef names, or the old field list. It parses the
// schema strictly (forms.Parse) and returns it with t, whose Schema is
// then the definition's normalised JSON and whose Fields are its summary.
// A type without any of them has no typed fields (Schema nil).
func resolveSchema(t DocumentType) (DocumentType, *forms.Definition, error) {
	var def *forms.Definition
	switch {
	case len(bytes.TrimSpace(t.Schema)) > 0 && !bytes.Equal(bytes.TrimSpace(t.Schema), []byte("null")):
		if t.SchemaRef != nil {
			return t, nil, invalid("schema_and_ref", "Chỉ được khai báo lược đồ (schema) hoặc tham chiếu lược đồ (schemaRef), không cả hai.",
				"type %q has both schema and schemaRef", t.Code)
		}
		d, err := forms.Parse(t.Schema)
		if err != nil {
			return t, nil, withDetail(errBadSchema(err), "schema")
		}
		def = d
	case t.SchemaRef != nil:
		reg, err := forms.NewShippedRegistry()
		if err != nil {
			return t, nil, err
		}
		d, err := reg.Get(t.SchemaRef.Code, t.SchemaRef.Version)
		if err != nil {
			return t, nil, invalid("unknown_type_schema", "Không có biểu mẫu "+t.SchemaRef.Code+" đi kèm hệ thống để làm lược đồ của loại giấy tờ.",
				"schemaRef %s version %d: %v", t.SchemaRef.Code, t.SchemaRef.Version, err)
		}
		def = d
	case len(t.Fields) > 0:
		for _, f := range t.Fields {
			switch f.Type {
			case FieldString, FieldNumber, FieldDate, FieldBool:
			default:
				return t, nil, invalid("invalid_field_type", "Kiểu dữ liệu của trường thông tin không hợp lệ (string, number, date, bool).",
					"fields: field %q has unknown type %q", f.Name, f.Type)
			}
		}
		d := legacySchema(t)
		if err := d.Check(); err != nil {
			return t, nil, withDetail(errBadSchema(err), "fields")
		}
		def = d
	default:
		t.Schema, t.SchemaRef, t.Fields = nil, nil, nil
		return t, nil, nil
	}
	if def.Kind != forms.KindDocumentType {
		return t, nil, invalid("invalid_type_schema", "Lược đồ của loại giấy tờ phải là biểu mẫu loại documentType.",
			"schema %s has kind %q, want %q", def.Code, def.Kind, forms.KindDocumentType)
	}
	if want := schemaCode(t.Code); def.Code != want {
		return t, nil, invalid("schema_code_mismatch", "Mã của lược đồ phải trùng với mã loại giấy tờ ("+want+").",
			"schema code %q, want %q for type %q", def.Code, want, t.Code)
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return t, nil, kerr.Wrap(err, kerr.Internal, "schema_encode", "Không thể lưu lược đồ của loại giấy tờ.")
	}
	t.Schema, t.SchemaRef, t.Fields = raw, nil, summaryFields(def)
	return t, def, nil
}

// schemaCache keeps the parsed schemas of stored types by their JSON, so
// that storing a document does not parse its type's definition again. A
// changed type has other JSON; a definition is read-only once checked.
type schemaCache struct{ m sync.Map } // string → *forms.Definition

// typeSchema returns a stored type with its schema parsed (an old entry's
// field list converted). A stored schema that no longer parses is an
// Integrity error: the vault would not know how to check documents.
func (s *Service) typeSchema(t DocumentType) (DocumentType, *forms.Definition, error) {
	key := string(t.Schema)
	if key != "" {
		if d, ok := s.schemas.m.Load(key); ok {
			return t, d.(*forms.Definition), nil
		}
	}
	out, def, err := resolveSchema(t)
	if err != nil {
		return t, nil, kerr.Wrap(err, kerr.Integrity, "stored_type_schema_invalid",
			"Lược đồ đã lưu của loại giấy tờ "+t.Code+" không hợp lệ.")
	}
	if key != "" && def != nil {
		s.schemas.m.Store(key, def)
	}
	return out, def, nil
}

// legacyType returns a stored type as clients see it: an entry written
// before schemas gets its field list converted to a schema. A stored
// schema is returned as stored (it was checked when it was put).
func legacyType(t DocumentType) DocumentType {
	if len(t.Schema) > 0 || len(t.Fields) == 0 {
		return t
	}
	if out, _, err := resolveSchema(t); err == nil {
		return out
	}
	return t
}

// validateFields checks a document's typed fields against its type's
// schema with forms.Validate and returns the clean values as plain JSON
// values (strings "YYYY-MM-DD" for dates, float64 for numbers, arrays and
// objects as the definition says). A nil value counts as absent; JSON true
// and false are read as "true" and "false" for Có/Không fields. Refused
// values come back as FieldErrors wrapped in kerr.Invalid
// "document_fields_invalid". A type without a schema takes no fields.
func validateFields(in map[string]any, def *forms.Definition, now func() time.Time) (map[string]any, error) {
	bools := map[string]bool{}
	if def != nil {
		bools = boolFields(def)
	}
	data := make(map[string]any, len(in))
	for k, v := range in {
		switch x := v.(type) {
		case nil:
			continue
		case bool:
			if bools[k] {
				v = "false"
				if x {
					v = "true"
				}
			}
		case Date:
			v = x.String()
		case time.Time:
			v = DateOf(x).String()
		}
		data[k] = v
	}
	if def == nil { // no schema: every field is unknown
		errs := FieldErrors{}
		for _, k := range slices.Sorted(maps.Keys(data)) {
			errs = append(errs, forms.FieldError{Field: k, Code: "unknown_field",
				Message: "Loại giấy tờ này không có trường thông tin «" + k + "»."})
		}
		if len(errs) == 0 {
			return nil, nil
		}
		return nil, fieldErrors(errs)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, invalid("invalid_field_value", "Giá trị của trường thông tin không đúng kiểu dữ liệu.", "fields: %v", err)
	}
	vals, errs := forms.Checker{Now: now}.Validate(def, raw)
	if len(errs) > 0 {
		for i, e := range errs {
			if e.Code == "unknown_field" {
				errs[i].Message = "Loại giấy tờ này không có trường thông tin «" + e.Field + "»."
			}
		}
		return nil, fieldErrors(errs)
	}
	if len(vals.Data) == 0 {
		return nil, nil
	}
	clean, err := json.Marshal(vals.Data)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "fields_encode", "Không thể lưu các trường thông tin của giấy tờ.")
	}
	var out map[string]any
	if err := json.Unmarshal(clean, &out); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "fields_encode", "Không thể lưu các trường thông tin của giấy tờ.")
	}
	return out, nil
}

func fieldErrors(errs []forms.FieldError) error {
	msg := "Thông tin của giấy tờ chưa hợp lệ: " + errs[0].Message
	if n := len(errs) - 1; n > 0 {
		msg += " (và " + strconv.Itoa(n) + " lỗi khác; xem từng trường)"
	}
	return kerr.Wrap(FieldErrors(errs), kerr.Invalid, "document_fields_invalid", msg)
}
