package basicpdf

import (
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// A rule is one selector of a stylesheet with its declarations. Only the
// selectors the shipped templates use are understood: compounds of a tag
// and classes (p, .qr, table.grid), joined by descendant spaces; any other
// selector is left out.
type rule struct {
	parts       []compound // outermost first; the last matches the element
	specificity int
	order       int
	decls       map[string]string
}

type compound struct {
	tag     string
	classes []string
}

// sheet is a parsed stylesheet: its rules by specificity, then order, and
// the margins of its unnamed @page rule (nil when it has none).
type sheet struct {
	rules           []rule
	margin          *[4]float64 // top, right, bottom, left in mm
	landscapeMargin *[4]float64 // of the @page rule named landscape
}

// parseCSS reads the subset of CSS this converter lays out. It never
// fails: what it does not understand is left out, as a browser would.
func parseCSS(src string, sh *sheet) {
	for {
		i := strings.Index(src, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(src[i+2:], "*/")
		if j < 0 {
			src = src[:i]
			break
		}
		src = src[:i] + " " + src[i+2+j+2:]
	}
	for len(sh.rules) < maxRules {
		open := strings.IndexByte(src, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(src[open:], '}')
		if end < 0 {
			break
		}
		sel := strings.TrimSpace(src[:open])
		decls := parseDecls(src[open+1 : open+end])
		src = src[open+end+1:]
		if sel == "@page" || sel == "@page landscape" {
			if m, ok := decls["margin"]; ok {
				if v, ok := boxLengths(m); ok && sel == "@page" {
					sh.margin = &v
				} else if ok {
					sh.landscapeMargin = &v
				}
			}
			continue
		}
		if strings.HasPrefix(sel, "@") {
			continue
		}
		for _, s := range strings.Split(sel, ",") {
			r, ok := parseSelector(s)
			if !ok {
				continue
			}
			r.order = len(sh.rules)
			r.decls = decls
			sh.rules = append(sh.rules, r)
		}
	}
	sort.SliceStable(sh.rules, func(i, j int) bool { return sh.rules[i].specificity < sh.rules[j].specificity })
}

func parseDecls(s string) map[string]string {
	m := map[string]string{}
	for _, d := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(d, ":")
		if ok {
			m[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(v))
		}
	}
	return m
}

func parseSelector(s string) (rule, bool) {
	var r rule
	for _, f := range strings.Fields(s) {
		if strings.ContainsAny(f, ">+~:[#*") {
			return rule{}, false
		}
		parts := strings.Split(f, ".")
		c := compound{tag: strings.ToLower(parts[0]), classes: parts[1:]}
		for _, cl := range c.classes {
			if cl == "" {
				return rule{}, false
			}
		}
		if c.tag != "" {
			r.specificity++
		}
		r.specificity += 10 * len(c.classes)
		r.parts = append(r.parts, c)
	}
	return r, len(r.parts) > 0
}

func (c compound) matches(n *html.Node) bool {
	if c.tag != "" && c.tag != n.Data {
		return false
	}
	if len(c.classes) == 0 {
		return true
	}
	have := strings.Fields(attr(n, "class"))
	for _, want := range c.classes {
		found := false
		for _, h := range have {
			if h == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// matches reports whether r's selector applies to n.
func (r rule) matches(n *html.Node) bool {
	last := len(r.parts) - 1
	if !r.parts[last].matches(n) {
		return false
	}
	i := last - 1
	for a := n.Parent; a != nil && i >= 0; a = a.Parent {
		if a.Type == html.ElementNode && r.parts[i].matches(a) {
			i--
		}
	}
	return i < 0
}

// length reads a CSS length in mm (mm, cm, pt, px, in); pct says whether
// it was a percentage (then the number is that percentage).
func length(v string) (mm float64, pct bool, ok bool) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		factor float64
	}{{"mm", 1}, {"cm", 10}, {"pt", 25.4 / 72}, {"px", 25.4 / 96}, {"in", 25.4}, {"%", 1}}
	for _, u := range units {
		if n, found := strings.CutSuffix(v, u.suffix); found {
			f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil || f != f || f < 0 || f > 1000 {
				return 0, false, false
			}
			return f * u.factor, u.suffix == "%", true
		}
	}
	if v == "0" || v == "auto" {
		return 0, false, true
	}
	return 0, false, false
}

// boxLengths reads a margin shorthand of one to four lengths.
func boxLengths(v string) ([4]float64, bool) {
	var out [4]float64
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 4 {
		return out, false
	}
	var n []float64
	for _, s := range f {
		mm, pct, ok := length(s)
		if !ok || pct {
			return out, false
		}
		n = append(n, mm)
	}
	switch len(n) {
	case 1:
		out = [4]float64{n[0], n[0], n[0], n[0]}
	case 2:
		out = [4]float64{n[0], n[1], n[0], n[1]}
	case 3:
		out = [4]float64{n[0], n[1], n[2], n[1]}
	default:
		out = [4]float64{n[0], n[1], n[2], n[3]}
	}
	return out, true
}
