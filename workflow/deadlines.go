package workflow

import "time"

// Deadlines is the working-time arithmetic the workflow needs: due dates
// of dossiers and steps, and how late a dossier is. The working-time
// calendar (working hours, weekends, holidays, make-up days) provides it;
// until it is plugged in, PlainDeadlines stands in.
type Deadlines interface {
	// AddWorking returns the moment d of working time after from.
	AddWorking(from time.Time, d time.Duration) time.Time
	// DaysLate returns by how many days now is past due (0 when it is not).
	DaysLate(due, now time.Time) int
}

// PlainDeadlines counts every day as a working day: each full working
// day (8 hours) of d adds a calendar day, the rest is added as it is. It
// knows no weekend and no holiday; it is the stand-in until the calendar.
type PlainDeadlines struct{}

var _ Deadlines = PlainDeadlines{}

// AddWorking adds d to from, a working day of d being a calendar day.
func (PlainDeadlines) AddWorking(from time.Time, d time.Duration) time.Time {
	days := int(d / WorkingDay)
	return from.AddDate(0, 0, days).Add(d % WorkingDay)
}

// DaysLate counts the calendar days (in Vietnam) from due's day to now's.
func (PlainDeadlines) DaysLate(due, now time.Time) int {
	if !now.After(due) {
		return 0
	}
	dy, dm, dd := due.In(Vietnam).Date()
	ny, nm, nd := now.In(Vietnam).Date()
	days := int(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC).Sub(time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	return max(days, 1) // late the same day: one day
}
