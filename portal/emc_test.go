package portal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/emc/emctest"
	"github.com/kho-vn/kho/workflow"
)

// TestEMCAPI: the admins' API of the EMC feed. A dossier's events are
// given up by a receiver that answers 500; citizens, staff and
// signed-out callers get nothing of the log; an admin reads the state,
// the log and the events given up, and retries one, which EMC then
// takes.
func TestEMCAPI(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rcv.Close)
	now := emctest.Start
	clock := func() time.Time { return now }
	feed := &lazyFeed{}
	e := newEnv(t, func(o *envOptions) { o.portal.EMC = feed })
	svc := emc.New(emc.Config{Store: e.store, Procedures: e.store, URL: rcv.URL, SiteID: "000.00.00.H29", Now: clock,
		MaxAge: time.Minute, Backoff: func(int) time.Duration { return time.Minute }})
	feed.Service = svc
	ctx := context.Background()
	d := emctest.Dossier(1, now)
	emctest.Append(&d, workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake}, now)
	emctest.Append(&d, workflow.ActionReceive, workflow.RoleDesk, workflow.State{Status: workflow.StatusReceived}, now)
	if err := e.store.CreateDossier(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := svc.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Minute)
	}
	id := emc.EventID(d.Code, 1)

	for _, tok := range []string{e.citizenA, e.staff} {
		r := e.do(call{method: "GET", path: "/api/v1/emc/deliveries", token: tok}).want(t, 403, "admin_only")
		if strings.Contains(string(r.body), d.Code) {
			t.Errorf("a non-admin sees the log: %s", r.body)
		}
		e.do(call{method: "POST", path: "/api/v1/emc/events/" + id + "/retry", token: tok}).want(t, 403, "admin_only")
	}
	e.do(call{method: "GET", path: "/api/v1/emc/deliveries", expect: specInvalid}).want(t, 401, "")
	e.do(call{method: "POST", path: "/api/v1/emc/events/" + id + "/retry", expect: specInvalid}).want(t, 401, "")
	if r, _ := e.store.GetEMCEvent(ctx, id); r.State != emc.Failed {
		t.Fatalf("a non-admin's retry changed it: %+v", r)
	}

	var page struct {
		Enabled  bool
		SiteID   string
		Pending  int
		Failed   int
		Attempts []struct {
			EventID string
			Status  int
			Error   string
		}
		Next         string
		FailedEvents []struct{ ID, State, LastError string }
	}
	e.do(call{method: "GET", path: "/api/v1/emc/deliveries?limit=1", token: e.admin}).want(t, 200, "").json(t, &page)
	if !page.Enabled || page.SiteID != "000.00.00.H29" || page.Pending != 0 || page.Failed != 2 || len(page.Attempts) != 1 ||
		page.Attempts[0].Status != 500 || page.Next == "" || len(page.FailedEvents) != 2 || page.FailedEvents[1].ID != id {
		t.Fatalf("admin's page %+v", page)
	}
	e.do(call{method: "GET", path: "/api/v1/emc/deliveries?limit=0", token: e.admin, expect: specInvalid}).want(t, 400, "")
	e.do(call{method: "GET", path: "/api/v1/emc/deliveries?before=%00", token: e.admin}).want(t, 400, "invalid_cursor")

	refuse.Store(false)
	var ev struct {
		ID, State string
		Attempts  int
	}
	e.do(call{method: "POST", path: "/api/v1/emc/events/" + id + "/retry", token: e.admin}).want(t, 200, "").json(t, &ev)
	if ev.ID != id || ev.State != "pending" || ev.Attempts != 0 {
		t.Fatalf("retried %+v", ev)
	}
	e.do(call{method: "POST", path: "/api/v1/emc/events/" + id + "/retry", token: e.admin}).want(t, 409, "emc_event_not_failed")
	e.do(call{method: "POST", path: "/api/v1/emc/events/" + d.Code + ".9/retry", token: e.admin}).want(t, 404, "emc_event_not_found")
	e.do(call{method: "POST", path: "/api/v1/emc/events/nope/retry", token: e.admin}).want(t, 404, "emc_event_not_found")
	if _, err := svc.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	e.do(call{method: "GET", path: "/api/v1/emc/deliveries", token: e.admin}).want(t, 200, "").json(t, &page)
	if page.Pending != 0 || page.Failed != 0 || len(page.FailedEvents) != 0 || page.Attempts[0].Status != 200 {
		t.Fatalf("after the retry %+v", page)
	}
}

// lazyFeed is the feed, made once the env's store is open.
type lazyFeed struct{ *emc.Service }
