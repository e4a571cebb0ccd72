// Package chart draws a report.Table as an SVG chart on the server — no
// JavaScript: a bar chart (grouped or stacked) and a line chart. Each
// chart is drawn from chosen columns of a Table, so the data table shown
// beside it (Table, an HTML <table>) holds the same figures.
//
// The charts are accessible: the <svg> has role="img", a <title> and a
// <desc> saying what it shows; series are told apart without colour (a
// fill pattern for each bar series, a dash and a marker shape for each
// line, the legend showing both) and their colours contrast with the white
// ground by at least 4.5:1; every label is escaped.
package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
)

// Bounds of a chart.
const (
	// MaxCategories is how many categories (rows) a chart draws: Bars
	// puts the rows past MaxCategories-1 into one "Khác" (other) bar;
	// Lines refuses more.
	MaxCategories = 60
	// MaxSeries is how many value columns a chart draws.
	MaxSeries = 6
	// MaxValue bounds a value's magnitude (counts and bytes of a country
	// are far below it): a larger one, NaN or an infinity is refused.
	MaxValue = 1e15
)

// OtherLabel is the label of the bar that sums the rows past the bound.
const OtherLabel = "Khác"

// Options change how a chart is drawn. The zero value draws a grouped
// bar chart titled after the table.
type Options struct {
	// Title is the chart's <title> (default: the table's title and
	// subtitle).
	Title string
	// Desc is the chart's <desc> (default: a sentence naming the series
	// and the categories, and that the figures are in the table).
	Desc string
	// Stacked stacks the bars of a category instead of setting them side
	// by side (Bars only).
	Stacked bool
	// ID prefixes the ids inside the SVG (patterns, title), so several
	// charts on one page do not clash (default "chart"; letters, digits
	// and '-' only).
	ID string
}

// palette are the series' colours, each at least 4.5:1 against white:
// green, red, blue, brown, purple, grey.
var palette = [MaxSeries]string{"#1b5e20", "#b71c1c", "#0d47a1", "#6d4c00", "#4a148c", "#37474f"}

// dashes are the lines' dash patterns and markers their point shapes.
var (
	dashes  = [MaxSeries]string{"", "8 4", "2 3", "10 3 2 3", "4 4", "1 2"}
	markers = [MaxSeries]string{"circle", "square", "triangle", "diamond", "cross", "bar"}
)

// Geometry of the drawing (SVG user units; the chart scales to its box).
const (
	plotLeft    = 64.0
	plotTop     = 16.0
	plotHeight  = 240.0
	legendRow   = 22.0
	minWidth    = 640.0
	catMinWidth = 28.0
	maxLabel    = 24 // runes of an axis label (the full label is in the bar's <title>)
)

// series is one value column.
type series struct {
	key, label string
	kind       report.CellKind
}

// data is the part of a table a chart draws.
type data struct {
	cats   []string
	series []series
	vals   [][]float64 // [category][series]
	note   string      // said in the description ("" or the folding)
}

// pick reads labelCol and valueCols of t, checking the bounds. fold puts
// the categories past the bound into one "Khác"; otherwise they are an
// error.
func pick(t report.Table, labelCol string, valueCols []string, fold bool) (data, error) {
	idx := func(key string) int {
		return slices.IndexFunc(t.Columns, func(c report.Column) bool { return c.Key == key })
	}
	li := idx(labelCol)
	if li < 0 {
		return data{}, invalid("chart_column", "the table has no label column %q", labelCol)
	}
	if len(valueCols) == 0 || len(valueCols) > MaxSeries {
		return data{}, invalid("chart_series", "%d value columns, want 1 to %d", len(valueCols), MaxSeries)
	}
	var d data
	var vi []int
	for _, k := range valueCols {
		i := idx(k)
		if i < 0 || t.Columns[i].Kind == report.KindText {
			return data{}, invalid("chart_column", "the table has no numeric column %q", k)
		}
		if slices.Contains(vi, i) {
			return data{}, invalid("chart_column", "column %q chosen twice", k)
		}
		vi = append(vi, i)
		c := t.Columns[i]
		d.series = append(d.series, series{key: c.Key, label: c.Label, kind: c.Kind})
	}
	rows := t.Rows
	if len(rows) > MaxCategories && !fold {
		return data{}, invalid("chart_categories", "%d rows, at most %d", len(rows), MaxCategories)
	}
	for n, r := range rows {
		if len(r.Cells) != len(t.Columns) {
			return data{}, invalid("chart_row", "row %d has %d cells for %d columns", n+1, len(r.Cells), len(t.Columns))
		}
		vals := make([]float64, len(vi))
		for s, i := range vi {
			v := r.Cells[i].Number
			if math.IsNaN(v) || math.Abs(v) > MaxValue {
				return data{}, invalid("chart_value", "row %d, column %q: value %v out of bounds (±%g)", n+1, t.Columns[i].Key, v, MaxValue)
			}
			vals[s] = v
		}
		if n >= MaxCategories-1 && len(rows) > MaxCategories {
			if n == MaxCategories-1 {
				d.cats = append(d.cats, OtherLabel)
				d.vals = append(d.vals, make([]float64, len(vi)))
				d.note = fmt.Sprintf(" %d nhóm cuối được gộp vào cột «%s».", len(rows)-MaxCategories+1, OtherLabel)
			}
			for s := range vals {
				d.vals[len(d.vals)-1][s] += vals[s]
			}
			continue
		}
		d.cats = append(d.cats, r.Cells[li].Text)
		d.vals = append(d.vals, vals)
	}
	return d, nil
}

func invalid(code, detail string, args ...any) error {
	return kerr.New(kerr.Invalid, code, "Không vẽ được biểu đồ từ bảng số liệu này.", detail, args...)
}

// Bars draws the value columns of t as bars, one category per row
// labelled by labelCol: grouped side by side, or stacked with
// Options.Stacked. Invalid ("chart_column", "chart_series",
// "chart_row", "chart_value") for a column that is not there or not a
// number, no or more than MaxSeries value columns, a row of the wrong
// length or a value out of bounds. Rows past MaxCategories-1 are summed
// into one "Khác" bar. An empty table draws the axes and says so.
func Bars(t report.Table, labelCol string, valueCols []string, o Options) (template.HTML, error) {
	d, err := pick(t, labelCol, valueCols, true)
	if err != nil {
		return "", err
	}
	if o.Stacked {
		for _, row := range d.vals {
			for _, v := range row {
				if v < 0 {
					return "", invalid("chart_value", "a stacked chart draws no negative value (%v)", v)
				}
			}
		}
	}
	c := newCanvas(t, d, o, "biểu đồ cột")
	lo, hi := 0.0, 0.0
	for _, row := range d.vals {
		sum := 0.0
		for _, v := range row {
			lo, hi = min(lo, v), max(hi, v)
			sum += v
		}
		if o.Stacked {
			hi = max(hi, sum)
		}
	}
	c.axes(lo, hi, d.series[0].kind)
	c.patterns()
	band := c.plotW / float64(max(len(d.cats), 1))
	barW := band * 0.7 / float64(len(d.series))
	if o.Stacked {
		barW = band * 0.6
	}
	for i, cat := range d.cats {
		x0 := c.left + band*float64(i) + band*0.15
		if o.Stacked {
			x0 = c.left + band*float64(i) + band*0.2
		}
		base := 0.0
		for s, v := range d.vals[i] {
			x, from, to := x0+barW*float64(s), 0.0, v
			if o.Stacked {
				x, from, to = x0, base, base+v
				base = to
			}
			y1, y2 := c.y(max(from, to)), c.y(min(from, to))
			fmt.Fprintf(&c.b, `<rect class="bar" data-series="%d" data-category="%d" data-value="%s" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="url(#%s-p%d)" stroke="%s" stroke-width="1">`,
				s, i, num(v), x, y1, barW, y2-y1, c.id, s, palette[s])
			fmt.Fprintf(&c.b, `<title>%s — %s: %s</title></rect>`, esc(cat), esc(d.series[s].label), formatValue(v, d.series[s].kind))
			if !o.Stacked && barW >= 14 && v != 0 {
				// The figure above its bar, for those who cannot tell the
				// patterns apart either.
				fmt.Fprintf(&c.b, `<text class="value" x="%.2f" y="%.2f" text-anchor="middle" font-size="10">%s</text>`,
					x+barW/2, y1-3, formatValue(v, d.series[s].kind))
			}
		}
		c.catLabel(i, cat, band)
	}
	c.legend(false)
	return c.finish(), nil
}

// Lines draws the value columns of t as lines over the rows (a trend:
// one row a month), labelled by labelCol. The errors of Bars, and
// Invalid "chart_categories" for more than MaxCategories rows.
func Lines(t report.Table, labelCol string, valueCols []string, o Options) (template.HTML, error) {
	d, err := pick(t, labelCol, valueCols, false)
	if err != nil {
		return "", err
	}
	c := newCanvas(t, d, o, "biểu đồ đường")
	lo, hi := 0.0, 0.0
	for _, row := range d.vals {
		for _, v := range row {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	c.axes(lo, hi, d.series[0].kind)
	band := c.plotW / float64(max(len(d.cats), 1))
	for s := range d.series {
		var pts []string
		for i := range d.cats {
			pts = append(pts, fmt.Sprintf("%.2f,%.2f", c.left+band*(float64(i)+0.5), c.y(d.vals[i][s])))
		}
		if len(pts) > 0 {
			dash := ""
			if dashes[s] != "" {
				dash = ` stroke-dasharray="` + dashes[s] + `"`
			}
			fmt.Fprintf(&c.b, `<polyline class="line" data-series="%d" points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`,
				s, strings.Join(pts, " "), palette[s], dash)
		}
		for i, cat := range d.cats {
			x, y := c.left+band*(float64(i)+0.5), c.y(d.vals[i][s])
			marker(&c.b, s, x, y, fmt.Sprintf(`<title>%s — %s: %s</title>`, esc(cat), esc(d.series[s].label), formatValue(d.vals[i][s], d.series[s].kind)))
		}
	}
	for i, cat := range d.cats {
		c.catLabel(i, cat, band)
	}
	c.legend(true)
	return c.finish(), nil
}

// canvas is a chart being drawn.
type canvas struct {
	b            bytes.Buffer
	id           string
	d            data
	left, plotW  float64
	width        float64
	rotate       bool
	labelsHeight float64
	lo, hi       float64
}

func newCanvas(t report.Table, d data, o Options, kind string) *canvas {
	c := &canvas{id: cleanID(o.ID), d: d, left: plotLeft}
	c.plotW = max(minWidth-plotLeft-16, catMinWidth*float64(len(d.cats))*float64(max(1, len(d.series)/2)))
	c.width = plotLeft + c.plotW + 16
	c.rotate = len(d.cats) > 0 && c.plotW/float64(len(d.cats)) < 80
	c.labelsHeight = 24
	if c.rotate {
		c.labelsHeight = 110
	}
	title := o.Title
	if title == "" {
		title = strings.TrimSpace(t.Title + " — " + t.Subtitle)
		title = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(title, "—")), " —")
	}
	desc := o.Desc
	if desc == "" {
		names := make([]string, len(d.series))
		for i, s := range d.series {
			names[i] = s.label
		}
		desc = fmt.Sprintf("Biểu đồ %s: %s, theo %d nhóm.%s Số liệu chi tiết ở bảng kèm theo.",
			strings.TrimPrefix(kind, "biểu đồ "), strings.Join(names, ", "), len(d.cats), d.note)
		if len(d.cats) == 0 {
			desc = "Không có số liệu để vẽ biểu đồ."
		}
	}
	h := plotTop + plotHeight + c.labelsHeight + legendRow*float64((len(d.series)+2)/3) + 8
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %.0f %.0f" width="100%%" preserveAspectRatio="xMinYMin meet" aria-labelledby="%s-title %s-desc" font-family="sans-serif" font-size="12">`,
		c.width, h, c.id, c.id)
	fmt.Fprintf(&c.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, c.id, esc(title), c.id, esc(desc))
	fmt.Fprintf(&c.b, `<rect x="0" y="0" width="%.0f" height="%.0f" fill="#ffffff"/>`, c.width, h)
	return c
}

// cleanID keeps letters, digits and '-' of id ("chart" when none).
func cleanID(id string) string {
	id = strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, id)
	if id == "" || id[0] == '-' || id[0] >= '0' && id[0] <= '9' {
		id = "chart" + id
	}
	return id
}

// axes draws the value axis from lo to hi (rounded out to round ticks)
// with its grid, and the zero line.
func (c *canvas) axes(lo, hi float64, kind report.CellKind) {
	ticks := Ticks(lo, hi)
	c.lo, c.hi = ticks[0], ticks[len(ticks)-1]
	for _, v := range ticks {
		y := c.y(v)
		fmt.Fprintf(&c.b, `<line class="grid" x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f" stroke="#d0d0d0" stroke-width="1"/>`, c.left, c.left+c.plotW, y, y)
		fmt.Fprintf(&c.b, `<text class="tick" x="%.2f" y="%.2f" text-anchor="end" fill="#1a1a1a">%s</text>`, c.left-6, y+4, formatValue(v, kind))
	}
	y0 := c.y(0)
	fmt.Fprintf(&c.b, `<line class="axis" x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f" stroke="#1a1a1a" stroke-width="1"/>`, c.left, c.left+c.plotW, y0, y0)
	fmt.Fprintf(&c.b, `<line class="axis" x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f" stroke="#1a1a1a" stroke-width="1"/>`, c.left, c.left, plotTop, plotTop+plotHeight)
	if len(c.d.cats) == 0 {
		fmt.Fprintf(&c.b, `<text class="empty" x="%.2f" y="%.2f" text-anchor="middle" fill="#1a1a1a">Không có số liệu</text>`, c.left+c.plotW/2, plotTop+plotHeight/2)
	}
}

// y is the vertical position of v.
func (c *canvas) y(v float64) float64 {
	return plotTop + (c.hi-v)/(c.hi-c.lo)*plotHeight
}

// Ticks returns round values from at most lo to at least hi, 2 to 11 of
// them, a step of 1, 2 or 5 times a power of ten apart (at least 1: the
// figures are counts); [0, 1] when both are 0.
func Ticks(lo, hi float64) []float64 {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi-lo == 0 {
		hi = lo + 1
	}
	raw := (hi - lo) / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p
	for _, m := range []float64{1, 2, 5, 10} {
		if p*m >= raw {
			step = p * m
			break
		}
	}
	step = max(step, 1)
	first, last := math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	var out []float64
	for i := 0; ; i++ {
		v := first + float64(i)*step
		out = append(out, v)
		if v >= last || i >= 10 {
			break
		}
	}
	return out
}

// patterns defines the fill of each bar series: solid, diagonal lines,
// dots, cross-hatch, horizontal lines, vertical lines.
func (c *canvas) patterns() {
	c.b.WriteString(`<defs>`)
	for s := range c.d.series {
		col := palette[s]
		fmt.Fprintf(&c.b, `<pattern id="%s-p%d" patternUnits="userSpaceOnUse" width="8" height="8">`, c.id, s)
		switch s {
		case 0:
			fmt.Fprintf(&c.b, `<rect width="8" height="8" fill="%s"/>`, col)
		case 1:
			fmt.Fprintf(&c.b, `<rect width="8" height="8" fill="#ffffff"/><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="%s" stroke-width="2.5"/>`, col)
		case 2:
			fmt.Fprintf(&c.b, `<rect width="8" height="8" fill="#ffffff"/><circle cx="4" cy="4" r="2.2" fill="%s"/>`, col)
		case 3:
			fmt.Fprintf(&c.b, `<rect width="8" height="8" fill="#ffffff"/><path d="M0,0 l8,8 M8,0 l-8,8" stroke="%s" stroke-width="1.8"/>`, col)
		case 4:
			fmt.Fprintf(&c.b, `<rect width="8" height="8" fill="#ffffff"/><path d="M0,4 h8" stroke="%s" stroke-width="3"/>`, col)
		default:
			fmt.Fprintf(&c.b, `<rect width="8" height="8" fill="#ffffff"/><path d="M4,0 v8" stroke="%s" stroke-width="3"/>`, col)
		}
		c.b.WriteString(`</pattern>`)
	}
	c.b.WriteString(`</defs>`)
}

// marker draws series s's point shape at x, y, with title inside.
func marker(b *bytes.Buffer, s int, x, y float64, title string) {
	col := palette[s]
	fmt.Fprintf(b, `<g class="point" data-series="%d">`, s)
	switch markers[s] {
	case "circle":
		fmt.Fprintf(b, `<circle cx="%.2f" cy="%.2f" r="4" fill="%s"/>`, x, y, col)
	case "square":
		fmt.Fprintf(b, `<rect x="%.2f" y="%.2f" width="8" height="8" fill="%s"/>`, x-4, y-4, col)
	case "triangle":
		fmt.Fprintf(b, `<path d="M%.2f,%.2f l5,9 h-10 z" fill="%s"/>`, x, y-5, col)
	case "diamond":
		fmt.Fprintf(b, `<path d="M%.2f,%.2f l5,5 l-5,5 l-5,-5 z" fill="%s"/>`, x, y-5, col)
	case "cross":
		fmt.Fprintf(b, `<path d="M%.2f,%.2f l8,8 M%.2f,%.2f l-8,8" stroke="%s" stroke-width="2.5"/>`, x-4, y-4, x+4, y-4, col)
	default:
		fmt.Fprintf(b, `<rect x="%.2f" y="%.2f" width="3" height="10" fill="%s"/>`, x-1.5, y-5, col)
	}
	b.WriteString(title)
	b.WriteString(`</g>`)
}

// catLabel writes category i's label under its band, shortened, slanted
// when the bands are narrow.
func (c *canvas) catLabel(i int, label string, band float64) {
	x, y := c.left+band*(float64(i)+0.5), plotTop+plotHeight+16
	short := label
	if utf8.RuneCountInString(short) > maxLabel {
		short = string([]rune(short)[:maxLabel-1]) + "…"
	}
	if c.rotate {
		fmt.Fprintf(&c.b, `<text class="category" x="%.2f" y="%.2f" text-anchor="end" transform="rotate(-45 %.2f %.2f)" fill="#1a1a1a">%s</text>`, x, y, x, y, esc(short))
		return
	}
	fmt.Fprintf(&c.b, `<text class="category" x="%.2f" y="%.2f" text-anchor="middle" fill="#1a1a1a">%s</text>`, x, y, esc(short))
}

// legend writes the key: each series' swatch (its pattern, or its dash
// and marker) and label, three to a row.
func (c *canvas) legend(lines bool) {
	top := plotTop + plotHeight + c.labelsHeight + 4
	colW := c.width / 3
	fmt.Fprintf(&c.b, `<g class="legend">`)
	for s, se := range c.d.series {
		x, y := 8+colW*float64(s%3), top+legendRow*float64(s/3)
		if lines {
			dash := ""
			if dashes[s] != "" {
				dash = ` stroke-dasharray="` + dashes[s] + `"`
			}
			fmt.Fprintf(&c.b, `<line x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f" stroke="%s" stroke-width="2"%s/>`, x, x+28, y+7, y+7, palette[s], dash)
			marker(&c.b, s, x+14, y+7, "")
		} else {
			fmt.Fprintf(&c.b, `<rect x="%.2f" y="%.2f" width="28" height="14" fill="url(#%s-p%d)" stroke="%s"/>`, x, y, c.id, s, palette[s])
		}
		fmt.Fprintf(&c.b, `<text x="%.2f" y="%.2f" fill="#1a1a1a">%s</text>`, x+34, y+11, esc(se.label))
	}
	c.b.WriteString(`</g>`)
}

func (c *canvas) finish() template.HTML {
	c.b.WriteString(`</svg>`)
	return template.HTML(c.b.String()) // #nosec G203 -- every text was escaped with esc
}

// esc escapes s for XML text and attributes; characters XML cannot hold
// (controls, invalid UTF-8) become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// num is v for a data- attribute.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
