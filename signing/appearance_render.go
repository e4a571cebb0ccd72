package signing

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/digitorus/pdfsign/sign"
	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// box is a rectangle inside the appearance: origin, width, height.
type box struct{ x, y, w, h float64 }

// textLine is one laid-out line: its baseline origin and text.
type textLine struct {
	x, y float64
	s    string
}

// layout is where the image and the text go in a w × h appearance.
type layout struct {
	image    *box // nil without an image
	fontSize float64
	lines    []textLine
}

// subsetAlways are the characters every font subset holds (see
// renderer.appearance).
const subsetAlways = "0123456789:/+-"

// Layout constants, in points.
const (
	maxFontSize = 11
	minFontSize = 4
	leading     = 1.2 // line height as a multiple of the font size
	pad         = 2
)

// layoutAppearance places the image and the text lines in a w × h box:
// personal puts the signature image above the name; seal puts the seal on
// the left, the signing information on the right overlapping the seal's
// right third, as in Decree 30/2020's samples. Text is wrapped at spaces
// (inside words when a word alone is too wide) and shrunk until it fits.
func layoutAppearance(kind AppearanceKind, w, h float64, imgW, imgH int, text []string, f *fonts.Font) layout {
	var l layout
	hasImage := imgW > 0 && imgH > 0
	fit := func(b box, centre bool) {
		size, wrapped := fitText(text, b.w-2*pad, b.h-2*pad, f)
		l.fontSize = size
		asc, _, _, _ := f.Metrics()
		ascent := float64(asc) / float64(f.UnitsPerEm()) * size
		blockH := float64(len(wrapped)) * size * leading
		top := b.y + b.h/2 + blockH/2 // block centred vertically
		for i, s := range wrapped {
			x := b.x + pad
			if centre {
				x = b.x + (b.w-f.Width(s, size))/2
			}
			y := top - ascent - float64(i)*size*leading + (size*leading-size)/2
			l.lines = append(l.lines, textLine{x: x, y: y, s: s})
		}
	}
	place := func(b box) *box {
		sc := min(b.w/float64(imgW), b.h/float64(imgH))
		iw, ih := float64(imgW)*sc, float64(imgH)*sc
		return &box{x: b.x + (b.w-iw)/2, y: b.y + (b.h-ih)/2, w: iw, h: ih}
	}
	switch {
	case !hasImage:
		fit(box{0, 0, w, h}, kind == AppearancePersonal)
	case len(text) == 0:
		l.image = place(box{0, 0, w, h})
	case kind == AppearanceSeal:
		side := min(h, w/2)
		l.image = place(box{0, (h - side) / 2, side, side})
		textX := l.image.x + l.image.w*2/3
		fit(box{textX, 0, w - textX, h}, false)
	default: // personal: name at the bottom, signature above it
		fit(box{0, 0, w, h * 0.4}, true)
		used := h * 0.4
		if len(l.lines) > 0 {
			used = float64(len(l.lines))*l.fontSize*leading + 2*pad
		}
		l.image = place(box{0, used, w, h - used})
	}
	return l
}

// fitText wraps lines to width maxW at the largest font size (from
// maxFontSize down to minFontSize in half points) at which they fit in
// maxH; at the smallest size it returns what overflows too (the appearance
// clips at its box).
func fitText(lines []string, maxW, maxH float64, f *fonts.Font) (float64, []string) {
	var wrapped []string
	for size := float64(maxFontSize); size >= minFontSize; size -= 0.5 {
		wrapped = wrapped[:0]
		for _, line := range lines {
			wrapped = append(wrapped, wrapLine(line, maxW, size, f)...)
		}
		if float64(len(wrapped))*size*leading <= maxH {
			return size, wrapped
		}
	}
	return minFontSize, wrapped
}

// wrapLine breaks s into lines no wider than maxW at size, at spaces, and
// inside a word that is wider than maxW on its own.
func wrapLine(s string, maxW, size float64, f *fonts.Font) []string {
	var out []string
	cur := ""
	for _, word := range strings.Fields(s) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if f.Width(try, size) <= maxW {
			cur = try
			continue
		}
		if cur != "" {
			out = append(out, cur)
		}
		cur = ""
		for _, r := range word { // a word too wide on its own
			if cur != "" && f.Width(cur+string(r), size) > maxW {
				out = append(out, cur)
				cur = ""
			}
			cur += string(r)
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// renderer draws one visible signature; its render method is pdfsign's
// Appearance.Renderer.
type renderer struct {
	kind   AppearanceKind
	rotate int           // the page's /Rotate: the appearance is turned to stand upright as shown
	cache  *visibleCache // the image (nil without one) and the font subsets
	lines  []string
	font   *fonts.Font
}

// objectAdder is the part of pdfsign's SignContext the renderer uses.
type objectAdder = pdfobj.ObjectAdder

var _ objectAdder = (*sign.SignContext)(nil)

func (r *renderer) render(ctx *sign.SignContext, rect [4]float64) ([]byte, error) {
	return r.appearance(ctx, rect)
}

// appearance adds the image and font objects through add and returns the
// appearance form XObject for rect.
func (r *renderer) appearance(add objectAdder, rect [4]float64) ([]byte, error) {
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	// On a rotated page the box is laid out as shown and turned back
	// against the page's rotation by the form's /Matrix (ISO 32000-1
	// 12.5.5 maps the transformed BBox onto the annotation's Rect).
	matrix := map[int]string{90: "0 1 -1 0 0 0", 180: "-1 0 0 -1 0 0", 270: "0 -1 1 0 0 0"}[r.rotate]
	if matrix == "" {
		matrix = "1 0 0 1 0 0"
	}
	if r.rotate == 90 || r.rotate == 270 {
		w, h = h, w
	}
	var imgW, imgH int
	if r.cache.image != nil {
		imgW, imgH = r.cache.image.Size()
	}
	l := layoutAppearance(r.kind, w, h, imgW, imgH, r.lines, r.font)

	var res, content bytes.Buffer
	content.WriteString("q\n")
	if l.image != nil {
		id, err := r.cache.image.Add(add)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&res, "/XObject << /Im1 %d 0 R >> ", id)
		fmt.Fprintf(&content, "q %.3f 0 0 %.3f %.3f %.3f cm /Im1 Do Q\n", l.image.w, l.image.h, l.image.x, l.image.y)
	}
	if len(l.lines) > 0 {
		shaped := make([][]fonts.Shaped, len(l.lines))
		for i, ln := range l.lines {
			shaped[i] = r.font.Shape(ln.s)
		}
		// Digits and the time's punctuation are always in the subset, so a
		// seal's time line does not make a new subset every second.
		pf, err := r.cache.font(r.font, append(slices.Clone(shaped), r.font.Shape(subsetAlways)))
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "appearance_failed", "Không nhúng được phông chữ vào chữ ký.")
		}
		id, err := pf.Embed(add)
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "appearance_failed", "Không nhúng được phông chữ vào chữ ký.")
		}
		fmt.Fprintf(&res, "/Font << /F1 %d 0 R >> ", id)
		// Blue text, as Decree 30/2020 asks of the signing information.
		fmt.Fprintf(&content, "BT 0 0 0.8 rg /F1 %.2f Tf\n", l.fontSize)
		for i, ln := range l.lines {
			fmt.Fprintf(&content, "1 0 0 1 %.3f %.3f Tm %s Tj\n", ln.x, ln.y, pf.Hex(shaped[i]))
		}
		content.WriteString("ET\n")
	}
	content.WriteString("Q")
	var form bytes.Buffer
	fmt.Fprintf(&form, "<< /Type /XObject /Subtype /Form /FormType 1 /BBox [0 0 %.3f %.3f] /Matrix [%s] /Resources << %s>> /Length %d >>\nstream\n",
		w, h, matrix, res.String(), content.Len())
	form.Write(content.Bytes())
	form.WriteString("\nendstream")
	return form.Bytes(), nil
}
