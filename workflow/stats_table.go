package workflow

import (
	"strings"

	"github.com/kho-vn/kho/report"
)

// The measures of dossier statistics as report columns, in order.
var statsMeasures = []report.Column{
	{Key: "received", Label: "Đã tiếp nhận", Kind: report.KindCount},
	{Key: "inProgress", Label: "Đang xử lý", Kind: report.KindCount},
	{Key: "resolved", Label: "Đã giải quyết", Kind: report.KindCount},
	{Key: "onTime", Label: "Đúng hạn", Kind: report.KindCount},
	{Key: "late", Label: "Quá hạn", Kind: report.KindCount},
	{Key: "onTimePercent", Label: "Tỷ lệ đúng hạn", Kind: report.KindPercent},
	{Key: "services", Label: "Số dịch vụ công được sử dụng", Kind: report.KindCount},
}

// StatsTitle is the title of a dossier statistics table.
const StatsTitle = "Thống kê tình hình tiếp nhận và giải quyết hồ sơ"

// Table is d as a report table: the group-by columns first (their
// labels), then the figures of item 25; a total row; notes saying how
// figures are counted and the time they are complete to (hh:mm:ss
// DD/MM/YYYY, Vietnam time).
func (d DossierStats) Table() report.Table {
	t := report.Table{Title: StatsTitle, MadeAt: d.AsOf}
	sub := []string{d.PeriodLabel}
	if d.AgencyName != "" {
		sub = append(sub, d.AgencyName)
	} else if d.Query.Agency != "" {
		sub = append(sub, d.Query.Agency)
	}
	for _, dim := range Dimensions {
		if vals := d.Query.Filter[dim]; len(vals) > 0 {
			shown := make([]string, len(vals))
			for i, v := range vals {
				shown[i] = filterLabel(dim, v)
			}
			sub = append(sub, dim.Label()+": "+strings.Join(shown, ", "))
		}
	}
	t.Subtitle = strings.Join(sub, " — ")
	for _, dim := range d.Query.GroupBy {
		t.Columns = append(t.Columns, report.Column{Key: string(dim), Label: dim.Label(), Kind: report.KindText})
	}
	t.Columns = append(t.Columns, statsMeasures...)
	t.Rows = []report.Row{}
	for _, r := range d.Rows {
		var cells []report.Cell
		for i := range d.Query.GroupBy {
			text := ""
			if i < len(r.Labels) && r.Labels[i] != "" {
				text = r.Labels[i]
			} else if i < len(r.Keys) {
				text = r.Keys[i]
			}
			cells = append(cells, report.Cell{Text: text})
		}
		t.Rows = append(t.Rows, report.Row{Cells: append(cells, countCells(r.StatsCounts)...)})
	}
	var total []report.Cell
	for i := range d.Query.GroupBy {
		if i == 0 {
			total = append(total, report.Cell{Text: "Tổng cộng"})
		} else {
			total = append(total, report.Cell{})
		}
	}
	t.Total = &report.Row{Cells: append(total, countCells(d.Total)...)}
	t.Notes = []string{
		"Đã giải quyết: hồ sơ đã xử lý xong trong kỳ, trong số hồ sơ tiếp nhận trong năm của kỳ; tỷ lệ đúng hạn tính trên số hồ sơ đã giải quyết.",
		"Số dịch vụ công được sử dụng ở dòng tổng cộng là số thủ tục khác nhau, không phải tổng các dòng.",
		"Số liệu tính đến " + d.AsOf.In(Vietnam).Format("15:04:05 02/01/2006") + ".",
	}
	return t
}

func countCells(c StatsCounts) []report.Cell {
	return []report.Cell{{Number: float64(c.Received)}, {Number: float64(c.InProgress)}, {Number: float64(c.Resolved)},
		{Number: float64(c.OnTime)}, {Number: float64(c.Late)}, {Number: c.OnTimePercent()}, {Number: float64(c.Services)}}
}

// filterLabel is a filter value as people read it, for the values whose
// label needs no store (level, channel, status, stage).
func filterLabel(d Dimension, v string) string {
	switch d {
	case DimLevel:
		return ServiceLevel(v).Label()
	case DimChannel:
		return Channel(v).Label()
	case DimStatus:
		return Status(v).Label()
	case DimStage:
		return Stage(v).Label()
	}
	return v
}
