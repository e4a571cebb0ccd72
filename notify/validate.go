package notify

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"math"
	"mime"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Limits of a message, checked by Enqueue before anything is stored.
const (
	MaxKeyBytes         = 256
	MaxSubjectRunes     = 200
	MaxTextBytes        = 64 << 10
	MaxHTMLBytes        = 256 << 10
	MaxLinkBytes        = 512
	MaxRefBytes         = 128
	MaxAttachments      = 5
	MaxAttachmentsBytes = 10 << 20 // together; a record of the outbox must stay well under 16 MiB (MongoDB)
	MaxEmailBytes       = 254      // RFC 5321's path limit
	MaxNameRunes        = 100
	MaxSubjectIDBytes   = 128
)

// invalid is an Invalid error with a Vietnamese message and an English detail.
func invalid(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.Invalid, code, msg, detail, args...)
}

var kindRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// checkText refuses text over max bytes, text that is not UTF-8, and
// characters people's text may not hold (internal/textrule).
func checkText(field, s string, max int, multiline bool) error {
	if len(s) > max {
		return invalid("notification_too_long", "Nội dung thông báo quá dài.", "notify: %s is %d bytes, more than %d", field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalid("notification_bad_text", "Nội dung thông báo có ký tự không hợp lệ.", "notify: %s is not UTF-8", field)
	}
	if i, r := textrule.Find(s, multiline); i >= 0 {
		return invalid("notification_bad_text", "Nội dung thông báo có ký tự không hợp lệ.", "notify: %s holds %s at byte %d", field, textrule.Describe(r), i)
	}
	return nil
}

// ParseEmail checks an e-mail address as a person typed it and returns it
// trimmed: a plain addr-spec (no display name, no comments), at most 254
// bytes, with a dot in the domain. Invalid "invalid_email" otherwise.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) error {
		return invalid("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", "notify: e-mail address %q: %s", s, why)
	}
	if s == "" || len(s) > MaxEmailBytes {
		return "", bad("empty or longer than 254 bytes")
	}
	if i, _ := textrule.Find(s, false); i >= 0 || strings.ContainsAny(s, " <>\"()\\,;:") {
		return "", bad("not a plain address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad("not an address")
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad("the domain needs a dot")
	}
	return s, nil
}

// validate checks m and returns it normalised (trimmed, phone as +84…,
// channels without duplicates) with its ID.
func validate(m Message) (Message, error) {
	if m.Key != "" {
		if err := checkText("key", m.Key, MaxKeyBytes, false); err != nil {
			return m, err
		}
	}
	if len(m.Channels) == 0 {
		return m, invalid("notification_no_channel", "Thông báo chưa chọn kênh gửi.", "notify: no channel")
	}
	var chans []Channel
	for _, c := range m.Channels {
		switch c {
		case Email, SMS, InApp:
		default:
			return m, invalid("notification_bad_channel", "Kênh gửi thông báo không hợp lệ.", "notify: unknown channel %q", c)
		}
		if !slices.Contains(chans, c) {
			chans = append(chans, c)
		}
	}
	m.Channels = chans
	if !kindRE.MatchString(string(m.Kind)) {
		return m, invalid("notification_bad_kind", "Loại thông báo không hợp lệ.", "notify: kind %q: lowercase letters, digits, '-' or '_', at most 32", m.Kind)
	}
	m.Subject = strings.TrimSpace(m.Subject)
	if m.Subject == "" || utf8.RuneCountInString(m.Subject) > MaxSubjectRunes {
		return m, invalid("notification_bad_subject", "Tiêu đề thông báo trống hoặc dài quá 200 ký tự.", "notify: subject empty or over %d characters", MaxSubjectRunes)
	}
	for _, f := range []struct {
		name      string
		v         string
		max       int
		multiline bool
	}{
		{"subject", m.Subject, 4 * MaxSubjectRunes, false},
		{"text", m.Text, MaxTextBytes, true},
		{"html", m.HTML, MaxHTMLBytes, true},
		{"short", m.Short, MaxTextBytes, false},
		{"link", m.Link, MaxLinkBytes, false},
		{"ref", m.Ref, MaxRefBytes, false},
		{"recipient name", m.To.Name, 4 * MaxNameRunes, false},
		{"recipient subject", m.To.Subject, MaxSubjectIDBytes, false},
	} {
		if err := checkText(f.name, f.v, f.max, f.multiline); err != nil {
			return m, err
		}
	}
	if utf8.RuneCountInString(m.To.Name) > MaxNameRunes {
		return m, invalid("notification_too_long", "Nội dung thông báo quá dài.", "notify: recipient name over %d characters", MaxNameRunes)
	}
	if m.Link != "" && !strings.HasPrefix(m.Link, "/") {
		return m, invalid("notification_bad_link", "Đường dẫn của thông báo không hợp lệ.", "notify: link %q must be a path starting with /", m.Link)
	}
	m.To.Subject = strings.TrimSpace(m.To.Subject)
	var err error
	for _, c := range m.Channels {
		switch c {
		case InApp:
			if m.To.Subject == "" {
				return m, invalid("notification_no_recipient", "Thông báo trong ứng dụng cần tài khoản người nhận.", "notify: the inapp channel needs To.Subject")
			}
		case Email:
			if m.To.Email, err = ParseEmail(m.To.Email); err != nil {
				return m, err
			}
		case SMS:
			if m.To.Phone, err = NormalizePhone(m.To.Phone); err != nil {
				return m, err
			}
			short := m.Short
			if short == "" {
				short = m.Subject
			}
			if _, n := SMSSegments(short); n > MaxSMSSegments {
				return m, invalid("sms_too_long", "Tin nhắn SMS quá dài.", "notify: the SMS text needs %d segments, more than %d", n, MaxSMSSegments)
			}
		}
	}
	if err := checkAttachments(m.Attachments); err != nil {
		return m, err
	}
	return m, nil
}

// checkAttachments refuses more than MaxAttachments files, more than
// MaxAttachmentsBytes together, an empty file, a name that is empty, a path
// or holds refused characters, and a content type that does not parse.
func checkAttachments(as []Attachment) error {
	if len(as) > MaxAttachments {
		return invalid("notification_too_many_files", "Thông báo đính kèm quá nhiều tệp.", "notify: %d attachments, at most %d", len(as), MaxAttachments)
	}
	total := 0
	for i, a := range as {
		total += len(a.Data)
		if total > MaxAttachmentsBytes {
			return invalid("notification_files_too_large", "Tệp đính kèm thông báo quá lớn.", "notify: attachments over %d bytes together", MaxAttachmentsBytes)
		}
		if len(a.Data) == 0 {
			return invalid("notification_bad_file", "Tệp đính kèm thông báo không hợp lệ.", "notify: attachment %d is empty", i)
		}
		name := strings.TrimSpace(a.Name)
		if name == "" || name != a.Name || len(name) > 255 || strings.ContainsAny(name, `/\`) {
			return invalid("notification_bad_file", "Tệp đính kèm thông báo không hợp lệ.", "notify: attachment %d: file name %q", i, a.Name)
		}
		if err := checkText("attachment name", name, 255, false); err != nil {
			return err
		}
		if mt, _, err := mime.ParseMediaType(a.ContentType); err != nil || !strings.Contains(mt, "/") {
			return invalid("notification_bad_file", "Tệp đính kèm thông báo không hợp lệ.", "notify: attachment %d: content type %q", i, a.ContentType)
		}
	}
	return nil
}

// messageID is the ID of the message with key: the same key, the same ID
// (26 lowercase base32 characters of its SHA-256).
func messageID(key string) string {
	sum := sha256.Sum256([]byte("kho/notify/" + key))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:26])
}

// DeliveryID is the ID of the delivery of message id on channel c.
func DeliveryID(id string, c Channel) string { return id + "." + string(c) }

// cursorOf is the listing position of a notification: its time in
// milliseconds (13 digits) and its ID, so that strings sort as (At, ID).
func cursorOf(at time.Time, id string) string {
	return fmt.Sprintf("%013d.%s", at.UnixMilli(), id)
}

// ListBound is what stores compare positions with for a listing after
// the cursor after: after itself, or for "" (the first page) a string
// above every Cursor (which holds only digits, a dot and lowercase base32).
func ListBound(after string) string {
	if after == "" {
		return "~"
	}
	return after
}

// CheckCursor returns Invalid unless c is "" or a notification's Cursor.
func CheckCursor(c string) error {
	if c == "" {
		return nil
	}
	ms, id, ok := strings.Cut(c, ".")
	if _, err := strconv.ParseUint(ms, 10, 64); !ok || err != nil || len(ms) != 13 || len(id) != 26 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return invalid("invalid_cursor", "Vị trí trang không hợp lệ.", "notify: cursor %q is not one this server gave", c)
	}
	return nil
}

// DeliveryCursor is the position of d in the listing of failed
// deliveries: FailedDeliveries(after = DeliveryCursor(d)) continues
// after d.
func DeliveryCursor(d Delivery) string { return fmt.Sprintf("%013d/%s", d.Due.UnixMilli(), d.ID) }

// FailedPageBounds checks a FailedDeliveries page (CheckLimit, then the
// cursor) and returns ParseDeliveryCursor's bound.
func FailedPageBounds(after string, limit int) (dueMs int64, id string, err error) {
	if err := CheckLimit(limit); err != nil {
		return 0, "", err
	}
	return ParseDeliveryCursor(after)
}

// ParseDeliveryCursor returns the due time (milliseconds since the Unix
// epoch) and the ID that after names; for "" (the first page), a bound
// above every delivery. Invalid "invalid_cursor" for anything else than a
// DeliveryCursor.
func ParseDeliveryCursor(after string) (dueMs int64, id string, err error) {
	if after == "" {
		return math.MaxInt64, "", nil
	}
	ms, id, ok := strings.Cut(after, "/")
	n, perr := strconv.ParseInt(ms, 10, 64)
	// 13 digits exactly: ParseInt would also take a sign ("+000…").
	if !ok || perr != nil || len(ms) != 13 || ms[0] < '0' || ms[0] > '9' || n < 0 || !deliveryIDRE.MatchString(id) {
		return 0, "", invalid("invalid_cursor", "Vị trí trang không hợp lệ.", "notify: cursor %q is not one this server gave", after)
	}
	return n, id, nil
}

var deliveryIDRE = regexp.MustCompile(`^[a-z0-9]{26}\.(email|sms)$`)
