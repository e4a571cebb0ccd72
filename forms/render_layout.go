package forms

import (
	"context"
	"strings"
	"unicode"

	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
)

// layout places text and rules on A4 pages from the top down. y is the
// top of the next line, in PDF coordinates (origin bottom left).
type layout struct {
	ctx   context.Context
	f     *fonts.Font
	pages []*renderPage
	y     float64
	err   error
}

// renderPage is what one page shows.
type renderPage struct {
	texts []textOp
	lines []lineOp
}

// style is how text is set: plain, bold, italic (both drawn from the one
// regular face: bold is filled and stroked, italic is slanted).
type style uint8

const (
	plain  style = 0
	bold   style = 1
	italic style = 2
)

// weight is bold for true.
func weight(b bool) style {
	if b {
		return bold
	}
	return plain
}

// textOp is one run of text at a baseline.
type textOp struct {
	x, y, size float64
	style      style
	shaped     []fonts.Shaped
}

// lineOp is a straight rule.
type lineOp struct{ x1, y1, x2, y2, width float64 }

// run is a piece of a paragraph: text in one weight, or a dotted leader
// to the end of the line (an empty value to fill in by hand).
type run struct {
	text string
	bold bool
	dots bool
	// spaces is the number of spaces before the run (words inside a run
	// are separated by one).
	spaces int
}

// word is a unit of line breaking: text and whether a space precedes it.
type word struct {
	text   string
	bold   bool
	spaces int  // spaces before it (dropped at the start of a line)
	brk    bool // a forced line break before it
	dots   bool
}

func (l *layout) newPage() {
	if l.err != nil {
		return
	}
	if len(l.pages) >= maxRenderPages {
		l.err = kerr.New(kerr.Invalid, "form_too_long", "Biểu mẫu quá dài để in (quá 500 trang).", "more than %d pages", maxRenderPages)
		return
	}
	if err := l.ctx.Err(); err != nil {
		l.err = kerr.Wrap(err, kerr.Unavailable, "render_cancelled", "Đã hủy việc tạo tệp PDF.")
		return
	}
	l.pages = append(l.pages, &renderPage{})
	l.y = pageH - marginT
}

func (l *layout) page() *renderPage { return l.pages[len(l.pages)-1] }

// text draws s with its baseline at (x, y).
func (l *layout) text(x, y, size float64, st style, s string) {
	if s == "" || l.err != nil {
		return
	}
	l.page().texts = append(l.page().texts, textOp{x: x, y: y, size: size, style: st, shaped: l.shape(s)})
}

// shape maps s to glyphs; a character the font lacks is drawn as "�"
// (PDF/A forbids showing .notdef; the data keeps the character).
func (l *layout) shape(s string) []fonts.Shaped {
	sh := l.f.Shape(s)
	for i := range sh {
		if sh[i].Glyph == 0 {
			g, ok := l.f.Glyph(missingGlyph)
			if !ok {
				g, _ = l.f.Glyph('?')
			}
			sh[i] = fonts.Shaped{Glyph: g, Rune: missingGlyph}
		}
	}
	return sh
}

func (l *layout) line(x1, y1, x2, y2, width float64) {
	if l.err != nil {
		return
	}
	l.page().lines = append(l.page().lines, lineOp{x1, y1, x2, y2, width})
}

// gap leaves vertical space (not at the top of a page).
func (l *layout) gap(h float64) {
	if l.y < pageH-marginT {
		l.y -= h
	}
}

// keepWith starts a new page unless n body lines still fit, so a heading
// is not left alone at a page's foot.
func (l *layout) keepWith(n int) {
	if l.y-float64(n)*bodySize*leadingFactor < marginB+footerSpace {
		l.newPage()
	}
}

// advance moves down one line of size, breaking the page when needed, and
// returns the baseline.
func (l *layout) advance(size float64) float64 {
	lead := size * leadingFactor
	if l.y-lead < marginB+footerSpace {
		l.newPage()
	}
	l.y -= lead
	return l.y + lead - size*1.05
}

func (l *layout) centred(s string, size float64, st style) {
	l.flowCentred(s, marginL, contentW, size, st)
}

// flowCentred wraps s into width and centres each line in [x, x+width].
func (l *layout) flowCentred(s string, x, width, size float64, st style) {
	for _, ln := range l.wrapText(s, size, width) {
		base := l.advance(size)
		l.text(x+(width-l.f.Width(ln, size))/2, base, size, st, ln)
	}
}

// wrapText breaks s into lines no wider than width (at spaces, or inside
// a word longer than a line); newlines force breaks.
func (l *layout) wrapText(s string, size, width float64) []string {
	var out []string
	for _, para := range strings.Split(clean(s), "\n") {
		cur := ""
		for _, w := range strings.Fields(para) {
			try := w
			if cur != "" {
				try = cur + " " + w
			}
			if l.f.Width(try, size) <= width {
				cur = try
				continue
			}
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			for l.f.Width(w, size) > width {
				head, rest := l.split(w, size, width)
				out = append(out, head)
				w = rest
			}
			cur = w
		}
		out = append(out, cur)
	}
	return out
}

// split cuts the longest prefix of w that fits width (at least one rune).
func (l *layout) split(w string, size, width float64) (string, string) {
	rs := []rune(w)
	n := 1
	for n < len(rs) && l.f.Width(string(rs[:n+1]), size) <= width {
		n++
	}
	return string(rs[:n]), string(rs[n:])
}

// clean turns control characters other than newlines into spaces, so
// that outside text can never move the pen or hide itself.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// flow sets runs as a left-aligned paragraph in [x, x+width], wrapping at
// spaces, with page breaks between lines.
func (l *layout) flow(runs []run, x, width, size float64) {
	var words []word
	pending := 0
	for _, r := range runs {
		pending += r.spaces
		if r.dots {
			words = append(words, word{dots: true, spaces: max(pending, 1)})
			pending = 0
			continue
		}
		for pi, para := range strings.Split(clean(r.text), "\n") {
			if strings.HasPrefix(para, " ") {
				pending = max(pending, 1)
			}
			for i, f := range strings.Fields(para) {
				if i > 0 {
					pending = max(pending, 1)
				}
				words = append(words, word{text: f, bold: r.bold, spaces: pending, brk: i == 0 && pi > 0})
				pending = 0
			}
			if strings.HasSuffix(para, " ") {
				pending = max(pending, 1)
			}
		}
	}
	spaceW := l.f.Width(" ", size)
	cx := x
	base := l.advance(size)
	first := true
	for _, w := range words {
		if l.err != nil {
			return
		}
		if w.dots {
			l.dots(cx+spaceW/2, x+width, base, size)
			continue
		}
		text := w.text
		ww := l.f.Width(text, size)
		gap := 0.0
		if !first {
			gap = spaceW * float64(w.spaces)
		}
		if w.brk || (!first && cx+gap+ww > x+width) {
			base = l.advance(size)
			cx, gap = x, 0
		}
		for ww > width {
			head, rest := l.split(text, size, x+width-cx)
			l.text(cx, base, size, weight(w.bold), head)
			base = l.advance(size)
			cx, gap = x, 0
			text = rest
			ww = l.f.Width(text, size)
		}
		l.text(cx+gap, base, size, weight(w.bold), text)
		cx += gap + ww
		first = false
	}
}

// dots draws a dotted leader from x0 to x1 on the baseline.
func (l *layout) dots(x0, x1, base, size float64) {
	dw := l.f.Width(".", size)
	if x1-x0 < dw {
		return
	}
	n := int((x1 - x0) / dw)
	l.text(x1-float64(n)*dw, base, size, plain, strings.Repeat(".", n))
}

// pageNumbers writes "Trang x/y" centred at the foot of every page.
func (l *layout) pageNumbers() {
	for i, p := range l.pages {
		s := "Trang " + itoa(i+1) + "/" + itoa(len(l.pages))
		p.texts = append(p.texts, textOp{x: marginL + (contentW-l.f.Width(s, footSize))/2, y: marginB,
			size: footSize, shaped: l.f.Shape(s)})
	}
}
