package signing

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/digitorus/pdfsign/sign"
	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
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
	kind  AppearanceKind
	img   image.Image // nil without an image
	lines []string
	font  *fonts.Font
}

// objectAdder is the part of pdfsign's SignContext the renderer uses.
type objectAdder interface {
	AddObject([]byte) (uint32, error)
}

var _ objectAdder = (*sign.SignContext)(nil)

func (r *renderer) render(ctx *sign.SignContext, rect [4]float64) ([]byte, error) {
	return r.appearance(ctx, rect)
}

// appearance adds the image and font objects through add and returns the
// appearance form XObject for rect.
func (r *renderer) appearance(add objectAdder, rect [4]float64) ([]byte, error) {
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	var imgW, imgH int
	if r.img != nil {
		imgW, imgH = r.img.Bounds().Dx(), r.img.Bounds().Dy()
	}
	l := layoutAppearance(r.kind, w, h, imgW, imgH, r.lines, r.font)

	var res, content bytes.Buffer
	content.WriteString("q\n")
	if l.image != nil {
		id, err := addImage(add, r.img)
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
		id, err := addType0Font(add, r.font, shaped)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&res, "/Font << /F1 %d 0 R >> ", id)
		// Blue text, as Decree 30/2020 asks of the signing information.
		fmt.Fprintf(&content, "BT 0 0 0.8 rg /F1 %.2f Tf\n", l.fontSize)
		for i, ln := range l.lines {
			fmt.Fprintf(&content, "1 0 0 1 %.3f %.3f Tm <", ln.x, ln.y)
			for _, s := range shaped[i] {
				fmt.Fprintf(&content, "%04X", s.Glyph)
			}
			content.WriteString("> Tj\n")
		}
		content.WriteString("ET\n")
	}
	content.WriteString("Q")
	var form bytes.Buffer
	fmt.Fprintf(&form, "<< /Type /XObject /Subtype /Form /FormType 1 /BBox [0 0 %.3f %.3f] /Matrix [1 0 0 1 0 0] /Resources << %s>> /Length %d >>\nstream\n",
		w, h, res.String(), content.Len())
	form.Write(content.Bytes())
	form.WriteString("\nendstream")
	return form.Bytes(), nil
}

// addImage adds img as an RGB image XObject, with a soft mask when it has
// transparency, and returns the image's object number.
func addImage(add objectAdder, img image.Image) (uint32, error) {
	b := img.Bounds()
	rgb := make([]byte, 0, 3*b.Dx()*b.Dy())
	alpha := make([]byte, 0, b.Dx()*b.Dy())
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a == 0 {
				rgb = append(rgb, 255, 255, 255)
			} else { // un-premultiply
				rgb = append(rgb, byte(r*255/a), byte(g*255/a), byte(bl*255/a))
			}
			alpha = append(alpha, byte(a>>8))
			if a != 0xffff {
				opaque = false
			}
		}
	}
	smask := ""
	if !opaque {
		data, err := deflate(alpha)
		if err != nil {
			return 0, err
		}
		id, err := add.AddObject(streamObject(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", b.Dx(), b.Dy()), data))
		if err != nil {
			return 0, err
		}
		smask = fmt.Sprintf(" /SMask %d 0 R", id)
	}
	data, err := deflate(rgb)
	if err != nil {
		return 0, err
	}
	return add.AddObject(streamObject(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Interpolate true%s", b.Dx(), b.Dy(), smask), data))
}

// addType0Font embeds the subset of f used by lines as a Type0 font with a
// CIDFontType2 descendant, Identity-H encoding (two-byte glyph indices) and
// a ToUnicode CMap so the text can be copied and searched, and returns the
// Type0 font's object number.
func addType0Font(add objectAdder, f *fonts.Font, lines [][]fonts.Shaped) (uint32, error) {
	toUni := map[uint16]rune{}
	for _, ln := range lines {
		for _, s := range ln {
			if _, ok := toUni[s.Glyph]; !ok && s.Glyph != 0 {
				toUni[s.Glyph] = s.Rune
			}
		}
	}
	glyphs := make([]uint16, 0, len(toUni))
	for g := range toUni {
		glyphs = append(glyphs, g)
	}
	slices.Sort(glyphs)
	sub, err := f.Subset(glyphs)
	if err != nil {
		return 0, kerr.Wrap(err, kerr.Internal, "font_subset_failed", "Không nhúng được phông chữ vào chữ ký.")
	}
	data, err := deflate(sub)
	if err != nil {
		return 0, err
	}
	fileID, err := add.AddObject(streamObject(fmt.Sprintf("/Length1 %d /Filter /FlateDecode", len(sub)), data))
	if err != nil {
		return 0, err
	}
	// A subset's name starts with a tag of six capitals (ISO 32000-1 9.6.4).
	sum := sha256.Sum256(fmt.Append(nil, glyphs))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := string(tag) + "+" + f.Name()
	scale := func(v int) int { return int(math.Round(float64(v) * 1000 / float64(f.UnitsPerEm()))) }
	asc, desc, capH, bb := f.Metrics()
	descID, err := add.AddObject(fmt.Appendf(nil, "<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		name, scale(bb[0]), scale(bb[1]), scale(bb[2]), scale(bb[3]), scale(asc), scale(desc), scale(capH), fileID))
	if err != nil {
		return 0, err
	}
	var widths strings.Builder
	for _, g := range glyphs {
		fmt.Fprintf(&widths, "%d [%d] ", g, scale(f.Advance(g)))
	}
	cidID, err := add.AddObject(fmt.Appendf(nil, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %d /W [%s] /CIDToGIDMap /Identity >>",
		name, descID, scale(f.Advance(0)), widths.String()))
	if err != nil {
		return 0, err
	}
	cmap := toUnicodeCMap(glyphs, toUni)
	cmapData, err := deflate(cmap)
	if err != nil {
		return 0, err
	}
	cmapID, err := add.AddObject(streamObject("/Filter /FlateDecode", cmapData))
	if err != nil {
		return 0, err
	}
	return add.AddObject(fmt.Appendf(nil, "<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", name, cidID, cmapID))
}

// toUnicodeCMap maps each two-byte glyph code to its text (ISO 32000-1
// 9.10.3), in blocks of at most 100 entries.
func toUnicodeCMap(glyphs []uint16, text map[uint16]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(glyphs); i += 100 {
		blk := glyphs[i:min(i+100, len(glyphs))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(blk))
		for _, g := range blk {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{text[g]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

func streamObject(dict string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return b.Bytes()
}

func deflate(p []byte) ([]byte, error) {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "appearance_failed", "Không tạo được hình ảnh chữ ký.")
	}
	if err := w.Close(); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "appearance_failed", "Không tạo được hình ảnh chữ ký.")
	}
	return b.Bytes(), nil
}
