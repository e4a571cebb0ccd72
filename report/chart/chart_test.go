package chart_test

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/report/chart"
)

// results is a table of resolution results by month, as the dashboard
// charts it.
func results(labels []string, vals ...[3]float64) report.Table {
	t := report.Table{Title: "Kết quả giải quyết", Subtitle: "Năm 2026", Columns: []report.Column{
		{Key: "month", Label: "Tháng", Kind: report.KindText},
		{Key: "onTime", Label: "Đúng hạn", Kind: report.KindCount},
		{Key: "late", Label: "Quá hạn", Kind: report.KindCount},
		{Key: "inProgress", Label: "Đang giải quyết", Kind: report.KindCount},
	}}
	for i, l := range labels {
		v := vals[i]
		t.Rows = append(t.Rows, report.Row{Cells: []report.Cell{{Text: l}, {Number: v[0]}, {Number: v[1]}, {Number: v[2]}}})
	}
	return t
}

var cols = []string{"onTime", "late", "inProgress"}

// element is an SVG element as decoded: its name, attributes and text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parse decodes svg as XML (failing the test when it is not well formed)
// and returns its elements in order.
func parse(t testing.TB, svg string) []element {
	t.Helper()
	els, err := decode(svg)
	if err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	return els
}

func decode(svg string) ([]element, error) {
	dec := xml.NewDecoder(strings.NewReader(svg))
	var out []element
	var stack []int
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := element{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].text += string(tk)
			}
		}
	}
}

func attr(t *testing.T, e element, k string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attrs[k], 64)
	if err != nil {
		t.Fatalf("%s %s=%q: %v", e.name, k, e.attrs[k], err)
	}
	return v
}

// bars are the bars of a chart by series and category.
func bars(t *testing.T, els []element) map[[2]int]element {
	out := map[[2]int]element{}
	for _, e := range els {
		if e.name == "rect" && e.attrs["class"] == "bar" {
			s, _ := strconv.Atoi(e.attrs["data-series"])
			c, _ := strconv.Atoi(e.attrs["data-category"])
			out[[2]int{s, c}] = e
		}
	}
	return out
}

func TestBarsProportional(t *testing.T) {
	tb := results([]string{"01/2026", "02/2026", "03/2026"}, [3]float64{120, 30, 7}, [3]float64{60, 0, 15}, [3]float64{240, 10, 1})
	svg, err := chart.Bars(tb, "month", cols, chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	els := parse(t, string(svg))
	bs := bars(t, els)
	if len(bs) != 9 {
		t.Fatalf("%d bars, want 9", len(bs))
	}
	// Heights are proportional to the values: height / value is the same
	// for every bar drawn, and every bar stands on the same baseline.
	ref := attr(t, bs[[2]int{0, 2}], "height") / 240
	base := attr(t, bs[[2]int{0, 2}], "y") + attr(t, bs[[2]int{0, 2}], "height")
	for k, e := range bs {
		v := tb.Rows[k[1]].Cells[k[0]+1].Number
		h := attr(t, e, "height")
		if math.Abs(h-v*ref) > 0.02 {
			t.Errorf("bar %v: height %.2f for %v, want %.2f", k, h, v, v*ref)
		}
		if b := attr(t, e, "y") + h; math.Abs(b-base) > 0.02 {
			t.Errorf("bar %v stands at %.2f, others at %.2f", k, b, base)
		}
	}
	// Side by side: the bars of a category do not overlap, and the
	// categories go left to right.
	if x0, x1 := attr(t, bs[[2]int{0, 0}], "x"), attr(t, bs[[2]int{1, 0}], "x"); x1 < x0+attr(t, bs[[2]int{0, 0}], "width")-0.01 {
		t.Errorf("the bars of one month overlap: %v, %v", x0, x1)
	}
	if attr(t, bs[[2]int{0, 1}], "x") <= attr(t, bs[[2]int{2, 0}], "x") {
		t.Error("February is not right of January")
	}
	// The axis: round ticks from 0 past the largest value (240 → 0..250).
	var ticks []string
	for _, e := range els {
		if e.name == "text" && e.attrs["class"] == "tick" {
			ticks = append(ticks, e.text)
		}
	}
	if got := strings.Join(ticks, " "); got != "0 50 100 150 200 250" {
		t.Errorf("ticks %q", got)
	}
	// Accessible: role, title, desc, a legend naming each series, each
	// series its own pattern.
	if els[0].name != "svg" || els[0].attrs["role"] != "img" {
		t.Errorf("root %s role %q", els[0].name, els[0].attrs["role"])
	}
	if els[1].name != "title" || els[1].text != "Kết quả giải quyết — Năm 2026" || els[2].name != "desc" || !strings.Contains(els[2].text, "Đúng hạn, Quá hạn, Đang giải quyết") {
		t.Errorf("title %q desc %q", els[1].text, els[2].text)
	}
	fills := map[string]bool{}
	for s := range 3 {
		fills[bs[[2]int{s, 0}].attrs["fill"]] = true
	}
	if len(fills) != 3 {
		t.Errorf("the series share fills: %v", fills)
	}
}

func TestBarsStacked(t *testing.T) {
	tb := results([]string{"Hộ tịch", "Đất đai"}, [3]float64{10, 5, 5}, [3]float64{40, 0, 0})
	svg, err := chart.Bars(tb, "month", cols, chart.Options{Stacked: true})
	if err != nil {
		t.Fatal(err)
	}
	bs := bars(t, parse(t, string(svg)))
	// The stack of 20 is half the height of the stack of 40, and its
	// pieces sit on one another.
	h := func(s, c int) float64 { return attr(t, bs[[2]int{s, c}], "height") }
	if total := h(0, 0) + h(1, 0) + h(2, 0); math.Abs(total-h(0, 1)/2) > 0.05 {
		t.Errorf("stack of 20 is %.2f high, of 40 %.2f", total, h(0, 1))
	}
	if top, bottom := attr(t, bs[[2]int{0, 0}], "y"), attr(t, bs[[2]int{1, 0}], "y")+h(1, 0); math.Abs(top-bottom) > 0.02 {
		t.Errorf("late (ends %.2f) is not on top of on time (starts %.2f)", bottom, top)
	}
	if h(2, 1) != 0 {
		t.Errorf("a zero is %.2f high", h(2, 1))
	}
}

func TestLines(t *testing.T) {
	tb := results([]string{"T1", "T2", "T3", "T4"}, [3]float64{0, 1, 2}, [3]float64{10, 2, 2}, [3]float64{20, 3, 2}, [3]float64{5, 4, 2})
	svg, err := chart.Lines(tb, "month", cols, chart.Options{ID: "xu-huong"})
	if err != nil {
		t.Fatal(err)
	}
	els := parse(t, string(svg))
	var lines []element
	for _, e := range els {
		if e.name == "polyline" {
			lines = append(lines, e)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	// The points of on time: the higher the value, the higher the point
	// (smaller y), in proportion.
	var ys []float64
	for _, p := range strings.Fields(lines[0].attrs["points"]) {
		y, _ := strconv.ParseFloat(p[strings.Index(p, ",")+1:], 64)
		ys = append(ys, y)
	}
	if len(ys) != 4 {
		t.Fatalf("points %q", lines[0].attrs["points"])
	}
	// ys[0] is the zero line; 10 and 20 rise in proportion.
	if d1, d2 := ys[0]-ys[1], ys[0]-ys[2]; math.Abs(d2-2*d1) > 0.05 || d1 <= 0 {
		t.Errorf("rises %.2f for 10 and %.2f for 20", d1, d2)
	}
	if lines[0].attrs["stroke-dasharray"] == lines[1].attrs["stroke-dasharray"] {
		t.Error("two lines share a dash pattern")
	}
	if els[1].attrs["id"] != "xu-huong-title" {
		t.Errorf("title id %q", els[1].attrs["id"])
	}
}

func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script>&amp;]]>` + "\x00\x1b\xff"
	tb := results([]string{evil}, [3]float64{1, 2, 3})
	tb.Title = evil
	tb.Columns[1].Label = `"><img src=x onerror=alert(1)>`
	for name, draw := range map[string]func(report.Table, string, []string, chart.Options) (string, error){
		"bars":  wrap(chart.Bars),
		"lines": wrap(chart.Lines),
	} {
		svg, err := draw(tb, "month", cols, chart.Options{ID: `a"><b`})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(svg, "<script") || strings.Contains(svg, "<img") || strings.Contains(svg, `a"><b`) {
			t.Errorf("%s: unescaped label:\n%s", name, svg)
		}
		els := parse(t, svg)
		found := false
		for _, e := range els {
			if e.name == "text" && strings.HasPrefix(e.text, `<script>alert("x")`) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the label is not shown as text", name)
		}
	}
	html := string(chart.Table(tb))
	if strings.Contains(html, "<script") || strings.Contains(html, "<img") {
		t.Errorf("table: unescaped label:\n%s", html)
	}
}

func wrap(f func(report.Table, string, []string, chart.Options) (template.HTML, error)) func(report.Table, string, []string, chart.Options) (string, error) {
	return func(t report.Table, l string, v []string, o chart.Options) (string, error) {
		s, err := f(t, l, v, o)
		return string(s), err
	}
}

func TestBounds(t *testing.T) {
	many := func(n int) report.Table {
		labels := make([]string, n)
		vals := make([][3]float64, n)
		for i := range n {
			labels[i] = fmt.Sprintf("Lĩnh vực %d", i+1)
			vals[i] = [3]float64{1, 1, 1}
		}
		return results(labels, vals...)
	}
	code := func(err error) string {
		if kerr.IsKind(err, kerr.Invalid) {
			c, _ := kerr.Public(err)
			return c
		}
		return fmt.Sprint(err)
	}
	// 61 categories: 59 drawn and one "Khác" of the last two.
	svg, err := chart.Bars(many(61), "month", cols, chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bs := bars(t, parse(t, string(svg)))
	if len(bs) != 60*3 || bs[[2]int{0, 59}].attrs["data-value"] != "2" {
		t.Errorf("%d bars, the last %q", len(bs), bs[[2]int{0, 59}].attrs["data-value"])
	}
	if !strings.Contains(string(svg), ">Khác<") {
		t.Error("no «Khác» bar")
	}
	if _, err := chart.Lines(many(61), "month", cols, chart.Options{}); code(err) != "chart_categories" {
		t.Errorf("61 points: %v", err)
	}
	if _, err := chart.Lines(many(60), "month", cols, chart.Options{}); err != nil {
		t.Errorf("60 points: %v", err)
	}
	tb := many(2)
	for name, c := range map[string]struct {
		label string
		vals  []string
		want  string
	}{
		"no label column":   {"nope", cols, "chart_column"},
		"text value column": {"month", []string{"month"}, "chart_column"},
		"no value column":   {"month", nil, "chart_series"},
		"too many series":   {"month", []string{"onTime", "late", "inProgress", "onTime", "late", "inProgress", "late"}, "chart_series"},
		"column twice":      {"month", []string{"onTime", "onTime"}, "chart_column"},
	} {
		if _, err := chart.Bars(tb, c.label, c.vals, chart.Options{}); code(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 2e15} {
		bad := results([]string{"x"}, [3]float64{1, v, 1})
		if _, err := chart.Bars(bad, "month", cols, chart.Options{}); code(err) != "chart_value" {
			t.Errorf("value %v: %v", v, err)
		}
	}
	short := results([]string{"x"}, [3]float64{1, 1, 1})
	short.Rows[0].Cells = short.Rows[0].Cells[:2]
	if _, err := chart.Bars(short, "month", cols, chart.Options{}); code(err) != "chart_row" {
		t.Errorf("short row: %v", err)
	}
	// Negative values go below the zero line (not stacked).
	neg := results([]string{"a", "b"}, [3]float64{-50, 0, 0}, [3]float64{100, 0, 0})
	svg, err = chart.Bars(neg, "month", cols, chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bs = bars(t, parse(t, string(svg)))
	down, up := bs[[2]int{0, 0}], bs[[2]int{0, 1}]
	if math.Abs(attr(t, down, "y")-(attr(t, up, "y")+attr(t, up, "height"))) > 0.02 || math.Abs(attr(t, down, "height")*2-attr(t, up, "height")) > 0.05 {
		t.Errorf("-50 drawn at y %v h %v, 100 at y %v h %v", attr(t, down, "y"), attr(t, down, "height"), attr(t, up, "y"), attr(t, up, "height"))
	}
	if _, err := chart.Bars(neg, "month", cols, chart.Options{Stacked: true}); code(err) != "chart_value" {
		t.Errorf("stacked negative: %v", err)
	}
	// Empty: the axes and a sentence.
	svg, err = chart.Bars(results(nil), "month", cols, chart.Options{})
	if err != nil || !strings.Contains(string(svg), "Không có số liệu") {
		t.Errorf("empty: %v %s", err, svg)
	}
	parse(t, string(svg))
	// Huge values keep round ticks.
	svg, err = chart.Bars(results([]string{"x"}, [3]float64{9.99e14, 0, 0}), "month", cols, chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	parse(t, string(svg))
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 0, "[0 1]"},
		{0, 3, "[0 1 2 3]"},
		{0, 7, "[0 2 4 6 8]"},
		{0, 240, "[0 50 100 150 200 250]"},
		{-50, 100, "[-50 0 50 100]"},
		{0, 1234567, "[0 500000 1e+06 1.5e+06]"},
	} {
		if got := fmt.Sprint(chart.Ticks(c.lo, c.hi)); got != c.want {
			t.Errorf("Ticks(%v, %v) = %s, want %s", c.lo, c.hi, got, c.want)
		}
	}
}

func TestTable(t *testing.T) {
	tb := results([]string{"01/2026"}, [3]float64{1234567, 0, 5})
	tb.Columns = append(tb.Columns, report.Column{Key: "rate", Label: "Tỷ lệ đúng hạn", Kind: report.KindPercent})
	tb.Rows[0].Cells = append(tb.Rows[0].Cells, report.Cell{Number: 95.55})
	tb.Total = &report.Row{Cells: []report.Cell{{Text: "Tổng"}, {Number: 1234567}, {}, {Number: 5}, {Number: 100}}}
	tb.Notes = []string{"Số liệu đến 08/12/2026"}
	got := string(chart.Table(tb))
	for _, want := range []string{`<caption>Kết quả giải quyết<span class="caption-sub">Năm 2026</span></caption>`,
		`<th scope="col" class="num">Đúng hạn</th>`, `<th scope="row">01/2026</th>`, `<td class="num">1.234.567</td>`,
		`<td class="num">95,5%</td>`, `<tfoot><tr><th scope="row">Tổng</th>`, `<p class="report-note">Số liệu đến 08/12/2026</p>`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in\n%s", want, got)
		}
	}
	if _, err := decode(got); err != nil {
		t.Errorf("not well formed: %v", err)
	}
}
