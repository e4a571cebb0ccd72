// Package statsexport is what the statistics page (portal/web) and the
// statistics export API (portal) share: where the figures come from, the
// table they are drawn as, the name of their files.
package statsexport

import (
	"context"
	"fmt"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// Source answers dossier statistics: workflow.Service's DossierStats.
// Errors: Permission when a may not see the agency's figures, Invalid for
// a query it cannot answer, Unavailable when the store cannot be read.
type Source interface {
	DossierStats(ctx context.Context, a archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error)
}

// SourceOf is wf when it answers statistics (the engine), else nil.
func SourceOf(wf *workflow.Service) Source {
	if wf == nil {
		return nil
	}
	if s, ok := any(wf).(Source); ok {
		return s
	}
	return nil
}

// FileName names the files of a period's statistics, without the
// extension: thong-ke-ho-so-2026, thong-ke-ho-so-2026-q1,
// thong-ke-ho-so-2026-t03, thong-ke-ho-so-2026-den-nay.
func FileName(p workflow.Period) string {
	name := fmt.Sprintf("thong-ke-ho-so-%d", p.Year)
	switch p.Kind {
	case workflow.PeriodMonth:
		name += fmt.Sprintf("-t%02d", p.N)
	case workflow.PeriodQuarter:
		name += fmt.Sprintf("-q%d", p.N)
	case workflow.PeriodYTD:
		name += "-den-nay"
	}
	return name
}

// Table is d's table: the engine's DossierStats.Table when it has one,
// else the same columns drawn here (until the engine is merged).
func Table(d workflow.DossierStats) report.Table {
	if t, ok := any(d).(interface{ Table() report.Table }); ok {
		return t.Table()
	}
	t := report.Table{Title: "Thống kê tình hình tiếp nhận và giải quyết hồ sơ", Subtitle: d.PeriodLabel, MadeAt: d.AsOf}
	if d.AgencyName != "" {
		t.Subtitle += " — " + d.AgencyName
	}
	for _, g := range d.Query.GroupBy {
		t.Columns = append(t.Columns, report.Column{Key: string(g), Label: g.Label(), Kind: report.KindText})
	}
	t.Columns = append(t.Columns,
		report.Column{Key: "received", Label: "Đã tiếp nhận", Kind: report.KindCount},
		report.Column{Key: "inProgress", Label: "Đang xử lý", Kind: report.KindCount},
		report.Column{Key: "resolved", Label: "Đã giải quyết", Kind: report.KindCount},
		report.Column{Key: "onTime", Label: "Đúng hạn", Kind: report.KindCount},
		report.Column{Key: "late", Label: "Quá hạn", Kind: report.KindCount},
		report.Column{Key: "onTimePercent", Label: "Tỷ lệ đúng hạn", Kind: report.KindPercent},
		report.Column{Key: "services", Label: "Số dịch vụ công được sử dụng", Kind: report.KindCount})
	counts := func(c workflow.StatsCounts) []report.Cell {
		return []report.Cell{{Number: float64(c.Received)}, {Number: float64(c.InProgress)}, {Number: float64(c.Resolved)},
			{Number: float64(c.OnTime)}, {Number: float64(c.Late)}, {Number: c.OnTimePercent()}, {Number: float64(c.Services)}}
	}
	for _, row := range d.Rows {
		var cells []report.Cell
		for i := range d.Query.GroupBy {
			label := ""
			if i < len(row.Labels) {
				label = row.Labels[i]
			} else if i < len(row.Keys) {
				label = row.Keys[i]
			}
			cells = append(cells, report.Cell{Text: label})
		}
		t.Rows = append(t.Rows, report.Row{Cells: append(cells, counts(row.StatsCounts)...)})
	}
	total := make([]report.Cell, len(d.Query.GroupBy))
	if len(total) > 0 {
		total[0].Text = "Tổng cộng"
	}
	t.Total = &report.Row{Cells: append(total, counts(d.Total)...)}
	t.Notes = []string{"Đã giải quyết: hồ sơ tiếp nhận trong năm đã có kết quả trong kỳ; tỷ lệ đúng hạn tính trên số hồ sơ đã giải quyết.",
		"Số liệu tính đến " + d.AsOf.In(workflow.Vietnam).Format("15:04:05 02/01/2006") + "."}
	return t
}
