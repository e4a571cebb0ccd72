package workflow_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// fullStore is what one `kho serve` process opens: every store the
// deadline scan and the notifications use (both drivers are one).
type fullStore interface {
	workflow.Store
	notify.Store
	jobs.Store
	calendar.Store
}

// proc is one `kho serve` process: its own store handle, workflow,
// outbox and job runner.
type proc struct {
	st     fullStore
	wf     *workflow.Service
	notes  *notify.Service
	runner *jobs.Runner
}

// mailpitSMTP sends through the test SMTP server.
func mailpitSMTP(t testing.TB, mp testenv.MailpitServer) *notify.SMTP {
	t.Helper()
	s, err := notify.NewSMTP(notify.SMTPConfig{Addr: mp.SMTPAddr, From: "Kho thử nghiệm <kho@kho.example.vn>", TLS: notify.NoTLS})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newProc(t testing.TB, st fullStore, mp testenv.MailpitServer, now func() time.Time, holder string) *proc {
	notes := notify.New(notify.Config{Store: st, Email: mailpitSMTP(t, mp), Now: now})
	wf := workflow.New(workflow.Config{Store: st, Now: now, Calendars: calendars(st, now),
		Notifier: workflow.OutboxNotifier{Outbox: notes}})
	return &proc{st: st, wf: wf, notes: notes, runner: jobs.NewRunner(st, nil, jobs.WithHolder(holder), jobs.WithClock(now))}
}

// TestDeadlineScanTwoProcesses: two processes share one store (two
// handles on one SQLite file; two clients of one FerretDB database) and
// scan the deadlines of the same dossiers at the same moment, as if both
// had lost track of the job's lease; then both job runners run the
// leased job at once. Each dossier's lateness changes once (one
// revision more, the near and overdue ones only), each notification is
// enqueued once, and after the notify-outbox job (both runners at once)
// and both processes deliver the outbox at once, each overdue dossier's
// applicant has exactly one apology e-mail in
// Mailpit, naming the dossier and its new date; the assignee of each
// near one has one in-app notice; the on-time ones change nothing.
func TestDeadlineScanTwoProcesses(t *testing.T) {
	mp := testenv.Mailpit(t)
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kho.db")
		open := func() fullStore {
			st, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close(context.Background()) })
			return st
		}
		scanTwice(t, mp, open(), open())
	})
	t.Run("mongo", func(t *testing.T) {
		uri, name := testenv.MongoURI(t), testenv.UniqueName(t, "wfscan")
		open := func() fullStore {
			st, err := mongo.Open(t.Context(), uri, name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_ = st.Drop(ctx)
				_ = st.Close(ctx)
			})
			return st
		}
		scanTwice(t, mp, open(), open())
	})
}

func scanTwice(t *testing.T, mp testenv.MailpitServer, a, b fullStore) {
	ctx := t.Context()
	c := &clock{t: start} // Monday 07/12/2026 09:00
	procs := []*proc{newProc(t, a, mp, c.Now, "p1"), newProc(t, b, mp, c.Now, "p2")}
	const overdue, near, onTime = 6, 4, 2
	type planted struct {
		d     workflow.Dossier
		email string
		want  workflow.LateState
	}
	var all []planted
	for i := range overdue + near + onTime {
		d := workflowtest.Dossier(fmt.Sprintf("000.00.31.H29-261204-%04d", i+1), start.Add(-72*time.Hour))
		d.Status, d.Stage = workflow.StatusProcessing, workflow.StageAppraising
		d.Handler = &workflow.Handler{Subject: fmt.Sprintf("thamdinh.%s", strings.ToLower(t.Name()[len(t.Name())-5:])), Name: "Phạm Văn Định"}
		d.Applicant.Email = testenv.UniqueAddress(t, "example.vn")
		p := planted{email: d.Applicant.Email}
		switch {
		case i < overdue: // Friday 04/12 17:00: a working day late
			d.DueAt, p.want = vn(2026, 12, 4, 17, 0).Add(-time.Duration(i)*time.Minute), workflow.LateOverdue
		case i < overdue+near: // today 14:00: four working hours left
			d.DueAt, p.want = vn(2026, 12, 7, 14, 0).Add(time.Duration(i)*time.Minute), workflow.LateNear
		default: // Thursday: read (before the horizon), on time
			d.DueAt, p.want = vn(2026, 12, 10, 17, 0), ""
		}
		if err := a.CreateDossier(ctx, d); err != nil {
			t.Fatal(err)
		}
		p.d = d
		all = append(all, p)
	}

	// Both scan at once.
	reps := make([]workflow.ScanReport, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	go1 := make(chan struct{})
	for i, p := range procs {
		wg.Go(func() {
			<-go1
			reps[i], errs[i] = p.wf.ScanDeadlines(ctx, "", nil)
		})
	}
	close(go1)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("scan %d: %v", i, err)
		}
	}
	if n, o := reps[0].Near+reps[1].Near, reps[0].Overdue+reps[1].Overdue; n != near || o != overdue {
		t.Fatalf("the two scans found %d near and %d overdue, want %d and %d: %+v", n, o, near, overdue, reps)
	}
	t.Logf("scans: %+v", reps)

	// Both runners run the leased job at once: one runs it, and it finds
	// nothing new.
	ran := make([]bool, 2)
	for i, p := range procs {
		wg.Go(func() {
			var err error
			ran[i], err = p.runner.RunOnce(ctx, p.wf.DeadlineJob(time.Minute))
			if err != nil {
				t.Errorf("runner %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Fatalf("the leased job ran %v: want exactly one runner", ran)
	}

	for _, p := range all {
		got, err := b.GetDossier(ctx, p.d.Code)
		if err != nil {
			t.Fatal(err)
		}
		wantRev := p.d.Rev + 1
		if p.want == "" {
			wantRev = p.d.Rev
		}
		state := workflow.LateState("")
		if got.Lateness != nil {
			state = got.Lateness.State
		}
		if got.Rev != wantRev || state != p.want {
			t.Fatalf("%s: rev %d lateness %+v, want rev %d state %q", p.d.Code, got.Rev, got.Lateness, wantRev, p.want)
		}
		if p.want == workflow.LateOverdue && (!got.Lateness.NewDue.After(got.DueAt) || got.Lateness.DaysLate != 1) {
			t.Fatalf("%s: apology %+v", p.d.Code, got.Lateness)
		}
	}

	// Both runners run the notify-outbox job at once (one does), then
	// both deliver the outbox at once without the lease.
	for i, p := range procs {
		wg.Go(func() {
			var err error
			if ran[i], err = p.runner.RunOnce(ctx, p.notes.Job(time.Minute)); err != nil {
				t.Errorf("outbox job %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Fatalf("the outbox job ran %v: want exactly one runner", ran)
	}
	for _, p := range procs {
		wg.Go(func() {
			if _, err := p.notes.DeliverDue(ctx); err != nil {
				t.Errorf("deliver: %v", err)
			}
		})
	}
	wg.Wait()
	for _, p := range all {
		if p.want != workflow.LateOverdue {
			continue
		}
		msgs := mp.WaitTo(t, p.email, 1, 30*time.Second)
		if !strings.Contains(msgs[0].Subject, p.d.Code) || !strings.Contains(msgs[0].Subject, "chậm trả kết quả") {
			t.Fatalf("%s: subject %q", p.d.Code, msgs[0].Subject)
		}
	}
	time.Sleep(500 * time.Millisecond) // a second copy would be in by now
	for _, p := range all {
		want := 0
		if p.want == workflow.LateOverdue {
			want = 1
		}
		if got := mp.To(t, p.email); len(got) != want {
			t.Fatalf("%s (%s): %d e-mails, want %d", p.d.Code, p.want, len(got), want)
		}
	}
	// In-app: the applicant's apologies, the assignee's near notices.
	inbox := func(subject string, kind notify.Kind) int {
		ns, err := a.ListNotifications(ctx, subject, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range ns {
			if x.Kind == kind {
				n++
			}
		}
		return n
	}
	if got := inbox(all[0].d.Applicant.ID, notify.KindLate); got != overdue {
		t.Fatalf("applicant's in-app apologies: %d, want %d", got, overdue)
	}
	if got := inbox(all[0].d.Handler.Subject, workflow.KindNear); got != near {
		t.Fatalf("assignee's near notices: %d, want %d", got, near)
	}
}
