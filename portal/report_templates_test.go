package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kho-vn/kho/workflow"
)

// TestReportTemplatesAPI: a head of department saves a personal report,
// reads, changes (If-Match; a stale one is 409) and lists it with the
// admin's shared template; another head or leader, another agency's
// staff and the admin get 404 for it and its runs, and their lists hold
// none of it; staff without the position and citizens get 403; a bad
// query is 400 with its code.
func TestReportTemplatesAPI(t *testing.T) {
	bad := func(c call) call { c.expect = specInvalid; return c }
	e := newEnv(t)
	st := e.directory()
	body := `{"name":"Hộ tịch tháng trước","query":"groupBy=field&f.level=full","relative":"last-month",
		"measures":["received","onTime","late"],"format":"xlsx","schedule":"monthly"}`
	var mine workflow.ReportTemplate
	res := e.do(jsonCall("POST", "/api/v1/report-templates", body).by(st.head)).want(t, 201, "")
	res.json(t, &mine)
	if res.header.Get("ETag") != `"1"` || mine.Owner != headSubject || mine.Agency != ward {
		t.Fatalf("created %+v %q", mine, res.header.Get("ETag"))
	}
	var shared workflow.ReportTemplate
	e.do(jsonCall("POST", "/api/v1/report-templates", `{"scope":"shared","name":"Năm","query":"period=year&year=2026","measures":["received"]}`).
		by(e.admin)).want(t, 201, "").json(t, &shared)
	e.do(jsonCall("POST", "/api/v1/report-templates", `{"scope":"shared","name":"Năm","query":"","measures":["received"]}`).
		by(st.head)).want(t, 403, "admin_only")

	list := func(token string) []string {
		t.Helper()
		var l struct{ Templates []workflow.ReportTemplate }
		e.do(getCall("/api/v1/report-templates").by(token)).want(t, 200, "").json(t, &l)
		var ids []string
		for _, tpl := range l.Templates {
			ids = append(ids, tpl.ID)
		}
		return ids
	}
	if got := list(st.head); len(got) != 2 || got[0] != shared.ID || got[1] != mine.ID {
		t.Fatalf("head's list %v", got)
	}
	for _, token := range []string{st.leader, st.outsider, e.admin} {
		if got := list(token); len(got) != 1 || got[0] != shared.ID {
			t.Fatalf("another's list %v", got)
		}
	}
	// A run of head's template, stored as the periodic job stores it.
	p := workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 11}
	run := workflow.ReportRun{ID: workflow.RunID(mine.ID, p), Template: mine.ID, Name: mine.Name, Scope: mine.Scope,
		Owner: headSubject, Period: p, Measures: mine.Measures,
		Stats: workflow.DossierStats{PeriodLabel: "Tháng 11/2026", Total: workflow.StatsCounts{Received: 7, Resolved: 5, OnTime: 4, Late: 1}}}
	if err := e.store.CreateReportRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	var runs struct{ Runs []workflow.ReportRun }
	e.do(getCall("/api/v1/report-templates/"+mine.ID+"/runs").by(st.head)).want(t, 200, "").json(t, &runs)
	if len(runs.Runs) != 1 || runs.Runs[0].Stats.Total.Received != 7 {
		t.Fatalf("runs %+v", runs)
	}
	var got workflow.ReportRun
	e.do(getCall("/api/v1/report-runs/"+run.ID).by(st.head)).want(t, 200, "").json(t, &got)
	if got.Stats.Total.OnTime != 4 {
		t.Fatalf("run %+v", got)
	}

	// Nobody else gets anything of it: the very answer of a template that
	// does not exist, whatever If-Match says.
	for _, token := range []string{st.leader, st.outsider, e.admin} {
		e.do(getCall("/api/v1/report-templates/"+mine.ID).by(token)).want(t, 404, "report_template_not_found")
		e.do(withHeader(jsonCall("PUT", "/api/v1/report-templates/"+mine.ID, body), "If-Match", `"9"`).by(token)).want(t, 404, "report_template_not_found")
		e.do(call{method: "DELETE", path: "/api/v1/report-templates/" + mine.ID}.by(token)).want(t, 404, "report_template_not_found")
		e.do(getCall("/api/v1/report-templates/"+mine.ID+"/runs").by(token)).want(t, 404, "report_template_not_found")
		e.do(getCall("/api/v1/report-runs/"+run.ID).by(token)).want(t, 404, "report_run_not_found")
	}
	e.do(getCall("/api/v1/report-templates/0123456789abcdef").by(st.head)).want(t, 404, "report_template_not_found")
	for _, token := range []string{st.desk, st.appraiser, e.citizenA} {
		e.do(getCall("/api/v1/report-templates").by(token)).want(t, 403, "")
		e.do(getCall("/api/v1/report-templates/"+mine.ID).by(token)).want(t, 403, "")
		e.do(getCall("/api/v1/report-runs/"+run.ID).by(token)).want(t, 403, "")
	}
	e.do(bad(getCall("/api/v1/report-templates"))).want(t, 401, "")

	// Revisions.
	edit := strings.Replace(body, "Hộ tịch tháng trước", "Hộ tịch, tháng trước", 1)
	var changed workflow.ReportTemplate
	e.do(withHeader(jsonCall("PUT", "/api/v1/report-templates/"+mine.ID, edit), "If-Match", `"1"`).by(st.head)).want(t, 200, "").json(t, &changed)
	if changed.Rev != 2 || changed.Name != "Hộ tịch, tháng trước" {
		t.Fatalf("changed %+v", changed)
	}
	e.do(withHeader(jsonCall("PUT", "/api/v1/report-templates/"+mine.ID, body), "If-Match", `"1"`).by(st.head)).want(t, 409, "report_template_changed")
	e.do(withHeader(call{method: "DELETE", path: "/api/v1/report-templates/" + mine.ID}, "If-Match", `"1"`).by(st.head)).want(t, 409, "report_template_changed")
	e.do(withHeader(jsonCall("PUT", "/api/v1/report-templates/"+shared.ID, body), "If-Match", `"1"`).by(st.head)).want(t, 403, "admin_only")

	// Hostile input (what the spec forbids too is sent as such).
	e.do(jsonCall("POST", "/api/v1/report-templates", `{"name":"x","query":"f.color=red","measures":["received"]}`).by(st.head)).want(t, 400, "invalid_stats_query")
	e.do(bad(jsonCall("POST", "/api/v1/report-templates", `{"name":"`+strings.Repeat("a", 201)+`","query":"","measures":["received"]}`)).by(st.head)).want(t, 400, "text_too_long")
	e.do(bad(jsonCall("POST", "/api/v1/report-templates", `{"name":"x","query":"`+strings.Repeat("f.field=a&", 1000)+`","measures":["received"]}`)).by(st.head)).want(t, 400, "invalid_stats_query")
	e.do(jsonCall("POST", "/api/v1/report-templates", `{"name":"x","query":"","measures":["received"],"extra":1}`).by(st.head)).want(t, 400, "")
	e.do(jsonCall("POST", "/api/v1/report-templates", `{"name":"x","query":"agency=`+otherWard+`","measures":["received"]}`).by(st.head)).want(t, 403, "other_agency")

	e.do(call{method: "DELETE", path: "/api/v1/report-templates/" + mine.ID}.by(st.head)).want(t, 204, "")
	e.do(getCall("/api/v1/report-templates/"+mine.ID).by(st.head)).want(t, 404, "report_template_not_found")
}
