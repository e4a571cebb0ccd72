package emc

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// State is where an outbox record is.
type State string

// The states of an outbox record.
const (
	Pending State = "pending" // to be sent (now, or after its backoff)
	Sent    State = "sent"    // EMC answered 2xx
	Failed  State = "failed"  // given up after MaxAge, or behind a failed event; an admin may retry it
)

// Record is one event in the outbox.
type Record struct {
	// ID is the event's ID (EventID): dossier code and trail number.
	ID      string `json:"id"`
	Dossier string `json:"dossier"`
	Seq     int    `json:"seq"`
	// Event is the event as it is sent (JSON, built once when recorded).
	Event []byte `json:"event"`
	State State  `json:"state"`
	// Attempts counts the attempts since it was recorded or retried.
	Attempts int `json:"attempts"`
	// NextAt is when it is next due (Pending).
	NextAt time.Time `json:"nextAt"`
	// CreatedAt is when it was recorded (or retried by an admin): its age
	// is counted from it.
	CreatedAt time.Time `json:"createdAt"`
	SentAt    time.Time `json:"sentAt,omitzero"`
	// LastError is the last attempt's error ("" after a success).
	LastError string `json:"lastError,omitempty"`
	// Rev guards every change (UpdateEMCEvent).
	Rev int64 `json:"rev"`
}

// Attempt is one line of the delivery log (art. 10.2): one POST of one
// event.
type Attempt struct {
	// ID orders the log: the time in milliseconds (13 digits), "-", and a
	// random suffix.
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	EventID string    `json:"eventId"`
	// Status is EMC's HTTP status (0: no answer).
	Status int `json:"status"`
	// Error is "" for a 2xx; otherwise what went wrong.
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Pos orders records by NextAt then ID: "<unix ms, 13 digits>/<ID>".
func (r Record) Pos() string { return AttemptBound(r.NextAt) + "/" + r.ID }

// AttemptBound is the smallest attempt ID of time t: every attempt made
// before t has a smaller ID.
func AttemptBound(t time.Time) string { return fmt.Sprintf("%013d", max(t.UnixMilli(), 0)) }

// ChangeCursor is the catch-up's position among dossiers ordered by
// update time then code.
type ChangeCursor struct {
	At   time.Time
	Code string
}

// String is the cursor as a job saves it: "<unix ms>/<code>".
func (c ChangeCursor) String() string {
	if c.At.IsZero() && c.Code == "" {
		return ""
	}
	return strconv.FormatInt(c.At.UnixMilli(), 10) + "/" + c.Code
}

// ParseChangeCursor reads what String wrote ("" is the start).
func ParseChangeCursor(s string) (ChangeCursor, error) {
	if s == "" {
		return ChangeCursor{}, nil
	}
	ms, code, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(ms, 10, 64)
	canonical := len(ms) > 0 && len(ms) <= 15 && strings.Trim(ms, "0123456789") == "" && (ms == "0" || ms[0] != '0')
	if !ok || err != nil || !canonical || (code != "" && !workflow.ValidDossierCode(code)) {
		return ChangeCursor{}, kerr.New(kerr.Invalid, "invalid_cursor", "Vị trí tiếp tục không hợp lệ.", "emc: change cursor %q", s)
	}
	return ChangeCursor{At: time.UnixMilli(n).UTC(), Code: code}, nil
}

// Store keeps the EMC outbox and its delivery log, and finds the dossiers
// changed since a time. storage/sqlite and storage/mongo implement it;
// emctest.Run is the conformance suite both pass. Every method is one
// statement or one guarded single-record change, served by an index.
//
// Error kinds (internal/kerr): Conflict "emc_event_exists" when
// AddEMCEvent finds the ID taken, "emc_event_changed" when
// UpdateEMCEvent finds another Rev; NotFound "emc_event_not_found";
// Invalid for a limit outside 1..1000; Unavailable when the server
// cannot be reached; Internal otherwise. Times come back in UTC,
// truncated to the millisecond.
type Store interface {
	// AddEMCEvent inserts r (Rev 1). Conflict if r.ID exists.
	AddEMCEvent(ctx context.Context, r Record) error
	// GetEMCEvent returns one record. NotFound if none.
	GetEMCEvent(ctx context.Context, id string) (Record, error)
	// UpdateEMCEvent replaces the record r.ID with r if the stored Rev is
	// r.Rev-1. Conflict "emc_event_changed" otherwise; NotFound if none.
	UpdateEMCEvent(ctx context.Context, r Record) error
	// LastEMCSeq is the highest Seq recorded for dossier (0: none), from
	// the index (dossier, seq).
	LastEMCSeq(ctx context.Context, dossier string) (int, error)
	// DossierEMCEvents returns dossier's records with Seq >= from that are
	// not Sent, in Seq order, at most limit, from the index (dossier, seq).
	DossierEMCEvents(ctx context.Context, dossier string, from, limit int) ([]Record, error)
	// DueEMCEvents returns at most limit Pending records with NextAt <=
	// now, by Pos (NextAt then ID), from the index (state, pos).
	DueEMCEvents(ctx context.Context, now time.Time, limit int) ([]Record, error)
	// ListEMCEvents returns at most limit records in state st, newest
	// (highest Pos) first, whose Pos sorts below before ("" = from the
	// newest), from the index (state, pos).
	ListEMCEvents(ctx context.Context, st State, before string, limit int) ([]Record, error)
	// CountEMCEvents counts the records in state st, from the same index.
	CountEMCEvents(ctx context.Context, st State) (int64, error)

	// AddEMCAttempt appends a to the delivery log (idempotent by ID).
	AddEMCAttempt(ctx context.Context, a Attempt) error
	// ListEMCAttempts returns at most limit attempts, newest first, whose
	// ID sorts below before ("" = from the newest), from the primary key.
	ListEMCAttempts(ctx context.Context, before string, limit int) ([]Attempt, error)
	// PruneEMCAttempts deletes at most limit attempts made before t (IDs
	// below AttemptBound(t)), oldest first, and returns how many: one
	// range of the primary key, never a scan.
	PruneEMCAttempts(ctx context.Context, t time.Time, limit int) (int, error)

	// DossiersChangedSince returns at most limit dossiers whose UpdatedAt
	// is in [after.At, before) and that sort after after (by UpdatedAt,
	// then Code), from an index of the dossiers' update times.
	DossiersChangedSince(ctx context.Context, after ChangeCursor, before time.Time, limit int) ([]workflow.Dossier, error)
}

// CheckLimit returns Invalid for a limit outside 1..1000.
func CheckLimit(limit int) error {
	if limit < 1 || limit > 1000 {
		return kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi lần phải từ 1 đến 1000.", "emc: limit %d is outside 1..1000", limit)
	}
	return nil
}

// ErrEventExists is AddEMCEvent's Conflict.
func ErrEventExists(id string) error {
	return kerr.New(kerr.Conflict, "emc_event_exists", "Sự kiện EMC đã được ghi.", "emc: event %q exists", id)
}

// ErrEventChanged is UpdateEMCEvent's Conflict.
func ErrEventChanged(id string) error {
	return kerr.New(kerr.Conflict, "emc_event_changed", "Sự kiện EMC vừa được thay đổi; vui lòng tải lại.", "emc: event %q changed", id)
}

// ErrEventNotFound is the NotFound of an event.
func ErrEventNotFound(id string) error {
	return kerr.New(kerr.NotFound, "emc_event_not_found", "Không tìm thấy sự kiện EMC.", "emc: no event %q", id)
}

// Norm is r as stores return it: times in UTC to the millisecond.
func (r Record) Norm() Record {
	r.NextAt, r.CreatedAt, r.SentAt = utcMs(r.NextAt), utcMs(r.CreatedAt), utcMs(r.SentAt)
	return r
}

// Norm is a as stores return it.
func (a Attempt) Norm() Attempt {
	a.At = utcMs(a.At)
	return a
}

func utcMs(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}
