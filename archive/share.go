package archive

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Sharing with consent (chia sẻ giấy tờ): an owner lets one grantee — an
// agency or a person — see one version of one paper, for a stated
// purpose, until a day the owner chooses, and may take it back at any
// time. Every use is appended to the owner's ledger with the share, the
// grantee and the purpose.
//
// A share is pinned to one version (the current one when the owner does
// not name another): consent is given to what the owner saw when giving
// it, and a version the owner adds later is not shared without a new
// consent. The paper's status is the one exception: the grantee sees the
// paper's status today (valid, expired, revoked or superseded by its
// issuer), because a paper revoked since it was shared must not pass for
// a valid one.
//
// A share to an agency is used by the staff of that agency (a staff or
// admin token whose Agency is the grantee's code): they read the paper
// through the share without stating a purpose again — the share's purpose
// is the one the owner consented to, and it is the purpose written in the
// ledger, with the staff member as actor and the share named. Staff's
// existing right to read any paper for a stated purpose (Get, Open with
// Access) is unchanged; a share adds consent, it takes nothing away.

// GranteeKind says who a paper is shared with.
type GranteeKind string

// The grantee kinds.
const (
	GranteeAgency GranteeKind = "agency" // an agency, by its code (mã định danh cơ quan)
	GranteePerson GranteeKind = "person" // a person, by their 12-digit identity number
)

// Limits of a share.
const (
	// MaxShareYears is how far ahead a share may run: its ValidUntil is at
	// most this many years after the day it is made.
	MaxShareYears = 5
)

// Share is an owner's consent that a grantee may see one version of one
// paper, for a purpose, until the end of ValidUntil (Vietnam time).
type Share struct {
	ID          string      `json:"id"`
	DocumentID  string      `json:"documentId"`
	OwnerID     string      `json:"ownerId"`
	Version     int         `json:"version"` // the shared version
	GranteeKind GranteeKind `json:"granteeKind"`
	Grantee     string      `json:"grantee"` // agency code or identity number
	Purpose     string      `json:"purpose"`
	ValidUntil  Date        `json:"validUntil"` // the last day the share may be used
	// TypeCode and DocumentName are the paper's type and name when it was
	// shared: what the grantee's list of shares shows.
	TypeCode     string    `json:"typeCode"`
	DocumentName string    `json:"documentName"`
	CreatedAt    time.Time `json:"createdAt"`
	CreatedBy    string    `json:"createdBy"`
	// RevokedAt is set when the owner took the share back (zero until then).
	RevokedAt    time.Time `json:"revokedAt,omitzero"`
	RevokedBy    string    `json:"revokedBy,omitempty"`
	RevokeReason string    `json:"revokeReason,omitempty"`
}

// GranteeKey is the grantee as one string, "agency:<code>" or
// "person:<identity number>": the key stores index the grantee's shares by.
func (sh Share) GranteeKey() string { return GranteeKey(sh.GranteeKind, sh.Grantee) }

// GranteeKey joins a grantee's kind and identifier (Share.GranteeKey).
func GranteeKey(kind GranteeKind, id string) string { return string(kind) + ":" + id }

// ShareState is a share's state on a day.
type ShareState string

// The share states.
const (
	ShareActive  ShareState = "active"
	ShareExpired ShareState = "expired"
	ShareRevoked ShareState = "revoked"
)

// Label is the state as a person reads it.
func (s ShareState) Label() string {
	switch s {
	case ShareActive:
		return "Đang chia sẻ"
	case ShareExpired:
		return "Hết hạn chia sẻ"
	case ShareRevoked:
		return "Đã thu hồi chia sẻ"
	}
	return string(s)
}

// State is the share's state on day (Vietnam time): revoked once the
// owner took it back, expired after ValidUntil, active otherwise.
func (sh Share) State(day Date) ShareState {
	switch {
	case !sh.RevokedAt.IsZero():
		return ShareRevoked
	case sh.ValidUntil.Before(day):
		return ShareExpired
	}
	return ShareActive
}

// ShareInput is what an owner gives to share a paper.
type ShareInput struct {
	GranteeKind GranteeKind `json:"granteeKind"`
	Grantee     string      `json:"grantee"`
	Purpose     string      `json:"purpose"`
	ValidUntil  Date        `json:"validUntil"`
	Version     int         `json:"version,omitempty"` // 0 = the current version
}

// GivenQuery selects an owner's shares (ShareStore.ListSharesGiven).
type GivenQuery struct {
	OwnerID    string // required
	DocumentID string // "" = of every paper
	After      string // the ID of the last share of the previous page
	Limit      int    // 1..1000
}

// ShareCursor is a position in ListSharesReceived's order.
type ShareCursor struct {
	Until Date
	ID    string
}

// ReceivedQuery selects the active shares to one grantee
// (ShareStore.ListSharesReceived).
type ReceivedQuery struct {
	Grantee  string // GranteeKey
	ActiveOn Date   // shares with ValidUntil before it are left out
	After    ShareCursor
	Limit    int // 1..1000
}

// ShareStore keeps shares. Each change is one atomic change of one record.
type ShareStore interface {
	// CreateShare inserts sh. Conflict if sh.ID exists.
	CreateShare(ctx context.Context, sh Share) error
	// GetShare returns one share. NotFound if none.
	GetShare(ctx context.Context, id string) (Share, error)
	// RevokeShare sets RevokedAt, RevokedBy and RevokeReason of share id
	// in one atomic change guarded by "not revoked yet", and returns the
	// share as stored after it. NotFound if none; Conflict
	// "share_revoked" with nothing changed if it was revoked already, so
	// that of concurrent revocations exactly one applies.
	RevokeShare(ctx context.Context, id string, at time.Time, by, reason string) (Share, error)
	// ListSharesGiven returns q.OwnerID's shares (of q.DocumentID only,
	// when set), newest first (ID descending), with ID < q.After when it
	// is set, at most q.Limit, and whether more follow; revoked and
	// expired ones included. Served by an index on (owner, ID) or
	// (document, ID).
	ListSharesGiven(ctx context.Context, q GivenQuery) ([]Share, bool, error)
	// ListSharesReceived returns the shares to q.Grantee that are not
	// revoked and whose ValidUntil is on or after q.ActiveOn, ordered by
	// ValidUntil then ID, after q.After (zero: from the start), at most
	// q.Limit, and whether more follow. Served by an index on (grantee,
	// ValidUntil while not revoked, ID): revoked and expired shares are
	// not read.
	ListSharesReceived(ctx context.Context, q ReceivedQuery) ([]Share, bool, error)
}

// SharedDocument is what a grantee sees of a shared paper: the share, and
// the shared version with the paper's metadata as at that version — but
// the paper's status as of today.
type SharedDocument struct {
	Share      Share  `json:"share"`
	DocumentID string `json:"documentId"`
	OwnerID    string `json:"ownerId"`
	// Status is the paper's effective status today (valid, expired,
	// revoked, superseded); StatusChange says who revoked or replaced it.
	Status       Status        `json:"status"`
	StatusChange *StatusChange `json:"statusChange,omitempty"`
	IssuedBy     *IssuedBy     `json:"issuedBy,omitempty"`
	// Version is the shared version; Version.Meta is the metadata then.
	Version Version `json:"version"`
}

// SharePage is one page of shares; Next is "" on the last page.
type SharePage struct {
	Shares []Share `json:"shares"`
	Next   string  `json:"next,omitempty"`
}

// Messages of sharing.
const (
	msgShareNotFound  = "Không tìm thấy thông tin chia sẻ giấy tờ."
	msgShareOwnerOnly = "Chỉ chủ giấy tờ được chia sẻ giấy tờ và thu hồi chia sẻ."
)

func errShareNotFound(id string) error {
	return kerr.New(kerr.NotFound, "share_not_found", msgShareNotFound, "no share %q visible to the caller", id)
}

// errShareRevoked refuses a use of a share its owner revoked.
func errShareRevoked(sh Share) error {
	t := sh.RevokedAt.In(vietnam)
	return kerr.New(kerr.Permission, "share_revoked",
		"Chủ giấy tờ đã thu hồi việc chia sẻ giấy tờ này lúc "+t.Format("15:04:05")+" ngày "+DateOf(t).Vietnamese()+"; bạn không còn được xem giấy tờ.",
		"share %s was revoked at %s", sh.ID, sh.RevokedAt.Format(time.RFC3339))
}

// errShareExpired refuses a use of a share after its last day.
func errShareExpired(sh Share) error {
	return kerr.New(kerr.Permission, "share_expired",
		"Thời hạn chia sẻ giấy tờ đã hết (được xem đến hết ngày "+sh.ValidUntil.Vietnamese()+"); bạn không còn được xem giấy tờ.",
		"share %s was valid until %s", sh.ID, sh.ValidUntil)
}

// ShareDocument shares a paper (all its metadata and the bytes of one
// version) with a grantee, for in.Purpose, until in.ValidUntil. Only the
// paper's owner may (a citizen on their own paper; another citizen gets
// NotFound as for a paper that does not exist; staff and admin get
// Permission "share_owner_only"). The share is recorded in the owner's
// ledger (action share, naming the share and the grantee); when that
// record cannot be written the share is revoked again and the error
// returned, so that no share exists that the ledger does not show.
func (s *Service) ShareDocument(ctx context.Context, a Actor, documentID string, in ShareInput) (Share, error) {
	if err := shareOwnerOnly(a); err != nil {
		return Share{}, err
	}
	d, err := s.loadDoc(ctx, a, documentID)
	if err != nil {
		return Share{}, err
	}
	in, err = s.checkShareInput(a, in)
	if err != nil {
		return Share{}, err
	}
	v, err := s.version(ctx, d, in.Version)
	if err != nil {
		return Share{}, err
	}
	now := s.nowUTC()
	sh := Share{
		ID:           NewID(now),
		DocumentID:   d.ID,
		OwnerID:      d.OwnerID,
		Version:      v.N,
		GranteeKind:  in.GranteeKind,
		Grantee:      in.Grantee,
		Purpose:      in.Purpose,
		ValidUntil:   in.ValidUntil,
		TypeCode:     d.TypeCode,
		DocumentName: d.Name,
		CreatedAt:    now,
		CreatedBy:    a.Subject,
	}
	if err := s.store.CreateShare(ctx, sh); err != nil {
		return Share{}, storeErr("create share", err)
	}
	if err := s.recordShare(ctx, a, ActionShare, sh, sh.Purpose); err != nil {
		if _, rerr := s.store.RevokeShare(ctx, sh.ID, s.nowUTC(), a.Subject, "ledger entry not written"); rerr != nil {
			s.log.ErrorContext(ctx, "share not recorded in the ledger and not revoked again",
				"share", sh.ID, "owner", sh.OwnerID, "err", err, "revokeErr", rerr)
		}
		return Share{}, err
	}
	return sh, nil
}

// shareOwnerOnly refuses staff and admin: sharing is the owner's consent.
func shareOwnerOnly(a Actor) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role != RoleCitizen {
		return kerr.New(kerr.Permission, "share_owner_only", msgShareOwnerOnly, "role %q may not share or revoke shares: only the owner", a.Role)
	}
	return nil
}

// checkShareInput validates and normalises what an owner asks to share.
func (s *Service) checkShareInput(a Actor, in ShareInput) (ShareInput, error) {
	in.Grantee = strings.TrimSpace(in.Grantee)
	in.Purpose = strings.TrimSpace(in.Purpose)
	switch in.GranteeKind {
	case GranteeAgency:
		if !ValidAgencyCode(in.Grantee) {
			return in, invalid("invalid_grantee", "Mã định danh cơ quan được chia sẻ không hợp lệ (dạng 000.00.31.H29).",
				"grantee %q is not an agency code", in.Grantee)
		}
	case GranteePerson:
		if !ValidIdentityNumber(in.Grantee) {
			return in, invalid("invalid_grantee", "Số định danh cá nhân của người được chia sẻ không hợp lệ (12 chữ số).",
				"grantee %q is not a personal identity number", in.Grantee)
		}
		if in.Grantee == a.Subject {
			return in, invalid("share_with_self", "Không thể chia sẻ giấy tờ với chính mình.", "the owner %q is the grantee", a.Subject)
		}
	case "":
		return in, invalid("grantee_kind_required", "Cần chọn chia sẻ với cơ quan (agency) hay cá nhân (person).", "no grantee kind")
	default:
		return in, invalid("invalid_grantee_kind", "Đối tượng được chia sẻ phải là cơ quan (agency) hoặc cá nhân (person).",
			"grantee kind %q is not known", in.GranteeKind)
	}
	if in.Purpose == "" {
		return in, invalid("purpose_required", "Cần ghi rõ mục đích chia sẻ giấy tờ.", "a share needs a purpose")
	}
	if err := checkText("purpose", in.Purpose, maxPurposeRunes, "purpose_too_long", "Mục đích chia sẻ quá dài (tối đa 500 ký tự)."); err != nil {
		return in, err
	}
	if in.Version < 0 {
		return in, kerr.New(kerr.NotFound, "version_not_found", "Không tìm thấy phiên bản giấy tờ.", "version %d", in.Version)
	}
	today := s.today()
	last := DateOf(time.Date(today.Year+MaxShareYears, today.Month, today.Day, 0, 0, 0, 0, time.UTC))
	switch {
	case in.ValidUntil.IsZero():
		return in, invalid("valid_until_required", "Cần chọn ngày hết hạn chia sẻ.", "a share needs validUntil")
	case in.ValidUntil.Before(today):
		return in, invalid("valid_until_past",
			"Ngày hết hạn chia sẻ ("+in.ValidUntil.Vietnamese()+") đã qua; hãy chọn từ hôm nay ("+today.Vietnamese()+") trở đi.",
			"validUntil %s is before today %s", in.ValidUntil, today)
	case last.Before(in.ValidUntil):
		return in, invalid("valid_until_too_far",
			"Chỉ được chia sẻ tối đa 5 năm, đến hết ngày "+last.Vietnamese()+".",
			"validUntil %s is after %s", in.ValidUntil, last)
	}
	return in, nil
}

// RevokeShare takes a share back: from then on the grantee gets
// Permission "share_revoked". Only the owner may (another citizen gets
// NotFound "share_not_found"; staff and admin Permission
// "share_owner_only"); a share revoked already is Conflict
// "share_revoked". The reason is optional (withdrawing consent should be
// as easy as giving it) and bounded. The revocation is recorded in the
// owner's ledger; a failure to record it is logged, not returned: the
// share is revoked whatever the ledger says.
func (s *Service) RevokeShare(ctx context.Context, a Actor, id, reason string) (Share, error) {
	if err := shareOwnerOnly(a); err != nil {
		return Share{}, err
	}
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, maxPurposeRunes, "reason_too_long", "Lý do quá dài (tối đa 500 ký tự)."); err != nil {
		return Share{}, err
	}
	sh, err := s.ownShare(ctx, a, id)
	if err != nil {
		return Share{}, err
	}
	if !sh.RevokedAt.IsZero() {
		return Share{}, alreadyRevoked(sh)
	}
	sh, err = s.store.RevokeShare(ctx, id, s.nowUTC(), a.Subject, reason)
	if err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			if cur, gerr := s.store.GetShare(ctx, id); gerr == nil {
				return Share{}, alreadyRevoked(cur)
			}
		}
		return Share{}, storeErr("revoke share", err)
	}
	if err := s.recordShare(ctx, a, ActionUnshare, sh, reason); err != nil {
		s.log.ErrorContext(ctx, "ledger entry for a revoked share not written", "share", sh.ID, "owner", sh.OwnerID, "err", err)
	}
	return sh, nil
}

func alreadyRevoked(sh Share) error {
	t := sh.RevokedAt.In(vietnam)
	return kerr.New(kerr.Conflict, "share_revoked",
		"Việc chia sẻ này đã được thu hồi lúc "+t.Format("15:04:05")+" ngày "+DateOf(t).Vietnamese()+".",
		"share %s is revoked already", sh.ID)
}

// ownShare returns share id of a's, NotFound "share_not_found" for any
// other (a is a citizen).
func (s *Service) ownShare(ctx context.Context, a Actor, id string) (Share, error) {
	sh, err := s.getShare(ctx, id)
	if err != nil {
		return Share{}, err
	}
	if sh.OwnerID != a.Subject {
		return Share{}, errShareNotFound(id)
	}
	return sh, nil
}

func (s *Service) getShare(ctx context.Context, id string) (Share, error) {
	if !ValidID(id) {
		return Share{}, errShareNotFound(id)
	}
	sh, err := s.store.GetShare(ctx, id)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Share{}, errShareNotFound(id)
		}
		return Share{}, storeErr("get share", err)
	}
	return sh, nil
}

// isGrantee reports whether a is sh's grantee: the person themselves (a
// citizen token of that identity number), or staff or admin acting for
// the agency.
func isGrantee(a Actor, sh Share) bool {
	switch sh.GranteeKind {
	case GranteePerson:
		return a.Role == RoleCitizen && a.Subject == sh.Grantee
	case GranteeAgency:
		return a.Role != RoleCitizen && a.Agency != "" && a.Agency == sh.Grantee
	}
	return false
}

// granteeOf is the GranteeKey a receives shares as: a citizen as a person,
// staff and admin as their agency (Permission "not_agency_staff" for a
// token of no agency).
func granteeOf(a Actor) (string, error) {
	if a.Role == RoleCitizen {
		return GranteeKey(GranteePerson, a.Subject), nil
	}
	if a.Agency == "" {
		return "", kerr.New(kerr.Permission, "not_agency_staff", "Tài khoản cán bộ này không thuộc cơ quan nào nên không có giấy tờ được chia sẻ.",
			"actor %q acts for no agency", a.Subject)
	}
	return GranteeKey(GranteeAgency, a.Agency), nil
}

// GetShare returns one share to its owner or its grantee, whatever its
// state; to anyone else NotFound "share_not_found", as for a share that
// does not exist. Reading the share record shows what was shared, not
// the paper: it is not recorded in the ledger.
func (s *Service) GetShare(ctx context.Context, a Actor, id string) (Share, error) {
	if err := checkActor(a); err != nil {
		return Share{}, err
	}
	sh, err := s.getShare(ctx, id)
	if err != nil {
		return Share{}, err
	}
	if !(a.Role == RoleCitizen && sh.OwnerID == a.Subject) && !isGrantee(a, sh) {
		return Share{}, errShareNotFound(id)
	}
	return sh, nil
}

// usableShare returns share id when a is its grantee and it is active
// today: NotFound "share_not_found" for anyone else (the owner included:
// the owner reads the paper through the vault), Permission
// "share_revoked" or "share_expired" once it is no longer usable.
func (s *Service) usableShare(ctx context.Context, a Actor, id string) (Share, error) {
	if err := checkActor(a); err != nil {
		return Share{}, err
	}
	sh, err := s.getShare(ctx, id)
	if err != nil {
		return Share{}, err
	}
	if !isGrantee(a, sh) {
		return Share{}, errShareNotFound(id)
	}
	switch sh.State(s.today()) {
	case ShareRevoked:
		return Share{}, errShareRevoked(sh)
	case ShareExpired:
		return Share{}, errShareExpired(sh)
	}
	return sh, nil
}

// sharedDoc loads the paper and version of a usable share.
func (s *Service) sharedDoc(ctx context.Context, sh Share) (Document, Version, error) {
	d, err := s.store.GetDocument(ctx, sh.DocumentID)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Document{}, Version{}, errShareNotFound(sh.ID)
		}
		return Document{}, Version{}, storeErr("get document", err)
	}
	v, err := s.version(ctx, d, sh.Version)
	return d, v, err
}

// SharedDocument returns the paper of share id to its grantee while the
// share is active, and records the read in the owner's ledger (action
// read, the share and the grantee named, the share's purpose) before
// returning it: when the record cannot be written, nothing is returned.
func (s *Service) SharedDocument(ctx context.Context, a Actor, id string) (SharedDocument, error) {
	sh, err := s.usableShare(ctx, a, id)
	if err != nil {
		return SharedDocument{}, err
	}
	d, v, err := s.sharedDoc(ctx, sh)
	if err != nil {
		return SharedDocument{}, err
	}
	if err := s.recordUse(ctx, a, ActionRead, sh); err != nil {
		return SharedDocument{}, err
	}
	return SharedDocument{Share: sh, DocumentID: d.ID, OwnerID: d.OwnerID, Status: d.EffectiveStatus(s.today()),
		StatusChange: d.StatusChange, IssuedBy: d.IssuedBy, Version: v}, nil
}

// OpenShared opens the shared version of share id for its grantee while
// the share is active. As with Open, the first Read that gets bytes
// appends the download to the owner's ledger (the share and the grantee
// named, the share's purpose) before handing them out; a read that finds
// the ledger unwritable returns its error and no bytes. Content.Document
// holds the paper with the shared version's metadata and status of today.
func (s *Service) OpenShared(ctx context.Context, a Actor, id string) (*Content, error) {
	sh, err := s.usableShare(ctx, a, id)
	if err != nil {
		return nil, err
	}
	d, v, err := s.sharedDoc(ctx, sh)
	if err != nil {
		return nil, err
	}
	view := Document{ID: d.ID, OwnerID: d.OwnerID, Source: d.Source, Metadata: v.Meta, Current: v, IssuedBy: d.IssuedBy, StatusChange: d.StatusChange}
	view.Status = d.Status
	rs := &recordingReader{ctx: ctx, rs: s.blobs.NewReadSeeker(ctx, v.Blob, v.Size),
		record: func() error { return s.recordUse(ctx, a, ActionDownload, sh) }}
	return &Content{Document: view, Version: v, ReadSeekCloser: rs}, nil
}

// recordUse appends a grantee's use of share sh to the owner's ledger,
// with the share's purpose.
func (s *Service) recordUse(ctx context.Context, a Actor, action Action, sh Share) error {
	return s.recordShare(ctx, a, action, sh, sh.Purpose)
}

// recordShare appends an act on share sh — its creation, revocation or
// use by a — to the owner's ledger, naming the share and the grantee.
func (s *Service) recordShare(ctx context.Context, a Actor, action Action, sh Share, purpose string) error {
	_, err := s.appendLedger(ctx, LedgerEntry{
		Chain: sh.OwnerID, Actor: a.Subject, ActorRole: a.Role, Action: action,
		DocumentID: sh.DocumentID, Version: sh.Version, Purpose: purpose,
		Share: sh.ID, Grantee: sh.GranteeKey(),
	})
	return err
}

// SharesGiven lists the owner's shares — of one paper when documentID is
// set (NotFound "document_not_found" for a paper not the owner's) —
// newest first, revoked and expired ones included. Only the owner may
// (staff and admin: Permission "share_owner_only"). cursor is the
// previous page's Next.
func (s *Service) SharesGiven(ctx context.Context, a Actor, documentID, cursor string, limit int) (SharePage, error) {
	if err := shareOwnerOnly(a); err != nil {
		return SharePage{}, err
	}
	q := GivenQuery{OwnerID: a.Subject, Limit: pageLimit(limit, 50)}
	if documentID != "" {
		d, err := s.loadDoc(ctx, a, documentID)
		if err != nil {
			return SharePage{}, err
		}
		q.DocumentID = d.ID
	}
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return SharePage{}, err
		}
		q.After = after
	}
	shs, more, err := s.store.ListSharesGiven(ctx, q)
	return sharePage(shs, more, err, func(last Share) string { return encodeCursor(last.ID) })
}

// sharePage is a page of shares a store listed, with the cursor of the
// next page made from its last share when more follow.
func sharePage(shs []Share, more bool, err error, next func(last Share) string) (SharePage, error) {
	if err != nil {
		return SharePage{}, storeErr("list shares", err)
	}
	p := SharePage{Shares: shs}
	if p.Shares == nil {
		p.Shares = []Share{}
	}
	if more && len(shs) > 0 {
		p.Next = next(shs[len(shs)-1])
	}
	return p, nil
}

// SharesReceived lists the shares to a — a citizen as a person, staff and
// admin as their agency (Permission "not_agency_staff" without one) —
// that are active today, the soonest to end first. The list shows each
// share's paper by type and name as shared; reading the paper itself
// goes through SharedDocument and OpenShared, which the ledger records.
func (s *Service) SharesReceived(ctx context.Context, a Actor, cursor string, limit int) (SharePage, error) {
	if err := checkActor(a); err != nil {
		return SharePage{}, err
	}
	g, err := granteeOf(a)
	if err != nil {
		return SharePage{}, err
	}
	q := ReceivedQuery{Grantee: g, ActiveOn: s.today(), Limit: pageLimit(limit, 50)}
	if cursor != "" {
		if q.After, err = decodeShareCursor(cursor); err != nil {
			return SharePage{}, err
		}
	}
	shs, more, err := s.store.ListSharesReceived(ctx, q)
	return sharePage(shs, more, err, func(last Share) string {
		return encodeShareCursor(ShareCursor{Until: last.ValidUntil, ID: last.ID})
	})
}

// encodeShareCursor makes an opaque cursor of a received-shares position.
func encodeShareCursor(c ShareCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Until.String() + "/" + c.ID))
}

func decodeShareCursor(c string) (ShareCursor, error) {
	bad := invalid("invalid_cursor", "Con trỏ phân trang không hợp lệ; vui lòng tải lại danh sách.", "cursor %q is not one Kho made", c)
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return ShareCursor{}, bad
	}
	day, id, ok := strings.Cut(string(b), "/")
	if !ok || !ValidID(id) {
		return ShareCursor{}, bad
	}
	d, err := ParseDate(day)
	if err != nil || d.IsZero() {
		return ShareCursor{}, bad
	}
	return ShareCursor{Until: d, ID: id}, nil
}
