package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Limits of a definition.
const (
	MaxDefinitionBytes  = 1 << 20 // a definition file
	maxDefinitionValues = 100000
	maxFields           = 2000
	maxNesting          = 8
	maxConditionDepth   = 10
	maxOptions          = 5000
	maxLabelRunes       = 500
	maxHelpRunes        = 2000
)

var (
	formCodeRE  = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	fieldCodeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
	catalogRE   = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)
)

// Parse reads a definition in the JSON format strictly: no unknown keys,
// no duplicate keys, every rule checked (see Check). The error, of kind
// Invalid and code "form_definition_invalid", wraps a *DefinitionError
// listing each problem with its JSON path.
func Parse(data []byte) (*Definition, error) {
	if len(data) > MaxDefinitionBytes {
		return nil, kerr.New(kerr.TooLarge, "form_definition_too_large",
			"Định nghĩa biểu mẫu quá lớn (tối đa 1 MiB).", "definition of %d bytes, limit %d", len(data), MaxDefinitionBytes)
	}
	tree, _, err := readTree(data, treeLimits{maxDepth: 64, maxValues: maxDefinitionValues})
	if err != nil {
		var te *treeError
		p := Problem{Path: "$", Message: err.Error()}
		if errors.As(err, &te) {
			p = Problem{Path: te.path, Message: te.err.Error()}
		}
		return nil, definitionError([]Problem{p})
	}
	if _, ok := tree.(map[string]any); !ok {
		return nil, definitionError([]Problem{{Path: "$", Message: "a definition is a JSON object"}})
	}
	var probs []Problem
	checkKeys(tree, reflect.TypeFor[Definition](), "$", &probs)
	if len(probs) > 0 {
		return nil, definitionError(probs)
	}
	var d Definition
	if err := json.Unmarshal(data, &d); err != nil {
		p := Problem{Path: "$", Message: err.Error()}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			p = Problem{Path: "$." + ute.Field, Message: fmt.Sprintf("wants %v, got JSON %s", ute.Type, ute.Value)}
		}
		return nil, definitionError([]Problem{p})
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return &d, nil
}

func definitionError(probs []Problem) error {
	first := probs[0]
	msg := "Định nghĩa biểu mẫu không hợp lệ tại " + first.Path + " (" + itoa(len(probs)) + " lỗi)."
	return kerr.Wrap(&DefinitionError{Problems: probs}, kerr.Invalid, "form_definition_invalid", msg)
}

// ProblemsOf returns the problems an error of Parse or Check lists.
func ProblemsOf(err error) []Problem {
	var de *DefinitionError
	if errors.As(err, &de) {
		return de.Problems
	}
	return nil
}

// index is what Check learns of a definition for Validate.
type index struct {
	byCode map[string]*fieldInfo
	order  []*fieldInfo // every field, depth first
	// scopes lists, for the form (key nil) and each rows field, the fields
	// whose values sit directly in its objects: value fields and rows,
	// sections flattened.
	scopes map[*fieldInfo][]*fieldInfo
}

type fieldInfo struct {
	f      *Field
	path   string     // JSON path in the definition
	parent *fieldInfo // the enclosing group or rows
	rows   *fieldInfo // the enclosing rows
}

// checker collects problems.
type checker struct {
	probs []Problem
	idx   *index
	count int
}

func (c *checker) add(path, format string, args ...any) {
	c.probs = append(c.probs, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Check verifies every rule of the format and prepares the definition for
// Validate. Parse calls it; call it on a Definition built in Go.
func (d *Definition) Check() error {
	c := &checker{idx: &index{byCode: map[string]*fieldInfo{}}}
	if d.Schema != SchemaVersion {
		c.add("$.schema", "schema must be %d, got %d", SchemaVersion, d.Schema)
	}
	if !formCodeRE.MatchString(d.Code) {
		c.add("$.code", "code %q must be a capital letter then capital letters, digits or _ (at most 64)", d.Code)
	}
	if d.Version < 1 || d.Version > 1_000_000 {
		c.add("$.version", "version must be from 1 to 1000000, got %d", d.Version)
	}
	c.text("$.title", d.Title, true, maxLabelRunes)
	c.text("$.description", d.Description, false, maxHelpRunes)
	c.text("$.legal", d.Legal, false, maxLabelRunes)
	if d.Kind != "" && d.Kind != KindForm && d.Kind != KindDocumentType {
		c.add("$.kind", "kind must be %q or %q", KindForm, KindDocumentType)
	}
	if len(d.Fields) == 0 {
		c.add("$.fields", "a definition needs at least one field")
	}
	c.fields(d.Fields, "$.fields", nil, nil, 0)
	if len(c.probs) == 0 {
		for _, fi := range c.idx.order {
			c.conditions(fi)
		}
	}
	if len(c.probs) == 0 {
		c.cycles()
	}
	if len(c.probs) > 0 {
		return definitionError(c.probs)
	}
	c.idx.scopes = map[*fieldInfo][]*fieldInfo{}
	for _, fi := range c.idx.order {
		if fi.f.Type.hasValue() || fi.f.Type == TypeRows {
			c.idx.scopes[fi.rows] = append(c.idx.scopes[fi.rows], fi)
		}
	}
	d.idx = c.idx
	return nil
}

func (c *checker) text(path, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		c.add(path, "must not be empty")
	case utf8.RuneCountInString(s) > max:
		c.add(path, "longer than %d characters", max)
	case hasControl(s, false):
		c.add(path, "has control or format characters")
	}
}

func (c *checker) fields(fs []Field, path string, parent, rows *fieldInfo, depth int) {
	if depth > maxNesting {
		c.add(path, "groups and rows nest deeper than %d", maxNesting)
		return
	}
	for i := range fs {
		f := &fs[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		c.count++
		if c.count > maxFields {
			c.add(p, "more than %d fields", maxFields)
			return
		}
		fi := &fieldInfo{f: f, path: p, parent: parent, rows: rows}
		switch {
		case !fieldCodeRE.MatchString(f.Code) || strings.HasPrefix(strings.ToLower(f.Code), "xml"):
			c.add(p+".code", "code %q must be a letter then letters, digits or _ (at most 64), not starting with \"xml\"", f.Code)
		case c.idx.byCode[f.Code] != nil:
			c.add(p+".code", "duplicate field code %q (first at %s)", f.Code, c.idx.byCode[f.Code].path)
		default:
			c.idx.byCode[f.Code] = fi
		}
		c.idx.order = append(c.idx.order, fi)
		if !slices.Contains(fieldTypes, f.Type) {
			c.add(p+".type", "unknown type %q", f.Type)
			continue
		}
		c.text(p+".label", f.Label, true, maxLabelRunes)
		c.text(p+".help", f.Help, false, maxHelpRunes)
		c.text(p+".placeholder", f.Placeholder, false, maxLabelRunes)
		if f.Placeholder != "" && f.Placeholder == f.Label {
			c.add(p+".placeholder", "the placeholder repeats the label")
		}
		c.field(f, p)
		if rows != nil && (f.Prefill != nil || f.PrefillEditable != nil) {
			c.add(p+".prefill", "fields inside rows are not pre-filled")
		}
		if f.Type == TypeRows && rows != nil {
			c.add(p+".type", "rows inside rows are not supported")
			continue
		}
		if f.Type == TypeGroup || f.Type == TypeRows {
			if len(f.Fields) == 0 {
				c.add(p+".fields", "a %s needs at least one field", f.Type)
			}
			inner := rows
			if f.Type == TypeRows {
				inner = fi
			}
			c.fields(f.Fields, p+".fields", fi, inner, depth+1)
		}
	}
}

// field checks the keys that depend on the type.
func (c *checker) field(f *Field, p string) {
	t := f.Type
	only := func(set bool, key string, types ...FieldType) {
		if set && !slices.Contains(types, t) {
			c.add(p+"."+key, "%q does not apply to type %q", key, t)
		}
	}
	only(f.Format != "", "format", TypeText)
	only(f.MinLength != 0, "minLength", TypeText, TypeTextarea, TypeSearch)
	only(f.MaxLength != 0, "maxLength", TypeText, TypeTextarea, TypeSearch)
	only(f.Lines != 0, "lines", TypeTextarea)
	only(f.Options != nil, "options", TypeRadio, TypeCheckbox, TypeDropdown)
	only(f.Multiple, "multiple", TypeDropdown)
	only(f.Filter, "filter", TypeDropdown)
	only(f.SelectAll, "selectAll", TypeCheckbox, TypeDropdown)
	only(f.MinSelected != 0, "minSelected", TypeCheckbox, TypeDropdown)
	only(f.MaxSelected != 0, "maxSelected", TypeCheckbox, TypeDropdown)
	only(f.Source != nil, "source", TypeSearch)
	only(f.Min != nil, "min", TypeDate, TypeDateRange, TypeTime, TypeTimeRange, TypeSpin, TypeSlider)
	only(f.Max != nil, "max", TypeDate, TypeDateRange, TypeTime, TypeTimeRange, TypeSpin, TypeSlider)
	only(f.Step != nil, "step", TypeSpin, TypeSlider)
	only(f.Decimals != 0, "decimals", TypeSpin, TypeSlider)
	only(f.Unit != "", "unit", TypeSpin, TypeSlider)
	only(f.Accept != nil, "accept", TypeFile)
	only(f.MaxSize != 0, "maxSize", TypeFile)
	only(f.MaxFiles != 0, "maxFiles", TypeFile)
	only(f.Fields != nil, "fields", TypeGroup, TypeRows)
	only(f.MinRows != 0, "minRows", TypeRows)
	only(f.MaxRows != 0, "maxRows", TypeRows)
	only(f.AddLabel != "", "addLabel", TypeRows)
	only(f.RemoveLabel != "", "removeLabel", TypeRows)
	only(f.Prefill != nil, "prefill", valueTypesExcept(TypeFile)...)
	only(f.PrefillEditable != nil, "prefillEditable", valueTypesExcept(TypeFile)...)
	c.prefill(f, p)
	only(f.Required, "required", fieldTypesExcept(TypeGroup)...)
	only(f.RequiredIf != nil, "requiredIf", fieldTypesExcept(TypeGroup)...)

	if f.Format != "" && !slices.Contains(textFormats, f.Format) {
		c.add(p+".format", "unknown format %q (one of %s)", f.Format, strings.Join(textFormats, ", "))
	}
	if f.MinLength < 0 || f.MaxLength < 0 {
		c.add(p, "minLength and maxLength must not be negative")
	}
	if f.Type == TypeText && f.MaxLength > MaxTextLength || f.Type == TypeSearch && f.MaxLength > MaxTextLength {
		c.add(p+".maxLength", "a %s field holds at most %d characters", f.Type, MaxTextLength)
	}
	if f.Type == TypeTextarea && f.MaxLength > MaxTextareaLength {
		c.add(p+".maxLength", "a textarea holds at most %d characters", MaxTextareaLength)
	}
	if f.MaxLength > 0 && f.MinLength > f.MaxLength {
		c.add(p+".minLength", "minLength %d is above maxLength %d", f.MinLength, f.MaxLength)
	}
	if f.Lines < 0 || f.Lines > 50 {
		c.add(p+".lines", "lines must be from 1 to 50")
	}
	if t.choice() {
		min := 1
		if t == TypeRadio {
			min = 2
		}
		if len(f.Options) < min {
			c.add(p+".options", "a %s field needs at least %d options", t, min)
		}
		c.options(f.Options, p+".options")
		if f.SelectAll && !f.multi() {
			c.add(p+".selectAll", "selectAll needs a multiple choice")
		}
		if (f.MinSelected != 0 || f.MaxSelected != 0) && !f.multi() {
			c.add(p, "minSelected and maxSelected need a multiple choice")
		}
		if f.MinSelected < 0 || f.MaxSelected < 0 || f.MaxSelected > 0 && f.MinSelected > f.MaxSelected || f.MinSelected > len(f.Options) {
			c.add(p+".minSelected", "minSelected %d and maxSelected %d do not fit %d options", f.MinSelected, f.MaxSelected, len(f.Options))
		}
	}
	if t == TypeSearch {
		switch s := f.Source; {
		case s == nil:
			c.add(p+".source", "a search field needs a source of suggestions")
		case (len(s.Options) > 0) == (s.Catalog != ""):
			c.add(p+".source", "a source has either options or a catalog")
		case s.Catalog != "" && !catalogRE.MatchString(s.Catalog):
			c.add(p+".source.catalog", "catalog name %q must be lower-case letters, digits, _ . -", s.Catalog)
		default:
			c.options(s.Options, p+".source.options")
		}
	}
	switch t {
	case TypeDate, TypeDateRange:
		var lo, hi *relDate
		if f.Min != nil {
			lo = c.dateBound(f.Min, p+".min")
		}
		if f.Max != nil {
			hi = c.dateBound(f.Max, p+".max")
		}
		if lo != nil && hi != nil && lo.rel == "" && hi.rel == "" && hi.d.before(lo.d) {
			c.add(p+".max", "max is before min")
		}
	case TypeTime, TypeTimeRange:
		var lo, hi = -1, -1
		if f.Min != nil {
			lo = c.timeBound(f.Min, p+".min")
		}
		if f.Max != nil {
			hi = c.timeBound(f.Max, p+".max")
		}
		if lo >= 0 && hi >= 0 && hi < lo {
			c.add(p+".max", "max is before min")
		}
	case TypeSpin, TypeSlider:
		c.numberRules(f, p)
	case TypeFile:
		if len(f.Accept) == 0 {
			c.add(p+".accept", "a file field lists the accepted types")
		}
		for i, a := range f.Accept {
			if !acceptRE.MatchString(a) {
				c.add(fmt.Sprintf("%s.accept[%d]", p, i), "%q is neither a media type nor an extension such as .pdf", a)
			}
		}
		if f.MaxSize <= 0 {
			c.add(p+".maxSize", "a file field needs a size limit in bytes")
		}
		if f.MaxFiles < 0 || f.MaxFiles > 100 {
			c.add(p+".maxFiles", "maxFiles must be from 1 to 100")
		}
	case TypeRows:
		if f.MaxRows < 1 || f.MaxRows > 1000 {
			c.add(p+".maxRows", "rows need maxRows from 1 to 1000")
		}
		if f.MinRows < 0 || f.MinRows > f.MaxRows {
			c.add(p+".minRows", "minRows must be from 0 to maxRows")
		}
		c.text(p+".addLabel", f.AddLabel, false, 100)
		c.text(p+".removeLabel", f.RemoveLabel, false, 100)
	}
}

var acceptRE = regexp.MustCompile(`^(\.[a-z0-9]{1,10}|[a-z]+/[a-z0-9.+-]+)$`)

func fieldTypesExcept(t FieldType) []FieldType {
	return slices.DeleteFunc(slices.Clone(fieldTypes), func(x FieldType) bool { return x == t })
}

func (c *checker) options(opts []Option, path string) {
	if len(opts) > maxOptions {
		c.add(path, "more than %d options", maxOptions)
		return
	}
	seen := map[string]bool{}
	for i, o := range opts {
		op := fmt.Sprintf("%s[%d]", path, i)
		if o.Value == "" || utf8.RuneCountInString(o.Value) > MaxTextLength || hasControl(o.Value, false) || strings.TrimSpace(o.Value) != o.Value {
			c.add(op+".value", "an option value is 1 to %d characters without surrounding spaces", MaxTextLength)
		} else if seen[o.Value] {
			c.add(op+".value", "duplicate option value %q", o.Value)
		}
		seen[o.Value] = true
		c.text(op+".label", o.Label, true, maxLabelRunes)
	}
}

func (c *checker) dateBound(b *Bound, path string) *relDate {
	if b.Number {
		c.add(path, "a date bound is a string")
		return nil
	}
	r, err := parseRelDate(b.Text)
	if err != nil {
		c.add(path, "%v", err)
		return nil
	}
	return &r
}

func (c *checker) timeBound(b *Bound, path string) int {
	if b.Number {
		c.add(path, "a time bound is a string \"hh:mm\"")
		return -1
	}
	m, ok := parseClock(b.Text)
	if !ok {
		c.add(path, "%q is not a time hh:mm", b.Text)
		return -1
	}
	return m
}

func (c *checker) numberRules(f *Field, p string) {
	if f.Decimals < 0 || f.Decimals > 6 {
		c.add(p+".decimals", "decimals must be from 0 to 6")
		return
	}
	num := func(b *Bound, key string) *big.Rat {
		if b == nil {
			return nil
		}
		if !b.Number {
			c.add(p+"."+key, "a number bound is a JSON number")
			return nil
		}
		r, ok := parseDecimal(b.Text)
		if !ok {
			c.add(p+"."+key, "%q is not a decimal number", b.Text)
			return nil
		}
		if decimalPlaces(r) > f.Decimals {
			c.add(p+"."+key, "%s has more than %d decimal places", b.Text, f.Decimals)
		}
		return r
	}
	lo, hi := num(f.Min, "min"), num(f.Max, "max")
	if f.Type == TypeSlider && (f.Min == nil || f.Max == nil) {
		c.add(p, "a slider needs min and max")
	}
	if lo != nil && hi != nil && hi.Cmp(lo) < 0 {
		c.add(p+".max", "max is below min")
	}
	if f.Step != nil {
		s, ok := parseDecimal(f.Step.String())
		switch {
		case !ok || s.Sign() <= 0:
			c.add(p+".step", "step must be a positive number")
		case decimalPlaces(s) > f.Decimals:
			c.add(p+".step", "step %s has more than %d decimal places", f.Step, f.Decimals)
		}
	}
}

// conditions checks the references of a field's conditions.
func (c *checker) conditions(fi *fieldInfo) {
	f := fi.f
	if f.VisibleIf != nil {
		c.condition(fi, f.VisibleIf, fi.path+".visibleIf", 0)
	}
	if f.RequiredIf != nil {
		c.condition(fi, f.RequiredIf, fi.path+".requiredIf", 0)
	}
}

func (c *checker) condition(fi *fieldInfo, cond *Condition, path string, depth int) {
	if cond == nil {
		c.add(path, "a condition must not be null")
		return
	}
	if depth > maxConditionDepth {
		c.add(path, "conditions nest deeper than %d", maxConditionDepth)
		return
	}
	forms := 0
	if cond.Field != "" {
		forms++
	}
	for _, set := range []bool{cond.All != nil, cond.Any != nil, cond.Not != nil} {
		if set {
			forms++
		}
	}
	ops := 0
	for _, set := range []bool{cond.Equals != nil, cond.In != nil, cond.NotEmpty} {
		if set {
			ops++
		}
	}
	switch {
	case forms != 1:
		c.add(path, "a condition has exactly one of field, all, any, not")
		return
	case cond.Field != "" && ops != 1:
		c.add(path, "a field condition has exactly one of equals, in, notEmpty")
		return
	case cond.Field == "" && ops != 0:
		c.add(path, "equals, in and notEmpty go with field")
		return
	}
	switch {
	case cond.All != nil || cond.Any != nil:
		list, key := cond.All, "all"
		if cond.Any != nil {
			list, key = cond.Any, "any"
		}
		if len(list) == 0 {
			c.add(path+"."+key, "an empty list")
		}
		for i, sub := range list {
			c.condition(fi, sub, fmt.Sprintf("%s.%s[%d]", path, key, i), depth+1)
		}
		return
	case cond.Not != nil:
		c.condition(fi, cond.Not, path+".not", depth+1)
		return
	}
	ref := c.idx.byCode[cond.Field]
	switch {
	case ref == nil:
		c.add(path+".field", "no field %q", cond.Field)
		return
	case !ref.f.Type.hasValue():
		c.add(path+".field", "field %q is a %s and holds no value", cond.Field, ref.f.Type)
		return
	case ref.rows != nil && ref.rows != fi.rows && ref.rows != fi:
		c.add(path+".field", "field %q is inside rows %q; a condition may refer only to fields outside rows or in the same rows", cond.Field, ref.rows.f.Code)
		return
	}
	if cond.In != nil && len(cond.In) == 0 {
		c.add(path+".in", "an empty list")
	}
	if ref.f.Type.choice() {
		vals := append([]string(nil), cond.In...)
		if cond.Equals != nil {
			vals = append(vals, *cond.Equals)
		}
		for _, v := range vals {
			if !slices.ContainsFunc(ref.f.Options, func(o Option) bool { return o.Value == v }) {
				c.add(path, "%q is not an option of field %q", v, cond.Field)
			}
		}
	}
}

// cycles refuses visibility conditions that depend on themselves: a field's
// visibility depends on the fields its VisibleIf (and its sections'
// VisibleIf) refer to.
func (c *checker) cycles() {
	const (
		white = iota
		grey
		black
	)
	state := map[*fieldInfo]int{}
	var visit func(fi *fieldInfo, stack []string) bool
	visit = func(fi *fieldInfo, stack []string) bool {
		switch state[fi] {
		case grey:
			c.add(fi.path, "visibility conditions (its own or its sections') form a cycle: %s", strings.Join(append(stack, fi.f.Code), " → "))
			return false
		case black:
			return true
		}
		state[fi] = grey
		stack = append(stack, fi.f.Code)
		for a := fi; a != nil; a = a.parent {
			for _, ref := range conditionFields(a.f.VisibleIf) {
				if !visit(c.idx.byCode[ref], stack) {
					return false
				}
			}
		}
		state[fi] = black
		return true
	}
	for _, fi := range c.idx.order {
		if !visit(fi, nil) {
			return
		}
	}
}

// conditionFields lists the field codes a condition refers to.
func conditionFields(cond *Condition) []string {
	if cond == nil {
		return nil
	}
	var out []string
	if cond.Field != "" {
		out = append(out, cond.Field)
	}
	for _, sub := range cond.All {
		out = append(out, conditionFields(sub)...)
	}
	for _, sub := range cond.Any {
		out = append(out, conditionFields(sub)...)
	}
	return append(out, conditionFields(cond.Not)...)
}

// hasControl reports whether s has control characters (other than tab and
// newline when lines is set), bidirectional overrides or other format
// characters: the rule of every text people type (textrule.Forbidden).
func hasControl(s string, lines bool) bool {
	i, _ := textrule.Find(s, lines)
	return i >= 0
}
