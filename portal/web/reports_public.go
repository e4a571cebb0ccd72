package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report/chart"
	"github.com/kho-vn/kho/workflow"
)

// DefaultPublicStatsTTL is how long the public statistics page keeps an
// answer in memory: anyone may ask, and figures a minute old are what the
// page's Cache-Control promises anyway.
const DefaultPublicStatsTTL = time.Minute

// publicStatsCacheSize bounds the answers kept (each a few KB).
const publicStatsCacheSize = 512

// publicStatsCache keeps the public page's answers by query for a short
// while, the least recently asked for going first past the bound; one
// caller per query asks the engine at a time, the others wait for it.
type publicStatsCache struct {
	ttl     time.Duration
	answers *lru.Cache[string, cachedStats] // nil: nothing kept
	calls   singleflight.Group
}

type cachedStats struct {
	stats workflow.DossierStats
	at    time.Time
}

func newPublicStatsCache(ttl time.Duration) *publicStatsCache {
	c := &publicStatsCache{ttl: ttl}
	if ttl == 0 {
		c.ttl = DefaultPublicStatsTTL
	}
	if c.ttl > 0 {
		c.answers, _ = lru.New[string, cachedStats](publicStatsCacheSize) // errors only for a size ≤ 0
	}
	return c
}

// get answers q from the cache when fresh at now, else from src.
func (c *publicStatsCache) get(ctx context.Context, src StatsSource, q workflow.StatsQuery, now time.Time) (workflow.DossierStats, error) {
	key := q.Values().Encode()
	if c.answers == nil {
		return src.PublicStats(ctx, q)
	}
	if e, ok := c.answers.Get(key); ok && now.Sub(e.at) < c.ttl {
		return e.stats, nil
	}
	v, err, _ := c.calls.Do(key, func() (any, error) {
		d, err := src.PublicStats(context.WithoutCancel(ctx), q)
		if err == nil {
			c.answers.Add(key, cachedStats{stats: d, at: now})
		}
		return d, err
	})
	if err != nil {
		return workflow.DossierStats{}, err
	}
	return v.(workflow.DossierStats), nil
}

// publicStatsPage is the public statistics page (2025 items 23.3, 27.2).
type publicStatsPage struct {
	Self   string
	Errors []formError
	// The form: the period's kind, year and number, the agency, the field.
	Period, Year, N, Agency, Field string
	Periods                        []option
	Agencies, Fields               []option
	// Shown is set when figures are shown.
	Shown       bool
	PeriodLabel string
	Total       workflow.StatsCounts
	Rate        string
	ByAgency    statsChart
	ByField     statsChart
}

// publicParams are the parameters the public page takes.
var publicParams = []string{"period", "year", "n", "agency", "f.field"}

// publicStats is GET /thong-ke: anyone, signed in or not.
func (h *Handler) publicStats(w http.ResponseWriter, r *http.Request) {
	src := h.statsSource()
	if src == nil {
		h.renderError(w, r, errStatsOff)
		return
	}
	now := h.cfg.Now()
	p := &publicStatsPage{Self: PathPublicStats, Periods: []option{{"ytd", "Từ đầu năm đến nay"}, {"month", "Tháng"}, {"quarter", "Quý"}, {"year", "Năm"}}}
	in := r.URL.Query()
	p.Period, p.Year, p.N, p.Agency, p.Field = in.Get("period"), in.Get("year"), in.Get("n"), in.Get("agency"), in.Get("f.field")
	q, err := publicQuery(in, now)
	if err != nil {
		field := "ky"
		if e := kerr.Outer(err); e != nil && e.Code == "public_stats_param" {
			field = "bieu-mau"
		}
		_, msg := kerr.Public(err)
		p.Errors = []formError{{Field: field, Message: msg}}
		h.renderPublicStats(w, r, http.StatusBadRequest, p)
		return
	}
	if p.Year == "" {
		p.Year = strconv.Itoa(q.Period.Year)
	}
	if p.Period == "" {
		p.Period = string(q.Period.Kind)
	}
	ask := func(g workflow.Dimension) (workflow.DossierStats, error) {
		qq := q
		qq.GroupBy = []workflow.Dimension{g}
		return h.statsCache.get(r.Context(), src, qq, now)
	}
	byAgency, err := ask(workflow.DimAgency)
	if err == nil {
		var byField workflow.DossierStats
		if byField, err = ask(workflow.DimField); err == nil {
			p.fill(byAgency, byField)
		}
	}
	if kerr.IsKind(err, kerr.Invalid) {
		_, msg := kerr.Public(err)
		p.Errors = []formError{{Field: "ky", Message: msg}}
		h.renderPublicStats(w, r, http.StatusBadRequest, p)
		return
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.renderPublicStats(w, r, http.StatusOK, p)
}

// renderPublicStats writes the page; figures may be kept a minute by the
// browser, and by shared caches when nobody is signed in (the header
// then names nobody).
func (h *Handler) renderPublicStats(w http.ResponseWriter, r *http.Request, status int, p *publicStatsPage) {
	if status == http.StatusOK {
		cc := "public, max-age=60"
		if h.cfg.Identify != nil {
			if _, signed := h.cfg.Identify(r); signed {
				cc = "private, max-age=60"
			}
		}
		w.Header().Set("Cache-Control", cc)
	}
	h.render(w, r, status, "stats_public", "Thống kê tình hình giải quyết hồ sơ", "publicstats", p)
}

// publicQuery reads the page's form: only its own parameters, empty ones
// dropped (a form sends them all), the number dropped for a year.
func publicQuery(in url.Values, now time.Time) (workflow.StatsQuery, error) {
	v := url.Values{}
	for k, vals := range in {
		if !slices.Contains(publicParams, k) {
			return workflow.StatsQuery{}, kerr.New(kerr.Invalid, "public_stats_param", "Trang thống kê công khai chỉ chọn được kỳ, cơ quan và lĩnh vực.",
				"parameter %q is not one of %v", k, publicParams)
		}
		for _, s := range vals {
			if s != "" {
				v.Add(k, s)
			}
		}
	}
	if p := v.Get("period"); p == "" || p == string(workflow.PeriodYear) || p == string(workflow.PeriodYTD) {
		v.Del("n")
	}
	return workflow.ParseStatsQuery(v, now)
}

// fill puts the answers on the page: the totals, the charts by agency
// and by field, and the choices of agency and field they list.
func (p *publicStatsPage) fill(byAgency, byField workflow.DossierStats) {
	p.Shown, p.PeriodLabel, p.Total = true, byAgency.PeriodLabel, byAgency.Total
	p.Rate = onTimeRate(byAgency.Total)
	for _, r := range byAgency.Rows {
		if len(r.Keys) > 0 && len(r.Labels) > 0 {
			p.Agencies = append(p.Agencies, option{r.Keys[0], r.Labels[0]})
		}
	}
	for _, r := range byField.Rows {
		if len(r.Keys) > 0 && len(r.Labels) > 0 {
			p.Fields = append(p.Fields, option{r.Keys[0], r.Labels[0]})
		}
	}
	if p.Agency != "" && !slices.ContainsFunc(p.Agencies, func(o option) bool { return o.Value == p.Agency }) {
		p.Agencies = append(p.Agencies, option{p.Agency, p.Agency})
	}
	if p.Field != "" && !slices.ContainsFunc(p.Fields, func(o option) bool { return o.Value == p.Field }) {
		p.Fields = append(p.Fields, option{p.Field, p.Field})
	}
	bars := []string{colOnTime, colLate, colInProgress}
	t, group := statsTable(byAgency, "Kết quả giải quyết theo cơ quan")
	p.ByAgency = drawChart(t, group, chart.Bars, bars, chart.Options{ID: "theo-co-quan"})
	t, group = statsTable(byField, "Kết quả giải quyết theo lĩnh vực")
	p.ByField = drawChart(t, group, chart.Bars, bars, chart.Options{ID: "theo-linh-vuc"})
}
