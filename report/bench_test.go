package report_test

import (
	"encoding/csv"
	"io"
	"strconv"
	"testing"

	"github.com/kho-vn/kho/report"
)

// bigTable is the largest table an export takes: report.MaxRows rows of
// two text and six figure columns.
func bigTable() report.Table {
	t := report.Table{Title: "Thống kê tình hình giải quyết hồ sơ", Subtitle: "Năm 2026", Columns: []report.Column{
		{Key: "field", Label: "Lĩnh vực", Kind: report.KindText}, {Key: "officer", Label: "Cán bộ xử lý", Kind: report.KindText},
		{Key: "received", Label: "Tiếp nhận", Kind: report.KindCount}, {Key: "inProgress", Label: "Đang giải quyết", Kind: report.KindCount},
		{Key: "resolved", Label: "Đã giải quyết", Kind: report.KindCount}, {Key: "onTime", Label: "Đúng hạn", Kind: report.KindCount},
		{Key: "late", Label: "Quá hạn", Kind: report.KindCount}, {Key: "onTimePercent", Label: "Tỷ lệ đúng hạn", Kind: report.KindPercent}}}
	for i := range report.MaxRows {
		t.Rows = append(t.Rows, report.Row{Cells: []report.Cell{{Text: "Hộ tịch " + strconv.Itoa(i%40)}, {Text: "Nguyễn Văn Cán Bộ " + strconv.Itoa(i)},
			{Number: float64(i)}, {Number: 3}, {Number: float64(i / 2)}, {Number: float64(i / 3)}, {Number: 1}, {Number: 97.5}}})
	}
	return t
}

// BenchmarkExport10k writes the largest table in each format; CSV by the
// standard library (the same cells as shown) is the reference.
func BenchmarkExport10k(b *testing.B) {
	t := bigTable()
	run := func(name string, write func(io.Writer, report.Table) error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := write(io.Discard, t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("csv-reference", func(w io.Writer, t report.Table) error {
		c := csv.NewWriter(w)
		rec := make([]string, len(t.Columns))
		for _, r := range t.Rows {
			for i, cell := range r.Cells {
				rec[i] = report.Format(t.Columns[i], cell)
			}
			if err := c.Write(rec); err != nil {
				return err
			}
		}
		c.Flush()
		return c.Error()
	})
	run("xlsx", report.WriteXLSX)
	run("docx", report.WriteDOCX)
	run("html", func(w io.Writer, t report.Table) error { return report.WriteHTML(w, t, "") })
}
