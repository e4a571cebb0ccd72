package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
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
	// "unsupported" for a field this page cannot fill (rows, files,
	// ranges), which is said, not hidden.
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
	errors  map[string]string
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

func efieldOf(f *forms.Field, comp string, in eformInput) efield {
	e := efield{ID: controlName(comp, f.Code), Name: controlName(comp, f.Code), Label: f.Label, Hint: f.Help,
		Placeholder: f.Placeholder, Required: f.Required, MaxLength: f.MaxLength, Lines: max(f.Lines, 3),
		Error: in.errors[f.Code], Source: in.sources[f.Code], Multiple: f.Multiple}
	for _, o := range f.Options {
		e.Options = append(e.Options, option{o.Value, o.Label})
	}
	switch f.Type {
	case forms.TypeGroup:
		e.Kind, e.Children = "group", efieldsOf(f.Fields, comp, in)
		return e
	case forms.TypeRows, forms.TypeFile, forms.TypeDateRange, forms.TypeTimeRange:
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
	data := map[string]any{}
	var walk func(fs []forms.Field)
	walk = func(fs []forms.Field) {
		for i := range fs {
			f := &fs[i]
			name := controlName(comp, f.Code)
			switch f.Type {
			case forms.TypeGroup:
				walk(f.Fields)
			case forms.TypeRows, forms.TypeFile, forms.TypeDateRange, forms.TypeTimeRange:
				if v, ok := kept[f.Code]; ok {
					data[f.Code] = v
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
	walk(d.Fields)
	return json.Marshal(data)
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
