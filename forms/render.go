package forms

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
)

// RenderOptions configure Render.
type RenderOptions struct {
	// PDFA makes a PDF/A-3B file: XMP metadata, an sRGB output intent, and
	// the values' canonical JSON and XML embedded as associated files
	// (/AFRelationship /Data). Without it Render writes a plain PDF 1.7.
	PDFA bool
	// Now is the clock for the file's creation date and for the
	// place-and-date line when the form has no date of its own; nil means
	// time.Now.
	Now func() time.Time
	// SignerTitle heads the signature block; empty means "NGƯỜI KHAI".
	SignerTitle string
	// SignerName is printed under the signature space; empty means the
	// value of the form's first "hoTen…" text field, if any.
	SignerName string
}

// SignatureHint is the line under the signer's title in the signature
// block of a rendered form. The space for the signature is under it, so a
// visible PAdES signature anchors there: signing.Appearance{Anchor:
// &signing.Anchor{Text: forms.SignatureHint, Place: signing.AnchorBelow,
// Height: 60}} (see SignPDF).
const SignatureHint = "(Ký, ghi rõ họ, chữ đệm, tên)"

// Page geometry, in points: A4 with the margins of Vietnamese
// administrative documents (left 30 mm, right, top and bottom 20 mm).
const (
	pageW, pageH                        = 595.28, 841.89
	marginL, marginR, marginT, marginB  = 85.0, 57.0, 57.0, 57.0
	bodySize, smallSize, footSize       = 12.0, 10.0, 9.0
	leadingFactor                       = 1.4
	boldStroke                          = 0.035 // fake-bold outline width per point of size
	footerSpace                         = 24.0
	contentW                            = pageW - marginL - marginR
	signatureSpace                      = 64.0
	tableCellPad                        = 3.0
	numberColW                          = 28.0
	checkedBox, emptyBox                = "☒", "☐"
	nbsp                                = "\u00a0"
	missingGlyph                        = '\ufffd'
	defaultSignerTitle                  = "NGƯỜI KHAI"
	mottoLine1, mottoLine2              = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"
	maxRenderPages                      = 500
	placeFieldCode, placeFieldLabel     = "lamTai", "Làm tại"
	signerFieldPrefix                   = "hoTen"
	vietnamOffset                       = 7 * 60 * 60
	renderErrCode, renderErrMessageText = "form_render_failed", "Không thể tạo tệp PDF của biểu mẫu."
)

// Render draws the filled form v of definition d as a printable A4 PDF
// that looks like the paper form: the national motto, the title, the
// sections with their labels and values, dynamic rows as tables, choices
// as ☒/☐, dates as DD/MM/YYYY, the place-and-date line and the signature
// block, with "Trang x/y" on every page. Values are drawn as text, never
// interpreted (HTML stays visible as typed). The font is the embedded
// DejaVu Sans, subset. With opts.PDFA the file is PDF/A-3B with the data
// attached (see RenderOptions).
//
// v must be what Validate returned for d. Errors: Invalid
// form_values_mismatch (v is for another form or version); Invalid
// form_too_long (more than 500 pages); Unavailable render_cancelled;
// Internal form_render_failed; the writer's errors.
func Render(ctx context.Context, d *Definition, v Values, w io.Writer, opts RenderOptions) error {
	if d == nil || v.Form != d.Code || v.Version != d.Version {
		return kerr.New(kerr.Invalid, "form_values_mismatch", "Dữ liệu không thuộc mẫu biểu mẫu này.",
			"values for %s v%d", v.Form, v.Version)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	created := now().In(time.FixedZone("ICT", vietnamOffset))
	l := &layout{ctx: ctx, f: fonts.DejaVuSans()}
	l.newPage()
	l.document(d, v, opts, created)
	if l.err != nil {
		return l.err
	}
	l.pageNumbers()
	doc := pdfDocument{title: d.Title, created: created, pages: l.pages, font: l.f}
	if opts.PDFA {
		js, err := v.CanonicalJSON()
		if err != nil {
			return err
		}
		var xb strings.Builder
		if err := v.WriteXML(&xb, d); err != nil {
			return err
		}
		base := strings.ToLower(d.Code)
		doc.pdfa = true
		doc.attachments = []attachment{
			{name: base + ".json", mime: "application/json", desc: "Dữ liệu biểu mẫu (JSON chuẩn tắc)", data: js},
			{name: base + ".xml", mime: "application/xml", desc: "Dữ liệu biểu mẫu (XML)", data: []byte(xb.String())},
		}
	}
	return doc.write(w)
}

// sectionNumerals number the top-level sections.
var sectionNumerals = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
	"XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"}

// document lays out the whole form.
func (l *layout) document(d *Definition, v Values, opts RenderOptions, created time.Time) {
	l.centred(mottoLine1, bodySize, bold)
	w := l.f.Width(mottoLine2, bodySize+1)
	l.centred(mottoLine2, bodySize+1, bold)
	l.line((pageW+marginL-marginR)/2-w/2, l.y+2, (pageW+marginL-marginR)/2+w/2, l.y+2, 0.6)
	l.gap(bodySize * 1.2)
	l.centred(strings.ToUpper(d.Title), bodySize+2, bold)
	if d.Legal != "" {
		l.centred("("+d.Legal+")", smallSize, italic)
	}
	l.gap(bodySize * 0.8)

	place, date := placeAndDate(d, v, created)
	section := 0
	for i := range d.Fields {
		f := &d.Fields[i]
		if f.Code == place.code || f.Code == date.code {
			continue
		}
		if f.Type == TypeGroup {
			if !hasData(f.Fields, v.Data) && f.VisibleIf != nil {
				continue
			}
			title := f.Label
			if section < len(sectionNumerals) {
				title = sectionNumerals[section] + ". " + f.Label
			}
			section++
			l.gap(bodySize * 0.3)
			l.keepWith(3)
			l.flow([]run{{text: strings.ToUpper(title), bold: true}}, marginL, contentW, bodySize)
			l.fields(f.Fields, v.Data, marginL+12, contentW-12)
			continue
		}
		l.fields(d.Fields[i:i+1], v.Data, marginL, contentW)
	}

	// The place-and-date line and the signature block, in the right half.
	l.gap(bodySize)
	half := contentW * 0.6
	x := marginL + contentW - half
	l.keepWith(6)
	l.flowCentred(place.text+", ngày "+date.day+" tháng "+date.month+" năm "+date.year, marginL+contentW*0.3, contentW*0.7, bodySize, italic)
	title := opts.SignerTitle
	if title == "" {
		title = defaultSignerTitle
	}
	l.flowCentred(title, x, half, bodySize, bold)
	l.flowCentred(SignatureHint, x, half, smallSize, italic)
	l.gap(signatureSpace)
	name := opts.SignerName
	if name == "" {
		name = signerName(d.Fields, v.Data)
	}
	if name != "" {
		l.flowCentred(name, x, half, bodySize, bold)
	}
}

// placeDate is the place-and-date line's parts and the fields they came
// from (not repeated in the body).
type placeDate struct {
	code, text, day, month, year string
}

// placeAndDate finds the place ("Làm tại", a top-level text field) and the
// date (a date field among the form's last two, as on paper where the
// closing line is filled last) of the form; a missing place is dotted for
// the hand, a missing date is the rendering date.
func placeAndDate(d *Definition, v Values, created time.Time) (place, date placeDate) {
	place.text = "……………"
	for i := range d.Fields {
		f := &d.Fields[i]
		if f.Type == TypeText && (f.Code == placeFieldCode || f.Label == placeFieldLabel) {
			place.code = f.Code
			if s, ok := v.Data[f.Code].(string); ok {
				place.text = s
			}
		}
		if f.Type == TypeDate && i >= len(d.Fields)-2 {
			if s, ok := v.Data[f.Code].(string); ok && len(s) == len("2006-01-02") {
				date = placeDate{code: f.Code, year: s[:4], month: s[5:7], day: s[8:10]}
			}
		}
	}
	if date.code == "" {
		date.day, date.month, date.year = created.Format("02"), created.Format("01"), created.Format("2006")
	}
	return place, date
}

// signerName is the value of the first text field whose code starts with
// "hoTen", searched in order through groups.
func signerName(fields []Field, data map[string]any) string {
	for i := range fields {
		f := &fields[i]
		if f.Type == TypeGroup {
			if s := signerName(f.Fields, data); s != "" {
				return s
			}
			continue
		}
		if f.Type == TypeText && strings.HasPrefix(f.Code, signerFieldPrefix) {
			if s, ok := data[f.Code].(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// hasData reports whether any of fields (through groups) has a value.
func hasData(fields []Field, data map[string]any) bool {
	for i := range fields {
		f := &fields[i]
		if f.Type == TypeGroup {
			if hasData(f.Fields, data) {
				return true
			}
			continue
		}
		if _, ok := data[f.Code]; ok {
			return true
		}
	}
	return false
}

// fields lays out fields of one scope (top level, a group, or a row).
func (l *layout) fields(fields []Field, data map[string]any, x, width float64) {
	for i := range fields {
		if l.err != nil {
			return
		}
		f := &fields[i]
		val, has := data[f.Code]
		switch {
		case f.Type == TypeGroup:
			if !hasData(f.Fields, data) && f.VisibleIf != nil {
				continue
			}
			l.keepWith(2)
			l.flow([]run{{text: f.Label, bold: true}}, x, width, bodySize)
			l.fields(f.Fields, data, x+12, width-12)
		case !has && f.VisibleIf != nil:
			// Hidden (or empty and conditional): not on the paper either.
		case f.Type == TypeRows:
			rows, _ := val.([]map[string]any)
			if rows == nil {
				if list, ok := val.([]any); ok {
					for _, r := range list {
						if m, ok := r.(map[string]any); ok {
							rows = append(rows, m)
						}
					}
				}
			}
			l.keepWith(3)
			l.flow([]run{{text: f.Label + ":"}}, x, width, bodySize)
			l.table(f, rows, x, width)
		case f.Type == TypeRadio || f.Type == TypeCheckbox:
			chosen := chosenSet(val)
			runs := []run{{text: f.Label + ": "}}
			long := false
			for _, o := range f.Options {
				long = long || l.f.Width(o.Label, bodySize) > width/2
			}
			if long {
				l.flow(runs, x, width, bodySize)
				for _, o := range f.Options {
					l.flow(optionRuns(o, chosen[o.Value]), x+12, width-12, bodySize)
				}
				continue
			}
			for j, o := range f.Options {
				r := optionRuns(o, chosen[o.Value])
				if j > 0 {
					r[0].spaces = 4
				}
				runs = append(runs, r...)
			}
			l.flow(runs, x, width, bodySize)
		case !has:
			l.flow([]run{{text: f.Label + ": "}, {dots: true}}, x, width, bodySize)
		default:
			l.flow([]run{{text: f.Label + ": "}, {text: displayValue(f, val), bold: true}}, x, width, bodySize)
		}
	}
}

// optionRuns is one choice with its box.
func optionRuns(o Option, on bool) []run {
	box := emptyBox
	if on {
		box = checkedBox
	}
	return []run{{text: box + nbsp + o.Label, bold: on}}
}

// chosenSet is the set of option values of a radio or checkbox value.
func chosenSet(v any) map[string]bool {
	out := map[string]bool{}
	switch x := v.(type) {
	case string:
		out[x] = true
	case []string:
		for _, s := range x {
			out[s] = true
		}
	case []any:
		for _, s := range x {
			if str, ok := s.(string); ok {
				out[str] = true
			}
		}
	}
	return out
}

// table lays out dynamic rows: a numbered column, then one column per
// field, widths by the length of the labels; the header repeats on each
// page.
func (l *layout) table(f *Field, rows []map[string]any, x, width float64) {
	cols := make([]*Field, 0, len(f.Fields))
	for i := range f.Fields {
		if f.Fields[i].Type.hasValue() {
			cols = append(cols, &f.Fields[i])
		}
	}
	header := []string{"STT"}
	for _, c := range cols {
		header = append(header, c.Label)
	}
	body := make([][]string, len(rows))
	for i, r := range rows {
		cells := []string{itoa(i + 1)}
		for _, c := range cols {
			val, ok := r[c.Code]
			if !ok {
				cells = append(cells, "")
				continue
			}
			cells = append(cells, displayValue(c, val))
		}
		body[i] = cells
	}
	widths := l.columnWidths(cols, body, width)
	l.tableRow(header, widths, x, true, true)
	if len(rows) == 0 {
		l.tableRow(make([]string, len(widths)), widths, x, false, false)
	}
	for _, cells := range body {
		if l.tableRow(cells, widths, x, false, false) {
			l.tableRow(header, widths, x, true, true)
			l.tableRow(cells, widths, x, false, false)
		}
	}
	l.gap(bodySize * 0.4)
}

// columnWidths shares width between the numbered column and cols by
// columnWeight, but gives each column at least its longest word (so that
// a date or a number is not cut), up to a third of the width.
func (l *layout) columnWidths(cols []*Field, body [][]string, width float64) []float64 {
	need := make([]float64, len(cols))
	for j, c := range cols {
		need[j] = l.longestWord(c.Label)
		for _, cells := range body {
			need[j] = max(need[j], l.longestWord(cells[j+1]))
		}
		need[j] = min(need[j]+2*tableCellPad, width/3)
	}
	fixed := make([]bool, len(cols))
	out := make([]float64, len(cols))
	for range cols { // each pass fixes at least one column, or ends
		free, weight := width-numberColW, 0.0
		for j, c := range cols {
			if fixed[j] {
				free -= out[j]
			} else {
				weight += columnWeight(c)
			}
		}
		changed := false
		for j, c := range cols {
			if fixed[j] {
				continue
			}
			out[j] = free * columnWeight(c) / weight
			if out[j] < need[j] {
				out[j], fixed[j], changed = need[j], true, true
			}
		}
		if !changed {
			break
		}
	}
	return append([]float64{numberColW}, out...)
}

// longestWord is the width of the widest word of s in the table's size.
func (l *layout) longestWord(s string) float64 {
	w := 0.0
	for _, word := range strings.Fields(s) {
		w = max(w, l.f.Width(word, smallSize))
	}
	return w
}

// columnWeight is a table column's share of the width, by what its values
// look like: free text wide, dates, numbers and short codes narrow.
func columnWeight(f *Field) float64 {
	switch {
	case f.Type == TypeTextarea:
		return 4
	case f.Type == TypeText && f.Format != "" && f.Format != FormatEmail:
		return 1.6
	case (f.Type == TypeText || f.Type == TypeSearch) && f.MaxLength > 0 && f.MaxLength <= 20:
		return 1.2
	case f.Type == TypeText || f.Type == TypeSearch || f.Type == TypeFile:
		return 3
	case f.Type == TypeDate || f.Type == TypeTime || f.Type == TypeSpin || f.Type == TypeSlider:
		return 1.3
	case f.Type == TypeDateRange || f.Type == TypeTimeRange:
		return 2.4
	}
	return 1.6 // choices
}

// tableRow draws one row of cells with borders. When the row does not fit
// on the page and it is not a header, it starts a page and reports true
// without drawing (the caller repeats the header first).
func (l *layout) tableRow(cells []string, widths []float64, x float64, strong, header bool) bool {
	lead := smallSize * leadingFactor
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		lines[i] = l.wrapText(c, smallSize, widths[i]-2*tableCellPad)
		n = max(n, len(lines[i]))
	}
	h := float64(n)*lead + 2*tableCellPad
	if l.y-h < marginB+footerSpace {
		l.newPage()
		if !header {
			return true
		}
	}
	top := l.y
	cx := x
	for i, c := range lines {
		for j, s := range c {
			tx := cx + tableCellPad
			if header || i == 0 {
				tx = cx + (widths[i]-l.f.Width(s, smallSize))/2
			}
			l.text(tx, top-tableCellPad-smallSize*0.9-float64(j)*lead, smallSize, weight(strong), s)
		}
		l.line(cx, top, cx, top-h, 0.5)
		cx += widths[i]
	}
	l.line(cx, top, cx, top-h, 0.5)
	l.line(x, top, cx, top, 0.5)
	l.line(x, top-h, cx, top-h, 0.5)
	l.y = top - h
	return false
}

// displayValue is a value as a person reads it on paper.
func displayValue(f *Field, v any) string {
	switch x := v.(type) {
	case string:
		switch f.Type {
		case TypeDate:
			return viDate(x)
		case TypeDropdown, TypeRadio, TypeSearch:
			return optionLabel(f, x)
		case TypeText:
			if f.Format == FormatMoney {
				return GroupThousands(x) + " đồng"
			}
		}
		return x
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = optionLabel(f, s)
		}
		return strings.Join(out, "; ")
	case Range:
		if f.Type == TypeDateRange {
			return "từ " + viDate(x.From) + " đến " + viDate(x.To)
		}
		return "từ " + x.From + " đến " + x.To
	case []File:
		out := make([]string, len(x))
		for i, file := range x {
			out[i] = file.Name + " (" + humanBytes(file.Size) + ")"
		}
		return strings.Join(out, "; ")
	case map[string]any: // a range read back from JSON
		from, _ := x["from"].(string)
		to, _ := x["to"].(string)
		return displayValue(f, Range{From: from, To: to})
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, displayValue(f, e))
		}
		return strings.Join(out, "; ")
	case nil:
		return ""
	default:
		s := viNumber(toString(x))
		if f.Unit != "" {
			s += " " + f.Unit
		}
		return s
	}
}

// toString formats numbers and other scalars.
func toString(v any) string {
	switch x := v.(type) {
	case interface{ String() string }:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return itoa(x)
	case bool:
		if x {
			return "Có"
		}
		return "Không"
	}
	return ""
}

// optionLabel is the label of an option value (the value itself when it
// is not an option, e.g. a free search value).
func optionLabel(f *Field, s string) string {
	opts := f.Options
	if f.Source != nil && len(opts) == 0 {
		opts = f.Source.Options
	}
	for _, o := range opts {
		if o.Value == s {
			return o.Label
		}
	}
	return s
}

// viDate turns "YYYY-MM-DD" into "DD/MM/YYYY".
func viDate(s string) string {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return s
	}
	return s[8:10] + "/" + s[5:7] + "/" + s[:4]
}

// GroupThousands writes a whole number of digits with dots between the
// thousands, as Vietnamese amounts are written: "1500000" as "1.500.000".
// Anything else (a sign, a separator, three digits or fewer) comes back
// as it is.
func GroupThousands(s string) string {
	if len(s) <= 3 || strings.ContainsAny(s, ".,-") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String()
}
