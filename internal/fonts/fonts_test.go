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
	text := "Nguyễn Thị Ngọc Ánh — Ủy ban nhân dân phường Bến Thành"
	var glyphs []uint16
	for _, s := range f.Shape(text) {
		glyphs = append(glyphs, s.Glyph)
	}
	sub, err := f.Subset(glyphs)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub) > 120<<10 {
		t.Fatalf("subset is %d bytes", len(sub))
	}
	sf, err := sfnt.Parse(sub)
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	if sf.NumGlyphs() != f.NumGlyphs() {
		t.Fatalf("subset has %d glyphs, want %d (indices kept)", sf.NumGlyphs(), f.NumGlyphs())
	}
	var b1, b2 sfnt.Buffer
	ppem := fixed.I(f.UnitsPerEm())
	for _, s := range f.Shape(text) {
		want, err := f.SFNT().LoadGlyph(&b1, sfnt.GlyphIndex(s.Glyph), ppem, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sf.LoadGlyph(&b2, sfnt.GlyphIndex(s.Glyph), ppem, nil)
		if err != nil {
			t.Fatalf("%q: %v", s.Rune, err)
		}
		if len(got) != len(want) || len(want) == 0 && s.Rune != ' ' {
			t.Fatalf("%q: %d segments in the subset, %d in the font", s.Rune, len(got), len(want))
		}
	}
	// A glyph not asked for is empty in the subset.
	z, _ := f.Glyph('Z')
	if segs, err := sf.LoadGlyph(&b2, sfnt.GlyphIndex(z), ppem, nil); err != nil || len(segs) != 0 {
		t.Fatalf("'Z' in the subset: %d segments, %v", len(segs), err)
	}
	// The whole-file checksum is the magic number.
	if checksum(sub) != 0xB1B0AFBA {
		t.Fatalf("file checksum %#x", checksum(sub))
	}
	// Deterministic.
	again, _ := f.Subset(glyphs)
	if !bytes.Equal(sub, again) {
		t.Fatal("subset differs between runs")
	}
	if _, err := f.Subset([]uint16{65535}); err == nil {
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

func TestEmbedPDF(t *testing.T) {
	f := DejaVuSans()
	text := f.Shape("Ủy ban")
	var objs objectList
	id, err := f.EmbedPDF(&objs, text)
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
	if hs := HexString(text); len(hs) != 2+4*6 || hs[0] != '<' {
		t.Fatalf("HexString %q", hs)
	}
}
