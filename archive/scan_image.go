package archive

import (
	"encoding/binary"
	"io"
	"math"

	"github.com/kho-vn/kho/internal/kerr"
)

// Limits of one scanned page image, checked from its header before
// anything decodes it. An A3 page at 600 DPI is about 7,000 × 9,900
// pixels; twice that on a side is refused.
const (
	// MaxScanSide is the largest width or height of a page, in pixels.
	MaxScanSide = 20000
	// MaxScanPixels is the largest width × height of a page.
	MaxScanPixels = 120_000_000
	// maxTIFFPages bounds the pages of one TIFF file (the batch's own
	// limit, MaxScanPages, applies too).
	maxTIFFPages = 1000
	// maxTIFFEntries bounds the entries of one TIFF directory.
	maxTIFFEntries = 512
	// maxImageSegments bounds the chunks (PNG) or segments (JPEG) read
	// before the dimensions are found.
	maxImageSegments = 1000
)

// Formats of scanned page images.
const (
	ScanJPEG = "image/jpeg"
	ScanPNG  = "image/png"
	ScanTIFF = "image/tiff"
)

// PageImage is what the header of a scanned page image says: its format,
// the size of its first page in pixels, its pages (a TIFF may hold
// several; 1 otherwise) and its resolution in dots per inch (0 when the
// file does not say).
type PageImage struct {
	Format string `json:"format"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Pages  int    `json:"pages"`
	DPI    int    `json:"dpi"`
}

// InspectPageImage reads the header of a page image of size bytes: JPEG,
// PNG or TIFF by its magic bytes, the dimensions and resolution of every
// page, without decoding any pixel. Errors (kerr Invalid):
// "scan_page_type" for any other content, "scan_page_corrupt" for a
// header that is cut or inconsistent; TooLarge "scan_page_too_large" for
// a page over MaxScanSide or MaxScanPixels and "scan_page_too_many" for a
// TIFF of more than 1000 pages. Only a bounded part of r is read.
func InspectPageImage(r io.ReaderAt, size int64) (PageImage, error) {
	var head [8]byte
	if size < 8 {
		return PageImage{}, pageType()
	}
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return PageImage{}, pageCorrupt("read the header: %v", err)
	}
	var (
		p   PageImage
		err error
	)
	switch {
	case string(head[:8]) == "\x89PNG\r\n\x1a\n":
		p, err = inspectPNG(r, size)
	case head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		p, err = inspectJPEG(r, size)
	case string(head[:4]) == "II*\x00" || string(head[:4]) == "MM\x00*":
		p, err = inspectTIFF(r, size, head[0] == 'I')
	default:
		return PageImage{}, pageType()
	}
	if err != nil {
		return PageImage{}, err
	}
	if err := checkPageSize(p.Width, p.Height); err != nil {
		return PageImage{}, err
	}
	return p, nil
}

func pageType() error {
	return kerr.New(kerr.Invalid, "scan_page_type", "Trang quét phải là ảnh JPEG, PNG hoặc TIFF.", "not a JPEG, PNG or TIFF image")
}

func pageCorrupt(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "scan_page_corrupt", "Ảnh trang quét bị hỏng hoặc không đọc được.", detail, args...)
}

func checkPageSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return pageCorrupt("page of %d × %d pixels", w, h)
	}
	if w > MaxScanSide || h > MaxScanSide || int64(w)*int64(h) > MaxScanPixels {
		return kerr.New(kerr.TooLarge, "scan_page_too_large",
			"Ảnh trang quét quá lớn (tối đa 20.000 điểm ảnh mỗi chiều, 120 triệu điểm ảnh).", "page of %d × %d pixels", w, h)
	}
	return nil
}

// readAt reads n bytes at off, or fails as corrupt when the file is
// shorter.
func readAt(r io.ReaderAt, size, off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off > size || int64(n) > size-off {
		return nil, pageCorrupt("%d bytes at %d past the end (%d)", n, off, size)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !(err == io.EOF && n == 0) {
		return nil, pageCorrupt("read %d bytes at %d: %v", n, off, err)
	}
	return b, nil
}

// inspectPNG reads IHDR and, before the first IDAT, pHYs.
func inspectPNG(r io.ReaderAt, size int64) (PageImage, error) {
	p := PageImage{Format: ScanPNG, Pages: 1}
	off := int64(8)
	for i := 0; i < maxImageSegments; i++ {
		h, err := readAt(r, size, off, 8)
		if err != nil {
			return PageImage{}, err
		}
		n, typ := int64(binary.BigEndian.Uint32(h[:4])), string(h[4:8])
		if n > size-off-12 {
			return PageImage{}, pageCorrupt("PNG chunk %q of %d bytes past the end", typ, n)
		}
		switch {
		case i == 0 && typ != "IHDR":
			return PageImage{}, pageCorrupt("PNG starts with %q, not IHDR", typ)
		case typ == "IHDR":
			if i != 0 || n != 13 {
				return PageImage{}, pageCorrupt("PNG IHDR of %d bytes", n)
			}
			b, err := readAt(r, size, off+8, 8)
			if err != nil {
				return PageImage{}, err
			}
			p.Width, p.Height = pngDim(b[:4]), pngDim(b[4:8])
		case typ == "pHYs" && n == 9:
			b, err := readAt(r, size, off+8, 9)
			if err != nil {
				return PageImage{}, err
			}
			if b[8] == 1 { // pixels per metre
				p.DPI = dpiOf(float64(binary.BigEndian.Uint32(b[:4])) * 0.0254)
			}
		case typ == "IDAT" || typ == "IEND":
			return p, nil
		}
		off += 12 + n
	}
	return PageImage{}, pageCorrupt("PNG: no image data in the first %d chunks", maxImageSegments)
}

// pngDim is a PNG dimension: at most 2³¹−1; larger ones are returned as
// too large.
func pngDim(b []byte) int {
	v := binary.BigEndian.Uint32(b)
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// dpiOf rounds a resolution; nonsense (≤ 0 or over 100,000) is 0.
func dpiOf(v float64) int {
	if !(v > 0) || v > 100000 {
		return 0
	}
	return int(math.Round(v))
}

// inspectJPEG walks the marker segments to the first start of frame,
// reading the JFIF density on the way.
func inspectJPEG(r io.ReaderAt, size int64) (PageImage, error) {
	p := PageImage{Format: ScanJPEG, Pages: 1}
	off := int64(2)
	for i := 0; i < maxImageSegments; i++ {
		h, err := readAt(r, size, off, 4)
		if err != nil {
			return PageImage{}, err
		}
		if h[0] != 0xFF {
			return PageImage{}, pageCorrupt("JPEG: no marker at %d", off)
		}
		m := h[1]
		if m == 0xFF { // fill byte
			off++
			continue
		}
		if m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			off += 2
			continue
		}
		if m == 0xD9 || m == 0xDA {
			return PageImage{}, pageCorrupt("JPEG: image data before the frame header")
		}
		n := int64(binary.BigEndian.Uint16(h[2:4]))
		if n < 2 {
			return PageImage{}, pageCorrupt("JPEG segment of %d bytes", n)
		}
		switch {
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			b, err := readAt(r, size, off+4, 5)
			if err != nil {
				return PageImage{}, err
			}
			p.Height, p.Width = int(binary.BigEndian.Uint16(b[1:3])), int(binary.BigEndian.Uint16(b[3:5]))
			return p, nil
		case m == 0xE0 && n >= 16:
			b, err := readAt(r, size, off+4, 12)
			if err != nil {
				return PageImage{}, err
			}
			if string(b[:5]) == "JFIF\x00" {
				x := float64(binary.BigEndian.Uint16(b[8:10]))
				switch b[7] {
				case 1:
					p.DPI = dpiOf(x)
				case 2:
					p.DPI = dpiOf(x * 2.54)
				}
			}
		}
		off += 2 + n
	}
	return PageImage{}, pageCorrupt("JPEG: no frame header in the first %d segments", maxImageSegments)
}

// inspectTIFF walks the chain of image directories: every page's size is
// checked, the first page's is returned with the number of pages.
func inspectTIFF(r io.ReaderAt, size int64, little bool) (PageImage, error) {
	var bo binary.ByteOrder = binary.BigEndian
	if little {
		bo = binary.LittleEndian
	}
	h, err := readAt(r, size, 4, 4)
	if err != nil {
		return PageImage{}, err
	}
	p := PageImage{Format: ScanTIFF}
	seen := map[uint32]bool{}
	for ifd := bo.Uint32(h); ifd != 0; {
		if seen[ifd] {
			return PageImage{}, pageCorrupt("TIFF: directories loop at %d", ifd)
		}
		seen[ifd] = true
		if p.Pages == maxTIFFPages {
			return PageImage{}, kerr.New(kerr.TooLarge, "scan_page_too_many", "Tệp TIFF có quá nhiều trang (tối đa 1000).", "TIFF of more than %d pages", maxTIFFPages)
		}
		c, err := readAt(r, size, int64(ifd), 2)
		if err != nil {
			return PageImage{}, err
		}
		n := int(bo.Uint16(c))
		if n == 0 || n > maxTIFFEntries {
			return PageImage{}, pageCorrupt("TIFF directory of %d entries", n)
		}
		es, err := readAt(r, size, int64(ifd)+2, n*12+4)
		if err != nil {
			return PageImage{}, err
		}
		w, ht, dpi, err := tiffPage(r, size, bo, es[:n*12])
		if err != nil {
			return PageImage{}, err
		}
		if err := checkPageSize(w, ht); err != nil {
			return PageImage{}, err
		}
		if p.Pages == 0 {
			p.Width, p.Height, p.DPI = w, ht, dpi
		}
		p.Pages++
		ifd = bo.Uint32(es[n*12:])
	}
	if p.Pages == 0 {
		return PageImage{}, pageCorrupt("TIFF without an image directory")
	}
	return p, nil
}

// tiffPage reads the width, height and horizontal resolution of one
// directory's entries.
func tiffPage(r io.ReaderAt, size int64, bo binary.ByteOrder, es []byte) (w, h, dpi int, err error) {
	unit, xres := 2, 0.0 // ResolutionUnit defaults to inches
	for i := 0; i+12 <= len(es); i += 12 {
		e := es[i : i+12]
		tag, typ, count := bo.Uint16(e[0:2]), bo.Uint16(e[2:4]), bo.Uint32(e[4:8])
		short := func() int {
			if typ == 3 {
				return int(bo.Uint16(e[8:10]))
			}
			v := bo.Uint32(e[8:12])
			if v > math.MaxInt32 {
				return math.MaxInt32
			}
			return int(v)
		}
		switch tag {
		case 256:
			w = short()
		case 257:
			h = short()
		case 296:
			unit = short()
		case 282:
			if typ != 5 || count != 1 {
				continue
			}
			b, err := readAt(r, size, int64(bo.Uint32(e[8:12])), 8)
			if err != nil {
				return 0, 0, 0, err
			}
			if d := bo.Uint32(b[4:]); d != 0 {
				xres = float64(bo.Uint32(b[:4])) / float64(d)
			}
		}
	}
	switch unit {
	case 2:
		dpi = dpiOf(xres)
	case 3:
		dpi = dpiOf(xres * 2.54)
	}
	return w, h, dpi, nil
}
