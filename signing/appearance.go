package signing

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"image"
	_ "image/jpeg" // signature and seal images may be JPEG
	_ "image/png"  // or PNG, usually with transparency
	"math"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// AppearanceKind says what a visible signature shows (Decree 30/2020/NĐ-CP,
// appendix I): a person's signature image with their full name, or an
// organisation's seal image with the agency name and the signing time.
type AppearanceKind int

// The kinds of visible signature.
const (
	AppearancePersonal AppearanceKind = iota + 1 // signature image and full name
	AppearanceSeal                               // seal image, agency and signing time
)

// ParseAppearanceKind parses "personal" or "seal". Anything else is kerr
// Invalid visible_kind_unknown.
func ParseAppearanceKind(s string) (AppearanceKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "personal", "":
		return AppearancePersonal, nil
	case "seal":
		return AppearanceSeal, nil
	}
	return 0, kerr.New(kerr.Invalid, "visible_kind_unknown", "Loại hình ảnh chữ ký không hợp lệ; chọn personal (chữ ký cá nhân) hoặc seal (con dấu cơ quan).", "unknown appearance kind %q", s)
}

// Appearance places a visible signature on a page. Set either Rect or
// Anchor.
type Appearance struct {
	// Page is the 1-based page number; zero means 1. With an Anchor, zero
	// means the first page on which the anchor text is found.
	Page int
	// Rect is the box in PDF points, x1, y1, x2, y2, origin at the bottom
	// left of the page's MediaBox.
	Rect [4]float64
	// Anchor places the box relative to a text found on the page.
	Anchor *Anchor
	// Kind is personal (the zero value) or seal.
	Kind AppearanceKind
	// Image is a PNG or JPEG: the handwritten signature or the red seal,
	// best with a transparent background. Optional.
	Image []byte
	// Lines are the text lines shown. Nil means the defaults: the signer's
	// name for personal; "Cơ quan: <organisation>" and "Thời gian ký: <time
	// in Vietnam>" for seal. An empty, non-nil slice shows no text.
	Lines []string
}

// AnchorPlace is where the box goes relative to the anchor text.
type AnchorPlace int

// Places relative to the anchor text.
const (
	AnchorBelow AnchorPlace = iota // under the text, horizontally centred on it (the default)
	AnchorOver                     // centred on the text, covering it
	AnchorAbove                    // above the text, horizontally centred on it
	AnchorRight                    // right of the text, vertically centred on it
)

// ParseAnchorPlace parses "below", "over", "above" or "right".
func ParseAnchorPlace(s string) (AnchorPlace, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "below", "":
		return AnchorBelow, nil
	case "over":
		return AnchorOver, nil
	case "above":
		return AnchorAbove, nil
	case "right":
		return AnchorRight, nil
	}
	return 0, kerr.New(kerr.Invalid, "visible_anchor_place_unknown", "Vị trí so với đoạn văn bản neo không hợp lệ; chọn below, over, above hoặc right.", "unknown anchor place %q", s)
}

// Anchor is a text on the page the signature box is placed against, such
// as the signer's title ("CHỦ TỊCH") above the signature space.
type Anchor struct {
	// Text is matched ignoring white space (text in PDFs is often split
	// into pieces placed one by one) and after Unicode NFC normalisation.
	Text string
	// Occurrence picks the n-th match on the page (1-based); zero means the
	// first.
	Occurrence int
	// Place is where the box goes relative to the text.
	Place AnchorPlace
	// Width and Height are the box size in points; zero means 170 × 70.
	Width, Height float64
	// Gap is the distance between text and box in points (below, above,
	// right); zero means 4.
	Gap float64
}

// Limits on signature and seal images.
const (
	maxImageBytes  = 4 << 20
	maxImagePixels = 4000
	maxLines       = 8
	maxLineRunes   = 200
	defaultBoxW    = 170
	defaultBoxH    = 70
)

// vietnamTime is Vietnam's time zone (UTC+7, no daylight saving time).
var vietnamTime = time.FixedZone("ICT", 7*3600)

// visibleCache holds what a Signer's visible signatures share across the
// documents it signs: the image, decoded and compressed once, and the font
// subsets of the texts shown.
type visibleCache struct {
	image *pdfobj.Image // nil without an image
	mu    sync.Mutex
	fonts map[string]*fonts.PDFFont // by fonts.SubsetKey
}

// maxCachedFonts bounds visibleCache.fonts; the seal's time line keeps the
// key constant (digits are always in the subset), so few are needed.
const maxCachedFonts = 16

// font returns the subset of f for texts, made once per glyph set.
func (c *visibleCache) font(f *fonts.Font, texts [][]fonts.Shaped) (*fonts.PDFFont, error) {
	key := fonts.SubsetKey(texts...)
	c.mu.Lock()
	p, ok := c.fonts[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := f.NewPDFFont(texts...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.fonts) >= maxCachedFonts {
		clear(c.fonts)
	}
	c.fonts[key] = p
	c.mu.Unlock()
	return p, nil
}

// prepareVisible checks a visible signature's options for New and
// prepares its image once for all the documents the Signer signs.
func prepareVisible(v Appearance, cert Certification) (*Appearance, *visibleCache, error) {
	if err := v.validate(); err != nil {
		return nil, nil, err
	}
	if cert != CertifyNone {
		return nil, nil, kerr.New(kerr.Invalid, "visible_certification_unsupported", "Chữ ký chứng nhận (DocMDP) chưa hỗ trợ hiển thị hình ảnh; hãy ký chứng nhận không hiển thị hoặc ký phê duyệt có hiển thị.", "pdfsign allows visible approval signatures only")
	}
	c := &visibleCache{fonts: map[string]*fonts.PDFFont{}}
	if len(v.Image) > 0 {
		img, err := decodeImage(v.Image)
		if err != nil {
			return nil, nil, err
		}
		c.image = pdfobj.NewImage(img)
	}
	return &v, c, nil
}

// validate checks what can be checked before seeing the document.
func (a *Appearance) validate() error {
	if a.Kind == 0 {
		a.Kind = AppearancePersonal
	}
	if a.Kind != AppearancePersonal && a.Kind != AppearanceSeal {
		return kerr.New(kerr.Invalid, "visible_kind_unknown", "Loại hình ảnh chữ ký không hợp lệ.", "appearance kind %d", int(a.Kind))
	}
	if a.Page < 0 {
		return kerr.New(kerr.Invalid, "visible_page_invalid", "Số trang đặt chữ ký phải từ 1 trở lên.", "page %d", a.Page)
	}
	hasRect := a.Rect != [4]float64{}
	switch {
	case hasRect && a.Anchor != nil:
		return kerr.New(kerr.Invalid, "visible_rect_and_anchor", "Chỉ chọn một cách đặt chữ ký: theo tọa độ hoặc theo đoạn văn bản neo.", "both Rect and Anchor are set")
	case !hasRect && a.Anchor == nil:
		return kerr.New(kerr.Invalid, "visible_position_missing", "Thiếu vị trí đặt chữ ký: cần tọa độ khung hoặc đoạn văn bản neo.", "neither Rect nor Anchor is set")
	case hasRect:
		if err := checkRect(a.Rect); err != nil {
			return err
		}
	default:
		an := a.Anchor
		if strings.Join(strings.Fields(an.Text), "") == "" {
			return kerr.New(kerr.Invalid, "visible_anchor_empty", "Đoạn văn bản neo không được để trống.", "empty anchor text")
		}
		if an.Occurrence < 0 || an.Width < 0 || an.Height < 0 || an.Gap < 0 || bad(an.Width) || bad(an.Height) || bad(an.Gap) {
			return kerr.New(kerr.Invalid, "visible_anchor_invalid", "Kích thước khung chữ ký hoặc thứ tự đoạn văn bản neo không hợp lệ.", "anchor %+v", *an)
		}
		if an.Place < AnchorBelow || an.Place > AnchorRight {
			return kerr.New(kerr.Invalid, "visible_anchor_place_unknown", "Vị trí so với đoạn văn bản neo không hợp lệ.", "anchor place %d", int(an.Place))
		}
	}
	if len(a.Lines) > maxLines {
		return kerr.New(kerr.Invalid, "visible_text_too_long", fmt.Sprintf("Chữ ký hiển thị có tối đa %d dòng chữ.", maxLines), "%d lines", len(a.Lines))
	}
	for _, l := range a.Lines {
		if utf8.RuneCountInString(l) > maxLineRunes || strings.ContainsFunc(l, unicode.IsControl) || !utf8.ValidString(l) {
			return kerr.New(kerr.Invalid, "visible_text_too_long", fmt.Sprintf("Mỗi dòng chữ của chữ ký hiển thị có tối đa %d ký tự và không chứa ký tự điều khiển.", maxLineRunes), "line of %d bytes", len(l))
		}
	}
	if len(a.Image) > 0 {
		if _, err := checkImage(a.Image); err != nil {
			return err
		}
	}
	return nil
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// checkRect refuses a box that is empty, inverted, not finite or too small
// to show anything (under 10 points on a side).
func checkRect(r [4]float64) error {
	for _, v := range r {
		if bad(v) {
			return kerr.New(kerr.Invalid, "visible_rect_invalid", "Tọa độ khung chữ ký không hợp lệ.", "rect %v", r)
		}
	}
	if r[2]-r[0] < 10 || r[3]-r[1] < 10 {
		return kerr.New(kerr.Invalid, "visible_rect_invalid", "Khung chữ ký phải có dạng x1,y1,x2,y2 với x2 > x1, y2 > y1 và mỗi cạnh từ 10 điểm trở lên.", "rect %v: needs x1<x2, y1<y2, sides >= 10 pt", r)
	}
	return nil
}

// checkImage reads the image's header and refuses what is not PNG or JPEG
// or is too large, before anything is decoded.
func checkImage(b []byte) (image.Config, error) {
	if len(b) > maxImageBytes {
		return image.Config{}, kerr.New(kerr.TooLarge, "visible_image_too_large", fmt.Sprintf("Tệp hình ảnh chữ ký/con dấu quá lớn (tối đa %d MB).", maxImageBytes>>20), "%d bytes, limit %d", len(b), maxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || (format != "png" && format != "jpeg") {
		e := kerr.New(kerr.Invalid, "visible_image_invalid", "Hình ảnh chữ ký/con dấu phải là tệp PNG hoặc JPEG hợp lệ.", "format %q", format)
		e.Err = err
		return cfg, e
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxImagePixels || cfg.Height > maxImagePixels {
		return cfg, kerr.New(kerr.TooLarge, "visible_image_too_large", fmt.Sprintf("Hình ảnh chữ ký/con dấu quá lớn (tối đa %d × %d điểm ảnh).", maxImagePixels, maxImagePixels), "%d x %d pixels", cfg.Width, cfg.Height)
	}
	return cfg, nil
}

// decodeImage decodes a checked image.
func decodeImage(b []byte) (image.Image, error) {
	if _, err := checkImage(b); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "visible_image_invalid", "Hình ảnh chữ ký/con dấu bị lỗi, không đọc được.")
	}
	return img, nil
}

// defaultLines are the lines shown when Appearance.Lines is nil.
func defaultLines(kind AppearanceKind, name string, cert *x509.Certificate, at time.Time) []string {
	if kind == AppearanceSeal {
		org := cert.Subject.CommonName
		if len(cert.Subject.Organization) > 0 && strings.TrimSpace(cert.Subject.Organization[0]) != "" {
			org = cert.Subject.Organization[0]
		}
		return []string{"Cơ quan: " + org, "Thời gian ký: " + FormatSigningTime(at)}
	}
	return []string{name}
}

// FormatSigningTime formats t in Vietnam time as shown on a seal
// signature: "hh:mm:ss DD/MM/YYYY +07:00" (Circular 21/2023 appendix VI
// item 12 for the order; the zone as Decree 30/2020 asks).
func FormatSigningTime(t time.Time) string {
	return t.In(vietnamTime).Format("15:04:05 02/01/2006 -07:00")
}

// appearance places the visible signature in the document and prepares
// its renderer for pdfsign.
func (s *Signer) appearance(rdr *pdf.Reader, name string, cert *x509.Certificate, now time.Time) (sign.Appearance, error) {
	v := s.opts.Visible
	page, rect, err := placeAppearance(rdr, v)
	if err != nil {
		return sign.Appearance{}, err
	}
	lines := v.Lines
	if lines == nil {
		lines = defaultLines(v.Kind, name, cert, now)
	}
	f := fonts.DejaVuSans()
	for _, l := range lines {
		if miss := f.Missing(l); len(miss) > 0 {
			return sign.Appearance{}, kerr.New(kerr.Invalid, "visible_text_unsupported", fmt.Sprintf("Phông chữ không có ký tự “%s” trong dòng chữ của chữ ký.", string(miss)), "no glyph for %q", string(miss))
		}
	}
	r := &renderer{kind: v.Kind, lines: lines, font: f, cache: s.visible}
	if pages, err := pageList(rdr, page); err == nil && len(pages) >= page {
		r.rotate = pageRotation(pages[page-1])
	}
	return sign.Appearance{
		Visible: true, Page: uint32(page),
		LowerLeftX: rect[0], LowerLeftY: rect[1], UpperRightX: rect[2], UpperRightY: rect[3],
		Renderer: r.render,
	}, nil
}
