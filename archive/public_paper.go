package archive

import (
	"context"
	"slices"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// PublicPaper is what the issuing system tells anyone of a paper an agency
// issued as a dossier's result (the public verifier's fourth answer): its
// type's name (never the paper's own name, which may hold the owner's), number, agency, issue date and status now — nothing of its owner,
// its typed fields or the reason of a revocation, which a citizen or staff
// member reads signed in.
type PublicPaper struct {
	// Name is the name of the paper's document type, e.g. "Giấy khai sinh".
	Name       string    `json:"name"`
	Number     string    `json:"number"`
	AgencyName string    `json:"agencyName"`
	Dossier    string    `json:"dossier"`
	IssuedAt   time.Time `json:"issuedAt"`
	// Status is the paper's status today (valid, expired, revoked,
	// superseded); ChangedAt is when it was revoked or superseded.
	Status    Status    `json:"status"`
	ChangedAt time.Time `json:"changedAt,omitzero"`
	// Blobs are the SHA-256 (hex) of the contents of its versions, oldest
	// first: a file whose hash is among them is a copy the system issued.
	Blobs []string `json:"-"`
}

// PublicPaper returns the public status of the result paper id, for anyone
// (no actor: it names nothing personal). It reads the document and its
// versions, and records nothing in the owner's ledger: the paper's content
// and metadata are not read out. NotFound "issued_document_not_found" for
// any document that is not an agency's issued result — a citizen's own
// papers and refused files stay invisible, whether they exist or not.
func (s *Service) PublicPaper(ctx context.Context, id string) (PublicPaper, error) {
	notFound := kerr.New(kerr.NotFound, "issued_document_not_found", "Không tìm thấy giấy tờ do cơ quan nhà nước cấp.",
		"no issued result %q", id)
	if id == "" {
		return PublicPaper{}, notFound
	}
	d, err := s.store.GetDocument(ctx, id)
	if kerr.IsKind(err, kerr.NotFound) {
		return PublicPaper{}, notFound
	}
	if err != nil {
		return PublicPaper{}, storeErr("get document", err)
	}
	if d.IssuedBy == nil || d.IssuedBy.Kind != IssueResult {
		return PublicPaper{}, notFound
	}
	vs, err := s.store.ListVersions(ctx, id)
	if err != nil {
		return PublicPaper{}, storeErr("list versions", err)
	}
	name := d.TypeCode
	if t, _, err := s.docType(ctx, d.TypeCode); err == nil {
		name = t.Name
	}
	p := PublicPaper{Name: name, Number: d.IssuedBy.Number, AgencyName: d.IssuedBy.AgencyName, Dossier: d.IssuedBy.Dossier,
		IssuedAt: d.IssuedBy.IssuedAt, Status: d.EffectiveStatus(s.today())}
	if p.AgencyName == "" {
		p.AgencyName = d.IssuedBy.Agency
	}
	if d.StatusChange != nil {
		p.ChangedAt = d.StatusChange.At
	}
	for _, v := range vs {
		if len(p.Blobs) == 0 || p.Blobs[len(p.Blobs)-1] != v.Blob {
			p.Blobs = append(p.Blobs, v.Blob)
		}
	}
	return p, nil
}

// Issued reports whether hash (hex SHA-256) is the content of one of the
// paper's versions.
func (p PublicPaper) Issued(hash string) bool {
	return slices.Contains(p.Blobs, hash)
}
