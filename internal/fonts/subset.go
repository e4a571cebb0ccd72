package fonts

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

// Subset returns a TrueType font file that keeps the outlines of glyphs
// (plus .notdef and the components of composite glyphs) and empties every
// other glyph. Glyph indices are unchanged, so a PDF CIDFontType2 using it
// keeps /CIDToGIDMap /Identity. Only the tables a PDF renderer needs are
// kept (head, hhea, maxp, hmtx, loca, glyf, cmap, cvt, fpgm, prep, OS/2, and a
// post table without glyph names): a subset of DejaVu Sans for a few dozen
// glyphs is about 60 KB before compression instead of 760 KB.
func (f *Font) Subset(glyphs []uint16) ([]byte, error) {
	keep, err := f.closure(glyphs)
	if err != nil {
		return nil, err
	}
	be := binary.BigEndian
	glyf := f.tables["glyf"]
	var newGlyf bytes.Buffer
	loca := make([]byte, 4*(f.numGlyphs+1))
	for g := 0; g < f.numGlyphs; g++ {
		be.PutUint32(loca[4*g:], uint32(newGlyf.Len()))
		if keep[uint16(g)] {
			newGlyf.Write(glyf[f.glyphOffsets[g]:f.glyphOffsets[g+1]])
			for newGlyf.Len()%4 != 0 {
				newGlyf.WriteByte(0)
			}
		}
	}
	be.PutUint32(loca[4*f.numGlyphs:], uint32(newGlyf.Len()))

	head := bytes.Clone(f.tables["head"])
	be.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	be.PutUint16(head[50:], 1) // indexToLocFormat: long
	post := make([]byte, 32)
	if old := f.tables["post"]; len(old) >= 32 {
		copy(post, old[:32])
	}
	be.PutUint32(post, 0x00030000) // version 3: no glyph names

	tables := map[string][]byte{
		"head": head, "hhea": f.tables["hhea"], "maxp": f.tables["maxp"], "hmtx": f.tables["hmtx"],
		"loca": loca, "glyf": newGlyf.Bytes(), "post": post,
	}
	for _, t := range []string{"cmap", "cvt ", "fpgm", "prep", "OS/2"} {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	out := writeSFNT(tables)
	// checkSumAdjustment = 0xB1B0AFBA - checksum of the whole file.
	headOff := tableOffset(out, "head")
	be.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out, nil
}

// closure returns glyphs, .notdef and every component of composite glyphs
// among them.
func (f *Font) closure(glyphs []uint16) (map[uint16]bool, error) {
	keep := map[uint16]bool{}
	todo := append(slices.Clone(glyphs), 0)
	glyf := f.tables["glyf"]
	be := binary.BigEndian
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if int(g) >= f.numGlyphs {
			return nil, fmt.Errorf("fonts: glyph %d out of range (%d glyphs)", g, f.numGlyphs)
		}
		if keep[g] {
			continue
		}
		keep[g] = true
		data := glyf[f.glyphOffsets[g]:f.glyphOffsets[g+1]]
		if len(data) < 10 || int16(be.Uint16(data)) >= 0 {
			continue // empty or simple glyph
		}
		const (
			argWords   = 0x0001
			haveScale  = 0x0008
			moreComps  = 0x0020
			haveXYScal = 0x0040
			have2x2    = 0x0080
		)
		p := 10
		for {
			if p+4 > len(data) {
				return nil, fmt.Errorf("fonts: composite glyph %d truncated", g)
			}
			flags, comp := be.Uint16(data[p:]), be.Uint16(data[p+2:])
			if !keep[comp] {
				todo = append(todo, comp)
			}
			p += 4
			if flags&argWords != 0 {
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&haveScale != 0:
				p += 2
			case flags&haveXYScal != 0:
				p += 4
			case flags&have2x2 != 0:
				p += 8
			}
			if flags&moreComps == 0 {
				break
			}
		}
	}
	return keep, nil
}

// writeSFNT lays out a TrueType file with tables in tag order, each
// 4-byte aligned, with their checksums.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	searchRange := 16 << entrySelector
	be := binary.BigEndian
	hdr := make([]byte, 12+16*n)
	be.PutUint32(hdr, 0x00010000)
	be.PutUint16(hdr[4:], uint16(n))
	be.PutUint16(hdr[6:], uint16(searchRange))
	be.PutUint16(hdr[8:], uint16(entrySelector))
	be.PutUint16(hdr[10:], uint16(16*n-searchRange))
	var body bytes.Buffer
	off := len(hdr)
	for i, t := range tags {
		b := tables[t]
		rec := hdr[12+16*i:]
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(b))
		be.PutUint32(rec[8:], uint32(off+body.Len()))
		be.PutUint32(rec[12:], uint32(len(b)))
		body.Write(b)
		for body.Len()%4 != 0 {
			body.WriteByte(0)
		}
	}
	return append(hdr, body.Bytes()...)
}

func tableOffset(file []byte, tag string) int {
	n := int(binary.BigEndian.Uint16(file[4:]))
	for i := 0; i < n; i++ {
		rec := file[12+16*i:]
		if string(rec[:4]) == tag {
			return int(binary.BigEndian.Uint32(rec[8:]))
		}
	}
	return -1
}

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
