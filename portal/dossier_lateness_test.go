package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// TestDossierLatenessShown: what the deadline scan finds shows in the
// dossier's view — to the applicant and to the agency's staff: the
// lateness (overdue since when, the apology's new date and reason) and
// the display ("Hạn xử lý DD/MM/YYYY - Quá hạn N ngày", late) — and
// the public lookup, which names nobody, shows the lateness only as the
// status's information, without the apology's reason.
func TestDossierLatenessShown(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	e.act(e.citizenA, v.Code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	d := e.dossier(st.desk, v.Code)
	e.act(st.desk, v.Code, d.Rev, `{"action":"receive"}`).want(t, 200, "")
	d = e.dossier(st.desk, v.Code)
	e.act(st.desk, v.Code, d.Rev, `{"action":"transfer"}`).want(t, 200, "")

	// Three days ago its due date passed (as if received long ago).
	ctx := context.Background()
	stored, err := e.store.GetDossier(ctx, v.Code)
	if err != nil {
		t.Fatal(err)
	}
	past := stored
	past.DueAt, past.Rev = time.Now().Add(-72*time.Hour).UTC().Truncate(time.Millisecond), stored.Rev+1
	if err := e.store.UpdateDossier(ctx, past, stored.Status); err != nil {
		t.Fatal(err)
	}
	if rep, err := e.wf.ScanDeadlines(ctx, "", nil); err != nil || rep.Overdue != 1 {
		t.Fatalf("scan: %+v, %v", rep, err)
	}

	type view struct {
		Lateness *struct {
			State    string    `json:"state"`
			Due      time.Time `json:"due"`
			NewDue   time.Time `json:"newDue"`
			Reason   string    `json:"reason"`
			DaysLate int       `json:"daysLate"`
		} `json:"lateness"`
		Display struct {
			Info string `json:"info"`
			Late bool   `json:"late"`
			Near bool   `json:"near"`
		} `json:"display"`
	}
	due := past.DueAt.In(workflow.Vietnam).Format("02/01/2006")
	for _, who := range []struct{ name, token, query string }{{"applicant", e.citizenA, ""}, {"head", st.head, "?purpose=xem"}} {
		var got view
		e.do(call{method: "GET", path: "/api/v1/dossiers/" + v.Code + who.query, token: who.token}).want(t, 200, "").json(t, &got)
		l := got.Lateness
		if l == nil || l.State != "overdue" || !l.Due.Equal(past.DueAt) || !l.NewDue.After(time.Now()) || l.Reason == "" || l.DaysLate < 1 {
			t.Fatalf("%s sees lateness %+v", who.name, l)
		}
		if !got.Display.Late || got.Display.Near || !strings.HasPrefix(got.Display.Info, "Hạn xử lý "+due+" - Quá hạn ") {
			t.Fatalf("%s sees display %+v", who.name, got.Display)
		}
	}
	r := e.do(call{method: "GET", path: "/api/v1/public/dossiers/" + v.Code}).want(t, 200, "")
	if body := string(r.body); strings.Contains(body, "lateness") || strings.Contains(body, "chưa được giải quyết xong") {
		t.Fatalf("the public lookup shows the apology: %s", body)
	}
}
