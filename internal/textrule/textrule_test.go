package textrule

import (
	"encoding/json"
	"testing"
)

func TestForbidden(t *testing.T) {
	cases := []struct {
		r      rune
		single bool // forbidden in single-line text
		multi  bool // forbidden in multi-line text
		what   string
	}{
		{'a', false, false, "letter"},
		{'ễ', false, false, "Vietnamese letter"},
		{'\u0301', false, false, "combining acute (decomposed Vietnamese)"},
		{' ', false, false, "space"},
		{'\u00a0', false, false, "no-break space"},
		{'\n', true, false, "LF"},
		{'\t', true, false, "TAB"},
		{'\r', true, true, "CR"},
		{0x1b, true, true, "ESC"},
		{0x00, true, true, "NUL"},
		{0x7f, true, true, "DEL"},
		{0x9b, true, true, "C1 CSI"},
		{0x85, true, true, "C1 NEL"},
		{'\u00ad', true, true, "soft hyphen"},
		{'\u061c', true, true, "Arabic letter mark"},
		{'\u200b', true, true, "zero-width space"},
		{'\u200d', true, true, "zero-width joiner"},
		{'\u200e', true, true, "LRM"},
		{'\u200f', true, true, "RLM"},
		{'\u202a', true, true, "LRE"},
		{'\u202b', true, true, "RLE"},
		{'\u202c', true, true, "PDF"},
		{'\u202d', true, true, "LRO"},
		{'\u202e', true, true, "RLO"},
		{'\u2066', true, true, "LRI"},
		{'\u2067', true, true, "RLI"},
		{'\u2068', true, true, "FSI"},
		{'\u2069', true, true, "PDI"},
		{'\u2028', true, true, "line separator"},
		{'\u2029', true, true, "paragraph separator"},
		{'\u2060', true, true, "word joiner"},
		{'\ufeff', true, true, "BOM"},
		{'\ufffe', true, true, "noncharacter"},
		{'\U000e0001', true, true, "language tag"},
		{'\U0001f600', false, false, "emoji"},
	}
	for _, c := range cases {
		if got := Forbidden(c.r, false); got != c.single {
			t.Errorf("%s (%U) single-line: Forbidden = %v", c.what, c.r, got)
		}
		if got := Forbidden(c.r, true); got != c.multi {
			t.Errorf("%s (%U) multi-line: Forbidden = %v", c.what, c.r, got)
		}
	}
	if i, r := Find("Nguyễn\u202eVăn", false); i != len("Nguyễn") || r != '\u202e' {
		t.Errorf("Find = %d, %U", i, r)
	}
	if i, _ := Find("dòng 1\ndòng 2\tcột", true); i != -1 {
		t.Errorf("Find in multi-line text = %d", i)
	}
}

func TestEscape(t *testing.T) {
	cases := map[string]string{
		"Giấy khai sinh":         "Giấy khai sinh",
		"\x1b[31mđỏ\x1b[0m":      `\x1b[31mđỏ\x1b[0m`,
		"abc\u202eexe.pdf":       `abc\u202eexe.pdf`,
		"a\nb\tc\rd":             `a\nb\tc\rd`,
		"\x9b2J":                 `\x9b2J`,
		"bad \xff utf8":          `bad \xff utf8`,
		"tag\U000e0041":          `tag\U000e0041`,
		"emoji \U0001f600 stays": "emoji \U0001f600 stays",
	}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if i, _ := Find(Escape(in), false); i >= 0 {
			t.Errorf("Escape(%q) still holds a forbidden character at %d", in, i)
		}
	}
}

func TestEscapeJSON(t *testing.T) {
	v := map[string]any{"name": "x\x1b[31m\u202eabc\u0085\U000e0041", "n": 1, "list": []string{"a\u2066b"}}
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := EscapeJSON(raw)
	for _, r := range string(out) {
		if Forbidden(r, true) {
			t.Fatalf("EscapeJSON left %U in %s", r, out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("EscapeJSON broke the JSON: %v\n%s", err, out)
	}
	if back["name"] != v["name"] || back["list"].([]any)[0] != "a\u2066b" {
		t.Errorf("EscapeJSON changed the values: %v", back)
	}
	clean := []byte(`{"a": "Giấy tờ"}`)
	if got := EscapeJSON(clean); string(got) != string(clean) {
		t.Errorf("EscapeJSON changed clean JSON: %s", got)
	}
}

func TestReplace(t *testing.T) {
	for in, want := range map[string]string{
		"hop-dong\u202efdp.exe": "hop-dong_fdp.exe",
		"a\x1b[31mb\tc\nd":      "a_[31mb_c_d",
		"bad\xffname":           "bad_name",
		"Giấy khai sinh.pdf":    "Giấy khai sinh.pdf",
	} {
		if got := Replace(in, '_'); got != want {
			t.Errorf("Replace(%q) = %q, want %q", in, got, want)
		}
	}
}
