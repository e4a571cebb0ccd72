package archive

import (
	"strconv"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Retention (thời hạn lưu trữ, 2025 item 28.6) is how long the papers of
// one document type are kept as agency records: for ever (Permanent), or
// Years full years from the paper's issue date (else from the day it was
// stored). A type without a Retention keeps its papers for ever: nothing
// is disposed that nobody gave a period.
type Retention struct {
	Permanent bool `json:"permanent,omitempty"`
	Years     int  `json:"years,omitempty"`
}

// MaxRetentionYears bounds Retention.Years.
const MaxRetentionYears = 200

// Label is the period as a person reads it: "Vĩnh viễn" or "N năm".
func (r *Retention) Label() string {
	if r == nil || r.Permanent || r.Years == 0 {
		return "Vĩnh viễn"
	}
	return strconv.Itoa(r.Years) + " năm"
}

// checkRetention validates a type's Retention (nil is "for ever").
func checkRetention(r *Retention) error {
	if r == nil {
		return nil
	}
	if r.Permanent && r.Years != 0 {
		return invalid("retention_invalid", "Thời hạn lưu trữ chỉ được là vĩnh viễn hoặc một số năm, không cả hai.",
			"retention is both permanent and %d years", r.Years)
	}
	if !r.Permanent && (r.Years < 1 || r.Years > MaxRetentionYears) {
		return invalid("retention_invalid", "Thời hạn lưu trữ phải từ 1 đến 200 năm, hoặc vĩnh viễn.",
			"retention years %d outside 1..%d", r.Years, MaxRetentionYears)
	}
	return nil
}

// RetainUntil is the last day a paper of a type with retention r must be
// kept, counted from base: base plus r.Years years. A period from 29
// February ends on 1 March of a year that has no 29 February (the paper is
// kept one day longer rather than one day shorter). permanent reports
// that there is no last day (r nil or Permanent).
func RetainUntil(r *Retention, base Date) (until Date, permanent bool) {
	if r == nil || r.Permanent || r.Years == 0 || base.IsZero() {
		return Date{}, true
	}
	t := time.Date(base.Year+r.Years, base.Month, base.Day, 0, 0, 0, 0, time.UTC)
	return DateOf(t), false
}

// RetentionBase is the day a paper's retention counts from: its issue
// date, else the day it was stored (in Vietnam).
func RetentionBase(d Document) Date {
	if !d.IssueDate.IsZero() {
		return d.IssueDate
	}
	return DateOf(d.CreatedAt.In(vietnam))
}

// Retained reports whether papers of source src are agency records that
// retention applies to. A citizen's own uploads and papers imported from
// another vault are theirs, not the agency's: the agency never disposes
// of them (the citizen deletes their own papers). Results, digitised
// papers, dossier components and the files of refused dossiers are the
// agency's records and are kept, then disposed of, by their type's period.
func Retained(src Source) bool {
	switch src {
	case SourceResult, SourceDigitised, SourceComponent, SourceRejected:
		return true
	}
	return false
}

// RetentionState is where a paper stands in its retention.
type RetentionState string

// The retention states.
const (
	// RetentionKept: under retention (or its period passed and it is not
	// proposed yet).
	RetentionKept RetentionState = "kept"
	// RetentionHeld: a legal hold stops its disposal.
	RetentionHeld RetentionState = "held"
	// RetentionProposed: on a disposal list (ListID).
	RetentionProposed RetentionState = "proposed"
	// RetentionDisposed: disposed of; the record is its tombstone.
	RetentionDisposed RetentionState = "disposed"
)

// Label is the state in Vietnamese.
func (s RetentionState) Label() string {
	switch s {
	case RetentionKept:
		return "Đang lưu trữ"
	case RetentionHeld:
		return "Đang bị phong tỏa pháp lý"
	case RetentionProposed:
		return "Đã đề xuất hủy"
	case RetentionDisposed:
		return "Đã hủy"
	}
	return string(s)
}

// Hold is a legal hold (phong tỏa pháp lý) on one paper: while it stands
// the paper is never proposed for disposal nor disposed.
type Hold struct {
	Reason    string    `json:"reason"`
	Reference string    `json:"reference,omitempty"` // e.g. the court's or inspectorate's document number
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// HoldEvent is one change of a paper's hold, kept in its record.
type HoldEvent struct {
	Placed    bool      `json:"placed"` // true: placed; false: lifted
	Reason    string    `json:"reason"`
	Reference string    `json:"reference,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// MaxHoldEvents bounds a record's hold history (the ledger keeps all).
const MaxHoldEvents = 50

// Disposal is what a disposed paper's tombstone keeps.
type Disposal struct {
	List     string    `json:"list"` // the approved disposal list
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Name     string    `json:"name"`
	Versions int       `json:"versions"`
	Blobs    []string  `json:"blobs"`
	Bytes    int64     `json:"bytes"`
}

// RetentionRecord is one agency record's retention: the period computed
// from its type, its hold, its place on a disposal list and, once
// disposed of, its tombstone. It is one record per document, keyed by
// DocumentID, separate from the document itself so that the document's
// own updates are untouched. Stores index (State, RetainUntil,
// DocumentID): what is due is one range of that index.
type RetentionRecord struct {
	DocumentID string `json:"documentId"`
	OwnerID    string `json:"ownerId"`
	TypeCode   string `json:"typeCode"`
	Source     Source `json:"source"`
	Name       string `json:"name"`
	Base       Date   `json:"base"`
	// RetainUntil is the last day the paper is kept; zero when Permanent.
	RetainUntil Date           `json:"retainUntil,omitzero"`
	Permanent   bool           `json:"permanent,omitempty"`
	State       RetentionState `json:"state"`
	Hold        *Hold          `json:"hold,omitempty"`
	Holds       []HoldEvent    `json:"holds,omitempty"`
	ListID      string         `json:"listId,omitempty"`
	Disposal    *Disposal      `json:"disposal,omitempty"`
	// LockedUntil is the object-lock date set on its blobs (zero when the
	// bucket has no object lock).
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Rev         int64     `json:"rev"`
}

// DueCursor is a position in the order of what is due: the last record
// of the previous batch (zero: from the start).
type DueCursor struct {
	RetainUntil Date   `json:"u,omitzero"`
	DocumentID  string `json:"d,omitempty"`
}

// DisposalState is where a disposal list stands.
type DisposalState string

// The disposal list states: a draft the job fills, submitted by an
// archivist for approval, approved or rejected by another person, then
// executed.
const (
	DisposalDraft     DisposalState = "draft"
	DisposalSubmitted DisposalState = "submitted"
	DisposalApproved  DisposalState = "approved"
	DisposalRejected  DisposalState = "rejected"
	DisposalExecuted  DisposalState = "executed"
)

// Label is the state in Vietnamese.
func (s DisposalState) Label() string {
	switch s {
	case DisposalDraft:
		return "Dự thảo"
	case DisposalSubmitted:
		return "Chờ phê duyệt"
	case DisposalApproved:
		return "Đã phê duyệt"
	case DisposalRejected:
		return "Bị từ chối"
	case DisposalExecuted:
		return "Đã thực hiện hủy"
	}
	return string(s)
}

// DisposalOutcome is what execution did to one item.
type DisposalOutcome string

// The outcomes.
const (
	OutcomeDisposed DisposalOutcome = "disposed"
	OutcomeHeld     DisposalOutcome = "held"    // a hold was placed after the proposal: kept
	OutcomeChanged  DisposalOutcome = "changed" // no longer on this list or no longer due: kept
)

// Label is the outcome in Vietnamese.
func (o DisposalOutcome) Label() string {
	switch o {
	case OutcomeDisposed:
		return "Đã hủy"
	case OutcomeHeld:
		return "Giữ lại: đang bị phong tỏa"
	case OutcomeChanged:
		return "Giữ lại: không còn đến hạn hủy"
	case "":
		return "Chưa thực hiện"
	}
	return string(o)
}

// DisposalItem is one paper on a disposal list.
type DisposalItem struct {
	DocumentID  string          `json:"documentId"`
	OwnerID     string          `json:"ownerId"`
	TypeCode    string          `json:"typeCode"`
	Name        string          `json:"name"`
	RetainUntil Date            `json:"retainUntil"`
	Outcome     DisposalOutcome `json:"outcome,omitempty"`
}

// MaxDisposalItems bounds one list: a list is one record, and one person
// reviews it.
const MaxDisposalItems = 500

// DisposalList (danh mục tài liệu hết giá trị đề nghị hủy) is a list of
// papers proposed for disposal. The retention job compiles it; an
// archivist submits it; a person who is not the submitter approves or
// rejects it (four eyes); execution then disposes each item.
type DisposalList struct {
	ID          string         `json:"id"`
	State       DisposalState  `json:"state"`
	Items       []DisposalItem `json:"items"`
	CreatedAt   time.Time      `json:"createdAt"`
	SubmittedBy string         `json:"submittedBy,omitempty"`
	SubmittedAt time.Time      `json:"submittedAt,omitzero"`
	DecidedBy   string         `json:"decidedBy,omitempty"`
	DecidedAt   time.Time      `json:"decidedAt,omitzero"`
	Reason      string         `json:"reason,omitempty"` // of the decision
	ExecutedBy  string         `json:"executedBy,omitempty"`
	ExecutedAt  time.Time      `json:"executedAt,omitzero"`
	UpdatedAt   time.Time      `json:"updatedAt"`
	Rev         int64          `json:"rev"`
}

// The ledger actions of retention (an owner sees them in their ledger).
const (
	ActionHold    Action = "hold"    // an archivist placed a legal hold on a paper
	ActionRelease Action = "release" // an archivist lifted it
	ActionDispose Action = "dispose" // the paper was disposed of under an approved list
)

// retentionLabel is the Vietnamese label of a retention action.
func retentionLabel(a Action) (string, bool) {
	switch a {
	case ActionHold:
		return "Cán bộ lưu trữ phong tỏa giấy tờ", true
	case ActionRelease:
		return "Cán bộ lưu trữ gỡ phong tỏa giấy tờ", true
	case ActionDispose:
		return "Giấy tờ hết thời hạn lưu trữ đã được hủy", true
	}
	return "", false
}

func errRetentionChanged(what string) error {
	return kerr.New(kerr.Conflict, "retention_changed", "Thông tin lưu trữ đã được người khác thay đổi; vui lòng tải lại và thử lại.",
		"retention: %s changed meanwhile", what)
}

// utcMs is t in UTC to the millisecond, as stores keep times (zero stays
// zero).
func utcMs(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// Normalized is r with every time in UTC to the millisecond, as stores
// return it.
func (r RetentionRecord) Normalized() RetentionRecord {
	r.UpdatedAt, r.LockedUntil = utcMs(r.UpdatedAt), utcMs(r.LockedUntil)
	if r.Hold != nil {
		h := *r.Hold
		h.At = utcMs(h.At)
		r.Hold = &h
	}
	if r.Holds != nil {
		hs := make([]HoldEvent, len(r.Holds))
		for i, e := range r.Holds {
			e.At = utcMs(e.At)
			hs[i] = e
		}
		r.Holds = hs
	}
	if r.Disposal != nil {
		d := *r.Disposal
		d.At = utcMs(d.At)
		r.Disposal = &d
	}
	return r
}

// Normalized is l with every time in UTC to the millisecond, as stores
// return it.
func (l DisposalList) Normalized() DisposalList {
	l.CreatedAt, l.SubmittedAt, l.DecidedAt = utcMs(l.CreatedAt), utcMs(l.SubmittedAt), utcMs(l.DecidedAt)
	l.ExecutedAt, l.UpdatedAt = utcMs(l.ExecutedAt), utcMs(l.UpdatedAt)
	return l
}
