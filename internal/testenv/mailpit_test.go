package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"net/smtp"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMailpit checks the test SMTP server as scripts/testenv.sh starts it:
// a message sent over STARTTLS with a login (the certificate it exports
// verifies) shows in its API; a recipient under .invalid is refused at RCPT
// TO with a 5xx, and one that merely contains "invalid" is not.
func TestMailpit(t *testing.T) {
	mp := Mailpit(t)
	pem, err := os.ReadFile(mp.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in", mp.CAFile)
	}
	to := UniqueAddress(t, "invalid-not.example.vn")
	c, err := smtp.Dial(mp.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: roots}); err != nil {
		t.Fatalf("STARTTLS with the exported certificate: %v", err)
	}
	if err := c.Auth(smtp.PlainAuth("", "kho", "secret", "127.0.0.1")); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	if err := c.Mail("kho@example.vn"); err != nil {
		t.Fatal(err)
	}
	err = c.Rcpt("someone@nowhere.invalid")
	if err == nil || !strings.HasPrefix(err.Error(), "5") {
		t.Fatalf("RCPT TO a .invalid address: %v, want a 5xx refusal", err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatalf("RCPT TO %s: %v", to, err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("To: " + to + "\r\nSubject: testenv\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.Quit()
	got := mp.WaitTo(t, to, 1, 10*time.Second)
	m := mp.Message(t, got[0].ID)
	if m.Subject != "testenv" || !strings.Contains(m.Text, "hello") || m.Username != "kho" {
		t.Fatalf("message in Mailpit = %+v", m)
	}
}
