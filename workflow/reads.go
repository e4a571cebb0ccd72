package workflow

import (
	"context"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// ReadLedger records reads of a dossier in the applicant's access ledger
// (archive.Service is one). The Vault includes it.
type ReadLedger interface {
	// RecordDossierRead appends a staff or admin read of a dossier to
	// ownerID's ledger with acc's purpose and dossier code; a citizen's
	// read is not recorded. Invalid "purpose_required" without a purpose.
	RecordDossierRead(ctx context.Context, a archive.Actor, ownerID string, acc archive.Access) error
}

var _ ReadLedger = (*archive.Service)(nil)

// Read returns a dossier the caller may see, as Get, and records a staff
// member's or an admin's read in the applicant's vault ledger with the
// purpose they give (Invalid "purpose_required" without one): the
// applicant sees who read their dossier and why, as for their papers. A
// citizen reading their own dossier, as applicant or representative,
// gives no purpose and is not recorded. A read that cannot be recorded
// is not answered.
func (s *Service) Read(ctx context.Context, a archive.Actor, code, purpose string) (View, error) {
	purpose = strings.TrimSpace(purpose)
	if err := checkActor(a); err != nil {
		return View{}, err
	}
	if a.Role != archive.RoleCitizen && purpose == "" {
		return View{}, kerr.New(kerr.Invalid, "purpose_required", "Cán bộ cần nêu mục đích xem hồ sơ (tham số purpose).",
			"staff and admin must give the purpose of reading a dossier")
	}
	d, staff, err := s.load(ctx, a, code)
	if err != nil {
		return View{}, err
	}
	if err := s.vault.RecordDossierRead(ctx, a, d.Applicant.ID, archive.Access{Purpose: purpose, Dossier: d.Code}); err != nil {
		return View{}, err
	}
	return s.view(d, a, staff), nil
}
