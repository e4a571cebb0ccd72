package fonts

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// vietnamese is every letter of the Vietnamese alphabet with every tone mark,
// lower and upper case.
const vietnamese = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ" +
	"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ0123456789:/.,-()"

func TestDejaVuCoversVietnamese(t *testing.T) {
	f := DejaVuSans()
	if m := f.Missing(vietnamese); len(m) != 0 {
		t.Fatalf("no glyph for %q", string(m))
	}
	if f.Name() != "DejaVuSans" || f.UnitsPerEm() != 2048 || f.NumGlyphs() < 5000 {
		t.Fatalf("name %q, %d units per em, %d glyphs", f.Name(), f.UnitsPerEm(), f.NumGlyphs())
	}
	// A decomposed "ễ" (e + circumflex + tilde) finds the precomposed glyph.
	dec, pre := f.Shape("e\u0302\u0303"), f.Shape("ễ")
	if len(dec) != 1 || dec[0] != pre[0] {
		t.Fatalf("decomposed %v, precomposed %v", dec, pre)
	}
	if m := f.Missing("中"); len(m) != 1 {
		t.Fatalf("Missing(中) = %q", string(m))
	}
}

func TestWidthMatchesSFNT(t *testing.T) {
	f := DejaVuSans()
	var buf sfnt.Buffer
	for _, r := range "AWiễỰ " {
		g, ok := f.Glyph(r)
		if !ok && r != ' ' {
			t.Fatalf("no glyph for %q", r)
		}
		adv, err := f.SFNT().GlyphAdvance(&buf, sfnt.GlyphIndex(g), fixed.I(f.UnitsPerEm()), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := f.Advance(g), adv.Round(); got != want {
			t.Errorf("%q: advance %d, sfnt says %d", r, got, want)
		}
	}
	// "Nguyễn Thị Ngọc Ánh" at 10 pt: the sum of its glyph advances.
	w := f.Width("Nguyễn Thị Ngọc Ánh", 10)
	if w < 80 || w > 130 {
		t.Fatalf("width %.1f pt is not plausible", w)
	}
	if f.Width("", 10) != 0 {
		t.Fatal("empty string has width")
	}
}

func TestSubset(t *testing.T) {
	f := DejaVuSans()
	text := f.Shape("Nguyễn Thị Ngọc Ánh — Ủy ban nhân dân phường Bến Thành")
	sub, newID, err := f.Subset(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub) > 16<<10 {
		t.Fatalf("subset is %d bytes", len(sub))
	}
	sf, err := sfnt.Parse(sub)
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	// Glyphs are renumbered: .notdef first, the glyphs shown, and the
	// components of composite glyphs (Vietnamese letters are composites).
	if sf.NumGlyphs() != len(newID) || newID[0] != 0 || sf.NumGlyphs() < 30 || sf.NumGlyphs() > 80 {
		t.Fatalf("subset has %d glyphs, map %d", sf.NumGlyphs(), len(newID))
	}
	var b1, b2 sfnt.Buffer
	ppem := fixed.I(f.UnitsPerEm())
	for _, s := range text {
		want, err := f.SFNT().LoadGlyph(&b1, sfnt.GlyphIndex(s.Glyph), ppem, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, ok := newID[s.Glyph]
		if !ok {
			t.Fatalf("%q not in the subset", s.Rune)
		}
		got, err := sf.LoadGlyph(&b2, sfnt.GlyphIndex(id), ppem, nil)
		if err != nil {
			t.Fatalf("%q: %v", s.Rune, err)
		}
		if len(got) != len(want) || len(want) == 0 && s.Rune != ' ' {
			t.Fatalf("%q: %d segments in the subset, %d in the font", s.Rune, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: segment %d differs", s.Rune, i)
			}
		}
		// The subset's cmap and advances agree.
		if g, err := sf.GlyphIndex(&b2, s.Rune); err != nil || uint16(g) != id {
			t.Fatalf("cmap(%q) = %d, %v; want %d", s.Rune, g, err, id)
		}
		adv, err := sf.GlyphAdvance(&b2, sfnt.GlyphIndex(id), ppem, 0)
		if err != nil || adv.Round() != f.Advance(s.Glyph) {
			t.Fatalf("%q: advance %v, want %d (%v)", s.Rune, adv.Round(), f.Advance(s.Glyph), err)
		}
	}
	// A glyph not asked for is not in the subset.
	if z, _ := f.Glyph('Z'); newID[z] != 0 {
		t.Fatal("'Z' is in the subset")
	}
	if g, _ := sf.GlyphIndex(&b2, 'Z'); g != 0 {
		t.Fatal("the subset's cmap maps 'Z'")
	}
	// The whole-file checksum is the magic number.
	if checksum(sub) != 0xB1B0AFBA {
		t.Fatalf("file checksum %#x", checksum(sub))
	}
	// Deterministic.
	again, _, _ := f.Subset(text)
	if !bytes.Equal(sub, again) {
		t.Fatal("subset differs between runs")
	}
	if _, _, err := f.Subset([]Shaped{{Glyph: 65535, Rune: 'x'}}); err == nil {
		t.Fatal("glyph out of range accepted")
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("not a font"), DejaVuSans().TTF()[:200]} {
		if _, err := Parse("x", b); err == nil {
			t.Fatalf("Parse(%d bytes) accepted", len(b))
		}
	}
}

// objectList collects PDF objects numbered from 1.
type objectList [][]byte

func (l *objectList) AddObject(b []byte) (uint32, error) {
	*l = append(*l, b)
	return uint32(len(*l)), nil
}

func TestPDFFont(t *testing.T) {
	f := DejaVuSans()
	text := f.Shape("Ủy ban")
	p, err := f.NewPDFFont(text)
	if err != nil {
		t.Fatal(err)
	}
	var objs objectList
	id, err := p.Embed(&objs)
	if err != nil {
		t.Fatal(err)
	}
	// Font file, descriptor, CIDFont, ToUnicode, Type0 (last).
	if len(objs) != 5 || int(id) != len(objs) {
		t.Fatalf("%d objects, Type0 is %d", len(objs), id)
	}
	type0 := string(objs[id-1])
	for _, want := range []string{"/Subtype /Type0", "/Encoding /Identity-H", "/DescendantFonts [3 0 R]", "/ToUnicode 4 0 R", "+DejaVuSans"} {
		if !strings.Contains(type0, want) {
			t.Fatalf("Type0 font %q lacks %q", type0, want)
		}
	}
	if cid := string(objs[2]); !strings.Contains(cid, "/CIDToGIDMap /Identity") || !strings.Contains(cid, "/FontDescriptor 2 0 R") {
		t.Fatalf("CIDFont %q", cid)
	}
	// Codes are the subset's glyph indices: small numbers, .notdef for a
	// character the subset lacks.
	if hs := p.Hex(text); len(hs) != 2+4*6 || !strings.HasPrefix(hs, "<00") {
		t.Fatalf("Hex %q", hs)
	}
	if hs := p.Hex(f.Shape("Z")); hs != "<0000>" {
		t.Fatalf("Hex(Z) %q", hs)
	}
	if p.Key() != SubsetKey(text) || p.Key() == SubsetKey(f.Shape("Ủy ban!")) {
		t.Fatal("subset keys")
	}
}
