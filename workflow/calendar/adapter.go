package calendar

import (
	"context"
	"time"
)

// Deadlines is the calendar as package workflow consumes it: its
// Deadlines interface (AddWorking, DaysLate) and Near, without errors to
// handle. It is a value over one compiled calendar, safe for concurrent
// use; Service.Deadlines gives the one of an agency.
//
// A limit in working days is d = n × workflow.WorkingDay (8 hours) of
// working time: received Monday 10:00, 3 days are due Thursday 10:00. The
// workflow that wants the rule of the package documentation instead (the
// end of the n-th working day after the day of reception, Thursday 17:00)
// calls Cal.Due with WorkingDays(n).
//
// After a supplement the clock starts again, in full (Circular 11/2025's
// appendix, item 15.8: "thời hạn giải quyết được tính lại sau khi nhận đủ
// hồ sơ"): the new deadline is AddWorking(received, limit), received
// being the moment the completed dossier came back, not the old deadline
// plus what was left; the working time spent before the supplement
// request is not deducted. Restart says the same for a Duration.
//
// The methods cannot fail: their only errors are inputs no validated
// dossier has (instants outside MinYear..MaxYear, a negative limit or
// one over five years, a calendar with no working time for 25 years), and
// for those they answer by wall-clock time, as documented on each.
type Deadlines struct {
	// Cal is the calendar counted with; it must not be nil.
	Cal *Calendar
}

// Deadlines returns the Deadlines of agency's calendar ("" the national
// one). Errors as Calendar's.
func (s *Service) Deadlines(ctx context.Context, agency string) (Deadlines, error) {
	c, err := s.Calendar(ctx, agency)
	if err != nil {
		return Deadlines{}, err
	}
	return Deadlines{Cal: c}, nil
}

// AddWorking returns the moment d of working time after from: the
// earliest instant u with d of working time between from and u
// (Calendar.AddWorking). Received on Friday 28/08/2026 at 15:00, one
// working day (8 h) is due on Thursday 03/09/2026 at 15:00: the weekend
// and Quốc khánh (31/08 to 02/09) do not count. d ≤ 0 gives from. When
// the calendar cannot answer (from outside MinYear..MaxYear, d over five
// years of working time) it is from + d.
func (dl Deadlines) AddWorking(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	u, err := dl.Cal.AddWorking(from, d)
	if err != nil {
		return from.Add(d)
	}
	return u
}

// DaysLate returns how many working days now is past due: 0 when now is
// at or before due; else the working days after due's day up to now's
// day, at least 1 (Status's LateDays, the "Quá hạn N ngày" of the
// glossary). Due Friday 28/08/2026 17:00, it is 1 on Thursday 03/09/2026:
// the weekend and Quốc khánh are not days late. When the calendar cannot
// answer (an instant outside MinYear..MaxYear) it counts calendar days
// begun since due.
func (dl Deadlines) DaysLate(due, now time.Time) int {
	if !now.After(due) {
		return 0
	}
	st, err := dl.Cal.Status(time.Time{}, due, now, Near{})
	if err != nil {
		return int((now.Sub(due) + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return st.LateDays
}

// Near reports whether due is near at now: not yet past, and at most one
// ordinary working day of working time left (Cal.RegularDay(), 8 hours
// in the default week). The rule is "within the last working day", not a
// share of the step's time, because it needs no start and warns a day
// ahead whatever the limit: on Friday 28/08/2026 at 17:00 a deadline of
// Thursday 03/09/2026 17:00 is near, though six days away, since Quốc
// khánh leaves only Thursday to work on it. A step shorter than a working
// day is near from its start; for a share of a step's time, use
// Cal.Status with the step's start and Near{Share: 0.2}. When the
// calendar cannot answer (an instant outside MinYear..MaxYear) it is
// whether 24 hours or less are left.
func (dl Deadlines) Near(due, now time.Time) bool {
	if now.After(due) {
		return false
	}
	within := dl.Cal.RegularDay()
	st, err := dl.Cal.Status(time.Time{}, due, now, Near{Within: within})
	if err != nil {
		return due.Sub(now) <= 24*time.Hour
	}
	return st.State == NearDeadline
}
