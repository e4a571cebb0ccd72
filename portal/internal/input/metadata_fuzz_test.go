package input

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
	"unicode"

	"github.com/kho-vn/kho/internal/kerr"
)

// checkParseError checks that a refusal is a kerr error a client can act
// on: Invalid or TooLarge, a stable code and a Vietnamese message.
func checkParseError(t *testing.T, what string, err error) {
	t.Helper()
	ke := kerr.Outer(err)
	if ke == nil {
		t.Fatalf("%s: %T %v is not a kerr.Error", what, err, err)
	}
	if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
		t.Fatalf("%s: kind %v for %v", what, k, err)
	}
	code, msg := kerr.Public(err)
	if code == "" || code == "internal" {
		t.Fatalf("%s: code %q", what, code)
	}
	vi := false
	for _, r := range msg {
		if r > 0x7f && unicode.Is(unicode.Latin, r) {
			vi = true
		}
	}
	if !vi {
		t.Fatalf("%s: message %q is not Vietnamese", what, msg)
	}
}

// FuzzUploadMetadata feeds the two upload-metadata parsers (the JSON
// metadata part of a multipart upload, and the query of a raw upload)
// arbitrary input: they never panic, refuse with a client error, and what
// they accept survives a round trip.
func FuzzUploadMetadata(f *testing.F) {
	f.Add([]byte(`{"typeCode":"KHAI_SINH","name":"Giấy khai sinh","issueDate":"2000-01-10","fields":{"hoTen":"An","ngaySinh":"1999-05-01"}}`),
		"type=KHAI_SINH&name=Gi%E1%BA%A5y+khai+sinh&permanent=true&fields=%7B%22hoTen%22%3A%22An%22%7D")
	f.Add([]byte(`{"ownerId":"001099012345","typeCode":"KHAC","name":"x","source":"upload","permanent":false,"fileName":"a.pdf"}`), "owner=001099012345&type=KHAC&name=x&filename=a.pdf")
	f.Add([]byte(`{"typeCode":"KHAC","name":"x","colour":"red"}`), "tpye=KHAC")
	f.Add([]byte(`{"typeCode":1}`), "type=a&type=b")
	f.Add([]byte(`{"validUntil":"2020-02-30"}`), "validUntil=2020-02-30")
	f.Add([]byte(`{"source":"magic"}`), "source=magic&permanent=maybe")
	f.Add([]byte(`{} {}`), "fields=%5B1%5D")
	f.Add([]byte("{\"name\":\"\xff\"}"), "name=%FF")
	f.Add([]byte(`null`), "")
	f.Fuzz(func(t *testing.T, js []byte, rawQuery string) {
		const max = 4 << 10
		m, err := ParseMetadataJSON(bytes.NewReader(js), max)
		if err != nil {
			checkParseError(t, "json", err)
		} else {
			b1, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("marshal %+v: %v", m, err)
			}
			m2, err := ParseMetadataJSON(bytes.NewReader(b1), 1<<20)
			if err != nil {
				t.Fatalf("re-parse %s: %v", b1, err)
			}
			b2, _ := json.Marshal(m2)
			if !bytes.Equal(b1, b2) {
				t.Fatalf("round trip changed %s into %s", b1, b2)
			}
		}
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		mq, err := ParseMetadataQuery(q)
		if err != nil {
			checkParseError(t, "query", err)
			return
		}
		if mq.TypeCode != q.Get("type") || mq.Name != q.Get("name") || mq.OwnerID != q.Get("owner") || mq.FileName != q.Get("filename") ||
			mq.IssueDate.String() != q.Get("issueDate") {
			t.Fatalf("query %q parsed as %+v", rawQuery, mq)
		}
	})
}
