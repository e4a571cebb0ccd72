package workflow

import (
	"context"
	"errors"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// OwnerRegistry opens the vault of an applicant who has none yet
// (archive.Service is one). The Vault includes it.
type OwnerRegistry interface {
	// RegisterOwner creates an owner's record; Conflict "owner_exists"
	// when it is there already.
	RegisterOwner(ctx context.Context, a archive.Actor, in archive.OwnerInput) (archive.Owner, error)
}

var _ OwnerRegistry = (*archive.Service)(nil)

// errOwnerNotFound matches the vault's refusal of an owner it has no
// record of.
var errOwnerNotFound = &kerr.Error{Code: "owner_not_found"}

// putForApplicant stores nd into the applicant's vault as a. When the
// applicant has no vault yet and a is a desk officer of the agency that
// received d (staff, the component's checks done), it makes the
// applicant's vault record, as the vault does for a paper an agency
// issues — only when the applicant is named by a personal identity
// number or an organisation code — and stores nd there. A citizen never
// opens another's vault: their upload is refused as the vault refuses it.
//
// The vault refuses an unknown owner before it reads a byte of the
// upload, so the second Put reads the body from its start.
func (s *Service) putForApplicant(ctx context.Context, a archive.Actor, staff *Staff, d Dossier, nd archive.NewDocument) (archive.Document, error) {
	doc, err := s.vault.Put(ctx, a, nd)
	if !errors.Is(err, errOwnerNotFound) || a.Role != archive.RoleStaff || staff == nil || staff.Agency != d.Agency || !staff.Holds(RoleDesk) {
		return doc, err
	}
	kind := archive.Individual
	if !archive.ValidIdentityNumber(d.Applicant.ID) {
		if !archive.ValidOrganizationCode(d.Applicant.ID) {
			return doc, err
		}
		kind = archive.Organization
	}
	_, rerr := s.vault.RegisterOwner(ctx, a, archive.OwnerInput{Kind: kind, IdentityNumber: d.Applicant.ID, Name: d.Applicant.Name})
	if rerr != nil && !errors.Is(rerr, &kerr.Error{Code: "owner_exists"}) {
		return doc, rerr
	}
	return s.vault.Put(ctx, a, nd)
}
