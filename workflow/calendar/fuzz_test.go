package calendar_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow/calendar"
)

// fuzzCalendar builds a calendar from bytes: four bytes a weekday give up
// to two periods on a quarter-hour grid, and each further pair of bytes an
// exceptional day in 2025-2027. No bytes: the shipped calendar.
func fuzzCalendar(t testing.TB, data []byte) *calendar.Calendar {
	if len(data) == 0 {
		return shipped(t)
	}
	var days [7][]calendar.Period
	for wd := range 7 {
		if len(data) < 4*(wd+1) {
			break
		}
		b := data[4*wd : 4*wd+4]
		s1 := int(b[0]%96) * 15
		e1 := s1 + 15 + int(b[1]%48)*15
		if e1 > 24*60 {
			e1 = 24 * 60
		}
		days[wd] = append(days[wd], calendar.Period{Start: s1, End: e1})
		if s2 := e1 + int(b[2]%8)*15; b[3]%2 == 1 && s2 < 24*60 {
			days[wd] = append(days[wd], calendar.Period{Start: s2, End: min(s2+15+int(b[3]%32)*15, 24*60)})
		}
	}
	w := calendar.Week{Sunday: days[0], Monday: days[1], Tuesday: days[2], Wednesday: days[3], Thursday: days[4], Friday: days[5], Saturday: days[6]}
	if w.Check() != nil {
		w = calendar.DefaultWeek()
	}
	spec := calendar.Spec{Hours: &w, Years: []int{2025, 2026, 2027}}
	seen := map[archive.Date]bool{}
	for rest := data[min(len(data), 28):]; len(rest) >= 2 && len(spec.Days) < 64; rest = rest[2:] {
		d := archive.DateOf(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(rest[0])<<2|int(rest[1]&3)))
		if seen[d] {
			continue
		}
		seen[d] = true
		day := calendar.Day{Date: d, Kind: calendar.Holiday, Name: "ngày nghỉ"}
		if rest[1]&4 != 0 {
			day.Kind, day.Name = calendar.Workday, "làm bù"
			if rest[1]&8 != 0 {
				day.Hours = []calendar.Period{{Start: int(rest[1]>>4) * 60, End: int(rest[1]>>4)*60 + 90}}
			}
		}
		spec.Days = append(spec.Days, day)
	}
	c, err := calendar.New(spec)
	if err != nil {
		t.Fatalf("fuzz calendar: %v", err)
	}
	return c
}

// checkAdd checks AddWorking's promises for one start and two durations:
// the result is at or after the start, ends in working time (the instant
// just before it is working), gives d back when counted, and grows with d
// and with the start.
func checkAdd(t *testing.T, c *calendar.Calendar, from time.Time, d1, d2, shift time.Duration) {
	t.Helper()
	if d1 > d2 {
		d1, d2 = d2, d1
	}
	u1, err1 := c.AddWorking(from, d1)
	u2, err2 := c.AddWorking(from, d2)
	if err1 != nil || err2 != nil {
		for _, err := range []error{err1, err2} {
			if err != nil && !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("AddWorking: %v, want nil or an Invalid error", err)
			}
		}
		return
	}
	if u1.Before(from) || u2.Before(u1) {
		t.Fatalf("not monotonic in d: from %s, +%v = %s, +%v = %s", from, d1, u1, d2, u2)
	}
	for _, p := range []struct {
		d time.Duration
		u time.Time
	}{{d1, u1}, {d2, u2}} {
		if p.d > 0 && !c.IsWorking(p.u.Add(-time.Nanosecond)) {
			t.Fatalf("from %s, +%v lands at %s, after non-working time", from, p.d, p.u)
		}
		back, err := c.WorkingBetween(from, p.u)
		if err != nil || back != p.d {
			t.Fatalf("from %s, +%v = %s: counted back %v, %v", from, p.d, p.u, back, err)
		}
	}
	if later, err := c.AddWorking(from.Add(shift), d1); err == nil && later.Before(u1) {
		t.Fatalf("not monotonic in the start: %s+%v = %s, but %s+%v = %s", from, d1, u1, from.Add(shift), d1, later)
	}
	next, err := c.NextWorking(from)
	if err == nil && (next.Before(from) || !c.IsWorking(next)) {
		t.Fatalf("NextWorking(%s) = %s", from, next)
	}
	if err == nil && !next.Equal(from) {
		if w, _ := c.WorkingBetween(from, next); w != 0 {
			t.Fatalf("NextWorking(%s) = %s skips %v of working time", from, next, w)
		}
	}
}

// checkDays checks AddWorkingDays: the deadline ends a working day, n
// working days after the day of reception.
func checkDays(t *testing.T, c *calendar.Calendar, from time.Time, n int) {
	t.Helper()
	due, err := c.AddWorkingDays(from, n)
	if err != nil {
		if !kerr.IsKind(err, kerr.Invalid) {
			t.Fatalf("AddWorkingDays: %v", err)
		}
		return
	}
	start, _ := c.NextWorking(from)
	last := due.Add(-time.Nanosecond)
	y, m, d := last.Date()
	midnight := time.Date(y, m, d+1, 0, 0, 0, 0, calendar.Zone())
	if after, _ := c.WorkingBetween(due, midnight); !c.IsWorking(last) || after != 0 {
		t.Fatalf("from %s, %d days: %s is not the end of a working day", from, n, due)
	}
	if got, err := c.WorkingDaysBetween(start, last); err != nil || got != n {
		t.Fatalf("from %s (received %s), %d days: due %s is %d working days later (%v)", from, start, n, due, got, err)
	}
}

// fuzzStart is an instant in 2025-2027 from a number of nanoseconds.
func fuzzStart(ns int64) time.Time {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, calendar.Zone())
	span := int64(3 * 365 * 24 * time.Hour)
	return base.Add(time.Duration((ns%span + span) % span))
}

// FuzzAddWorking checks the arithmetic's promises on arbitrary starts,
// durations and calendars.
func FuzzAddWorking(f *testing.F) {
	f.Add(int64(0), uint32(60), uint32(600), uint32(3600), uint16(3), []byte{})
	f.Add(int64(time.Date(2026, 2, 13, 16, 55, 0, 0, calendar.Zone()).Sub(time.Date(2025, 1, 1, 0, 0, 0, 0, calendar.Zone()))), uint32(3600), uint32(8*3600), uint32(60), uint16(1), []byte{})
	f.Add(int64(123456789012345), uint32(1), uint32(2), uint32(1), uint16(0), []byte{32, 16, 1, 3, 32, 16, 1, 3, 0, 0, 0, 0, 40, 8, 0, 1, 32, 16, 1, 3, 32, 16, 1, 3, 32, 16, 1, 3, 7, 4, 9, 13})
	f.Fuzz(func(t *testing.T, start int64, d1, d2, shift uint32, days uint16, cal []byte) {
		c := fuzzCalendar(t, cal)
		from := fuzzStart(start)
		const most = 300 * 8 * 3600 // 300 working days, in seconds
		checkAdd(t, c, from, time.Duration(d1%most)*time.Second+time.Duration(start%1000), time.Duration(d2%most)*time.Second, time.Duration(shift)*time.Millisecond)
		checkDays(t, c, from, int(days%400))
	})
}

// TestAgainstMinuteOracle compares AddWorking and WorkingBetween with a
// count of working minutes one by one, on random whole-minute starts.
func TestAgainstMinuteOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 2026))
	cals := []*calendar.Calendar{shipped(t), fuzzCalendar(t, []byte{30, 20, 3, 7, 32, 16, 1, 3, 0, 0, 0, 0, 40, 8, 0, 1, 32, 16, 1, 3, 88, 40, 1, 3, 32, 16, 1, 3, 10, 4, 11, 12, 200, 13})}
	for i := range 300 {
		c := cals[i%len(cals)]
		from := fuzzStart(rng.Int64N(3*365*24*60) * int64(time.Minute))
		d := time.Duration(rng.IntN(4*8*60)) * time.Minute
		got, err := c.AddWorking(from, d)
		if err != nil {
			t.Fatal(err)
		}
		// The oracle: walk minute by minute, counting the working ones.
		at, left := from, d
		for left > 0 {
			if oracleWorking(c, at) {
				left -= time.Minute
			}
			at = at.Add(time.Minute)
		}
		for d > 0 && !oracleWorking(c, at.Add(-time.Minute)) {
			at = at.Add(-time.Minute) // the earliest instant: back over the idle minutes
		}
		if !got.Equal(at) {
			t.Fatalf("calendar %d, from %s +%v: %s, the oracle says %s", i%len(cals), from, d, got, at)
		}
	}
}

// oracleWorking says whether the minute starting at t is worked, from the
// date's hours alone.
func oracleWorking(c *calendar.Calendar, t time.Time) bool {
	t = t.In(calendar.Zone())
	m := t.Hour()*60 + t.Minute()
	for _, p := range c.Hours(archive.DateOf(t)) {
		if p.Start <= m && m < p.End {
			return true
		}
	}
	return false
}

// FuzzParseSpec: any input gives a checked Spec or an Invalid/TooLarge
// error; a Spec that parses survives a round trip through JSON and
// compiles.
func FuzzParseSpec(f *testing.F) {
	s, _ := calendar.Shipped()
	f.Add(mustJSON(f, s))
	f.Add([]byte(`{"agency":"000.00.31.H29","hours":{"saturday":["07:30-11:30"]},"years":[2026],"days":[{"date":"2026-01-10","kind":"workday","name":"Làm bù","hours":["08:00-11:00"]}]}`))
	f.Add([]byte(`{"years":[2026],"days":[{"date":"2026-02-30","kind":"holiday","name":"x"}]}`))
	f.Add([]byte(`{"hours":{"monday":["17:00-08:00"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := calendar.ParseSpec(bytes.NewReader(data))
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("ParseSpec: %v (kind %v)", err, k)
			}
			if code, msg := kerr.Public(err); code == "" || msg == "" {
				t.Fatalf("ParseSpec: %v has no public code and message", err)
			}
			return
		}
		again, err := calendar.ParseSpec(bytes.NewReader(mustJSON(t, s)))
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if !bytes.Equal(mustJSON(t, again), mustJSON(t, s)) {
			t.Fatalf("round trip changed the spec:\n%s\n%s", mustJSON(t, s), mustJSON(t, again))
		}
		if _, err := calendar.New(s); err != nil {
			t.Fatalf("a checked spec does not compile: %v", err)
		}
	})
}
