package workflow_test

import (
	"testing"
	"time"

	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

func TestDossierStatsTable(t *testing.T) {
	asOf := time.Date(2026, 3, 31, 17, 5, 9, 0, time.UTC) // 00:05:09 01/04/2026 in Vietnam
	d := workflow.DossierStats{
		Query:       workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 1}, GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimLevel}, Filter: map[workflow.Dimension][]string{workflow.DimChannel: {"portal"}}},
		PeriodLabel: "Quý I/2026", AgencyName: "Sở Tư pháp",
		Rows: []workflow.StatsRow{{Keys: []string{"Hộ tịch", "full"}, Labels: []string{"Hộ tịch", "Dịch vụ công trực tuyến toàn trình"},
			StatsCounts: workflow.StatsCounts{Received: 10, InProgress: 3, Resolved: 8, OnTime: 6, Late: 2, Services: 2}}},
		Total: workflow.StatsCounts{Received: 10, InProgress: 3, Resolved: 8, OnTime: 6, Late: 2, Services: 2},
		AsOf:  asOf,
	}
	tab := d.Table()
	var labels []string
	for _, c := range tab.Columns {
		labels = append(labels, c.Label)
	}
	want := []string{"Lĩnh vực", "Mức độ dịch vụ công", "Đã tiếp nhận", "Đang xử lý", "Đã giải quyết", "Đúng hạn", "Quá hạn", "Tỷ lệ đúng hạn", "Số dịch vụ công được sử dụng"}
	if len(labels) != len(want) {
		t.Fatalf("columns %q, want %q", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Fatalf("columns %q, want %q", labels, want)
		}
	}
	if tab.Columns[7].Kind != report.KindPercent || tab.Rows[0].Cells[7].Number != 75 {
		t.Fatalf("on-time percent column %+v cell %+v, want 75", tab.Columns[7], tab.Rows[0].Cells[7])
	}
	if tab.Rows[0].Cells[1].Text != "Dịch vụ công trực tuyến toàn trình" || tab.Rows[0].Cells[2].Number != 10 || tab.Rows[0].Cells[6].Number != 2 {
		t.Fatalf("row %+v", tab.Rows[0])
	}
	if tab.Total == nil || tab.Total.Cells[0].Text != "Tổng cộng" || tab.Total.Cells[4].Number != 8 {
		t.Fatalf("total %+v", tab.Total)
	}
	if tab.Subtitle != "Quý I/2026 — Sở Tư pháp — Hình thức nộp: Trực tuyến qua Cổng dịch vụ công" {
		t.Fatalf("subtitle %q", tab.Subtitle)
	}
	if n := tab.Notes[len(tab.Notes)-1]; n != "Số liệu tính đến 00:05:09 01/04/2026." {
		t.Fatalf("as-of note %q", n)
	}
}
