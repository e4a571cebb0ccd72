package archive

import (
	"context"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	// versionAttempts bounds the read-modify-write retries of a version
	// change made with expectedRev 0.
	versionAttempts = 10
	// maxReusablePages bounds FindReusable (1000 documents a page).
	maxReusablePages = 10
	// maxSearchWords and maxWordRunes bound a List text search.
	maxSearchWords = 10
	maxWordRunes   = 100
)

// vietnam is the time zone of "today" (UTC+7, no daylight saving).
var vietnam = time.FixedZone("ICT", 7*60*60)

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// today is the current day in Vietnam.
func (s *Service) today() Date { return DateOf(s.now().In(vietnam)) }

// checkActor refuses an unknown role or an empty subject.
func checkActor(a Actor) error {
	if !a.Role.Valid() {
		return kerr.New(kerr.Permission, "invalid_role", "Vai trò người dùng không hợp lệ.", "role %q is not known", a.Role)
	}
	if strings.TrimSpace(a.Subject) == "" {
		return kerr.New(kerr.Permission, "invalid_actor", "Không xác định được người thực hiện.", "the actor has no subject")
	}
	return nil
}

func checkAdmin(a Actor) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role != RoleAdmin {
		return kerr.New(kerr.Permission, "admin_only", msgAdminOnly, "role %q may not do this", a.Role)
	}
	return nil
}

// canOwner checks that a may act on ownerID's vault: a citizen only on
// their own. The refusal does not depend on whether the owner exists.
func canOwner(a Actor, ownerID string) error {
	if strings.TrimSpace(ownerID) == "" {
		return invalid("owner_required", "Cần chỉ rõ chủ kho dữ liệu.", "no owner ID")
	}
	if a.Role == RoleCitizen && ownerID != a.Subject {
		return kerr.New(kerr.Permission, "not_own_vault", msgNotOwnVault, "citizen %q may not act on owner %q", a.Subject, ownerID)
	}
	return nil
}

// loadDoc returns a document the actor may see; NotFound otherwise, also
// when it exists but belongs to another owner and the actor is a citizen.
func (s *Service) loadDoc(ctx context.Context, a Actor, id string) (Document, error) {
	if err := checkActor(a); err != nil {
		return Document{}, err
	}
	if !ValidID(id) {
		return Document{}, errDocNotFound(id)
	}
	d, err := s.store.GetDocument(ctx, id)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Document{}, errDocNotFound(id)
		}
		return Document{}, storeErr("get document", err)
	}
	if a.Role == RoleCitizen && d.OwnerID != a.Subject {
		return Document{}, errDocNotFound(id)
	}
	return d, nil
}

func (s *Service) getOwner(ctx context.Context, id string) (Owner, error) {
	o, err := s.store.GetOwner(ctx, id)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Owner{}, errOwnerNotFound(id)
		}
		return Owner{}, storeErr("get owner", err)
	}
	return o, nil
}

// ensureOwner returns the owner, creating a citizen's own record on first
// use when their subject is a personal identity number.
func (s *Service) ensureOwner(ctx context.Context, a Actor, id string) (Owner, error) {
	o, err := s.store.GetOwner(ctx, id)
	if err == nil {
		return o, nil
	}
	if !kerr.IsKind(err, kerr.NotFound) {
		return Owner{}, storeErr("get owner", err)
	}
	if a.Role != RoleCitizen || id != a.Subject || !ValidIdentityNumber(id) {
		return Owner{}, errOwnerNotFound(id)
	}
	o = Owner{ID: id, Kind: Individual, IdentityNumber: id, CreatedAt: s.nowUTC(), Rev: 1}
	if err := s.store.CreateOwner(ctx, o); err != nil && !kerr.IsKind(err, kerr.Conflict) {
		return Owner{}, storeErr("create owner", err)
	}
	// Reread: another request may have created it first.
	return s.getOwner(ctx, id)
}

// effectiveQuota is the owner's quota in bytes, or -1 for unlimited.
func (s *Service) effectiveQuota(o Owner) int64 {
	q := o.QuotaBytes
	if q == 0 {
		q = s.cfg.DefaultQuotaBytes
	}
	if q < 0 {
		return -1
	}
	return q
}

// docType returns a catalogue entry and its fields' schema (nil when it
// has no typed fields); an unknown code is Invalid.
func (s *Service) docType(ctx context.Context, code string) (DocumentType, *forms.Definition, error) {
	unknown := func() error {
		return invalid("unknown_document_type", "Loại giấy tờ không có trong danh mục.", "type code %q is not in the catalogue", code)
	}
	if strings.TrimSpace(code) == "" {
		return DocumentType{}, nil, invalid("type_required", "Cần chọn loại giấy tờ (mã loại giấy tờ trong danh mục).", "no document type code")
	}
	if !catalogCode.MatchString(code) {
		return DocumentType{}, nil, unknown()
	}
	t, err := s.store.GetDocumentType(ctx, code)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return DocumentType{}, nil, unknown()
		}
		return DocumentType{}, nil, storeErr("get document type", err)
	}
	return s.typeSchema(t)
}

func (s *Service) getProcedure(ctx context.Context, code string) (Procedure, error) {
	notFound := kerr.New(kerr.NotFound, "procedure_not_found", "Không tìm thấy thủ tục hành chính.", "no procedure %q", code)
	if !catalogCode.MatchString(code) {
		return Procedure{}, notFound
	}
	p, err := s.store.GetProcedure(ctx, code)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Procedure{}, notFound
		}
		return Procedure{}, storeErr("get procedure", err)
	}
	return p, nil
}

// resolveTypeCodes turns a type code, or "PROCEDURE/COMPONENT", into the
// type codes it stands for.
func (s *Service) resolveTypeCodes(ctx context.Context, code string) ([]string, error) {
	code = strings.TrimSpace(code)
	proc, comp, isComp := strings.Cut(code, "/")
	if !isComp {
		t, _, err := s.docType(ctx, code)
		if err != nil {
			return nil, err
		}
		return []string{t.Code}, nil
	}
	p, err := s.getProcedure(ctx, proc)
	if err != nil {
		return nil, err
	}
	for _, c := range p.Components {
		if c.Code == comp {
			return c.TypeCodes, nil
		}
	}
	return nil, kerr.New(kerr.NotFound, "component_not_found", "Thủ tục không có thành phần hồ sơ này.",
		"procedure %q has no component %q", proc, comp)
}

func errChanged(id string, expected, actual int64) error {
	return kerr.New(kerr.Conflict, "document_changed", msgDocumentChanged,
		"document %s is at rev %d, not %d", id, actual, expected)
}

// commitVersion applies change to the document and stores it guarded by
// Rev. With expectedRev 0 it rereads and retries on a conflict; otherwise a
// conflict is the caller's to resolve.
func (s *Service) commitVersion(ctx context.Context, d Document, expectedRev int64, change func(cur Document, now time.Time) (Document, error)) (Document, error) {
	for attempt := 0; attempt < versionAttempts; attempt++ {
		if expectedRev != 0 && d.Rev != expectedRev {
			return Document{}, errChanged(d.ID, expectedRev, d.Rev)
		}
		next, err := change(d, s.nowUTC())
		if err != nil {
			return Document{}, err
		}
		// A document indexed by older rules gets today's search text
		// with its next change.
		s.reindex(ctx, &next, nil)
		err = s.store.UpdateDocument(ctx, next, d.Rev)
		if err == nil {
			next.Rev = d.Rev + 1
			return next, nil
		}
		switch {
		case kerr.IsKind(err, kerr.NotFound):
			return Document{}, errDocNotFound(d.ID)
		case !kerr.IsKind(err, kerr.Conflict):
			return Document{}, storeErr("update document", err)
		case expectedRev != 0:
			return Document{}, kerr.Wrap(err, kerr.Conflict, "document_changed", msgDocumentChanged)
		}
		id := d.ID
		d, err = s.store.GetDocument(ctx, id)
		if err != nil {
			if kerr.IsKind(err, kerr.NotFound) {
				return Document{}, errDocNotFound(id)
			}
			return Document{}, storeErr("get document", err)
		}
	}
	return Document{}, kerr.New(kerr.Conflict, "document_changed", msgDocumentChanged,
		"document %s kept changing over %d attempts", d.ID, versionAttempts)
}

// version returns version n of d (0 = current).
func (s *Service) version(ctx context.Context, d Document, n int) (Version, error) {
	notFound := func() error {
		return kerr.New(kerr.NotFound, "version_not_found", "Không tìm thấy phiên bản giấy tờ.",
			"document %s has no version %d", d.ID, n)
	}
	if n == 0 || n == d.Current.N {
		return d.Current, nil
	}
	if n < 0 || n > d.VersionCount {
		return Version{}, notFound()
	}
	v, err := s.store.GetVersion(ctx, d.ID, n)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Version{}, notFound()
		}
		return Version{}, storeErr("get version", err)
	}
	return v, nil
}

// checkAccess bounds the free text an access carries into the ledger.
func checkAccess(acc Access) error {
	if err := checkText("purpose", acc.Purpose, maxPurposeRunes, "purpose_too_long", "Mục đích truy cập quá dài (tối đa 500 ký tự)."); err != nil {
		return err
	}
	return checkText("dossier", acc.Dossier, maxDossierRunes, "dossier_too_long", "Mã hồ sơ quá dài (tối đa 200 ký tự).")
}

// applyPatch returns m with p's non-nil fields set.
func applyPatch(m Metadata, p MetadataPatch) Metadata {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&m.TypeCode, p.TypeCode)
	set(&m.Name, p.Name)
	set(&m.Summary, p.Summary)
	set(&m.Number, p.Number)
	set(&m.Issuer, p.Issuer)
	set(&m.ValidityScope, p.ValidityScope)
	if p.IssueDate != nil {
		m.IssueDate = *p.IssueDate
	}
	if p.ValidFrom != nil {
		m.ValidFrom = *p.ValidFrom
	}
	if p.ValidUntil != nil {
		m.ValidUntil = *p.ValidUntil
	}
	if p.Permanent != nil {
		m.Permanent = *p.Permanent
	}
	if p.Status != nil {
		m.Status = *p.Status
	}
	if p.Fields != nil {
		m.Fields = *p.Fields
	}
	return m
}

// searchWords folds free text into at most maxSearchWords words.
func searchWords(text string) ([]string, error) {
	if !utf8.ValidString(text) {
		return nil, invalid("invalid_text", "Từ khóa tìm kiếm không đúng mã UTF-8.", "search text is not valid UTF-8")
	}
	words := strings.Fields(Fold(text))
	if len(words) > maxSearchWords {
		return nil, invalid("too_many_words", "Từ khóa tìm kiếm quá nhiều (tối đa 10 từ).", "%d words", len(words))
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) > maxWordRunes {
			return nil, invalid("word_too_long", "Từ khóa tìm kiếm quá dài (tối đa 100 ký tự).", "a word of %d characters", utf8.RuneCountInString(w))
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	return words, nil
}

// encodeCursor makes an opaque page cursor from the last document ID.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !ValidID(string(b)) {
		return "", invalid("invalid_cursor", "Con trỏ phân trang không hợp lệ; vui lòng tải lại danh sách.", "cursor %q is not one Kho made", c)
	}
	return string(b), nil
}

// pageLimit is n within 1..1000, def when n is not positive.
func pageLimit(n, def int) int {
	switch {
	case n <= 0:
		return def
	case n > 1000:
		return 1000
	}
	return n
}
