package workflow

import (
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// MaxDirectionRows bounds each list of the leaders' dashboard.
const MaxDirectionRows = 50

// Direction is the direction information of 2025 item 27.4 for one
// agency: where each late dossier is and which step is late, and the
// dossiers nearing their deadline. Each list is the first page of a
// desk bucket's indexed query (the leader's "overdue", the desk's
// "near_deadline"), newest first; More says there are more.
type Direction struct {
	Agency   string         `json:"agency"`
	Late     []DirectionRow `json:"late"`
	MoreLate bool           `json:"moreLate,omitempty"`
	Near     []DirectionRow `json:"near"`
	MoreNear bool           `json:"moreNear,omitempty"`
}

// DirectionRow is one dossier of a Direction list.
type DirectionRow struct {
	Code      string `json:"code"`
	Procedure string `json:"procedure"`
	// Status is the status and stage as people read them.
	Status     string    `json:"status"`
	Step       string    `json:"step,omitempty"` // the current step's name
	Department string    `json:"department,omitempty"`
	Handler    string    `json:"handler,omitempty"` // the assigned officer's name
	DueAt      time.Time `json:"dueAt,omitzero"`
	StepDueAt  time.Time `json:"stepDueAt,omitzero"`
	// DaysLate and StepDaysLate are the working days past DueAt and past
	// StepDueAt, by the agency's calendar (0: not past).
	DaysLate     int `json:"daysLate,omitempty"`
	StepDaysLate int `json:"stepDaysLate,omitempty"`
}

// StepLate reports whether the current step is past its own deadline.
func (r DirectionRow) StepLate() bool { return r.StepDaysLate > 0 }

// Direction returns the direction lists of agency ("" = the caller's),
// at most limit rows each (1..MaxDirectionRows). Staff holding the
// position of head of department or leader see their own agency; admins
// any. Permission "leader_only" for other staff, "other_agency" for
// another agency, "staff_only" for citizens; Invalid "agency_required"
// for an admin without a valid agency code, "invalid_limit".
func (s *Service) Direction(ctx context.Context, a archive.Actor, agency string, limit int) (Direction, error) {
	if err := checkActor(a); err != nil {
		return Direction{}, err
	}
	if limit < 1 || limit > MaxDirectionRows {
		return Direction{}, invalid("invalid_limit", "Số hồ sơ mỗi danh sách không hợp lệ.", "limit %d, want 1..%d", limit, MaxDirectionRows)
	}
	switch a.Role {
	case archive.RoleAdmin:
		if !ValidAgencyCode(agency) {
			return Direction{}, invalid("agency_required", "Cần chọn cơ quan.", "an admin chooses the agency (%q)", agency)
		}
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return Direction{}, err
		}
		if !m.Holds(RoleHead) && !m.Holds(RoleLeader) {
			return Direction{}, kerr.New(kerr.Permission, "leader_only", "Trang điều hành dành cho lãnh đạo cơ quan, đơn vị.",
				"staff %q holds neither head nor leader", a.Subject)
		}
		if agency != "" && agency != m.Agency {
			return Direction{}, kerr.New(kerr.Permission, "other_agency", msgOtherAgency, "staff of %s may not direct %s", m.Agency, agency)
		}
		agency = m.Agency
	default:
		return Direction{}, kerr.New(kerr.Permission, "staff_only", "Chức năng này dành cho cán bộ, công chức.", "role %q", a.Role)
	}
	now := s.nowUTC()
	dl, err := s.deadlinesFor(ctx, agency)
	if err != nil {
		dl = s.deadlines
	}
	late, _ := BucketQuery("leader.overdue", agency, "", now, s.near)
	near, _ := BucketQuery("desk.near_deadline", agency, "", now, s.near)
	out := Direction{Agency: agency, Late: []DirectionRow{}, Near: []DirectionRow{}}
	for _, l := range []struct {
		q    DossierQuery
		rows *[]DirectionRow
		more *bool
	}{{late, &out.Late, &out.MoreLate}, {near, &out.Near, &out.MoreNear}} {
		l.q.Limit = limit
		ds, more, err := s.store.ListDossiers(ctx, l.q)
		if err != nil {
			return Direction{}, storeErr("list dossiers", err)
		}
		*l.more = more
		for _, d := range ds {
			*l.rows = append(*l.rows, s.directionRow(ctx, d, dl, now))
		}
	}
	return out, nil
}

// directionRow is d as the dashboard lists it at now.
func (s *Service) directionRow(ctx context.Context, d Dossier, dl Deadlines, now time.Time) DirectionRow {
	disp := DisplayOf(d, now, dl)
	r := DirectionRow{Code: d.Code, Procedure: d.ProcedureName, Status: disp.Label, DueAt: d.DueAt, StepDueAt: d.StepDueAt, Step: d.Step}
	if disp.Stage != "" {
		r.Status += " – " + disp.Stage
	}
	if p, err := s.cachedProcess(ctx, d.Procedure, d.ProcessVersion); err == nil {
		if st, ok := p.Step(d.Step); ok {
			r.Step = st.Name
		}
	}
	if h := d.Handler; h != nil {
		r.Handler, r.Department = h.Name, nonEmpty(h.DepartmentName, h.Department)
	}
	if !d.DueAt.IsZero() {
		r.DaysLate = dl.DaysLate(d.DueAt, now)
	}
	if !d.StepDueAt.IsZero() {
		r.StepDaysLate = dl.DaysLate(d.StepDueAt, now)
	}
	return r
}
