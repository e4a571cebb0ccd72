package notify_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
)

func wantCode(t *testing.T, err error, kind kerr.Kind, code string) {
	t.Helper()
	var ke *kerr.Error
	if !errors.As(err, &ke) || ke.Kind != kind || ke.Code != code {
		t.Fatalf("err = %v; want kind %v code %q", err, kind, code)
	}
}

// mailpitSMTP returns a sender to the test Mailpit with cfg's other
// settings (plain SMTP unless cfg says otherwise).
func mailpitSMTP(t *testing.T, mp testenv.MailpitServer, cfg notify.SMTPConfig) *notify.SMTP {
	t.Helper()
	cfg.Addr = mp.SMTPAddr
	if cfg.From == "" {
		cfg.From = "Kho thử nghiệm <kho@kho.example.vn>"
	}
	if cfg.TLS == "" {
		cfg.TLS = notify.NoTLS
	}
	s, err := notify.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func roots(t *testing.T, mp testenv.MailpitServer) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(mp.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in", mp.CAFile)
	}
	return p
}

// slipPDF stands for a slip: bytes that are not text.
var slipPDF = append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte{0, 1, 2, 0xfe, 0xff, '\r', '\n'}, 3000)...)

// TestSMTPSend sends a Vietnamese e-mail with an HTML alternative and a PDF
// attachment over STARTTLS with a login, then reads it back from Mailpit:
// recipient, sender, subject with its diacritics, both bodies, the
// attachment's bytes, the login and the Message-ID made from the ID.
func TestSMTPSend(t *testing.T) {
	mp := testenv.Mailpit(t)
	s := mailpitSMTP(t, mp, notify.SMTPConfig{TLS: notify.StartTLS, RootCAs: roots(t, mp), Username: "kho-mail", Password: "mật khẩu"})
	to := testenv.UniqueAddress(t, "example.vn")
	subject := "Hồ sơ 000.00.31.H29-261207-0001 đã được tiếp nhận — Phiếu hẹn trả kết quả"
	text := "Kính gửi ông Nguyễn Văn Ấn,\n\nHồ sơ đăng ký khai sinh của ông đã được tiếp nhận lúc 08:30:00 ngày 07/12/2026.\nNgày hẹn trả kết quả: 09/12/2026."
	html := "<p>Kính gửi ông <b>Nguyễn Văn Ấn</b>,</p><p>Hồ sơ đăng ký khai sinh đã được tiếp nhận.</p>"
	err := s.SendEmail(t.Context(), notify.EmailMessage{ID: "abc123.email", To: to, ToName: "Nguyễn Văn Ấn", Subject: subject, Text: text, HTML: html,
		Attachments: []notify.Attachment{{Name: "phiếu-tiếp-nhận.pdf", ContentType: "application/pdf", Data: slipPDF}}})
	if err != nil {
		t.Fatal(err)
	}
	got := mp.WaitTo(t, to, 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d messages for %s, want 1", len(got), to)
	}
	m := mp.Message(t, got[0].ID)
	if m.Subject != subject {
		t.Errorf("subject = %q, want %q", m.Subject, subject)
	}
	if len(m.To) != 1 || m.To[0].Address != to || m.To[0].Name != "Nguyễn Văn Ấn" {
		t.Errorf("to = %+v", m.To)
	}
	if m.From.Address != "kho@kho.example.vn" || m.From.Name != "Kho thử nghiệm" {
		t.Errorf("from = %+v", m.From)
	}
	if strings.TrimSpace(strings.ReplaceAll(m.Text, "\r\n", "\n")) != text {
		t.Errorf("text = %q, want %q", m.Text, text)
	}
	if !strings.Contains(m.HTML, "<b>Nguyễn Văn Ấn</b>") {
		t.Errorf("html = %q", m.HTML)
	}
	if m.MessageID != "abc123.email@kho.example.vn" {
		t.Errorf("Message-ID = %q, want the delivery's", m.MessageID)
	}
	if m.Username != "kho-mail" {
		t.Errorf("SMTP login = %q, want kho-mail", m.Username)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != "phiếu-tiếp-nhận.pdf" || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	if b := mp.Part(t, m.ID, m.Attachments[0].PartID); !bytes.Equal(b, slipPDF) {
		t.Errorf("attachment: %d bytes back, want the %d sent", len(b), len(slipPDF))
	}
	raw := string(mp.Raw(t, m.ID))
	if !strings.Contains(raw, "Auto-Submitted: auto-generated") {
		t.Errorf("no Auto-Submitted header in %.300q", raw)
	}
}

// TestSMTPUntrustedCertificate: with STARTTLS required, a certificate the
// sender does not trust stops the send before anything is handed over.
func TestSMTPUntrustedCertificate(t *testing.T) {
	mp := testenv.Mailpit(t)
	s := mailpitSMTP(t, mp, notify.SMTPConfig{TLS: notify.StartTLS, RootCAs: x509.NewCertPool()})
	to := testenv.UniqueAddress(t, "example.vn")
	err := s.SendEmail(t.Context(), notify.EmailMessage{ID: "x.email", To: to, Subject: "Thử", Text: "Thử"})
	wantCode(t, err, kerr.Unavailable, "smtp_tls_failed")
	time.Sleep(200 * time.Millisecond)
	if got := mp.To(t, to); len(got) != 0 {
		t.Fatalf("the message arrived over an untrusted connection: %+v", got)
	}
}

// TestSMTPRefusedRecipient: a recipient the server refuses for good is an
// Invalid error (not retried), and nothing arrives.
func TestSMTPRefusedRecipient(t *testing.T) {
	mp := testenv.Mailpit(t)
	s := mailpitSMTP(t, mp, notify.SMTPConfig{})
	err := s.SendEmail(t.Context(), notify.EmailMessage{ID: "x.email", To: "khong.ton.tai@nowhere.invalid", Subject: "Thử", Text: "Thử"})
	wantCode(t, err, kerr.Invalid, "email_recipient_refused")
	if ke := kerr.Outer(err); !strings.Contains(ke.Error(), "nowhere.invalid") {
		t.Errorf("the detail does not name the recipient: %v", err)
	}
}

// TestSMTPDown: a server that is not there is Unavailable, at once.
func TestSMTPDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	s, err := notify.NewSMTP(notify.SMTPConfig{Addr: addr, From: "kho@kho.example.vn", TLS: notify.NoTLS})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.SendEmail(t.Context(), notify.EmailMessage{ID: "x.email", To: "a@example.vn", Subject: "Thử", Text: "Thử"})
	wantCode(t, err, kerr.Unavailable, "smtp_unavailable")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refused connection took %v", d)
	}
}

// TestSMTPTimeout: a server that accepts the connection and never answers
// is cut off at the configured timeout, and a cancelled context cuts a
// send at once.
func TestSMTPTimeout(t *testing.T) {
	silent := testenv.SilentServer(t)
	s, err := notify.NewSMTP(notify.SMTPConfig{Addr: silent, From: "kho@kho.example.vn", TLS: notify.NoTLS, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.SendEmail(t.Context(), notify.EmailMessage{ID: "x.email", To: "a@example.vn", Subject: "Thử", Text: "Thử"})
	wantCode(t, err, kerr.Unavailable, "smtp_unavailable")
	if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
		t.Errorf("a silent server was given up after %v, want about 300ms", d)
	}

	s, err = notify.NewSMTP(notify.SMTPConfig{Addr: silent, From: "kho@kho.example.vn", TLS: notify.NoTLS, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = s.SendEmail(ctx, notify.EmailMessage{ID: "x.email", To: "a@example.vn", Subject: "Thử", Text: "Thử"})
	if !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("err = %v, want Unavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the context's deadline cut the send after %v, want about 200ms", d)
	}
}

// TestNewSMTPRefusesBadConfig: configuration mistakes are caught at start.
func TestNewSMTPRefusesBadConfig(t *testing.T) {
	for _, c := range []notify.SMTPConfig{
		{Addr: "smtp.example.vn", From: "kho@example.vn"},
		{Addr: "smtp.example.vn:0", From: "kho@example.vn"},
		{Addr: ":587", From: "kho@example.vn"},
		{Addr: "smtp.example.vn:587", From: ""},
		{Addr: "smtp.example.vn:587", From: "not an address"},
		{Addr: "smtp.example.vn:587", From: "kho@localhost"},
		{Addr: "smtp.example.vn:587", From: "kho@example.vn", TLS: "ssl"},
		{Addr: "smtp.example.vn:587", From: "kho@example.vn", TLS: notify.NoTLS, Username: "u", Password: "p"},
		{Addr: "smtp.example.vn:25", From: "kho@example.vn", TLS: notify.Opportunistic, Username: "u", Password: "p"},
	} {
		_, err := notify.NewSMTP(c)
		if ke := kerr.Outer(err); ke == nil || ke.Kind != kerr.Invalid || ke.Code != "invalid_smtp_config" {
			t.Errorf("NewSMTP(%+v) = %v, want invalid_smtp_config", c, err)
		}
	}
	for _, c := range []notify.SMTPConfig{
		{Addr: "smtp.example.vn:587", From: "Kho <kho@example.vn>", Username: "u", Password: "p"},
		{Addr: "smtp.example.vn:465", From: "kho@example.vn", TLS: notify.ImplicitTLS, Username: "u"},
		{Addr: "127.0.0.1:25", From: "kho@example.vn", TLS: notify.NoTLS, Username: "u", Password: "p"},
	} {
		if _, err := notify.NewSMTP(c); err != nil {
			t.Errorf("NewSMTP(%+v): %v", c, err)
		}
	}
}
