package emc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/emc/emctest"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// store is what the tests need of a metadata store.
type store interface {
	emctest.Store
	workflow.Store
	jobs.Store
}

// drivers runs fn on a fresh SQLite store and a fresh FerretDB one.
func drivers(t *testing.T, fn func(t *testing.T, s store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kho.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		fn(t, s)
	})
	t.Run("mongo", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := mongo.Open(ctx, testenv.MongoURI(t), testenv.UniqueName(t, "emc"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = s.Drop(ctx)
			_ = s.Close(ctx)
		})
		fn(t, s)
	})
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is EMC on loopback: it answers each POST as script says (by
// the number of the request, from 1; "ok" after the script), checks the
// token and the schema, and keeps what it accepted.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	n      int
	script map[int]string // "drop", "500", "hang"
	// refuse answers 500 to these events (by ID).
	refuse   map[string]bool
	accepted []emc.Event
}

func newReceiver(t *testing.T, script map[int]string) *receiver {
	rc := &receiver{t: t, script: script, refuse: map[string]bool{}}
	s := schema(t)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.n++
		what := rc.script[rc.n]
		var ev emc.Event
		_ = json.Unmarshal(body, &ev)
		if rc.refuse[ev.EventID] {
			what = "500"
		}
		rc.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer bi-mat" || r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
			t.Errorf("request %s with %v", r.Method, r.Header)
		}
		switch what {
		case "drop":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		case "500":
			http.Error(w, "lỗi máy chủ", http.StatusInternalServerError)
			return
		case "hang":
			<-r.Context().Done()
			return
		}
		if err := s.Validate(asJSON(t, json.RawMessage(body))); err != nil {
			t.Errorf("EMC got an event that does not validate: %v\n%s", err, body)
		}
		if r.Header.Get("Idempotency-Key") != ev.EventID {
			t.Errorf("Idempotency-Key %q for event %s", r.Header.Get("Idempotency-Key"), ev.EventID)
		}
		rc.mu.Lock()
		rc.accepted = append(rc.accepted, ev)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// checkOrder fails t unless the accepted events of each dossier came in
// trail order (a repeat of the last one allowed), and returns how many
// distinct events each dossier had accepted.
func (rc *receiver) checkOrder(t *testing.T) map[string]int {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	last := map[string]int{}
	for _, ev := range rc.accepted {
		prev := last[ev.CodeProfile]
		if ev.Data.Seq != prev+1 && ev.Data.Seq != prev {
			t.Errorf("event %s arrived after %s/%d", ev.EventID, ev.CodeProfile, prev)
		}
		last[ev.CodeProfile] = max(prev, ev.Data.Seq)
	}
	return last
}

var admin = archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}

func newService(s store, rc *receiver, c *clock) *emc.Service {
	return emc.New(emc.Config{Store: s, Procedures: s, URL: rc.srv.URL, SiteID: "000.00.00.H29", Token: "bi-mat",
		Timeout: 300 * time.Millisecond, MaxAge: time.Hour, Backoff: func(n int) time.Duration { return time.Minute }, Now: c.Now})
}

// walk makes dossier n and takes it through a path, storing each change
// and telling the service (as the workflow's notifier is told) when
// notify is set.
func walk(t *testing.T, s store, svc *emc.Service, c *clock, n int, notify bool) workflow.Dossier {
	t.Helper()
	ctx := t.Context()
	d := emctest.Dossier(n, c.Now())
	if err := s.CreateDossier(ctx, d); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		a    workflow.Action
		r    workflow.Role
		to   workflow.State
		from workflow.Status
	}{
		{workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake}, workflow.StatusRegistered},
		{workflow.ActionReceive, workflow.RoleDesk, workflow.State{Status: workflow.StatusReceived}, workflow.StatusAwaitingIntake},
		{workflow.ActionTransfer, workflow.RoleDesk, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign}, workflow.StatusReceived},
	} {
		c.Add(time.Second)
		emctest.Append(&d, step.a, step.r, step.to, c.Now())
		if err := s.UpdateDossier(ctx, d, step.from); err != nil {
			t.Fatal(err)
		}
		if notify {
			if err := svc.Notify(ctx, workflow.Event{Dossier: d, Entry: d.Trail[len(d.Trail)-1]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return d
}

func putProcedure(t *testing.T, s store) {
	t.Helper()
	if err := s.PutProcedureRecord(t.Context(), workflow.Procedure{Code: "DANG_KY_KHAI_SINH", Name: "Đăng ký khai sinh", Level: workflow.LevelPartial}); err != nil {
		t.Fatal(err)
	}
}

// TestDelivery: events of three dossiers, recorded as each transition is
// notified, reach a real loopback receiver that drops the first
// connection, answers 500 to the second request and hangs on the third
// (the attempt times out); after the backoffs every event is delivered,
// in trail order within each dossier, each attempt in the log with its
// status, error and duration.
func TestDelivery(t *testing.T) {
	drivers(t, func(t *testing.T, s store) {
		ctx := t.Context()
		c := &clock{t: emctest.Start}
		rc := newReceiver(t, map[int]string{1: "drop", 2: "500", 3: "hang"})
		svc := newService(s, rc, c)
		putProcedure(t, s)
		var ds []workflow.Dossier
		for n := 1; n <= 3; n++ {
			ds = append(ds, walk(t, s, svc, c, n, true))
		}
		// Notified twice (a second process): recorded once.
		if n, err := svc.Record(ctx, ds[0]); err != nil || n != 0 {
			t.Fatalf("recording again added %d, %v", n, err)
		}
		st, err := svc.Status(ctx, admin)
		if err != nil || st.Pending != 9 || st.Failed != 0 || !st.Enabled {
			t.Fatalf("status %+v, %v", st, err)
		}
		var total emc.Report
		for i := 0; i < 20; i++ {
			rep, err := svc.DeliverDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total.Sent += rep.Sent
			total.Retry += rep.Retry
			total.Deferred += rep.Deferred
			if st, _ = svc.Status(ctx, admin); st.Pending == 0 {
				break
			}
			c.Add(2 * time.Minute)
		}
		if st.Pending != 0 || st.Failed != 0 || total.Sent != 9 || total.Retry != 3 {
			t.Fatalf("after the retries: status %+v, report %+v", st, total)
		}
		last := rc.checkOrder(t)
		for _, d := range ds {
			if last[d.Code] != 3 {
				t.Errorf("dossier %s: %d events accepted", d.Code, last[d.Code])
			}
		}
		if rc.accepted[0].Level != "partial" || rc.accepted[0].SiteID != "000.00.00.H29" {
			t.Errorf("first event accepted %+v", rc.accepted[0])
		}
		page, err := svc.Log(ctx, admin, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Attempts) != 12 {
			t.Fatalf("%d attempts logged, want 12", len(page.Attempts))
		}
		// The first three (one millisecond of the test's clock: in any
		// order): a dropped connection, a 500, a timeout.
		kinds := map[string]bool{}
		for _, a := range page.Attempts[9:] {
			switch {
			case a.Status == 500 && a.Error == "HTTP 500":
				kinds["500"] = true
			case a.Status == 0 && strings.Contains(a.Error, "deadline") && a.Duration >= 300*time.Millisecond:
				kinds["timeout"] = true
			case a.Status == 0 && strings.Contains(a.Error, "EOF"):
				kinds["drop"] = true
			}
		}
		if len(kinds) != 3 {
			t.Errorf("the first three attempts %+v", page.Attempts[9:])
		}
		if ok := page.Attempts[0]; ok.Status != http.StatusAccepted || ok.Error != "" || ok.At.IsZero() {
			t.Errorf("the last attempt %+v", ok)
		}
		// Paged newest first.
		p1, err := svc.Log(ctx, admin, "", 5)
		if err != nil || len(p1.Attempts) != 5 || p1.Next == "" {
			t.Fatalf("first page %d, %q, %v", len(p1.Attempts), p1.Next, err)
		}
		p2, err := svc.Log(ctx, admin, p1.Next, 100)
		if err != nil || len(p2.Attempts) != 7 || p2.Next != "" || p2.Attempts[0].ID >= p1.Attempts[4].ID {
			t.Fatalf("second page %d, %q, %v", len(p2.Attempts), p2.Next, err)
		}
	})
}

// TestGiveUpAndRetry: an event EMC refuses for longer than MaxAge is given
// up, the later events of the same dossier (which EMC would take) with it (never sent ahead of
// an earlier one), while another dossier's go through; an admin's retry
// puts them back, and they go in order once EMC takes them. Only an
// admin may see the feed or retry.
func TestGiveUpAndRetry(t *testing.T) {
	drivers(t, func(t *testing.T, s store) {
		ctx := t.Context()
		c := &clock{t: emctest.Start}
		rc := newReceiver(t, nil)
		svc := newService(s, rc, c)
		putProcedure(t, s)
		bad := walk(t, s, svc, c, 1, true)
		good := walk(t, s, svc, c, 2, true)
		rc.mu.Lock()
		rc.refuse[emc.EventID(bad.Code, 1)] = true // only the first: the others wait behind it
		rc.mu.Unlock()
		for range 40 {
			if _, err := svc.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			c.Add(2 * time.Minute)
		}
		st, err := svc.Status(ctx, admin)
		if err != nil || st.Pending != 0 || st.Failed != 3 {
			t.Fatalf("status %+v, %v", st, err)
		}
		if last := rc.checkOrder(t); last[bad.Code] != 0 || last[good.Code] != 3 {
			t.Fatalf("accepted %v", last)
		}
		failed, err := svc.Failed(ctx, admin, "", 10)
		if err != nil || len(failed.Events) != 3 {
			t.Fatalf("failed %+v, %v", failed, err)
		}
		first, err := s.GetEMCEvent(ctx, emc.EventID(bad.Code, 1))
		if err != nil || first.State != emc.Failed || first.LastError != "HTTP 500" || first.Attempts < 2 {
			t.Fatalf("the first event given up %+v, %v", first, err)
		}
		// Nobody but an admin.
		for _, who := range []archive.Actor{{Subject: "001099012345", Role: archive.RoleCitizen}, {Subject: "motcua1", Role: archive.RoleStaff}, {}} {
			if _, err := svc.Retry(ctx, who, first.ID); !kerr.IsKind(err, kerr.Permission) {
				t.Errorf("%+v retried: %v", who, err)
			}
			if _, err := svc.Log(ctx, who, "", 10); !kerr.IsKind(err, kerr.Permission) {
				t.Errorf("%+v read the log: %v", who, err)
			}
			if _, err := svc.Status(ctx, who); !kerr.IsKind(err, kerr.Permission) {
				t.Errorf("%+v read the status: %v", who, err)
			}
		}
		if _, err := svc.Retry(ctx, admin, emc.EventID(good.Code, 1)); !kerr.IsKind(err, kerr.Conflict) {
			t.Errorf("retry of a sent event: %v", err)
		}
		if _, err := svc.Retry(ctx, admin, "nope"); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("retry of no event: %v", err)
		}
		rc.mu.Lock()
		rc.refuse = map[string]bool{}
		rc.mu.Unlock()
		r, err := svc.Retry(ctx, admin, first.ID)
		if err != nil || r.State != emc.Pending || r.Attempts != 0 {
			t.Fatalf("retry %+v, %v", r, err)
		}
		for range 5 {
			if _, err := svc.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			c.Add(2 * time.Minute)
		}
		if st, _ := svc.Status(ctx, admin); st.Pending != 0 || st.Failed != 0 {
			t.Fatalf("after the retry: %+v", st)
		}
		if last := rc.checkOrder(t); last[bad.Code] != 3 {
			t.Fatalf("after the retry, accepted %v", last)
		}
	})
}

// TestCatchUp: dossiers change and the process dies before the notifier
// is called; the catch-up job (leased, run through the job runner)
// finds them by update time, records their events, saves its cursor, and
// the events are delivered. A change younger than the lag waits for the
// next run.
func TestCatchUp(t *testing.T) {
	drivers(t, func(t *testing.T, s store) {
		ctx := t.Context()
		c := &clock{t: emctest.Start}
		rc := newReceiver(t, nil)
		svc := newService(s, rc, c)
		putProcedure(t, s)
		a := walk(t, s, svc, c, 1, false)
		b := walk(t, s, svc, c, 2, false)
		if st, _ := svc.Status(ctx, admin); st.Pending != 0 {
			t.Fatalf("recorded without a notification: %+v", st)
		}
		runner := jobs.NewRunner(s, nil, jobs.WithClock(c.Now), jobs.WithHolder("p1"))
		catchUp := svc.Jobs(time.Minute)[1]
		if catchUp.Name != emc.CatchUpJobName {
			t.Fatal(catchUp.Name)
		}
		// Within the lag: nothing yet.
		if ran, err := runner.RunOnce(ctx, catchUp); !ran || err != nil {
			t.Fatalf("run: %v, %v", ran, err)
		}
		if st, _ := svc.Status(ctx, admin); st.Pending != 0 {
			t.Fatalf("recorded within the lag: %+v", st)
		}
		c.Add(3 * time.Minute)
		if ran, err := runner.RunOnce(ctx, catchUp); !ran || err != nil {
			t.Fatalf("run: %v, %v", ran, err)
		}
		if st, _ := svc.Status(ctx, admin); st.Pending != 6 {
			t.Fatalf("after the catch-up: %+v", st)
		}
		lease, err := s.GetLease(ctx, emc.CatchUpJobName)
		if err != nil || lease.Cursor != (emc.ChangeCursor{At: b.UpdatedAt, Code: b.Code}).String() {
			t.Fatalf("cursor %q, %v", lease.Cursor, err)
		}
		// One dossier changes again, unnotified: the next run takes it
		// from the cursor, only its new entry.
		c.Add(time.Second)
		emctest.Append(&a, workflow.ActionAssign, workflow.RoleHead, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}, c.Now())
		if err := s.UpdateDossier(ctx, a, workflow.StatusProcessing); err != nil {
			t.Fatal(err)
		}
		c.Add(3 * time.Minute)
		if ran, err := runner.RunOnce(ctx, catchUp); !ran || err != nil {
			t.Fatalf("run: %v, %v", ran, err)
		}
		if st, _ := svc.Status(ctx, admin); st.Pending != 7 {
			t.Fatalf("after the second catch-up: %+v", st)
		}
		if _, err := svc.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if last := rc.checkOrder(t); last[a.Code] != 4 || last[b.Code] != 3 {
			t.Fatalf("accepted %v", last)
		}
	})
}

// TestPrune: the delivery log keeps 400 days; the prune job deletes what
// is older, a bounded batch at a time, and keeps the rest.
func TestPrune(t *testing.T) {
	drivers(t, func(t *testing.T, s store) {
		ctx := t.Context()
		c := &clock{t: emctest.Start}
		svc := emc.New(emc.Config{Store: s, Procedures: s, Now: c.Now, Batch: 2})
		var ids []string
		for i := range 5 {
			at := emctest.Start.Add(time.Duration(i*100) * 24 * time.Hour) // days 0, 100, 200, 300, 400
			a := emc.Attempt{ID: emc.AttemptBound(at) + "-x", At: at, EventID: "e.1", Status: 200}
			if err := s.AddEMCAttempt(ctx, a); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		c.Add(501*24*time.Hour + time.Minute) // day 501: days 0 and 100 are over 400 days old
		runner := jobs.NewRunner(s, nil, jobs.WithClock(c.Now), jobs.WithHolder("p1"))
		if ran, err := runner.RunOnce(ctx, svc.Jobs(time.Minute)[2]); !ran || err != nil {
			t.Fatalf("prune: %v, %v", ran, err)
		}
		page, err := svc.Log(ctx, admin, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, a := range page.Attempts {
			kept = append(kept, a.ID)
		}
		if !slices.Equal(kept, []string{ids[4], ids[3], ids[2]}) {
			t.Fatalf("kept %v of %v", kept, ids)
		}
	})
}
