package calendar

import (
	"fmt"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Unit is what a Duration counts.
type Unit string

// The units of a Duration.
const (
	// UnitDays counts working days: a procedure's resolution time
	// ("15 ngày làm việc").
	UnitDays Unit = "days"
	// UnitMinutes counts working minutes: a resolution time in hours, a
	// process step's deadline (down to the minute, 2025 item 7.2).
	UnitMinutes Unit = "minutes"
)

// Duration is a time limit in working time: N working days or N working
// minutes. Its zero value is no limit (Check refuses it).
type Duration struct {
	N    int  `json:"n"`
	Unit Unit `json:"unit"`
}

// WorkingDays is a limit of n working days.
func WorkingDays(n int) Duration { return Duration{N: n, Unit: UnitDays} }

// WorkingHours is a limit of h working hours.
func WorkingHours(h int) Duration { return Duration{N: h * 60, Unit: UnitMinutes} }

// WorkingMinutes is a limit of m working minutes.
func WorkingMinutes(m int) Duration { return Duration{N: m, Unit: UnitMinutes} }

// IsZero reports whether d is the zero value: no limit.
func (d Duration) IsZero() bool { return d == Duration{} }

// Check refuses an unknown unit, a negative count, or more than
// MaxWorkingDays days or MaxWorkingMinutes minutes (five years).
func (d Duration) Check() error {
	limit := 0
	switch d.Unit {
	case UnitDays:
		limit = MaxWorkingDays
	case UnitMinutes:
		limit = MaxWorkingMinutes
	default:
		return kerr.New(kerr.Invalid, "invalid_duration_unit", "Đơn vị thời hạn phải là ngày làm việc (days) hoặc phút làm việc (minutes).", "unit %q", d.Unit)
	}
	if d.N < 0 || d.N > limit {
		return kerr.New(kerr.Invalid, "invalid_duration", "Thời hạn âm hoặc dài quá 5 năm.", "%d %s: want 0..%d", d.N, d.Unit, limit)
	}
	return nil
}

// String is the limit as people read it: "15 ngày làm việc", "4 giờ làm
// việc", "90 phút làm việc".
func (d Duration) String() string {
	switch {
	case d.Unit == UnitDays:
		return fmt.Sprintf("%d ngày làm việc", d.N)
	case d.Unit == UnitMinutes && d.N%60 == 0 && d.N > 0:
		return fmt.Sprintf("%d giờ làm việc", d.N/60)
	case d.Unit == UnitMinutes:
		return fmt.Sprintf("%d phút làm việc", d.N)
	}
	return "không thời hạn"
}

// Work is d's nominal working time under c: a working day is worth
// c.RegularDay(). It compares limits of both units, as when a process's
// step deadlines (minutes) may not add up to more than the procedure's
// resolution time (days).
func (c *Calendar) Work(d Duration) time.Duration {
	if d.Unit == UnitDays {
		return time.Duration(d.N) * c.RegularDay()
	}
	return time.Duration(d.N) * time.Minute
}

// Due returns the deadline of d counted from start, the moment a dossier
// (or a step) is received:
//   - N working days: AddWorkingDays(start, N), the end of the N-th
//     working day after the day of reception;
//   - N working minutes: N minutes of working time from NextWorking(start).
//
// Errors (Invalid): a bad d (Check), as AddWorking's and AddWorkingDays'.
func (c *Calendar) Due(start time.Time, d Duration) (time.Time, error) {
	if err := d.Check(); err != nil {
		return time.Time{}, err
	}
	if d.Unit == UnitDays {
		return c.AddWorkingDays(start, d.N)
	}
	s, err := c.NextWorking(start)
	if err != nil {
		return time.Time{}, err
	}
	return c.AddWorking(s, time.Duration(d.N)*time.Minute)
}

// Restart is the deadline after a supplement: the full limit d counted
// again from received, the moment the completed dossier came back.
// Circular 11/2025's appendix, item 15.8: "thời hạn giải quyết được tính
// lại sau khi nhận đủ hồ sơ" — the time already spent is not deducted.
// It is Due under the name the workflow reads.
func (c *Calendar) Restart(received time.Time, d Duration) (time.Time, error) {
	return c.Due(received, d)
}

// Resume is the deadline of a clock that stopped at paused and starts
// again at resumed with what was left of it, for rules that pause a
// deadline rather than restart it: the working days after paused's day
// up to due's day (for a limit in days), or the working time from paused
// to due (in minutes), counted again from resumed as Due counts. Nothing
// is left when paused is at or after due. Errors as Due's.
func (c *Calendar) Resume(d Duration, due, paused, resumed time.Time) (time.Time, error) {
	if err := d.Check(); err != nil {
		return time.Time{}, err
	}
	if d.Unit == UnitDays {
		left, err := c.WorkingDaysBetween(paused, due)
		if err != nil {
			return time.Time{}, err
		}
		return c.AddWorkingDays(resumed, max(left, 0))
	}
	left, err := c.WorkingBetween(paused, due)
	if err != nil {
		return time.Time{}, err
	}
	s, err := c.NextWorking(resumed)
	if err != nil {
		return time.Time{}, err
	}
	return c.AddWorking(s, max(left, 0))
}

// State is where a deadline stands.
type State string

// The states of a deadline.
const (
	OnTime       State = "on_time"       // trong hạn
	NearDeadline State = "near_deadline" // sắp đến hạn
	Overdue      State = "overdue"       // quá hạn
)

// Near says when a deadline is near: when the working time left is at
// most Within, or at most Share of the whole limit (from its start to the
// deadline). Either rule may be off (zero).
type Near struct {
	Within time.Duration `json:"within"`
	Share  float64       `json:"share"`
}

// DefaultNear warns one working day (eight hours) before a deadline, or
// once a fifth of the limit is left, whichever comes first.
func DefaultNear() Near { return Near{Within: 8 * time.Hour, Share: 0.2} }

// Status is where a deadline stands at some moment.
type Status struct {
	State State `json:"state"`
	// Left is the working time left before the deadline (0 once overdue).
	Left time.Duration `json:"left"`
	// Late is the working time since the deadline (0 unless overdue).
	Late time.Duration `json:"late"`
	// LateDays is how many working days late it is: the working days
	// after the deadline's day up to now's, at least 1 once overdue.
	LateDays int `json:"lateDays"`
}

// Status says where the deadline due, of a limit that started at start
// (zero: unknown, and Near.Share does not apply), stands at now. It is
// overdue as soon as now is after due, even outside working hours.
// Errors as WorkingBetween's.
func (c *Calendar) Status(start, due, now time.Time, near Near) (Status, error) {
	if now.After(due) {
		late, err := c.WorkingBetween(due, now)
		if err != nil {
			return Status{}, err
		}
		days, err := c.WorkingDaysBetween(due.Add(-time.Nanosecond), now)
		if err != nil {
			return Status{}, err
		}
		return Status{State: Overdue, Late: late, LateDays: max(days, 1)}, nil
	}
	left, err := c.WorkingBetween(now, due)
	if err != nil {
		return Status{}, err
	}
	st := Status{State: OnTime, Left: left}
	isNear := near.Within > 0 && left <= near.Within
	if !isNear && near.Share > 0 && !start.IsZero() && !start.After(due) {
		whole, err := c.WorkingBetween(start, due)
		if err != nil {
			return Status{}, err
		}
		isNear = float64(left) <= near.Share*float64(whole)
	}
	if isNear {
		st.State = NearDeadline
	}
	return st, nil
}

// DueDate is the day of deadline due as people read it: a deadline at
// the end of a day that ends at 24:00 is that day, not the next.
func DueDate(due time.Time) archive.Date {
	return archive.DateOf(due.Add(-time.Nanosecond).In(zone))
}

// DueText is the deadline as the glossary shows it with the status "Đang
// xử lý": "Hạn xử lý 15/08/2023", and once overdue "Hạn xử lý 15/08/2023
// - Quá hạn 3 ngày" (Circular 21/2023 appendix II item 4.1; Circular
// 11/2025 appendix item 4).
func DueText(due time.Time, st Status) string {
	s := "Hạn xử lý " + DueDate(due).Vietnamese()
	if st.State == Overdue {
		s += fmt.Sprintf(" - Quá hạn %d ngày", st.LateDays)
	}
	return s
}
