package forms

import (
	"bytes"
	"encoding/json"
	"strings"
)

// SchemaVersion is the version of the definition format this package reads
// and writes (the "schema" key of every definition).
const SchemaVersion = 1

// Definition is one version of an eForm (or of a document type's field
// schema): its identity and its fields. Obtain one with Parse, which checks
// it; a Definition built in Go must pass Check before Validate uses it.
type Definition struct {
	// Schema is the format version; it must be SchemaVersion.
	Schema int `json:"schema"`
	// Code names the form, e.g. "TK_KHAI_SINH": capital letters, digits
	// and "_", at most 64.
	Code string `json:"code"`
	// Version counts the form's published versions from 1. Filled data
	// names the version it was validated against.
	Version int `json:"version"`
	// Title is the form's name as printed, in Vietnamese.
	Title string `json:"title"`
	// Kind is "form" (an eForm, the default) or "documentType" (the
	// important fields of a paper in the vault).
	Kind string `json:"kind,omitempty"`
	// Description says when the form is used.
	Description string `json:"description,omitempty"`
	// Legal names the legal text that sets the paper form, if any.
	Legal string `json:"legal,omitempty"`
	// Fields are the inputs and sections, in display order.
	Fields []Field `json:"fields"`

	idx *index // built by Check
}

// Kinds of definition.
const (
	KindForm         = "form"
	KindDocumentType = "documentType"
)

// FieldType is the kind of input of a field (table 1 of the eForm guide).
type FieldType string

// The field types. Group and Rows hold other fields.
const (
	TypeText      FieldType = "text"      // one line, at most 255 characters; optional Format
	TypeTextarea  FieldType = "textarea"  // several lines, MaxLength shown by a counter
	TypeSearch    FieldType = "search"    // text with suggestions from Source
	TypeRadio     FieldType = "radio"     // one of Options
	TypeCheckbox  FieldType = "checkbox"  // any of Options (select-all when SelectAll)
	TypeDropdown  FieldType = "dropdown"  // one (or, when Multiple, several) of Options, with a filter
	TypeDate      FieldType = "date"      // typed DD/MM/YYYY (Vietnam time), stored YYYY-MM-DD
	TypeDateRange FieldType = "dateRange" // {"from","to"} dates
	TypeTime      FieldType = "time"      // hh:mm, 24-hour
	TypeTimeRange FieldType = "timeRange" // {"from","to"} times
	TypeFile      FieldType = "file"      // attached files: Accept, MaxSize, MaxFiles
	TypeSpin      FieldType = "spin"      // a number with Min, Max, Step, Decimals
	TypeSlider    FieldType = "slider"    // a number on the scale Min..Max by Step
	TypeGroup     FieldType = "group"     // a section (group box) of Fields; holds no value
	TypeRows      FieldType = "rows"      // dynamic rows: a list of Fields repeated MinRows..MaxRows times
)

var fieldTypes = []FieldType{TypeText, TypeTextarea, TypeSearch, TypeRadio, TypeCheckbox, TypeDropdown,
	TypeDate, TypeDateRange, TypeTime, TypeTimeRange, TypeFile, TypeSpin, TypeSlider, TypeGroup, TypeRows}

// Text formats of a text field.
const (
	FormatEmail          = "email"          // an e-mail address
	FormatPhone          = "phone"          // a Vietnamese phone number; stored as 0xxxxxxxxx
	FormatMoney          = "money"          // an amount in đồng; "1.500.000" is stored as "1500000"
	FormatIdentityNumber = "identityNumber" // a 12-digit personal identity number
	FormatTaxCode        = "taxCode"        // 10 digits, or 10 digits "-" 3 digits
)

var textFormats = []string{FormatEmail, FormatPhone, FormatMoney, FormatIdentityNumber, FormatTaxCode}

// MaxTextLength is the longest value of a text field (table 1: 255
// characters).
const MaxTextLength = 255

// Default limits of fields.
const (
	DefaultTextareaLength = 2000  // a textarea without MaxLength
	MaxTextareaLength     = 20000 // the largest MaxLength of a textarea
	DefaultAddLabel       = "Thêm dòng"
	DefaultRemoveLabel    = "Xóa dòng"
)

// Field is one input, section or set of dynamic rows. Which keys apply
// depends on Type; Check refuses keys that do not.
type Field struct {
	// Code names the value in the filled data: a letter, then letters,
	// digits or "_", at most 64 (it is also an XML element name). Codes
	// are unique in the whole definition.
	Code  string    `json:"code"`
	Type  FieldType `json:"type"`
	Label string    `json:"label"`
	// Help is the instruction shown under (or beside) the input.
	Help string `json:"help,omitempty"`
	// Placeholder is shown inside an empty input; it must differ from Label.
	Placeholder string `json:"placeholder,omitempty"`
	// Required marks the field with a red "*"; an empty value is refused.
	Required bool `json:"required,omitempty"`
	// RequiredIf makes the field required when the condition holds.
	RequiredIf *Condition `json:"requiredIf,omitempty"`
	// VisibleIf shows the field (or section) only when the condition
	// holds. A hidden field is neither validated nor stored.
	VisibleIf *Condition `json:"visibleIf,omitempty"`

	// Format checks a text field (see the Format constants).
	Format string `json:"format,omitempty"`
	// MinLength and MaxLength bound text, textarea and search values, in
	// characters. A text field's MaxLength is at most 255.
	MinLength int `json:"minLength,omitempty"`
	MaxLength int `json:"maxLength,omitempty"`
	// Lines is the display height of a textarea.
	Lines int `json:"lines,omitempty"`

	// Options are the choices of radio, checkbox and dropdown fields.
	Options []Option `json:"options,omitempty"`
	// Multiple lets a dropdown take several options.
	Multiple bool `json:"multiple,omitempty"`
	// Filter shows a filter box in a dropdown's menu.
	Filter bool `json:"filter,omitempty"`
	// SelectAll offers "Chọn tất cả" / "Bỏ chọn tất cả" (checkbox,
	// multiple dropdown).
	SelectAll bool `json:"selectAll,omitempty"`
	// MinSelected and MaxSelected bound how many options are chosen.
	MinSelected int `json:"minSelected,omitempty"`
	MaxSelected int `json:"maxSelected,omitempty"`

	// Source gives a search field its suggestions.
	Source *Source `json:"source,omitempty"`

	// Min and Max bound dates ("DD/MM/YYYY" or "YYYY-MM-DD", or "today" with an optional
	// offset such as "today-18y", "today+30d", "today-6m"), times
	// ("hh:mm") and numbers (a JSON number).
	Min *Bound `json:"min,omitempty"`
	Max *Bound `json:"max,omitempty"`
	// Step is the increment of a spin box or slider (default 1, or
	// 10^-Decimals).
	Step *json.Number `json:"step,omitempty"`
	// Decimals is how many decimal places a spin box or slider value may
	// have (0: integers).
	Decimals int `json:"decimals,omitempty"`
	// Unit is shown after a number, e.g. "m²".
	Unit string `json:"unit,omitempty"`

	// Accept lists the file types accepted: media types ("application/pdf")
	// or extensions (".pdf").
	Accept []string `json:"accept,omitempty"`
	// MaxSize is the largest file accepted, in bytes (required for files).
	MaxSize int64 `json:"maxSize,omitempty"`
	// MaxFiles is how many files may be attached (default 1).
	MaxFiles int `json:"maxFiles,omitempty"`

	// Fields are the children of a group or the columns of rows.
	Fields []Field `json:"fields,omitempty"`
	// MinRows and MaxRows bound the rows (MaxRows is required).
	MinRows int `json:"minRows,omitempty"`
	MaxRows int `json:"maxRows,omitempty"`
	// AddLabel and RemoveLabel are the row buttons' labels (default
	// "Thêm dòng" and "Xóa dòng").
	AddLabel    string `json:"addLabel,omitempty"`
	RemoveLabel string `json:"removeLabel,omitempty"`

	// Prefill lists where the field's value may come from, tried in order
	// (see Prefill): the owner's profile or a field of a paper in their
	// vault. Only fields outside dynamic rows that hold a value, files
	// excepted.
	Prefill []PrefillSource `json:"prefill,omitempty"`
	// PrefillEditable false forbids changing a pre-filled value: the
	// submitted value must be the one the source gives (default true).
	PrefillEditable *bool `json:"prefillEditable,omitempty"`
}

// Option is one choice: the value stored and the label shown.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Source is where a search field's suggestions come from: a static list
// (Options) or a named catalogue served by the system (Catalog, e.g.
// "dan_toc"). Free lets the user keep a value that is not a suggestion.
type Source struct {
	Options []Option `json:"options,omitempty"`
	Catalog string   `json:"catalog,omitempty"`
	Free    bool     `json:"free,omitempty"`
}

// Condition is a small declarative expression over other fields' values.
// Exactly one of its forms is set:
//
//	{"field": "x", "equals": "a"}       the value is "a" (a multiple choice contains "a")
//	{"field": "x", "in": ["a", "b"]}    the value is one of them (or contains one)
//	{"field": "x", "notEmpty": true}    the field has a value
//	{"all": [c1, c2]}                   every condition holds
//	{"any": [c1, c2]}                   at least one holds
//	{"not": c}                          c does not hold
//
// A field refers to a field outside any rows, or to a field of the same
// rows; a hidden field counts as empty.
type Condition struct {
	Field    string       `json:"field,omitempty"`
	Equals   *string      `json:"equals,omitempty"`
	In       []string     `json:"in,omitempty"`
	NotEmpty bool         `json:"notEmpty,omitempty"`
	All      []*Condition `json:"all,omitempty"`
	Any      []*Condition `json:"any,omitempty"`
	Not      *Condition   `json:"not,omitempty"`
}

// Bound is a limit written as a JSON string (dates, times) or number
// (numbers); it keeps the literal text.
type Bound struct {
	Text   string
	Number bool // the JSON value was a number
}

// MarshalJSON writes the bound as it was read.
func (b Bound) MarshalJSON() ([]byte, error) {
	if b.Number {
		return []byte(b.Text), nil
	}
	return json.Marshal(b.Text)
}

// UnmarshalJSON reads a JSON string or number.
func (b *Bound) UnmarshalJSON(p []byte) error {
	p = bytes.TrimSpace(p)
	if len(p) > 0 && p[0] == '"' {
		b.Number = false
		return json.Unmarshal(p, &b.Text)
	}
	var n json.Number
	if err := json.Unmarshal(p, &n); err != nil {
		return err
	}
	b.Text, b.Number = n.String(), true
	return nil
}

// hasValue reports whether a field of this type holds a value in the data.
func (t FieldType) hasValue() bool { return t != TypeGroup && t != TypeRows }

// choice reports whether the type picks from Options.
func (t FieldType) choice() bool { return t == TypeRadio || t == TypeCheckbox || t == TypeDropdown }

// multi reports whether f holds a list of option values.
func (f *Field) multi() bool { return f.Type == TypeCheckbox || (f.Type == TypeDropdown && f.Multiple) }

// Summary names one definition in a listing.
type Summary struct {
	Code    string `json:"code"`
	Version int    `json:"version"`
	Title   string `json:"title"`
	Kind    string `json:"kind"`
}

// Summary returns the definition's listing entry.
func (d *Definition) Summary() Summary {
	k := d.Kind
	if k == "" {
		k = KindForm
	}
	return Summary{Code: d.Code, Version: d.Version, Title: d.Title, Kind: k}
}

// Namespace is the XML namespace of the definition's data:
// "urn:kho:form:<code>:<version>".
func (d *Definition) Namespace() string {
	var b strings.Builder
	b.WriteString("urn:kho:form:")
	b.WriteString(d.Code)
	b.WriteString(":")
	b.WriteString(itoa(d.Version))
	return b.String()
}
