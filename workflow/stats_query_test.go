package workflow

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

func TestStatsQueryRoundTrip(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, Vietnam)
	for _, q := range []StatsQuery{
		{Period: Period{Kind: PeriodYTD, Year: 2026}},
		{Period: Period{Kind: PeriodMonth, Year: 2026, N: 3}, Agency: "000.00.31.H29", GroupBy: []Dimension{DimField, DimMonth}},
		{Period: Period{Kind: PeriodQuarter, Year: 2025, N: 4}, Filter: map[Dimension][]string{DimLevel: {"full", "info"}, DimField: {"Hộ tịch"}}},
	} {
		got, err := ParseStatsQuery(q.Values(), now)
		if err != nil {
			t.Fatalf("%v: %v", q.Values(), err)
		}
		if !reflect.DeepEqual(got, q) {
			t.Errorf("round trip of %v: %+v, want %+v", q.Values(), got, q)
		}
	}
	if q, err := ParseStatsQuery(url.Values{}, now); err != nil || q.Period != (Period{Kind: PeriodYTD, Year: 2026}) {
		t.Errorf("empty query: %+v, %v; want the year to date of 2026", q, err)
	}
}

func TestStatsQueryRefused(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, Vietnam)
	for _, raw := range []string{
		"period=week", "period=month&year=2026", "period=month&year=2026&n=13", "period=quarter&year=2026&n=5",
		"period=year&year=2026&n=1", "year=1999", "year=abc", "year=20266", "period=year&period=month",
		"groupBy=field,field", "groupBy=field,month,level", "groupBy=colour", "f.colour=red", "f.field=",
		"agency=H29", "x=1", "f.field=a%0Ab", "f.field=%80",
	} {
		v, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseStatsQuery(v, now); !kerr.IsKind(err, kerr.Invalid) || kerr.Outer(err).Code != "invalid_stats_query" {
			t.Errorf("%s: %v, want invalid_stats_query", raw, err)
		}
	}
}

func TestPeriodBoundsAndLabel(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, Vietnam)
	for _, c := range []struct {
		p        Period
		from, to string
		label    string
	}{
		{Period{PeriodMonth, 2026, 2}, "2026-02-01", "2026-03-01", "Tháng 02/2026"},
		{Period{PeriodQuarter, 2026, 4}, "2026-10-01", "2027-01-01", "Quý IV/2026"},
		{Period{PeriodYear, 2025, 0}, "2025-01-01", "2026-01-01", "Năm 2025"},
		{Period{PeriodYTD, 2026, 0}, "2026-01-01", "2026-12-08", "Từ 01/01/2026 đến 08/12/2026"},
		{Period{PeriodYTD, 2025, 0}, "2025-01-01", "2026-01-01", "Từ 01/01/2025 đến 31/12/2025"},
	} {
		from, to := c.p.Bounds(now)
		if got := from.Format("2006-01-02"); got != c.from {
			t.Errorf("%+v from %s, want %s", c.p, got, c.from)
		}
		if got := to.In(Vietnam).Format("2006-01-02"); got != c.to {
			t.Errorf("%+v to %s, want %s", c.p, got, c.to)
		}
		if got := c.p.Label(now); got != c.label {
			t.Errorf("%+v label %q, want %q", c.p, got, c.label)
		}
	}
}
