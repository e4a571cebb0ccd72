package basicpdf

import (
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/net/html"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
)

// An op is one thing drawn, placed relative to its item's top left.
type op struct {
	kind       byte // 't' text (y is the baseline), 'l' line, 'r' rectangle, 'i' image
	x, y, w, h float64
	text       string
	st         style
	img        string
}

// An item is what a page break never splits: a line of text, a table row,
// an image, a space. Its ops may reach below h (a float).
type item struct {
	h   float64
	ops []op
}

// flow is the items of a column being laid out; y is their height so far,
// float the box a float to the right keeps from the lines beside it.
type flow struct {
	items      []item
	y          float64
	floatLeft  float64
	floatUntil float64
}

func (f *flow) add(it item) {
	f.items = append(f.items, it)
	f.y += it.h
}

func (f *flow) space(h float64) {
	if h > 0 {
		f.add(item{h: h})
	}
}

// isBlock reports whether element n starts a block.
func isBlock(n *html.Node) bool {
	switch n.Data {
	case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "body", "html",
		"section", "header", "footer", "main", "article", "blockquote", "center", "address", "hr", "pre", "dl", "dt", "dd":
		return true
	}
	return false
}

// skipped elements draw nothing.
func skipped(n *html.Node) bool {
	switch n.Data {
	case "head", "script", "style", "title", "meta", "link", "template", "noscript", "svg", "iframe", "object":
		return true
	}
	return false
}

// fit is how far (mm) a word may pass the line's end: the widths of
// table columns are sums and differences of the same measures.
const fit = 0.01

// A run is text with one style, or a line break.
type run struct {
	text string
	st   style
	br   bool
}

// blocks lays out n's children in a column at x, w wide.
func (l *layouter) blocks(n *html.Node, st style, x, w float64, f *flow) {
	var runs []run
	flush := func() {
		l.lines(runs, x, w, f)
		runs = runs[:0]
	}
	for c := n.FirstChild; c != nil && l.err == nil; c = c.NextSibling {
		if l.nodes--; l.nodes%256 == 0 && l.ctx.Err() != nil {
			l.fail(kerr.Wrap(l.ctx.Err(), kerr.Unavailable, "basicpdf_cancelled", "Việc tạo bản PDF đã bị dừng."))
			return
		}
		switch {
		case c.Type == html.TextNode:
			runs = append(runs, run{text: c.Data, st: st})
		case c.Type != html.ElementNode || skipped(c):
		case c.Data == "img":
			flush()
			l.imageBlock(c, l.computed(c, st), x, w, f)
		case isBlock(c) || c.Data == "table":
			flush()
			l.block(c, st, x, w, f)
		default:
			l.inline(c, st, &runs)
		}
	}
	flush()
}

// block lays out the block element n.
func (l *layouter) block(n *html.Node, parent style, x, w float64, f *flow) {
	cs := l.computed(n, parent)
	top, _ := cs.lengthOf("margin-top", w)
	bottom, _ := cs.lengthOf("margin-bottom", w)
	if cs.decls["float"] == "right" {
		l.float(n, cs, x, w, f)
		return
	}
	f.space(top)
	if n.Data == "hr" || cs.hasBorder("border-top") {
		lw := w
		if v, ok := cs.lengthOf("width", w); ok && v > 0 && v < w {
			lw = v
		}
		lx := x + (w-lw)/2
		if n.Data != "hr" && !strings.Contains(cs.decls["margin"], "auto") {
			lx = x
		}
		f.add(item{h: 0.3, ops: []op{{kind: 'l', x: lx, y: 0, w: lw}}})
	}
	switch n.Data {
	case "table":
		l.table(n, cs, x, w, f)
	case "ul", "ol":
		l.list(n, cs, x, w, f)
	default:
		if h, ok := cs.lengthOf("height", w); ok && n.FirstChild == nil {
			f.space(min(h, 250))
		} else {
			l.blocks(n, cs.style, x, w, f)
		}
	}
	f.space(bottom)
}

// inline adds the text of the inline element n to runs.
func (l *layouter) inline(n *html.Node, parent style, runs *[]run) {
	if n.Data == "br" {
		*runs = append(*runs, run{br: true, st: parent})
		return
	}
	cs := l.computed(n, parent)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode:
			*runs = append(*runs, run{text: c.Data, st: cs.style})
		case c.Type == html.ElementNode && !skipped(c):
			l.inline(c, cs.style, runs)
		}
	}
}

// A segment is text in one font.
type segment struct {
	text string
	st   style
}

// bySerif cuts text where it passes between letters DejaVu Serif has and
// those it lacks (☐, ☒…), which are drawn in DejaVu Sans.
func bySerif(text string, st style) []segment {
	serif := serifFont()
	var out []segment
	start, sans := 0, false
	for i, r := range text {
		_, has := serif.Glyph(r)
		lacks := !has && r != ' ' && r != 0xa0
		if i > start && lacks != sans {
			seg := st
			seg.sans = sans
			out = append(out, segment{text[start:i], seg})
			start = i
		}
		sans = lacks
	}
	if start < len(text) {
		st.sans = sans
		out = append(out, segment{text[start:], st})
	}
	return out
}

// A word is a piece of a line: text without a breaking space, or a space.
type word struct {
	text  string
	st    style
	w     float64
	space bool
}

// setFont makes st's font the current one, adding it to the PDF when it
// is first used (parsing a font costs more than laying out a slip).
func (l *layouter) setFont(st style) {
	i, s, b := 0, "", fontRegular
	switch {
	case st.sans:
		if !l.fonts[3] {
			l.pdf.AddUTF8FontFromBytes(familySans, "", fonts.DejaVuSans().TTF())
			l.fonts[3] = true
		}
		l.pdf.SetFont(familySans, "", st.size)
		return
	case st.bold:
		i, s, b = 1, "B", fontBold
	case st.italic:
		i, s, b = 2, "I", fontItalic
	}
	if !l.fonts[i] {
		l.pdf.AddUTF8FontFromBytes(family, s, b)
		l.fonts[i] = true
	}
	l.pdf.SetFont(family, s, st.size)
}

// lines breaks runs into lines at x, w wide (narrower beside a float).
func (l *layouter) lines(runs []run, x, w float64, f *flow) {
	var line []word
	lastSpace := true
	emit := func(force bool) {
		for len(line) > 0 && line[len(line)-1].space {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			if !force {
				return
			}
			line = append(line, word{st: style{size: 12, lineHeight: 1.3}})
		}
		l.emitLine(line, x, w, f)
		line = line[:0]
		lastSpace = true
	}
	for _, r := range runs {
		if r.br {
			if len(line) == 0 {
				line = append(line, word{st: r.st})
			}
			emit(true)
			continue
		}
		text := r.text
		if r.st.upper {
			text = strings.ToUpper(text)
		}
		text = strings.Map(func(c rune) rune {
			switch c {
			case '\t', '\n', '\r', '\f':
				return ' '
			}
			if c < ' ' || c == 0x7f {
				return -1
			}
			return c
		}, text)
		for _, seg := range bySerif(text, r.st) {
			l.words(seg.text, seg.st, x, w, f, &line, &lastSpace, emit)
		}
	}
	emit(false)
}

// words adds the words of text, in st, to line, emitting it when full.
func (l *layouter) words(text string, st style, x, w float64, f *flow, line *[]word, lastSpace *bool, emit func(bool)) {
	l.setFont(st)
	for len(text) > 0 {
		if text[0] == ' ' {
			text = strings.TrimLeft(text, " ")
			if !*lastSpace {
				*line = append(*line, word{text: " ", st: st, w: l.pdf.GetStringWidth(" "), space: true})
				*lastSpace = true
			}
			continue
		}
		end := strings.IndexByte(text, ' ')
		if end < 0 {
			end = len(text)
		}
		wd := word{text: text[:end], st: st, w: l.pdf.GetStringWidth(text[:end])}
		text = text[end:]
		avail := l.avail(x, w, f)
		if lineWidth(*line)+wd.w > avail+fit && hasWord(*line) {
			emit(false)
		}
		// A word wider than the line is cut where it fills it.
		for wd.w > avail+fit {
			head, rest := l.cut(wd, avail)
			if rest.text == "" {
				break
			}
			*line = append(*line, head)
			emit(false)
			l.setFont(st)
			wd = rest
		}
		*line = append(*line, wd)
		*lastSpace = false
	}
}

// cut splits wd after as many letters (at least one) as fit in avail.
func (l *layouter) cut(wd word, avail float64) (head, rest word) {
	sum := 0.0
	for i, r := range wd.text {
		cw := l.pdf.GetStringWidth(string(r))
		if sum+cw > avail && i > 0 {
			head, rest = wd, wd
			head.text, head.w = wd.text[:i], sum
			rest.text, rest.w = wd.text[i:], max(wd.w-sum, 0)
			return head, rest
		}
		sum += cw
	}
	return wd, word{}
}

func hasWord(line []word) bool {
	for _, w := range line {
		if !w.space {
			return true
		}
	}
	return false
}

func lineWidth(line []word) float64 {
	t := 0.0
	for _, w := range line {
		t += w.w
	}
	return t
}

// avail is the width a line at the flow's end may take.
func (l *layouter) avail(x, w float64, f *flow) float64 {
	if f.y < f.floatUntil && f.floatLeft < x+w {
		return max(f.floatLeft-x, 10)
	}
	return w
}

// emitLine adds one line of words, aligned, as an item.
func (l *layouter) emitLine(line []word, x, w float64, f *flow) {
	size := 0.0
	lh := 1.3
	for _, wd := range line {
		if wd.st.size > size {
			size, lh = wd.st.size, wd.st.lineHeight
		}
	}
	if size == 0 {
		size, lh = 12, 1.3
	}
	mm := size * 25.4 / 72
	h := mm * lh
	avail := l.avail(x, w, f)
	lx := x
	switch line[0].st.align {
	case 'C':
		lx = x + (avail-lineWidth(line))/2
	case 'R':
		lx = x + avail - lineWidth(line)
	}
	base := (h-mm)/2 + mm*0.8
	it := item{h: h}
	for i := 0; i < len(line); {
		j := i
		var b strings.Builder
		wsum := 0.0
		for ; j < len(line) && line[j].st == line[i].st; j++ {
			b.WriteString(line[j].text)
			wsum += line[j].w
		}
		if t := strings.TrimSpace(b.String()); t != "" || b.Len() > 0 {
			it.ops = append(it.ops, op{kind: 't', x: lx, y: base, text: b.String(), st: line[i].st})
		}
		lx += wsum
		i = j
	}
	f.add(it)
}

// float lays n out as a box on the right of the column; the lines beside
// it are shortened.
func (l *layouter) float(n *html.Node, cs computedStyle, x, w float64, f *flow) {
	fw, ok := cs.lengthOf("width", w)
	if !ok || fw <= 0 || fw > w {
		// Shrink to fit: its longest word (the QR code's dossier code),
		// at least 30 mm (a QR image), at most half the column.
		fw = 30.0
		l.setFont(cs.style)
		for _, wd := range strings.Fields(innerText(n)) {
			fw = max(fw, l.pdf.GetStringWidth(wd)+0.5)
		}
		fw = min(fw, w/2)
	}
	sub := &flow{}
	l.blocks(n, cs.style, 0, fw, sub)
	left := x + w - fw
	it := item{}
	y := 0.0
	for _, s := range sub.items {
		for _, o := range s.ops {
			o.x += left
			o.y += y
			it.ops = append(it.ops, o)
		}
		y += s.h
	}
	f.add(it)
	gap, ok := cs.lengthOf("margin-left", w)
	if !ok {
		gap = 4
	}
	f.floatLeft, f.floatUntil = left-gap, f.y+y
}

// imageBlock lays out an img on a line of its own, aligned as its text.
func (l *layouter) imageBlock(n *html.Node, cs computedStyle, x, w float64, f *flow) {
	ref, ok := l.image(attr(n, "src"))
	if !ok {
		if alt := attr(n, "alt"); alt != "" {
			l.lines([]run{{text: "[" + alt + "]", st: cs.style}}, x, w, f)
		}
		return
	}
	iw, hasW := cs.lengthOf("width", w)
	ih, hasH := cs.lengthOf("height", w)
	switch {
	case hasW && hasH:
	case hasW:
		ih = iw * float64(ref.h) / float64(ref.w)
	case hasH:
		iw = ih * float64(ref.w) / float64(ref.h)
	default:
		iw, ih = float64(ref.w)*25.4/96, float64(ref.h)*25.4/96
	}
	if iw > w {
		ih, iw = ih*w/iw, w
	}
	if ih > 250 {
		iw, ih = iw*250/ih, 250
	}
	if iw <= 0 || ih <= 0 {
		return
	}
	ix := x
	switch {
	case cs.align == 'C' || strings.Contains(cs.decls["margin"], "auto"):
		ix = x + (w-iw)/2
	case cs.align == 'R':
		ix = x + w - iw
	}
	f.add(item{h: ih, ops: []op{{kind: 'i', x: ix, y: 0, w: iw, h: ih, img: ref.name}}})
}

// list lays out the items of ul or ol with a bullet or their number.
func (l *layouter) list(n *html.Node, cs computedStyle, x, w float64, f *flow) {
	const indent = 7
	num := 0
	for c := n.FirstChild; c != nil && l.err == nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.Data != "li" {
			continue
		}
		num++
		mark := "•"
		if n.Data == "ol" {
			mark = itoa(num) + "."
		}
		li := l.computed(c, cs.style)
		start := len(f.items)
		l.blocks(c, li.style, x+indent, w-indent, f)
		if start < len(f.items) {
			it := &f.items[start]
			base := (it.h-li.size*25.4/72)/2 + li.size*25.4/72*0.8
			it.ops = append(it.ops, op{kind: 't', x: x + 1, y: base, text: mark, st: li.style})
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// A cell of a table row, laid out.
type cell struct {
	cs     computedStyle
	items  []item
	h      float64
	border bool
}

// table lays out the rows of n, each an item; columns take the widths
// their cells declare, the rest share what is left.
func (l *layouter) table(n *html.Node, cs computedStyle, x, w float64, f *flow) {
	var rows [][]*html.Node
	var walk func(*html.Node, int)
	walk = func(p *html.Node, depth int) {
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.Data {
			case "thead", "tbody", "tfoot":
				if depth < 2 {
					walk(c, depth+1)
				}
			case "tr":
				var cells []*html.Node
				for d := c.FirstChild; d != nil; d = d.NextSibling {
					if d.Type == html.ElementNode && (d.Data == "td" || d.Data == "th") {
						cells = append(cells, d)
					}
				}
				if len(cells) > 0 {
					rows = append(rows, cells)
				}
			}
		}
	}
	walk(n, 0)
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	cols = min(cols, 64)
	widths := make([]float64, cols)
	set := make([]bool, cols)
	for _, r := range rows {
		for i, c := range r {
			if i >= cols || set[i] {
				continue
			}
			if v, ok := l.computed(c, cs.style).lengthOf("width", w); ok && v > 0 {
				widths[i], set[i] = v, true
			}
		}
	}
	used, free := 0.0, 0
	for i := range widths {
		if set[i] {
			used += widths[i]
		} else {
			free++
		}
	}
	if used > w || (free > 0 && w-used < float64(free)*5) {
		for i := range widths {
			widths[i], set[i] = w/float64(cols), true
		}
	} else {
		l.autoWidths(rows, cs, widths, set, w)
	}
	for _, r := range rows {
		if l.err != nil {
			return
		}
		var cells []cell
		rowH := 0.0
		cx := 0.0
		it := item{}
		for i, c := range r {
			if i >= cols {
				break
			}
			ccs := l.computed(c, cs.style)
			pad := [4]float64{}
			if p, ok := ccs.decls["padding"]; ok {
				pad, _ = boxLengths(p)
			}
			inner := max(widths[i]-pad[1]-pad[3], 5)
			sub := &flow{}
			l.blocks(c, ccs.style, 0, inner, sub)
			y := pad[0]
			for _, s := range sub.items {
				for _, o := range s.ops {
					o.x += x + cx + pad[3]
					o.y += y
					it.ops = append(it.ops, o)
				}
				y += s.h
			}
			h := y + pad[2]
			cells = append(cells, cell{cs: ccs, h: h, border: ccs.hasBorder("border")})
			rowH = max(rowH, h)
			cx += widths[i]
		}
		cx = 0
		for i, c := range cells {
			if c.border {
				it.ops = append(it.ops, op{kind: 'r', x: x + cx, y: 0, w: widths[i], h: rowH})
			}
			cx += widths[i]
		}
		it.h = rowH
		f.add(it)
	}
}

// autoWidths shares w between the columns as a browser's automatic
// table layout does: a column whose width is set gets it, or its longest
// word if wider; the others get at least their longest word, then what is
// left in proportion to how much more their longest text wants.
func (l *layouter) autoWidths(rows [][]*html.Node, cs computedStyle, widths []float64, set []bool, w float64) {
	least := make([]float64, len(widths))
	most := make([]float64, len(widths))
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				continue
			}
			ccs := l.computed(c, cs.style)
			pad := 0.0
			if p, ok := ccs.decls["padding"]; ok {
				if b, ok := boxLengths(p); ok {
					pad = b[1] + b[3]
				}
			}
			text := strings.Join(strings.Fields(innerText(c)), " ")
			if ccs.upper {
				text = strings.ToUpper(text)
			}
			l.setFont(ccs.style)
			for _, wd := range strings.Fields(text) {
				least[i] = max(least[i], l.pdf.GetStringWidth(wd)+pad)
			}
			most[i] = max(most[i], min(l.pdf.GetStringWidth(text)+pad, w))
		}
	}
	avail := w
	for i := range widths {
		if set[i] {
			widths[i] = max(widths[i], least[i])
			avail -= widths[i]
		}
	}
	if avail < 0 {
		for i := range widths {
			widths[i] = w / float64(len(widths))
		}
		return
	}
	sumLeast, sumMost, free := 0.0, 0.0, 0
	for i := range widths {
		if !set[i] {
			least[i] = max(least[i], 3)
			most[i] = max(most[i], least[i])
			sumLeast += least[i]
			sumMost += most[i]
			free++
		}
	}
	for i := range widths {
		switch {
		case set[i]:
		case sumMost <= avail:
			widths[i] = most[i] + (avail-sumMost)*most[i]/sumMost
		case sumLeast >= avail:
			widths[i] = avail * least[i] / sumLeast
		default:
			widths[i] = least[i] + (avail-sumLeast)*(most[i]-least[i])/(sumMost-sumLeast)
		}
	}
}

// innerText is the text of n's descendants.
func innerText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && b.Len() < 1<<16; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
				b.WriteByte(' ')
			case c.Type == html.ElementNode && !skipped(c):
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// place puts the items on pages, a new page when the next item does not
// fit, and draws them.
func (l *layouter) place(items []item, m convert.Margins, pageH float64) error {
	bottom := pageH - m.Bottom
	pages := 1
	l.pdf.AddPage()
	y := m.Top
	for _, it := range items {
		if y+it.h > bottom && y > m.Top {
			if pages++; pages > MaxPages {
				return kerr.New(kerr.TooLarge, "basicpdf_too_many_pages", "Bản PDF của trang quá nhiều trang.", "over %d pages", MaxPages)
			}
			if err := l.ctx.Err(); err != nil {
				return kerr.Wrap(err, kerr.Unavailable, "basicpdf_cancelled", "Việc tạo bản PDF đã bị dừng.")
			}
			l.pdf.AddPage()
			y = m.Top
		}
		for _, o := range it.ops {
			l.draw(o, m.Left, y)
		}
		y += it.h
	}
	if l.pdf.Err() {
		return kerr.Wrap(l.pdf.Error(), kerr.Invalid, "basicpdf_failed", "Không tạo được bản PDF của trang.")
	}
	return nil
}

func (l *layouter) draw(o op, left, top float64) {
	x, y := left+o.x, top+o.y
	switch o.kind {
	case 't':
		l.setFont(o.st)
		l.pdf.Text(x, y, o.text)
	case 'l':
		l.pdf.SetLineWidth(0.3)
		l.pdf.Line(x, y, x+o.w, y)
	case 'r':
		l.pdf.SetLineWidth(0.25)
		l.pdf.Rect(x, y, o.w, o.h, "D")
	case 'i':
		l.pdf.ImageOptions(o.img, x, y, o.w, o.h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
}
