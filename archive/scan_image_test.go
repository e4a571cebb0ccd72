package archive_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	_ "image/jpeg"
	"image/png"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// pngHeader is a PNG signature, IHDR of w × h and, when dpm > 0, a pHYs
// chunk of dpm pixels per metre, then an empty IDAT (CRCs left zero: the
// header check does not read them).
func pngHeader(w, h, dpm uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		b.Write([]byte{0, 0, 0, 0})
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8
	chunk("IHDR", ihdr)
	if dpm > 0 {
		p := make([]byte, 9)
		binary.BigEndian.PutUint32(p, dpm)
		binary.BigEndian.PutUint32(p[4:], dpm)
		p[8] = 1
		chunk("pHYs", p)
	}
	chunk("IDAT", nil)
	return b.Bytes()
}

// jpegHeader is SOI, a JFIF APP0 of dpi dots per inch and a baseline
// frame header of w × h.
func jpegHeader(w, h, dpi uint16) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 1}
	b = binary.BigEndian.AppendUint16(b, dpi)
	b = binary.BigEndian.AppendUint16(b, dpi)
	b = append(b, 0, 0)
	b = append(b, 0xFF, 0xC0, 0, 11, 8)
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	return append(b, 1, 1, 0x11, 0, 0xFF, 0xD9)
}

// tiffFile is a little-endian TIFF of one directory per page (width,
// height, XResolution dpi/1 in inches), chained; loop points the last
// directory back at the first.
func tiffFile(pages [][2]uint32, dpi uint32, loop bool) []byte {
	b := []byte("II*\x00")
	b = binary.LittleEndian.AppendUint32(b, 8)
	for i, p := range pages {
		off := uint32(len(b))
		entries := 3
		b = binary.LittleEndian.AppendUint16(b, uint16(entries))
		entry := func(tag, typ uint16, v uint32) {
			b = binary.LittleEndian.AppendUint16(b, tag)
			b = binary.LittleEndian.AppendUint16(b, typ)
			b = binary.LittleEndian.AppendUint32(b, 1)
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		ratOff := off + 2 + uint32(entries)*12 + 4
		entry(256, 4, p[0])
		entry(257, 4, p[1])
		entry(282, 5, ratOff)
		next := ratOff + 8
		switch {
		case i == len(pages)-1 && loop:
			next = 8
		case i == len(pages)-1:
			next = 0
		}
		b = binary.LittleEndian.AppendUint32(b, next)
		b = binary.LittleEndian.AppendUint32(b, dpi)
		b = binary.LittleEndian.AppendUint32(b, 1)
	}
	return b
}

func realPNG(t testing.TB, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestInspectPageImage: formats, sizes, pages and resolutions come from
// the headers; a declared 100000 × 100000 page is refused before any
// pixel is read (the file is a few bytes), as are pages past the side
// limit, cut and looping headers, and other content.
func TestInspectPageImage(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want archive.PageImage
		code string
	}{
		{"the test page", scanPage(t), archive.PageImage{Format: archive.ScanPNG, Width: 1700, Height: 2200, Pages: 1, DPI: 200}, ""},
		{"png of Go", realPNG(t, 30, 20), archive.PageImage{Format: archive.ScanPNG, Width: 30, Height: 20, Pages: 1}, ""},
		{"png 300 dpi", pngHeader(2480, 3508, 11811), archive.PageImage{Format: archive.ScanPNG, Width: 2480, Height: 3508, Pages: 1, DPI: 300}, ""},
		{"jpeg 300 dpi", jpegHeader(2480, 3508, 300), archive.PageImage{Format: archive.ScanJPEG, Width: 2480, Height: 3508, Pages: 1, DPI: 300}, ""},
		{"tiff of 3 pages", tiffFile([][2]uint32{{2480, 3508}, {2480, 3508}, {1240, 1754}}, 300, false), archive.PageImage{Format: archive.ScanTIFF, Width: 2480, Height: 3508, Pages: 3, DPI: 300}, ""},
		{"png 100000²", pngHeader(100000, 100000, 0), archive.PageImage{}, "scan_page_too_large"},
		{"jpeg 60000 wide", jpegHeader(60000, 100, 0), archive.PageImage{}, "scan_page_too_large"},
		{"png 11000² (over the pixel limit)", pngHeader(11000, 11000, 0), archive.PageImage{}, "scan_page_too_large"},
		{"tiff with a huge second page", tiffFile([][2]uint32{{100, 100}, {100000, 100000}}, 300, false), archive.PageImage{}, "scan_page_too_large"},
		{"tiff looping", tiffFile([][2]uint32{{100, 100}, {100, 100}}, 300, true), archive.PageImage{}, "scan_page_corrupt"},
		{"png cut", pngHeader(100, 100, 0)[:20], archive.PageImage{}, "scan_page_corrupt"},
		{"png 0 wide", pngHeader(0, 100, 0), archive.PageImage{}, "scan_page_corrupt"},
		{"jpeg without a frame", []byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0, 0}, archive.PageImage{}, "scan_page_corrupt"},
		{"a PDF", []byte("%PDF-1.7\n%%EOF\n"), archive.PageImage{}, "scan_page_type"},
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), archive.PageImage{}, "scan_page_type"},
		{"empty", nil, archive.PageImage{}, "scan_page_type"},
	} {
		got, err := archive.InspectPageImage(bytes.NewReader(c.data), int64(len(c.data)))
		if code, _ := kerr.Public(err); (err == nil) != (c.code == "") || (err != nil && code != c.code) {
			t.Errorf("%s: error %v; want %q", c.name, err, c.code)
			continue
		}
		if got != c.want {
			t.Errorf("%s: %+v; want %+v", c.name, got, c.want)
		}
	}
}

// FuzzInspectPageImage: any bytes give a page within the limits or a
// classified error, never a panic; a PNG or JPEG the standard library
// also reads has the size it reads.
func FuzzInspectPageImage(f *testing.F) {
	f.Add(pngHeader(1654, 2339, 7874))
	f.Add(jpegHeader(2480, 3508, 300))
	f.Add(tiffFile([][2]uint32{{2480, 3508}, {100, 100}}, 300, false))
	f.Add(tiffFile([][2]uint32{{100, 100}}, 300, true))
	f.Add(realPNG(f, 3, 2))
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x00\x00\x03\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := archive.InspectPageImage(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		if p.Width <= 0 || p.Height <= 0 || p.Width > archive.MaxScanSide || p.Height > archive.MaxScanSide ||
			int64(p.Width)*int64(p.Height) > archive.MaxScanPixels || p.Pages < 1 || p.DPI < 0 {
			t.Fatalf("page out of bounds: %+v", p)
		}
		if p.Format == archive.ScanTIFF {
			return
		}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && (cfg.Width != p.Width || cfg.Height != p.Height) {
			t.Fatalf("inspected %d × %d, the standard library reads %d × %d", p.Width, p.Height, cfg.Width, cfg.Height)
		}
	})
}
