package main

import (
	"context"
	"time"

	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// deadlineScanInterval is how often the leased deadline-scan job looks
// for dossiers near or past their due time (one process at a time). A
// dossier is near a working day ahead, so minutes are plenty.
const deadlineScanInterval = 5 * time.Minute

// deadlineSeams gives the workflow the working-time calendar of each
// agency (due dates of dossiers and steps, lateness) and the outbox that
// tells people of the lifecycle (receipt, supplement request, result,
// lateness).
func deadlineSeams(calendars *calendar.Service, notes *notify.Service) func(*workflow.Config) {
	return func(c *workflow.Config) {
		c.Calendars = workflow.CalendarFunc(func(ctx context.Context, agency string) (workflow.Deadlines, error) {
			return calendars.Deadlines(ctx, agency)
		})
		c.Notifier = workflow.OutboxNotifier{Outbox: notes}
	}
}
