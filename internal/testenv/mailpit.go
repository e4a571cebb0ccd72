package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// The environment variables of the test SMTP server (Mailpit), set by
// scripts/testenv.sh.
const (
	// EnvSMTPAddr is Mailpit's SMTP address, host:port. It offers
	// STARTTLS (optional) and accepts any user name and password, or none.
	// It refuses every recipient under the reserved domain .invalid with a
	// 550 at RCPT TO.
	EnvSMTPAddr = "KHO_TEST_SMTP_ADDR"
	// EnvMailpitAPI is the base URL of Mailpit's HTTP API
	// (http://127.0.0.1:PORT), where tests read back what was sent.
	EnvMailpitAPI = "KHO_TEST_MAILPIT_API"
	// EnvSMTPCA is the PEM file of the self-signed certificate Mailpit's
	// STARTTLS presents (for 127.0.0.1): trust it to test TLS.
	EnvSMTPCA = "KHO_TEST_SMTP_CA"
)

// MailpitServer is the test SMTP server and the API that shows what it
// received.
type MailpitServer struct {
	SMTPAddr string // host:port
	API      string // http://host:port, no trailing slash
	CAFile   string // PEM of the certificate of its STARTTLS
}

// Mailpit returns the test SMTP server (Mailpit), or skips or fails t when
// it is not set (see the package comment).
func Mailpit(t testing.TB) MailpitServer {
	t.Helper()
	v := lookup(t, EnvSMTPAddr, EnvMailpitAPI, EnvSMTPCA)
	if _, _, err := net.SplitHostPort(v[0]); err != nil {
		t.Fatalf("testenv: %s=%q is not host:port", EnvSMTPAddr, v[0])
	}
	if !strings.HasPrefix(v[1], "http://") {
		t.Fatalf("testenv: %s=%q is not an http:// URL", EnvMailpitAPI, v[1])
	}
	if _, err := os.Stat(v[2]); err != nil {
		t.Fatalf("testenv: %s: %v", EnvSMTPCA, err)
	}
	return MailpitServer{SMTPAddr: v[0], API: strings.TrimSuffix(v[1], "/"), CAFile: v[2]}
}

// UniqueAddress returns a fresh e-mail address at domain (lowercase, the
// test's name and a random suffix in its local part), so that tests
// sharing one Mailpit find their own messages by recipient.
func UniqueAddress(t testing.TB, domain string) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: random address: %v", err)
	}
	local := slug(t.Name(), 40)
	if local == "" {
		local = "t"
	}
	return local + "." + hex.EncodeToString(b[:]) + "@" + domain
}

// MailAddress is an address as Mailpit's API shows it.
type MailAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// MailSummary is one message of a Mailpit listing.
type MailSummary struct {
	ID          string        `json:"ID"`
	MessageID   string        `json:"MessageID"`
	From        MailAddress   `json:"From"`
	To          []MailAddress `json:"To"`
	Subject     string        `json:"Subject"`
	Attachments int           `json:"Attachments"`
	Created     time.Time     `json:"Created"`
}

// MailAttachment is one attachment of a message in Mailpit.
type MailAttachment struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	Size        int64  `json:"Size"`
}

// MailMessage is one message as Mailpit parsed it.
type MailMessage struct {
	ID          string           `json:"ID"`
	MessageID   string           `json:"MessageID"`
	From        MailAddress      `json:"From"`
	To          []MailAddress    `json:"To"`
	Subject     string           `json:"Subject"`
	Text        string           `json:"Text"`
	HTML        string           `json:"HTML"`
	Attachments []MailAttachment `json:"Attachments"`
	Username    string           `json:"Username"` // the SMTP user name given, if any
}

// apiGet reads path of Mailpit's API into out (JSON), or returns the raw
// body when out is nil.
func (m MailpitServer) apiGet(t testing.TB, path string, out any) []byte {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(m.API + path)
	if err != nil {
		t.Fatalf("mailpit: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		t.Fatalf("mailpit: GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit: GET %s: %s: %s", path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("mailpit: GET %s: %v", path, err)
		}
	}
	return b
}

// To returns the messages Mailpit received for the address to, newest
// first.
func (m MailpitServer) To(t testing.TB, to string) []MailSummary {
	t.Helper()
	var res struct {
		Messages []MailSummary `json:"messages"`
	}
	m.apiGet(t, "/api/v1/search?limit=200&query="+url.QueryEscape(fmt.Sprintf("to:%q", to)), &res)
	// The search matches words; keep the exact recipient only.
	var out []MailSummary
	for _, s := range res.Messages {
		for _, a := range s.To {
			if strings.EqualFold(a.Address, to) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// WaitTo waits up to timeout until Mailpit holds at least n messages for
// to, and returns them (newest first); it fails t if they do not come.
func (m MailpitServer) WaitTo(t testing.TB, to string, n int, timeout time.Duration) []MailSummary {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := m.To(t, to)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit: %d message(s) for %s after %v, want %d", len(got), to, timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Message returns the message with Mailpit's database ID id.
func (m MailpitServer) Message(t testing.TB, id string) MailMessage {
	t.Helper()
	var msg MailMessage
	m.apiGet(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	return msg
}

// Part returns the bytes of one part (an attachment) of a message.
func (m MailpitServer) Part(t testing.TB, id, partID string) []byte {
	t.Helper()
	return m.apiGet(t, "/api/v1/message/"+url.PathEscape(id)+"/part/"+url.PathEscape(partID), nil)
}

// Raw returns the message as it was received (RFC 5322).
func (m MailpitServer) Raw(t testing.TB, id string) []byte {
	t.Helper()
	return m.apiGet(t, "/api/v1/message/"+url.PathEscape(id)+"/raw", nil)
}
