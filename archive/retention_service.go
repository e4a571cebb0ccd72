package archive

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// RetentionJobActor is the subject the retention job acts as.
const RetentionJobActor = "system:retention"

// indexLag keeps the retention job's walk this far behind the newest
// document IDs: IDs sort by creation time only to the clocks of the
// processes that made them, and a walk that went past an ID before it was
// committed would never come back to it.
const indexLag = 2 * time.Minute

// permanentLock is how far ahead the object lock of a permanent paper is
// set (S3 has no "for ever"; GOVERNANCE mode lets an operator with the
// bypass right extend or lift it).
const permanentLockYears = 100

const (
	maxHoldReason    = 1000
	maxHoldReference = 200
)

func checkArchivist(a Actor) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role != RoleStaff && a.Role != RoleAdmin {
		return kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "role %q may not manage retention", a.Role)
	}
	return nil
}

// SetRetention sets the retention period of a document type (admin). r
// nil keeps its papers for ever. Papers indexed before keep the date
// computed then until the retention job meets them again: a longer period
// is applied when they fall due (they are never disposed early); a
// shorter one when an operator runs ReapplyRetention.
func (s *Service) SetRetention(ctx context.Context, a Actor, code string, r *Retention) (DocumentType, error) {
	if err := checkAdmin(a); err != nil {
		return DocumentType{}, err
	}
	if err := checkRetention(r); err != nil {
		return DocumentType{}, err
	}
	t, err := s.store.GetDocumentType(ctx, code)
	if err != nil {
		return DocumentType{}, storeErr("get document type", err)
	}
	t.Retention = r
	return s.PutDocumentType(ctx, a, t)
}

// retentionOf computes the record of an agency record d under type t.
func (s *Service) retentionOf(d Document, t *Retention) RetentionRecord {
	base := RetentionBase(d)
	until, perm := RetainUntil(t, base)
	return RetentionRecord{DocumentID: d.ID, OwnerID: d.OwnerID, TypeCode: d.TypeCode, Source: d.Source, Name: d.Name,
		Base: base, RetainUntil: until, Permanent: perm, State: RetentionKept, UpdatedAt: s.nowUTC()}
}

// typeRetentions caches the catalogue's periods for one run.
type typeRetentions struct {
	s     *Service
	types map[string]*Retention
}

func (s *Service) newTypeRetentions() *typeRetentions {
	return &typeRetentions{s: s, types: map[string]*Retention{}}
}

func (tr *typeRetentions) get(ctx context.Context, code string) (*Retention, error) {
	if r, ok := tr.types[code]; ok {
		return r, nil
	}
	t, err := tr.s.store.GetDocumentType(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		tr.types[code] = nil
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("get document type", err)
	}
	tr.types[code] = t.Retention
	return t.Retention, nil
}

// ensureRetention returns d's record, making it (and locking its blobs)
// when there is none.
func (s *Service) ensureRetention(ctx context.Context, d Document, tr *typeRetentions) (RetentionRecord, error) {
	r, err := s.store.GetRetention(ctx, d.ID)
	if err == nil {
		return r, nil
	}
	if !kerr.IsKind(err, kerr.NotFound) {
		return r, storeErr("get retention", err)
	}
	period, err := tr.get(ctx, d.TypeCode)
	if err != nil {
		return r, err
	}
	r = s.retentionOf(d, period)
	r.LockedUntil, err = s.lockBlobs(ctx, d, r)
	if err != nil {
		return r, err
	}
	err = s.store.PutRetention(ctx, r, 0)
	if kerr.IsKind(err, kerr.Conflict) {
		return s.store.GetRetention(ctx, d.ID)
	}
	if err != nil {
		return r, storeErr("put retention", err)
	}
	r.Rev = 1
	return r, nil
}

// IndexReport says what one step of the retention job did.
type IndexReport struct {
	Walked  int    `json:"walked"`
	Indexed int    `json:"indexed"`
	Next    string `json:"next"` // the cursor to pass next time
}

// IndexRetention walks at most limit documents after the cursor (in ID
// order, over every owner) and gives each agency record (Retained) its
// retention record with RetainUntil computed from its type, and its blobs
// an object lock until then when the bucket supports it. Documents made
// in the last indexLag are left for the next run. Idempotent.
func (s *Service) IndexRetention(ctx context.Context, after string, limit int) (IndexReport, error) {
	rep := IndexReport{Next: after}
	docs, err := s.store.DocumentsAfter(ctx, after, limit)
	if err != nil {
		return rep, storeErr("walk documents", err)
	}
	horizon := NewID(s.now().Add(-indexLag))[:10]
	tr := s.newTypeRetentions()
	for _, d := range docs {
		if d.ID[:min(10, len(d.ID))] >= horizon {
			break
		}
		rep.Walked++
		if Retained(d.Source) {
			if _, err := s.store.GetRetention(ctx, d.ID); kerr.IsKind(err, kerr.NotFound) {
				if _, err := s.ensureRetention(ctx, d, tr); err != nil {
					return rep, err
				}
				rep.Indexed++
			} else if err != nil {
				return rep, storeErr("get retention", err)
			}
		}
		rep.Next = d.ID
	}
	return rep, nil
}

// ProposeReport says what one proposal step did.
type ProposeReport struct {
	List     string `json:"list,omitempty"`
	Proposed int    `json:"proposed"`
	Extended int    `json:"extended"` // due by the old period, kept longer by the type's current one
}

// ProposeDisposal puts at most limit papers whose RetainUntil has passed
// (before today, Vietnam) and that are not held into the open draft
// disposal list (made when there is none, or the newest is full). It reads
// one range of the due index; each paper is re-checked against its type's
// current period first. Idempotent: a crash between adding an item to the
// list and marking its record leaves the item, which the next run finds
// there and does not add again.
func (s *Service) ProposeDisposal(ctx context.Context, limit int) (ProposeReport, error) {
	var rep ProposeReport
	today := s.today()
	yesterday := DateOf(time.Date(today.Year, today.Month, today.Day-1, 0, 0, 0, 0, time.UTC))
	due, err := s.store.DueRetention(ctx, yesterday, DueCursor{}, limit)
	if err != nil || len(due) == 0 {
		return rep, storeErr("due retention", err)
	}
	l, err := s.store.OpenDisposalDraft(ctx)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return rep, storeErr("open disposal draft", err)
	}
	if err != nil || len(l.Items) >= MaxDisposalItems {
		now := s.nowUTC()
		l = DisposalList{ID: NewID(now), State: DisposalDraft, CreatedAt: now, UpdatedAt: now}
		if err := s.store.CreateDisposalList(ctx, l); err != nil {
			return rep, storeErr("create disposal list", err)
		}
		l.Rev = 1
	}
	rep.List = l.ID
	on := map[string]bool{}
	for _, it := range l.Items {
		on[it.DocumentID] = true
	}
	tr := s.newTypeRetentions()
	var add []RetentionRecord
	for _, r := range due {
		if len(l.Items)+len(add) >= MaxDisposalItems {
			break
		}
		period, err := tr.get(ctx, r.TypeCode)
		if err != nil {
			return rep, err
		}
		until, perm := RetainUntil(period, r.Base)
		if perm || !until.Before(today) {
			// The type's period is longer now: keep the paper until then.
			r.RetainUntil, r.Permanent, r.UpdatedAt = until, perm, s.nowUTC()
			if err := s.store.PutRetention(ctx, r, r.Rev); err != nil && !kerr.IsKind(err, kerr.Conflict) {
				return rep, storeErr("extend retention", err)
			}
			rep.Extended++
			continue
		}
		add = append(add, r)
	}
	changed := false
	for _, r := range add {
		if !on[r.DocumentID] {
			l.Items = append(l.Items, DisposalItem{DocumentID: r.DocumentID, OwnerID: r.OwnerID, TypeCode: r.TypeCode,
				Name: r.Name, RetainUntil: r.RetainUntil})
			changed = true
		}
	}
	if changed {
		l.UpdatedAt = s.nowUTC()
		if err := s.store.UpdateDisposalList(ctx, l, l.Rev); err != nil {
			return rep, storeErr("update disposal list", err)
		}
		l.Rev++
	}
	for _, r := range add {
		r.State, r.ListID, r.UpdatedAt = RetentionProposed, l.ID, s.nowUTC()
		if err := s.store.PutRetention(ctx, r, r.Rev); err != nil {
			if kerr.IsKind(err, kerr.Conflict) {
				continue // held or changed meanwhile: execution re-checks it
			}
			return rep, storeErr("mark proposed", err)
		}
		rep.Proposed++
	}
	return rep, nil
}

// RetentionOf returns a paper's retention record (staff), making it if
// the paper is an agency record not indexed yet. NotFound for a paper
// retention does not apply to.
func (s *Service) RetentionOf(ctx context.Context, a Actor, documentID string) (RetentionRecord, error) {
	if err := checkArchivist(a); err != nil {
		return RetentionRecord{}, err
	}
	r, err := s.store.GetRetention(ctx, documentID)
	if err == nil || !kerr.IsKind(err, kerr.NotFound) {
		return r, storeErr("get retention", err)
	}
	d, err := s.store.GetDocument(ctx, documentID)
	if kerr.IsKind(err, kerr.NotFound) {
		return r, errDocNotFound(documentID)
	}
	if err != nil {
		return r, storeErr("get document", err)
	}
	if !Retained(d.Source) {
		return r, kerr.New(kerr.Invalid, "retention_not_applicable",
			"Giấy tờ do công dân tự tải lên không phải hồ sơ lưu trữ của cơ quan; không áp dụng thời hạn lưu trữ.",
			"document %s has source %q: not an agency record", d.ID, d.Source)
	}
	return s.ensureRetention(ctx, d, s.newTypeRetentions())
}

// PlaceHold places a legal hold on a paper (staff: the portal and the CLI
// let only archivists and admins). Conflict "already_held" if it is held.
// The hold is recorded in the paper's record and in its owner's ledger.
func (s *Service) PlaceHold(ctx context.Context, a Actor, documentID, reason, reference string) (RetentionRecord, error) {
	reason, reference = strings.TrimSpace(reason), strings.TrimSpace(reference)
	if err := checkHoldText(reason, reference); err != nil {
		return RetentionRecord{}, err
	}
	r, err := s.RetentionOf(ctx, a, documentID)
	if err != nil {
		return r, err
	}
	switch r.State {
	case RetentionHeld:
		return r, kerr.New(kerr.Conflict, "already_held", "Giấy tờ này đang bị phong tỏa.", "document %s is held already", documentID)
	case RetentionDisposed:
		return r, kerr.New(kerr.Conflict, "disposed", "Giấy tờ này đã bị hủy.", "document %s was disposed of", documentID)
	}
	now := s.nowUTC()
	r.State = RetentionHeld // a proposed paper keeps its ListID: execution sees the hold and keeps it
	r.Hold = &Hold{Reason: reason, Reference: reference, By: a.Subject, At: now}
	r.Holds = appendHoldEvent(r.Holds, HoldEvent{Placed: true, Reason: reason, Reference: reference, By: a.Subject, At: now})
	r.UpdatedAt = now
	if err := s.store.PutRetention(ctx, r, r.Rev); err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			return r, errRetentionChanged("the paper's retention")
		}
		return r, storeErr("place hold", err)
	}
	r.Rev++
	err = s.recordRetention(ctx, a, ActionHold, r, reason)
	return r, err
}

// LiftHold lifts a paper's legal hold with a reason. Conflict "not_held"
// if it is not held. The paper goes back under its period (off any list).
func (s *Service) LiftHold(ctx context.Context, a Actor, documentID, reason string) (RetentionRecord, error) {
	reason = strings.TrimSpace(reason)
	if err := checkHoldText(reason, ""); err != nil {
		return RetentionRecord{}, err
	}
	r, err := s.RetentionOf(ctx, a, documentID)
	if err != nil {
		return r, err
	}
	if r.State != RetentionHeld {
		return r, kerr.New(kerr.Conflict, "not_held", "Giấy tờ này không bị phong tỏa.", "document %s is not held", documentID)
	}
	now := s.nowUTC()
	r.State, r.Hold, r.ListID, r.UpdatedAt = RetentionKept, nil, "", now
	r.Holds = appendHoldEvent(r.Holds, HoldEvent{Reason: reason, By: a.Subject, At: now})
	if err := s.store.PutRetention(ctx, r, r.Rev); err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			return r, errRetentionChanged("the paper's retention")
		}
		return r, storeErr("lift hold", err)
	}
	r.Rev++
	err = s.recordRetention(ctx, a, ActionRelease, r, reason)
	return r, err
}

func checkHoldText(reason, reference string) error {
	if reason == "" {
		return invalid("reason_required", "Cần ghi rõ lý do.", "a hold change needs a reason")
	}
	if err := checkText("reason", reason, maxHoldReason, "reason_too_long", "Lý do quá dài (tối đa 1000 ký tự)."); err != nil {
		return err
	}
	return checkText("reference", reference, maxHoldReference, "reference_too_long", "Số quyết định phong tỏa quá dài (tối đa 200 ký tự).")
}

func appendHoldEvent(evs []HoldEvent, e HoldEvent) []HoldEvent {
	evs = append(evs, e)
	if len(evs) > MaxHoldEvents {
		evs = evs[len(evs)-MaxHoldEvents:]
	}
	return evs
}

// recordRetention appends a retention act to the paper's owner's ledger.
func (s *Service) recordRetention(ctx context.Context, a Actor, action Action, r RetentionRecord, purpose string) error {
	if len([]rune(purpose)) > 500 {
		purpose = string([]rune(purpose)[:500])
	}
	err := s.record(ctx, a, action, Document{ID: r.DocumentID, OwnerID: r.OwnerID}, 0, Access{Purpose: purpose})
	return storeErr("record "+string(action), err)
}

// HeldPapers lists the papers under a legal hold (staff), in document ID
// order after the cursor.
func (s *Service) HeldPapers(ctx context.Context, a Actor, after string, limit int) ([]RetentionRecord, error) {
	if err := checkArchivist(a); err != nil {
		return nil, err
	}
	rs, err := s.store.RetentionByState(ctx, RetentionHeld, after, limit)
	return rs, storeErr("held papers", err)
}

// DisposalLists lists disposal lists, newest first (staff).
func (s *Service) DisposalLists(ctx context.Context, a Actor, before string, limit int) ([]DisposalList, bool, error) {
	if err := checkArchivist(a); err != nil {
		return nil, false, err
	}
	ls, more, err := s.store.ListDisposalLists(ctx, before, limit)
	return ls, more, storeErr("disposal lists", err)
}

// DisposalList returns one list (staff).
func (s *Service) DisposalList(ctx context.Context, a Actor, id string) (DisposalList, error) {
	if err := checkArchivist(a); err != nil {
		return DisposalList{}, err
	}
	l, err := s.store.GetDisposalList(ctx, id)
	if kerr.IsKind(err, kerr.NotFound) {
		return l, kerr.New(kerr.NotFound, "disposal_list_not_found", "Không tìm thấy danh mục hủy.", "no disposal list %q", id)
	}
	return l, storeErr("get disposal list", err)
}

// SubmitDisposal submits a draft list for approval (staff): the submitter
// takes responsibility for its content and may not approve it.
func (s *Service) SubmitDisposal(ctx context.Context, a Actor, id string, expectedRev int64) (DisposalList, error) {
	l, err := s.DisposalList(ctx, a, id)
	if err != nil {
		return l, err
	}
	if l.State != DisposalDraft {
		return l, errListState(l, "submit")
	}
	if len(l.Items) == 0 {
		return l, invalid("disposal_list_empty", "Danh mục hủy chưa có giấy tờ nào.", "disposal list %s is empty", id)
	}
	now := s.nowUTC()
	l.State, l.SubmittedBy, l.SubmittedAt, l.UpdatedAt = DisposalSubmitted, a.Subject, now, now
	return l, s.updateList(ctx, &l, expectedRev)
}

// DecideDisposal approves or rejects a submitted list (staff). The four-
// eyes rule: the person who submitted it may not decide it (Permission
// "four_eyes"). A rejection needs a reason and returns its papers to
// retention (off the list) for the next proposal.
func (s *Service) DecideDisposal(ctx context.Context, a Actor, id string, expectedRev int64, approve bool, reason string) (DisposalList, error) {
	reason = strings.TrimSpace(reason)
	l, err := s.DisposalList(ctx, a, id)
	if err != nil {
		return l, err
	}
	if l.State != DisposalSubmitted {
		return l, errListState(l, "decide")
	}
	if a.Subject == l.SubmittedBy {
		return l, kerr.New(kerr.Permission, "four_eyes",
			"Người lập danh mục hủy không được tự phê duyệt; cần một lãnh đạo hoặc cán bộ lưu trữ khác phê duyệt.",
			"%s submitted disposal list %s and may not decide it", a.Subject, id)
	}
	if !approve && reason == "" {
		return l, invalid("reason_required", "Cần ghi rõ lý do từ chối.", "a rejection needs a reason")
	}
	if err := checkText("reason", reason, maxHoldReason, "reason_too_long", "Lý do quá dài (tối đa 1000 ký tự)."); err != nil {
		return l, err
	}
	now := s.nowUTC()
	l.State = DisposalApproved
	if !approve {
		l.State = DisposalRejected
	}
	l.DecidedBy, l.DecidedAt, l.Reason, l.UpdatedAt = a.Subject, now, reason, now
	if err := s.updateList(ctx, &l, expectedRev); err != nil {
		return l, err
	}
	if !approve {
		for _, it := range l.Items {
			if err := s.unpropose(ctx, it.DocumentID, l.ID); err != nil {
				return l, err
			}
		}
	}
	return l, nil
}

// unpropose takes a paper off list listID (back to RetentionKept).
func (s *Service) unpropose(ctx context.Context, docID, listID string) error {
	r, err := s.store.GetRetention(ctx, docID)
	if kerr.IsKind(err, kerr.NotFound) {
		return nil
	}
	if err != nil {
		return storeErr("get retention", err)
	}
	if r.State != RetentionProposed || r.ListID != listID {
		return nil
	}
	r.State, r.ListID, r.UpdatedAt = RetentionKept, "", s.nowUTC()
	if err := s.store.PutRetention(ctx, r, r.Rev); err != nil && !kerr.IsKind(err, kerr.Conflict) {
		return storeErr("unpropose", err)
	}
	return nil
}

func errListState(l DisposalList, op string) error {
	return kerr.New(kerr.Conflict, "disposal_list_state",
		"Danh mục hủy đang ở trạng thái «"+l.State.Label()+"»; không thực hiện được thao tác này.",
		"disposal list %s is %s: cannot %s", l.ID, l.State, op)
}

func (s *Service) updateList(ctx context.Context, l *DisposalList, expectedRev int64) error {
	if expectedRev != 0 && expectedRev != l.Rev {
		return errRetentionChanged("the disposal list")
	}
	err := s.store.UpdateDisposalList(ctx, *l, l.Rev)
	if kerr.IsKind(err, kerr.Conflict) {
		return errRetentionChanged("the disposal list")
	}
	if err != nil {
		return storeErr("update disposal list", err)
	}
	l.Rev++
	return nil
}

// ExecuteDisposal disposes of each paper of an approved list (staff), and
// marks the list executed. For each item it re-checks the paper's record:
// a paper held since, or no longer on this list, is kept (its outcome
// says why). A disposal deletes the document and its versions, keeps a
// tombstone in its retention record (what, when, under which list, its
// blobs), gives back its usage, records it in the owner's ledger, and
// releases its blobs to the collector (an upload intent naming them):
// after the grace period the collector deletes each blob that nothing
// references any more (inUse), and keeps the others. Running it again
// after a crash finishes what was left; a finished list is not run twice.
func (s *Service) ExecuteDisposal(ctx context.Context, a Actor, id string) (DisposalList, error) {
	l, err := s.DisposalList(ctx, a, id)
	if err != nil {
		return l, err
	}
	if l.State != DisposalApproved {
		return l, errListState(l, "execute")
	}
	for i := range l.Items {
		if l.Items[i].Outcome != "" {
			continue
		}
		out, err := s.disposeItem(ctx, a, l, l.Items[i])
		if err != nil {
			return l, err
		}
		l.Items[i].Outcome = out
		l.UpdatedAt = s.nowUTC()
		if err := s.updateList(ctx, &l, 0); err != nil {
			return l, err
		}
	}
	now := s.nowUTC()
	l.State, l.ExecutedBy, l.ExecutedAt, l.UpdatedAt = DisposalExecuted, a.Subject, now, now
	return l, s.updateList(ctx, &l, 0)
}

// disposeItem disposes of one paper of list l (see ExecuteDisposal).
func (s *Service) disposeItem(ctx context.Context, a Actor, l DisposalList, it DisposalItem) (DisposalOutcome, error) {
	r, err := s.store.GetRetention(ctx, it.DocumentID)
	if kerr.IsKind(err, kerr.NotFound) {
		return OutcomeChanged, nil
	}
	if err != nil {
		return "", storeErr("get retention", err)
	}
	switch {
	case r.State == RetentionDisposed && r.Disposal != nil && r.Disposal.List == l.ID:
		return OutcomeDisposed, s.finishDisposal(ctx, r) // a run that stopped midway
	case r.State == RetentionHeld:
		return OutcomeHeld, nil
	case r.State != RetentionProposed || r.ListID != l.ID || r.Permanent || !r.RetainUntil.Before(s.today()):
		return OutcomeChanged, nil
	}
	d, err := s.store.GetDocument(ctx, r.DocumentID)
	var vs []Version
	switch {
	case kerr.IsKind(err, kerr.NotFound):
	case err != nil:
		return "", storeErr("get document", err)
	default:
		if vs, err = s.store.ListVersions(ctx, d.ID); err != nil && !kerr.IsKind(err, kerr.NotFound) {
			return "", storeErr("list versions", err)
		}
	}
	tomb := &Disposal{List: l.ID, By: a.Subject, At: s.nowUTC(), Name: r.Name, Versions: len(vs)}
	for _, v := range vs {
		tomb.Blobs = appendUnique(tomb.Blobs, v.Blob)
		if v.Signature != nil && v.Signature.Report != "" {
			tomb.Blobs = appendUnique(tomb.Blobs, v.Signature.Report)
		}
		if v.Change != "metadata" {
			tomb.Bytes += v.Size
		}
	}
	// The usage first, under a charge key of its own: charging it again
	// after a crash changes nothing (UploadStore.ChargeUpload).
	if err == nil {
		if err := s.store.ChargeUpload(ctx, r.OwnerID, disposalCharge(r.DocumentID), -tomb.Bytes, -1, 0); err != nil && !kerr.IsKind(err, kerr.NotFound) {
			return "", storeErr("give back usage", err)
		}
	}
	if err := s.recordRetention(ctx, a, ActionDispose, r, "Danh mục hủy "+l.ID); err != nil {
		return "", err
	}
	r.State, r.Disposal, r.Hold, r.UpdatedAt = RetentionDisposed, tomb, nil, s.nowUTC()
	if err := s.store.PutRetention(ctx, r, r.Rev); err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			// Held (or changed) between the read and now: keep it. The
			// usage given back is charged again.
			_ = s.store.SettleUpload(ctx, r.OwnerID, disposalCharge(r.DocumentID), true)
			return OutcomeChanged, nil
		}
		return "", storeErr("mark disposed", err)
	}
	return OutcomeDisposed, s.finishDisposal(ctx, r)
}

// finishDisposal deletes the disposed document, releases its blobs to the
// collector and settles the usage given back. Each step is idempotent.
func (s *Service) finishDisposal(ctx context.Context, r RetentionRecord) error {
	if err := s.store.DeleteDocument(ctx, r.DocumentID); err != nil {
		return storeErr("delete document", err)
	}
	if len(r.Disposal.Blobs) > 0 {
		now := s.nowUTC()
		in := UploadIntent{ID: NewID(now), OwnerID: r.OwnerID, DocumentID: r.DocumentID, Actor: RetentionJobActor,
			Blobs: r.Disposal.Blobs, CreatedAt: now}
		if err := s.store.BeginUpload(ctx, in, 0); err != nil {
			return storeErr("release blobs", err)
		}
		for _, h := range r.Disposal.Blobs {
			if err := s.store.ClaimBlob(ctx, in.ID, h); err != nil {
				return storeErr("release blob", err)
			}
		}
	}
	if err := s.store.KeepUploads(ctx, r.OwnerID, []string{disposalCharge(r.DocumentID)}); err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return storeErr("settle usage", err)
	}
	return nil
}

// disposalCharge is the key under which a disposal gives back a paper's
// usage.
func disposalCharge(docID string) string { return "d" + docID }

func appendUnique(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// OwnerHolds is what one page of HoldOwner did.
type OwnerHolds struct {
	Held    int    `json:"held"`    // holds placed
	Already int    `json:"already"` // agency records held before
	Next    string `json:"next"`    // the cursor of the next page ("" when done)
}

// HoldOwner places the same legal hold on every agency record of an
// owner's vault (a court or inspectorate order about a person), one page
// of at most limit papers (1..1000) after the cursor per call, through
// the owner's document index; the caller repeats with Next until it is
// "". Papers held already are counted, not changed; a citizen's own
// uploads are skipped. Each hold is its own record change and ledger
// entry, so a call stopped midway is finished by calling again.
func (s *Service) HoldOwner(ctx context.Context, a Actor, ownerID, reason, reference, after string, limit int) (OwnerHolds, error) {
	var rep OwnerHolds
	if err := checkArchivist(a); err != nil {
		return rep, err
	}
	reason, reference = strings.TrimSpace(reason), strings.TrimSpace(reference)
	if err := checkHoldText(reason, reference); err != nil {
		return rep, err
	}
	docs, more, err := s.store.ListDocuments(ctx, DocQuery{OwnerID: ownerID, After: after, Limit: limit})
	if err != nil {
		return rep, storeErr("list documents", err)
	}
	for _, d := range docs {
		if !Retained(d.Source) {
			continue
		}
		_, err := s.PlaceHold(ctx, a, d.ID, reason, reference)
		switch code, _ := kerr.Public(err); {
		case err == nil:
			rep.Held++
		case code == "already_held" || code == "disposed":
			rep.Already++
		default:
			return rep, err
		}
	}
	if more && len(docs) > 0 {
		rep.Next = docs[len(docs)-1].ID
	}
	return rep, nil
}
