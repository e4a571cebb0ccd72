package archive

import (
	"context"
	"strings"
)

// DigitiseRequest is a paper document a staff member scanned into its
// owner's vault: the scan (PDF, JPEG or PNG, within the vault's upload
// limits), the paper's metadata as read from it — its type, name, number,
// issuer, dates and the type's fields — and the staff member's agency.
type DigitiseRequest struct {
	Owner  string
	Agency Agency
	Metadata
	Upload
}

// scanTypes are the media types a scan may have.
var scanTypes = []string{mediaPDF, "image/jpeg", "image/png"}

// Digitise stores a scan of a paper document into its owner's vault for
// them (Source "digitised"), recording who digitised it: IssuedBy of kind
// "digitised" names the staff member, their agency and the time, and the
// owner's ledger gets a "create" entry by that staff member whose purpose
// names the agency. The metadata is the staff member's reading of the
// paper, checked as Put checks it; it is locked as an issued paper's is
// (only its name and summary change after). Durable like Put; not idempotent: a retry
// after an answer that was lost stores a second copy.
//
// Only staff or an admin acting for r.Agency (Actor.Agency) may digitise:
// Permission "staff_only" for a citizen (also for their own vault),
// "not_agency_staff" for another agency. The scan must be declared a PDF,
// JPEG or PNG (Invalid "scan_type_not_allowed") and be one
// (content_type_mismatch, unsupported_media_type). An owner without a vault
// record, named by a personal identity number or an organisation code,
// gets one; the scan counts in the owner's usage but is not refused for a
// full quota, as an issued paper is not.
func (s *Service) Digitise(ctx context.Context, a Actor, r DigitiseRequest) (Document, error) {
	if err := canIssue(a, r.Agency.Code); err != nil {
		return Document{}, err
	}
	r.Agency.Name = strings.TrimSpace(r.Agency.Name)
	if r.Agency.Name == "" {
		return Document{}, invalid("agency_name_required", "Cần ghi tên cơ quan số hoá giấy tờ.", "no agency name")
	}
	if err := checkText("issuer", r.Agency.Name, maxShortRunes, "issuer_too_long", "Tên cơ quan quá dài (tối đa 300 ký tự)."); err != nil {
		return Document{}, err
	}
	mt := strings.ToLower(strings.TrimSpace(r.MediaType))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	ok := false
	for _, t := range scanTypes {
		ok = ok || mt == t
	}
	if !ok {
		return Document{}, invalid("scan_type_not_allowed", "Bản quét phải là tệp PDF, JPEG hoặc PNG.", "scan media type %q", r.MediaType)
	}
	r.MediaType = mt
	ownerID := strings.TrimSpace(r.Owner)
	if err := canOwner(a, ownerID); err != nil {
		return Document{}, err
	}
	owner, err := s.issueOwner(ctx, ownerID)
	if err != nil {
		return Document{}, err
	}
	t, def, err := s.docType(ctx, r.TypeCode)
	if err != nil {
		return Document{}, err
	}
	r.Status = StatusValid
	meta, err := validateMetadata(r.Metadata, t)
	if err != nil {
		return Document{}, err
	}
	if meta.Fields, err = validateFields(meta.Fields, def, s.now); err != nil {
		return Document{}, err
	}
	fileName, err := s.checkUploadHead(r.Upload)
	if err != nil {
		return Document{}, err
	}
	by := &IssuedBy{Kind: IssueDigitised, Agency: r.Agency.Code, AgencyName: r.Agency.Name, Number: meta.Number,
		IssuedAt: s.nowUTC().Truncate(1e6), By: a.Subject}
	return s.commitNew(ctx, a, newDoc{id: NewID(s.nowUTC()), owner: owner, limit: -1, source: SourceDigitised, meta: meta, def: def,
		up: r.Upload, fileName: fileName, issued: by, action: ActionCreate,
		acc: Access{Purpose: agencyPurpose(r.Agency, "số hoá giấy tờ bản giấy", "")}})
}
