package archive

import (
	"fmt"
	"time"

	"github.com/kho-vn/kho/report"
)

// The views of the vault statistics, each a report.Table.
const (
	VaultViewTypes      = "types"      // per document type (28.3)
	VaultViewProcedures = "procedures" // per procedure (28.3)
	VaultViewMonths     = "months"     // per month: growth (28.3, 28.5)
	VaultViewStorage    = "storage"    // the largest owners (28.5)
	VaultViewBands      = "bands"      // owners by storage used (28.5)
)

// VaultViews lists the views in the order pages show them.
var VaultViews = []string{VaultViewTypes, VaultViewProcedures, VaultViewMonths, VaultViewStorage, VaultViewBands}

// Tables returns every view that has figures: the storage views only
// when Storage is set.
func (v VaultStats) Tables() []report.Table {
	out := make([]report.Table, 0, len(VaultViews))
	for _, name := range VaultViews {
		if t, ok := v.Table(name); ok {
			out = append(out, t)
		}
	}
	return out
}

// Table returns one view as a report.Table; false when the view is not
// known or has no figures in v (the storage views of a leader).
func (v VaultStats) Table(view string) (report.Table, bool) {
	t := report.Table{Subtitle: v.subtitle(), MadeAt: v.MadeAt, Notes: v.notes(), Rows: []report.Row{}}
	count := func(key, label string) report.Column {
		return report.Column{Key: key, Label: label, Kind: report.KindCount}
	}
	bytesCol := func(key, label string) report.Column {
		return report.Column{Key: key, Label: label, Kind: report.KindBytes}
	}
	text := func(key, label string) report.Column {
		return report.Column{Key: key, Label: label, Kind: report.KindText}
	}
	switch view {
	case VaultViewTypes:
		t.Title = "Giấy tờ lưu trữ và tái sử dụng theo loại giấy tờ"
		t.Columns = []report.Column{text("typeCode", "Mã loại"), text("typeName", "Loại giấy tờ"), count("stored", "Đang lưu"),
			bytesCol("bytes", "Dung lượng"), count("added", "Thêm mới trong kỳ"), count("reused", "Tái sử dụng trong kỳ")}
		var tot [4]int64
		for _, r := range v.ByType {
			t.Rows = append(t.Rows, row(txt(r.TypeCode), txt(r.TypeName), num(r.Stored), num(r.Bytes), num(r.Added), num(r.Reused)))
			tot[0], tot[1], tot[2], tot[3] = tot[0]+r.Stored, tot[1]+r.Bytes, tot[2]+r.Added, tot[3]+r.Reused
		}
		tr := row(txt("Tổng cộng"), txt(""), num(tot[0]), num(tot[1]), num(tot[2]), num(tot[3]))
		t.Total = &tr
	case VaultViewProcedures:
		t.Title = "Giấy tờ tái sử dụng và kết quả cấp vào kho theo thủ tục"
		t.Columns = []report.Column{text("procedure", "Mã thủ tục"), text("name", "Thủ tục"), count("reused", "Giấy tờ tái sử dụng"),
			count("issued", "Kết quả cấp vào kho")}
		var tot [2]int64
		for _, r := range v.ByProcedure {
			t.Rows = append(t.Rows, row(txt(r.Procedure), txt(r.Name), num(r.Reused), num(r.Issued)))
			tot[0], tot[1] = tot[0]+r.Reused, tot[1]+r.Issued
		}
		tr := row(txt("Tổng cộng"), txt(""), num(tot[0]), num(tot[1]))
		t.Total = &tr
	case VaultViewMonths:
		t.Title = "Tăng trưởng kho dữ liệu theo tháng"
		t.Columns = []report.Column{text("month", "Tháng"), count("added", "Giấy tờ thêm mới"), bytesCol("addedBytes", "Dung lượng thêm mới"),
			count("reused", "Tái sử dụng"), count("issued", "Kết quả cấp vào kho"), count("totalPapers", "Tổng giấy tờ cuối tháng"),
			bytesCol("totalBytes", "Tổng dung lượng cuối tháng")}
		for _, m := range v.Months {
			t.Rows = append(t.Rows, row(txt(monthLabel(m.Month)), num(m.Added), num(m.AddedBytes), num(m.Reused), num(m.Issued),
				num(m.TotalPapers), num(m.TotalBytes)))
		}
	case VaultViewStorage:
		if v.Storage == nil {
			return report.Table{}, false
		}
		t.Title = "Chủ kho sử dụng nhiều dung lượng nhất"
		t.Columns = []report.Column{text("owner", "Chủ kho"), text("name", "Tên"), bytesCol("bytes", "Dung lượng"), count("papers", "Số giấy tờ")}
		if o := v.Storage.Owner; o != nil {
			t.Rows = append(t.Rows, row(txt(o.OwnerID), txt(o.Name+" (chủ kho được hỏi)"), num(o.Bytes), num(o.Papers)))
		}
		for _, o := range v.Storage.Top {
			t.Rows = append(t.Rows, row(txt(o.OwnerID), txt(o.Name), num(o.Bytes), num(o.Papers)))
		}
		t.Notes = append(t.Notes, "Dung lượng lấy từ bộ đếm của từng chủ kho tại thời điểm lập báo cáo.")
	case VaultViewBands:
		if v.Storage == nil {
			return report.Table{}, false
		}
		t.Title = "Số chủ kho theo dung lượng sử dụng"
		t.Columns = []report.Column{text("band", "Dung lượng sử dụng"), count("owners", "Số chủ kho")}
		var tot int64
		for _, b := range v.Storage.Bands {
			t.Rows = append(t.Rows, row(txt(bandLabel(b.SizeBand)), num(b.Owners)))
			tot += b.Owners
		}
		tr := row(txt("Tổng cộng"), num(tot))
		t.Total = &tr
	default:
		return report.Table{}, false
	}
	return t, true
}

func row(cells ...report.Cell) report.Row { return report.Row{Cells: cells} }
func txt(s string) report.Cell            { return report.Cell{Text: s} }
func num(n int64) report.Cell             { return report.Cell{Number: float64(n)} }

// monthLabel writes "2026-11" as "Tháng 11/2026".
func monthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return fmt.Sprintf("Tháng %02d/%d", t.Month(), t.Year())
}

// bandLabel writes a size band for people.
func bandLabel(b SizeBand) string {
	if b.Max == 0 {
		return "Từ " + formatBytes(b.Min) + " trở lên"
	}
	if b.Min == 0 {
		return "Dưới " + formatBytes(b.Max)
	}
	return "Từ " + formatBytes(b.Min) + " đến dưới " + formatBytes(b.Max)
}

func (v VaultStats) subtitle() string {
	s := monthLabel(v.From) + " – " + monthLabel(v.To)
	if v.Agency != "" {
		s += " — Giấy tờ do cơ quan " + v.Agency + " cấp"
	} else {
		s += " — Toàn bộ kho dữ liệu"
	}
	return s
}

func (v VaultStats) notes() []string {
	asOf := "chưa có số liệu"
	if !v.AsOf.IsZero() {
		asOf = v.AsOf.In(vietnam).Format("15:04:05 02/01/2006")
	}
	return []string{
		"Số liệu giấy tờ và tái sử dụng được cộng dồn định kỳ; đã tính đến " + asOf + ".",
		"“Đang lưu” là số giấy tờ đã đưa vào kho từ khi bắt đầu thống kê; dung lượng là dung lượng phiên bản hiện hành khi giấy tờ được thống kê.",
	}
}
