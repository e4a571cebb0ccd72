package report

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/kho-vn/kho/internal/kerr"
)

// SheetName is the name of the one sheet of an exported spreadsheet.
const SheetName = "Báo cáo"

// Number formats of the spreadsheet's columns, by kind: counts as whole
// numbers with thousands separated, percentages (stored as fractions) with
// one decimal, bytes scaled to kB, MB or GB of 1000.
var (
	fmtCount   = "#,##0"
	fmtPercent = "0.0%"
	fmtBytes   = `[>=1000000000]#,##0.0,,," GB";[>=1000000]#,##0.0,," MB";#,##0.0," kB"`
)

// WriteXLSX writes t as an Office Open XML spreadsheet (.xlsx) to w: one
// sheet (SheetName) with the title and subtitle on top, a bold header row
// that stays in view when scrolling, one row per Table row, the total row
// in bold, the notes below, a
// number format per column kind, column widths from the content, A4
// landscape for printing, and the document's properties (title, subject,
// creator, language vi-VN). Numbers are stored as numbers: counts as they
// are, percentages as fractions (95.5 → 0.955 shown as 95.5%), bytes as
// bytes. Errors: t.Check's Invalid, before anything is written; Internal
// when the spreadsheet cannot be made; w's error as it is.
func WriteXLSX(w io.Writer, t Table) error {
	if err := t.Check(); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	fail := func(err error) error {
		return kerr.Wrap(err, kerr.Internal, "report_xlsx", "Không tạo được bảng tính.")
	}
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return fail(err)
	}
	made := ""
	if !t.MadeAt.IsZero() {
		made = t.MadeAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: t.Title, Subject: t.Subtitle, Description: t.madeAtLabel(),
		Creator: "Kho", LastModifiedBy: "Kho", Created: made, Modified: made, Language: "vi-VN",
	}); err != nil {
		return fail(err)
	}
	size, landscape := 9, "landscape" // 9: A4
	if err := f.SetPageLayout(SheetName, &excelize.PageLayoutOptions{Size: &size, Orientation: &landscape}); err != nil {
		return fail(err)
	}
	font := func(bold bool, size float64) *excelize.Font {
		return &excelize.Font{Bold: bold, Size: size, Family: "Times New Roman"}
	}
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		if err != nil {
			panic(err) // the styles below are constants: a failure is a build defect
		}
		return id
	}
	border := []excelize.Border{{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1}}
	titleStyle := style(&excelize.Style{Font: font(true, 14)})
	subStyle := style(&excelize.Style{Font: font(false, 12)})
	noteStyle := style(&excelize.Style{Font: &excelize.Font{Italic: true, Size: 11, Family: "Times New Roman"}})
	headStyle := style(&excelize.Style{Font: font(true, 12), Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE5EE"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}})
	cellStyles := func(bold bool) []int {
		ids := make([]int, len(t.Columns))
		for i, c := range t.Columns {
			s := &excelize.Style{Font: font(bold, 12), Border: border}
			switch c.Kind {
			case KindCount:
				s.CustomNumFmt = &fmtCount
			case KindPercent:
				s.CustomNumFmt = &fmtPercent
			case KindBytes:
				s.CustomNumFmt = &fmtBytes
			default:
				s.Alignment = &excelize.Alignment{WrapText: true, Vertical: "top"}
			}
			ids[i] = style(s)
		}
		return ids
	}
	bodyStyles, totalStyles := cellStyles(false), cellStyles(true)

	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return fail(err)
	}
	for i, c := range t.Columns {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(t, i, c)); err != nil {
			return fail(err)
		}
	}
	// Row 1 the title, 2 the subtitle, 3 empty, 4 the headings.
	const headRow = 4
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headRow, TopLeftCell: fmt.Sprintf("A%d", headRow+1), ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}
	put := func(row int, values []any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, values)
	}
	if err := put(1, []any{excelize.Cell{StyleID: titleStyle, Value: t.Title}}); err != nil {
		return fail(err)
	}
	if err := put(2, []any{excelize.Cell{StyleID: subStyle, Value: t.Subtitle}}); err != nil {
		return fail(err)
	}
	head := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = excelize.Cell{StyleID: headStyle, Value: c.Label}
	}
	if err := put(headRow, head); err != nil {
		return fail(err)
	}
	values := func(r Row, styles []int) []any {
		vs := make([]any, len(r.Cells))
		for i, cell := range r.Cells {
			c := t.Columns[i]
			var v any
			switch {
			case c.Kind == KindText || cell.Text != "":
				v = Format(c, cell)
			case c.Kind == KindPercent:
				v = cell.Number / 100
			default:
				v = cell.Number
			}
			vs[i] = excelize.Cell{StyleID: styles[i], Value: v}
		}
		return vs
	}
	n := headRow + 1
	for _, r := range t.Rows {
		if err := put(n, values(r, bodyStyles)); err != nil {
			return fail(err)
		}
		n++
	}
	if t.Total != nil {
		if err := put(n, values(*t.Total, totalStyles)); err != nil {
			return fail(err)
		}
		n++
	}
	n++
	for _, s := range t.Notes {
		if err := put(n, []any{excelize.Cell{StyleID: noteStyle, Value: s}}); err != nil {
			return fail(err)
		}
		n++
	}
	if err := sw.Flush(); err != nil {
		return fail(err)
	}
	return f.Write(w)
}

// columnWidth is the width of column i in characters: its heading's or
// its longest cell's of the first rows, between 8 and 60.
func columnWidth(t Table, i int, c Column) float64 {
	w := 0
	measure := func(s string) {
		w = max(w, utf8.RuneCountInString(s))
	}
	measure(c.Label)
	for j, r := range t.Rows {
		if j == 500 {
			break
		}
		measure(Format(c, r.Cells[i]))
	}
	if c.Kind != KindText {
		w = min(w, 16) // a heading wraps over its figures
	}
	return float64(min(max(w+2, 8), 60))
}
