package forms

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

// def wraps fields in a valid definition.
func def(fields string) string {
	return `{"schema":1,"code":"T","version":1,"title":"Thử","fields":[` + fields + `]}`
}

func TestParseRefuses(t *testing.T) {
	text := `{"code":"a","type":"text","label":"A"}`
	tests := []struct {
		name, json string
		path, msg  string // the first problem's path and a part of its message
	}{
		{"not json", `{"schema":`, "$.schema", "unexpected EOF"},
		{"not an object", `[1]`, "$", "a definition is a JSON object"},
		{"trailing", def(text) + `{}`, "$", "unexpected data"},
		{"bad utf-8", "{\"schema\":1,\"title\":\"\xff\"}", "$", "UTF-8"},
		{"unknown key", strings.Replace(def(text), `"title"`, `"titel":"x","title"`, 1), "$.titel", "unknown key"},
		{"unknown field key", def(`{"code":"a","type":"text","label":"A","lable":"B"}`), "$.fields[0].lable", "unknown key"},
		{"unknown nested key", def(`{"code":"a","type":"radio","label":"A","options":[{"value":"x","label":"X"},{"value":"y","label":"Y","color":"red"}]}`), "$.fields[0].options[1].color", "unknown key"},
		{"unknown condition key", def(text + `,{"code":"b","type":"text","label":"B","visibleIf":{"field":"a","equal":"x"}}`), "$.fields[1].visibleIf.equal", "unknown key"},
		{"duplicate key", `{"schema":1,"schema":2}`, "$.schema", "duplicate key"},
		{"wrong type", `{"schema":"1","code":"T","version":1,"title":"X","fields":[]}`, "$.schema", "wants int"},
		{"schema", strings.Replace(def(text), `"schema":1`, `"schema":2`, 1), "$.schema", "schema must be 1"},
		{"code", strings.Replace(def(text), `"code":"T"`, `"code":"t-1"`, 1), "$.code", "capital letter"},
		{"version", strings.Replace(def(text), `"version":1`, `"version":0`, 1), "$.version", "version must be"},
		{"no fields", def(``), "$.fields", "at least one field"},
		{"kind", strings.Replace(def(text), `"title"`, `"kind":"x","title"`, 1), "$.kind", "kind must be"},
		{"field code", def(`{"code":"1a","type":"text","label":"A"}`), "$.fields[0].code", "must be a letter"},
		{"xml code", def(`{"code":"xmlThing","type":"text","label":"A"}`), "$.fields[0].code", "xml"},
		{"duplicate code", def(text + `,{"code":"g","type":"group","label":"G","fields":[{"code":"a","type":"text","label":"A2"}]}`), "$.fields[1].fields[0].code", `duplicate field code "a" (first at $.fields[0])`},
		{"type", def(`{"code":"a","type":"password","label":"A"}`), "$.fields[0].type", "unknown type"},
		{"label", def(`{"code":"a","type":"text","label":" "}`), "$.fields[0].label", "must not be empty"},
		{"placeholder repeats label", def(`{"code":"a","type":"text","label":"A","placeholder":"A"}`), "$.fields[0].placeholder", "repeats the label"},
		{"key of another type", def(`{"code":"a","type":"text","label":"A","options":[{"value":"x","label":"X"}]}`), "$.fields[0].options", `does not apply to type "text"`},
		{"format", def(`{"code":"a","type":"text","label":"A","format":"iban"}`), "$.fields[0].format", "unknown format"},
		{"text over 255", def(`{"code":"a","type":"text","label":"A","maxLength":256}`), "$.fields[0].maxLength", "at most 255"},
		{"min over max", def(`{"code":"a","type":"text","label":"A","minLength":5,"maxLength":4}`), "$.fields[0].minLength", "above maxLength"},
		{"radio one option", def(`{"code":"a","type":"radio","label":"A","options":[{"value":"x","label":"X"}]}`), "$.fields[0].options", "at least 2 options"},
		{"duplicate option", def(`{"code":"a","type":"dropdown","label":"A","options":[{"value":"x","label":"X"},{"value":"x","label":"Y"}]}`), "$.fields[0].options[1].value", "duplicate option"},
		{"select all single", def(`{"code":"a","type":"dropdown","label":"A","selectAll":true,"options":[{"value":"x","label":"X"}]}`), "$.fields[0].selectAll", "multiple choice"},
		{"search without source", def(`{"code":"a","type":"search","label":"A"}`), "$.fields[0].source", "needs a source"},
		{"search both", def(`{"code":"a","type":"search","label":"A","source":{"catalog":"x","options":[{"value":"x","label":"X"}]}}`), "$.fields[0].source", "either options or a catalog"},
		{"date bound", def(`{"code":"a","type":"date","label":"A","min":"yesterday"}`), "$.fields[0].min", "neither a date"},
		{"date bound number", def(`{"code":"a","type":"date","label":"A","max":20250101}`), "$.fields[0].max", "is a string"},
		{"date bounds crossed", def(`{"code":"a","type":"date","label":"A","min":"02/01/2025","max":"01/01/2025"}`), "$.fields[0].max", "before min"},
		{"impossible date bound", def(`{"code":"a","type":"date","label":"A","min":"31/02/2025"}`), "$.fields[0].min", "neither a date"},
		{"time bound", def(`{"code":"a","type":"time","label":"A","min":"7:30"}`), "$.fields[0].min", "not a time"},
		{"number bound string", def(`{"code":"a","type":"spin","label":"A","min":"1"}`), "$.fields[0].min", "JSON number"},
		{"slider without max", def(`{"code":"a","type":"slider","label":"A","min":0}`), "$.fields[0]", "needs min and max"},
		{"step zero", def(`{"code":"a","type":"spin","label":"A","step":0}`), "$.fields[0].step", "positive"},
		{"step decimals", def(`{"code":"a","type":"spin","label":"A","step":0.5}`), "$.fields[0].step", "decimal places"},
		{"file without size", def(`{"code":"a","type":"file","label":"A","accept":[".pdf"]}`), "$.fields[0].maxSize", "size limit"},
		{"file accept", def(`{"code":"a","type":"file","label":"A","accept":["pdf"],"maxSize":1}`), "$.fields[0].accept[0]", "media type"},
		{"rows without max", def(`{"code":"r","type":"rows","label":"R","fields":[` + text + `]}`), "$.fields[0].maxRows", "maxRows"},
		{"rows in rows", def(`{"code":"r","type":"rows","label":"R","maxRows":2,"fields":[{"code":"s","type":"rows","label":"S","maxRows":2,"fields":[` + text + `]}]}`), "$.fields[0].fields[0].type", "rows inside rows"},
		{"empty group", def(`{"code":"g","type":"group","label":"G","fields":[]}`), "$.fields[0].fields", "at least one field"},
		{"required group", def(`{"code":"g","type":"group","label":"G","required":true,"fields":[` + text + `]}`), "$.fields[0].required", "does not apply"},
		{"condition unknown field", def(text + `,{"code":"b","type":"text","label":"B","visibleIf":{"field":"zz","notEmpty":true}}`), "$.fields[1].visibleIf.field", `no field "zz"`},
		{"condition on group", def(`{"code":"g","type":"group","label":"G","fields":[` + text + `]},{"code":"b","type":"text","label":"B","visibleIf":{"field":"g","notEmpty":true}}`), "$.fields[1].visibleIf.field", "holds no value"},
		{"condition into rows", def(`{"code":"r","type":"rows","label":"R","maxRows":2,"fields":[` + text + `]},{"code":"b","type":"text","label":"B","requiredIf":{"field":"a","notEmpty":true}}`), "$.fields[1].requiredIf.field", "inside rows"},
		{"condition two forms", def(text + `,{"code":"b","type":"text","label":"B","visibleIf":{"field":"a","notEmpty":true,"not":{"field":"a","notEmpty":true}}}`), "$.fields[1].visibleIf", "exactly one of field, all, any, not"},
		{"condition no operator", def(text + `,{"code":"b","type":"text","label":"B","visibleIf":{"field":"a"}}`), "$.fields[1].visibleIf", "exactly one of equals, in, notEmpty"},
		{"condition empty all", def(text + `,{"code":"b","type":"text","label":"B","visibleIf":{"all":[]}}`), "$.fields[1].visibleIf.all", "empty list"},
		{"condition bad option", def(`{"code":"a","type":"radio","label":"A","options":[{"value":"x","label":"X"},{"value":"y","label":"Y"}]},{"code":"b","type":"text","label":"B","visibleIf":{"field":"a","in":["x","z"]}}`), "$.fields[1].visibleIf", `"z" is not an option`},
		{"self cycle", def(`{"code":"a","type":"text","label":"A","visibleIf":{"field":"a","notEmpty":true}}`), "$.fields[0]", "cycle: a → a"},
		{"cycle", def(`{"code":"a","type":"text","label":"A","visibleIf":{"field":"b","notEmpty":true}},{"code":"b","type":"text","label":"B","visibleIf":{"any":[{"field":"a","equals":"x"}]}}`), "$.fields[0]", "cycle: a → b → a"},
		{"cycle through group", def(`{"code":"g","type":"group","label":"G","visibleIf":{"field":"a","notEmpty":true},"fields":[` + text + `]}`), "$.fields[0].fields[0]", "cycle: g → a → a"},
		{"deep conditions", def(text + `,{"code":"b","type":"text","label":"B","visibleIf":` + strings.Repeat(`{"not":`, 12) + `{"field":"a","notEmpty":true}` + strings.Repeat(`}`, 12) + `}`), "$.fields[1].visibleIf" + strings.Repeat(".not", 11), "deeper than 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json))
			if err == nil {
				t.Fatal("accepted")
			}
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("kind %v: %v", kerr.KindOf(err), err)
			}
			probs := ProblemsOf(err)
			if len(probs) == 0 {
				t.Fatalf("no problems: %v", err)
			}
			if probs[0].Path != tt.path || !strings.Contains(probs[0].Message, tt.msg) {
				t.Errorf("first problem %s, want %s: …%s…\nall: %v", probs[0], tt.path, tt.msg, err)
			}
			var ke *kerr.Error
			if !errors.As(err, &ke) || ke.Code != "form_definition_invalid" || !strings.HasPrefix(ke.Message, "Định nghĩa biểu mẫu không hợp lệ tại "+tt.path) {
				t.Errorf("error %+v", ke)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse(make([]byte, MaxDefinitionBytes+1))
	if !kerr.IsKind(err, kerr.TooLarge) {
		t.Fatalf("err %v", err)
	}
}

// TestParseRoundTrip checks that a parsed definition written back as JSON
// parses to the same definition: what the API serves is what was loaded.
func TestParseRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/all_types.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Fields) != 27 || d.Summary() != (Summary{Code: "TEST_ALL", Version: 3, Title: "Biểu mẫu thử mọi loại trường", Kind: "form"}) {
		t.Fatalf("parsed %d fields, %+v", len(d.Fields), d.Summary())
	}
	out, err := jsonMarshal(d)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse(out)
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, out)
	}
	out2, _ := jsonMarshal(d2)
	if string(out) != string(out2) {
		t.Errorf("round trip differs:\n%s\n%s", out, out2)
	}
	for _, want := range []string{`"min":"01/01/1900"`, `"max":100`, `"step":0.25`, `"visibleIf":{"any":[`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("written definition lacks %s", want)
		}
	}
	// Every type of table 1 is in the test definition.
	seen := map[FieldType]bool{}
	var walk func([]Field)
	walk = func(fs []Field) {
		for _, f := range fs {
			seen[f.Type] = true
			walk(f.Fields)
		}
	}
	walk(d.Fields)
	for _, ft := range fieldTypes {
		if !seen[ft] {
			t.Errorf("type %s is not tested", ft)
		}
	}
}
