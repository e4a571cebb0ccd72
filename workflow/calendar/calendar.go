package calendar

import (
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// offset is Vietnam's offset from UTC, in seconds.
const offset = 7 * 60 * 60

// secondsPerDay: Vietnam keeps no daylight saving time, so every day has
// exactly 24 hours.
const secondsPerDay = 24 * 60 * 60

// zone is Asia/Ho_Chi_Minh as a fixed UTC+7: Vietnam has kept no daylight
// saving time since 1975, and a fixed zone needs no tzdata on the machine.
var zone = time.FixedZone("ICT", offset)

// Zone returns the time zone of every calendar: UTC+7 (Asia/Ho_Chi_Minh,
// without the tz database).
func Zone() *time.Location { return zone }

// Calendar is a compiled Spec: what the arithmetic consults. It is
// immutable and safe for concurrent use.
type Calendar struct {
	agency  string
	week    [7][]Period // by time.Weekday
	regular []Period    // a make-up day's hours when it has none
	days    map[int64]exception
	known   map[int]bool
}

// exception is an exceptional day as the arithmetic sees it.
type exception struct {
	periods []Period // none: a day off
	day     Day
}

// New compiles s (typically Effective(national, agency)). A nil week is
// DefaultWeek. Errors (Invalid): bad hours, a day with a bad date, kind
// or name, a date given twice. Unlike Check it does not ask that days fall
// in s.Years: an agency's own days may come before the national holidays
// of their year are known.
func New(s Spec) (*Calendar, error) {
	w := DefaultWeek()
	if s.Hours != nil {
		w = *s.Hours
	}
	if err := CheckAgency(s.Agency); err != nil {
		return nil, err
	}
	if err := w.Check(); err != nil {
		return nil, err
	}
	c := &Calendar{agency: s.Agency, regular: w.regular(), days: make(map[int64]exception, len(s.Days)), known: make(map[int]bool, len(s.Years))}
	for d := time.Sunday; d <= time.Saturday; d++ {
		c.week[d] = w.On(d)
	}
	for _, y := range s.Years {
		c.known[y] = true
	}
	for _, d := range s.Days {
		if err := d.check(); err != nil {
			return nil, err
		}
		n := dayNumber(d.Date)
		if _, dup := c.days[n]; dup {
			return nil, invalidf("calendar_day_repeated", "Một ngày được khai báo hai lần.", "date %s twice", d.Date)
		}
		e := exception{day: d}
		if d.Kind == Workday {
			e.periods = d.Hours
			if len(e.periods) == 0 {
				e.periods = c.regular
			}
		}
		c.days[n] = e
	}
	return c, nil
}

// Agency is the agency the calendar is for ("" for the national one).
func (c *Calendar) Agency() string { return c.agency }

// Known reports whether the holidays of year are known: the national
// calendar lists them. In a year not known, only the working week counts,
// and a deadline there may fall on a holiday nobody entered yet.
func (c *Calendar) Known(year int) bool { return c.known[year] }

// Covers reports whether the holidays of every year from a's to b's are
// known.
func (c *Calendar) Covers(a, b time.Time) bool {
	ya, yb := a.In(zone).Year(), b.In(zone).Year()
	if yb < ya {
		ya, yb = yb, ya
	}
	for y := ya; y <= yb; y++ {
		if !c.known[y] {
			return false
		}
	}
	return true
}

// Hours returns the working periods of date d (none on a day off).
func (c *Calendar) Hours(d archive.Date) []Period { return c.periods(dayNumber(d)) }

// WorkingDay reports whether date d has any working time.
func (c *Calendar) WorkingDay(d archive.Date) bool { return len(c.Hours(d)) > 0 }

// RegularDay is the working time of an ordinary working day (Monday's,
// unless Monday is off): what one working day is worth when working days
// and working minutes are compared.
func (c *Calendar) RegularDay() time.Duration {
	return time.Duration(minutesOf(c.regular)) * time.Minute
}

// periods are the working periods of day number n.
func (c *Calendar) periods(n int64) []Period {
	if e, ok := c.days[n]; ok {
		return e.periods
	}
	return c.week[weekdayOf(n)]
}

// Day numbers count days in Vietnam from 1970-01-01 (day 0, a Thursday).

// dayNumber is date d's day number.
func dayNumber(d archive.Date) int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// dateOf is day number n's date.
func dateOf(n int64) archive.Date { return archive.DateOf(time.Unix(n*secondsPerDay, 0).UTC()) }

// weekdayOf is day number n's weekday.
func weekdayOf(n int64) time.Weekday { return time.Weekday(floorMod(n+int64(time.Thursday), 7)) }

// local splits instant t into its day number in Vietnam and its offset
// into that day.
func local(t time.Time) (day int64, within time.Duration) {
	secs := t.Unix() + offset
	day = floorDiv(secs, secondsPerDay)
	within = time.Duration(secs-day*secondsPerDay)*time.Second + time.Duration(t.Nanosecond())
	return day, within
}

// instant is the instant at offset within of day number n, in Zone.
func instant(n int64, within time.Duration) time.Time {
	return time.Unix(n*secondsPerDay-offset, 0).Add(within).In(zone)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// The instants the arithmetic accepts: from MinYear to the end of MaxYear.
var (
	minInstant = time.Date(MinYear, 1, 1, 0, 0, 0, 0, zone)
	maxInstant = time.Date(MaxYear+1, 1, 1, 0, 0, 0, 0, zone)
)

// checkInstant refuses an instant outside MinYear..MaxYear.
func checkInstant(t time.Time) error {
	if t.Before(minInstant) || !t.Before(maxInstant) {
		return kerr.New(kerr.Invalid, "instant_out_of_range",
			"Thời điểm nằm ngoài phạm vi lịch làm việc (năm 2000 đến 2199).", "instant %s is outside %d..%d", t.Format(time.RFC3339), MinYear, MaxYear)
	}
	return nil
}
