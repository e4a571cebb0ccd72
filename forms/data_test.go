package forms

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

func TestCanonicalJSON(t *testing.T) {
	d := loadTestDef(t, "all_types.json")
	c := testChecker()
	// The same data in another key order and spacing gives the same bytes.
	a, errs := c.Validate(d, []byte(`{"hoTen":"<An> & \"Bình\"","soThich":["c","a"],"dienTich":12.50,"thoiHan":{"to":"31/12/2025","from":"01/01/2025"}}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b, errs := c.Validate(d, []byte(`{ "thoiHan" : {"from":"1/1/2025","to":"2025-12-31"}, "dienTich": 12.5, "soThich": ["a","c"], "hoTen": "  <An> & \"Bình\"" }`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ca, err := a.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := b.CanonicalJSON()
	want := `{"data":{"dienTich":12.5,"hoTen":"<An> & \"Bình\"","soThich":["a","c"],"thoiHan":{"from":"2025-01-01","to":"2025-12-31"}},"form":"TEST_ALL","version":3}`
	if string(ca) != want || string(cb) != want {
		t.Errorf("canonical JSON\n got %s\n and %s\nwant %s", ca, cb, want)
	}
	// Control characters a textarea keeps are escaped as JSON requires.
	v := Values{Form: "X", Version: 1, Data: map[string]any{"t": "a\tb\nc\u001f"}}
	got, _ := v.CanonicalJSON()
	if string(got) != `{"data":{"t":"a\tb\nc\u001f"},"form":"X","version":1}` {
		t.Errorf("escapes: %s", got)
	}
	// Provenance is part of what is signed.
	v.Provenance = map[string]Provenance{"t": {Source: "document", DocumentID: "d1", DocumentVersion: 2, DocumentField: "hoTen"}}
	got, _ = v.CanonicalJSON()
	if !strings.HasSuffix(string(got), `"provenance":{"t":{"documentField":"hoTen","documentId":"d1","documentVersion":2,"source":"document"}},"version":1}`) {
		t.Errorf("provenance: %s", got)
	}
}

// TestXMLRoundTrip writes clean values as XML, reads them back and
// validates them again: the canonical JSON is the same.
func TestXMLRoundTrip(t *testing.T) {
	d := loadTestDef(t, "all_types.json")
	reg, err := NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	c := testChecker()
	full := `{"hoTen":"Đỗ <Tý> & 'Tèo' \"x\"","email":"a@b.vn","dienThoai":"0912345678","soTien":"1.000","soDinhDanh":"001099012345",
		"maSoThue":"0101234567-001","ghiChu":"dòng 1\r\ndòng 2\t]]>","tinh":"Huế","ngheNghiep":"Thợ may","danToc":"Kinh","gioiTinh":"nu",
		"soThich":["b","d"],"tinhTrang":"ket_hon","hoTenVoChong":"Ông Ất","ngonNgu":["vi","fr"],"lyDoKhac":"😀 ngoài BMP",
		"ngaySinh":"01/02/2000","ngayHen":"01/12/2026","thoiHan":{"from":"01/01/2025","to":"02/01/2025"},"gioHen":"08:00",
		"caLam":{"from":"08:00","to":"12:00"},"tep":[{"name":"a b.pdf","mediaType":"application/pdf","size":12,"sha256":"` + strings.Repeat("0f", 32) + `"},{"name":"c.png","mediaType":"image/png","size":0}],
		"soNguoi":10,"dienTich":0.75,"mucDo":100,
		"conCai":[{"hoTenCon":"Cúc","coDiHoc":"co","truong":"Trường <THCS>"},{"hoTenCon":"Đào","ngaySinhCon":"03/04/2020"}]}`
	tests := []struct {
		d    *Definition
		data string
	}{
		{d, full},
		{d, `{"hoTen":"An"}`},
		{mustGet(t, reg, "TK_KHAI_SINH"), birthExample},
		{mustGet(t, reg, "HKD_DANG_KY"), householdExample},
		{mustGet(t, reg, "CAN_CUOC"), cardExample},
	}
	for _, tt := range tests {
		t.Run(tt.d.Code, func(t *testing.T) {
			vals, errs := c.Validate(tt.d, []byte(tt.data))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var x bytes.Buffer
			if err := vals.WriteXML(&x, tt.d); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(x.String(), `<form xmlns="urn:kho:form:`+tt.d.Code+`:`+itoa(tt.d.Version)+`" code="`+tt.d.Code+`" version="`+itoa(tt.d.Version)+`">`) {
				t.Fatalf("root element:\n%s", x.String())
			}
			data, err := DataFromXML(bytes.NewReader(x.Bytes()), tt.d, 0)
			if err != nil {
				t.Fatalf("read back: %v\n%s", err, x.String())
			}
			back, errs := c.Validate(tt.d, data)
			if len(errs) > 0 {
				t.Fatalf("revalidate: %v\n%s", errs, data)
			}
			j1, _ := vals.CanonicalJSON()
			j2, _ := back.CanonicalJSON()
			if !bytes.Equal(j1, j2) {
				t.Errorf("round trip differs:\n%s\n%s\n%s", j1, j2, x.String())
			}
		})
	}
	// The shape of the mapping, for the documentation.
	vals, _ := c.Validate(d, []byte(`{"hoTen":"An & <Bình>","soThich":["a","b"],"thoiHan":{"from":"01/01/2025","to":"02/01/2025"},"conCai":[{"hoTenCon":"Cúc"}],"dienTich":1.5}`))
	var x bytes.Buffer
	if err := vals.WriteXML(&x, d); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<form xmlns="urn:kho:form:TEST_ALL:3" code="TEST_ALL" version="3">
  <hoTen>An &amp; &lt;Bình&gt;</hoTen>
  <soThich>
    <item>a</item>
    <item>b</item>
  </soThich>
  <thoiHan>
    <from>2025-01-01</from>
    <to>2025-01-02</to>
  </thoiHan>
  <dienTich>1.5</dienTich>
  <conCai>
    <row>
      <hoTenCon>Cúc</hoTenCon>
    </row>
  </conCai>
</form>
`
	if x.String() != want {
		t.Errorf("XML\n%s\nwant\n%s", x.String(), want)
	}
}

func mustGet(t *testing.T, reg *Registry, code string) *Definition {
	t.Helper()
	d, err := reg.Get(code, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDataFromXMLRefuses(t *testing.T) {
	d := loadTestDef(t, "all_types.json")
	head := `<form xmlns="urn:kho:form:TEST_ALL:3" code="TEST_ALL" version="3">`
	tests := map[string]string{
		"other namespace":  `<form xmlns="urn:kho:form:TEST_ALL:2" code="TEST_ALL" version="3"><hoTen>A</hoTen></form>`,
		"other version":    `<form xmlns="urn:kho:form:TEST_ALL:3" code="TEST_ALL" version="2"></form>`,
		"no namespace":     `<form code="TEST_ALL" version="3"></form>`,
		"root":             `<forms xmlns="urn:kho:form:TEST_ALL:3" code="TEST_ALL" version="3"></forms>`,
		"unknown element":  head + `<isAdmin>1</isAdmin></form>`,
		"row field at top": head + `<hoTenCon>1</hoTenCon></form>`,
		"group element":    head + `<thongTinThem>1</thongTinThem></form>`,
		"repeated":         head + `<hoTen>A</hoTen><hoTen>B</hoTen></form>`,
		"nested in text":   head + `<hoTen>A<b>B</b></hoTen></form>`,
		"text between":     head + `x<hoTen>A</hoTen></form>`,
		"bad item":         head + `<soThich><option>a</option></soThich></form>`,
		"doctype":          `<!DOCTYPE form [<!ENTITY x "y">]>` + head + `<hoTen>&x;</hoTen></form>`,
		"unclosed":         head + `<hoTen>A</hoTen>`,
		"after root":       head + `</form><form/>`,
		"not utf-8":        head + "<hoTen>\xff</hoTen></form>",
		"range repeated":   head + `<thoiHan><from>01/01/2025</from><from>01/01/2025</from></thoiHan></form>`,
	}
	for name, x := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := DataFromXML(strings.NewReader(x), d, 0)
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("err %v", err)
			}
		})
	}
	_, err := DataFromXML(strings.NewReader(head+strings.Repeat(" ", 100)+"</form>"), d, 50)
	if !kerr.IsKind(err, kerr.TooLarge) {
		t.Fatalf("large: %v", err)
	}
	// Values that are well placed but wrong are Validate's to refuse.
	data, err := DataFromXML(strings.NewReader(head+`<hoTen>An</hoTen><soNguoi>ba</soNguoi><ngaySinh>31/02/2025</ngaySinh></form>`), d, 0)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m["soNguoi"] != "ba" {
		t.Fatalf("data %s", data)
	}
	_, errs := testChecker().Validate(d, data)
	if len(errs) != 2 || errs[0].Code != "invalid_date" || errs[1].Code != "wrong_type" {
		t.Errorf("errs %q", errs)
	}
}
