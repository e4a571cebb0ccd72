package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/emc/emctest"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// TestReportsEMCPage: the admins' EMC page shows the feed's state, the
// event given up with its "Gửi lại" button (a POST form with the CSRF
// token and a label), and the delivery log; citizens, staff and
// signed-out visitors get none of it; "Gửi lại" puts the event back,
// a second time answers with the error summary linked to the button, and
// a form without the CSRF token changes nothing.
func TestReportsEMCPage(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rcv.Close)
	now := time.Now().Add(-time.Hour)
	clock := func() time.Time { return now }
	var svc *emc.Service
	s := newStaffSiteWith(t, 0, nil, fieldCSRF{}, staffSiteOptions{config: func(s *staffSite, c *web.Config) {
		svc = emc.New(emc.Config{Store: s.store, Procedures: s.store, URL: rcv.URL, SiteID: "000.00.00.H29", Now: clock,
			MaxAge: time.Minute, Backoff: func(int) time.Duration { return time.Minute }})
		c.EMC = svc
	}})
	ctx := context.Background()
	d := emctest.Dossier(1, now)
	emctest.Append(&d, workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake}, now)
	if err := s.store.CreateDossier(ctx, d); err != nil {
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

	for _, c := range []struct {
		user, role string
		want       int
	}{
		{deskSub, "staff", http.StatusForbidden},
		{d.Applicant.ID, "citizen", http.StatusForbidden},
		{"", "", http.StatusSeeOther},
	} {
		res, body := s.do(t, "GET", web.PathEMC, c.user, c.role, nil)
		if res.StatusCode != c.want || strings.Contains(body, d.Code) {
			t.Errorf("%s %s: %d (want %d), the page names the dossier: %v", c.role, c.user, res.StatusCode, c.want, strings.Contains(body, d.Code))
		}
		res, _ = s.do(t, "POST", web.PathEMC, c.user, c.role, url.Values{"csrf": {adminCSRFToken}, "su-kien": {id}})
		if res.StatusCode != c.want {
			t.Errorf("%s %s: POST %d, want %d", c.role, c.user, res.StatusCode, c.want)
		}
	}
	if r, _ := s.store.GetEMCEvent(ctx, id); r.State != emc.Failed {
		t.Fatalf("a non-admin's retry changed it: %+v", r)
	}

	res, body := s.do(t, "GET", web.PathEMC, "quantri", "admin", nil)
	for _, want := range []string{"Đang bật (mã hệ thống 000.00.00.H29)", "<dd>1</dd>", `<code>` + id + `</code>`, "HTTP 503",
		`<input type="hidden" name="csrf" value="` + adminCSRFToken + `">`, `aria-label="Gửi lại sự kiện ` + id + `"`, ">Gửi lại</button>", "Lỗi: HTTP 503"} {
		if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("admin's page (%d) lacks %q", res.StatusCode, want)
		}
	}
	// Without the CSRF token: refused, nothing changed.
	res, _ = s.do(t, "POST", web.PathEMC, "quantri", "admin", url.Values{"su-kien": {id}, "nut": {"gui-lai-0"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a POST without the token: %d", res.StatusCode)
	}
	if r, _ := s.store.GetEMCEvent(ctx, id); r.State != emc.Failed {
		t.Fatalf("a POST without the token changed it: %+v", r)
	}
	res, _ = s.do(t, "POST", web.PathEMC, "quantri", "admin", url.Values{"csrf": {adminCSRFToken}, "su-kien": {id}, "nut": {"gui-lai-0"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != web.PathEMC+"?da="+url.QueryEscape(id) {
		t.Fatalf("retry: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if r, _ := s.store.GetEMCEvent(ctx, id); r.State != emc.Pending {
		t.Fatalf("after the retry: %+v", r)
	}
	res, body = s.do(t, "POST", web.PathEMC, "quantri", "admin", url.Values{"csrf": {adminCSRFToken}, "su-kien": {id}, "nut": {"gui-lai-0"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `href="#gui-lai-0"`) {
		t.Errorf("a second retry: %d\n%s", res.StatusCode, body)
	}
	refuse.Store(false)
	if _, err := svc.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	_, body = s.do(t, "GET", web.PathEMC+"?da="+url.QueryEscape(id), "quantri", "admin", nil)
	for _, want := range []string{"Đã đưa sự kiện vào hàng đợi", "Không có sự kiện nào gửi không thành công.", "Đã nhận"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after delivery lacks %q", want)
		}
	}
}
