package chart

import (
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/report"
)

// Table writes t as an accessible HTML table — the chart's data beside
// it: a <caption> (the title, the subtitle), column headings with
// scope="col", the first cell of each row a heading with scope="row",
// the total row in a <tfoot>, the notes under it. Figures are written
// the Vietnamese way (1.234; 95,5%).
func Table(t report.Table) template.HTML {
	var b strings.Builder
	// The wrapper scrolls a wide table on a phone: a region the keyboard
	// reaches, named after the table.
	b.WriteString(`<div class="table-scroll" tabindex="0" role="region" aria-label="Bảng số liệu: ` + esc(t.Title) + `"><table class="report-table"><caption>`)
	b.WriteString(esc(t.Title))
	if t.Subtitle != "" {
		b.WriteString(`<span class="caption-sub">`)
		b.WriteString(esc(t.Subtitle))
		b.WriteString(`</span>`)
	}
	b.WriteString(`</caption><thead><tr>`)
	for _, c := range t.Columns {
		b.WriteString(`<th scope="col"`)
		if c.Kind != report.KindText {
			b.WriteString(` class="num"`)
		}
		b.WriteString(`>`)
		b.WriteString(esc(c.Label))
		b.WriteString(`</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	row := func(r report.Row) {
		b.WriteString(`<tr>`)
		for i, c := range t.Columns {
			var cell report.Cell
			if i < len(r.Cells) {
				cell = r.Cells[i]
			}
			tag, attr := "td", ""
			if i == 0 {
				tag, attr = "th", ` scope="row"`
			}
			if c.Kind != report.KindText {
				attr += ` class="num"`
			}
			b.WriteString("<" + tag + attr + ">")
			b.WriteString(esc(CellText(cell, c.Kind)))
			b.WriteString("</" + tag + ">")
		}
		b.WriteString(`</tr>`)
	}
	for _, r := range t.Rows {
		row(r)
	}
	if len(t.Rows) == 0 {
		b.WriteString(`<tr><td colspan="` + strconv.Itoa(max(1, len(t.Columns))) + `">Không có số liệu.</td></tr>`)
	}
	b.WriteString(`</tbody>`)
	if t.Total != nil {
		b.WriteString(`<tfoot>`)
		row(*t.Total)
		b.WriteString(`</tfoot>`)
	}
	b.WriteString(`</table></div>`)
	for _, n := range t.Notes {
		b.WriteString(`<p class="report-note">`)
		b.WriteString(esc(n))
		b.WriteString(`</p>`)
	}
	return template.HTML(b.String()) // #nosec G203 -- every text was escaped
}

// CellText is a cell as people read it: its Text when set, else its
// Number written for its kind.
func CellText(c report.Cell, kind report.CellKind) string {
	if c.Text != "" || kind == report.KindText {
		return c.Text
	}
	return formatValue(c.Number, kind)
}

// formatValue writes v for kind: counts with '.' between thousands,
// percentages with one decimal and ',' ("95,5%"), bytes in KB/MB/GB/TB.
func formatValue(v float64, kind report.CellKind) string {
	switch kind {
	case report.KindPercent:
		return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1) + "%"
	case report.KindBytes:
		units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
		u := 0
		for math.Abs(v) >= 1024 && u < len(units)-1 {
			v /= 1024
			u++
		}
		if u == 0 {
			return thousands(v) + " " + units[0]
		}
		return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1) + " " + units[u]
	}
	return thousands(v)
}

// thousands writes v rounded to a whole number with '.' between
// thousands ("-1.234.567").
func thousands(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg && s != "0" {
		return "-" + b.String()
	}
	return b.String()
}
