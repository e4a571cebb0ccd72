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

// The columns of the statistics tables the pages chart.
const (
	colGroup      = "group"
	colReceived   = "received"
	colInProgress = "inProgress"
	colResolved   = "resolved"
	colOnTime     = "onTime"
	colLate       = "late"
	colRate       = "onTimeRate"
)

// statsTable is d's rows as a report.Table: a first column named after
// the grouping (its rows' labels joined), the figures of item 25 and the
// on-time rate, the total row.
func statsTable(d workflow.DossierStats, title, groupLabel string) report.Table {
	t := report.Table{Title: title, Subtitle: d.PeriodLabel, MadeAt: d.AsOf, Columns: []report.Column{
		{Key: colGroup, Label: groupLabel, Kind: report.KindText},
		{Key: colReceived, Label: "Tiếp nhận", Kind: report.KindCount},
		{Key: colInProgress, Label: "Đang giải quyết", Kind: report.KindCount},
		{Key: colResolved, Label: "Đã giải quyết", Kind: report.KindCount},
		{Key: colOnTime, Label: "Đúng hạn", Kind: report.KindCount},
		{Key: colLate, Label: "Quá hạn", Kind: report.KindCount},
		{Key: colRate, Label: "Tỷ lệ đúng hạn", Kind: report.KindPercent},
	}}
	if d.AgencyName != "" {
		t.Subtitle += " — " + d.AgencyName
	}
	row := func(label string, c workflow.StatsCounts) report.Row {
		return report.Row{Cells: []report.Cell{{Text: label}, {Number: float64(c.Received)}, {Number: float64(c.InProgress)},
			{Number: float64(c.Resolved)}, {Number: float64(c.OnTime)}, {Number: float64(c.Late)}, {Number: c.OnTimePercent()}}}
	}
	t.Rows = []report.Row{}
	for _, r := range d.Rows {
		label := ""
		for i, l := range r.Labels {
			if i > 0 {
				label += " — "
			}
			label += l
		}
		if label == "" && len(r.Keys) > 0 {
			label = r.Keys[0]
		}
		t.Rows = append(t.Rows, row(label, r.StatsCounts))
	}
	total := row("Tổng cộng", d.Total)
	t.Total = &total
	if !d.AsOf.IsZero() {
		t.Notes = append(t.Notes, "Số liệu tính đến "+DateTime(d.AsOf)+".")
	}
	t.Notes = append(t.Notes, "Đã giải quyết: hồ sơ nhận trong năm đã có kết quả trong kỳ; tỷ lệ đúng hạn = đúng hạn / đã giải quyết.")
	return t
}

// statsChart is one chart and its data table.
type statsChart struct {
	SVG, Table template.HTML
	Err        string // why the chart could not be drawn ("" = drawn)
}

// drawChart draws t with draw; a table the chart cannot draw keeps its
// data table and says why.
func drawChart(t report.Table, draw func(report.Table, string, []string, chart.Options) (template.HTML, error), cols []string, o chart.Options) statsChart {
	c := statsChart{Table: chart.Table(t)}
	svg, err := draw(t, colGroup, cols, o)
	if err != nil {
		_, c.Err = kerr.Public(err)
		return c
	}
	c.SVG = svg
	return c
}
