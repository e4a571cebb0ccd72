package workflow

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// ServiceLevel is the level of the online public service (2025 item 3.2).
type ServiceLevel string

// The service levels.
const (
	LevelFull    ServiceLevel = "full"    // dịch vụ công trực tuyến toàn trình
	LevelPartial ServiceLevel = "partial" // dịch vụ công trực tuyến một phần
)

// Label is the level as people read it.
func (l ServiceLevel) Label() string {
	switch l {
	case LevelFull:
		return "Dịch vụ công trực tuyến toàn trình"
	case LevelPartial:
		return "Dịch vụ công trực tuyến một phần"
	case LevelInfo:
		return "Dịch vụ cung cấp thông tin trực tuyến"
	}
	return string(l)
}

// WorkingDay is the working time of one working day (8 hours) when a
// resolution time in working days is compared with step deadlines.
const WorkingDay = 8 * time.Hour

// ResolutionTime is how long the agency has to resolve a dossier, in
// working time: working days and hours. Zero is "no fixed deadline".
type ResolutionTime struct {
	WorkingDays int `json:"workingDays,omitempty"`
	Hours       int `json:"hours,omitempty"`
}

// Working is the resolution time as working time.
func (r ResolutionTime) Working() time.Duration {
	return time.Duration(r.WorkingDays)*WorkingDay + time.Duration(r.Hours)*time.Hour
}

// IsZero reports whether there is no fixed deadline.
func (r ResolutionTime) IsZero() bool { return r.WorkingDays == 0 && r.Hours == 0 }

// Fee is a fee or charge of a procedure (phí, lệ phí).
type Fee struct {
	Name   string `json:"name"`
	Amount int64  `json:"amount"` // đồng; 0 = free
	Note   string `json:"note,omitempty"`
}

// Component is one required part of a dossier (thành phần hồ sơ): a paper
// of one of TypeCodes, or an eForm (Form). Reusable says the vault can
// satisfy it: a valid paper of one of its types in the applicant's vault
// may be reused instead of submitted again.
type Component struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	TypeCodes []string `json:"typeCodes,omitempty"`
	Form      string   `json:"form,omitempty"`
	Required  bool     `json:"required,omitempty"`
	Reusable  bool     `json:"reusable,omitempty"`
}

// Result is one paper the procedure issues: its document type in the
// vault and the name of the template the converter fills (the templates
// themselves are the converter's).
type Result struct {
	TypeCode string `json:"typeCode"`
	Name     string `json:"name"`
	Template string `json:"template"`
}

// Procedure is one administrative procedure (thủ tục hành chính) of the
// catalogue, as the workflow needs it. The vault keeps the mapping of
// its document-bound components to document types (archive.Procedure),
// derived from this record (ArchiveProcedure).
type Procedure struct {
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	Field      string         `json:"field"` // lĩnh vực
	Level      ServiceLevel   `json:"level"`
	Agency     string         `json:"agency"` // the agency that resolves it (mã định danh cơ quan)
	LegalBasis []string       `json:"legalBasis"`
	Components []Component    `json:"components"`
	Fees       []Fee          `json:"fees,omitempty"`
	Resolution ResolutionTime `json:"resolution"`
	Results    []Result       `json:"results"`
	UpdatedAt  time.Time      `json:"updatedAt"`
}

// Component returns the component with that code.
func (p Procedure) Component(code string) (Component, bool) {
	i := slices.IndexFunc(p.Components, func(c Component) bool { return c.Code == code })
	if i < 0 {
		return Component{}, false
	}
	return p.Components[i], true
}

// Limits of a procedure record.
const (
	maxNameRunes   = 300
	maxTextRunes   = 2000
	maxComponents  = 50
	maxTypeCodes   = 20
	maxFees        = 20
	maxLegal       = 30
	maxResults     = 10
	maxResolveDays = 365
)

var (
	codeRE       = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	agencyCodeRE = regexp.MustCompile(`^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}$`)
	templateRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// ValidAgencyCode reports whether s has the shape of an agency code
// (mã định danh cơ quan, Decision 20/2020/QĐ-TTg): four groups of 3, 2,
// 2 and 3 digits or capital letters, such as 000.00.31.H29.
func ValidAgencyCode(s string) bool { return agencyCodeRE.MatchString(s) }

// CatalogRefs checks the references of catalogue records: document type
// codes and eForm codes. A nil func accepts every code.
type CatalogRefs struct {
	TypeKnown func(code string) (bool, error)
	FormKnown func(code string) bool
}

// validateProcedure checks p and returns it normalised (text trimmed).
func validateProcedure(p Procedure, refs CatalogRefs) (Procedure, error) {
	if !codeRE.MatchString(p.Code) {
		return p, invalid("invalid_procedure_code", "Mã thủ tục không hợp lệ (1–64 ký tự chữ, số, dấu chấm, gạch ngang, gạch dưới).",
			"procedure code %q does not match [A-Za-z0-9._-]{1,64}", p.Code)
	}
	p.Name, p.Field = strings.TrimSpace(p.Name), strings.TrimSpace(p.Field)
	if p.Name == "" {
		return p, invalid("name_required", "Cần nhập tên thủ tục.", "procedure %q has no name", p.Code)
	}
	if err := checkText("name", "Tên thủ tục", p.Name, maxNameRunes, false); err != nil {
		return p, err
	}
	if p.Field == "" {
		return p, invalid("field_required", "Cần nhập lĩnh vực của thủ tục.", "procedure %q has no field", p.Code)
	}
	if err := checkText("field", "Lĩnh vực", p.Field, maxNameRunes, false); err != nil {
		return p, err
	}
	if !p.Level.Valid() {
		return p, invalid("invalid_service_level", "Mức độ dịch vụ công phải là toàn trình (full), một phần (partial) hoặc cung cấp thông tin (info).",
			"level %q is not full, partial or info", p.Level)
	}
	if !ValidAgencyCode(p.Agency) {
		return p, invalid("invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).",
			"agency %q is not an agency code", p.Agency)
	}
	if len(p.LegalBasis) == 0 || len(p.LegalBasis) > maxLegal {
		return p, invalid("legal_basis_required", "Cần nêu căn cứ pháp lý của thủ tục (1 đến 30 căn cứ).",
			"%d legal bases", len(p.LegalBasis))
	}
	for i, l := range p.LegalBasis {
		p.LegalBasis[i] = strings.TrimSpace(l)
		if p.LegalBasis[i] == "" {
			return p, invalid("legal_basis_required", "Căn cứ pháp lý không được để trống.", "legal basis %d is empty", i)
		}
		if err := checkText("legalBasis", "Căn cứ pháp lý", p.LegalBasis[i], maxNameRunes, false); err != nil {
			return p, err
		}
	}
	if len(p.Components) == 0 || len(p.Components) > maxComponents {
		return p, invalid("components_required", "Thủ tục cần có từ 1 đến 50 thành phần hồ sơ.", "%d components", len(p.Components))
	}
	seen := map[string]bool{}
	for i := range p.Components {
		c, err := validateComponent(p.Components[i], refs)
		if err != nil {
			return p, err
		}
		if seen[c.Code] {
			return p, invalid("duplicate_component", "Mã thành phần hồ sơ bị trùng.", "component %q appears twice", c.Code)
		}
		seen[c.Code] = true
		p.Components[i] = c
	}
	if len(p.Fees) > maxFees {
		return p, invalid("too_many_fees", "Thủ tục có quá nhiều khoản phí, lệ phí.", "%d fees", len(p.Fees))
	}
	for i, f := range p.Fees {
		f.Name, f.Note = strings.TrimSpace(f.Name), strings.TrimSpace(f.Note)
		if f.Name == "" {
			return p, invalid("fee_name_required", "Cần nhập tên khoản phí, lệ phí.", "fee %d has no name", i)
		}
		if err := checkText("fee", "Tên phí, lệ phí", f.Name, maxNameRunes, false); err != nil {
			return p, err
		}
		if err := checkText("fee note", "Ghi chú phí, lệ phí", f.Note, maxNameRunes, false); err != nil {
			return p, err
		}
		if f.Amount < 0 || f.Amount > 1e12 {
			return p, invalid("invalid_fee_amount", "Mức phí, lệ phí không hợp lệ.", "fee %d amount %d", i, f.Amount)
		}
		p.Fees[i] = f
	}
	r := p.Resolution
	if r.WorkingDays < 0 || r.WorkingDays > maxResolveDays || r.Hours < 0 || r.Hours > 8*maxResolveDays {
		return p, invalid("invalid_resolution_time", "Thời hạn giải quyết không hợp lệ (tối đa 365 ngày làm việc).",
			"resolution %+v", r)
	}
	if len(p.Results) == 0 || len(p.Results) > maxResults {
		return p, invalid("results_required", "Cần nêu từ 1 đến 10 loại kết quả giải quyết của thủ tục.", "%d results", len(p.Results))
	}
	for i, res := range p.Results {
		res.Name = strings.TrimSpace(res.Name)
		if err := typeKnown(refs, res.TypeCode); err != nil {
			return p, err
		}
		if res.Name == "" {
			return p, invalid("name_required", "Cần nhập tên kết quả giải quyết.", "result %d has no name", i)
		}
		if err := checkText("result name", "Tên kết quả", res.Name, maxNameRunes, false); err != nil {
			return p, err
		}
		if !templateRE.MatchString(res.Template) {
			return p, invalid("invalid_template_name", "Tên mẫu kết quả không hợp lệ (chữ thường, số, dấu chấm, gạch ngang, gạch dưới).",
				"template %q does not match %s", res.Template, templateRE)
		}
		p.Results[i] = res
	}
	return p, nil
}

func validateComponent(c Component, refs CatalogRefs) (Component, error) {
	if !codeRE.MatchString(c.Code) {
		return c, invalid("invalid_component_code", "Mã thành phần hồ sơ không hợp lệ.",
			"component code %q does not match [A-Za-z0-9._-]{1,64}", c.Code)
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return c, invalid("name_required", "Cần nhập tên thành phần hồ sơ.", "component %q has no name", c.Code)
	}
	if err := checkText("component name", "Tên thành phần hồ sơ", c.Name, maxNameRunes, false); err != nil {
		return c, err
	}
	switch {
	case c.Form != "" && len(c.TypeCodes) > 0, c.Form == "" && len(c.TypeCodes) == 0:
		return c, invalid("component_binding", "Mỗi thành phần hồ sơ gắn với loại giấy tờ hoặc với một biểu mẫu điện tử (một trong hai).",
			"component %q: form %q and %d type codes", c.Code, c.Form, len(c.TypeCodes))
	case c.Form != "":
		if c.Reusable {
			return c, invalid("form_not_reusable", "Thành phần là biểu mẫu điện tử không lấy từ kho giấy tờ.",
				"component %q is a form and cannot be reusable", c.Code)
		}
		if refs.FormKnown != nil && !refs.FormKnown(c.Form) {
			return c, invalid("unknown_form", "Biểu mẫu điện tử của thành phần hồ sơ chưa được công bố.",
				"component %q: form %q is not published", c.Code, c.Form)
		}
	default:
		if len(c.TypeCodes) > maxTypeCodes {
			return c, invalid("too_many_type_codes", "Thành phần hồ sơ gắn với quá nhiều loại giấy tờ.", "component %q: %d types", c.Code, len(c.TypeCodes))
		}
		for _, tc := range c.TypeCodes {
			if err := typeKnown(refs, tc); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

func typeKnown(refs CatalogRefs, code string) error {
	if !codeRE.MatchString(code) {
		return invalid("unknown_document_type", "Loại giấy tờ không có trong danh mục.", "type code %q is malformed", code)
	}
	if refs.TypeKnown == nil {
		return nil
	}
	ok, err := refs.TypeKnown(code)
	if err != nil {
		return err
	}
	if !ok {
		return invalid("unknown_document_type", "Loại giấy tờ không có trong danh mục.", "type %q is not in the catalogue", code)
	}
	return nil
}
