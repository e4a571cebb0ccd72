package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
)

// Process is one version of the processing cycle of a procedure (chu
// trình lưu chuyển, xử lý; 2025 item 7): steps between departments and
// groups of staff, and the flows between them. A flow says which action
// moves a dossier from one step to the next, so loops are flows back: a
// supplement, a consultation, a rework, a repeated approval.
//
// Versions are immutable: saving a process makes the next version, and a
// dossier keeps the version it started with (Dossier.ProcessVersion).
type Process struct {
	Procedure string `json:"procedure"`
	Version   int    `json:"version"`
	Name      string `json:"name"`
	// Untimed marks a process without fixed deadlines (2025 item 7.2): the
	// steps' deadlines are then not held to the procedure's resolution time.
	Untimed   bool      `json:"untimed,omitempty"`
	Start     string    `json:"start"`
	Steps     []Step    `json:"steps"`
	Flows     []Flow    `json:"flows"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy,omitempty"`
}

// Step is one step of a process: who works on it and for how long.
type Step struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Department is the code of the department that handles the step, in
	// the procedure's agency ("" = not bound to one).
	Department string `json:"department,omitempty"`
	// DeadlineMinutes is the step's deadline in minutes of working time
	// (0 = none).
	DeadlineMinutes int64 `json:"deadlineMinutes,omitempty"`
	// Optional marks a step outside the main path (a supplement, a
	// consultation): its deadline does not count in the sum that the
	// resolution time bounds.
	Optional bool `json:"optional,omitempty"`
}

// Flow is an edge of the process: action moves a dossier from step From
// to step To.
type Flow struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Action Action `json:"action"`
}

// Step returns the step with that code.
func (p Process) Step(code string) (Step, bool) {
	i := slices.IndexFunc(p.Steps, func(s Step) bool { return s.Code == code })
	if i < 0 {
		return Step{}, false
	}
	return p.Steps[i], true
}

// Next is the step the action leads to from step from ("", false when
// the process has no such flow: the dossier stays where it is).
func (p Process) Next(from string, a Action) (Step, bool) {
	for _, f := range p.Flows {
		if f.From == from && f.Action == a {
			return p.Step(f.To)
		}
	}
	return Step{}, false
}

// MainDeadline is the sum of the deadlines of the steps on the main path
// (not Optional), in minutes of working time.
func (p Process) MainDeadline() int64 {
	var sum int64
	for _, s := range p.Steps {
		if !s.Optional {
			sum += s.DeadlineMinutes
		}
	}
	return sum
}

// Limits of a process.
const (
	maxSteps           = 100
	maxFlows           = 400
	maxDeadlineMinutes = maxResolveDays * 24 * 60
)

// validateProcess checks p against its procedure proc and the
// departments of the procedure's agency (nil: not checked) and returns it
// normalised.
func validateProcess(p Process, proc Procedure, departments []Department) (Process, error) {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return p, invalid("name_required", "Cần nhập tên quy trình.", "process of %q has no name", p.Procedure)
	}
	if err := checkText("name", "Tên quy trình", p.Name, maxNameRunes, false); err != nil {
		return p, err
	}
	if len(p.Steps) == 0 || len(p.Steps) > maxSteps {
		return p, invalid("steps_required", "Quy trình cần có từ 1 đến 100 bước.", "%d steps", len(p.Steps))
	}
	if len(p.Flows) > maxFlows {
		return p, invalid("too_many_flows", "Quy trình có quá nhiều luồng chuyển.", "%d flows", len(p.Flows))
	}
	codes := map[string]Step{}
	for i := range p.Steps {
		s := &p.Steps[i]
		s.Name = strings.TrimSpace(s.Name)
		if !codeRE.MatchString(s.Code) {
			return p, invalid("invalid_step_code", "Mã bước xử lý không hợp lệ.", "step code %q does not match %s", s.Code, codeRE)
		}
		if _, dup := codes[s.Code]; dup {
			return p, invalid("duplicate_step", "Mã bước xử lý bị trùng.", "step %q appears twice", s.Code)
		}
		if s.Name == "" {
			return p, invalid("name_required", "Cần nhập tên bước xử lý.", "step %q has no name", s.Code)
		}
		if err := checkText("step name", "Tên bước xử lý", s.Name, maxNameRunes, false); err != nil {
			return p, err
		}
		if !s.Role.Valid() || s.Role == RoleAdmin || s.Role == RoleArchivist {
			return p, invalid("invalid_step_role", "Vai trò của bước xử lý không hợp lệ.", "step %q: role %q", s.Code, s.Role)
		}
		if s.Department != "" && departments != nil && !slices.ContainsFunc(departments, func(d Department) bool { return d.Code == s.Department }) {
			return p, invalid("unknown_department", "Phòng, ban của bước xử lý không có trong cơ quan giải quyết thủ tục.",
				"step %q: department %q is not in agency %s", s.Code, s.Department, proc.Agency)
		}
		if s.DeadlineMinutes < 0 || s.DeadlineMinutes > maxDeadlineMinutes {
			return p, invalid("invalid_step_deadline", "Thời hạn của bước xử lý không hợp lệ.", "step %q: %d minutes", s.Code, s.DeadlineMinutes)
		}
		codes[s.Code] = *s
	}
	if _, ok := codes[p.Start]; !ok {
		return p, invalid("invalid_start_step", "Bước bắt đầu của quy trình không có trong danh sách bước.", "start %q is not a step", p.Start)
	}
	seen := map[Flow]bool{}
	out := map[string][]string{}
	for _, f := range p.Flows {
		from, okFrom := codes[f.From]
		_, okTo := codes[f.To]
		if !okFrom || !okTo {
			return p, invalid("unknown_step", "Luồng chuyển tham chiếu bước không có trong quy trình.", "flow %s -[%s]-> %s", f.From, f.Action, f.To)
		}
		if !f.Action.Valid() {
			return p, invalid("unknown_action", "Thao tác của luồng chuyển không có trong bảng trạng thái.", "flow action %q", f.Action)
		}
		if !slices.Contains(rolesOf(f.Action), from.Role) {
			return p, invalid("flow_role_mismatch",
				fmt.Sprintf("Bước «%s» do %s thực hiện nhưng thao tác «%s» không thuộc vai trò này.", from.Name, strings.ToLower(from.Role.Label()), f.Action.Label()),
				"flow %s -[%s]-> %s: role %s may not take %s", f.From, f.Action, f.To, from.Role, f.Action)
		}
		key := Flow{From: f.From, Action: f.Action}
		if seen[key] {
			return p, invalid("duplicate_flow", "Một bước có hai luồng chuyển cho cùng một thao tác.", "step %q has two flows for %s", f.From, f.Action)
		}
		seen[key] = true
		out[f.From] = append(out[f.From], f.To)
	}
	// Every step is reachable from the start.
	reached := map[string]bool{p.Start: true}
	queue := []string{p.Start}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, n := range out[c] {
			if !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range p.Steps {
		if !reached[s.Code] {
			return p, invalid("unreachable_step", fmt.Sprintf("Bước «%s» không có luồng chuyển nào dẫn tới.", s.Name),
				"step %q is not reachable from %q", s.Code, p.Start)
		}
	}
	if !p.Untimed && !proc.Resolution.IsZero() {
		limit := int64(proc.Resolution.Working() / time.Minute)
		if sum := p.MainDeadline(); sum > limit {
			return p, invalid("process_over_resolution_time",
				fmt.Sprintf("Tổng thời hạn các bước (%s) vượt quá thời hạn giải quyết của thủ tục (%s).", FormatMinutes(sum), FormatMinutes(limit)),
				"steps add up to %d minutes; the procedure allows %d", sum, limit)
		}
	}
	return p, nil
}

// FormatMinutes writes minutes of working time as people read them:
// "2 ngày làm việc 4 giờ 30 phút" (a working day is 8 hours).
func FormatMinutes(m int64) string {
	day := int64(WorkingDay / time.Minute)
	d, h, mi := m/day, (m%day)/60, m%60
	var parts []string
	if d > 0 {
		parts = append(parts, fmt.Sprintf("%d ngày làm việc", d))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d giờ", h))
	}
	if mi > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d phút", mi))
	}
	return strings.Join(parts, " ")
}

// ArchiveProcedure is the vault's view of p: its components bound to
// document types, for reuse (archive.Procedure). ok is false when p has
// no such component.
func ArchiveProcedure(p Procedure) (archive.Procedure, bool) {
	ap := archive.Procedure{Code: p.Code, Name: p.Name}
	for _, c := range p.Components {
		if len(c.TypeCodes) == 0 {
			continue
		}
		ap.Components = append(ap.Components, archive.Component{Code: c.Code, Name: c.Name, TypeCodes: slices.Clone(c.TypeCodes), Required: c.Required})
	}
	return ap, len(ap.Components) > 0
}
