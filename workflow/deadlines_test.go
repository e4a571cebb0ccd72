package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// vn is a wall-clock time in Vietnam.
func vn(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, workflow.Vietnam)
}

// calendars is the working-time calendar over st (the shipped national
// one until an admin stores another), as `kho serve` gives it.
func calendars(st calendar.Store, now func() time.Time) workflow.Calendars {
	cals := calendar.NewService(st, calendar.WithClock(now))
	return workflow.CalendarFunc(func(ctx context.Context, agency string) (workflow.Deadlines, error) {
		return cals.Deadlines(ctx, agency)
	})
}

// withCalendar makes e's workflow count with the working-time calendar,
// with cfg's other fields set by edit.
func (e *env) withCalendar(edit ...func(*workflow.Config)) {
	cfg := workflow.Config{Store: e.store, Vault: e.vault, Forms: e.forms, Now: e.clock.Now, Calendars: calendars(e.store, e.clock.Now)}
	for _, f := range edit {
		f(&cfg)
	}
	e.wf = workflow.New(cfg)
}

// dated is the birth declaration with the child born on birth and the
// declaration made on made (DD/MM/YYYY): the shipped one's dates are in
// December 2026, after the days these tests live on.
func dated(birth, made string) string {
	return strings.NewReplacer(`"ngaySinh": "02/11/2026"`, `"ngaySinh": "`+birth+`"`, `"ngayKhai": "05/12/2026"`, `"ngayKhai": "`+made+`"`).Replace(birthForm)
}

// act takes the action, failing t on an error.
func (e *env) act(t *testing.T, who archive.Actor, code string, in workflow.ActInput) workflow.View {
	t.Helper()
	v, err := e.wf.Act(context.Background(), who, code, in)
	if err != nil {
		t.Fatalf("%s by %s: %v", in.Action, who.Subject, err)
	}
	return v
}

func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s: %s, want %s", what, got.In(workflow.Vietnam).Format("Mon 02/01/2006 15:04:05"), want.In(workflow.Vietnam).Format("Mon 02/01/2006 15:04:05"))
	}
}

// TestDueDatesOverHolidays: a birth registration (one working day)
// received on the eve of a holiday is due after it, by the shipped
// calendar — Quốc khánh 2026 (Monday 31/08, a day swapped for Saturday
// 22/08, to Wednesday 02/09) and Tết Bính Ngọ (16–20/02/2026). After a
// supplement at intake and during resolution the clock restarts in full
// from the completed dossier's receipt; an extension moves the due date.
// With the plain arithmetic (Config.Calendars nil) the due date of the
// first case is Saturday 29/08, and the test fails.
func TestDueDatesOverHolidays(t *testing.T) {
	// received is a birth registration submitted and received at at, by a
	// workflow with the calendar, the child born on birth and the
	// declaration made on made.
	received := func(t *testing.T, at time.Time, birth, made string) (*env, workflow.View) {
		e := newEnv(t)
		e.clock.t, e.form = at, dated(birth, made)
		e.withCalendar()
		v := e.filledBirth(t)
		e.act(t, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSubmit})
		return e, e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionReceive})
	}
	t.Run("tet", func(t *testing.T) {
		_, v := received(t, vn(2026, 2, 13, 16, 0), "02/02/2026", "12/02/2026") // Friday before Tết
		// 16:00–17:00 Friday, then Tết and two weekends, then 7 hours of Monday 23/02.
		wantTime(t, "due after Tết", v.DueAt, vn(2026, 2, 23, 16, 0))
	})
	ctx := context.Background()
	e, v := received(t, vn(2026, 8, 28, 15, 0), "02/08/2026", "27/08/2026") // Friday before Quốc khánh
	// Friday 15:00–17:00, then the weekend and 31/08–02/09 off, then
	// Thursday 03/09 08:00–12:00 and 13:00–15:00.
	wantTime(t, "due after Quốc khánh", v.DueAt, vn(2026, 9, 3, 15, 0))
	// One working day left: near from the start (the calendar's rule).
	if !v.Display.Near || v.Display.Late {
		t.Fatalf("just received: display %+v", v.Display)
	}

	// Thursday 09:00: six working hours left, near.
	e.clock.t = vn(2026, 9, 3, 9, 0)
	got, err := e.wf.Get(ctx, citizen, v.Code)
	wantCode(t, err, "")
	if !got.Display.Near || got.Display.Late {
		t.Fatalf("on the due day: display %+v", got.Display)
	}

	// A supplement at intake: received again at 11:00, due a full working
	// day later (Friday 11:00), not what was left.
	e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh mờ", Items: []string{"Giấy chứng sinh"}})
	e.clock.t = vn(2026, 9, 3, 10, 0)
	e.act(t, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSupplement})
	e.clock.t = vn(2026, 9, 3, 11, 0)
	v = e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionReceive})
	wantTime(t, "due after the intake supplement", v.DueAt, vn(2026, 9, 4, 11, 0))

	// A supplement during resolution, completed on Monday 07/09 at 09:00
	// (the dossier was overdue meanwhile): due Tuesday 09:00.
	e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionTransfer})
	e.act(t, head, v.Code, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject})
	e.act(t, appraiser, v.Code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu chữ ký", Items: []string{"Tờ khai có chữ ký"}})
	e.clock.t = vn(2026, 9, 7, 9, 0)
	v = e.act(t, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSupplement})
	wantTime(t, "due after the supplement in resolution", v.DueAt, vn(2026, 9, 8, 9, 0))

	// The step due dates count with the calendar too: the appraisal step
	// starts at the assignment.
	if v.StepDueAt.IsZero() {
		t.Fatalf("no step due date: %+v", v.Dossier)
	}

	// Overdue on Wednesday, found by the scan; an extension moves the due
	// date and clears what the scan found.
	e.clock.t = vn(2026, 9, 9, 10, 0)
	rep, err := e.wf.ScanDeadlines(ctx, "", nil)
	wantCode(t, err, "")
	if rep.Overdue != 1 {
		t.Fatalf("scan: %+v", rep)
	}
	got, err = e.wf.Get(ctx, citizen, v.Code)
	wantCode(t, err, "")
	if l := got.Lateness; l == nil || l.State != workflow.LateOverdue || !l.Due.Equal(v.DueAt) || l.DaysLate != 1 || l.Reason == "" {
		t.Fatalf("lateness %+v", got.Lateness)
	}
	// The apology promises two working days after the scan: Friday 10:00.
	wantTime(t, "apology's new date", got.Lateness.NewDue, vn(2026, 9, 11, 10, 0))
	if !got.Display.Late || got.Display.Info != "Hạn xử lý 08/09/2026 - Quá hạn 1 ngày" {
		t.Fatalf("display %+v", got.Display)
	}
	v = e.act(t, head, v.Code, workflow.ActInput{Action: workflow.ActionExtend, Deadline: vn(2026, 9, 15, 17, 0), Reason: "Cần xác minh thêm"})
	wantTime(t, "extended", v.DueAt, vn(2026, 9, 15, 17, 0))
	if v.Lateness != nil || v.Display.Late {
		t.Fatalf("extended: lateness %+v, display %+v", v.Lateness, v.Display)
	}
}
