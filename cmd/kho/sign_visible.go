package main

import (
	"flag"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// visibleFlags are the --visible-* flags of kho sign.
type visibleFlags struct {
	page                int
	rect, anchor, place string
	size, image, kind   string
	text                lineFlags
	set                 map[string]bool
}

// lineFlags collects a repeated string flag in order.
type lineFlags []string

func (l *lineFlags) String() string { return strings.Join(*l, " | ") }

func (l *lineFlags) Set(v string) error { *l = append(*l, v); return nil }

func addVisibleFlags(fs *flag.FlagSet) *visibleFlags {
	v := &visibleFlags{}
	fs.IntVar(&v.page, "visible-page", 0, "page `N` of the visible signature (default 1; with --visible-anchor, the first page where the text is found)")
	fs.StringVar(&v.rect, "visible-rect", "", "signature box `x1,y1,x2,y2` in PDF points, origin at the bottom left of the page")
	fs.StringVar(&v.anchor, "visible-anchor", "", "place the box against this `TEXT` found on the page, e.g. \"CHỦ TỊCH\"")
	fs.StringVar(&v.place, "visible-place", "below", "where the box goes relative to the anchor: below, over, above or right")
	fs.StringVar(&v.size, "visible-size", "170,70", "box `W,H` in points with --visible-anchor")
	fs.StringVar(&v.image, "visible-image", "", "PNG or JPEG `FILE`: the signature image (personal) or the red seal (seal), ≤ 4 MB, ≤ 4000×4000")
	fs.StringVar(&v.kind, "visible-kind", "personal", "personal (signature image and name) or seal (seal image, agency, signing time)")
	fs.Var(&v.text, "visible-text", "a `LINE` of text in the box, repeatable; replaces the default lines (name; or agency and time)")
	return v
}

// appearance builds the Appearance, or nil when no --visible-* flag was
// given. Errors are usage errors.
func (v *visibleFlags) appearance(fs *flag.FlagSet) (*signing.Appearance, error) {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "visible-") {
			given = true
		}
	})
	if !given {
		return nil, nil
	}
	usage := func(code, msg, detail string, args ...any) error {
		return &usageError{kerr.New(kerr.Invalid, code, msg, detail, args...)}
	}
	a := &signing.Appearance{Page: v.page}
	var err error
	if a.Kind, err = signing.ParseAppearanceKind(v.kind); err != nil {
		return nil, &usageError{err}
	}
	if v.rect != "" {
		r, ok := parseFloats(v.rect, 4)
		if !ok {
			return nil, usage("visible_rect_invalid", "--visible-rect phải có dạng x1,y1,x2,y2 (số, đơn vị điểm PDF).", "bad --visible-rect %q", v.rect)
		}
		a.Rect = [4]float64(r)
	}
	if v.anchor != "" {
		place, err := signing.ParseAnchorPlace(v.place)
		if err != nil {
			return nil, &usageError{err}
		}
		wh, ok := parseFloats(v.size, 2)
		if !ok {
			return nil, usage("visible_size_invalid", "--visible-size phải có dạng W,H (số, đơn vị điểm PDF).", "bad --visible-size %q", v.size)
		}
		a.Anchor = &signing.Anchor{Text: v.anchor, Place: place, Width: wh[0], Height: wh[1]}
	}
	if v.text != nil {
		a.Lines = v.text
	}
	if v.image != "" {
		f, err := os.Open(v.image)
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "visible_image_unreadable", "Không đọc được tệp hình ảnh chữ ký/con dấu (--visible-image).")
		}
		defer f.Close()
		// One byte over the limit is enough for the signer to refuse it.
		a.Image, err = io.ReadAll(io.LimitReader(f, 4<<20+1))
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "visible_image_unreadable", "Không đọc được tệp hình ảnh chữ ký/con dấu (--visible-image).")
		}
	}
	return a, nil
}

// parseFloats parses n comma-separated numbers.
func parseFloats(s string, n int) ([]float64, bool) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, false
	}
	out := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}
