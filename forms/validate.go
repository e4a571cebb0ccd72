package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Default limits of filled data.
const (
	DefaultMaxDataBytes  = 256 << 10 // a filled form's JSON
	DefaultMaxDataValues = 10000     // JSON values in it
)

// Checker validates filled data. The zero value is ready: the clock is
// time.Now and the limits are the defaults.
type Checker struct {
	// Now is the clock for "today" bounds (read in Vietnam time).
	Now func() time.Time
	// MaxBytes and MaxValues bound the data's JSON size and its number of
	// values.
	MaxBytes  int
	MaxValues int
	// Catalogs are the suggestions of search sources by catalogue name. A
	// search field whose catalogue is listed here and that is not Free
	// takes only a listed value; other catalogues are not checked.
	Catalogs map[string][]Option
}

// Validate checks data against d with the default Checker.
func Validate(d *Definition, data []byte) (Values, []FieldError) {
	return Checker{}.Validate(d, data)
}

// Validate checks data, a JSON object of field codes to values, against
// d (which Parse or Check prepared). It returns the clean values and no
// errors, or a field error for each value refused (and Values with what was
// accepted, not to be stored). Hidden fields are neither validated nor
// kept. Text is kept as typed (trimmed): HTML in a value is data, to be
// escaped wherever it is shown.
func (c Checker) Validate(d *Definition, data []byte) (Values, []FieldError) {
	out := Values{Form: d.Code, Version: d.Version, Data: map[string]any{}}
	if d.idx == nil {
		return out, []FieldError{{Code: "form_definition_unchecked", Message: "Biểu mẫu chưa được kiểm tra; không thể nhận dữ liệu."}}
	}
	obj, fe := ParseData(data, DataOptions{MaxBytes: c.MaxBytes, MaxValues: c.MaxValues})
	if fe != nil {
		return out, []FieldError{*fe}
	}
	today := time.Now
	if c.Now != nil {
		today = c.Now
	}
	v := &validation{c: c, d: d, today: today().In(Vietnam)}
	out.Data = v.scope(nil, obj, "", 0, nil)
	return out, v.errs
}

// MaxDataDepth is how deeply filled data may nest: an object of rows whose
// values are lists of files or dates is five levels deep.
const MaxDataDepth = 16

// The codes of ParseData's refusals.
const (
	CodePayloadTooLarge = "payload_too_large"
	CodeTooManyValues   = "too_many_values"
	CodeDuplicateKey    = "duplicate_key"
	CodeNestingTooDeep  = "nesting_too_deep"
	CodeInvalidJSON     = "invalid_json"
	CodeWrongType       = "wrong_type"
)

// DataOptions are the bounds of ParseData and how its messages name the
// data.
type DataOptions struct {
	// MaxBytes and MaxValues bound the JSON's size and number of values
	// (0: DefaultMaxDataBytes, DefaultMaxDataValues).
	MaxBytes, MaxValues int
	// Subject names the data in messages (default "Dữ liệu biểu mẫu").
	Subject string
}

// ParseData reads filled data — a JSON object of field codes to values,
// which a form's data and a document's typed fields both are — by the one
// set of rules every reader of such data shares: at most opts.MaxBytes
// bytes and opts.MaxValues values, valid UTF-8, exactly one JSON value and
// that an object, no key twice in any object, at most MaxDataDepth levels
// deep. It returns the object, its values map[string]any, []any, string,
// json.Number, bool or nil; or the one FieldError that refuses the whole,
// with a Vietnamese message and the code CodePayloadTooLarge,
// CodeTooManyValues, CodeDuplicateKey (Field is the repeated key's path),
// CodeNestingTooDeep, CodeInvalidJSON or CodeWrongType (not an object).
func ParseData(data []byte, opts DataOptions) (map[string]any, *FieldError) {
	maxBytes, maxValues, subject := opts.MaxBytes, opts.MaxValues, opts.Subject
	if maxBytes <= 0 {
		maxBytes = DefaultMaxDataBytes
	}
	if maxValues <= 0 {
		maxValues = DefaultMaxDataValues
	}
	if subject == "" {
		subject = "Dữ liệu biểu mẫu"
	}
	if len(data) > maxBytes {
		return nil, &FieldError{Code: CodePayloadTooLarge,
			Message: subject + " quá lớn: " + itoa(len(data)) + " byte, tối đa " + itoa(maxBytes) + " byte."}
	}
	tree, _, err := readTree(data, treeLimits{maxDepth: MaxDataDepth, maxValues: maxValues})
	if err != nil {
		var te *treeError
		switch {
		case errors.Is(err, errTooManyValues):
			return nil, &FieldError{Code: CodeTooManyValues, Message: subject + " có quá nhiều giá trị (tối đa " + itoa(maxValues) + ")."}
		case errors.Is(err, errTooDeep):
			return nil, &FieldError{Code: CodeNestingTooDeep, Message: subject + " lồng nhau quá sâu (tối đa " + itoa(MaxDataDepth) + " cấp)."}
		case errors.As(err, &te) && errors.Is(te.err, errDuplicateKey):
			return nil, &FieldError{Field: dataPath(te.path), Code: CodeDuplicateKey, Message: subject + " có trường bị lặp: " + dataPath(te.path) + "."}
		}
		return nil, &FieldError{Code: CodeInvalidJSON, Message: subject + " không phải JSON hợp lệ."}
	}
	obj, ok := tree.(map[string]any)
	if !ok {
		return nil, &FieldError{Code: CodeWrongType, Message: subject + " phải là một đối tượng JSON {\"mã trường\": giá trị}."}
	}
	return obj, nil
}

// dataRefused reports whether errs is ParseData's refusal of the whole
// data, not field errors.
func dataRefused(errs []FieldError) bool {
	if len(errs) != 1 {
		return false
	}
	switch errs[0].Code {
	case CodePayloadTooLarge, CodeTooManyValues, CodeDuplicateKey, CodeNestingTooDeep, CodeInvalidJSON:
		return true
	case CodeWrongType:
		return errs[0].Field == ""
	}
	return false
}

// dataPath turns a tree path "$.a[1].b" into a data path "a[1].b".
func dataPath(p string) string {
	p = strings.TrimPrefix(p, "$")
	return strings.TrimPrefix(p, ".")
}

type validation struct {
	c     Checker
	d     *Definition
	today time.Time
	errs  []FieldError
}

// scopeState is one object of values: the whole form, or one row.
type scopeState struct {
	rows    *fieldInfo // nil for the form
	clean   map[string]any
	visible map[*fieldInfo]bool
	parent  *scopeState
}

// scope validates obj, the values of the fields directly in rows (nil: the
// form's top level), and returns the clean values.
func (v *validation) scope(rows *fieldInfo, obj map[string]any, prefix string, row int, parent *scopeState) map[string]any {
	fields := v.d.idx.scopes[rows]
	st := &scopeState{rows: rows, clean: map[string]any{}, visible: map[*fieldInfo]bool{}, parent: parent}
	for _, k := range sortedKeys(obj) {
		if fi := v.d.idx.byCode[k]; fi == nil || fi.rows != rows || !(fi.f.Type.hasValue() || fi.f.Type == TypeRows) {
			p := prefix + k
			if !plainKey(k) {
				p = prefix + strconv.Quote(k)
			}
			v.errs = append(v.errs, FieldError{Field: p, Code: "unknown_field",
				Message: "Biểu mẫu không có trường thông tin «" + shortText(k) + "»."})
		}
	}
	// First each value on its own, keeping the errors by field.
	errsOf := map[*fieldInfo][]FieldError{}
	for _, fi := range fields {
		raw, present := obj[fi.f.Code]
		if !present || raw == nil {
			continue
		}
		saved := v.errs
		v.errs = nil
		var clean any
		if fi.f.Type == TypeRows {
			clean = v.rows(fi, raw, prefix, row, st)
		} else {
			clean = v.value(fi.f, raw, prefix+fi.f.Code, label(fi.f, row))
		}
		errsOf[fi] = v.errs
		v.errs = saved
		if clean != nil && len(errsOf[fi]) == 0 {
			st.clean[fi.f.Code] = clean
		}
	}
	// Then visibility and requirements, which read other fields' values.
	for _, fi := range fields {
		if !v.visible(fi, st) {
			delete(st.clean, fi.f.Code)
			continue
		}
		v.errs = append(v.errs, errsOf[fi]...)
		if len(errsOf[fi]) > 0 {
			continue
		}
		f := fi.f
		_, has := st.clean[f.Code]
		required := f.Required || f.RequiredIf != nil && v.eval(f.RequiredIf, st)
		if f.Type == TypeRows {
			n := 0
			if rs, ok := st.clean[f.Code].([]map[string]any); ok {
				n = len(rs)
			}
			switch {
			case n < f.MinRows:
				v.errs = append(v.errs, FieldError{Field: prefix + f.Code, Code: "too_few_rows",
					Message: label(f, row) + " cần ít nhất " + itoa(f.MinRows) + " dòng."})
			case required && n == 0:
				v.errs = append(v.errs, FieldError{Field: prefix + f.Code, Code: "required",
					Message: label(f, row) + " cần ít nhất 1 dòng."})
			}
			continue
		}
		if required && !has {
			v.errs = append(v.errs, FieldError{Field: prefix + f.Code, Code: "required",
				Message: label(f, row) + " là thông tin bắt buộc."})
		}
	}
	return st.clean
}

// label is the field's label as a message names it, with the row (from 1)
// inside dynamic rows.
func label(f *Field, row int) string {
	if row > 0 {
		return f.Label + " (dòng " + itoa(row) + ")"
	}
	return f.Label
}

// visible reports whether fi is shown: its condition and those of its
// sections hold. Check refused cycles, so this ends.
func (v *validation) visible(fi *fieldInfo, st *scopeState) bool {
	for st != nil && st.rows != fi.rows {
		st = st.parent
	}
	if st == nil {
		return false
	}
	if vis, ok := st.visible[fi]; ok {
		return vis
	}
	vis := true
	for a := fi; a != nil && a != fi.rows; a = a.parent {
		if a.f.VisibleIf != nil && !v.eval(a.f.VisibleIf, st) {
			vis = false
			break
		}
	}
	st.visible[fi] = vis
	return vis
}

// lookup returns the clean value of a visible field, nil otherwise.
func (v *validation) lookup(code string, st *scopeState) any {
	fi := v.d.idx.byCode[code]
	for st != nil && st.rows != fi.rows {
		st = st.parent
	}
	if st == nil || !v.visible(fi, st) {
		return nil
	}
	return st.clean[code]
}

// eval evaluates a condition in scope st.
func (v *validation) eval(c *Condition, st *scopeState) bool {
	switch {
	case c.All != nil:
		for _, s := range c.All {
			if !v.eval(s, st) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, s := range c.Any {
			if v.eval(s, st) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !v.eval(c.Not, st)
	}
	val := v.lookup(c.Field, st)
	if c.NotEmpty {
		return val != nil
	}
	want := c.In
	if c.Equals != nil {
		want = []string{*c.Equals}
	}
	var have []string
	switch x := val.(type) {
	case string:
		have = []string{x}
	case []string:
		have = x
	case json.Number:
		have = []string{x.String()}
	}
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

// rows validates the value of dynamic rows.
func (v *validation) rows(fi *fieldInfo, raw any, prefix string, _ int, st *scopeState) any {
	f := fi.f
	p := prefix + f.Code
	list, ok := raw.([]any)
	if !ok {
		v.wrongType(p, f.Label, "danh sách các dòng")
		return nil
	}
	if len(list) > f.MaxRows {
		v.errs = append(v.errs, FieldError{Field: p, Code: "too_many_rows",
			Message: f.Label + " có tối đa " + itoa(f.MaxRows) + " dòng (đang có " + itoa(len(list)) + ")."})
		return nil
	}
	out := []map[string]any{}
	for i, r := range list {
		rp := fmt.Sprintf("%s[%d]", p, i)
		obj, ok := r.(map[string]any)
		if !ok {
			v.errs = append(v.errs, FieldError{Field: rp, Code: "wrong_type",
				Message: f.Label + " (dòng " + itoa(i+1) + "): mỗi dòng phải là một đối tượng {\"mã trường\": giá trị}."})
			continue
		}
		clean := v.scope(fi, obj, rp+".", i+1, st)
		if len(clean) > 0 {
			out = append(out, clean)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (v *validation) add(p, code, msg string) {
	v.errs = append(v.errs, FieldError{Field: p, Code: code, Message: msg})
}

func (v *validation) wrongType(p, lbl, want string) {
	v.add(p, "wrong_type", lbl+": giá trị không đúng kiểu, cần "+want+".")
}

// value validates one value of a field that holds one; nil means empty
// or refused.
func (v *validation) value(f *Field, raw any, p, lbl string) any {
	switch f.Type {
	case TypeText, TypeTextarea, TypeSearch:
		s, ok := raw.(string)
		if !ok {
			v.wrongType(p, lbl, "chuỗi ký tự")
			return nil
		}
		return v.text(f, s, p, lbl)
	case TypeRadio, TypeDropdown, TypeCheckbox:
		if f.multi() {
			return v.multi(f, raw, p, lbl)
		}
		s, ok := raw.(string)
		if !ok {
			v.wrongType(p, lbl, "một lựa chọn")
			return nil
		}
		if s == "" {
			return nil
		}
		if !hasOption(f.Options, s) {
			v.add(p, "invalid_option", lbl+": giá trị «"+shortText(s)+"» không có trong danh sách lựa chọn.")
			return nil
		}
		return s
	case TypeDate, TypeTime:
		want := "ngày theo dạng DD/MM/YYYY"
		if f.Type == TypeTime {
			want = "giờ theo dạng hh:mm"
		}
		s, ok := raw.(string)
		if !ok {
			v.wrongType(p, lbl, want)
			return nil
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		if f.Type == TypeTime {
			_, hhmm, ok := v.clock(f, s, p, lbl)
			if !ok {
				return nil
			}
			return hhmm
		}
		d, ok := v.date(f, s, p, lbl)
		if !ok {
			return nil
		}
		return d.iso()
	case TypeDateRange, TypeTimeRange:
		return v.rangeValue(f, raw, p, lbl)
	case TypeSpin, TypeSlider:
		return v.number(f, raw, p, lbl)
	case TypeFile:
		return v.files(f, raw, p, lbl)
	}
	return nil
}

func (v *validation) text(f *Field, s, p, lbl string) any {
	lines := f.Type == TypeTextarea
	if lines {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if hasControl(s, lines) {
		v.add(p, "invalid_characters", lbl+" chứa ký tự điều khiển hoặc ký tự định dạng ẩn (như ký tự đảo chiều hiển thị), không được phép.")
		return nil
	}
	max := f.MaxLength
	if max == 0 {
		max = MaxTextLength
		if lines {
			max = DefaultTextareaLength
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.add(p, "too_long", lbl+" dài quá "+itoa(max)+" ký tự (đang có "+itoa(n)+").")
		return nil
	} else if n < f.MinLength {
		v.add(p, "too_short", lbl+" cần ít nhất "+itoa(f.MinLength)+" ký tự.")
		return nil
	}
	switch f.Format {
	case FormatEmail:
		if !emailRE.MatchString(s) {
			v.add(p, "invalid_email", lbl+" không đúng định dạng thư điện tử (ví dụ: ten@example.vn).")
			return nil
		}
	case FormatPhone:
		n := normalisePhone(s)
		if !phoneRE.MatchString(n) {
			v.add(p, "invalid_phone", lbl+" không phải số điện thoại Việt Nam hợp lệ (ví dụ: 0912345678 hoặc 02438123456).")
			return nil
		}
		s = n
	case FormatMoney:
		n, ok := normaliseMoney(s)
		if !ok {
			v.add(p, "invalid_money", lbl+" phải là số tiền bằng đồng, chỉ gồm chữ số, có thể ngăn cách hàng nghìn bằng dấu chấm (ví dụ: 1.500.000).")
			return nil
		}
		s = n
	case FormatIdentityNumber:
		if !identityRE.MatchString(s) {
			v.add(p, "invalid_identity_number", lbl+" phải gồm 12 chữ số.")
			return nil
		}
		if !provinceOK(s) {
			v.add(p, "invalid_identity_number", lbl+" không hợp lệ: 3 chữ số đầu phải là mã tỉnh từ 001 đến 096.")
			return nil
		}
	case FormatTaxCode:
		if !taxCodeRE.MatchString(s) {
			v.add(p, "invalid_tax_code", lbl+" phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (ví dụ: 0101234567-001).")
			return nil
		}
	}
	if f.Type == TypeSearch && !f.Source.Free {
		opts := f.Source.Options
		listed := true
		if f.Source.Catalog != "" {
			opts, listed = v.c.Catalogs[f.Source.Catalog]
		}
		if listed && !hasOption(opts, s) {
			v.add(p, "invalid_option", lbl+": giá trị «"+shortText(s)+"» không có trong danh sách gợi ý.")
			return nil
		}
	}
	return s
}

func hasOption(opts []Option, s string) bool {
	return slices.ContainsFunc(opts, func(o Option) bool { return o.Value == s })
}

// shortText cuts a value quoted in a message to 40 characters.
func shortText(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}

func (v *validation) multi(f *Field, raw any, p, lbl string) any {
	list, ok := raw.([]any)
	if !ok {
		v.wrongType(p, lbl, "danh sách các lựa chọn")
		return nil
	}
	chosen := map[string]bool{}
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			v.wrongType(fmt.Sprintf("%s[%d]", p, i), lbl, "một lựa chọn")
			return nil
		}
		if !hasOption(f.Options, s) {
			v.add(fmt.Sprintf("%s[%d]", p, i), "invalid_option", lbl+": giá trị «"+shortText(s)+"» không có trong danh sách lựa chọn.")
			return nil
		}
		if chosen[s] {
			v.add(fmt.Sprintf("%s[%d]", p, i), "duplicate_option", lbl+": lựa chọn «"+shortText(s)+"» bị lặp.")
			return nil
		}
		chosen[s] = true
	}
	if len(chosen) == 0 {
		return nil
	}
	if len(chosen) < f.MinSelected {
		v.add(p, "too_few_selected", lbl+": cần chọn ít nhất "+itoa(f.MinSelected)+" mục.")
		return nil
	}
	if f.MaxSelected > 0 && len(chosen) > f.MaxSelected {
		v.add(p, "too_many_selected", lbl+": chỉ được chọn tối đa "+itoa(f.MaxSelected)+" mục.")
		return nil
	}
	out := make([]string, 0, len(chosen))
	for _, o := range f.Options {
		if chosen[o.Value] {
			out = append(out, o.Value)
		}
	}
	return out
}

// date reads and bounds one date.
func (v *validation) date(f *Field, s, p, lbl string) (date, bool) {
	s = strings.TrimSpace(s)
	d, err := parseDate(s)
	if errors.Is(err, errNoSuchDay) {
		v.add(p, "invalid_date", lbl+" không hợp lệ: "+shortText(s)+" không tồn tại.")
		return d, false
	}
	if err != nil {
		v.add(p, "invalid_date", lbl+" không hợp lệ: cần ngày theo dạng DD/MM/YYYY (ví dụ: 05/09/2025).")
		return d, false
	}
	if f.Min != nil {
		r, _ := parseRelDate(f.Min.Text)
		if lo := r.resolve(v.today); d.before(lo) {
			v.add(p, "date_before_min", lbl+" phải từ ngày "+lo.String()+" trở về sau.")
			return d, false
		}
	}
	if f.Max != nil {
		r, _ := parseRelDate(f.Max.Text)
		if hi := r.resolve(v.today); hi.before(d) {
			v.add(p, "date_after_max", lbl+" không được sau ngày "+hi.String()+".")
			return d, false
		}
	}
	return d, true
}

// clock reads and bounds one time of day, returning it as minutes after
// midnight and as hh:mm.
func (v *validation) clock(f *Field, s, p, lbl string) (int, string, bool) {
	m, hhmm, ok := parseClockInput(strings.TrimSpace(s))
	if !ok {
		v.add(p, "invalid_time", lbl+" không hợp lệ: cần giờ theo dạng hh:mm, từ 00:00 đến 23:59 (hoặc 12 giờ kèm SA/CH).")
		return 0, "", false
	}
	if f.Min != nil {
		if lo, _ := parseClock(f.Min.Text); m < lo {
			v.add(p, "time_before_min", lbl+" phải từ "+f.Min.Text+" trở về sau.")
			return 0, "", false
		}
	}
	if f.Max != nil {
		if hi, _ := parseClock(f.Max.Text); m > hi {
			v.add(p, "time_after_max", lbl+" không được sau "+f.Max.Text+".")
			return 0, "", false
		}
	}
	return m, hhmm, true
}

func (v *validation) rangeValue(f *Field, raw any, p, lbl string) any {
	isDate := f.Type == TypeDateRange
	want := "khoảng thời gian {\"from\": \"hh:mm\", \"to\": \"hh:mm\"}"
	if isDate {
		want = "khoảng ngày {\"from\": \"DD/MM/YYYY\", \"to\": \"DD/MM/YYYY\"}"
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.wrongType(p, lbl, want)
		return nil
	}
	for k := range obj {
		if k != "from" && k != "to" {
			v.wrongType(p, lbl, want)
			return nil
		}
	}
	from, ok1 := obj["from"].(string)
	to, ok2 := obj["to"].(string)
	if (obj["from"] != nil && !ok1) || (obj["to"] != nil && !ok2) {
		v.wrongType(p, lbl, want)
		return nil
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if from == "" && to == "" {
		return nil
	}
	if from == "" || to == "" {
		v.add(p, "incomplete_range", lbl+": cần nhập cả điểm bắt đầu và điểm kết thúc.")
		return nil
	}
	if isDate {
		a, ok1 := v.date(f, from, p+".from", lbl+" (từ ngày)")
		b, ok2 := v.date(f, to, p+".to", lbl+" (đến ngày)")
		if !ok1 || !ok2 {
			return nil
		}
		if b.before(a) {
			v.add(p, "invalid_range", lbl+": ngày bắt đầu "+a.String()+" sau ngày kết thúc "+b.String()+".")
			return nil
		}
		return Range{From: a.iso(), To: b.iso()}
	}
	a, fromHM, ok1 := v.clock(f, from, p+".from", lbl+" (từ)")
	b, toHM, ok2 := v.clock(f, to, p+".to", lbl+" (đến)")
	if !ok1 || !ok2 {
		return nil
	}
	if b <= a {
		v.add(p, "invalid_range", lbl+": giờ bắt đầu "+fromHM+" phải trước giờ kết thúc "+toHM+".")
		return nil
	}
	return Range{From: fromHM, To: toHM}
}

func (v *validation) number(f *Field, raw any, p, lbl string) any {
	n, ok := raw.(json.Number)
	if !ok {
		v.wrongType(p, lbl, "một số")
		return nil
	}
	x, ok := parseDecimal(n.String())
	if !ok {
		v.add(p, "not_a_number", lbl+" phải là một số thập phân viết thường (ví dụ: 12 hoặc 12,5 viết là 12.5).")
		return nil
	}
	if dp := decimalPlaces(x); dp > f.Decimals {
		if f.Decimals == 0 {
			v.add(p, "not_integer", lbl+" phải là số nguyên.")
		} else {
			v.add(p, "too_many_decimals", lbl+" chỉ được có tối đa "+itoa(f.Decimals)+" chữ số thập phân.")
		}
		return nil
	}
	var lo *big.Rat
	if f.Min != nil {
		lo, _ = parseDecimal(f.Min.Text)
		if x.Cmp(lo) < 0 {
			v.add(p, "below_min", lbl+" phải lớn hơn hoặc bằng "+viNumber(f.Min.Text)+".")
			return nil
		}
	}
	if f.Max != nil {
		hi, _ := parseDecimal(f.Max.Text)
		if x.Cmp(hi) > 0 {
			v.add(p, "above_max", lbl+" phải nhỏ hơn hoặc bằng "+viNumber(f.Max.Text)+".")
			return nil
		}
	}
	step := new(big.Rat).SetFrac64(1, 1)
	for i := 0; i < f.Decimals; i++ {
		step.Quo(step, big.NewRat(10, 1))
	}
	if f.Step != nil {
		step, _ = parseDecimal(f.Step.String())
	}
	base := new(big.Rat)
	if lo != nil {
		base = lo
	}
	q := new(big.Rat).Sub(x, base)
	q.Quo(q, step)
	if !q.IsInt() {
		v.add(p, "step_mismatch", lbl+" phải tăng theo bước "+viNumber(decimalString(step))+" (tính từ "+viNumber(decimalString(base))+").")
		return nil
	}
	return json.Number(decimalString(x))
}

// viNumber writes a decimal with a comma, as Vietnamese does.
func viNumber(s string) string { return strings.Replace(s, ".", ",", 1) }

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (v *validation) files(f *Field, raw any, p, lbl string) any {
	list, ok := raw.([]any)
	if !ok {
		v.wrongType(p, lbl, "danh sách tệp")
		return nil
	}
	max := f.MaxFiles
	if max == 0 {
		max = 1
	}
	if len(list) > max {
		v.add(p, "too_many_files", lbl+" chỉ được đính kèm tối đa "+itoa(max)+" tệp.")
		return nil
	}
	out := []File{}
	for i, e := range list {
		fp := fmt.Sprintf("%s[%d]", p, i)
		obj, ok := e.(map[string]any)
		file, good := File{}, ok
		if ok {
			for k, x := range obj {
				switch k {
				case "name":
					file.Name, ok = x.(string)
				case "mediaType":
					file.MediaType, ok = x.(string)
				case "sha256":
					file.SHA256, ok = x.(string)
					ok = ok && sha256RE.MatchString(file.SHA256)
				case "size":
					var n json.Number
					n, ok = x.(json.Number)
					if ok {
						var err error
						file.Size, err = strconv.ParseInt(n.String(), 10, 64)
						ok = err == nil && file.Size >= 0
					}
				default:
					ok = false
				}
				good = good && ok
			}
		}
		if !good || file.Name == "" || utf8.RuneCountInString(file.Name) > 255 || hasControl(file.Name, false) ||
			strings.ContainsAny(file.Name, `/\`) || file.MediaType == "" {
			v.add(fp, "invalid_file", lbl+": thông tin tệp không hợp lệ (cần tên tệp, kiểu tệp, dung lượng).")
			return nil
		}
		if !accepted(f.Accept, file) {
			v.add(fp, "file_type_not_accepted", "Tệp «"+shortText(file.Name)+"» không đúng định dạng; chấp nhận: "+strings.Join(f.Accept, ", ")+".")
			return nil
		}
		if file.Size > f.MaxSize {
			v.add(fp, "file_too_large", "Tệp «"+shortText(file.Name)+"» vượt quá dung lượng tối đa "+humanBytes(f.MaxSize)+".")
			return nil
		}
		out = append(out, file)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// accepted reports whether file matches a media type or an extension of
// accept.
func accepted(accept []string, file File) bool {
	ext := strings.ToLower(path.Ext(file.Name))
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(file.MediaType, ";", 2)[0]))
	for _, a := range accept {
		if a == ext || a == mt {
			return true
		}
	}
	return false
}

// humanBytes writes a size in bytes for people.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " byte"
}
