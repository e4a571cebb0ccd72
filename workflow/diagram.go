package workflow

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Diagram layout, in SVG user units (pixels).
const (
	boxW     = 230
	boxH     = 74
	gapX     = 50
	gapY     = 84
	margin   = 24
	titleH   = 40
	laneStep = 26 // spacing of the lanes back edges run in, right of the boxes
	wrapAt   = 30 // characters per line of a step's name
)

// roleColor fills the boxes by role, so the hand-offs between groups show.
var roleColor = map[Role]string{
	RoleApplicant: "#fff4d6",
	RoleDesk:      "#e3f0fb",
	RoleAppraiser: "#e6f5e6",
	RoleHead:      "#f3e6f7",
	RoleLeader:    "#fde4e1",
}

type placed struct {
	step  Step
	layer int
	x, y  int
}

// WriteSVG draws p as an SVG diagram (2025 item 9): one box per step
// (name, role, department name from depts, deadline), top to bottom in
// layers by distance from the start, forward flows as arrows down, and
// flows back (loops: a supplement, a rework, a repeated approval) as
// dashed arrows in lanes on the right, each labelled with its action.
// The drawing is deterministic: the same process gives the same bytes.
func WriteSVG(w io.Writer, p Process, proc Procedure, depts []Department) error {
	layerOf := map[string]int{p.Start: 0}
	order := []string{p.Start}
	for i := 0; i < len(order); i++ {
		for _, f := range p.Flows {
			if f.From != order[i] {
				continue
			}
			if _, ok := layerOf[f.To]; !ok {
				layerOf[f.To] = layerOf[order[i]] + 1
				order = append(order, f.To)
			}
		}
	}
	for _, s := range p.Steps { // unreachable steps (not stored: validated) go last
		if _, ok := layerOf[s.Code]; !ok {
			layerOf[s.Code] = len(order)
			order = append(order, s.Code)
		}
	}
	var layers [][]string
	for _, c := range order {
		l := layerOf[c]
		for len(layers) <= l {
			layers = append(layers, nil)
		}
		layers[l] = append(layers[l], c)
	}
	widest := 1
	for _, l := range layers {
		widest = max(widest, len(l))
	}
	var back []Flow
	for _, f := range p.Flows {
		if layerOf[f.To] <= layerOf[f.From] {
			back = append(back, f)
		}
	}
	innerW := widest*boxW + (widest-1)*gapX
	width := 2*margin + innerW + (len(back)+1)*laneStep + 150
	height := 2*margin + titleH + len(layers)*boxH + (len(layers)-1)*gapY
	at := map[string]placed{}
	for li, l := range layers {
		rowW := len(l)*boxW + (len(l)-1)*gapX
		x0 := margin + (innerW-rowW)/2
		for i, c := range l {
			s, _ := p.Step(c)
			at[c] = placed{step: s, layer: li, x: x0 + i*(boxW+gapX), y: margin + titleH + li*(boxH+gapY)}
		}
	}
	deptName := map[string]string{}
	for _, d := range depts {
		deptName[d.Code] = d.Name
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" role="img">`+"\n",
		width, height, width, height)
	title := fmt.Sprintf("Quy trình %s (phiên bản %d)", p.Name, p.Version)
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(title))
	fmt.Fprintf(&b, "<desc>%s</desc>\n", esc(fmt.Sprintf("Thủ tục %s: %d bước, %d luồng chuyển; tổng thời hạn các bước chính %s.",
		proc.Name, len(p.Steps), len(p.Flows), FormatMinutes(p.MainDeadline()))))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="15" font-weight="bold">%s</text>`+"\n", margin, margin+16, esc(title))

	// Forward flows: from the bottom of one box to the top of the next.
	for _, f := range p.Flows {
		if layerOf[f.To] <= layerOf[f.From] {
			continue
		}
		a, z := at[f.From], at[f.To]
		x1, y1 := a.x+boxW/2, a.y+boxH
		x2, y2 := z.x+boxW/2, z.y
		fmt.Fprintf(&b, `<g class="flow" data-from="%s" data-to="%s" data-action="%s"><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" stroke-width="1.4" marker-end="url(#arrow)"/>`,
			esc(f.From), esc(f.To), esc(string(f.Action)), x1, y1, x2, y2)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#1a4d8f">%s</text></g>`+"\n", (x1+x2)/2+6, (y1+y2)/2+4, esc(f.Action.Label()))
	}
	// Flows back (and to the same layer): right, down or up a lane, left.
	for i, f := range back {
		a, z := at[f.From], at[f.To]
		lane := margin + innerW + (i+1)*laneStep
		y1 := a.y + boxH/2 + 8
		y2 := z.y + boxH/2 - 8
		if f.From == f.To {
			y2 = a.y + boxH/2 - 14
		}
		fmt.Fprintf(&b, `<g class="flow back" data-from="%s" data-to="%s" data-action="%s"><path d="M%d,%d H%d V%d H%d" fill="none" stroke="#8a3b12" stroke-width="1.2" stroke-dasharray="5,3" marker-end="url(#arrow)"/>`,
			esc(f.From), esc(f.To), esc(string(f.Action)), a.x+boxW, y1, lane, y2, z.x+boxW)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#8a3b12">%s</text></g>`+"\n", lane+4, (y1+y2)/2+4, esc(f.Action.Label()))
	}
	// The steps.
	for _, c := range order {
		pl := at[c]
		s := pl.step
		stroke, sw := "#555", "1"
		if c == p.Start {
			stroke, sw = "#1a4d8f", "2.2"
		}
		dash := ""
		if s.Optional {
			dash = ` stroke-dasharray="4,3"`
		}
		fmt.Fprintf(&b, `<g class="step" data-step="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="%s" stroke-width="%s"%s/>`,
			esc(s.Code), pl.x, pl.y, boxW, boxH, roleColor[s.Role], stroke, sw, dash)
		lines := wrap(s.Name, wrapAt, 2)
		y := pl.y + 18
		for _, ln := range lines {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`, pl.x+10, y, esc(ln))
			y += 15
		}
		who := s.Role.Label()
		if n := deptName[s.Department]; n != "" {
			who += " · " + n
		} else if s.Department != "" {
			who += " · " + s.Department
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%s</text>`, pl.x+10, y, esc(truncate(who, 40)))
		y += 14
		dl := "Không quy định thời hạn"
		if s.DeadlineMinutes > 0 {
			dl = "Thời hạn: " + FormatMinutes(s.DeadlineMinutes)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#444">%s</text></g>`+"\n", pl.x+10, y, esc(dl))
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// esc escapes text for SVG character data and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// wrap splits s into at most n lines of at most width characters,
// breaking at spaces; the last line ends with "…" when s does not fit.
func wrap(s string, width, n int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > width:
			lines = append(lines, cur)
			cur = w
		default:
			cur += " " + w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	for i := range lines {
		lines[i] = truncate(lines[i], width)
	}
	if len(lines) > n {
		lines = lines[:n]
		lines[n-1] = strings.TrimSuffix(truncate(lines[n-1], width-1), "…") + "…"
	}
	return lines
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
