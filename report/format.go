package report

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
)

// Bounds of a Table given to an export: an export of a larger one is
// refused before anything is written.
const (
	// MaxRows bounds the rows of one table (the total row not counted).
	MaxRows = 10_000
	// MaxColumns bounds its columns.
	MaxColumns = 40
	// MaxTextRunes bounds the title, the subtitle, a heading, a note and
	// a text cell.
	MaxTextRunes = 1000
	// MaxNotes bounds the notes.
	MaxNotes = 50
)

// vietnam is Vietnam time (UTC+7, no daylight saving): the times a report
// shows.
var vietnam = time.FixedZone("ICT", 7*3600)

// Check reports whether t can be exported: at least one column, at most
// MaxColumns, at most MaxRows rows, one cell per column in every row, a
// known kind for every column, texts of at most MaxTextRunes in UTF-8,
// finite numbers. Errors: Invalid "report_too_large" when over a bound,
// Invalid "report_malformed" otherwise.
func (t Table) Check() error {
	tooLarge := func(detail string, args ...any) error {
		return kerr.New(kerr.Invalid, "report_too_large",
			"Báo cáo quá lớn để xuất tệp; hãy thu hẹp điều kiện thống kê (tối đa 10.000 dòng, 40 cột).", detail, args...)
	}
	malformed := func(detail string, args ...any) error {
		return kerr.New(kerr.Invalid, "report_malformed", "Báo cáo không hợp lệ nên không xuất được tệp.", detail, args...)
	}
	if len(t.Columns) == 0 {
		return malformed("no columns")
	}
	if len(t.Columns) > MaxColumns {
		return tooLarge("%d columns, at most %d", len(t.Columns), MaxColumns)
	}
	if len(t.Rows) > MaxRows {
		return tooLarge("%d rows, at most %d", len(t.Rows), MaxRows)
	}
	if len(t.Notes) > MaxNotes {
		return tooLarge("%d notes, at most %d", len(t.Notes), MaxNotes)
	}
	text := func(what, s string) error {
		if !utf8.ValidString(s) {
			return malformed("%s is not UTF-8", what)
		}
		if utf8.RuneCountInString(s) > MaxTextRunes {
			return tooLarge("%s over %d characters", what, MaxTextRunes)
		}
		return nil
	}
	if err := text("title", t.Title); err != nil {
		return err
	}
	if err := text("subtitle", t.Subtitle); err != nil {
		return err
	}
	for i, n := range t.Notes {
		if err := text("note "+strconv.Itoa(i+1), n); err != nil {
			return err
		}
	}
	for i, c := range t.Columns {
		switch c.Kind {
		case KindText, KindCount, KindPercent, KindBytes:
		default:
			return malformed("column %d kind %q", i+1, c.Kind)
		}
		if err := text("column "+strconv.Itoa(i+1), c.Label); err != nil {
			return err
		}
	}
	row := func(name string, r Row) error {
		if len(r.Cells) != len(t.Columns) {
			return malformed("%s has %d cells for %d columns", name, len(r.Cells), len(t.Columns))
		}
		for _, c := range r.Cells {
			if math.IsNaN(c.Number) || math.IsInf(c.Number, 0) {
				return malformed("%s has a number that is not finite", name)
			}
			if err := text(name, c.Text); err != nil {
				return err
			}
		}
		return nil
	}
	for i, r := range t.Rows {
		if err := row("row "+strconv.Itoa(i+1), r); err != nil {
			return err
		}
	}
	if t.Total != nil {
		return row("the total row", *t.Total)
	}
	return nil
}

// Format is a cell as people read it in column c: the text of a text
// cell, or of any cell whose Text is set; else a count with a dot between
// thousands ("12.345"), a percentage with one decimal after a comma
// ("95,5%"), bytes in kB, MB or GB of 1000 ("1,5 MB").
func Format(c Column, cell Cell) string {
	if c.Kind == KindText || cell.Text != "" {
		return cell.Text
	}
	switch c.Kind {
	case KindPercent:
		return decimal(cell.Number, 1) + "%"
	case KindBytes:
		n := cell.Number
		switch a := math.Abs(n); {
		case a >= 1e9:
			return decimal(n/1e9, 1) + " GB"
		case a >= 1e6:
			return decimal(n/1e6, 1) + " MB"
		case a >= 1e3:
			return decimal(n/1e3, 1) + " kB"
		}
		return decimal(n, 0) + " B"
	}
	return decimal(cell.Number, 0)
}

// decimal writes v with prec decimals, Vietnamese style: "." between
// thousands, "," before the decimals.
func decimal(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// madeAtLabel is when the figures were computed, in Vietnam time
// ("hh:mm:ss DD/MM/YYYY"), "" when unknown: the spreadsheet's description.
// The exports do not print it: the Table's notes carry the as-of time
// (see Table.Notes).
func (t Table) madeAtLabel() string {
	if t.MadeAt.IsZero() {
		return ""
	}
	return "Số liệu tính đến " + t.MadeAt.In(vietnam).Format("15:04:05 02/01/2006")
}

// lines calls fn with each row, then with the total row (total true)
// when there is one.
func (t Table) lines(fn func(r Row, total bool)) {
	for _, r := range t.Rows {
		fn(r, false)
	}
	if t.Total != nil {
		fn(*t.Total, true)
	}
}
