package notify

import (
	"context"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// SMSMessage is one text message handed to an SMS provider.
type SMSMessage struct {
	// ID is the delivery's ID, the same at every attempt: a provider that
	// takes a client reference can drop a repeat (see the package comment).
	ID   string
	To   string // +84 and 9 digits (NormalizePhone)
	Text string
	Kind Kind
}

// SMSProvider sends text messages: a Vietnamese SMS gateway (brand-name
// SMS over the operator's HTTP API), or LogSMS.
//
// SendSMS returns nil once the provider has accepted the message. Errors:
// kind Invalid when the provider refuses this message for good (a number
// it cannot reach, a text it does not take) — it is not retried; any
// other kind (Unavailable for a provider that cannot be reached or asks to
// wait) is retried with backoff.
type SMSProvider interface {
	SendSMS(ctx context.Context, m SMSMessage) error
}

// LogSMS is the SMS provider that writes each message to the structured
// log instead of sending it: enough until a gateway is contracted, and for
// development. It never fails.
type LogSMS struct {
	Log *slog.Logger
}

var _ SMSProvider = LogSMS{}

// SendSMS implements SMSProvider: one log record at level Info with the
// delivery ID, the number, the text and its encoding and segments.
func (p LogSMS) SendSMS(ctx context.Context, m SMSMessage) error {
	enc, n := SMSSegments(m.Text)
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.InfoContext(ctx, "SMS (ghi nhật ký, không gửi thật)", "id", m.ID, "to", m.To, "kind", string(m.Kind),
		"text", m.Text, "encoding", enc, "segments", n)
	return nil
}

// NormalizePhone reads a Vietnamese mobile number as people write it —
// 0912 345 678, 0912.345.678, (091) 234-5678, +84 912 345 678, 84912345678,
// 0084… — and returns it as +84 and 9 digits. Mobile numbers have 10
// digits nationally and begin with 03, 05, 07, 08 or 09 (since the 2018
// renumbering); landlines (02…) cannot receive SMS. Invalid "invalid_phone"
// otherwise.
func NormalizePhone(s string) (string, error) {
	bad := func(why string) error {
		return invalid("invalid_phone", "Số điện thoại di động không hợp lệ.", "notify: phone number %q: %s", s, why)
	}
	if len(s) > 32 {
		return "", bad("too long")
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0 && strings.TrimSpace(s[:i]) == "":
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", bad("not a phone number")
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "+84"):
		d = "0" + d[3:]
	case strings.HasPrefix(d, "0084"):
		d = "0" + d[4:]
	case strings.HasPrefix(d, "84") && len(d) == 11:
		d = "0" + d[2:]
	case strings.HasPrefix(d, "+"):
		return "", bad("not a Vietnamese number")
	}
	if len(d) != 10 || d[0] != '0' {
		if strings.HasPrefix(d, "02") && len(d) == 11 {
			return "", bad("a landline cannot receive SMS")
		}
		return "", bad("a mobile number has 10 digits")
	}
	switch d[1] {
	case '3', '5', '7', '8', '9':
	default:
		return "", bad("not a mobile prefix (03, 05, 07, 08, 09)")
	}
	return "+84" + d[1:], nil
}

// MaxSMSSegments is the most segments the text of one SMS may take: a
// longer text is refused when enqueued.
const MaxSMSSegments = 5

// SMSSegments tells how text would travel: encoding "GSM-7" when every
// character is in the GSM 03.38 alphabet (160 characters in one segment,
// 153 in each of several; the extension characters count twice), else
// "UCS-2" (70 UTF-16 units, 67 in each of several). Vietnamese with
// diacritics is UCS-2: 70 characters to a segment, not 160. Many
// Vietnamese gateways take unaccented text only; see Unaccent.
func SMSSegments(text string) (encoding string, segments int) {
	if text == "" {
		return "GSM-7", 0
	}
	septets, gsm := 0, true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		if septets <= 160 {
			return "GSM-7", 1
		}
		return "GSM-7", (septets + 152) / 153
	}
	units := len(utf16.Encode([]rune(text)))
	if units <= 70 {
		return "UCS-2", 1
	}
	return "UCS-2", (units + 66) / 67
}

// The GSM 03.38 default alphabet and its extension table (each extension
// character takes an escape septet too).
const (
	gsmBasic     = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "^{}\\[~]|€\f"
)

// Unaccent writes Vietnamese without diacritics ("Hồ sơ đã được tiếp nhận"
// → "Ho so da duoc tiep nhan"), for SMS gateways that take unaccented text
// only, and for one segment of 160 characters instead of 70.
func Unaccent(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
