package chart_test

import (
	"strings"
	"testing"

	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/report/chart"
)

// FuzzCharts draws charts of labels and values from outside (the
// labels are agencies', fields' and procedures' names; the values
// anything): whatever they are, the answer is an error or well-formed XML.
func FuzzCharts(f *testing.F) {
	f.Add("Hộ tịch", "Đúng hạn", 12.0, 3.0, 0.0, false, "a\x00b")
	f.Add("<b>&amp;", "]]>", -5.0, 1e14, 7.5, true, "\xff\xfe")
	f.Add("", "", 0.0, 0.0, 0.0, false, "")
	f.Fuzz(func(t *testing.T, label, series string, v1, v2, v3 float64, stacked bool, id string) {
		tb := report.Table{Title: label, Subtitle: series, Columns: []report.Column{
			{Key: "l", Label: label, Kind: report.KindText},
			{Key: "a", Label: series, Kind: report.KindCount},
			{Key: "b", Label: label + series, Kind: report.KindPercent},
		}}
		for i, v := range []float64{v1, v2, v3} {
			tb.Rows = append(tb.Rows, report.Row{Cells: []report.Cell{{Text: strings.Repeat(label, i+1)}, {Number: v}, {Number: v2 - v}}})
		}
		for _, draw := range []func(report.Table, string, []string, chart.Options) (string, error){wrap(chart.Bars), wrap(chart.Lines)} {
			svg, err := draw(tb, "l", []string{"a", "b"}, chart.Options{Stacked: stacked, ID: id, Title: series})
			if err != nil {
				continue
			}
			if _, err := decode(svg); err != nil {
				t.Fatalf("not well-formed XML: %v\n%s", err, svg)
			}
		}
		if _, err := decode(string(chart.Table(tb))); err != nil {
			t.Fatalf("table not well formed: %v", err)
		}
	})
}
