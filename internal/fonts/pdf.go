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

// HexString is the PDF hex string of shaped text for the Tj operator with a
// font from EmbedPDF, e.g. "<00360048>".
func HexString(shaped []Shaped) string {
	var b strings.Builder
	b.WriteByte('<')
	for _, s := range shaped {
		fmt.Fprintf(&b, "%04X", s.Glyph)
	}
	b.WriteByte('>')
	return b.String()
}

// EmbedPDF adds to a PDF the subset of f that the texts use, as a Type0
// font with a CIDFontType2 descendant, Identity-H encoding (two-byte glyph
// indices, see HexString) and a ToUnicode CMap so that the text can be
// copied and searched, and returns the Type0 font's object number. Only
// the glyphs of texts can be shown with it.
func (f *Font) EmbedPDF(add ObjectAdder, texts ...[]Shaped) (uint32, error) {
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
	sub, err := f.Subset(glyphs)
	if err != nil {
		return 0, err
	}
	fileID, err := add.AddObject(pdfobj.FlateStream(fmt.Sprintf("/Length1 %d", len(sub)), sub))
	if err != nil {
		return 0, err
	}
	// A subset's name starts with a tag of six capitals (ISO 32000-1 9.6.4).
	sum := sha256.Sum256(fmt.Append(nil, glyphs))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := string(tag) + "+" + f.name
	scale := func(v int) int { return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm))) }
	asc, desc, capH, bb := f.ascent, f.descent, f.capHeight, f.bbox
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
	cmapID, err := add.AddObject(pdfobj.FlateStream("", cmap))
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
