package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/forms"
)

// eform is an eForm as an accessible HTML form: its fields in order,
// groups as fieldsets, each pre-filled value with where it came from.
type eform struct {
	Title, Description, Legal string
	Fields                    []efield
	// Warnings are auto-fill's notes of values it left out.
	Warnings []string
}

// efield is one control (or a group of them) of an eForm.
type efield struct {
	ID, Name, Label, Hint, Placeholder string
	// Kind is the control: text, textarea, select, radio, checkbox,
	// number, date, time, email, tel, search; "group" for a fieldset;
	// "rows" for dynamic rows (Rows); "range" for a date or time range
	// (Children: from and to); "unsupported" for a field this page cannot
	// fill (files), which is said, not hidden.
	Kind      string
	Required  bool
	ReadOnly  bool
	Value     string
	Values    []string // the chosen options of a checkbox or multiple select
	Multiple  bool
	Options   []option
	List      string // the datalist's ID of a search field
	MaxLength int
	Lines     int
	Error     string
	// Source says where a pre-filled value came from.
	Source   string
	Children []efield
	// Focus: the control takes the focus (the first control of a row
	// just added, or the rows' fieldset after a row was removed).
	Focus bool
	// Rows are the rows of a "rows" field, Count how many, CountName the
	// hidden control that posts it; Add is the value of the add button
	// ("" past MaxRows); AddLabel and RemoveLabel label the buttons.
	Rows                  []erow
	Count                 int
	CountName, Add        string
	AddLabel, RemoveLabel string
}

// erow is one row of a "rows" field.
type erow struct {
	Legend string
	Fields []efield
	// Remove is the value of its remove button ("" at MinRows).
	Remove string
}

// HasError reports whether f or one of its children has an error.
func (f efield) HasError() bool {
	if f.Error != "" {
		return true
	}
	for _, c := range f.Children {
		if c.HasError() {
			return true
		}
	}
	return false
}

// Checked reports whether option v is chosen.
func (f efield) Checked(v string) bool {
	if f.Kind == "checkbox" || f.Multiple {
		for _, x := range f.Values {
			if x == v {
				return true
			}
		}
		return false
	}
	return f.Value == v
}

// eformInput is what fills an eForm's controls: the values (stored,
// auto-filled or posted), their provenance as text, and the errors, each
// by field code.
type eformInput struct {
	values  map[string]any
	posted  url.Values // non-nil: the posted form, which wins
	sources map[string]string
	errors  map[string]string // by control ID
	// focus is the ID of the control that takes the focus.
	focus string
}

// eformOf builds the controls of d for component comp.
func eformOf(d *forms.Definition, comp string, in eformInput) *eform {
	return &eform{Title: d.Title, Description: d.Description, Legal: d.Legal, Fields: efieldsOf(d.Fields, comp, in)}
}

func efieldsOf(fs []forms.Field, comp string, in eformInput) []efield {
	out := make([]efield, 0, len(fs))
	for i := range fs {
		out = append(out, efieldOf(&fs[i], comp, in))
	}
	return out
}

// controlName is the form control's name (and ID) of field code of
// component comp.
func controlName(comp, code string) string { return "bm-" + comp + "-" + code }

// rowScope is the scope of the controls of row n (from 1) of the rows
// field code of component comp: controlName(rowScope(…), sub) names a
// row's sub-field.
func rowScope(comp, code string, n int) string { return comp + "-" + code + "-" + strconv.Itoa(n) }

// rangeName is the control of one end ("tu" or "den") of range field
// code of component comp.
func rangeName(comp, code, end string) string { return controlName(comp, code) + "-" + end }

// rowCountName is the hidden control that posts how many rows field code
// of component comp shows.
func rowCountName(comp, code string) string { return controlName(comp, code) + "-so-dong" }

func efieldOf(f *forms.Field, comp string, in eformInput) efield {
	e := efield{ID: controlName(comp, f.Code), Name: controlName(comp, f.Code), Label: f.Label, Hint: f.Help,
		Placeholder: f.Placeholder, Required: f.Required, MaxLength: f.MaxLength, Lines: max(f.Lines, 3),
		Source: in.sources[f.Code], Multiple: f.Multiple}
	e.Error, e.Focus = in.errors[e.ID], in.focus == e.ID
	for _, o := range f.Options {
		e.Options = append(e.Options, option{o.Value, o.Label})
	}
	switch f.Type {
	case forms.TypeGroup:
		e.Kind, e.Children = "group", efieldsOf(f.Fields, comp, in)
		return e
	case forms.TypeRows:
		return erowsOf(f, comp, in, e)
	case forms.TypeDateRange, forms.TypeTimeRange:
		return erangeOf(f, comp, in, e)
	case forms.TypeFile:
		e.Kind = "unsupported"
		return e
	case forms.TypeTextarea:
		e.Kind = "textarea"
	case forms.TypeRadio:
		e.Kind = "radio"
	case forms.TypeCheckbox:
		e.Kind = "checkbox"
	case forms.TypeDropdown:
		e.Kind = "select"
	case forms.TypeSpin, forms.TypeSlider:
		e.Kind = "number"
	case forms.TypeDate:
		e.Kind = "date"
		if e.Hint == "" {
			e.Hint = "Nhập theo dạng DD/MM/YYYY."
		}
	case forms.TypeTime:
		e.Kind = "time"
	case forms.TypeSearch:
		e.Kind = "search"
		if f.Source != nil && len(f.Source.Options) > 0 {
			e.List = e.ID + "-goi-y-chon"
			for _, o := range f.Source.Options {
				e.Options = append(e.Options, option{o.Value, o.Label})
			}
		}
	default:
		e.Kind = "text"
		switch f.Format {
		case forms.FormatEmail:
			e.Kind = "email"
		case forms.FormatPhone:
			e.Kind = "tel"
		}
	}
	e.ReadOnly = f.PrefillEditable != nil && !*f.PrefillEditable && e.Source != ""
	if in.posted != nil {
		e.Value, e.Values = in.posted.Get(e.Name), in.posted[e.Name]
		return e
	}
	v, ok := in.values[f.Code]
	if !ok {
		return e
	}
	if e.Kind == "checkbox" || e.Multiple {
		e.Values = stringsOf(v)
		return e
	}
	e.Value = shownValue(v, f.Type)
	return e
}

// erowsOf is e, the rows field f of component comp: the posted rows
// (their count posted beside them), else the stored ones; at least
// MinRows and at most MaxRows.
func erowsOf(f *forms.Field, comp string, in eformInput, e efield) efield {
	e.Kind, e.CountName = "rows", rowCountName(comp, f.Code)
	e.AddLabel, e.RemoveLabel = cmpText(f.AddLabel, forms.DefaultAddLabel), cmpText(f.RemoveLabel, forms.DefaultRemoveLabel)
	var stored []map[string]any
	if in.posted != nil {
		e.Count = postedRows(f, in.posted, e.CountName)
	} else {
		stored = rowsOf(in.values[f.Code])
		e.Count = len(stored)
	}
	e.Count = min(max(e.Count, f.MinRows), f.MaxRows)
	for n := 1; n <= e.Count; n++ {
		rin := eformInput{posted: in.posted, errors: in.errors, focus: in.focus}
		if n <= len(stored) {
			rin.values = stored[n-1]
		}
		row := erow{Legend: f.Label + " – dòng " + strconv.Itoa(n), Fields: efieldsOf(f.Fields, rowScope(comp, f.Code, n), rin)}
		if e.Count > f.MinRows {
			row.Remove = "xoa-dong:" + comp + ":" + f.Code + ":" + strconv.Itoa(n)
		}
		e.Rows = append(e.Rows, row)
	}
	if e.Count < f.MaxRows {
		e.Add = "them-dong:" + comp + ":" + f.Code
	}
	return e
}

// postedRows is how many rows of f the post says it shows (0 when it
// does not say; at most MaxRows).
func postedRows(f *forms.Field, posted url.Values, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(posted.Get(name)))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, f.MaxRows)
}

// rowsOf is a stored rows value: its rows that are objects.
func rowsOf(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case []any:
		for _, r := range x {
			if m, ok := r.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case []map[string]any:
		out = x
	}
	return out
}

// erangeOf is e, the date or time range f of component comp: a fieldset
// of two controls, "Từ" and "Đến".
func erangeOf(f *forms.Field, comp string, in eformInput, e efield) efield {
	e.Kind = "range"
	kind, hint, t := "time", "", forms.TypeTime
	if f.Type == forms.TypeDateRange {
		kind, hint, t = "date", "Nhập theo dạng DD/MM/YYYY.", forms.TypeDate
	}
	var stored map[string]any
	switch x := in.values[f.Code].(type) {
	case map[string]any:
		stored = x
	case forms.Range:
		stored = map[string]any{"from": x.From, "to": x.To}
	}
	for _, end := range []struct{ name, key, label string }{{"tu", "from", "Từ"}, {"den", "to", "Đến"}} {
		id := rangeName(comp, f.Code, end.name)
		c := efield{ID: id, Name: id, Label: end.label, Hint: hint, Kind: kind, Error: in.errors[id], Focus: in.focus == id}
		if in.posted != nil {
			c.Value = in.posted.Get(id)
		} else if v, ok := stored[end.key]; ok && v != nil {
			c.Value = shownValue(v, t)
		}
		e.Children = append(e.Children, c)
	}
	return e
}

// cmpText is s, or def when s is empty.
func cmpText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var isoDateRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)

// shownValue is a stored value as the control shows it: dates as
// DD/MM/YYYY.
func shownValue(v any, t forms.FieldType) string {
	s := fmt.Sprint(v)
	if t == forms.TypeDate {
		if m := isoDateRE.FindStringSubmatch(s); m != nil {
			return m[3] + "/" + m[2] + "/" + m[1]
		}
	}
	return s
}

// stringsOf is a stored list of choices.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// eformData is the posted controls of d's component comp as the eForm's
// JSON data: blank controls left out, numbers as numbers where they parse,
// the fields this page cannot fill kept from kept (the stored data).
func eformData(d *forms.Definition, comp string, posted url.Values, kept map[string]any) ([]byte, error) {
	return json.Marshal(postedData(d.Fields, comp, posted, kept))
}

// postedData is the posted controls of fields fs in scope comp (a
// component, or a row of one) as data: see eformData. A row keeps its
// place even when blank ({}), so that the validator's errors name the
// row the page shows.
func postedData(fs []forms.Field, comp string, posted url.Values, kept map[string]any) map[string]any {
	data := map[string]any{}
	var walk func(fs []forms.Field)
	walk = func(fs []forms.Field) {
		for i := range fs {
			f := &fs[i]
			name := controlName(comp, f.Code)
			switch f.Type {
			case forms.TypeGroup:
				walk(f.Fields)
			case forms.TypeFile:
				if v, ok := kept[f.Code]; ok {
					data[f.Code] = v
				}
			case forms.TypeRows:
				n := postedRows(f, posted, rowCountName(comp, f.Code))
				if n == 0 {
					continue
				}
				rows := make([]any, 0, n)
				for r := 1; r <= n; r++ {
					rows = append(rows, postedData(f.Fields, rowScope(comp, f.Code, r), posted, nil))
				}
				data[f.Code] = rows
			case forms.TypeDateRange, forms.TypeTimeRange:
				from := strings.TrimSpace(posted.Get(rangeName(comp, f.Code, "tu")))
				to := strings.TrimSpace(posted.Get(rangeName(comp, f.Code, "den")))
				if from != "" || to != "" {
					data[f.Code] = map[string]any{"from": from, "to": to}
				}
			case forms.TypeCheckbox:
				if vs := posted[name]; len(vs) > 0 {
					data[f.Code] = vs
				}
			case forms.TypeDropdown:
				if f.Multiple {
					if vs := nonBlank(posted[name]); len(vs) > 0 {
						data[f.Code] = vs
					}
				} else if s := strings.TrimSpace(posted.Get(name)); s != "" {
					data[f.Code] = s
				}
			case forms.TypeSpin, forms.TypeSlider:
				s := strings.TrimSpace(posted.Get(name))
				switch {
				case s == "":
				case json.Valid([]byte(s)) && strings.Trim(s, "-0123456789.eE+") == "":
					data[f.Code] = json.Number(s)
				default:
					data[f.Code] = s
				}
			default:
				if s := posted.Get(name); strings.TrimSpace(s) != "" {
					data[f.Code] = s
				}
			}
		}
	}
	walk(fs)
	return data
}

// nonBlank drops the empty choices.
func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
