package calendar

import (
	"fmt"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Bounds of the arithmetic. A duration over five years is refused, and no
// computation looks further than maxSpanDays from where it starts, so
// every loop here is bounded whatever the input (a calendar with an hour
// of work a week would otherwise need centuries for five years).
const (
	// MaxWorkingDays is the longest duration in working days: five years'
	// worth of days.
	MaxWorkingDays = 5 * 366
	// MaxWorkingMinutes is the longest duration in working minutes: as
	// many eight-hour days.
	MaxWorkingMinutes = MaxWorkingDays * 8 * 60
	// maxSpanDays is the farthest, in days, a result may lie from the
	// instant it is computed from.
	maxSpanDays = 25 * 366
)

func errOutOfReach(from time.Time) error {
	return kerr.New(kerr.Invalid, "deadline_out_of_range",
		"Thời hạn vượt quá phạm vi tính toán của lịch làm việc (25 năm).",
		"no result within %d days of %s", maxSpanDays, from.Format(time.RFC3339))
}

// IsWorking reports whether t lies in a working period (its start
// included, its end not).
func (c *Calendar) IsWorking(t time.Time) bool {
	day, within := local(t)
	for _, p := range c.periods(day) {
		if p.from() <= within && within < p.to() {
			return true
		}
	}
	return false
}

// NextWorking returns the first working instant at or after t: t itself
// during working hours, else the start of the next working period — a
// dossier received at 16:55 on the Friday before Tết (after the day's
// last period, or on a day off) starts counting on the next working
// morning. Errors (Invalid): t outside MinYear..MaxYear, no working time
// within 25 years.
func (c *Calendar) NextWorking(t time.Time) (time.Time, error) {
	if err := checkInstant(t); err != nil {
		return time.Time{}, err
	}
	day, within := local(t)
	for range maxSpanDays {
		for _, p := range c.periods(day) {
			if within < p.to() {
				return instant(day, max(within, p.from())), nil
			}
		}
		day, within = day+1, 0
	}
	return time.Time{}, errOutOfReach(t)
}

// AddWorking returns the earliest instant u at or after t such that the
// working time between t and u is d. Time outside working periods does
// not count, so u is t itself for d = 0, and otherwise lies in a working
// period or exactly at its end (17:00, not the next morning's 08:00).
// Errors (Invalid): d negative or over MaxWorkingMinutes, t outside
// MinYear..MaxYear, u over 25 years away.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	if err := checkInstant(t); err != nil {
		return time.Time{}, err
	}
	if d < 0 || d > MaxWorkingMinutes*time.Minute {
		return time.Time{}, kerr.New(kerr.Invalid, "invalid_working_duration",
			fmt.Sprintf("Thời gian làm việc phải từ 0 đến %d phút.", MaxWorkingMinutes), "duration %v", d)
	}
	if d == 0 {
		return t.In(zone), nil
	}
	day, within := local(t)
	left := d
	for range maxSpanDays {
		for _, p := range c.periods(day) {
			from := max(within, p.from())
			if from >= p.to() {
				continue
			}
			if avail := p.to() - from; left <= avail {
				return instant(day, from+left), nil
			} else {
				left -= avail
			}
		}
		day, within = day+1, 0
	}
	return time.Time{}, errOutOfReach(t)
}

// AddWorkingDays returns the deadline of n working days counted from t:
// the end of the last working period of the n-th working day after the
// day of reception, where the day of reception is the day of
// NextWorking(t) (a dossier received after hours or on a day off is
// received on the next working day). n = 0 is the end of the day of
// reception. See the package documentation for why. Errors (Invalid): n
// negative or over MaxWorkingDays, t outside MinYear..MaxYear, a result
// over 25 years away.
func (c *Calendar) AddWorkingDays(t time.Time, n int) (time.Time, error) {
	if n < 0 || n > MaxWorkingDays {
		return time.Time{}, kerr.New(kerr.Invalid, "invalid_working_days",
			fmt.Sprintf("Số ngày làm việc phải từ 0 đến %d.", MaxWorkingDays), "%d working days", n)
	}
	start, err := c.NextWorking(t)
	if err != nil {
		return time.Time{}, err
	}
	day, _ := local(start)
	i := 0 // working days counted after the day of reception
	for range maxSpanDays {
		if ps := c.periods(day); len(ps) > 0 {
			if i == n {
				return instant(day, ps[len(ps)-1].to()), nil
			}
			i++
		}
		day++
	}
	return time.Time{}, errOutOfReach(t)
}

// WorkingBetween returns the working time between a and b: negative when
// b is before a. Errors (Invalid): an instant outside MinYear..MaxYear,
// a and b over 25 years apart.
func (c *Calendar) WorkingBetween(a, b time.Time) (time.Duration, error) {
	if b.Before(a) {
		d, err := c.WorkingBetween(b, a)
		return -d, err
	}
	if err := c.checkSpan(a, b); err != nil {
		return 0, err
	}
	da, wa := local(a)
	db, wb := local(b)
	var sum time.Duration
	for day := da; day <= db; day++ {
		lo, hi := time.Duration(0), 24*time.Hour
		if day == da {
			lo = wa
		}
		if day == db {
			hi = wb
		}
		for _, p := range c.periods(day) {
			if s, e := max(lo, p.from()), min(hi, p.to()); e > s {
				sum += e - s
			}
		}
	}
	return sum, nil
}

// WorkingDaysBetween counts the working days after a's day up to b's day,
// b's included: 1 from a Friday to the Monday after, 0 within one day;
// negative when b is before a. Errors as WorkingBetween's.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) (int, error) {
	if b.Before(a) {
		n, err := c.WorkingDaysBetween(b, a)
		return -n, err
	}
	if err := c.checkSpan(a, b); err != nil {
		return 0, err
	}
	da, _ := local(a)
	db, _ := local(b)
	n := 0
	for day := da + 1; day <= db; day++ {
		if len(c.periods(day)) > 0 {
			n++
		}
	}
	return n, nil
}

// checkSpan refuses instants outside MinYear..MaxYear and more than
// maxSpanDays apart (a ≤ b).
func (c *Calendar) checkSpan(a, b time.Time) error {
	if err := checkInstant(a); err != nil {
		return err
	}
	if err := checkInstant(b); err != nil {
		return err
	}
	da, _ := local(a)
	db, _ := local(b)
	if db-da > maxSpanDays {
		return errOutOfReach(a)
	}
	return nil
}
