package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const msgStatsLeaders = "Thống kê hồ sơ dành cho lãnh đạo cơ quan, trưởng phòng và quản trị viên."

// StatsScope is the competent agency whose dossier statistics a may see
// when asking for agency ("" = not said): an admin sees the agency asked
// for ("" = every agency); staff holding head of department or leader in
// an active directory entry see their own agency, whether they name it
// or not. Errors: Permission "stats_position" for anyone else (citizens,
// staff without those positions or without an entry),
// "stats_other_agency" for staff asking for another agency; Unavailable
// when the directory cannot be read.
func (s *Service) StatsScope(ctx context.Context, a archive.Actor, agency string) (string, error) {
	if err := checkActor(a); err != nil {
		return "", err
	}
	switch a.Role {
	case archive.RoleAdmin:
		return agency, nil
	case archive.RoleStaff:
	default:
		return "", kerr.New(kerr.Permission, "stats_position", msgStatsLeaders, "role %q", a.Role)
	}
	m, err := s.store.GetStaff(ctx, a.Subject)
	if kerr.IsKind(err, kerr.NotFound) {
		return "", kerr.New(kerr.Permission, "stats_position", msgStatsLeaders, "%q is not in the directory", a.Subject)
	}
	if err != nil {
		return "", storeErr("get staff", err)
	}
	if !m.Active || !(m.Holds(RoleHead) || m.Holds(RoleLeader)) {
		return "", kerr.New(kerr.Permission, "stats_position", msgStatsLeaders,
			"%q holds neither head nor leader (active %v)", a.Subject, m.Active)
	}
	if agency != "" && agency != m.Agency {
		return "", kerr.New(kerr.Permission, "stats_other_agency", "Bạn chỉ xem được số liệu thống kê của cơ quan mình.",
			"%q of %s asked for %s", a.Subject, m.Agency, agency)
	}
	return m.Agency, nil
}
