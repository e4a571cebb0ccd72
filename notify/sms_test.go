package notify_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0912345678", "+84912345678"},
		{"0912 345 678", "+84912345678"},
		{"0912.345.678", "+84912345678"},
		{"(091) 234-5678", "+84912345678"},
		{"+84 912 345 678", "+84912345678"},
		{"+84912345678", "+84912345678"},
		{"84912345678", "+84912345678"},
		{"0084912345678", "+84912345678"},
		{"0321234567", "+84321234567"}, // Viettel 03x
		{"0561234567", "+84561234567"},
		{"0701234567", "+84701234567"},
		{"0861234567", "+84861234567"},
		{" 0987654321 ", "+84987654321"},
	} {
		got, err := notify.NormalizePhone(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "0", "091234567", "09123456789", "1912345678", "0112345678", "0412345678", "0612345678",
		"02438123456",                    // a Hà Nội landline: no SMS
		"+1 415 555 0100", "+8491234567", // not Vietnamese; too short
		"0912a45678", "0912\u00a0345678", "09123+45678", "+-0912345678", "٠٩١٢٣٤٥٦٧٨", // Arabic-Indic digits
		strings.Repeat("0", 40),
	} {
		if got, err := notify.NormalizePhone(in); !kerr.IsKind(err, kerr.Invalid) || kerr.Outer(err).Code != "invalid_phone" {
			t.Errorf("NormalizePhone(%q) = %q, %v; want invalid_phone", in, got, err)
		}
	}
}

func TestSMSSegments(t *testing.T) {
	for _, tc := range []struct {
		text string
		enc  string
		n    int
	}{
		{"", "GSM-7", 0},
		{strings.Repeat("a", 160), "GSM-7", 1},
		{strings.Repeat("a", 161), "GSM-7", 2},
		{strings.Repeat("a", 306), "GSM-7", 2},
		{strings.Repeat("a", 307), "GSM-7", 3},
		{strings.Repeat("€", 80), "GSM-7", 1}, // extension characters count twice
		{strings.Repeat("€", 81), "GSM-7", 2},
		{"Ho so da duoc tiep nhan", "GSM-7", 1},
		{"Hồ sơ đã được tiếp nhận", "UCS-2", 1},
		{strings.Repeat("ồ", 70), "UCS-2", 1},
		{strings.Repeat("ồ", 71), "UCS-2", 2},
		{strings.Repeat("ồ", 134), "UCS-2", 2},
		{strings.Repeat("ồ", 135), "UCS-2", 3},
		{strings.Repeat("😀", 35), "UCS-2", 1}, // two UTF-16 units each
		{strings.Repeat("😀", 36), "UCS-2", 2},
	} {
		enc, n := notify.SMSSegments(tc.text)
		if enc != tc.enc || n != tc.n {
			t.Errorf("SMSSegments(%d × %q…) = %s, %d; want %s, %d", utf8.RuneCountInString(tc.text), firstRune(tc.text), enc, n, tc.enc, tc.n)
		}
	}
}

func firstRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return string(r)
}

func TestUnaccent(t *testing.T) {
	for in, want := range map[string]string{
		"Hồ sơ đã được tiếp nhận":          "Ho so da duoc tiep nhan",
		"ĐĂNG KÝ KHAI SINH – Ủy ban xã Ấn": "DANG KY KHAI SINH – Uy ban xa An",
		"abc 123": "abc 123",
	} {
		if got := notify.Unaccent(in); got != want {
			t.Errorf("Unaccent(%q) = %q, want %q", in, got, want)
		}
	}
	if enc, n := notify.SMSSegments(notify.Unaccent("Hồ sơ đã được tiếp nhận")); enc != "GSM-7" || n != 1 {
		t.Errorf("unaccented text travels as %s in %d", enc, n)
	}
}

// TestLogSMS: the logging provider writes the message, its number, its
// encoding and segments to the structured log.
func TestLogSMS(t *testing.T) {
	var buf bytes.Buffer
	p := notify.LogSMS{Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := p.SendSMS(t.Context(), notify.SMSMessage{ID: "m1.sms", To: "+84912345678", Text: "Hồ sơ đã có kết quả", Kind: notify.KindResult}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"id":"m1.sms"`, `"to":"+84912345678"`, `"text":"Hồ sơ đã có kết quả"`, `"encoding":"UCS-2"`, `"segments":1`, `"kind":"result"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %s lacks %s", out, want)
		}
	}
}

func TestParseEmail(t *testing.T) {
	for in, want := range map[string]string{
		"a@example.vn":                "a@example.vn",
		" nguyen.van.an@mail.gov.vn ": "nguyen.van.an@mail.gov.vn",
		"a+tag@sub.example.com":       "a+tag@sub.example.com",
	} {
		if got, err := notify.ParseEmail(in); err != nil || got != want {
			t.Errorf("ParseEmail(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{
		"", "a", "a@b", "a@.vn", "a@b.", "a@b..vn", "@example.vn", "Ấn <a@example.vn>", "a@example.vn, b@example.vn",
		"a@example.vn\r\nBcc: x@evil.example", "a b@example.vn", "a@exa mple.vn", "\"a\"@example.vn",
		strings.Repeat("a", 250) + "@example.vn",
	} {
		if got, err := notify.ParseEmail(in); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("ParseEmail(%q) = %q, %v; want Invalid", in, got, err)
		}
	}
}

// FuzzNormalizePhone: any input gives a +84 mobile number or Invalid, and
// a number it gives reads back as itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "0084912345678", "02438123456", "(091) 234-5678", "+", "84"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := notify.NormalizePhone(s)
		if err != nil {
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("NormalizePhone(%q): %v, not Invalid", s, err)
			}
			return
		}
		if len(got) != 12 || !strings.HasPrefix(got, "+84") || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q", s, got)
		}
		if again, err := notify.NormalizePhone(got); err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want itself", got, again, err)
		}
	})
}

// FuzzParseEmail: any input gives Invalid or a plain address that parses
// again as itself and holds no control character.
func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"a@example.vn", "Ấn <a@example.vn>", "a@b", "a@example.vn\r\nBcc: x", "\"a b\"@example.vn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := notify.ParseEmail(s)
		if err != nil {
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("ParseEmail(%q): %v, not Invalid", s, err)
			}
			return
		}
		if strings.ContainsAny(got, "\r\n\x00<>, ") || len(got) > notify.MaxEmailBytes {
			t.Fatalf("ParseEmail(%q) = %q", s, got)
		}
		if again, err := notify.ParseEmail(got); err != nil || again != got {
			t.Fatalf("ParseEmail(%q) = %q, %v; want itself", got, again, err)
		}
	})
}

// FuzzCursors: a page cursor from a query string (?after=) is Invalid
// "invalid_cursor" or one the server could have given: a notification's
// cursor passes CheckCursor only in its own form, and a delivery cursor
// parses into a due time and an ID that make it again.
func FuzzCursors(f *testing.F) {
	for _, s := range []string{"", "1765080245000.abcdefghijklmnopqrstuvwxyz", "1765080245000/abcdefghijklmnopqrstuvwxyz.email",
		"0000000000000/a234567abcdefghijklmnopqrs.sms", "1/x.email", "-000000000001/abcdefghijklmnopqrstuvwxyz.email", "~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := notify.CheckCursor(s); err != nil {
			wantCode(t, err, kerr.Invalid, "invalid_cursor")
		} else if s != "" && (len(s) != 40 || s[13] != '.') {
			t.Fatalf("CheckCursor accepted %q", s)
		}
		ms, id, err := notify.ParseDeliveryCursor(s)
		if err != nil {
			wantCode(t, err, kerr.Invalid, "invalid_cursor")
			return
		}
		if s == "" {
			return
		}
		if again := notify.DeliveryCursor(notify.Delivery{ID: id, Due: time.UnixMilli(ms)}); again != s {
			t.Fatalf("ParseDeliveryCursor(%q) = %d, %q, which make %q", s, ms, id, again)
		}
	})
}
