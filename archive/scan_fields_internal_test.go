package archive

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kho-vn/kho/forms"
)

// birthSchema is the shipped birth certificate type's schema.
func birthSchema(t testing.TB) *forms.Definition {
	t.Helper()
	var c struct {
		DocumentTypes []struct {
			Code   string          `json:"code"`
			Schema json.RawMessage `json:"schema"`
		} `json:"documentTypes"`
	}
	if err := json.Unmarshal(DefaultCatalog(), &c); err != nil {
		t.Fatal(err)
	}
	for _, dt := range c.DocumentTypes {
		if dt.Code == "KHAI_SINH" {
			var d forms.Definition
			if err := json.Unmarshal(dt.Schema, &d); err != nil {
				t.Fatal(err)
			}
			return &d
		}
	}
	t.Fatal("no KHAI_SINH in the catalogue")
	return nil
}

// tsvOf is Tesseract's TSV of lines of words, each word with conf.
func tsvOf(lines [][]string, conf string) string {
	var b strings.Builder
	b.WriteString("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n")
	for i, l := range lines {
		for j, w := range l {
			b.WriteString("5\t1\t1\t1\t" + string(rune('1'+i)) + "\t" + string(rune('1'+j)) + "\t0\t0\t1\t1\t" + conf + "\t" + w + "\n")
		}
	}
	return b.String()
}

// TestExtractFields: a label is matched whole, case and diacritics aside,
// so the mother's line does not fill the child's name; a date is stored
// as YYYY-MM-DD, a choice as its option's value, a value that is neither
// kept as text with an empty value; the confidence is the mean of the
// value's words.
func TestExtractFields(t *testing.T) {
	tsv := tsvOf([][]string{
		{"Họ,", "chữ", "đệm", "và", "tên", "người", "mẹ:", "TRẦN", "THỊ", "LAN"},
		{"HO,", "CHU", "DEM", "VA", "TEN:", "NGUYỄN", "AN"},
		{"Ngày,", "tháng,", "năm", "sinh:", "1/2/2020"},
		{"Giới", "tính:Nam"},
		{"Ngày", "đăng", "ký:", "mười", "hai"},
		{"Số:", "12/2020"},
	}, "80")
	words, err := parseTSV(strings.NewReader(tsv), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ScanField{}
	for _, f := range extractFields(words, birthSchema(t)) {
		got[f.Code] = f
	}
	for code, want := range map[string][2]string{
		"hoTenMe": {"TRẦN THỊ LAN", "TRẦN THỊ LAN"}, "hoTen": {"NGUYỄN AN", "NGUYỄN AN"}, "ngaySinh": {"1/2/2020", "2020-02-01"},
		"gioiTinh": {"Nam", "nam"}, "ngayDangKy": {"mười hai", ""}, "": {"12/2020", "12/2020"},
	} {
		f := got[code]
		if !f.Found || f.Text != want[0] || f.Value != want[1] || f.Confidence != 80 {
			t.Errorf("%q: %+v; want text %q, value %q, confidence 80", code, f, want[0], want[1])
		}
	}
	if f := got["noiSinh"]; f.Found {
		t.Errorf("noiSinh found in no line: %+v", f)
	}
}

// FuzzScanText: any TSV Tesseract could write gives words and fields
// without a panic: confidences 0–100, valid UTF-8 values, each field
// found at most once.
func FuzzScanText(f *testing.F) {
	f.Add(tsvOf([][]string{{"Họ,", "chữ", "đệm", "và", "tên:", "NGUYỄN", "AN"}, {"Số:", "1"}}, "91.5"))
	f.Add(tsvOf([][]string{{"Ngày,", "tháng,", "năm", "sinh:", "31/02/2020"}}, "-1"))
	f.Add("level\ttext\n5\t1\t1\t1\t1\t1\t0\t0\t1\t1\tNaN\t:\n")
	f.Add("")
	def := birthSchema(f)
	f.Fuzz(func(t *testing.T, tsv string) {
		words, err := parseTSV(bytes.NewReader([]byte(tsv)), 0)
		if err != nil {
			return
		}
		for _, w := range words {
			if !(w.Conf >= 0 && w.Conf <= 100) {
				t.Fatalf("word %+v: confidence out of 0–100", w)
			}
		}
		_ = ocrText(words)
		for _, fd := range extractFields(words, def) {
			if fd.Confidence < 0 || fd.Confidence > 100 || (fd.Found && !utf8.ValidString(fd.Value) && utf8.ValidString(tsv)) {
				t.Fatalf("field %+v", fd)
			}
		}
	})
}
