package calendar

import (
	"context"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Record is one calendar as the store keeps it: the national one (Agency
// "") or an agency's.
type Record struct {
	Agency string
	// Body is the Spec as JSON, as Service wrote it; the store keeps its
	// bytes as they are.
	Body []byte
	// Rev is 1 when the record is made and grows by one with each change.
	Rev       int64
	UpdatedAt time.Time
	// UpdatedBy is who made the last change (an admin's subject, or
	// "system" for the shipped calendar).
	UpdatedBy string
}

// Store keeps calendars. storage/sqlite and storage/mongo implement it;
// calendar/calendartest is the conformance suite both pass. Each method
// is one atomic change or read of one record.
//
// Error kinds (internal/kerr): NotFound (ErrNotFound) from GetCalendar
// for an agency without a record and from PutCalendar updating one;
// Conflict (ErrChanged) when PutCalendar finds the record made already
// (expectedRev 0) or at another revision; Unavailable when the server
// cannot be reached; Internal otherwise. Times come back in UTC truncated
// to milliseconds.
type Store interface {
	// GetCalendar returns the record of agency ("" the national one).
	GetCalendar(ctx context.Context, agency string) (Record, error)
	// PutCalendar stores r.Body, r.UpdatedAt and r.UpdatedBy as the record
	// of r.Agency at revision expectedRev+1: a new record when expectedRev
	// is 0, else only if the stored revision is expectedRev.
	PutCalendar(ctx context.Context, r Record, expectedRev int64) error
}

// The errors every Store returns, made here so that drivers agree.

// ErrNotFound is the NotFound of an agency without a calendar record.
func ErrNotFound(agency string) error {
	return kerr.New(kerr.NotFound, "calendar_not_found", "Không tìm thấy lịch làm việc.", "no calendar record for agency %q", agency)
}

// ErrChanged is PutCalendar's Conflict: the record exists already, or is
// at another revision than expected.
func ErrChanged(agency string, expectedRev int64) error {
	return kerr.New(kerr.Conflict, "calendar_changed", "Lịch làm việc vừa được thay đổi từ nơi khác; vui lòng tải lại rồi thử lại.",
		"calendar of agency %q is not at revision %d", agency, expectedRev)
}
