package workflow

import (
	"bytes"
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// PutAgency adds or replaces an agency with its departments (admin).
func (s *Service) PutAgency(ctx context.Context, a archive.Actor, ag Agency) (Agency, error) {
	if err := checkAdmin(a); err != nil {
		return Agency{}, err
	}
	return s.putAgency(ctx, ag, time.Time{})
}

// Agencies lists the agencies (anyone authenticated).
func (s *Service) Agencies(ctx context.Context, a archive.Actor) ([]Agency, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	ags, err := s.store.ListAgencies(ctx)
	if err != nil {
		return nil, storeErr("list agencies", err)
	}
	if ags == nil {
		ags = []Agency{}
	}
	return ags, nil
}

// PutProcedure adds or replaces a procedure (admin). Its agency must be
// in the directory and every document type and eForm it names must
// exist. The vault's component mapping is replaced first (a procedure
// without a component bound to document types leaves the vault's entry
// alone), then the record: a failure between the two leaves the mapping
// ahead, and saving again completes it.
func (s *Service) PutProcedure(ctx context.Context, a archive.Actor, p Procedure) (Procedure, error) {
	if err := checkAdmin(a); err != nil {
		return Procedure{}, err
	}
	p, err := validateProcedure(p, s.refs(ctx, a))
	if err != nil {
		return Procedure{}, err
	}
	if _, err := s.getAgency(ctx, p.Agency); err != nil {
		return Procedure{}, err
	}
	if ap, ok := ArchiveProcedure(p); ok {
		if _, err := s.vault.PutProcedure(ctx, a, ap); err != nil {
			return Procedure{}, err
		}
	}
	p.UpdatedAt = s.nowUTC()
	if err := s.store.PutProcedureRecord(ctx, p); err != nil {
		return Procedure{}, storeErr("put procedure", err)
	}
	return p, nil
}

// Procedure returns one procedure (anyone authenticated).
func (s *Service) Procedure(ctx context.Context, a archive.Actor, code string) (Procedure, error) {
	if err := checkActor(a); err != nil {
		return Procedure{}, err
	}
	return s.getProcedure(ctx, code)
}

// Procedures lists the procedures (anyone authenticated).
func (s *Service) Procedures(ctx context.Context, a archive.Actor) ([]Procedure, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	ps, err := s.store.ListProcedureRecords(ctx)
	if err != nil {
		return nil, storeErr("list procedures", err)
	}
	if ps == nil {
		ps = []Procedure{}
	}
	return ps, nil
}

// PutProcess saves p as the next version of its procedure's process
// (admin) and returns it. It is checked against the procedure: steps and
// flows, roles that may take each flow's action, departments of the
// procedure's agency, and — unless p.Untimed or the procedure has no
// fixed resolution time — the sum of the main steps' deadlines against
// the resolution time (Invalid "process_over_resolution_time"). Running
// dossiers keep the version they started with.
func (s *Service) PutProcess(ctx context.Context, a archive.Actor, p Process) (Process, error) {
	if err := checkAdmin(a); err != nil {
		return Process{}, err
	}
	proc, err := s.getProcedure(ctx, p.Procedure)
	if err != nil {
		return Process{}, err
	}
	ag, err := s.getAgency(ctx, proc.Agency)
	if err != nil {
		return Process{}, err
	}
	if p, err = validateProcess(p, proc, ag.Departments); err != nil {
		return Process{}, err
	}
	p, _, err = s.addProcessVersion(ctx, a, p, false)
	return p, err
}

// Process returns version v (0: the latest) of a procedure's process
// (anyone authenticated).
func (s *Service) Process(ctx context.Context, a archive.Actor, procedure string, v int) (Process, error) {
	if err := checkActor(a); err != nil {
		return Process{}, err
	}
	if _, err := s.getProcedure(ctx, procedure); err != nil {
		return Process{}, err
	}
	return s.getProcess(ctx, procedure, v)
}

// Diagram draws version v (0: the latest) of a procedure's process as SVG
// (2025 item 9: for administrators, heads of department and unit
// leaders). Permission "diagram_not_allowed" for others.
func (s *Service) Diagram(ctx context.Context, a archive.Actor, procedure string, v int) ([]byte, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	switch a.Role {
	case archive.RoleAdmin:
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return nil, err
		}
		if !m.Holds(RoleLeader) && !m.Holds(RoleHead) && !m.Holds(RoleAdmin) {
			return nil, errDiagramNotAllowed(a)
		}
	default:
		return nil, errDiagramNotAllowed(a)
	}
	proc, err := s.getProcedure(ctx, procedure)
	if err != nil {
		return nil, err
	}
	p, err := s.getProcess(ctx, procedure, v)
	if err != nil {
		return nil, err
	}
	var depts []Department
	if ag, err := s.store.GetAgency(ctx, proc.Agency); err == nil {
		depts = ag.Departments
	}
	var b bytes.Buffer
	if err := WriteSVG(&b, p, proc, depts); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "diagram_failed", "Không vẽ được sơ đồ quy trình.")
	}
	return b.Bytes(), nil
}

func errDiagramNotAllowed(a archive.Actor) error {
	return kerr.New(kerr.Permission, "diagram_not_allowed",
		"Chỉ quản trị hệ thống, lãnh đạo phòng và lãnh đạo đơn vị được xem sơ đồ quy trình.", "%s %q may not see process diagrams", a.Role, a.Subject)
}

// PutStaff adds or replaces an entry of the staff directory (admin): the
// agency must be known and the department one of its departments.
func (s *Service) PutStaff(ctx context.Context, a archive.Actor, m Staff) (Staff, error) {
	if err := checkAdmin(a); err != nil {
		return Staff{}, err
	}
	ag, err := s.getAgency(ctx, m.Agency)
	if err != nil {
		return Staff{}, err
	}
	if m, err = validateStaff(m, ag); err != nil {
		return Staff{}, err
	}
	m.UpdatedAt = s.nowUTC()
	if err := s.store.PutStaff(ctx, m); err != nil {
		return Staff{}, storeErr("put staff", err)
	}
	return m, nil
}

// StaffMember returns one entry of the directory: admins read any, staff
// their own. NotFound "staff_not_found" when there is none.
func (s *Service) StaffMember(ctx context.Context, a archive.Actor, subject string) (Staff, error) {
	if err := checkActor(a); err != nil {
		return Staff{}, err
	}
	if a.Role != archive.RoleAdmin && a.Subject != subject {
		return Staff{}, kerr.New(kerr.Permission, "admin_only", msgAdminOnly, "%q may not read the entry of %q", a.Subject, subject)
	}
	m, err := s.store.GetStaff(ctx, subject)
	if kerr.IsKind(err, kerr.NotFound) {
		return Staff{}, kerr.New(kerr.NotFound, "staff_not_found", "Không tìm thấy cán bộ trong danh bạ.", "no staff entry %q", subject)
	}
	if err != nil {
		return Staff{}, storeErr("get staff", err)
	}
	return m, nil
}

// ListStaff lists the directory entries of an agency ("" = all) (admin).
func (s *Service) ListStaff(ctx context.Context, a archive.Actor, agency string) ([]Staff, error) {
	if err := checkAdmin(a); err != nil {
		return nil, err
	}
	ms, err := s.store.ListStaff(ctx, agency)
	if err != nil {
		return nil, storeErr("list staff", err)
	}
	if ms == nil {
		ms = []Staff{}
	}
	return ms, nil
}
