package mongo_test

import (
	"testing"

	"github.com/kho-vn/kho/workflow/calendar"
	"github.com/kho-vn/kho/workflow/calendar/calendartest"
)

// TestCalendarConformance runs the calendar.Store suite, each subtest on a fresh database.
func TestCalendarConformance(t *testing.T) {
	w := watchCommands()
	calendartest.Run(t, func(t *testing.T) calendar.Store { return openWatched(t, w) })
	w.check(t)
}
