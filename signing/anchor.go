package signing

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/internal/kerr"
	"golang.org/x/text/unicode/norm"
)

// maxPageNodes bounds the page-tree walk of placeAppearance.
const maxPageNodes = 200000

// placeAppearance finds the page and the rectangle of a visible signature
// in the document: Rect as given (it must lie on the page), or the box
// placed against the anchor text. Errors are kerr Invalid:
// visible_page_out_of_range, visible_rect_outside_page,
// visible_anchor_not_found, visible_box_too_large.
func placeAppearance(rdr *pdf.Reader, a *Appearance) (int, [4]float64, error) {
	upTo := a.Page
	if upTo == 0 && a.Anchor == nil {
		upTo = 1
	}
	pages, err := pageList(rdr, upTo)
	if err != nil {
		return 0, [4]float64{}, err
	}
	if a.Page > len(pages) || len(pages) == 0 {
		return 0, [4]float64{}, kerr.New(kerr.Invalid, "visible_page_out_of_range",
			fmt.Sprintf("Tệp PDF chỉ có %d trang, không có trang %d để đặt chữ ký.", len(pages), a.Page), "page %d of %d", a.Page, len(pages))
	}
	if a.Anchor == nil {
		n := max(a.Page, 1)
		mb := mediaBox(pages[n-1])
		r := a.Rect
		const tol = 0.5
		if r[0] < mb[0]-tol || r[1] < mb[1]-tol || r[2] > mb[2]+tol || r[3] > mb[3]+tol {
			return 0, r, kerr.New(kerr.Invalid, "visible_rect_outside_page",
				fmt.Sprintf("Khung chữ ký [%g %g %g %g] nằm ngoài trang %d (kích thước trang [%g %g %g %g]).", r[0], r[1], r[2], r[3], n, mb[0], mb[1], mb[2], mb[3]),
				"rect %v outside MediaBox %v of page %d", r, mb, n)
		}
		return n, r, nil
	}
	an := a.Anchor
	want := anchorKey(an.Text)
	occurrence := max(an.Occurrence, 1)
	first, last := 1, len(pages)
	if a.Page > 0 {
		first, last = a.Page, a.Page
	}
	for n := first; n <= last; n++ {
		geom := pageGeometry(pages[n-1])
		tb, ok := findText(pdf.Page{V: pages[n-1]}, geom, want, occurrence)
		if !ok {
			continue
		}
		r, err := anchorBox(tb, an, geom)
		return n, r, err
	}
	nth := ""
	if occurrence > 1 {
		nth = fmt.Sprintf(" lần thứ %d", occurrence)
	}
	where := fmt.Sprintf("trên trang %d", a.Page)
	if a.Page == 0 {
		where = "trong tệp PDF"
	}
	return 0, [4]float64{}, kerr.New(kerr.Invalid, "visible_anchor_not_found",
		fmt.Sprintf("Không tìm thấy đoạn văn bản neo “%s”%s %s.", strings.TrimSpace(an.Text), nth, where),
		"anchor %q (occurrence %d) not found on page(s) %d-%d", an.Text, occurrence, first, last)
}

// pageList returns the page dictionaries in order, up to page upTo (all
// pages when upTo is 0), walking the tree the way pdfsign does (depth
// first) within a node budget, so a cyclic tree is an error, not a hang.
func pageList(rdr *pdf.Reader, upTo int) ([]pdf.Value, error) {
	var pages []pdf.Value
	nodes := 0
	var walk func(v pdf.Value, depth int) error
	walk = func(v pdf.Value, depth int) error {
		nodes++
		if depth > 64 || nodes > maxPageNodes {
			return kerr.New(kerr.Invalid, "pdf_invalid", "Cây trang của tệp PDF bị lỗi (vòng lặp), không ký được.", "page tree too deep or too large")
		}
		switch v.Key("Type").Name() {
		case "Page":
			pages = append(pages, v)
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len() && (upTo == 0 || len(pages) < upTo); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(rdr.Trailer().Key("Root").Key("Pages"), 0)
	return pages, err
}

// mediaBox is the page's (inherited) MediaBox, normalised so that x1 < x2
// and y1 < y2; US Letter when it is missing.
func mediaBox(page pdf.Value) [4]float64 {
	for v, i := page, 0; !v.IsNull() && i < 64; v, i = v.Key("Parent"), i+1 {
		mb := v.Key("MediaBox")
		if mb.Kind() == pdf.Array && mb.Len() == 4 {
			var r [4]float64
			for j := range 4 {
				r[j] = mb.Index(j).Float64()
			}
			return [4]float64{min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])}
		}
	}
	return [4]float64{0, 0, 612, 792}
}

// anchorKey is the form texts are compared in: NFC, lower case, without
// white space.
func anchorKey(s string) []rune {
	var out []rune
	for _, r := range norm.NFC.String(s) {
		if !unicode.IsSpace(r) {
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// findText finds the n-th occurrence of want (an anchorKey) in the page's
// text and returns its bounding box in the page's visual space (see
// pageGeom). PDF producers split text into pieces (often one glyph each)
// and encode spaces as gaps, so the page's pieces are joined, white space
// dropped, before matching.
func findText(p pdf.Page, geom pageGeom, want []rune, n int) ([4]float64, bool) {
	items := pageText(p)
	var runes []rune
	var owner []int // index into items of each rune
	for i, t := range items {
		for _, r := range anchorKey(t.s) {
			runes = append(runes, r)
			owner = append(owner, i)
		}
	}
	found := 0
	for start := 0; start+len(want) <= len(runes); start++ {
		if !equalRunes(runes[start:start+len(want)], want) {
			continue
		}
		if found++; found < n {
			continue
		}
		bb := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for k := start; k < start+len(want); k++ {
			for _, c := range items[owner[k]].corners() {
				x, y := geom.toVisual(c[0], c[1])
				bb = [4]float64{min(bb[0], x), min(bb[1], y), max(bb[2], x), max(bb[3], y)}
			}
		}
		return bb, true
	}
	return [4]float64{}, false
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// anchorBox places the signature box against the text box tb, both in the
// page's visual space (so "below" is below as the page is shown), moves it
// onto the page when it sticks out, and returns it in user space.
func anchorBox(tb [4]float64, an *Anchor, geom pageGeom) ([4]float64, error) {
	vw, vh := geom.visualSize()
	mb := [4]float64{0, 0, vw, vh}
	w, h, gap := an.Width, an.Height, an.Gap
	if w == 0 {
		w = defaultBoxW
	}
	if h == 0 {
		h = defaultBoxH
	}
	if gap == 0 {
		gap = 4
	}
	cx, cy := (tb[0]+tb[2])/2, (tb[1]+tb[3])/2
	var r [4]float64
	switch an.Place {
	case AnchorOver:
		r = [4]float64{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
	case AnchorAbove:
		r = [4]float64{cx - w/2, tb[3] + gap, cx + w/2, tb[3] + gap + h}
	case AnchorRight:
		r = [4]float64{tb[2] + gap, cy - h/2, tb[2] + gap + w, cy + h/2}
	default: // below
		r = [4]float64{cx - w/2, tb[1] - gap - h, cx + w/2, tb[1] - gap}
	}
	if w > mb[2]-mb[0] || h > mb[3]-mb[1] {
		return r, kerr.New(kerr.Invalid, "visible_box_too_large", "Khung chữ ký lớn hơn trang giấy.", "box %gx%g on page %v", w, h, mb)
	}
	// Shift the box onto the page.
	if dx := mb[0] - r[0]; dx > 0 {
		r[0], r[2] = r[0]+dx, r[2]+dx
	}
	if dx := r[2] - mb[2]; dx > 0 {
		r[0], r[2] = r[0]-dx, r[2]-dx
	}
	if dy := mb[1] - r[1]; dy > 0 {
		r[1], r[3] = r[1]+dy, r[3]+dy
	}
	if dy := r[3] - mb[3]; dy > 0 {
		r[1], r[3] = r[1]-dy, r[3]-dy
	}
	x1, y1 := geom.toUser(r[0], r[1])
	x2, y2 := geom.toUser(r[2], r[3])
	return [4]float64{min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)}, nil
}

// pageGeom is a page's MediaBox and /Rotate. Its visual space is the page
// as shown: origin at the bottom left of the shown page, y upwards.
type pageGeom struct {
	mb     [4]float64
	rotate int // 0, 90, 180 or 270, clockwise as shown
}

func pageGeometry(page pdf.Value) pageGeom {
	return pageGeom{mb: mediaBox(page), rotate: pageRotation(page)}
}

// pageRotation is the page's (inherited) /Rotate, normalised to 0, 90, 180
// or 270; 0 when it is missing or not a multiple of 90.
func pageRotation(page pdf.Value) int {
	for v, i := page, 0; !v.IsNull() && i < 64; v, i = v.Key("Parent"), i+1 {
		if r := v.Key("Rotate"); r.Kind() == pdf.Integer {
			n := int(((r.Int64() % 360) + 360) % 360)
			if n%90 != 0 {
				return 0
			}
			return n
		}
	}
	return 0
}

func (g pageGeom) visualSize() (float64, float64) {
	w, h := g.mb[2]-g.mb[0], g.mb[3]-g.mb[1]
	if g.rotate == 90 || g.rotate == 270 {
		return h, w
	}
	return w, h
}

func (g pageGeom) toVisual(x, y float64) (float64, float64) {
	x, y = x-g.mb[0], y-g.mb[1]
	w, h := g.mb[2]-g.mb[0], g.mb[3]-g.mb[1]
	switch g.rotate {
	case 90:
		return y, w - x
	case 180:
		return w - x, h - y
	case 270:
		return h - y, x
	}
	return x, y
}

func (g pageGeom) toUser(vx, vy float64) (float64, float64) {
	w, h := g.mb[2]-g.mb[0], g.mb[3]-g.mb[1]
	var x, y float64
	switch g.rotate {
	case 90:
		x, y = w-vy, vx
	case 180:
		x, y = w-vx, h-vy
	case 270:
		x, y = vy, h-vx
	default:
		x, y = vx, vy
	}
	return x + g.mb[0], y + g.mb[1]
}
