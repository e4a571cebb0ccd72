package archive

import (
	"math"
	"regexp"
	"strings"

	"github.com/kho-vn/kho/forms"
)

// ScanField is a key field read from a scan's text: the field of the
// document type (Code, Label as in its schema; Code "" for the paper's
// number, "Số"), the value as written on the page (Text), the value as the
// field stores it (Value: a date as YYYY-MM-DD, a choice as its option's
// value; "" when the text is not one) and Confidence, the mean
// Tesseract confidence (0–100) of the words read. Found is false when no
// line of the page carries the label.
type ScanField struct {
	Code       string `json:"code"`
	Label      string `json:"label"`
	Type       string `json:"type"`
	Text       string `json:"text"`
	Value      string `json:"value"`
	Confidence int    `json:"confidence"`
	Found      bool   `json:"found"`
}

// numberLabel is the label of a paper's number.
const numberLabel = "Số"

// scanDate is a date as written on a Vietnamese paper.
var scanDate = regexp.MustCompile(`^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$`)

// extractFields reads the paper's number and the value fields of def (nil:
// only the number) from words: on a line "<label>: <value>", where the
// label compares folded (case and diacritics aside, which OCR confuses
// most) with the field's label as a whole — so "Họ, chữ đệm và tên" does
// not take the line of "Họ, chữ đệm và tên người mẹ". The first such
// line wins.
func extractFields(words []OCRWord, def *forms.Definition) []ScanField {
	out := []ScanField{{Label: numberLabel, Type: string(forms.TypeText)}}
	var walk func(fs []forms.Field)
	walk = func(fs []forms.Field) {
		for _, f := range fs {
			switch f.Type {
			case forms.TypeGroup:
				walk(f.Fields)
			case forms.TypeText, forms.TypeTextarea, forms.TypeSearch, forms.TypeDate, forms.TypeRadio, forms.TypeDropdown:
				out = append(out, ScanField{Code: f.Code, Label: f.Label, Type: string(f.Type)})
			}
		}
	}
	if def != nil {
		walk(def.Fields)
	}
	byLabel := map[string]int{}
	for i := range out {
		byLabel[Fold(out[i].Label)] = i
	}
	for start := 0; start < len(words); {
		end := start
		for end < len(words) && words[end].Line == words[start].Line {
			end++
		}
		line := words[start:end]
		start = end
		// The label runs to the first word holding a colon.
		for k, w := range line {
			before, after, ok := strings.Cut(w.Text, ":")
			if !ok {
				continue
			}
			parts := make([]string, 0, k+1)
			for _, x := range line[:k] {
				parts = append(parts, x.Text)
			}
			parts = append(parts, before)
			i, known := byLabel[Fold(strings.Join(parts, " "))]
			if !known || out[i].Found {
				break
			}
			vals, sum, n := []string{}, 0.0, 0
			if after = strings.TrimSpace(after); after != "" {
				vals, sum, n = append(vals, after), w.Conf, 1
			}
			for _, x := range line[k+1:] {
				vals, sum, n = append(vals, x.Text), sum+x.Conf, n+1
			}
			if n == 0 {
				break
			}
			f := &out[i]
			f.Found, f.Text = true, strings.Join(vals, " ")
			f.Confidence = int(math.Round(sum / float64(n)))
			f.Value = fieldValue(f.Text, f.Code, def)
			break
		}
	}
	return out
}

// fieldValue is text as the value field code of def stores it: a date as
// YYYY-MM-DD, a choice as the value of the option whose label it is
// (compared folded); "" when the text is not one.
func fieldValue(text, code string, def *forms.Definition) string {
	if code == "" || def == nil {
		return text
	}
	var f *forms.Field
	var find func(fs []forms.Field)
	find = func(fs []forms.Field) {
		for i := range fs {
			if fs[i].Code == code {
				f = &fs[i]
			}
			find(fs[i].Fields)
		}
	}
	find(def.Fields)
	if f == nil {
		return ""
	}
	switch f.Type {
	case forms.TypeDate:
		m := scanDate.FindStringSubmatch(text)
		if m == nil {
			return ""
		}
		return m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1])
	case forms.TypeRadio, forms.TypeDropdown:
		for _, o := range f.Options {
			if Fold(o.Label) == Fold(text) {
				return o.Value
			}
		}
		return ""
	}
	return text
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
