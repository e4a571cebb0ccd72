package calendar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow/calendar"
)

// deadlines is package workflow's Deadlines interface, as that package
// declares it: the calendar must satisfy it exactly.
type deadlines interface {
	AddWorking(from time.Time, d time.Duration) time.Time
	DaysLate(due, now time.Time) int
}

var _ deadlines = calendar.Deadlines{}

// workingDay is workflow.WorkingDay.
const workingDay = 8 * time.Hour

func TestDeadlinesAddWorking(t *testing.T) {
	dl := calendar.Deadlines{Cal: shipped(t)}
	tests := []struct {
		name string
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"within a morning", vn(2026, 12, 7, 9, 0), 2 * time.Hour, vn(2026, 12, 7, 11, 0)},
		{"over the lunch break", vn(2026, 12, 8, 11, 30), time.Hour, vn(2026, 12, 8, 13, 30)},
		{"to the minute", vn(2026, 12, 8, 8, 0), 95 * time.Minute, vn(2026, 12, 8, 9, 35)},
		{"ends at closing, not the next morning", vn(2026, 12, 8, 13, 0), 4 * time.Hour, vn(2026, 12, 8, 17, 0)},
		{"received after hours: from the next morning", vn(2026, 12, 7, 17, 30), time.Hour, vn(2026, 12, 8, 9, 0)},
		{"received on a Sunday", vn(2026, 12, 6, 10, 0), time.Hour, vn(2026, 12, 7, 9, 0)},
		{"one working day over a weekend", vn(2026, 12, 11, 10, 0), workingDay, vn(2026, 12, 14, 10, 0)},
		{"15 working days, no holiday", vn(2026, 12, 7, 10, 0), 15 * workingDay, vn(2026, 12, 28, 10, 0)},
		{"over Quốc khánh 2026 (31/08–02/09)", vn(2026, 8, 28, 15, 0), workingDay, vn(2026, 9, 3, 15, 0)},
		{"Friday before Tết 2026: after the break", vn(2026, 2, 13, 16, 0), 2 * time.Hour, vn(2026, 2, 23, 9, 0)},
		{"received during Tết 2026", vn(2026, 2, 17, 9, 0), time.Hour, vn(2026, 2, 23, 9, 0)},
		{"the make-up Saturday 22/08/2026 is worked", vn(2026, 8, 21, 16, 0), 2 * time.Hour, vn(2026, 8, 22, 9, 0)},
		{"over Tết Dương lịch 2026 and its swapped Friday", vn(2025, 12, 31, 16, 0), 2 * time.Hour, vn(2026, 1, 5, 9, 0)},
		{"nothing to add", vn(2026, 12, 6, 10, 0), 0, vn(2026, 12, 6, 10, 0)},
		{"negative: nothing to add", vn(2026, 12, 7, 10, 0), -time.Hour, vn(2026, 12, 7, 10, 0)},
		{"outside the calendar's years: wall-clock time", vn(1999, 12, 31, 10, 0), 3 * time.Hour, vn(1999, 12, 31, 13, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			same(t, "AddWorking", dl.AddWorking(tc.from, tc.d), tc.want)
		})
	}
}

// TestDeadlinesRestart: after a supplement the whole limit counts again
// from the completed dossier's receipt, what was spent before is not
// deducted.
func TestDeadlinesRestart(t *testing.T) {
	dl := calendar.Deadlines{Cal: shipped(t)}
	limit := 3 * workingDay
	received := vn(2026, 8, 26, 8, 0) // Wednesday morning
	same(t, "first deadline", dl.AddWorking(received, limit), vn(2026, 8, 28, 17, 0))
	// A supplement is asked on Thursday 27/08 and the completed dossier
	// comes back on Friday 28/08 at 14:00: the clock starts again there,
	// over Quốc khánh.
	back := vn(2026, 8, 28, 14, 0)
	restarted := dl.AddWorking(back, limit)
	same(t, "after the supplement", restarted, vn(2026, 9, 7, 14, 0))
	r, err := dl.Cal.Restart(back, calendar.WorkingHours(24))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Restart of the same limit", r, restarted)
}

func TestDeadlinesDaysLate(t *testing.T) {
	dl := calendar.Deadlines{Cal: shipped(t)}
	tests := []struct {
		name     string
		due, now time.Time
		want     int
	}{
		{"before the deadline", vn(2026, 12, 8, 17, 0), vn(2026, 12, 8, 16, 59), 0},
		{"at the deadline", vn(2026, 12, 8, 17, 0), vn(2026, 12, 8, 17, 0), 0},
		{"past it the same evening", vn(2026, 12, 8, 17, 0), vn(2026, 12, 8, 17, 30), 1},
		{"the next working day", vn(2026, 12, 8, 17, 0), vn(2026, 12, 9, 10, 0), 1},
		{"a weekend is not late", vn(2026, 12, 11, 17, 0), vn(2026, 12, 13, 10, 0), 1},
		{"three working days", vn(2026, 12, 8, 17, 0), vn(2026, 12, 11, 9, 0), 3},
		{"Quốc khánh 2026 is not late", vn(2026, 8, 28, 17, 0), vn(2026, 9, 3, 10, 0), 1},
		{"over Tết 2026", vn(2026, 2, 12, 17, 0), vn(2026, 2, 24, 9, 0), 3},
		{"due in the morning, late that afternoon", vn(2026, 12, 8, 10, 0), vn(2026, 12, 8, 15, 0), 1},
		{"outside the calendar's years: calendar days", vn(1999, 12, 1, 17, 0), vn(1999, 12, 3, 9, 0), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dl.DaysLate(tc.due, tc.now); got != tc.want {
				t.Errorf("DaysLate(%s, %s) = %d, want %d", tc.due.Format("02/01/2006 15:04"), tc.now.Format("02/01/2006 15:04"), got, tc.want)
			}
		})
	}
}

func TestDeadlinesNear(t *testing.T) {
	dl := calendar.Deadlines{Cal: shipped(t)}
	due := vn(2026, 9, 3, 17, 0) // Thursday after Quốc khánh
	tests := []struct {
		name string
		due  time.Time
		now  time.Time
		want bool
	}{
		{"more than a working day left", due, vn(2026, 8, 28, 16, 0), false},
		{"Friday evening before Quốc khánh: only Thursday left", due, vn(2026, 8, 28, 17, 0), true},
		{"during the holiday", due, vn(2026, 9, 2, 10, 0), true},
		{"the last morning", due, vn(2026, 9, 3, 8, 0), true},
		{"at the deadline", due, due, true},
		{"past it: overdue, not near", due, vn(2026, 9, 3, 17, 1), false},
		{"a week ahead", vn(2026, 12, 15, 17, 0), vn(2026, 12, 8, 9, 0), false},
		{"one working day and a minute", vn(2026, 12, 9, 17, 0), vn(2026, 12, 8, 16, 59), false},
		{"exactly one working day", vn(2026, 12, 9, 17, 0), vn(2026, 12, 8, 17, 0), true},
		{"Friday before Tết 2026 for the first day after it", vn(2026, 2, 23, 17, 0), vn(2026, 2, 13, 17, 0), true},
		{"outside the calendar's years: a day of wall-clock time", vn(1999, 12, 3, 17, 0), vn(1999, 12, 2, 18, 0), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dl.Near(tc.due, tc.now); got != tc.want {
				t.Errorf("Near(%s, %s) = %v, want %v", tc.due.Format("02/01/2006 15:04"), tc.now.Format("02/01/2006 15:04"), got, tc.want)
			}
		})
	}
}

// TestServiceDeadlines: the Deadlines of an agency count with its own
// days over the national ones.
func TestServiceDeadlines(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/kho.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(ctx) })
	s := calendar.NewService(store)
	u, err := calendar.ParseSpec(strings.NewReader(`{"agency":"H29","years":[2026],"days":[{"date":"2026-12-12","kind":"workday","name":"Mở cửa thứ Bảy"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Apply(ctx, u, "quantri", 0); err != nil {
		t.Fatal(err)
	}
	from := vn(2026, 12, 11, 16, 0) // Friday
	national, err := s.Deadlines(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	agency, err := s.Deadlines(ctx, "H29")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "national", national.AddWorking(from, 2*time.Hour), vn(2026, 12, 14, 9, 0))
	same(t, "agency open on Saturday 12/12", agency.AddWorking(from, 2*time.Hour), vn(2026, 12, 12, 9, 0))
	if _, err := s.Deadlines(ctx, "a b"); err == nil {
		t.Fatal("a bad agency code gave Deadlines")
	}
}
