package chart_test

import (
	"fmt"
	"testing"

	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/report/chart"
)

// wide is the largest chart drawn: 60 categories of 6 series.
func wide() (report.Table, []string) {
	t := report.Table{Title: "Kết quả giải quyết theo lĩnh vực", Columns: []report.Column{{Key: "l", Label: "Lĩnh vực", Kind: report.KindText}}}
	var cols []string
	for s := range chart.MaxSeries {
		k := fmt.Sprintf("s%d", s)
		cols = append(cols, k)
		t.Columns = append(t.Columns, report.Column{Key: k, Label: "Chuỗi " + k, Kind: report.KindCount})
	}
	for i := range chart.MaxCategories {
		r := report.Row{Cells: []report.Cell{{Text: fmt.Sprintf("Lĩnh vực số %d có tên dài", i)}}}
		for s := range chart.MaxSeries {
			r.Cells = append(r.Cells, report.Cell{Number: float64((i + 1) * (s + 3) * 17)})
		}
		t.Rows = append(t.Rows, r)
	}
	return t, cols
}

// BenchmarkChart draws the largest charts; the data table of the same
// figures is the reference (the page writes both).
func BenchmarkChart(b *testing.B) {
	t, cols := wide()
	b.Run("bars-60x6", func(b *testing.B) {
		for b.Loop() {
			if _, err := chart.Bars(t, "l", cols, chart.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lines-60x6", func(b *testing.B) {
		for b.Loop() {
			if _, err := chart.Lines(t, "l", cols, chart.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("table-60x6-reference", func(b *testing.B) {
		for b.Loop() {
			_ = chart.Table(t)
		}
	})
}
