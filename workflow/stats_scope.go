package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const msgStatsLeaders = "Chỉ lãnh đạo đơn vị, lãnh đạo phòng và quản trị hệ thống được xem số liệu thống kê hồ sơ."

// StatsScope is the competent agency whose dossier statistics a may see
// when asking for agency ("" = not said): an admin sees the agency asked
// for ("" = every agency); staff holding head of department or leader in
// an active directory entry see their own agency, whether they name it
// or not. Errors: Permission "stats_not_allowed" for anyone else (citizens,
// staff without those positions or without an entry),
// "other_agency" for staff asking for another agency; Unavailable
// when the directory cannot be read. It is the rule DossierStats applies,
// with the same codes: the statistics page and the export API check it
// first, so a refused caller gets no form, no redirect and no work.
func (s *Service) StatsScope(ctx context.Context, a archive.Actor, agency string) (string, error) {
	if err := checkActor(a); err != nil {
		return "", err
	}
	switch a.Role {
	case archive.RoleAdmin:
		return agency, nil
	case archive.RoleStaff:
	default:
		return "", kerr.New(kerr.Permission, "stats_not_allowed", msgStatsLeaders, "role %q", a.Role)
	}
	m, err := s.store.GetStaff(ctx, a.Subject)
	if kerr.IsKind(err, kerr.NotFound) {
		return "", kerr.New(kerr.Permission, "stats_not_allowed", msgStatsLeaders, "%q is not in the directory", a.Subject)
	}
	if err != nil {
		return "", storeErr("get staff", err)
	}
	if !m.Active || !(m.Holds(RoleHead) || m.Holds(RoleLeader)) {
		return "", kerr.New(kerr.Permission, "stats_not_allowed", msgStatsLeaders,
			"%q holds neither head nor leader (active %v)", a.Subject, m.Active)
	}
	if agency != "" && agency != m.Agency {
		return "", kerr.New(kerr.Permission, "other_agency", "Bạn chỉ được xem số liệu thống kê của cơ quan mình.",
			"%q of %s asked for %s", a.Subject, m.Agency, agency)
	}
	return m.Agency, nil
}
