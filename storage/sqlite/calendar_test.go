package sqlite_test

import (
	"testing"

	"github.com/kho-vn/kho/workflow/calendar"
	"github.com/kho-vn/kho/workflow/calendar/calendartest"
)

func TestCalendarConformance(t *testing.T) {
	calendartest.Run(t, func(t *testing.T) calendar.Store { return open(t) })
}
