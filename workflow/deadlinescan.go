package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// Calendars gives the working-time arithmetic of an agency's calendar
// (its week and days off over the national ones). package
// workflow/calendar's Service is one through CalendarFunc:
//
//	workflow.CalendarFunc(func(ctx context.Context, agency string) (workflow.Deadlines, error) {
//		return calendars.Deadlines(ctx, agency)
//	})
//
// Errors: Invalid for a malformed agency code, the store's otherwise.
type Calendars interface {
	DeadlinesFor(ctx context.Context, agency string) (Deadlines, error)
}

// CalendarFunc is a function that is Calendars.
type CalendarFunc func(ctx context.Context, agency string) (Deadlines, error)

// DeadlinesFor calls f.
func (f CalendarFunc) DeadlinesFor(ctx context.Context, agency string) (Deadlines, error) {
	return f(ctx, agency)
}

// NearDeadlines is Deadlines that also says when a due time is near
// (calendar.Deadlines is one: at most one working day of working time
// left). Without it, near means within Config.NearDeadline of wall time.
type NearDeadlines interface {
	Deadlines
	Near(due, now time.Time) bool
}

// deadlinesFor is the arithmetic of agency's calendar ("" the national
// one): Config.Calendars', else Config.Deadlines. A calendar that cannot
// be read is an error (Unavailable when the store is down): a due date
// counted without the holidays would be wrong, and stored.
func (s *Service) deadlinesFor(ctx context.Context, agency string) (Deadlines, error) {
	if s.calendars == nil {
		return s.deadlines, nil
	}
	dl, err := s.calendars.DeadlinesFor(ctx, agency)
	if err != nil {
		return nil, storeErr("read the working-time calendar", err)
	}
	return dl, nil
}

// near reports whether due is near at now by dl's rule, or within the
// service's NearDeadline of wall time when dl has none.
func (s *Service) nearBy(dl Deadlines, due, now time.Time) bool {
	if n, ok := dl.(NearDeadlines); ok {
		return n.Near(due, now)
	}
	return !now.After(due) && due.Sub(now) <= s.near
}

// LateState is where a dossier stands against its due time, as the
// deadline scan last found it.
type LateState string

// The states of Lateness. A dossier the scan has not marked is on time.
const (
	LateOnTime  LateState = "on_time"
	LateNear    LateState = "near"    // sắp đến hạn
	LateOverdue LateState = "overdue" // quá hạn
)

// Label is the state as people read it.
func (l LateState) Label() string {
	switch l {
	case LateNear:
		return "Sắp đến hạn"
	case LateOverdue:
		return "Quá hạn"
	}
	return "Trong hạn"
}

// Lateness is what the deadline scan found of a dossier's due time
// (Dossier.DueAt): near or overdue, since when, and for an overdue
// dossier the data of the apology slip (phiếu xin lỗi và hẹn lại ngày
// trả kết quả): the new date promised and the reason. It is about Due
// only: once the due time changes (a supplement restarts the clock, an
// extension moves it), Act clears it and the scan looks again.
type Lateness struct {
	State LateState `json:"state"`
	// Due is the due time this is about (Dossier.DueAt when marked).
	Due time.Time `json:"due"`
	// Since is when the scan found the state.
	Since time.Time `json:"since"`
	// DaysLate is how many working days the dossier was late when found
	// overdue (the "Quá hạn N ngày" of that day; the status shown counts
	// it again each day).
	DaysLate int `json:"daysLate,omitempty"`
	// NewDue is the new date the apology promises (overdue): the scan's
	// time plus Config.ApologyDelay of working time. Staff who promise
	// another date extend the dossier (action extend).
	NewDue time.Time `json:"newDue,omitzero"`
	// Reason is the apology's reason (overdue).
	Reason string `json:"reason,omitempty"`
}

// DefaultApologyDelay is the working time after the scan that an
// overdue dossier's apology promises the result by, when
// Config.ApologyDelay is 0: two working days.
const DefaultApologyDelay = 2 * WorkingDay

// lateReason is the reason the apology gives when staff give none.
const lateReason = "Hồ sơ chưa được giải quyết xong trong thời hạn đã hẹn."

// clockRunning reports whether a dossier in status st is being resolved
// against its due time: received, processing or waiting for fees (the
// statuses the desk counts "in progress"). A supplement request stops
// the clock (it restarts in full after), a result or a refusal ends it.
func clockRunning(st Status) bool {
	return st == StatusReceived || st == StatusProcessing || st == StatusPaymentRequired
}

// lateness is d's lateness if it is about d's current due time, else nil.
func (d Dossier) lateness() *Lateness {
	if d.Lateness == nil || !d.Lateness.Due.Equal(d.DueAt) {
		return nil
	}
	return d.Lateness
}

// WatchKey is what the deadline scan reads d by (DossierStore.
// DossiersDueBefore): its due time in milliseconds (13 digits), "/" and
// its code, while its clock runs and it is not yet found overdue for that
// due time; "" otherwise, and then a store leaves it out of the scan's
// index. Keys sort by due time, then code.
func (d Dossier) WatchKey() string {
	if d.DueAt.IsZero() || !clockRunning(d.Status) {
		return ""
	}
	if l := d.lateness(); l != nil && l.State == LateOverdue {
		return ""
	}
	return WatchKeyBefore(d.DueAt) + d.Code
}

// WatchKeyBefore is the bound of the watch keys of the dossiers due
// before t: every key of a due time before t sorts below it, and none at
// or after t.
func WatchKeyBefore(t time.Time) string {
	return fmt.Sprintf("%013d/", max(t.UTC().Truncate(time.Millisecond).UnixMilli(), 0))
}

// DeadlineScanJobName is the name of the deadline scan's lease.
const DeadlineScanJobName = "deadline-scan"

// scanBatch is how many dossiers one read of the scan takes.
const scanBatch = 200

// ScanMargin is added to the scan's horizon (the end of the next
// national working day) for agencies whose own calendar has days off the
// national one has not.
const ScanMargin = 72 * time.Hour

// ScanReport counts what one deadline scan did.
type ScanReport struct {
	Read    int // dossiers read (due before the horizon, not yet overdue)
	Near    int // newly found near their due time
	Overdue int // newly found overdue
	Lost    int // changed by someone else meanwhile: left to the next run
}

// DeadlineJob is the leased background job that scans the deadlines
// every interval (internal/jobs: one process at a time, however many
// share the store). A run resumes from the cursor a lost run saved.
func (s *Service) DeadlineJob(every time.Duration) jobs.Job {
	return jobs.Job{Name: DeadlineScanJobName, Every: every, RetryAfter: min(every, time.Minute),
		Run: func(ctx context.Context, r *jobs.Run) error {
			rep, err := s.ScanDeadlines(ctx, r.Cursor(), r.Save)
			if rep.Near+rep.Overdue > 0 {
				s.log.Info("Đã quét thời hạn hồ sơ", "read", rep.Read, "near", rep.Near, "overdue", rep.Overdue, "lost", rep.Lost)
			}
			return err
		}}
}

// ScanDeadlines looks at the dossiers whose clock runs and whose due
// time is before the horizon — the end of the next working day of the
// national calendar, plus ScanMargin — through the store's index of
// watch keys, never the whole store: from the key after on, a batch at a
// time, calling save with the last key done after each batch and with ""
// at the end (the job's cursor; save may be nil).
//
// For each, by its competent agency's calendar: past its due time is
// overdue, within the last working day near. When that differs from the
// Lateness stored for that due time, it first enqueues the notification
// (Config.Notifier, key "<code>/<trail length>/<late|near>", so that two
// processes scanning at once enqueue it once), then stores the new
// Lateness by an update guarded by the dossier's revision: of two
// processes, one changes the dossier and the other finds it changed
// (ScanReport.Lost). An overdue dossier gets the apology's data (NewDue,
// Reason) and leaves the scan's index until its due time changes.
func (s *Service) ScanDeadlines(ctx context.Context, after string, save func(ctx context.Context, cursor string) error) (ScanReport, error) {
	var rep ScanReport
	now := s.nowUTC()
	nat, err := s.deadlinesFor(ctx, "")
	if err != nil {
		return rep, err
	}
	horizon := nat.AddWorking(now, WorkingDay).Add(ScanMargin)
	for ctx.Err() == nil {
		ds, err := s.store.DossiersDueBefore(ctx, horizon, after, scanBatch)
		if err != nil {
			return rep, storeErr("scan deadlines", err)
		}
		for _, d := range ds {
			if err := s.checkDeadline(ctx, d, now, &rep); err != nil {
				return rep, err
			}
			rep.Read++
			after = d.WatchKey()
		}
		if len(ds) < scanBatch {
			after = ""
		}
		if save != nil {
			if err := save(ctx, after); err != nil {
				return rep, err
			}
		}
		if after == "" {
			break
		}
	}
	return rep, ctx.Err()
}

// checkDeadline finds where d stands at now and records a change.
func (s *Service) checkDeadline(ctx context.Context, d Dossier, now time.Time, rep *ScanReport) error {
	dl, err := s.deadlinesFor(ctx, d.HandlingAgency)
	if err != nil {
		return err
	}
	state, days := LateOnTime, dl.DaysLate(d.DueAt, now)
	switch {
	case days > 0:
		state = LateOverdue
	case s.nearBy(dl, d.DueAt, now):
		state = LateNear
	}
	cur := LateOnTime
	if l := d.lateness(); l != nil {
		cur = l.State
	}
	if state == cur {
		return nil
	}
	n := d
	n.Lateness = nil
	if state != LateOnTime {
		l := Lateness{State: state, Due: d.DueAt, Since: now}
		if state == LateOverdue {
			l.DaysLate, l.Reason = days, lateReason
			l.NewDue = dl.AddWorking(now, s.apologyDelay).UTC().Truncate(time.Millisecond)
		}
		n.Lateness = &l
		// The notification first, under a key both racers compute alike:
		// whoever stores the state, it is enqueued once, and a crash
		// between the two leaves it enqueued, not lost.
		if err := s.notifyErr(ctx, Event{Dossier: n, Lateness: &l}); err != nil {
			s.log.Warn("không đưa được thông báo thời hạn vào hàng đợi; lượt quét sau thử lại", "dossier", d.Code, "err", err)
			return nil
		}
	}
	n.Rev, n.UpdatedAt = d.Rev+1, later(s.nowUTC(), d.UpdatedAt)
	err = s.updateDossier(ctx, n, d.Status)
	switch {
	case kerr.IsKind(err, kerr.Conflict):
		rep.Lost++
		return nil
	case err != nil:
		return storeErr("record lateness", err)
	}
	switch state {
	case LateNear:
		rep.Near++
	case LateOverdue:
		rep.Overdue++
	}
	return nil
}

// displayDeadlines is the arithmetic d's status is shown with: its
// competent agency's calendar, or Config.Deadlines when the calendar
// cannot be read (logged: a status shown is not stored).
func (s *Service) displayDeadlines(ctx context.Context, d Dossier) Deadlines {
	dl, err := s.deadlinesFor(ctx, d.HandlingAgency)
	if err != nil {
		s.log.Warn("không đọc được lịch làm việc; tình trạng hồ sơ tính theo ngày thường", "dossier", d.Code, "err", err)
		return s.deadlines
	}
	return dl
}

// displayOf is d's status as people read it now, with its agency's
// calendar: late, or near its due time while its clock runs.
func (s *Service) displayOf(d Dossier) Display {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dl, now := s.displayDeadlines(ctx, d), s.now()
	out := DisplayOf(d, now, dl)
	out.Near = !out.Late && !d.DueAt.IsZero() && clockRunning(d.Status) && s.nearBy(dl, d.DueAt, now)
	return out
}
