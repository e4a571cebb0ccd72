package web

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// FuzzStatsForm checks the statistics page's reading of its query string
// (normalStatsValues, checkStatsForm, then workflow.ParseStatsQuery):
// never a panic; every message points at a control of the form; a query
// that is accepted has a canonical address (StatsQuery.Values) that reads
// back to the same query and needs no more normalising.
func FuzzStatsForm(f *testing.F) {
	for _, s := range []string{"period=year&year=2026", "period=month&year=2026&n=3&groupBy=field&groupBy=month",
		"period=quarter&year=2026&n=&f.status=&f.level=full", "groupBy=field,field", "period=ytd&n=4", "year=99999",
		"f.officer=a&f.officer=b&groupBy=officer", "period=month", "%zz", "period=year&year=2026&agency=000.00.31.H29"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, workflow.Vietnam)
	ids := map[string]bool{}
	for _, id := range statsFieldIDs {
		ids[id] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // the server's own parser refuses it before the page
		}
		params, _ := normalStatsValues(v)
		if errs := checkStatsForm(params); len(errs) > 0 {
			for _, e := range errs {
				if !ids[e.Field] || e.Message == "" {
					t.Fatalf("%q: message %+v points at no control", raw, e)
				}
			}
			return
		}
		q, err := workflow.ParseStatsQuery(params, now)
		if err != nil {
			return
		}
		canon := q.Values()
		again, changed := normalStatsValues(canon)
		if changed || !reflect.DeepEqual(again, canon) {
			t.Fatalf("%q: the canonical address %q is normalised again to %q", raw, canon.Encode(), again.Encode())
		}
		q2, err := workflow.ParseStatsQuery(canon, now)
		if err != nil || !reflect.DeepEqual(q, q2) {
			t.Fatalf("%q: %q reads back as %+v, %v; want %+v", raw, canon.Encode(), q2, err, q)
		}
	})
}
