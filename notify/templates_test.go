package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
)

// TestLifecycleMessages renders the four messages of the dossier lifecycle
// from plain values — subject, text and SMS with the dossier's code,
// procedure, dates in Vietnam's time as DD/MM/YYYY and hh:mm:ss — then
// enqueues each by e-mail, SMS and in-app and delivers it: each e-mail
// reaches Mailpit once with its subject and text, each SMS fits in one
// GSM-7 segment, and enqueuing again with the same key (a retried
// transition) sends nothing more.
func TestLifecycleMessages(t *testing.T) {
	mp := testenv.Mailpit(t)
	st := openSQLite(t)
	svc := notify.New(notify.Config{Store: st, Email: mailpitSMTP(t, mp, notify.SMTPConfig{}), SMS: notify.LogSMS{}})
	d := notify.Dossier{Code: "000.00.31.H29-261207-0001", Procedure: "Đăng ký khai sinh", Applicant: "ông Nguyễn Văn Ấn",
		Agency: "UBND phường Điện Biên", Link: "/dossiers/000.00.31.H29-261207-0001"}
	// 01:30:00 UTC is 08:30:00 in Vietnam; 09:30 UTC on 09/12 is 16:30.
	received := time.Date(2026, 12, 7, 1, 30, 0, 0, time.UTC)
	due := time.Date(2026, 12, 9, 9, 30, 0, 0, time.UTC)
	newDue := time.Date(2026, 12, 11, 9, 30, 0, 0, time.UTC)
	mustMsg := func(m notify.Message, err error) notify.Message {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cases := []struct {
		name    string
		m       notify.Message
		kind    notify.Kind
		subject string
		text    []string
		short   string
	}{
		{"receipt", mustMsg(notify.ReceiptMessage(d, received, due)), notify.KindReceipt,
			"Hồ sơ 000.00.31.H29-261207-0001 đã được tiếp nhận",
			[]string{"Kính gửi ông Nguyễn Văn Ấn,", "UBND phường Điện Biên đã tiếp nhận hồ sơ Đăng ký khai sinh", "lúc 08:30:00 ngày 07/12/2026",
				"Thời gian hẹn trả kết quả: 16:30:00 ngày 09/12/2026"},
			"Ho so 000.00.31.H29-261207-0001 da duoc tiep nhan luc 08:30 07/12/2026. Hen tra ket qua 16:30 09/12/2026."},
		{"supplement", mustMsg(notify.SupplementMessage(d, received, []string{"Thiếu bản sao giấy chứng nhận kết hôn", "Ảnh chụp tờ khai bị mờ"},
			"Nộp bổ sung trực tuyến tại mục Hồ sơ của tôi.")), notify.KindSupplement,
			"Hồ sơ 000.00.31.H29-261207-0001 cần bổ sung, hoàn thiện",
			[]string{"- Thiếu bản sao giấy chứng nhận kết hôn\n- Ảnh chụp tờ khai bị mờ\n", "Hướng dẫn: Nộp bổ sung trực tuyến tại mục Hồ sơ của tôi.",
				"lúc 08:30:00 ngày 07/12/2026"},
			"Ho so 000.00.31.H29-261207-0001 can bo sung, hoan thien. Vui long xem huong dan tren Cong dich vu cong."},
		{"result", mustMsg(notify.ResultMessage(d, due, "")), notify.KindResult,
			"Hồ sơ 000.00.31.H29-261207-0001 đã có kết quả",
			[]string{"đã có kết quả lúc 16:30:00 ngày 09/12/2026", "lưu vào kho dữ liệu của ông/bà"},
			"Ho so 000.00.31.H29-261207-0001 da co ket qua tu 16:30 09/12/2026."},
		{"late", mustMsg(notify.LateMessage(d, due, newDue, "Cần xác minh thông tin nơi cư trú")), notify.KindLate,
			"Hồ sơ 000.00.31.H29-261207-0001 chậm trả kết quả: thư xin lỗi và hẹn lại ngày trả",
			[]string{"Ngày 09/12/2026, UBND phường Điện Biên đã hẹn trả kết quả", "Lý do: Cần xác minh thông tin nơi cư trú",
				"thành thật xin lỗi", "hẹn trả kết quả vào 16:30:00 ngày 11/12/2026"},
			"Ho so 000.00.31.H29-261207-0001 cham tra ket qua. Xin loi ong/ba. Hen tra lai: 16:30 11/12/2026."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			if m.Kind != c.kind || m.Subject != c.subject || m.Ref != d.Code || m.Link != d.Link {
				t.Errorf("kind %q subject %q ref %q link %q", m.Kind, m.Subject, m.Ref, m.Link)
			}
			for _, want := range c.text {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			if !strings.Contains(m.Text, "Đây là thư tự động") || strings.Contains(m.Text, "<no value>") {
				t.Errorf("text:\n%s", m.Text)
			}
			if enc, n := notify.SMSSegments(m.Short); m.Short != notify.Unaccent(c.short) || enc != "GSM-7" || n != 1 {
				t.Errorf("short = %q (%s, %d segments), want %q in one GSM-7 segment", m.Short, enc, n, notify.Unaccent(c.short))
			}

			m.Key = d.Code + "/trail/" + c.name
			m.To = notify.Recipient{Subject: "001099012345", Name: "Nguyễn Văn Ấn", Email: testenv.UniqueAddress(t, "example.vn"), Phone: "0912345678"}
			m.Channels = []notify.Channel{notify.Email, notify.SMS, notify.InApp}
			for range 2 { // the second time is a retried transition
				if _, err := svc.Enqueue(t.Context(), m); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.DeliverDue(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			got := mp.WaitTo(t, m.To.Email, 1, 10*time.Second)
			if len(got) != 1 {
				t.Fatalf("%d e-mails, want 1", len(got))
			}
			mail := mp.Message(t, got[0].ID)
			if mail.Subject != c.subject || !strings.Contains(strings.ReplaceAll(mail.Text, "\r\n", "\n"), c.text[0]) {
				t.Errorf("e-mail: subject %q, text %q", mail.Subject, mail.Text)
			}
		})
	}

	page, err := svc.List(t.Context(), "001099012345", "", 10)
	if err != nil || len(page.Notifications) != 4 || page.Unread != 4 {
		t.Fatalf("in-app: %+v, %v; want the 4, once each", page, err)
	}
}

// TestLifecycleMessagesRefuse: a message without what it needs is refused
// before anything is made.
func TestLifecycleMessagesRefuse(t *testing.T) {
	d := notify.Dossier{Code: "000.00.31.H29-261207-0001", Procedure: "Đăng ký khai sinh"}
	now := time.Date(2026, 12, 7, 1, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"no code", errOf(notify.ReceiptMessage(notify.Dossier{Procedure: "Đăng ký khai sinh"}, now, now)), "notification_no_dossier"},
		{"no procedure", errOf(notify.ResultMessage(notify.Dossier{Code: d.Code}, now, "")), "notification_no_dossier"},
		{"no reason", errOf(notify.SupplementMessage(d, now, nil, "")), "notification_no_reason"},
		{"new date not later", errOf(notify.LateMessage(d, now, now, "")), "notification_bad_date"},
	} {
		if !kerr.IsKind(c.err, kerr.Invalid) || !strings.Contains(c.err.Error(), c.code) {
			t.Errorf("%s: %v; want Invalid %s", c.name, c.err, c.code)
		}
	}
	// Defaults stand in for the optional names.
	m, err := notify.ReceiptMessage(d, now, now.Add(48*time.Hour))
	if err != nil || !strings.Contains(m.Text, "Kính gửi ông/bà,") || !strings.Contains(m.Text, "Cơ quan giải quyết hồ sơ đã tiếp nhận") {
		t.Errorf("defaults: %v\n%s", err, m.Text)
	}
	// A procedure without a resolution time: no appointment, no year 1.
	m, err = notify.ReceiptMessage(d, now, time.Time{})
	if err != nil || strings.Contains(m.Text+m.Short, "/0001") || strings.Contains(m.Text, "hẹn trả") || strings.Contains(m.Short, "Hen tra") {
		t.Errorf("without a due date: %v\n%s\n%s", err, m.Text, m.Short)
	}
}
