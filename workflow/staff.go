package workflow

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// Agency is an agency that receives or resolves dossiers, identified by
// its agency code (mã định danh cơ quan), with its departments.
type Agency struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Parent is the governing body printed above the agency's name on
	// its slips and results ("Ủy ban nhân dân Thành phố Hồ Chí Minh"),
	// empty when none is printed.
	Parent string `json:"parent,omitempty"`
	// Place is the locality of the date line ("Bến Nghé, ngày …").
	Place       string       `json:"place,omitempty"`
	Departments []Department `json:"departments"`
	UpdatedAt   time.Time    `json:"updatedAt"`
}

// Department is one department (phòng, ban) of an agency.
type Department struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Department returns the department with that code.
func (a Agency) Department(code string) (Department, bool) {
	i := slices.IndexFunc(a.Departments, func(d Department) bool { return d.Code == code })
	if i < 0 {
		return Department{}, false
	}
	return a.Departments[i], true
}

// Staff is one entry of the staff directory: which agency and department
// a staff account (its token subject) works in, and in which positions.
// A staff account without an entry, or with Active false, acts on no
// dossier.
type Staff struct {
	Subject    string    `json:"subject"`
	Name       string    `json:"name"`
	Agency     string    `json:"agency"`
	Department string    `json:"department"`
	Positions  []Role    `json:"positions"`
	Active     bool      `json:"active"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Holds reports whether the member holds position r.
func (m Staff) Holds(r Role) bool { return slices.Contains(m.Positions, r) }

// Limits of the directory.
const (
	maxDepartments = 200
	maxPositions   = 5
)

func validateAgency(a Agency) (Agency, error) {
	if !ValidAgencyCode(a.Code) {
		return a, invalid("invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "agency %q is not an agency code", a.Code)
	}
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		return a, invalid("name_required", "Cần nhập tên cơ quan.", "agency %q has no name", a.Code)
	}
	if err := checkText("name", "Tên cơ quan", a.Name, maxNameRunes, false); err != nil {
		return a, err
	}
	a.Parent, a.Place = strings.TrimSpace(a.Parent), strings.TrimSpace(a.Place)
	if err := checkText("parent", "Tên cơ quan chủ quản", a.Parent, maxNameRunes, false); err != nil {
		return a, err
	}
	if err := checkText("place", "Địa danh", a.Place, maxNameRunes, false); err != nil {
		return a, err
	}
	if len(a.Departments) > maxDepartments {
		return a, invalid("too_many_departments", "Cơ quan có quá nhiều phòng, ban.", "%d departments", len(a.Departments))
	}
	seen := map[string]bool{}
	for i, d := range a.Departments {
		d.Name = strings.TrimSpace(d.Name)
		if !codeRE.MatchString(d.Code) {
			return a, invalid("invalid_department_code", "Mã phòng, ban không hợp lệ.", "department code %q", d.Code)
		}
		if seen[d.Code] {
			return a, invalid("duplicate_department", "Mã phòng, ban bị trùng.", "department %q appears twice", d.Code)
		}
		seen[d.Code] = true
		if d.Name == "" {
			return a, invalid("name_required", "Cần nhập tên phòng, ban.", "department %q has no name", d.Code)
		}
		if err := checkText("department name", "Tên phòng, ban", d.Name, maxNameRunes, false); err != nil {
			return a, err
		}
		a.Departments[i] = d
	}
	if a.Departments == nil {
		a.Departments = []Department{}
	}
	return a, nil
}

// validateStaff checks m against its agency ag.
func validateStaff(m Staff, ag Agency) (Staff, error) {
	m.Subject, m.Name = strings.TrimSpace(m.Subject), strings.TrimSpace(m.Name)
	if m.Subject == "" || len(m.Subject) > 128 {
		return m, invalid("invalid_subject", "Tài khoản cán bộ không hợp lệ.", "subject %q", m.Subject)
	}
	if err := checkText("subject", "Tài khoản cán bộ", m.Subject, 128, false); err != nil {
		return m, err
	}
	if m.Name == "" {
		return m, invalid("name_required", "Cần nhập họ tên cán bộ.", "staff %q has no name", m.Subject)
	}
	if err := checkText("name", "Họ tên cán bộ", m.Name, maxNameRunes, false); err != nil {
		return m, err
	}
	if _, ok := ag.Department(m.Department); !ok {
		return m, invalid("unknown_department", "Phòng, ban không có trong cơ quan.", "department %q is not in agency %s", m.Department, ag.Code)
	}
	if len(m.Positions) == 0 || len(m.Positions) > maxPositions {
		return m, invalid("positions_required", "Cần chọn từ 1 đến 5 chức danh của cán bộ.", "%d positions", len(m.Positions))
	}
	var ps []Role
	for _, p := range m.Positions {
		if !p.IsPosition() {
			return m, invalid("invalid_position", "Chức danh của cán bộ không hợp lệ.", "position %q", p)
		}
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	m.Positions = ps
	return m, nil
}

// printedAgency is the heading of a paper printed in the name of the
// agency with that code: its governing body and name in capitals and the
// place of its date line, from the directory; name (the one the dossier
// recorded) when the agency is no longer in it.
func (s *Service) printedAgency(ctx context.Context, code, name string) (convert.Agency, error) {
	ag, err := s.store.GetAgency(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		return convert.Agency{Name: strings.ToUpper(name)}, nil
	}
	if err != nil {
		return convert.Agency{}, storeErr("get agency", err)
	}
	return convert.Agency{Parent: strings.ToUpper(ag.Parent), Name: strings.ToUpper(nonEmpty(ag.Name, name)), Place: ag.Place}, nil
}
