package archive_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzValidateFileName checks that an accepted file name is always a safe
// base name, and that a refusal is always Invalid "invalid_file_name".
func FuzzValidateFileName(f *testing.F) {
	for _, s := range []string{"a.pdf", "Giấy khai sinh.pdf", "../x", `a\b`, "a\x00b", " ", "..", strings.Repeat("é", 130)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := archive.ValidateFileName(name)
		if err != nil {
			if ke := kerr.Outer(err); ke == nil || ke.Code != "invalid_file_name" || ke.Kind != kerr.Invalid {
				t.Fatalf("refusal %v is not Invalid invalid_file_name", err)
			}
			return
		}
		if got == "" || len(got) > 255 || !utf8.ValidString(got) ||
			strings.ContainsAny(got, "/\\\x00") || strings.Contains(got, "..") || got != strings.TrimSpace(got) {
			t.Fatalf("accepted unsafe name %q (from %q)", got, name)
		}
		if again, err := archive.ValidateFileName(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", got, again, err)
		}
	})
}

// FuzzOwnerKey checks that OwnerKey never panics and that an accepted
// identity number is returned as the ID.
func FuzzOwnerKey(f *testing.F) {
	f.Add("individual", "001203012345", "", 0)
	f.Add("organization", "000.00.31.H29", "", 0)
	f.Add("individual", "", "Nguyễn Văn An", 1980)
	f.Add("organization", "0101234567-001", "", 0)
	f.Fuzz(func(t *testing.T, kind, number, name string, year int) {
		in := archive.OwnerInput{Kind: archive.OwnerKind(kind), IdentityNumber: number, Name: name, BirthYear: year,
			IDIssueDate: archive.Date{Year: 2015, Month: 3, Day: 2}, IDIssuer: "Cục Cảnh sát"}
		id, err := archive.OwnerKey(in)
		if err != nil {
			if kerr.KindOf(err) != kerr.Invalid {
				t.Fatalf("refusal %v is not Invalid", err)
			}
			return
		}
		if id == "" {
			t.Fatal("empty ID accepted")
		}
		if strings.TrimSpace(number) != "" && id != strings.TrimSpace(number) {
			t.Fatalf("ID %q is not the number %q", id, number)
		}
	})
}

// FuzzSearchWords checks that accepted search text gives at most 10 folded
// words of at most 100 runes.
func FuzzSearchWords(f *testing.F) {
	for _, s := range []string{"giấy khai sinh", "", "Đăng  ký   KẾT hôn", strings.Repeat("a ", 12)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		words, err := archive.SearchWords(text)
		if err != nil {
			if kerr.KindOf(err) != kerr.Invalid {
				t.Fatalf("refusal %v is not Invalid", err)
			}
			return
		}
		if len(words) > 10 {
			t.Fatalf("%d words", len(words))
		}
		for _, w := range words {
			if w == "" || utf8.RuneCountInString(w) > 100 || archive.Fold(w) != w {
				t.Fatalf("bad word %q", w)
			}
		}
	})
}

// FuzzDocumentFields feeds a document's typed fields (outside input: the
// API's "fields") to ParseFields, then to the identity card's schema. It must never panic, and
// clean values must pass again unchanged.
func FuzzDocumentFields(f *testing.F) {
	for _, s := range []string{
		`{"soDinhDanh":"001099012345","hoTen":"Nguyễn Văn An","ngaySinh":"12/05/1999","gioiTinh":"nam"}`,
		`{"soDinhDanh":"001099012345","hoTen":"<script>x</script>","ngaySinh":"31/02/2025"}`,
		`{"hoTen":null,"ngaySinh":19990512,"x":[1,{"a":true}]}`,
		`{"noiCuTru":"a\r\nb","quocTich":"Lào","coGiaTriDen":"2039-05-12","loaiThe":"cccd"}`,
	} {
		f.Add([]byte(s))
	}
	card := archive.DocumentType{Code: "CAN_CUOC", Name: "Căn cước", SchemaRef: &archive.SchemaRef{Code: "CAN_CUOC"}}
	now := func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, data []byte) {
		// The rules of a form's data first (forms.ParseData), as the API
		// reads "fields".
		in, err := archive.ParseFields(data)
		if err != nil {
			if ke := kerr.Outer(err); ke == nil || ke.Code != "document_fields_invalid" || ke.Kind != kerr.Invalid {
				t.Fatalf("ParseFields refusal %v is not Invalid document_fields_invalid", err)
			}
			return
		}
		out, err := archive.ValidateFields(in, card, now)
		if err != nil {
			if kerr.KindOf(err) != kerr.Invalid {
				t.Fatalf("error of kind %v: %v", kerr.KindOf(err), err)
			}
			return
		}
		again, err := archive.ValidateFields(out, card, now)
		if err != nil {
			t.Fatalf("clean values %v refused: %v", out, err)
		}
		a, _ := json.Marshal(out)
		b, _ := json.Marshal(again)
		if !bytes.Equal(a, b) {
			t.Fatalf("clean values changed: %s → %s", a, b)
		}
	})
}
