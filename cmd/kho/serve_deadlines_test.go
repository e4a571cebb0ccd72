package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// TestServeDeadlines: kho serve gives the workflow the working-time
// calendar — a dossier of the ward received on Friday 28/08/2026 at
// 15:00 with one working day is due on Thursday 03/09 at 15:00, after
// Quốc khánh, by the seam serve uses — and the outbox, and runs the
// leased deadline-scan job: its lease records a run that ended without
// an error.
func TestServeDeadlines(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	startServe(t, map[string]string{"KHO_DATA": dir})
	st, err := sqlite.Open(ctx, filepath.Join(dir, config.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)

	var cfg workflow.Config
	deadlineSeams(calendar.NewService(st), notify.New(notify.Config{Store: st}))(&cfg)
	if _, ok := cfg.Notifier.(workflow.OutboxNotifier); !ok {
		t.Fatalf("notifier %T", cfg.Notifier)
	}
	if cfg.Calendars == nil {
		t.Fatal("no calendars")
	}
	dl, err := cfg.Calendars.DeadlinesFor(ctx, "000.00.31.H29")
	if err != nil {
		t.Fatal(err)
	}
	ict := workflow.Vietnam
	if got, want := dl.AddWorking(time.Date(2026, 8, 28, 15, 0, 0, 0, ict), workflow.WorkingDay), time.Date(2026, 9, 3, 15, 0, 0, 0, ict); !got.Equal(want) {
		t.Fatalf("due %s, want %s", got.In(ict), want)
	}

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		l, err := st.GetLease(ctx, workflow.DeadlineScanJobName)
		if err == nil && !l.LastEnd.IsZero() {
			if l.LastError != "" || l.NextRun.Sub(l.LastEnd) != deadlineScanInterval {
				t.Fatalf("deadline scan's lease %+v", l)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deadline scan did not run in 30 s: %+v, %v", l, err)
		}
	}
}
