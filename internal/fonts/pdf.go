package fonts

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/kho-vn/kho/internal/pdfobj"
)

// ObjectAdder adds an object to a PDF being written (see pdfobj).
type ObjectAdder = pdfobj.ObjectAdder

// PDFFont is a subset of a Font made ready for PDFs once: a Type0 font with
// a CIDFontType2 descendant, Identity-H encoding (two-byte glyph indices of
// the subset, see Hex) and a ToUnicode CMap so that the text can be copied
// and searched. It is immutable and can be embedded in many documents.
type PDFFont struct {
	key              string
	newID            map[uint16]uint16 // original glyph → subset glyph
	name             string            // with the subset tag
	file, cmap       []byte            // stream objects
	descriptor, cidW string            // FontDescriptor without /FontFile2; the W array
	dw               int
}

// NewPDFFont makes the subset of f that shows the texts. Only their glyphs
// can be shown with it.
func (f *Font) NewPDFFont(texts ...[]Shaped) (*PDFFont, error) {
	glyphs, toUni := glyphSet(texts)
	sub, newID, err := f.Subset(texts...)
	if err != nil {
		return nil, err
	}
	p := &PDFFont{key: SubsetKey(texts...), newID: newID}
	// A subset's name starts with a tag of six capitals (ISO 32000-1 9.6.4).
	sum := sha256.Sum256([]byte(p.key))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	p.name = string(tag) + "+" + f.name
	p.file = pdfobj.FlateStream(fmt.Sprintf("/Length1 %d", len(sub)), sub)
	p.cmap = pdfobj.FlateStream("", toUnicodeCMap(glyphs, toUni, newID))
	scale := func(v int) int { return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm))) }
	bb := f.bbox
	p.descriptor = fmt.Sprintf("/Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80",
		p.name, scale(bb[0]), scale(bb[1]), scale(bb[2]), scale(bb[3]), scale(f.ascent), scale(f.descent), scale(f.capHeight))
	var widths strings.Builder
	for _, g := range glyphs {
		fmt.Fprintf(&widths, "%d [%d] ", newID[g], scale(f.Advance(g)))
	}
	p.cidW, p.dw = widths.String(), scale(f.Advance(0))
	return p, nil
}

// SubsetKey names the glyph set of texts (with the text each glyph stands
// for): two texts with the same key make the same PDFFont, so it can key a
// cache of them.
func SubsetKey(texts ...[]Shaped) string {
	glyphs, seen := glyphSet(texts)
	var b strings.Builder
	for _, g := range glyphs {
		fmt.Fprintf(&b, "%d:%d,", g, seen[g])
	}
	return b.String()
}

// glyphSet returns the glyphs of texts, sorted, without .notdef, and the
// text each first stood for.
func glyphSet(texts [][]Shaped) ([]uint16, map[uint16]rune) {
	toUni := map[uint16]rune{}
	for _, ln := range texts {
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
	return glyphs, toUni
}

// Hex is the PDF hex string of shaped text for the Tj operator with this
// font, e.g. "<00120005>"; glyphs not in the subset show as .notdef.
func (p *PDFFont) Hex(shaped []Shaped) string {
	var b strings.Builder
	b.WriteByte('<')
	for _, s := range shaped {
		fmt.Fprintf(&b, "%04X", p.newID[s.Glyph])
	}
	b.WriteByte('>')
	return b.String()
}

// Key is SubsetKey of the texts the font was made for.
func (p *PDFFont) Key() string { return p.key }

// Embed adds the font's objects through add and returns the Type0 font's
// object number.
func (p *PDFFont) Embed(add ObjectAdder) (uint32, error) {
	fileID, err := add.AddObject(p.file)
	if err != nil {
		return 0, err
	}
	descID, err := add.AddObject(fmt.Appendf(nil, "<< %s /FontFile2 %d 0 R >>", p.descriptor, fileID))
	if err != nil {
		return 0, err
	}
	cidID, err := add.AddObject(fmt.Appendf(nil, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %d /W [%s] /CIDToGIDMap /Identity >>",
		p.name, descID, p.dw, p.cidW))
	if err != nil {
		return 0, err
	}
	cmapID, err := add.AddObject(p.cmap)
	if err != nil {
		return 0, err
	}
	return add.AddObject(fmt.Appendf(nil, "<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", p.name, cidID, cmapID))
}

// toUnicodeCMap maps each two-byte glyph code to its text (ISO 32000-1
// 9.10.3), in blocks of at most 100 entries.
func toUnicodeCMap(glyphs []uint16, text map[uint16]rune, newID map[uint16]uint16) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(glyphs); i += 100 {
		blk := glyphs[i:min(i+100, len(glyphs))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(blk))
		for _, g := range blk {
			fmt.Fprintf(&b, "<%04X> <", newID[g])
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
