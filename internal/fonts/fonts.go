// Package fonts embeds the Unicode TrueType font Kho draws text with in the
// PDFs it makes (visible signatures, rendered eForms): DejaVu Sans, which
// covers Vietnamese (all precomposed letters of Latin Extended Additional).
//
// A Font measures text, maps runes to glyphs (Shape), cuts subsets of the
// font file (Subset) and embeds such a subset in a PDF as a Type0 font with
// a ToUnicode CMap (NewPDFFont, Embed, and Hex for the text operators). The font's
// licence (Bitstream Vera, DejaVu changes in the public domain) is in
// LICENSE beside this file and allows embedding and subsetting.
package fonts

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"sync"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

//go:embed DejaVuSans.ttf
var dejaVuSans []byte

// Font is a parsed TrueType font. It is immutable and safe for concurrent
// use.
type Font struct {
	name   string
	data   []byte
	sfnt   *sfnt.Font
	tables map[string][]byte

	unitsPerEm      int
	ascent, descent int // hhea, in font units (descent is negative)
	capHeight       int
	bbox            [4]int
	numGlyphs       int
	advances        []uint16 // per glyph, in font units
	longLoca        bool
	glyphOffsets    []uint32 // numGlyphs+1 offsets into glyf
	cmapMu          sync.Mutex
	cmapBuf         sfnt.Buffer
	cmapCache       map[rune]uint16
}

var dejaVuOnce = sync.OnceValues(func() (*Font, error) { return Parse("DejaVuSans", dejaVuSans) })

// DejaVuSans returns the embedded DejaVu Sans (Book). It is parsed once.
func DejaVuSans() *Font {
	f, err := dejaVuOnce()
	if err != nil {
		// The embedded file is part of the build; a parse failure is a
		// broken build, found by the package's tests.
		panic("fonts: embedded DejaVuSans.ttf: " + err.Error())
	}
	return f
}

// Parse parses a TrueType (glyf-outline) font file; name is its PostScript
// name for PDF font dictionaries.
func Parse(name string, data []byte) (*Font, error) {
	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("fonts: %w", err)
	}
	f := &Font{name: name, data: data, sfnt: sf, tables: map[string][]byte{}, cmapCache: map[rune]uint16{}}
	if len(data) < 12 {
		return nil, fmt.Errorf("fonts: file too short")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, fmt.Errorf("fonts: table directory truncated")
		}
		tag := string(data[rec : rec+4])
		off, ln := binary.BigEndian.Uint32(data[rec+8:]), binary.BigEndian.Uint32(data[rec+12:])
		if uint64(off)+uint64(ln) > uint64(len(data)) {
			return nil, fmt.Errorf("fonts: table %q out of range", tag)
		}
		f.tables[tag] = data[off : off+ln]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("fonts: no %q table (only TrueType outlines are supported)", t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("fonts: short head, hhea or maxp table")
	}
	be := binary.BigEndian
	f.unitsPerEm = int(be.Uint16(head[18:]))
	for i := range 4 {
		f.bbox[i] = int(int16(be.Uint16(head[36+2*i:])))
	}
	f.longLoca = be.Uint16(head[50:]) == 1
	f.ascent = int(int16(be.Uint16(hhea[4:])))
	f.descent = int(int16(be.Uint16(hhea[6:])))
	f.capHeight = f.ascent * 7 / 10
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && be.Uint16(os2) >= 2 {
		f.capHeight = int(int16(be.Uint16(os2[88:])))
	}
	f.numGlyphs = int(be.Uint16(maxp[4:]))
	nh := int(be.Uint16(hhea[34:]))
	hmtx := f.tables["hmtx"]
	if nh == 0 || nh > f.numGlyphs || len(hmtx) < 4*nh {
		return nil, fmt.Errorf("fonts: bad hmtx")
	}
	f.advances = make([]uint16, f.numGlyphs)
	for g := range f.numGlyphs {
		f.advances[g] = be.Uint16(hmtx[4*min(g, nh-1):])
	}
	loca := f.tables["loca"]
	f.glyphOffsets = make([]uint32, f.numGlyphs+1)
	for g := 0; g <= f.numGlyphs; g++ {
		if f.longLoca {
			if 4*g+4 > len(loca) {
				return nil, fmt.Errorf("fonts: loca truncated")
			}
			f.glyphOffsets[g] = be.Uint32(loca[4*g:])
		} else {
			if 2*g+2 > len(loca) {
				return nil, fmt.Errorf("fonts: loca truncated")
			}
			f.glyphOffsets[g] = 2 * uint32(be.Uint16(loca[2*g:]))
		}
		if g > 0 && (f.glyphOffsets[g] < f.glyphOffsets[g-1] || int(f.glyphOffsets[g]) > len(f.tables["glyf"])) {
			return nil, fmt.Errorf("fonts: bad loca entry for glyph %d", g)
		}
	}
	return f, nil
}

// Name is the font's PostScript name, e.g. "DejaVuSans".
func (f *Font) Name() string { return f.name }

// TTF returns the whole font file. Callers must not modify it.
func (f *Font) TTF() []byte { return f.data }

// SFNT returns the font parsed by golang.org/x/image/font/sfnt, for callers
// that need outlines or kerning (use one sfnt.Buffer per goroutine).
func (f *Font) SFNT() *sfnt.Font { return f.sfnt }

// UnitsPerEm is the font's design unit count per em (2048 for DejaVu).
func (f *Font) UnitsPerEm() int { return f.unitsPerEm }

// Metrics returns the ascent, descent (negative), cap height and bounding
// box (xMin, yMin, xMax, yMax), all in font units.
func (f *Font) Metrics() (ascent, descent, capHeight int, bbox [4]int) {
	return f.ascent, f.descent, f.capHeight, f.bbox
}

// NumGlyphs is the number of glyphs in the font.
func (f *Font) NumGlyphs() int { return f.numGlyphs }

// Glyph returns the glyph index of r and whether the font has a glyph for
// it (glyph 0, .notdef, otherwise).
func (f *Font) Glyph(r rune) (uint16, bool) {
	f.cmapMu.Lock()
	defer f.cmapMu.Unlock()
	if g, ok := f.cmapCache[r]; ok {
		return g, g != 0
	}
	g, err := f.sfnt.GlyphIndex(&f.cmapBuf, r)
	if err != nil {
		g = 0
	}
	if len(f.cmapCache) < 1<<16 {
		f.cmapCache[r] = uint16(g)
	}
	return uint16(g), g != 0
}

// Advance is the advance width of glyph g in font units.
func (f *Font) Advance(g uint16) int {
	if int(g) >= len(f.advances) {
		return 0
	}
	return int(f.advances[g])
}

// Shaped is one glyph of a laid-out string with the text it stands for.
type Shaped struct {
	Glyph uint16
	Rune  rune
}

// Shape maps s, normalised to NFC (so a decomposed "ễ" finds the
// precomposed glyph), to glyphs one per rune, without kerning or ligatures;
// that is enough for Vietnamese, whose letters are all precomposed in the
// font. Runes without a glyph map to glyph 0.
func (f *Font) Shape(s string) []Shaped {
	s = norm.NFC.String(s)
	out := make([]Shaped, 0, len(s))
	for _, r := range s {
		g, _ := f.Glyph(r)
		out = append(out, Shaped{Glyph: g, Rune: r})
	}
	return out
}

// Missing returns the runes of s (after NFC) that the font has no glyph
// for, without duplicates; spaces and controls are not reported.
func (f *Font) Missing(s string) []rune {
	var out []rune
	seen := map[rune]bool{}
	for _, sh := range f.Shape(s) {
		if sh.Glyph == 0 && sh.Rune > ' ' && !seen[sh.Rune] {
			seen[sh.Rune] = true
			out = append(out, sh.Rune)
		}
	}
	return out
}

// Width is the advance width of s set at size points, in points.
func (f *Font) Width(s string, size float64) float64 {
	total := 0
	for _, sh := range f.Shape(s) {
		total += f.Advance(sh.Glyph)
	}
	return float64(total) * size / float64(f.unitsPerEm)
}
