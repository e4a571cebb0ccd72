package archive

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Agency names an issuing agency.
type Agency struct {
	Code string `json:"code"` // mã định danh cơ quan, e.g. 000.00.31.H29
	Name string `json:"name"`
}

// IssueRequest is a paper an agency issues into an owner's vault: the
// signed result of a dossier (Kind IssueResult), or one file of a dossier
// refused at intake (IssueRefusal, see StoreRefused).
type IssueRequest struct {
	Owner string
	Kind  IssueKind // "" = IssueResult
	// TypeCode, Name, Summary, Number (số hiệu, required for a result),
	// the validity and the typed fields are the paper's metadata.
	TypeCode      string
	Name          string
	Summary       string
	Number        string
	IssuedAt      time.Time // zero: now
	ValidFrom     Date
	ValidUntil    Date
	Permanent     bool
	ValidityScope string
	Fields        FieldValues
	Agency        Agency
	Dossier       string // the dossier code
	// Procedure is the code of the dossier's procedure, when known: kept
	// in IssuedBy for the vault statistics (results per procedure).
	Procedure string
	// Upload is the content: for a result, the signed PDF (another type is
	// refused, Invalid "content_type_mismatch").
	Upload
}

// PaperEvent is what the vault tells the owner's notifier (Config.OnPaper)
// after an agency issued, revoked or superseded a paper.
type PaperEvent struct {
	Action     Action // ActionIssue, ActionRevoke or ActionSupersede
	OwnerID    string
	DocumentID string
	Name       string
	Agency     Agency
	Dossier    string
	Reason     string // revoke, supersede
	ReplacedBy string // supersede
	At         time.Time
}

// The limits of StoreRefused.
const maxRefusedFiles = 100

// Issue stores a paper issued by the actor's agency into an owner's vault
// (Source "result", or "rejected" for a refusal's file) with IssuedBy set,
// and appends an "issue" entry to the owner's ledger naming the agency
// and the dossier. It is durable like Put: the content is stored under an
// intent, then the metadata, synced before it returns.
//
// It is idempotent by (agency, dossier, kind, number): a retried Issue
// returns the document the first one made and stores nothing new — also
// when the first one stopped half-way (a crash): the register's record
// names the document to make, and the retry makes it. The same number
// issued to another owner is Conflict "issue_number_used".
//
// Only staff or an admin of that agency may issue (Actor.Agency equals
// r.Agency.Code): Permission "staff_only" for a citizen, "not_agency_staff"
// for anyone else. An owner without a vault record, whose ID is a personal
// identity number or an organisation code, gets one. Issued papers are not
// refused for the owner's full quota; they still count in its usage.
func (s *Service) Issue(ctx context.Context, a Actor, r IssueRequest) (Document, error) {
	p, key, err := s.prepareIssue(ctx, a, &r)
	if err != nil {
		return Document{}, err
	}
	// A retry whose first run stored the paper: answer it before reading
	// a byte of the body again.
	rec, err := s.store.GetIssue(ctx, key)
	switch {
	case err == nil:
		d, err := s.issuedDoc(ctx, rec, p.owner.ID)
		if err != nil || d != nil {
			if d == nil {
				return Document{}, err
			}
			return *d, err
		}
		p.id = rec.DocumentID // claimed, never written: make it now
	case kerr.IsKind(err, kerr.NotFound):
	default:
		return Document{}, storeErr("get issue", err)
	}
	p.claim = func(ctx context.Context) (*Document, error) {
		got, _, err := s.store.ClaimIssue(ctx, IssueRecord{Key: key, Agency: r.Agency.Code, Dossier: r.Dossier,
			Kind: r.Kind, Number: p.issued.Number, DocumentID: p.id, OwnerID: p.owner.ID, At: p.issued.IssuedAt})
		if err != nil {
			return nil, storeErr("claim issue", err)
		}
		if got.DocumentID == p.id {
			return nil, nil
		}
		// A concurrent Issue of the same paper claimed it first.
		d, err := s.issuedDoc(ctx, got, p.owner.ID)
		if err == nil && d == nil {
			err = kerr.New(kerr.Conflict, "issue_in_progress", "Giấy tờ này đang được cấp; vui lòng thử lại sau giây lát.",
				"issue %s is claimed by document %s, not written yet", key, got.DocumentID)
		}
		return d, err
	}
	d, err := s.commitNew(ctx, a, p)
	if err != nil {
		return Document{}, err
	}
	s.notifyPaper(ctx, PaperEvent{Action: ActionIssue, OwnerID: d.OwnerID, DocumentID: d.ID, Name: d.Name,
		Agency: r.Agency, Dossier: r.Dossier, At: d.CreatedAt})
	return d, nil
}

// issuedDoc returns the document rec made, nil when it was claimed but
// not written; Conflict "issue_number_used" when it is another owner's.
func (s *Service) issuedDoc(ctx context.Context, rec IssueRecord, ownerID string) (*Document, error) {
	if rec.OwnerID != ownerID {
		return nil, kerr.New(kerr.Conflict, "issue_number_used",
			"Số giấy tờ này của hồ sơ đã được cấp cho người khác.",
			"issue %s was made for another owner", rec.Key)
	}
	d, err := s.store.GetDocument(ctx, rec.DocumentID)
	switch {
	case err == nil:
		return &d, nil
	case kerr.IsKind(err, kerr.NotFound):
		return nil, nil
	}
	return nil, storeErr("get issued document", err)
}

// prepareIssue checks everything of r that can be checked before its body
// is read, in the order of an upload's errors (see checkUploadHead), and
// returns the document to commit and the register key.
func (s *Service) prepareIssue(ctx context.Context, a Actor, r *IssueRequest) (newDoc, string, error) {
	if err := canIssue(a, r.Agency.Code); err != nil {
		return newDoc{}, "", err
	}
	if r.Kind == "" {
		r.Kind = IssueResult
	}
	source := SourceResult
	switch r.Kind {
	case IssueResult:
		r.MediaType = mediaPDF
	case IssueRefusal:
		source = SourceRejected
	default:
		return newDoc{}, "", invalid("invalid_issue_kind", "Loại giấy tờ cấp không hợp lệ.", "issue kind %q is not known", r.Kind)
	}
	r.Agency.Name, r.Dossier = strings.TrimSpace(r.Agency.Name), strings.TrimSpace(r.Dossier)
	if err := checkIssueText(r.Agency.Name, r.Dossier); err != nil {
		return newDoc{}, "", err
	}
	number := strings.TrimSpace(r.Number)
	if r.Kind == IssueResult && number == "" {
		return newDoc{}, "", invalid("number_required", "Cần ghi số hiệu của giấy tờ cấp.", "an issued result needs a number")
	}
	ownerID := strings.TrimSpace(r.Owner)
	if err := canOwner(a, ownerID); err != nil {
		return newDoc{}, "", err
	}
	owner, err := s.issueOwner(ctx, ownerID)
	if err != nil {
		return newDoc{}, "", err
	}
	t, def, err := s.docType(ctx, r.TypeCode)
	if err != nil {
		return newDoc{}, "", err
	}
	issuedAt := r.IssuedAt
	if issuedAt.IsZero() {
		issuedAt = s.now()
	}
	issuedAt = issuedAt.UTC().Truncate(time.Millisecond)
	meta, err := validateMetadata(Metadata{
		TypeCode: t.Code, Name: r.Name, Summary: r.Summary, Number: number, Issuer: r.Agency.Name,
		IssueDate: DateOf(issuedAt.In(vietnam)), ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Permanent: r.Permanent,
		ValidityScope: r.ValidityScope, Status: StatusValid, Fields: r.Fields,
	}, t)
	if err != nil {
		return newDoc{}, "", err
	}
	if meta.Fields, err = validateFields(meta.Fields, def, s.now); err != nil {
		return newDoc{}, "", err
	}
	fileName, err := s.checkUploadHead(r.Upload)
	if err != nil {
		return newDoc{}, "", err
	}
	if r.Kind == IssueRefusal {
		meta.Number = "" // the position of the file, not a number the agency gave
	}
	issued := &IssuedBy{Kind: r.Kind, Agency: r.Agency.Code, AgencyName: r.Agency.Name, Dossier: r.Dossier, Procedure: r.Procedure,
		Number: number, IssuedAt: issuedAt, By: a.Subject}
	p := newDoc{id: NewID(s.nowUTC()), owner: owner, limit: -1, source: source, meta: meta, def: def,
		up: r.Upload, fileName: fileName, issued: issued, action: ActionIssue,
		acc: Access{Purpose: agencyPurpose(r.Agency, "cấp giấy tờ", ""), Dossier: r.Dossier}}
	return p, IssueKey(r.Agency.Code, r.Dossier, r.Kind, number), nil
}

// canIssue checks that a acts for the agency code: staff or admin whose
// token names it.
func canIssue(a Actor, agency string) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role == RoleCitizen {
		return kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "citizens may not issue, revoke or supersede papers")
	}
	if a.Agency == "" {
		return kerr.New(kerr.Permission, "not_agency_staff", msgNotAgencyStaff, "actor %q acts for no agency", a.Subject)
	}
	agency = strings.TrimSpace(agency)
	if agency == "" {
		return invalid("agency_required", "Cần ghi mã định danh của cơ quan cấp giấy tờ.", "no agency code")
	}
	if !ValidAgencyCode(agency) {
		return invalid("invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "agency code %q", agency)
	}
	if a.Agency != agency {
		return kerr.New(kerr.Permission, "not_agency_staff", msgNotAgencyStaff,
			"actor %q acts for agency %q, not %q", a.Subject, a.Agency, agency)
	}
	return nil
}

// msgNotAgencyStaff refuses an act in the name of another agency.
const msgNotAgencyStaff = "Chỉ cán bộ của cơ quan cấp giấy tờ được thực hiện thao tác này."

// checkIssueText checks the agency's name and the dossier code of an issue.
func checkIssueText(agencyName, dossier string) error {
	if agencyName == "" {
		return invalid("agency_name_required", "Cần ghi tên cơ quan cấp giấy tờ.", "no agency name")
	}
	if err := checkText("issuer", agencyName, maxShortRunes, "issuer_too_long", "Tên cơ quan cấp quá dài (tối đa 300 ký tự)."); err != nil {
		return err
	}
	if dossier == "" {
		return invalid("dossier_required", "Cần ghi mã hồ sơ của giấy tờ cấp.", "no dossier code")
	}
	if strings.Contains(dossier, "/") {
		return invalid("invalid_dossier_code", "Mã hồ sơ không hợp lệ.", "dossier code %q holds a slash", dossier)
	}
	return checkText("dossier", dossier, maxDossierRunes, "dossier_too_long", "Mã hồ sơ quá dài (tối đa 200 ký tự).")
}

// agencyPurpose is the purpose a ledger entry of an agency's act shows the
// owner: the agency, the act, and the reason when there is one.
func agencyPurpose(ag Agency, act, reason string) string {
	p := ag.Name + " (" + ag.Code + ") " + act
	if reason != "" {
		p += ": " + reason
	}
	if len([]rune(p)) > maxPurposeRunes {
		p = string([]rune(p)[:maxPurposeRunes])
	}
	return p
}

// issueOwner returns the owner a paper is issued to, making the record of
// an owner who has none yet when the ID is an identity number or an
// organisation code.
func (s *Service) issueOwner(ctx context.Context, id string) (Owner, error) {
	o, err := s.store.GetOwner(ctx, id)
	if err == nil {
		return o, nil
	}
	if !kerr.IsKind(err, kerr.NotFound) {
		return Owner{}, storeErr("get owner", err)
	}
	o = Owner{ID: id, CreatedAt: s.nowUTC(), Rev: 1}
	switch {
	case ValidIdentityNumber(id):
		o.Kind, o.IdentityNumber = Individual, id
	case ValidOrganizationCode(id):
		o.Kind, o.IdentityNumber = Organization, id
	default:
		return Owner{}, errOwnerNotFound(id)
	}
	if err := s.store.CreateOwner(ctx, o); err != nil && !kerr.IsKind(err, kerr.Conflict) {
		return Owner{}, storeErr("create owner", err)
	}
	return s.getOwner(ctx, id)
}

// RefusedFile is one file of a dossier refused at intake.
type RefusedFile struct {
	TypeCode string // "" = KHAC
	Name     string // "" = "Tệp hồ sơ bị từ chối <dossier> (n)"
	Upload
}

// StoreRefused stores the files of a dossier the actor's agency refused
// at intake into the applicant's vault (2025 appendix item 29.2): each is
// a paper with Source "rejected" and IssuedBy of kind "refusal" whose
// number is its position (1, 2, …). Each file is an Issue: idempotent by
// (agency, dossier, position), so the workflow retries the whole call
// after a crash and gets the same documents. It stops at the first file
// refused and returns the error; the files stored before it stay stored
// (a retry with a corrected file completes the set).
func (s *Service) StoreRefused(ctx context.Context, a Actor, owner string, agency Agency, dossier string, files []RefusedFile) ([]Document, error) {
	if err := canIssue(a, agency.Code); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, invalid("files_required", "Cần ít nhất một tệp hồ sơ.", "no files")
	}
	if len(files) > maxRefusedFiles {
		return nil, invalid("too_many_files", "Hồ sơ có quá nhiều tệp (tối đa 100).", "%d files", len(files))
	}
	out := make([]Document, 0, len(files))
	for i, f := range files {
		n := strconv.Itoa(i + 1)
		if f.TypeCode == "" {
			f.TypeCode = "KHAC"
		}
		if strings.TrimSpace(f.Name) == "" {
			f.Name = "Tệp hồ sơ bị từ chối " + strings.TrimSpace(dossier) + " (" + n + ")"
		}
		d, err := s.Issue(ctx, a, IssueRequest{Owner: owner, Kind: IssueRefusal, TypeCode: f.TypeCode, Name: f.Name,
			Number: n, Agency: agency, Dossier: dossier, Upload: f.Upload})
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Issued returns the register's records of the papers the actor's
// agency issued for one dossier (staff or admin of that agency), ordered
// by kind and number: which document each issue made, and for whom. It
// names the papers without reading them: a paper's metadata is read
// through Get, with a purpose, like any other. Records whose document
// was never written (an issue cut short by a crash, which its retry
// completes) are left out.
func (s *Service) Issued(ctx context.Context, a Actor, agency, dossier string) ([]IssueRecord, error) {
	if err := canIssue(a, agency); err != nil {
		return nil, err
	}
	dossier = strings.TrimSpace(dossier)
	if dossier == "" || strings.Contains(dossier, "/") {
		return []IssueRecord{}, nil
	}
	recs, err := s.store.ListIssued(ctx, agency, dossier)
	if err != nil {
		return nil, storeErr("list issued", err)
	}
	out := []IssueRecord{}
	for _, rec := range recs {
		_, err := s.store.GetDocument(ctx, rec.DocumentID)
		if kerr.IsKind(err, kerr.NotFound) {
			continue
		}
		if err != nil {
			return nil, storeErr("get issued document", err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// Revoke marks a paper the actor's agency issued as revoked (thu hồi),
// with who, when and why (StatusChange), as a new metadata version; it
// appends a "revoke" entry to the owner's ledger and tells the notifier.
// A reuse of it is refused after (Conflict "document_not_reusable", with
// the reason and the date). Invalid "reason_required" without a reason;
// NotFound "issued_document_not_found" for a paper that is not a result
// issued by the actor's agency (it does not say whether it exists);
// Conflict "document_not_valid" when it was revoked or superseded before
// (a retry of the same revocation returns the document unchanged).
func (s *Service) Revoke(ctx context.Context, a Actor, id, reason string) (Document, error) {
	reason, err := checkStatusChange(a, reason)
	if err != nil {
		return Document{}, err
	}
	d, err := s.loadIssued(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	if c := d.StatusChange; d.Status == StatusRevoked && c != nil && c.Agency == a.Agency && c.Reason == reason {
		return d, nil
	}
	change := StatusChange{Status: StatusRevoked, Agency: a.Agency, By: a.Subject, Reason: reason}
	return s.changeStatus(ctx, a, d, change, ActionRevoke, "thu hồi giấy tờ")
}

// Supersede marks a paper the actor's agency issued as superseded (thay
// thế) by another paper it issued to the same owner (newID), as Revoke
// does; StatusChange.ReplacedBy names the new paper. Invalid
// "supersede_same" when both are one paper, "supersede_other_owner" when
// the new paper is another owner's; Conflict "replacement_not_valid" when
// the new paper is not valid; the other refusals are Revoke's.
func (s *Service) Supersede(ctx context.Context, a Actor, oldID, newID, reason string) (Document, error) {
	reason, err := checkStatusChange(a, reason)
	if err != nil {
		return Document{}, err
	}
	if oldID == newID {
		return Document{}, invalid("supersede_same", "Giấy tờ thay thế phải khác giấy tờ bị thay thế.", "old and new are %s", oldID)
	}
	old, err := s.loadIssued(ctx, a, oldID)
	if err != nil {
		return Document{}, err
	}
	repl, err := s.loadIssued(ctx, a, newID)
	if err != nil {
		return Document{}, err
	}
	if repl.OwnerID != old.OwnerID {
		return Document{}, invalid("supersede_other_owner", "Giấy tờ thay thế phải được cấp cho cùng chủ kho dữ liệu.",
			"document %s belongs to another owner than %s", newID, oldID)
	}
	if c := old.StatusChange; old.Status == StatusSuperseded && c != nil && c.ReplacedBy == newID {
		return old, nil
	}
	if st := repl.EffectiveStatus(s.today()); st != StatusValid {
		return Document{}, kerr.New(kerr.Conflict, "replacement_not_valid", "Giấy tờ thay thế không còn hiệu lực.",
			"replacement %s is %s", newID, st)
	}
	change := StatusChange{Status: StatusSuperseded, Agency: a.Agency, By: a.Subject, Reason: reason, ReplacedBy: newID}
	return s.changeStatus(ctx, a, old, change, ActionSupersede, "thay thế giấy tờ")
}

// checkStatusChange checks the actor and the reason of a revocation or
// replacement and returns the reason trimmed.
func checkStatusChange(a Actor, reason string) (string, error) {
	if err := checkActor(a); err != nil {
		return "", err
	}
	if a.Role == RoleCitizen {
		return "", kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "citizens may not revoke or supersede papers")
	}
	if a.Agency == "" {
		return "", kerr.New(kerr.Permission, "not_agency_staff", msgNotAgencyStaff, "actor %q acts for no agency", a.Subject)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", invalid("reason_required", "Cần ghi rõ lý do.", "no reason given")
	}
	if err := checkText("reason", reason, maxPurposeRunes, "reason_too_long", "Lý do quá dài (tối đa 500 ký tự)."); err != nil {
		return "", err
	}
	return reason, nil
}

// loadIssued returns a result the actor's agency issued; NotFound
// "issued_document_not_found" for any other ID.
func (s *Service) loadIssued(ctx context.Context, a Actor, id string) (Document, error) {
	d, err := s.loadDoc(ctx, a, id)
	if err == nil && (d.IssuedBy == nil || d.IssuedBy.Kind != IssueResult || d.IssuedBy.Agency != a.Agency) {
		err = errDocNotFound(id)
	}
	if kerr.IsKind(err, kerr.NotFound) {
		return Document{}, kerr.New(kerr.NotFound, "issued_document_not_found", "Không tìm thấy giấy tờ do cơ quan của bạn cấp.",
			"no result %q issued by agency %q", id, a.Agency)
	}
	return d, err
}

// changeStatus stores c as d's status change: a new version (Change
// "revoked" or "superseded") made only while the paper is still valid.
func (s *Service) changeStatus(ctx context.Context, a Actor, d Document, c StatusChange, action Action, act string) (Document, error) {
	d, err := s.commitVersion(ctx, d, 0, func(cur Document, now time.Time) (Document, error) {
		if cur.Status != StatusValid {
			return Document{}, kerr.New(kerr.Conflict, "document_not_valid",
				"Giấy tờ đã bị thu hồi hoặc bị thay thế trước đó.", "document %s is %s", cur.ID, cur.Status)
		}
		c.At = now
		next := cur
		next.Status = c.Status
		next.StatusChange = &c
		next.VersionCount = cur.VersionCount + 1
		next.Current = cur.Current
		next.Current.N = next.VersionCount
		next.Current.Change = string(c.Status)
		next.Current.CreatedBy = a.Subject
		next.Current.CreatedAt = now
		next.Current.Meta = next.Metadata
		next.UpdatedAt = now
		return next, nil
	})
	if err != nil {
		return Document{}, err
	}
	ag := Agency{Code: d.IssuedBy.Agency, Name: d.IssuedBy.AgencyName}
	s.recordChange(ctx, a, action, d, d.VersionCount, Access{Purpose: agencyPurpose(ag, act, c.Reason), Dossier: d.IssuedBy.Dossier})
	s.notifyPaper(ctx, PaperEvent{Action: action, OwnerID: d.OwnerID, DocumentID: d.ID, Name: d.Name, Agency: ag,
		Dossier: d.IssuedBy.Dossier, Reason: c.Reason, ReplacedBy: c.ReplacedBy, At: c.At})
	return d, nil
}

// notifyPaper hands e to Config.OnPaper, when set.
func (s *Service) notifyPaper(ctx context.Context, e PaperEvent) {
	if s.cfg.OnPaper != nil {
		s.cfg.OnPaper(ctx, e)
	}
}

// notReusable is the refusal of a reuse of d, which is st on today: its
// message says the current status, with the date and the agency's reason
// when the paper was revoked or superseded.
func notReusable(d Document, st Status, today Date) error {
	msg := "Giấy tờ không còn hiệu lực (hết hạn, bị thu hồi hoặc bị thay thế) nên không thể sử dụng lại."
	c := d.StatusChange
	switch {
	case st == StatusRevoked && c != nil:
		msg = "Giấy tờ đã bị " + c.agencyName(d) + " thu hồi ngày " + DateOf(c.At.In(vietnam)).Vietnamese() +
			" (lý do: " + c.Reason + ") nên không thể sử dụng lại."
	case st == StatusSuperseded && c != nil:
		msg = "Giấy tờ đã bị " + c.agencyName(d) + " thay thế bằng giấy tờ khác ngày " + DateOf(c.At.In(vietnam)).Vietnamese() +
			" (lý do: " + c.Reason + ") nên không thể sử dụng lại."
	case st == StatusExpired:
		msg = "Giấy tờ đã hết hiệu lực (có hiệu lực đến hết ngày " + d.ValidUntil.Vietnamese() + ") nên không thể sử dụng lại."
	}
	detail := string(st)
	if st == StatusValid {
		detail = "not yet valid"
	}
	return kerr.New(kerr.Conflict, "document_not_reusable", msg, "document %s is %s on %s", d.ID, detail, today)
}

// agencyName is the name of the agency that made the change, as people read it.
func (c *StatusChange) agencyName(d Document) string {
	if d.IssuedBy != nil && d.IssuedBy.Agency == c.Agency && d.IssuedBy.AgencyName != "" {
		return d.IssuedBy.AgencyName
	}
	return "cơ quan " + c.Agency
}

// labelsOnly reports whether p changes only what the owner may change of
// an issued paper: its name and summary, the owner's own labels. What the
// agency issued — type, number, issuer, dates, validity, status, typed
// fields — and the content stay as issued.
func (p MetadataPatch) labelsOnly() bool {
	p.Name, p.Summary = nil, nil
	return p == (MetadataPatch{})
}

// errIssuedLocked refuses a change of what an agency issued.
func errIssuedLocked(id string) error {
	return kerr.New(kerr.Permission, "issued_document_locked",
		"Giấy tờ do cơ quan cấp: không được sửa nội dung hay thông tin đã cấp (chỉ đổi được tên và trích yếu).",
		"document %s was issued by an agency", id)
}
