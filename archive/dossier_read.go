package archive

import (
	"context"

	"github.com/kho-vn/kho/internal/kerr"
)

// RecordDossierRead appends to ownerID's ledger that a staff member or an
// admin read a dossier the owner applied for (action "dossier", with the
// dossier's code and the purpose they gave), as their reads of the
// owner's papers are recorded. A citizen's read is not recorded (nil):
// the ledger tells the owner what others did. The purpose is required
// (Invalid "purpose_required") and the dossier code too (Invalid
// "dossier_required"). The owner need not have a vault record yet: the
// entry waits in their ledger for it.
func (s *Service) RecordDossierRead(ctx context.Context, a Actor, ownerID string, acc Access) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role == RoleCitizen {
		return nil
	}
	acc, err := readOwner(a, ownerID, acc)
	if err != nil {
		return err
	}
	if acc.Dossier == "" {
		return kerr.New(kerr.Invalid, "dossier_required", "Cần ghi mã hồ sơ được xem.", "a dossier read names its dossier")
	}
	return s.recordView(ctx, a, ActionDossier, ownerID, "", acc)
}
