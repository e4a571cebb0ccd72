package calendar

import (
	"fmt"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// minutesPerDay is 24:00, the latest end of a period.
const minutesPerDay = 24 * 60

// MaxPeriods bounds the working periods of one day.
const MaxPeriods = 6

// Period is a span of working time within one day, in minutes after
// midnight (Vietnam's time): from Start, included, to End, excluded. Its
// text form is "08:00-12:00"; End may be "24:00".
type Period struct {
	Start int
	End   int
}

// ParsePeriod parses "HH:MM-HH:MM". Invalid unless 00:00 ≤ start < end ≤ 24:00.
func ParsePeriod(s string) (Period, error) {
	bad := func(why string) error {
		return kerr.New(kerr.Invalid, "invalid_working_period",
			"Khung giờ làm việc không hợp lệ; hãy viết dạng 08:00-12:00.", "period %q: %s", s, why)
	}
	if len(s) != len("08:00-12:00") || s[5] != '-' {
		return Period{}, bad("not HH:MM-HH:MM")
	}
	start, ok1 := clockMinutes(s[:5])
	end, ok2 := clockMinutes(s[6:])
	if !ok1 || !ok2 {
		return Period{}, bad("not HH:MM-HH:MM")
	}
	if start >= end {
		return Period{}, bad("the start is not before the end")
	}
	return Period{Start: start, End: end}, nil
}

// clockMinutes reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h*60+m > minutesPerDay {
		return 0, false
	}
	return h*60 + m, true
}

// String returns "HH:MM-HH:MM".
func (p Period) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", p.Start/60, p.Start%60, p.End/60, p.End%60)
}

// MarshalText encodes p as "HH:MM-HH:MM".
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes "HH:MM-HH:MM".
func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// from and to are the period's bounds as offsets from midnight.
func (p Period) from() time.Duration { return time.Duration(p.Start) * time.Minute }
func (p Period) to() time.Duration   { return time.Duration(p.End) * time.Minute }

// checkPeriods refuses more than MaxPeriods periods, or periods out of
// order or overlapping (touching is allowed). what names the day for the
// message.
func checkPeriods(ps []Period, what string) error {
	if len(ps) > MaxPeriods {
		return kerr.New(kerr.Invalid, "too_many_working_periods",
			fmt.Sprintf("Mỗi ngày có tối đa %d khung giờ làm việc.", MaxPeriods), "%s: %d periods > %d", what, len(ps), MaxPeriods)
	}
	for i, p := range ps {
		if p.Start < 0 || p.End > minutesPerDay || p.Start >= p.End {
			return kerr.New(kerr.Invalid, "invalid_working_period",
				"Khung giờ làm việc không hợp lệ; hãy viết dạng 08:00-12:00.", "%s: period %d is %d..%d minutes", what, i, p.Start, p.End)
		}
		if i > 0 && p.Start < ps[i-1].End {
			return kerr.New(kerr.Invalid, "overlapping_working_periods",
				"Các khung giờ làm việc trong ngày phải theo thứ tự và không chồng lên nhau.", "%s: %s starts before %s ends", what, p, ps[i-1])
		}
	}
	return nil
}

// minutesOf is the working time of ps in minutes.
func minutesOf(ps []Period) int {
	n := 0
	for _, p := range ps {
		n += p.End - p.Start
	}
	return n
}

// Week is the working hours of each day of an ordinary week. A day with
// no periods is a weekly day off.
type Week struct {
	Monday    []Period `json:"monday,omitempty"`
	Tuesday   []Period `json:"tuesday,omitempty"`
	Wednesday []Period `json:"wednesday,omitempty"`
	Thursday  []Period `json:"thursday,omitempty"`
	Friday    []Period `json:"friday,omitempty"`
	Saturday  []Period `json:"saturday,omitempty"`
	Sunday    []Period `json:"sunday,omitempty"`
}

// DefaultWeek is the working week Kho assumes when nobody set one:
// Monday to Friday, 08:00-12:00 and 13:00-17:00 — eight hours a day and
// forty a week (Decision 188/1999/QĐ-TTg), at the hours of the central
// ministries and of Hà Nội. An agency with other hours (Hồ Chí Minh City's
// offices open 07:30-11:30 and 13:00-17:00; some one-stop desks open on
// Saturday mornings) sets its own.
func DefaultWeek() Week {
	day := func() []Period { return []Period{{8 * 60, 12 * 60}, {13 * 60, 17 * 60}} }
	return Week{Monday: day(), Tuesday: day(), Wednesday: day(), Thursday: day(), Friday: day()}
}

// On returns the periods of weekday d.
func (w Week) On(d time.Weekday) []Period {
	return [...][]Period{w.Sunday, w.Monday, w.Tuesday, w.Wednesday, w.Thursday, w.Friday, w.Saturday}[d]
}

// Check refuses a day with bad periods, and a week with no working time
// at all.
func (w Week) Check() error {
	total := 0
	for d := time.Sunday; d <= time.Saturday; d++ {
		if err := checkPeriods(w.On(d), d.String()); err != nil {
			return err
		}
		total += minutesOf(w.On(d))
	}
	if total == 0 {
		return kerr.New(kerr.Invalid, "no_working_hours", "Lịch làm việc phải có ít nhất một khung giờ làm việc trong tuần.", "the week has no working period")
	}
	return nil
}

// regular is the hours of an ordinary working day: those of the first
// weekday, from Monday, that has any. A make-up working day without hours
// of its own works these.
func (w Week) regular() []Period {
	for d := time.Monday; d <= time.Saturday+1; d++ {
		if ps := w.On(d % 7); len(ps) > 0 {
			return ps
		}
	}
	return nil
}
