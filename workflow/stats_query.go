package workflow

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a statistics query from outside.
const (
	maxGroupBy      = 2
	maxFilterValues = 50
	minStatsYear    = 2000
	maxStatsYear    = 2200
)

// Dimensions lists every dimension in the order forms show them.
var Dimensions = []Dimension{DimAgency, DimReceivingAgency, DimProcedure, DimField, DimLevel, DimChannel,
	DimStatus, DimStage, DimOfficer, DimMonth, DimQuarter}

// Label is the dimension as people read it (a column heading).
func (d Dimension) Label() string {
	switch d {
	case DimAgency:
		return "Cơ quan giải quyết"
	case DimReceivingAgency:
		return "Cơ quan tiếp nhận"
	case DimProcedure:
		return "Thủ tục hành chính"
	case DimField:
		return "Lĩnh vực"
	case DimLevel:
		return "Mức độ dịch vụ công"
	case DimChannel:
		return "Hình thức nộp"
	case DimStatus:
		return "Trạng thái"
	case DimStage:
		return "Bước xử lý"
	case DimOfficer:
		return "Cán bộ xử lý"
	case DimMonth:
		return "Tháng"
	case DimQuarter:
		return "Quý"
	}
	return string(d)
}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool { return d.Label() != string(d) }

// Valid reports whether p is a period: a known kind, a year in range, N
// in 1..12 for a month, 1..4 for a quarter, 0 otherwise.
func (p Period) Valid() bool {
	if p.Year < minStatsYear || p.Year > maxStatsYear {
		return false
	}
	switch p.Kind {
	case PeriodMonth:
		return p.N >= 1 && p.N <= 12
	case PeriodQuarter:
		return p.N >= 1 && p.N <= 4
	case PeriodYear, PeriodYTD:
		return p.N == 0
	}
	return false
}

// Bounds returns the period's first instant and the instant after its
// last, in Vietnam time. The year to date ends at now (the end of the
// year when now is later; its start when now is sooner).
func (p Period) Bounds(now time.Time) (from, to time.Time) {
	switch p.Kind {
	case PeriodMonth:
		from = time.Date(p.Year, time.Month(p.N), 1, 0, 0, 0, 0, Vietnam)
		return from, from.AddDate(0, 1, 0)
	case PeriodQuarter:
		from = time.Date(p.Year, time.Month(3*(p.N-1)+1), 1, 0, 0, 0, 0, Vietnam)
		return from, from.AddDate(0, 3, 0)
	}
	from = time.Date(p.Year, 1, 1, 0, 0, 0, 0, Vietnam)
	to = from.AddDate(1, 0, 0)
	if p.Kind == PeriodYTD {
		switch {
		case now.Before(from):
			to = from
		case now.Before(to):
			to = now
		}
	}
	return from, to
}

var romanQuarters = [...]string{"I", "II", "III", "IV"}

// Label is the period as people read it: "Tháng 03/2026", "Quý I/2026",
// "Năm 2026", "Từ 01/01/2026 đến 08/12/2026" (the year to date, at now).
func (p Period) Label(now time.Time) string {
	switch p.Kind {
	case PeriodMonth:
		return fmt.Sprintf("Tháng %02d/%d", p.N, p.Year)
	case PeriodQuarter:
		if p.N >= 1 && p.N <= 4 {
			return fmt.Sprintf("Quý %s/%d", romanQuarters[p.N-1], p.Year)
		}
	case PeriodYear:
		return fmt.Sprintf("Năm %d", p.Year)
	case PeriodYTD:
		from, to := p.Bounds(now)
		last := to.In(Vietnam)
		if last.After(from) {
			last = last.Add(-time.Nanosecond)
		}
		return "Từ " + from.Format("02/01/2006") + " đến " + last.Format("02/01/2006")
	}
	return fmt.Sprintf("%s %d/%d", p.Kind, p.N, p.Year)
}

// Values is q as URL query parameters, the form ParseStatsQuery reads:
//
//	period=month|quarter|year|ytd  year=2026  n=3 (month or quarter)
//	agency=000.00.31.H29  groupBy=field,month
//	f.<dimension>=value (repeated for several values)
//
// Pages, saved report templates and API calls share this form, so a
// report's address is its query.
func (q StatsQuery) Values() url.Values {
	v := url.Values{}
	v.Set("period", string(q.Period.Kind))
	v.Set("year", strconv.Itoa(q.Period.Year))
	if q.Period.N != 0 {
		v.Set("n", strconv.Itoa(q.Period.N))
	}
	if q.Agency != "" {
		v.Set("agency", q.Agency)
	}
	if len(q.GroupBy) > 0 {
		g := make([]string, len(q.GroupBy))
		for i, d := range q.GroupBy {
			g[i] = string(d)
		}
		v.Set("groupBy", strings.Join(g, ","))
	}
	for _, d := range Dimensions {
		for _, val := range q.Filter[d] {
			v.Add("f."+string(d), val)
		}
	}
	return v
}

// ParseStatsQuery reads a query from URL parameters (StatsQuery.Values),
// at now: a missing period is the year to date of now's year. Invalid
// "invalid_stats_query" for an unknown parameter, period, dimension or
// a value out of bounds; it checks form only, not whether the caller may
// see the agency.
func ParseStatsQuery(v url.Values, now time.Time) (StatsQuery, error) {
	bad := func(detail string, args ...any) (StatsQuery, error) {
		return StatsQuery{}, invalid("invalid_stats_query", "Điều kiện thống kê không hợp lệ.", detail, args...)
	}
	one := func(k string) (string, error) {
		if len(v[k]) > 1 {
			return "", invalid("invalid_stats_query", "Điều kiện thống kê không hợp lệ.", "parameter %q given %d times", k, len(v[k]))
		}
		return v.Get(k), nil
	}
	var q StatsQuery
	for k := range v {
		switch {
		case k == "period" || k == "year" || k == "n" || k == "agency" || k == "groupBy":
		case strings.HasPrefix(k, "f."):
			d := Dimension(strings.TrimPrefix(k, "f."))
			if !d.Valid() {
				return bad("unknown filter dimension %q", d)
			}
			vals := v[k]
			if len(vals) > maxFilterValues {
				return bad("%d values for %s, at most %d", len(vals), d, maxFilterValues)
			}
			for _, s := range vals {
				if s == "" || len(s) > 200 || strings.ContainsAny(s, "\x00\r\n") || !utf8.ValidString(s) {
					return bad("filter %s value %q", d, s)
				}
			}
			if q.Filter == nil {
				q.Filter = map[Dimension][]string{}
			}
			q.Filter[d] = slices.Clone(vals)
		default:
			return bad("unknown parameter %q", k)
		}
	}
	kind, err := one("period")
	if err != nil {
		return StatsQuery{}, err
	}
	q.Period.Kind = PeriodKind(kind)
	if kind == "" {
		q.Period.Kind = PeriodYTD
	}
	year, err := one("year")
	if err != nil {
		return StatsQuery{}, err
	}
	q.Period.Year = now.In(Vietnam).Year()
	if year != "" {
		if q.Period.Year, err = strconv.Atoi(year); err != nil || len(year) > 4 {
			return bad("year %q", year)
		}
	}
	n, err := one("n")
	if err != nil {
		return StatsQuery{}, err
	}
	if n != "" {
		if q.Period.N, err = strconv.Atoi(n); err != nil || len(n) > 2 {
			return bad("n %q", n)
		}
	}
	if !q.Period.Valid() {
		return bad("period %+v", q.Period)
	}
	if q.Agency, err = one("agency"); err != nil {
		return StatsQuery{}, err
	}
	if q.Agency != "" && !ValidAgencyCode(q.Agency) {
		return bad("agency %q", q.Agency)
	}
	g, err := one("groupBy")
	if err != nil {
		return StatsQuery{}, err
	}
	if g != "" {
		for _, s := range strings.Split(g, ",") {
			d := Dimension(s)
			if !d.Valid() || slices.Contains(q.GroupBy, d) {
				return bad("groupBy %q", g)
			}
			q.GroupBy = append(q.GroupBy, d)
			if len(q.GroupBy) > maxGroupBy {
				return bad("groupBy %q: at most %d dimensions", g, maxGroupBy)
			}
		}
	}
	return q, nil
}
