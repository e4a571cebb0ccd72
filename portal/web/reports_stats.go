package web

import (
	"context"
	"html/template"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/report/chart"
	"github.com/kho-vn/kho/workflow"
)

// StatsSource answers statistics queries: workflow.Service's engine
// (issue 13). The dashboard and the public statistics page read it.
type StatsSource interface {
	// DossierStats answers q for a: staff holding head or leader for their
	// agency, admins for any (Permission otherwise; Invalid for a bad
	// query).
	DossierStats(ctx context.Context, a archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error)
	// PublicStats answers q for anyone: only period, agency, field and
	// level (Invalid otherwise).
	PublicStats(ctx context.Context, q workflow.StatsQuery) (workflow.DossierStats, error)
}

var errStatsOff = kerr.New(kerr.Unavailable, "stats_not_configured", "Máy chủ chưa được cấu hình để thống kê hồ sơ.",
	"web.Config.Stats is nil and web.Config.Workflow does not answer statistics")

// statsSource is Config.Stats, else the workflow service when it answers
// statistics (nil: neither).
func (h *Handler) statsSource() StatsSource {
	if h.cfg.Stats != nil {
		return h.cfg.Stats
	}
	if s, ok := any(h.cfg.Workflow).(StatsSource); ok && h.cfg.Workflow != nil {
		return s
	}
	return nil
}

// The columns of DossierStats.Table the pages chart.
const (
	colReceived   = "received"
	colInProgress = "inProgress"
	colResolved   = "resolved"
	colOnTime     = "onTime"
	colLate       = "late"
)

// statsTable is d's table (DossierStats.Table: the same figures as its
// exports) titled for the page, and the column of its first grouping.
func statsTable(d workflow.DossierStats, title string) (report.Table, string) {
	t := d.Table()
	t.Title = title
	group := ""
	if len(d.Query.GroupBy) > 0 {
		group = string(d.Query.GroupBy[0])
	}
	return t, group
}

// onTimeRate is c's on-time rate as the tables write it ("92,5%").
func onTimeRate(c workflow.StatsCounts) string {
	return chart.CellText(report.Cell{Number: c.OnTimePercent()}, report.KindPercent)
}

// statsChart is one chart and its data table.
type statsChart struct {
	SVG, Table template.HTML
	Err        string // why the chart could not be drawn ("" = drawn)
}

// drawChart draws t with draw; a table the chart cannot draw keeps its
// data table and says why.
func drawChart(t report.Table, group string, draw func(report.Table, string, []string, chart.Options) (template.HTML, error), cols []string, o chart.Options) statsChart {
	c := statsChart{Table: chart.Table(t)}
	svg, err := draw(t, group, cols, o)
	if err != nil {
		_, c.Err = kerr.Public(err)
		return c
	}
	c.SVG = svg
	return c
}

// The workflow service is the statistics source when Config.Stats is nil.
var _ StatsSource = (*workflow.Service)(nil)
