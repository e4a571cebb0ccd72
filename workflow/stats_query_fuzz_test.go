package workflow_test

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// FuzzParseStatsQuery: any query string either fails with Invalid
// "invalid_stats_query" or gives a query that is well formed (a valid
// period, known dimensions, at most two group-bys, bounded filters) and
// reads back the same from its own Values; its period's bounds are in
// order and its label is printed. Never a panic.
func FuzzParseStatsQuery(f *testing.F) {
	for _, s := range []string{
		"", "period=year&year=2026", "period=month&year=2026&n=3&agency=000.00.31.H29",
		"period=quarter&year=2025&n=4&groupBy=field,month&f.level=info&f.level=full",
		"period=ytd&groupBy=officer&f.status=processing", "period=month&n=13", "groupBy=field,level,channel",
		"f.nope=1", "year=99999", "period=year&period=month", "groupBy=month,month", "f.field=%00",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, workflow.Vietnam)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := workflow.ParseStatsQuery(v, now)
		if err != nil {
			if e := codeOf(err); e != "invalid_stats_query" {
				t.Fatalf("%q: error %v, code %q", raw, err, e)
			}
			return
		}
		if !q.Period.Valid() || len(q.GroupBy) > 2 {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
		for _, d := range q.GroupBy {
			if !d.Valid() {
				t.Fatalf("%q: unknown dimension %q accepted", raw, d)
			}
		}
		for d, vals := range q.Filter {
			if !d.Valid() || len(vals) == 0 || len(vals) > 50 {
				t.Fatalf("%q: filter %s=%q accepted", raw, d, vals)
			}
		}
		again, err := workflow.ParseStatsQuery(q.Values(), now)
		if err != nil {
			t.Fatalf("%q: its own Values %q do not parse: %v", raw, q.Values().Encode(), err)
		}
		if !reflect.DeepEqual(again, q) {
			t.Fatalf("%q: read back %+v, want %+v", raw, again, q)
		}
		from, to := q.Period.Bounds(now)
		if to.Before(from) || q.Period.Label(now) == "" {
			t.Fatalf("%q: bounds %v..%v label %q", raw, from, to, q.Period.Label(now))
		}
	})
}
