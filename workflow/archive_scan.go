package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
)

// StaffAgency is the agency staff member a works for, as the vault names
// agencies: what the archive's pages act in the name of (a batch of
// scanned pages is digitised for the archivist's agency). Permission
// "staff_only" for anyone but staff, NotFound when a is not in the
// directory or its agency is not.
func (s *Service) StaffAgency(ctx context.Context, a archive.Actor) (archive.Agency, error) {
	m, err := s.staffOnly(ctx, a)
	if err != nil {
		return archive.Agency{}, err
	}
	ag, err := s.getAgency(ctx, m.Agency)
	if err != nil {
		return archive.Agency{}, err
	}
	return archive.Agency{Code: ag.Code, Name: ag.Name}, nil
}
