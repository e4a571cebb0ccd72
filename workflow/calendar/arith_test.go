package calendar_test

import (
	"testing"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh for TestZoneIsVietnam, whatever the machine has

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow/calendar"
)

// vn is an instant in Vietnam: vn(2026, 2, 13, 16, 55) is 13/02/2026 16:55.
func vn(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, calendar.Zone())
}

// shipped is the national calendar Kho ships, compiled.
func shipped(t testing.TB) *calendar.Calendar {
	t.Helper()
	s, err := calendar.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func same(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.Format("Mon 02/01/2006 15:04:05"), want.Format("Mon 02/01/2006 15:04:05"))
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := shipped(t)
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"received Monday morning, 3 days: Thursday evening", vn(2026, 3, 2, 10, 0), 3, vn(2026, 3, 5, 17, 0)},
		{"15 days over three weekends", vn(2026, 3, 2, 10, 0), 15, vn(2026, 3, 23, 17, 0)},
		{"0 days: the end of the day of reception", vn(2026, 3, 2, 16, 59), 0, vn(2026, 3, 2, 17, 0)},
		{"received in the lunch break: that day counts", vn(2026, 3, 2, 12, 30), 0, vn(2026, 3, 2, 17, 0)},
		{"received before opening: that day counts", vn(2026, 3, 2, 6, 0), 1, vn(2026, 3, 3, 17, 0)},
		{"Friday 16:55 before Tết 2026: first day after Tết", vn(2026, 2, 13, 16, 55), 1, vn(2026, 2, 23, 17, 0)},
		{"Friday 17:05 before Tết 2026: received on Monday 23/02", vn(2026, 2, 13, 17, 5), 1, vn(2026, 2, 24, 17, 0)},
		{"received during Tết", vn(2026, 2, 18, 9, 0), 0, vn(2026, 2, 23, 17, 0)},
		{"received on a Saturday: counted from Monday", vn(2026, 3, 7, 9, 0), 1, vn(2026, 3, 10, 17, 0)},
		{"over Tết Dương lịch 2026 and its swapped Friday", vn(2025, 12, 31, 9, 0), 2, vn(2026, 1, 6, 17, 0)},
		{"the make-up Saturday 10/01/2026 is a working day", vn(2026, 1, 9, 10, 0), 1, vn(2026, 1, 10, 17, 0)},
		{"received on the make-up Saturday", vn(2026, 1, 10, 8, 0), 1, vn(2026, 1, 12, 17, 0)},
		{"make-up Saturday 22/08/2026", vn(2026, 8, 21, 10, 0), 1, vn(2026, 8, 22, 17, 0)},
		{"over Quốc khánh 2026", vn(2026, 8, 28, 10, 0), 1, vn(2026, 9, 3, 17, 0)},
		{"make-up Saturday 26/04/2025", vn(2025, 4, 25, 10, 0), 1, vn(2025, 4, 26, 17, 0)},
		{"over 30/4 2025 and its swapped Friday", vn(2025, 4, 29, 10, 0), 1, vn(2025, 5, 5, 17, 0)},
		{"Giỗ Tổ 2026 made up on Monday 27/04", vn(2026, 4, 24, 15, 0), 1, vn(2026, 4, 28, 17, 0)},
		{"Tết Ất Tỵ 2025", vn(2025, 1, 24, 9, 0), 1, vn(2025, 2, 3, 17, 0)},
		{"instant given in UTC", time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), 3, vn(2026, 3, 5, 17, 0)},
		{"a year whose holidays are not known: the week alone", vn(2027, 12, 31, 9, 0), 1, vn(2028, 1, 3, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(tt.from, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "due", got, tt.want)
			if got.Location() != calendar.Zone() {
				t.Errorf("due in %v, want Vietnam's zone", got.Location())
			}
		})
	}
}

func TestAddWorking(t *testing.T) {
	c := shipped(t)
	h := time.Hour
	tests := []struct {
		name string
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"within a period", vn(2026, 3, 2, 10, 0), 90 * time.Minute, vn(2026, 3, 2, 11, 30)},
		{"over the lunch break", vn(2026, 3, 2, 11, 30), h, vn(2026, 3, 2, 13, 30)},
		{"ends at noon, not at 13:00", vn(2026, 3, 2, 11, 0), h, vn(2026, 3, 2, 12, 0)},
		{"ends at 17:00, not the next morning", vn(2026, 3, 2, 8, 0), 8 * h, vn(2026, 3, 2, 17, 0)},
		{"Friday before Tết: the rest on 23/02", vn(2026, 2, 13, 16, 30), h, vn(2026, 2, 23, 8, 30)},
		{"after hours before Tết", vn(2026, 2, 13, 17, 5), 4 * h, vn(2026, 2, 23, 12, 0)},
		{"from the lunch break", vn(2026, 3, 2, 12, 15), 30 * time.Minute, vn(2026, 3, 2, 13, 30)},
		{"into the make-up Saturday", vn(2026, 1, 9, 13, 0), 8 * h, vn(2026, 1, 10, 12, 0)},
		{"seconds are kept", vn(2026, 3, 2, 10, 0).Add(30 * time.Second), time.Minute, vn(2026, 3, 2, 10, 1).Add(30 * time.Second)},
		{"zero from outside working hours stays put", vn(2026, 3, 7, 9, 0), 0, vn(2026, 3, 7, 9, 0)},
		{"a working week", vn(2026, 3, 2, 8, 0), 40 * h, vn(2026, 3, 6, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorking(tt.from, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "AddWorking", got, tt.want)
			back, err := c.WorkingBetween(tt.from, got)
			if err != nil {
				t.Fatal(err)
			}
			if back != tt.d {
				t.Errorf("WorkingBetween(from, result) = %v, want %v", back, tt.d)
			}
		})
	}
}

func TestNextWorking(t *testing.T) {
	c := shipped(t)
	tests := []struct {
		name     string
		from     time.Time
		want     time.Time
		isWorked bool
	}{
		{"during hours: itself", vn(2026, 3, 2, 10, 0), vn(2026, 3, 2, 10, 0), true},
		{"at opening: itself", vn(2026, 3, 2, 8, 0), vn(2026, 3, 2, 8, 0), true},
		{"at noon: after lunch", vn(2026, 3, 2, 12, 0), vn(2026, 3, 2, 13, 0), false},
		{"at 17:00: next morning", vn(2026, 3, 2, 17, 0), vn(2026, 3, 3, 8, 0), false},
		{"16:55 Friday before Tết is still Friday", vn(2026, 2, 13, 16, 55), vn(2026, 2, 13, 16, 55), true},
		{"17:30 Friday before Tết: Monday after Tết", vn(2026, 2, 13, 17, 30), vn(2026, 2, 23, 8, 0), false},
		{"Friday before the make-up Saturday", vn(2026, 1, 9, 17, 30), vn(2026, 1, 10, 8, 0), false},
		{"swapped Friday 02/01/2026", vn(2026, 1, 2, 9, 0), vn(2026, 1, 5, 8, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.NextWorking(tt.from)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "NextWorking", got, tt.want)
			if c.IsWorking(tt.from) != tt.isWorked {
				t.Errorf("IsWorking = %v, want %v", !tt.isWorked, tt.isWorked)
			}
			if !c.IsWorking(got) {
				t.Errorf("NextWorking gave %s, which is not working time", got)
			}
		})
	}
}

func TestWorkingBetween(t *testing.T) {
	c := shipped(t)
	h := time.Hour
	tests := []struct {
		name     string
		a, b     time.Time
		want     time.Duration
		wantDays int
	}{
		{"over Tết", vn(2026, 2, 13, 16, 0), vn(2026, 2, 23, 9, 0), 2 * h, 1},
		{"over a make-up Saturday", vn(2026, 1, 9, 8, 0), vn(2026, 1, 12, 8, 0), 16 * h, 2},
		{"over Tết Dương lịch", vn(2025, 12, 31, 0, 0), vn(2026, 1, 6, 0, 0), 16 * h, 2},
		{"within one lunch break", vn(2026, 3, 2, 12, 5), vn(2026, 3, 2, 12, 55), 0, 0},
		{"a weekend", vn(2026, 3, 6, 17, 0), vn(2026, 3, 9, 8, 0), 0, 1},
		{"backwards is negative", vn(2026, 3, 3, 10, 0), vn(2026, 3, 2, 10, 0), -8 * h, -1},
		{"a whole year 2026", vn(2026, 1, 1, 0, 0), vn(2027, 1, 1, 0, 0), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.WorkingBetween(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			days, err := c.WorkingDaysBetween(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "a whole year 2026" {
				// 261 weekdays, less 13 weekdays off, plus 2 make-up
				// Saturdays: 250 working days of 8 hours. The day count
				// takes the days after 01/01/2026 up to 01/01/2027, a
				// Friday worked as far as the calendar knows.
				tt.want, tt.wantDays = 250*8*h, 251
			}
			if got != tt.want || days != tt.wantDays {
				t.Errorf("WorkingBetween = %v, WorkingDaysBetween = %d; want %v, %d", got, days, tt.want, tt.wantDays)
			}
		})
	}
}

func TestDueRestartResume(t *testing.T) {
	c := shipped(t)
	tests := []struct {
		name string
		got  func() (time.Time, error)
		want time.Time
	}{
		{"Due in days", func() (time.Time, error) { return c.Due(vn(2026, 3, 2, 10, 0), calendar.WorkingDays(3)) }, vn(2026, 3, 5, 17, 0)},
		{"Due in hours from after hours", func() (time.Time, error) { return c.Due(vn(2026, 3, 2, 18, 0), calendar.WorkingHours(4)) }, vn(2026, 3, 3, 12, 0)},
		{"Due of 0 minutes from after hours: next opening", func() (time.Time, error) { return c.Due(vn(2026, 3, 2, 18, 0), calendar.WorkingMinutes(0)) }, vn(2026, 3, 3, 8, 0)},
		{"Restart after a supplement received before Tết: full limit again", func() (time.Time, error) {
			return c.Restart(vn(2026, 2, 13, 16, 55), calendar.WorkingDays(3))
		}, vn(2026, 2, 25, 17, 0)},
		{"Resume in minutes: 2 hours were left", func() (time.Time, error) {
			return c.Resume(calendar.WorkingHours(4), vn(2026, 3, 2, 12, 0), vn(2026, 3, 2, 10, 0), vn(2026, 3, 3, 16, 0))
		}, vn(2026, 3, 4, 9, 0)},
		{"Resume in days: Wednesday and Thursday were left", func() (time.Time, error) {
			return c.Resume(calendar.WorkingDays(3), vn(2026, 3, 5, 17, 0), vn(2026, 3, 3, 10, 0), vn(2026, 3, 9, 14, 0))
		}, vn(2026, 3, 11, 17, 0)},
		{"Resume after the deadline: nothing left", func() (time.Time, error) {
			return c.Resume(calendar.WorkingDays(3), vn(2026, 3, 5, 17, 0), vn(2026, 3, 6, 10, 0), vn(2026, 3, 9, 14, 0))
		}, vn(2026, 3, 9, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatal(err)
			}
			same(t, "deadline", got, tt.want)
		})
	}
}

func TestStatus(t *testing.T) {
	c := shipped(t)
	start, due := vn(2026, 3, 2, 10, 0), vn(2026, 3, 5, 17, 0) // 3 working days: 30 working hours
	tests := []struct {
		name     string
		start    time.Time
		due, now time.Time
		near     calendar.Near
		want     calendar.Status
		text     string
	}{
		{"on time", start, due, vn(2026, 3, 4, 10, 0), calendar.DefaultNear(),
			calendar.Status{State: calendar.OnTime, Left: 14 * time.Hour}, "Hạn xử lý 05/03/2026"},
		{"near: a working day left", start, due, vn(2026, 3, 5, 9, 0), calendar.DefaultNear(),
			calendar.Status{State: calendar.NearDeadline, Left: 7 * time.Hour}, "Hạn xử lý 05/03/2026"},
		{"near by share", start, due, vn(2026, 3, 4, 10, 0), calendar.Near{Share: 0.5},
			calendar.Status{State: calendar.NearDeadline, Left: 14 * time.Hour}, "Hạn xử lý 05/03/2026"},
		{"share needs a start", time.Time{}, due, vn(2026, 3, 4, 10, 0), calendar.Near{Share: 0.5},
			calendar.Status{State: calendar.OnTime, Left: 14 * time.Hour}, "Hạn xử lý 05/03/2026"},
		{"at the deadline: not yet overdue", start, due, due, calendar.DefaultNear(),
			calendar.Status{State: calendar.NearDeadline}, "Hạn xử lý 05/03/2026"},
		{"overdue the same evening: 1 day", start, due, vn(2026, 3, 5, 18, 0), calendar.DefaultNear(),
			calendar.Status{State: calendar.Overdue, LateDays: 1}, "Hạn xử lý 05/03/2026 - Quá hạn 1 ngày"},
		{"overdue 3 working days", start, due, vn(2026, 3, 10, 10, 0), calendar.DefaultNear(),
			calendar.Status{State: calendar.Overdue, Late: 18 * time.Hour, LateDays: 3}, "Hạn xử lý 05/03/2026 - Quá hạn 3 ngày"},
		{"overdue over Quốc khánh 2026 counts working days", vn(2026, 8, 27, 9, 0), vn(2026, 8, 28, 17, 0), vn(2026, 9, 3, 9, 0), calendar.DefaultNear(),
			calendar.Status{State: calendar.Overdue, Late: time.Hour, LateDays: 1}, "Hạn xử lý 28/08/2026 - Quá hạn 1 ngày"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Status(tt.start, tt.due, tt.now, tt.near)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Status = %+v, want %+v", got, tt.want)
			}
			if s := calendar.DueText(tt.due, got); s != tt.text {
				t.Errorf("DueText = %q, want %q", s, tt.text)
			}
		})
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if c, _ := kerr.Public(err); c != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func TestBounds(t *testing.T) {
	c := shipped(t)
	from := vn(2026, 3, 2, 10, 0)
	_, err := c.AddWorkingDays(from, calendar.MaxWorkingDays+1)
	wantCode(t, err, "invalid_working_days")
	_, err = c.AddWorkingDays(from, -1)
	wantCode(t, err, "invalid_working_days")
	_, err = c.AddWorking(from, -time.Minute)
	wantCode(t, err, "invalid_working_duration")
	_, err = c.AddWorking(from, (calendar.MaxWorkingMinutes+1)*time.Minute)
	wantCode(t, err, "invalid_working_duration")
	_, err = c.Due(from, calendar.Duration{N: 3, Unit: "weeks"})
	wantCode(t, err, "invalid_duration_unit")
	_, err = c.NextWorking(vn(1999, 12, 31, 23, 59))
	wantCode(t, err, "instant_out_of_range")
	_, err = c.AddWorking(vn(2200, 1, 1, 0, 0), time.Hour)
	wantCode(t, err, "instant_out_of_range")
	_, err = c.WorkingBetween(vn(2026, 1, 1, 0, 0), vn(2060, 1, 1, 0, 0))
	wantCode(t, err, "deadline_out_of_range")

	// The longest limits still compute, with the week alone past 2026.
	due, err := c.AddWorkingDays(from, calendar.MaxWorkingDays)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.WorkingDaysBetween(from, due); err != nil || n != calendar.MaxWorkingDays {
		t.Fatalf("%d working days between, %v; want %d", n, err, calendar.MaxWorkingDays)
	}
	if c.Covers(from, due) || !c.Covers(from, vn(2026, 12, 31, 0, 0)) || !c.Known(2025) || c.Known(2027) {
		t.Fatal("Covers/Known: want 2025 and 2026 known, no year after")
	}

	// A calendar with one working minute a week: five years of working
	// minutes lie centuries away; the search stops at 25 years.
	sparse, err := calendar.New(calendar.Spec{Hours: &calendar.Week{Sunday: []calendar.Period{{Start: 0, End: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sparse.AddWorking(from, calendar.MaxWorkingMinutes*time.Minute)
	wantCode(t, err, "deadline_out_of_range")
	_, err = sparse.AddWorkingDays(from, calendar.MaxWorkingDays)
	wantCode(t, err, "deadline_out_of_range")
	if got, err := sparse.AddWorking(vn(2026, 3, 2, 10, 0), 2*time.Minute); err != nil || !got.Equal(vn(2026, 3, 15, 0, 1)) {
		t.Fatalf("sparse AddWorking = %s, %v; want Sunday 15/03/2026 00:01", got, err)
	}
}

// TestZoneIsVietnam: the fixed zone agrees with the tz database's
// Asia/Ho_Chi_Minh on every hour of 2025-2026 (no daylight saving), and an
// instant's zone does not change a result.
func TestZoneIsVietnam(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	for at := vn(2025, 1, 1, 0, 0); at.Year() < 2027; at = at.Add(time.Hour) {
		if a, b := at.In(hcm).Format(time.DateTime), at.In(calendar.Zone()).Format(time.DateTime); a != b {
			t.Fatalf("%s in the tz database, %s in calendar.Zone", a, b)
		}
	}
	c := shipped(t)
	// 08/03/2026: clocks in New York move; Vietnam's working day does not.
	ny := time.FixedZone("EST", -5*3600)
	from := time.Date(2026, 3, 7, 22, 0, 0, 0, ny) // 10:00 on Sunday 08/03 in Vietnam
	got, err := c.AddWorking(from, 9*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "AddWorking", got, vn(2026, 3, 10, 9, 0))
	if d, _ := c.WorkingBetween(vn(2026, 3, 9, 0, 0), vn(2026, 3, 10, 0, 0)); d != 8*time.Hour {
		t.Fatalf("Monday 09/03/2026 has %v of work, want 8h", d)
	}
}
