package portal_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestStatsAPIPrivacy: over the generated dataset, a head of department
// gets their agency's figures (exactly the dataset's); another agency's
// head asking for it gets 403 other_agency, an appraiser and a citizen
// 403 stats_not_allowed, a signed-out visitor 401 — none of them any
// figure. The public figures need no sign-in and refuse an officer.
func TestStatsAPIPrivacy(t *testing.T) {
	e := newEnv(t)
	ds, err := workflowtest.Generate(context.Background(), e.store, 5, 300)
	if err != nil {
		t.Fatal(err)
	}
	workflowtest.RunStatsJob(t, e.wf)
	ag := ds.Agencies[0].Code
	head, appraiser := ds.Heads(ag)
	otherHead, _ := ds.Heads(ds.Agencies[1].Code)
	tok := func(s string) string { return e.token(s, archive.RoleStaff, time.Time{}) }
	year := workflow.Period{Kind: workflow.PeriodYear, Year: 2026}
	path := "/api/v1/stats/dossiers?" + workflow.StatsQuery{Period: year, GroupBy: []workflow.Dimension{workflow.DimOfficer}}.Values().Encode()

	var got workflow.DossierStats
	e.do(call{method: "GET", path: path, token: tok(head)}).want(t, 200, "").json(t, &got)
	want := ds.Expect(workflow.StatsQuery{Period: year, Agency: ag, GroupBy: []workflow.Dimension{workflow.DimOfficer}})
	if d := workflowtest.DiffStats(got, want); d != "" || got.Query.Agency != ag {
		t.Fatalf("head: %s (agency %q)", d, got.Query.Agency)
	}
	if want.Total.Received == 0 || len(want.Rows) < 2 {
		t.Fatalf("the dataset gives the agency nothing to show: %+v", want)
	}

	mine := "/api/v1/stats/dossiers?" + url.Values{"period": {"year"}, "year": {"2026"}, "agency": {ag}}.Encode()
	e.do(call{method: "GET", path: mine, token: tok(otherHead)}).want(t, 403, "other_agency")
	e.do(call{method: "GET", path: mine, token: tok(appraiser)}).want(t, 403, "stats_not_allowed")
	e.do(call{method: "GET", path: mine, token: e.citizenA}).want(t, 403, "stats_not_allowed")
	e.do(call{method: "GET", path: mine, expect: specInvalid}).want(t, 401, "")
	e.do(call{method: "GET", path: mine + "&f.month=2026-01", token: e.admin}).want(t, 400, "invalid_stats_query")
	e.do(call{method: "GET", path: "/api/v1/stats/dossiers?period=decade", token: tok(head), expect: specInvalid}).want(t, 400, "invalid_stats_query")

	// Public: no token; by field and level; never by officer.
	pq := workflow.StatsQuery{Period: year, GroupBy: []workflow.Dimension{workflow.DimField}, Filter: map[workflow.Dimension][]string{workflow.DimLevel: {"info"}}}
	var pub workflow.DossierStats
	e.do(call{method: "GET", path: "/api/v1/stats/public?" + pq.Values().Encode()}).want(t, 200, "").json(t, &pub)
	if d := workflowtest.DiffStats(pub, ds.Expect(pq)); d != "" {
		t.Fatal(d)
	}
	e.do(call{method: "GET", path: "/api/v1/stats/public?groupBy=officer"}).want(t, 400, "not_public_dimension")
	e.do(call{method: "GET", path: "/api/v1/stats/public?f.officer=" + head}).want(t, 400, "not_public_dimension")
	e.do(call{method: "GET", path: "/api/v1/stats/public?f.status=processing"}).want(t, 400, "not_public_dimension")
}
