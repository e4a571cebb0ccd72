package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Limits on the descriptive text of documents and the catalogue.
const (
	maxNameRunes      = 300
	maxSummaryRunes   = 2000
	maxShortRunes     = 300 // number, issuer, validity scope, labels
	maxFieldRunes     = 1000
	maxFileNameBytes  = 255
	maxDossierRunes   = 200
	maxPurposeRunes   = 500
	maxComponents     = 200
	maxTypeCodesPerCo = 100
)

var (
	agencyCodeRE = regexp.MustCompile(`^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$`)
	taxCodeRE    = regexp.MustCompile(`^\d{10}(-\d{3})?$`)
	catalogCode  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	derivedIDRE  = regexp.MustCompile(`^x[0-9a-f]{24}$`)
)

// ValidIdentityNumber reports whether s is a 12-digit personal identity
// number (số định danh cá nhân) whose first three digits are a province
// code from 001 to 096.
func ValidIdentityNumber(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	p, _ := strconv.Atoi(s[:3])
	return p >= 1 && p <= 96
}

// ValidAgencyCode reports whether s is an agency code (mã định danh cơ
// quan, Decision 20/2020/QĐ-TTg) such as "000.00.31.H29".
func ValidAgencyCode(s string) bool { return agencyCodeRE.MatchString(s) }

// ValidOrganizationCode reports whether s is an organisation's tax code (10
// digits, optionally with a "-NNN" branch suffix) or an agency code such as
// "000.00.31.H29".
func ValidOrganizationCode(s string) bool {
	return taxCodeRE.MatchString(s) || agencyCodeRE.MatchString(s)
}

// validOwnerID reports whether s has the form of some owner ID: an identity
// number, an organisation code or a derived key. It says nothing of whether
// the owner exists.
func validOwnerID(s string) bool {
	return ValidIdentityNumber(s) || ValidOrganizationCode(s) || derivedIDRE.MatchString(s)
}

// OwnerKey returns the owner ID for in: the identity number when one is
// given (validated for the owner's kind), otherwise a key derived from the
// name, birth (or founding) year, issue date and issuer of the identity
// paper (2025 appendix item 5.1.b), all then required:
// "x" + the first 24 hex digits of SHA-256(Fold(name)|year|date|Fold(issuer)).
// Errors are Invalid.
func OwnerKey(in OwnerInput) (string, error) {
	if in.Kind != Individual && in.Kind != Organization {
		return "", invalid("invalid_owner_kind", "Loại chủ kho dữ liệu không hợp lệ (cá nhân hoặc tổ chức).",
			"owner kind %q is neither individual nor organization", in.Kind)
	}
	if num := strings.TrimSpace(in.IdentityNumber); num != "" {
		if in.Kind == Individual {
			if !ValidIdentityNumber(num) {
				return "", invalid("invalid_identity_number",
					"Số định danh cá nhân không hợp lệ: phải gồm 12 chữ số, 3 chữ số đầu là mã tỉnh từ 001 đến 096.",
					"identity number %q is not 12 digits with a province code 001-096", num)
			}
			return num, nil
		}
		if !ValidOrganizationCode(num) {
			return "", invalid("invalid_organization_code",
				"Mã số tổ chức không hợp lệ: phải là mã số thuế (10 chữ số, có thể kèm -NNN) hoặc mã định danh cơ quan (dạng 000.00.31.H29).",
				"organisation code %q is neither a tax code nor an agency code", num)
		}
		return num, nil
	}
	name := Fold(in.Name)
	issuer := Fold(in.IDIssuer)
	if name == "" || in.BirthYear == 0 || in.IDIssueDate.IsZero() || issuer == "" {
		return "", invalid("identity_required",
			"Cần số định danh; nếu không có, cần đủ họ tên, năm sinh, ngày cấp và nơi cấp giấy tờ tùy thân.",
			"without an identity number, name, birth year, ID issue date and issuer are all required")
	}
	if err := checkDate("idIssueDate", in.IDIssueDate); err != nil {
		return "", err
	}
	if in.BirthYear < 1800 || in.BirthYear > 9999 || in.BirthYear > in.IDIssueDate.Year {
		return "", invalid("invalid_birth_year", "Năm sinh không hợp lệ.",
			"birth year %d is out of range or after the issue date", in.BirthYear)
	}
	if utf8.RuneCountInString(in.Name) > maxNameRunes || utf8.RuneCountInString(in.IDIssuer) > maxShortRunes {
		return "", invalid("text_too_long", "Họ tên hoặc nơi cấp quá dài.", "name or issuer too long")
	}
	sum := sha256.Sum256([]byte(name + "|" + strconv.Itoa(in.BirthYear) + "|" + in.IDIssueDate.String() + "|" + issuer))
	return "x" + hex.EncodeToString(sum[:])[:24], nil
}

// validateFileName checks a client's file name and returns it trimmed.
func validateFileName(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", invalid("invalid_file_name",
			"Tên tệp không hợp lệ: chỉ dùng tên tệp (không kèm đường dẫn), không chứa ký tự điều khiển, tối đa 255 byte.",
			"file name %q: %s", name, why)
	}
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		return bad("empty")
	case len(n) > maxFileNameBytes:
		return bad("longer than 255 bytes")
	case !utf8.ValidString(n):
		return bad("not UTF-8")
	case strings.ContainsAny(n, `/\`):
		return bad("contains a path separator")
	case n == "." || strings.Contains(n, ".."):
		return bad("contains ..")
	}
	for _, r := range n {
		if textrule.Forbidden(r, false) || r == utf8.RuneError {
			return bad("contains the control or format character " + textrule.Describe(r))
		}
	}
	return n, nil
}

// checkDate refuses a Date that is not a real calendar day.
func checkDate(field string, d Date) error {
	if d.IsZero() {
		return nil
	}
	if d.Year < 1 || d.Year > 9999 {
		return invalid("invalid_date", "Ngày không hợp lệ.", "%s: year %d out of range", field, d.Year)
	}
	if p, err := ParseDate(d.String()); err != nil || p != d {
		return invalid("invalid_date", "Ngày không hợp lệ.", "%s: %04d-%02d-%02d is not a calendar day", field, d.Year, int(d.Month), d.Day)
	}
	return nil
}

// textLabels name checkText's fields in Vietnamese messages.
var textLabels = map[string]string{
	"name": "Tên", "summary": "Trích yếu", "number": "Số hiệu", "issuer": "Cơ quan cấp",
	"validityScope": "Phạm vi hiệu lực", "description": "Mô tả", "component name": "Tên thành phần hồ sơ",
	"idIssuer": "Nơi cấp", "purpose": "Mục đích truy cập", "dossier": "Mã hồ sơ", "reason": "Lý do",
}

// multilineText are the fields that may hold line breaks (LF; a CRLF is
// stored as LF) and tabs.
var multilineText = map[string]bool{"summary": true, "description": true}

// checkText refuses invalid UTF-8, control and format characters
// (textrule.Forbidden: "invalid_characters") and text longer than max
// runes (code, msg).
func checkText(field, value string, max int, code, msg string) error {
	if !utf8.ValidString(value) {
		return invalid("invalid_text", "Nội dung nhập vào không đúng mã UTF-8.", "%s is not valid UTF-8", field)
	}
	if i, r := textrule.Find(value, multilineText[field]); i >= 0 {
		label := textLabels[field]
		if label == "" {
			label = "Thông tin nhập vào"
		}
		return invalid("invalid_characters",
			"«"+label+"» chứa ký tự điều khiển hoặc ký tự định dạng ẩn (như ký tự đảo chiều hiển thị); hãy xóa các ký tự này.",
			"%s holds the control or format character %s at byte %d", field, textrule.Describe(r), i)
	}
	if utf8.RuneCountInString(value) > max {
		return invalid(code, msg, "%s is longer than %d characters", field, max)
	}
	return nil
}

// validateMetadata checks m's descriptive part for its document type and
// returns it normalised (trimmed text, default status). The typed fields
// are checked apart, by validateFields against the type's schema.
func validateMetadata(m Metadata, t DocumentType) (Metadata, error) {
	m.TypeCode = t.Code
	m.Name = strings.TrimSpace(m.Name)
	m.Summary = strings.TrimSpace(strings.ReplaceAll(m.Summary, "\r\n", "\n"))
	m.Number = strings.TrimSpace(m.Number)
	m.Issuer = strings.TrimSpace(m.Issuer)
	m.ValidityScope = strings.TrimSpace(m.ValidityScope)
	if m.Name == "" {
		return m, invalid("name_required", "Cần nhập tên giấy tờ.", "document name is empty")
	}
	checks := []struct {
		field, value string
		max          int
		code, msg    string
	}{
		{"name", m.Name, maxNameRunes, "name_too_long", "Tên giấy tờ quá dài (tối đa 300 ký tự)."},
		{"summary", m.Summary, maxSummaryRunes, "summary_too_long", "Trích yếu quá dài (tối đa 2000 ký tự)."},
		{"number", m.Number, maxShortRunes, "number_too_long", "Số hiệu giấy tờ quá dài (tối đa 300 ký tự)."},
		{"issuer", m.Issuer, maxShortRunes, "issuer_too_long", "Tên cơ quan cấp quá dài (tối đa 300 ký tự)."},
		{"validityScope", m.ValidityScope, maxShortRunes, "validity_scope_too_long", "Phạm vi hiệu lực quá dài (tối đa 300 ký tự)."},
	}
	for _, c := range checks {
		if err := checkText(c.field, c.value, c.max, c.code, c.msg); err != nil {
			return m, err
		}
	}
	for _, d := range []struct {
		field string
		d     Date
	}{{"issueDate", m.IssueDate}, {"validFrom", m.ValidFrom}, {"validUntil", m.ValidUntil}} {
		if err := checkDate(d.field, d.d); err != nil {
			return m, err
		}
	}
	if !m.ValidFrom.IsZero() && !m.ValidUntil.IsZero() && m.ValidUntil.Before(m.ValidFrom) {
		return m, invalid("invalid_validity_period", "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.",
			"validUntil %s is before validFrom %s", m.ValidUntil, m.ValidFrom)
	}
	if m.Permanent && !m.ValidUntil.IsZero() {
		return m, invalid("permanent_with_end_date", "Giấy tờ có hiệu lực vĩnh viễn không được có ngày hết hiệu lực.",
			"a permanent document has validUntil %s", m.ValidUntil)
	}
	if m.Status == "" {
		m.Status = StatusValid
	}
	if !m.Status.Valid() {
		return m, invalid("invalid_status", "Trạng thái giấy tờ không hợp lệ (còn hiệu lực, bị thay thế hoặc bị thu hồi).",
			"status %q may not be stored", m.Status)
	}
	return m, nil
}

// validateDocumentType checks a catalogue entry and returns it trimmed,
// its schema resolved, parsed and normalised (see resolveSchema).
func validateDocumentType(t DocumentType) (DocumentType, error) {
	if !catalogCode.MatchString(t.Code) {
		return t, invalid("invalid_type_code", "Mã loại giấy tờ không hợp lệ (1–64 ký tự chữ, số, dấu chấm, gạch ngang, gạch dưới).",
			"type code %q does not match [A-Za-z0-9._-]{1,64}", t.Code)
	}
	t.Name = strings.TrimSpace(t.Name)
	t.Description = strings.TrimSpace(strings.ReplaceAll(t.Description, "\r\n", "\n"))
	if t.Name == "" {
		return t, invalid("name_required", "Cần nhập tên loại giấy tờ.", "document type %q has no name", t.Code)
	}
	if err := checkText("name", t.Name, maxNameRunes, "name_too_long", "Tên loại giấy tờ quá dài (tối đa 300 ký tự)."); err != nil {
		return t, err
	}
	if err := checkText("description", t.Description, maxSummaryRunes, "description_too_long", "Mô tả quá dài (tối đa 2000 ký tự)."); err != nil {
		return t, err
	}
	if err := checkRetention(t.Retention); err != nil {
		return t, err
	}
	t, _, err := resolveSchema(t)
	if err != nil {
		return t, err
	}
	return t, nil
}

// validateProcedure checks a procedure; known reports whether a type code
// is in the catalogue.
func validateProcedure(p Procedure, known func(code string) (bool, error)) (Procedure, error) {
	if !catalogCode.MatchString(p.Code) {
		return p, invalid("invalid_procedure_code", "Mã thủ tục không hợp lệ (1–64 ký tự chữ, số, dấu chấm, gạch ngang, gạch dưới).",
			"procedure code %q does not match [A-Za-z0-9._-]{1,64}", p.Code)
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return p, invalid("name_required", "Cần nhập tên thủ tục.", "procedure %q has no name", p.Code)
	}
	if err := checkText("name", p.Name, maxNameRunes, "name_too_long", "Tên thủ tục quá dài (tối đa 300 ký tự)."); err != nil {
		return p, err
	}
	if len(p.Components) > maxComponents {
		return p, invalid("too_many_components", "Thủ tục có quá nhiều thành phần hồ sơ.", "%d components", len(p.Components))
	}
	seen := map[string]bool{}
	comps := make([]Component, 0, len(p.Components))
	for _, c := range p.Components {
		if !catalogCode.MatchString(c.Code) {
			return p, invalid("invalid_component_code", "Mã thành phần hồ sơ không hợp lệ.",
				"component code %q does not match [A-Za-z0-9._-]{1,64}", c.Code)
		}
		if seen[c.Code] {
			return p, invalid("duplicate_component", "Mã thành phần hồ sơ bị trùng.", "component %q appears twice", c.Code)
		}
		seen[c.Code] = true
		c.Name = strings.TrimSpace(c.Name)
		if c.Name == "" {
			return p, invalid("name_required", "Cần nhập tên thành phần hồ sơ.", "component %q has no name", c.Code)
		}
		if err := checkText("component name", c.Name, maxNameRunes, "name_too_long", "Tên thành phần hồ sơ quá dài (tối đa 300 ký tự)."); err != nil {
			return p, err
		}
		if len(c.TypeCodes) == 0 || len(c.TypeCodes) > maxTypeCodesPerCo {
			return p, invalid("component_types_required", "Mỗi thành phần hồ sơ cần gắn với ít nhất một loại giấy tờ.",
				"component %q maps to %d types", c.Code, len(c.TypeCodes))
		}
		for _, tc := range c.TypeCodes {
			ok, err := known(tc)
			if err != nil {
				return p, err
			}
			if !ok {
				return p, kerr.New(kerr.Invalid, "unknown_document_type", "Loại giấy tờ không có trong danh mục: "+tc+".",
					"component %q names type %q, which is not in the catalogue", c.Code, tc)
			}
		}
		comps = append(comps, c)
	}
	p.Components = comps
	return p, nil
}

// ParseFields reads a document's typed fields as a client sends them — the
// JSON object of an upload's "fields", or of a metadata patch — by the
// rules of a form's data (forms.ParseData): no key twice, at most
// forms.MaxDataDepth levels, forms.DefaultMaxDataBytes and
// forms.DefaultMaxDataValues, one JSON object. A refusal is Invalid
// "document_fields_invalid" carrying the one forms.FieldError (codes
// duplicate_key, nesting_too_deep, too_many_values, payload_too_large,
// invalid_json, wrong_type), as the forms API answers such data with
// "form_data_invalid"; the values themselves are judged later against the
// type's schema (validateFields).
func ParseFields(raw []byte) (map[string]any, error) {
	m, fe := forms.ParseData(raw, forms.DataOptions{Subject: "Các trường thông tin của giấy tờ (fields)"})
	if fe != nil {
		return nil, fieldErrors([]forms.FieldError{*fe})
	}
	return m, nil
}

// FieldValues is a document's typed fields in a client's JSON: it decodes
// with ParseFields, so that a repeated key is refused, not silently
// dropped, wherever fields come in.
type FieldValues map[string]any

// UnmarshalJSON decodes fields with ParseFields; null leaves them unset.
func (f *FieldValues) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	m, err := ParseFields(b)
	if err != nil {
		return err
	}
	*f = m
	return nil
}
