// Package basicpdf is a built-in convert.Converter for trying Kho without
// Gotenberg: it lays out the project's own slip and result templates
// (headings, paragraphs, line breaks, bold and italic, simple tables with
// borders, lists, centred text, images given as data: URIs or by asset
// name) on A4 with fpdf, in DejaVu Serif, which has every Vietnamese
// letter.
//
// Its PDF is NOT PDF/A: an Options.PDFA level is accepted and ignored, and
// the file carries no PDF/A identification, colour profile or XMP. It is
// for the demo (`kho serve --demo` without --gotenberg-url) only; real
// documents are rendered by Gotenberg. It understands a small part of CSS
// (see parseCSS); a page using more is laid out plainly, never refused for
// it. OfficeToPDF always answers Unavailable.
//
// Input is bounded: the page's size (MaxHTMLBytes), its elements
// (maxNodes) and nesting (maxDepth), each image's bytes and pixels, and the
// pages of the PDF (MaxPages).
package basicpdf

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"image"
	"image/draw"
	_ "image/jpeg" // images given by a template may be JPEG
	"image/png"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/net/html"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
)

// The fonts, DejaVu Serif 2.37 from Debian's fonts-dejavu-core (licence in
// fonts/LICENSE): Go's own fonts lack the Vietnamese letters (ệ, ơ, ư…).
var (
	//go:embed fonts/DejaVuSerif.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSerif-Bold.ttf
	fontBold []byte
	//go:embed fonts/DejaVuSerif-Italic.ttf
	fontItalic []byte
)

const (
	// MaxHTMLBytes bounds the page given to HTMLToPDF (the templates'
	// own bound, convert's maxPageBytes, is 16 MiB; a filled slip is a few KiB).
	MaxHTMLBytes = 4 << 20
	// MaxPages bounds the pages of one PDF.
	MaxPages = 300
	// maxNodes bounds the page's nodes, maxDepth their nesting.
	maxNodes = 200_000
	maxDepth = 64
	// maxRules bounds the rules read from the stylesheets.
	maxRules = 2000
	// maxImageBytes and maxImagePixels bound each image.
	maxImageBytes  = 8 << 20
	maxImagePixels = 25_000_000
	// family is the font family's name inside the PDF; familySans that of
	// the letters DejaVu Serif lacks (☐, ☒), drawn in internal/fonts' DejaVu Sans.
	family     = "dejavuserif"
	familySans = "dejavusans"
)

// Converter is the built-in converter. The zero value is ready to use and
// safe for concurrent use.
type Converter struct{}

var _ convert.Converter = Converter{}

// serifFont is DejaVu Serif parsed once, to know which letters it has.
var serifFont = sync.OnceValue(func() *fonts.Font {
	f, err := fonts.Parse("DejaVuSerif", fontRegular)
	if err != nil {
		panic("basicpdf: the embedded DejaVu Serif does not parse: " + err.Error()) // part of the build
	}
	return f
})

// New returns the built-in converter.
func New() Converter { return Converter{} }

// HTMLToPDF lays out html (a whole page, UTF-8) on A4 (landscape if
// opts.Landscape) with the options' margins, or the stylesheet's @page
// margin. The PDF is NOT PDF/A whatever opts.PDFA asks. Errors: Invalid
// (bad options, nesting too deep, a bad image), TooLarge (page, nodes,
// images or pages over the bounds), or the context's error as Unavailable.
func (Converter) HTMLToPDF(ctx context.Context, page []byte, assets map[string][]byte, opts convert.Options) (io.ReadCloser, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if len(page) > MaxHTMLBytes {
		return nil, kerr.New(kerr.TooLarge, "basicpdf_page_too_large", "Trang cần in quá lớn.",
			"page of %d bytes, limit %d", len(page), MaxHTMLBytes)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "basicpdf_bad_html", "Trang cần in không đọc được.")
	}
	l := &layouter{ctx: ctx, assets: assets, images: map[string]imageRef{}}
	if err := l.check(doc, 0); err != nil {
		return nil, err
	}
	l.pdf = fpdf.New("P", "mm", "A4", "")
	if opts.Landscape {
		l.pdf = fpdf.New("L", "mm", "A4", "")
	}
	l.pdf.SetAutoPageBreak(false, 0)
	l.pdf.SetProducer("Kho basicpdf (không phải PDF/A)", true)
	l.collectStyles(doc)
	if title := findTitle(doc); title != "" {
		l.pdf.SetTitle(title, true)
	}

	m := convert.DefaultMargins
	if opts.Margins != nil {
		m = *opts.Margins
	}
	if cm := l.sheet.margin; opts.Landscape && l.sheet.landscapeMargin != nil {
		cm = l.sheet.landscapeMargin
		m = convert.Margins{Top: cm[0], Right: cm[1], Bottom: cm[2], Left: cm[3]}
	} else if cm != nil {
		m = convert.Margins{Top: cm[0], Right: cm[1], Bottom: cm[2], Left: cm[3]}
	}
	pw, ph := l.pdf.GetPageSize()
	width := pw - m.Left - m.Right
	if width < 20 || ph-m.Top-m.Bottom < 20 {
		return nil, kerr.New(kerr.Invalid, "invalid_margins", "Lề trang quá lớn so với khổ giấy.", "margins %+v leave too little of the page", m)
	}
	f := &flow{}
	body := findBody(doc)
	st := l.computed(body, defaultStyle())
	l.blocks(body, st.style, 0, width, f)
	if l.err != nil {
		return nil, l.err
	}
	if err := l.place(f.items, m, ph); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := l.pdf.Output(&out); err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "basicpdf_failed", "Không tạo được bản PDF của trang.")
	}
	return io.NopCloser(&out), nil
}

// OfficeToPDF answers Unavailable: the built-in converter renders only the
// project's HTML templates.
func (Converter) OfficeToPDF(ctx context.Context, name string, r io.Reader, opts convert.Options) (io.ReadCloser, error) {
	return nil, kerr.New(kerr.Unavailable, "converter_unavailable",
		"Bản demo dùng bộ chuyển PDF đơn giản, không chuyển được tệp văn phòng (Word, Excel…) sang PDF; cần Gotenberg (--gotenberg-url).",
		"basicpdf renders HTML only; office files need Gotenberg")
}

// style is what an element passes to its children.
type style struct {
	bold, italic, upper bool
	sans                bool // DejaVu Sans, for the letters DejaVu Serif lacks
	align               byte // 'L', 'C' or 'R'
	size                float64
	lineHeight          float64
}

func defaultStyle() style { return style{align: 'L', size: 12, lineHeight: 1.3} }

// computedStyle is an element's style and its own declarations.
type computedStyle struct {
	style
	decls map[string]string
}

type imageRef struct {
	name string
	w, h int
}

// layouter lays a page out. It measures with pdf and keeps the first error.
type layouter struct {
	ctx    context.Context
	pdf    *fpdf.Fpdf
	sheet  sheet
	assets map[string][]byte
	images map[string]imageRef
	nodes  int
	err    error
	fonts  [4]bool // regular, bold, italic, sans added to pdf (each when first used)
}

// check bounds the tree before anything is laid out.
func (l *layouter) check(n *html.Node, depth int) error {
	if depth > maxDepth {
		return kerr.New(kerr.Invalid, "basicpdf_too_deep", "Trang cần in lồng quá sâu.", "nesting over %d", maxDepth)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		l.nodes++
		if l.nodes > maxNodes {
			return kerr.New(kerr.TooLarge, "basicpdf_too_many_nodes", "Trang cần in có quá nhiều phần tử.", "over %d nodes", maxNodes)
		}
		if err := l.check(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (l *layouter) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// collectStyles reads the stylesheets the page links (by asset name) and
// its style elements, in order.
func (l *layouter) collectStyles(n *html.Node) {
	if n.Type == html.ElementNode {
		switch n.Data {
		case "link":
			if strings.EqualFold(attr(n, "rel"), "stylesheet") {
				if b, ok := l.assets[attr(n, "href")]; ok {
					parseCSS(string(b), &l.sheet)
				}
			}
		case "style":
			if c := n.FirstChild; c != nil && c.Type == html.TextNode {
				parseCSS(c.Data, &l.sheet)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		l.collectStyles(c)
	}
}

// computed is n's style: inherited from parent, the tag's defaults, the
// stylesheets' rules and its style attribute.
func (l *layouter) computed(n *html.Node, parent style) computedStyle {
	s := computedStyle{style: parent, decls: map[string]string{}}
	switch n.Data {
	case "b", "strong", "th":
		s.bold = true
	case "i", "em":
		s.italic = true
	case "center":
		s.align = 'C'
	case "h1", "h2", "h3", "h4", "h5", "h6":
		s.bold = true
		s.size = [...]float64{18, 15, 13, 12, 11, 10}[n.Data[1]-'1']
		s.decls["margin-top"], s.decls["margin-bottom"] = "4mm", "2mm"
	case "p", "ul", "ol":
		s.decls["margin-top"], s.decls["margin-bottom"] = "2mm", "2mm"
	}
	if n.Data == "th" {
		s.align = 'C'
	}
	for _, r := range l.sheet.rules {
		if r.matches(n) {
			for k, v := range r.decls {
				s.decls[k] = v
			}
		}
	}
	if a := attr(n, "style"); a != "" {
		for k, v := range parseDecls(a) {
			s.decls[k] = v
		}
	}
	if a := strings.ToLower(attr(n, "align")); a != "" {
		s.decls["text-align"] = a
	}
	d := s.decls
	if m, ok := d["margin"]; ok {
		f := strings.Fields(m)
		if len(f) > 0 {
			s.decls["margin-top"] = f[0]
			s.decls["margin-bottom"] = f[0]
			if len(f) >= 3 {
				s.decls["margin-bottom"] = f[2]
			}
		}
	}
	switch d["font-weight"] {
	case "bold", "bolder", "600", "700", "800", "900":
		s.bold = true
	case "normal", "lighter", "400", "300":
		s.bold = false
	}
	switch d["font-style"] {
	case "italic", "oblique":
		s.italic = true
	case "normal":
		s.italic = false
	}
	switch d["text-align"] {
	case "center":
		s.align = 'C'
	case "right":
		s.align = 'R'
	case "left", "justify":
		s.align = 'L'
	}
	switch d["text-transform"] {
	case "uppercase":
		s.upper = true
	case "none":
		s.upper = false
	}
	if v, ok := d["font-size"]; ok {
		if mm, pct, ok := length(v); ok && !pct && mm > 0 {
			s.size = min(max(mm*72/25.4, 4), 72)
		} else if ok && pct {
			s.size = min(max(parent.size*mm/100, 4), 72)
		}
	}
	if v, ok := d["line-height"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0.8 && f <= 4 {
			s.lineHeight = f
		}
	}
	return s
}

// lengthOf reads declaration key of s in mm, relative to of for a percentage.
func (s computedStyle) lengthOf(key string, of float64) (float64, bool) {
	v, ok := s.decls[key]
	if !ok {
		return 0, false
	}
	mm, pct, ok := length(v)
	if !ok {
		return 0, false
	}
	if pct {
		mm = of * mm / 100
	}
	return mm, true
}

// hasBorder reports whether declaration key draws a line.
func (s computedStyle) hasBorder(key string) bool {
	v, ok := s.decls[key]
	return ok && v != "none" && v != "0" && !strings.HasPrefix(v, "0 ") && !strings.Contains(v, "none")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func findBody(doc *html.Node) *html.Node {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "body" {
			found = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if found == nil {
		return doc
	}
	return found
}

func findTitle(doc *html.Node) string {
	var title string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if title != "" {
			return
		}
		if n.Type == html.ElementNode && n.Data == "title" && n.FirstChild != nil {
			title = strings.TrimSpace(n.FirstChild.Data)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !utf8.ValidString(title) {
		return ""
	}
	return title
}

// image registers the image of src (a data: URI or an asset's name) once
// and returns it; ok is false when src names nothing.
func (l *layouter) image(src string) (imageRef, bool) {
	if ref, ok := l.images[src]; ok {
		return ref, true
	}
	var b []byte
	if rest, ok := strings.CutPrefix(src, "data:"); ok {
		meta, data, ok := strings.Cut(rest, ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return imageRef{}, false
		}
		if base64.StdEncoding.DecodedLen(len(data)) > maxImageBytes {
			l.fail(kerr.New(kerr.TooLarge, "basicpdf_image_too_large", "Ảnh trong trang cần in quá lớn.", "data: image over %d bytes", maxImageBytes))
			return imageRef{}, false
		}
		var err error
		if b, err = base64.StdEncoding.DecodeString(data); err != nil {
			l.fail(kerr.Wrap(err, kerr.Invalid, "basicpdf_bad_image", "Ảnh trong trang cần in không đọc được."))
			return imageRef{}, false
		}
	} else if b, ok = l.assets[src]; !ok {
		return imageRef{}, false
	}
	if len(b) > maxImageBytes {
		l.fail(kerr.New(kerr.TooLarge, "basicpdf_image_too_large", "Ảnh trong trang cần in quá lớn.", "image %q over %d bytes", trim(src), maxImageBytes))
		return imageRef{}, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err == nil && (cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels) {
		l.fail(kerr.New(kerr.TooLarge, "basicpdf_image_too_large", "Ảnh trong trang cần in quá lớn.", "image %q of %dx%d pixels", trim(src), cfg.Width, cfg.Height))
		return imageRef{}, false
	}
	var img image.Image
	if err == nil {
		img, _, err = image.Decode(bytes.NewReader(b))
	}
	if err != nil {
		l.fail(kerr.Wrap(err, kerr.Invalid, "basicpdf_bad_image", "Ảnh trong trang cần in không đọc được (chỉ nhận PNG, JPEG)."))
		return imageRef{}, false
	}
	// fpdf reads 8-bit PNGs only: anything else is drawn into NRGBA.
	switch img.(type) {
	case *image.Paletted, *image.Gray, *image.NRGBA:
	default:
		n := image.NewNRGBA(img.Bounds())
		draw.Draw(n, n.Bounds(), img, img.Bounds().Min, draw.Src)
		img = n
	}
	var enc bytes.Buffer
	if err := png.Encode(&enc, img); err != nil {
		l.fail(kerr.Wrap(err, kerr.Internal, "basicpdf_bad_image", "Ảnh trong trang cần in không đọc được."))
		return imageRef{}, false
	}
	ref := imageRef{name: "img" + strconv.Itoa(len(l.images)), w: cfg.Width, h: cfg.Height}
	l.pdf.RegisterImageOptionsReader(ref.name, fpdf.ImageOptions{ImageType: "PNG"}, &enc)
	if l.pdf.Err() {
		l.fail(kerr.Wrap(l.pdf.Error(), kerr.Invalid, "basicpdf_bad_image", "Ảnh trong trang cần in không đọc được."))
		return imageRef{}, false
	}
	l.images[src] = ref
	return ref, true
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
