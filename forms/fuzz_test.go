package forms

import (
	"bytes"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzParseDefinition checks that Parse never panics, refuses only with
// Invalid or TooLarge and a path, and that an accepted definition written
// back parses to the same JSON. The kept corpus is in
// testdata/fuzz/FuzzParseDefinition.
func FuzzParseDefinition(f *testing.F) {
	f.Add([]byte(def(`{"code":"a","type":"text","label":"A"}`)))
	f.Add([]byte(`{"schema":1,"schema":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			k := kerr.KindOf(err)
			if k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("refusal of kind %v: %v", k, err)
			}
			if k == kerr.Invalid && len(ProblemsOf(err)) == 0 {
				t.Fatalf("refusal without problems: %v", err)
			}
			return
		}
		out, err := jsonMarshal(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Parse(out)
		if err != nil {
			t.Fatalf("written definition does not parse: %v\n%s", err, out)
		}
		out2, _ := jsonMarshal(d2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("unstable:\n%s\n%s", out, out2)
		}
		// Validating empty data never panics either.
		Validate(d, []byte(`{}`))
	})
}

// FuzzValidate checks that Validate never panics, that every refusal has a
// code and a message, and that accepted data survives XML and canonical JSON
// unchanged. The kept corpus is in testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	d := loadTestDef(f, "all_types.json")
	f.Add([]byte(`{"hoTen":"An","conCai":[{"hoTenCon":"B","coDiHoc":"co","truong":"<x>"}],"thoiHan":{"from":"1/1/2025","to":"2/1/2025"}}`))
	f.Add([]byte(`{"hoTen":"An","soThich":["a","b"],"dienTich":1.25,"tep":[{"name":"a.pdf","mediaType":"application/pdf","size":1}]}`))
	c := testChecker()
	f.Fuzz(func(t *testing.T, data []byte) {
		vals, errs := c.Validate(d, data)
		for _, e := range errs {
			if e.Code == "" || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		j1, err := vals.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var x bytes.Buffer
		if err := vals.WriteXML(&x, d); err != nil {
			t.Fatal(err)
		}
		back, err := DataFromXML(&x, d, 0)
		if err != nil {
			t.Fatalf("XML does not read back: %v", err)
		}
		vals2, errs := c.Validate(d, back)
		if len(errs) > 0 {
			t.Fatalf("XML data refused: %v", errs)
		}
		j2, _ := vals2.CanonicalJSON()
		if !bytes.Equal(j1, j2) {
			t.Fatalf("round trip differs:\n%s\n%s", j1, j2)
		}
		// Clean data validates to itself.
		j3, _ := jsonMarshal(vals.Data)
		vals3, errs := c.Validate(d, j3)
		if len(errs) > 0 {
			t.Fatalf("clean data refused: %v\n%s", errs, j3)
		}
		if j4, _ := vals3.CanonicalJSON(); !bytes.Equal(j1, j4) {
			t.Fatalf("clean data changed:\n%s\n%s", j1, j4)
		}
	})
}

// FuzzDataFromXML checks that reading XML never panics and refuses only
// with Invalid or TooLarge. The kept corpus is in
// testdata/fuzz/FuzzDataFromXML.
func FuzzDataFromXML(f *testing.F) {
	d := loadTestDef(f, "all_types.json")
	f.Add([]byte(`<form xmlns="urn:kho:form:TEST_ALL:3" code="TEST_ALL" version="3"><hoTen>A</hoTen><conCai><row><hoTenCon>B</hoTenCon></row></conCai></form>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := DataFromXML(bytes.NewReader(data), d, 0)
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("refusal of kind %v: %v", k, err)
			}
			return
		}
		testChecker().Validate(d, out)
	})
}

// FuzzDraftData checks that reading a draft's data never panics, refuses
// only with Invalid or TooLarge, and keeps no field the form lacks. The
// kept corpus is in testdata/fuzz/FuzzDraftData.
func FuzzDraftData(f *testing.F) {
	d := loadTestDef(f, "all_types.json")
	f.Add([]byte(`{"hoTen":"An","isAdmin":true,"conCai":[{"hoTenCon":"B","x":1},2]}`))
	f.Add([]byte(`[1]`))
	ds := &Drafts{maxBytes: DefaultMaxDataBytes}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, warnings, err := ds.strip(d, data)
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("refusal of kind %v: %v", k, err)
			}
			return
		}
		for k := range obj {
			if fi := d.idx.byCode[k]; fi == nil || fi.rows != nil {
				t.Fatalf("kept unknown field %q", k)
			}
		}
		for _, w := range warnings {
			if w.Code != "unknown_field" || w.Message == "" {
				t.Fatalf("warning %+v", w)
			}
		}
	})
}
