package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Digitiser stores a scan of a paper into its owner's vault for them
// (archive.Service is one).
type Digitiser interface {
	Digitise(ctx context.Context, a archive.Actor, r archive.DigitiseRequest) (archive.Document, error)
}

var _ Digitiser = (*archive.Service)(nil)

// Digitise stores a staff member's scan of a citizen's paper into the
// citizen's vault (archive.Service.Digitise) in the name of the caller's
// agency as the staff directory gives it: r.Agency is set from the
// caller's entry, whatever was given. Permission "staff_only" for anyone
// but staff, "not_in_staff_directory" for staff with no active entry;
// Unavailable "vault_unavailable" when the vault cannot digitise; the
// vault's errors otherwise.
func (s *Service) Digitise(ctx context.Context, a archive.Actor, r archive.DigitiseRequest) (archive.Document, error) {
	m, err := s.staffOnly(ctx, a)
	if err != nil {
		return archive.Document{}, err
	}
	dg, ok := s.vault.(Digitiser)
	if !ok {
		return archive.Document{}, kerr.New(kerr.Unavailable, "vault_unavailable", "Kho dữ liệu chưa sẵn sàng để số hoá giấy tờ.",
			"the workflow's vault has no Digitise")
	}
	ag, err := s.getAgency(ctx, m.Agency)
	if err != nil {
		return archive.Document{}, err
	}
	r.Agency = archive.Agency{Code: ag.Code, Name: ag.Name}
	return dg.Digitise(ctx, archive.Actor{Subject: a.Subject, Role: a.Role, Agency: m.Agency}, r)
}
