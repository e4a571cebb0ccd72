package signing

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/digitorus/pdf"
)

// pageText extracts the page's text as positioned pieces, one per glyph,
// for finding anchors. digitorus/pdf's Page.Content does not decode
// composite fonts (Type0 with Identity-H, which Microsoft Word uses for
// Vietnamese), so this interpreter decodes every font through its
// ToUnicode CMap when it has one, and simple fonts through their encoding
// otherwise. Text inside form XObjects is read too (up to 8 deep, 200
// forms a page). Malformed content yields what was read before the fault.
func pageText(p pdf.Page) (out []glyph) {
	// digitorus/pdf panics on malformed content: keep what was read.
	defer func() { _ = recover() }()
	type state struct {
		ctm                   matrix
		tc, tw, th, tl, trise float64
		font                  *fontDecoder
		size                  float64
	}
	g := state{ctm: identity, th: 1}
	var stack []state
	var tm, tlm matrix
	fonts := map[string]*fontDecoder{}
	res := p.Resources()

	show := func(s string) {
		if g.font == nil {
			return
		}
		for _, code := range g.font.codes(s) {
			w0 := g.font.width(code)
			trm := matrix{g.size * g.th, 0, 0, g.size, 0, g.trise}.mul(tm).mul(g.ctm)
			txt := g.font.text(code)
			if strings.TrimSpace(txt) != "" {
				adv := w0 / 1000
				if adv <= 0 {
					adv = 0.5 // no width known: about half an em
				}
				out = append(out, glyph{x: trm[4], y: trm[5], ax: adv * trm[0], ay: adv * trm[1], ux: trm[2], uy: trm[3], s: txt})
			}
			tx := w0/1000*g.size + g.tc
			if !g.font.twoByte && code == 32 {
				tx += g.tw
			}
			tm = matrix{1, 0, 0, 1, tx * g.th, 0}.mul(tm)
			if len(out) > 200000 {
				panic("too much text")
			}
		}
	}
	num := func(v pdf.Value) float64 { return v.Float64() }
	nextLine := func() {
		tlm = matrix{1, 0, 0, 1, 0, -g.tl}.mul(tlm)
		tm = tlm
	}
	depth, forms, floor := 0, 0, 0
	var interpret func(stk *pdf.Stack, op string)
	interpret = func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		need := func(k int) bool { return len(args) == k }
		switch op {
		case "q":
			if len(stack) < 1000 {
				stack = append(stack, g)
			}
		case "Q":
			if len(stack) > floor {
				g, stack = stack[len(stack)-1], stack[:len(stack)-1]
			}
		case "cm":
			if need(6) {
				g.ctm = matrix{num(args[0]), num(args[1]), num(args[2]), num(args[3]), num(args[4]), num(args[5])}.mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Do":
			if len(args) != 1 {
				break
			}
			xo := res.Key("XObject").Key(args[0].Name())
			if xo.Key("Subtype").Name() != "Form" || depth >= 8 || forms >= 200 {
				break
			}
			// A form runs in its own graphics state, under its /Matrix,
			// with its own resources (or the page's).
			savedG, savedTm, savedTlm, savedRes, savedFonts, savedFloor := g, tm, tlm, res, fonts, floor
			floor = len(stack) // the form's Q cannot pop the page's q
			if m := xo.Key("Matrix"); m.Len() == 6 {
				g.ctm = matrix{num(m.Index(0)), num(m.Index(1)), num(m.Index(2)), num(m.Index(3)), num(m.Index(4)), num(m.Index(5))}.mul(g.ctm)
			}
			if r := xo.Key("Resources"); r.Kind() == pdf.Dict {
				res, fonts = r, map[string]*fontDecoder{}
			}
			depth, forms = depth+1, forms+1
			pdf.Interpret(xo, interpret)
			depth--
			g, tm, tlm, res, fonts = savedG, savedTm, savedTlm, savedRes, savedFonts
			stack, floor = stack[:floor], savedFloor
		case "Tc", "Tw", "Tz", "TL", "Ts":
			if need(1) {
				v := num(args[0])
				switch op {
				case "Tc":
					g.tc = v
				case "Tw":
					g.tw = v
				case "Tz":
					g.th = v / 100
				case "TL":
					g.tl = v
				default:
					g.trise = v
				}
			}
		case "Tf":
			if need(2) {
				name := args[0].Name()
				if _, ok := fonts[name]; !ok {
					fonts[name] = newFontDecoder(res.Key("Font").Key(name))
				}
				g.font, g.size = fonts[name], num(args[1])
			}
		case "Td", "TD":
			if need(2) {
				if op == "TD" {
					g.tl = -num(args[1])
				}
				tlm = matrix{1, 0, 0, 1, num(args[0]), num(args[1])}.mul(tlm)
				tm = tlm
			}
		case "Tm":
			if need(6) {
				tlm = matrix{num(args[0]), num(args[1]), num(args[2]), num(args[3]), num(args[4]), num(args[5])}
				tm = tlm
			}
		case "T*":
			nextLine()
		case "Tj":
			if need(1) {
				show(args[0].RawString())
			}
		case "'":
			if need(1) {
				nextLine()
				show(args[0].RawString())
			}
		case "\"":
			if need(3) {
				g.tw, g.tc = num(args[0]), num(args[1])
				nextLine()
				show(args[2].RawString())
			}
		case "TJ":
			if need(1) {
				a := args[0]
				for i := 0; i < a.Len(); i++ {
					v := a.Index(i)
					if v.Kind() == pdf.String {
						show(v.RawString())
					} else {
						tm = matrix{1, 0, 0, 1, -num(v) / 1000 * g.size * g.th, 0}.mul(tm)
					}
				}
			}
		}
	}
	// Contents is a stream or an array of streams read as one.
	contents := p.V.Key("Contents")
	if contents.Kind() == pdf.Array {
		for i := 0; i < contents.Len() && i < 10000; i++ {
			pdf.Interpret(contents.Index(i), interpret)
		}
	} else {
		pdf.Interpret(contents, interpret)
	}
	return out
}

// glyph is one shown glyph in user space: its origin on the baseline, its
// advance vector, the vector of one em upwards, and its text.
type glyph struct {
	x, y, ax, ay, ux, uy float64
	s                    string
}

// box returns the glyph's box corners: the advance along the baseline,
// from 0.22 em below it (descenders) to 0.78 em above it.
func (g glyph) corners() [4][2]float64 {
	var c [4][2]float64
	for i, t := range [4][2]float64{{0, -0.22}, {1, -0.22}, {0, 0.78}, {1, 0.78}} {
		c[i] = [2]float64{g.x + t[0]*g.ax + t[1]*g.ux, g.y + t[0]*g.ay + t[1]*g.uy}
	}
	return c
}

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (PDF's row-vector convention: m is applied first).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// fontDecoder turns a font's character codes into text and widths.
type fontDecoder struct {
	name    string
	twoByte bool              // Type0 with a two-byte CMap (Identity-H/V)
	toUni   map[uint32]string // from ToUnicode
	simple  pdf.TextEncoding  // a simple font's encoding, without ToUnicode
	font    pdf.Font
	widths  map[uint32]float64 // Type0 widths (W), in 1/1000 em
	dw      float64            // Type0 default width
}

func newFontDecoder(f pdf.Value) *fontDecoder {
	d := &fontDecoder{name: f.Key("BaseFont").Name(), font: pdf.Font{V: f}}
	if i := strings.IndexByte(d.name, '+'); i >= 0 {
		d.name = d.name[i+1:]
	}
	if tu := f.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		d.toUni = parseToUnicode(tu)
	}
	if f.Key("Subtype").Name() == "Type0" {
		// Identity-H/V and the usual embedded CMaps of word processors use
		// two-byte codes; other predefined CMaps are not read.
		d.twoByte = true
		desc := f.Key("DescendantFonts").Index(0)
		d.dw = 1000
		if v := desc.Key("DW"); v.Kind() == pdf.Integer || v.Kind() == pdf.Real {
			d.dw = v.Float64()
		}
		d.widths = parseCIDWidths(desc.Key("W"))
		return d
	}
	if d.toUni == nil {
		switch enc := f.Key("Encoding"); {
		case enc.Kind() == pdf.Dict || enc.Name() == "WinAnsiEncoding" || enc.Name() == "MacRomanEncoding":
			d.simple = d.font.Encoder()
		}
	}
	return d
}

func (d *fontDecoder) codes(s string) []uint32 {
	out := make([]uint32, 0, len(s))
	if d.twoByte {
		for i := 0; i+1 < len(s); i += 2 {
			out = append(out, uint32(s[i])<<8|uint32(s[i+1]))
		}
		return out
	}
	for i := 0; i < len(s); i++ {
		out = append(out, uint32(s[i]))
	}
	return out
}

func (d *fontDecoder) text(code uint32) string {
	if t, ok := d.toUni[code]; ok {
		return t
	}
	if d.twoByte {
		return "\uFFFD"
	}
	if d.simple != nil {
		return d.simple.Decode(string([]byte{byte(code)}))
	}
	return string(rune(code)) // standard encoding: ASCII is the same
}

func (d *fontDecoder) width(code uint32) float64 {
	if d.twoByte {
		if w, ok := d.widths[code]; ok {
			return w
		}
		return d.dw
	}
	w := d.font.Width(int(code))
	if w == 0 && d.font.V.Key("Widths").IsNull() {
		w = 500 // a standard 14 font without /Widths: about half an em
	}
	return w
}

// parseCIDWidths reads a CIDFont's W array: "c [w1 w2 …]" and
// "cfirst clast w" entries.
func parseCIDWidths(w pdf.Value) map[uint32]float64 {
	out := map[uint32]float64{}
	for i := 0; i < w.Len() && len(out) < 1<<16; {
		first := uint32(w.Index(i).Int64())
		if i+1 < w.Len() && w.Index(i+1).Kind() == pdf.Array {
			arr := w.Index(i + 1)
			for j := 0; j < arr.Len() && j < 1<<16; j++ {
				out[first+uint32(j)] = arr.Index(j).Float64()
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			break
		}
		last, width := uint32(w.Index(i+1).Int64()), w.Index(i+2).Float64()
		for c := first; c <= last && c-first < 1<<16; c++ {
			out[c] = width
		}
		i += 3
	}
	return out
}

// maxCMapWork bounds the entries one ToUnicode CMap may define, repeated
// ones included (two-byte codes need at most 65,536).
const maxCMapWork = 1 << 18

var cmapToken = regexp.MustCompile(`<[0-9A-Fa-f\s]*>|\[|\]|[^\s<>\[\]]+`)

// parseToUnicode reads the bfchar and bfrange sections of a ToUnicode
// CMap (ISO 32000-1 9.10.3); destinations are UTF-16BE.
func parseToUnicode(s pdf.Value) map[uint32]string {
	rc := s.Reader()
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil && len(data) == 0 {
		return nil
	}
	return parseCMap(data)
}

// parseCMap reads the bfchar and bfrange sections of a ToUnicode CMap.
func parseCMap(data []byte) map[uint32]string {
	toks := cmapToken.FindAllString(string(data), -1)
	out := map[uint32]string{}
	work := 0
	hex := func(t string) ([]byte, bool) {
		if !strings.HasPrefix(t, "<") {
			return nil, false
		}
		h := strings.Map(func(r rune) rune {
			if strings.ContainsRune(" \t\r\n", r) {
				return -1
			}
			return r
		}, t[1:len(t)-1])
		if len(h)%2 == 1 {
			h += "0"
		}
		b := make([]byte, len(h)/2)
		for i := range b {
			v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
			if err != nil {
				return nil, false
			}
			b[i] = byte(v)
		}
		return b, true
	}
	code := func(b []byte) uint32 {
		var c uint32
		for _, x := range b[:min(len(b), 4)] {
			c = c<<8 | uint32(x)
		}
		return c
	}
	utf := func(b []byte) string {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u))
	}
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "beginbfchar":
			for i++; i+1 < len(toks) && toks[i] != "endbfchar"; i += 2 {
				src, ok1 := hex(toks[i])
				dst, ok2 := hex(toks[i+1])
				if ok1 && ok2 {
					out[code(src)] = utf(dst)
					work++
				}
			}
		case "beginbfrange":
			for i++; i+2 < len(toks) && toks[i] != "endbfrange"; i += 3 {
				lo, ok1 := hex(toks[i])
				hi, ok2 := hex(toks[i+1])
				if !ok1 || !ok2 {
					continue
				}
				a, b := code(lo), code(hi)
				if b < a || b-a > 1<<16 {
					continue
				}
				if toks[i+2] == "[" {
					j := i + 3
					for c := a; j < len(toks) && toks[j] != "]"; j, c = j+1, c+1 {
						if dst, ok := hex(toks[j]); ok && c <= b {
							out[c] = utf(dst)
							work++
						}
					}
					i = j - 2 // the loop adds 3: continue after "]"
					continue
				}
				dst, ok := hex(toks[i+2])
				if !ok || len(dst) < 2 {
					continue
				}
				for c := a; c <= b && work < maxCMapWork; c, work = c+1, work+1 {
					d := append([]byte(nil), dst...)
					last := uint16(d[len(d)-2])<<8 | uint16(d[len(d)-1])
					last += uint16(c - a)
					d[len(d)-2], d[len(d)-1] = byte(last>>8), byte(last)
					out[c] = utf(d)
				}
			}
		}
		if work >= maxCMapWork {
			break
		}
	}
	return out
}
