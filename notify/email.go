package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/kho-vn/kho/internal/kerr"
)

// EmailMessage is one e-mail handed to an EmailSender.
type EmailMessage struct {
	// ID is the delivery's ID: the Message-ID header is made from it, the
	// same at every attempt (see the package comment).
	ID          string
	To          string // the address
	ToName      string // shown with it (optional)
	Subject     string
	Text        string // the plain-text body
	HTML        string // the HTML alternative (optional)
	Attachments []Attachment
}

// EmailSender sends e-mail. SMTP is the implementation.
//
// SendEmail returns nil once the server has accepted the message. Errors
// (internal/kerr): Invalid when the server refuses this message for good
// (a recipient it does not know, content it will not take) — not retried;
// Unavailable when it cannot be reached or asks to try later, or when the
// configuration is wrong (TLS, authentication) — retried with backoff.
type EmailSender interface {
	SendEmail(ctx context.Context, m EmailMessage) error
}

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// The TLS modes.
const (
	// StartTLS requires STARTTLS (port 587, submission): a server that does
	// not offer it, or whose certificate does not verify, gets nothing.
	StartTLS TLSMode = "starttls"
	// ImplicitTLS speaks TLS from the first byte (port 465).
	ImplicitTLS TLSMode = "tls"
	// Opportunistic uses STARTTLS when the server offers it, and sends in
	// the clear when it does not. For relays on a trusted network only.
	Opportunistic TLSMode = "opportunistic"
	// NoTLS never encrypts: for a relay on the same machine.
	NoTLS TLSMode = "none"
)

// DefaultSMTPTimeout bounds one whole send: connecting, TLS, login and the
// message.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig says how to reach the SMTP server.
type SMTPConfig struct {
	// Addr is host:port of the server (a submission port, 587, for
	// StartTLS; 465 for ImplicitTLS).
	Addr string
	// From is the sender: an address or "Name <address>".
	From string
	// Username and Password log in (PLAIN or LOGIN, as the server
	// offers). Empty Username: no login. Login needs TLS unless the server
	// is on a loopback address.
	Username string
	Password string
	// TLS is the mode (default StartTLS).
	TLS TLSMode
	// RootCAs verify the server's certificate (nil: the system's roots).
	RootCAs *x509.CertPool
	// Timeout bounds one whole send (default DefaultSMTPTimeout).
	Timeout time.Duration
	// HelloName is the name given in EHLO (default: the host name).
	HelloName string
}

// SMTP sends e-mail through an SMTP server with go-mail, one connection
// per message, every send bounded by a deadline.
type SMTP struct {
	cfg  SMTPConfig
	host string
	port int
	from *mail.Address
}

var _ EmailSender = (*SMTP)(nil)

func smtpConfigErr(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "invalid_smtp_config", "Cấu hình máy chủ thư điện tử không hợp lệ.", "notify: "+detail, args...)
}

// NewSMTP checks cfg and returns the sender. Invalid "invalid_smtp_config"
// for a malformed address or sender, an unknown TLS mode, or a login
// without TLS to a server that is not on a loopback address.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || host == "" || perr != nil || port < 1 || port > 65535 {
		return nil, smtpConfigErr("SMTP address %q: want host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, smtpConfigErr("sender %q: %v", cfg.From, err)
	}
	if _, err := ParseEmail(from.Address); err != nil {
		return nil, smtpConfigErr("sender %q is not a plain address", from.Address)
	}
	if cfg.TLS == "" {
		cfg.TLS = StartTLS
	}
	switch cfg.TLS {
	case StartTLS, ImplicitTLS, Opportunistic, NoTLS:
	default:
		return nil, smtpConfigErr("TLS mode %q: want starttls, tls, opportunistic or none", cfg.TLS)
	}
	if cfg.Username != "" && (cfg.TLS == NoTLS || cfg.TLS == Opportunistic) && !Loopback(host) {
		return nil, smtpConfigErr("a login to %s would go in the clear: use TLS mode starttls or tls", host)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	return &SMTP{cfg: cfg, host: host, port: port, from: from}, nil
}

// Loopback reports whether host is localhost or a loopback IP address.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Timeout is the bound of one send.
func (s *SMTP) Timeout() time.Duration { return s.cfg.Timeout }

// SendEmail implements EmailSender. The whole exchange ends by the
// earlier of ctx's deadline and the configured Timeout: every read and
// write of the connection is held to it, and cancelling ctx cuts it.
func (s *SMTP) SendEmail(ctx context.Context, m EmailMessage) error {
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	tlsCfg := &tls.Config{ServerName: s.host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	var conns []*boundedConn
	var mu sync.Mutex
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		bc := newBoundedConn(c, deadline)
		mu.Lock()
		conns = append(conns, bc)
		mu.Unlock()
		if s.cfg.TLS != ImplicitTLS {
			return bc, nil
		}
		tc := tls.Client(bc, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			tc.Close()
			return nil, err
		}
		return tc, nil
	}
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.cut()
		}
	})
	defer stop()

	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(tlsCfg),
	}
	switch s.cfg.TLS {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case Opportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.HelloName != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HelloName))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return smtpConfigErr("%v", err)
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return connectErr(s.cfg.Addr, err)
	}
	err = client.SendWithSMTPClient(sc, msg)
	_ = client.CloseWithSMTPClient(sc)
	if msg.IsDelivered() {
		// The server took it (250 after DATA); a failure after that
		// (RSET, QUIT) changes nothing.
		return nil
	}
	return sendErr(s.cfg.Addr, m.To, err)
}

// compose builds the MIME message: UTF-8, quoted-printable text and HTML
// as alternatives, attachments in base64, Message-ID from the delivery.
func (s *SMTP) compose(m EmailMessage) (*gomail.Msg, error) {
	to, err := ParseEmail(m.To)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(s.from)
	if err := msg.AddToFormat(m.ToName, to); err != nil {
		return nil, invalid("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", "notify: recipient %q: %v", to, err)
	}
	msg.Subject(m.Subject)
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	msg.SetMessageIDWithValue(m.ID + "@" + domain)
	msg.SetDate()
	// RFC 3834: sent by a program; auto-responders should not answer.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	text := m.Text
	if text == "" {
		text = m.Subject
	}
	msg.SetBodyString(gomail.TypeTextPlain, text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, invalid("notification_bad_file", "Tệp đính kèm thông báo không hợp lệ.", "notify: attachment %q: %v", a.Name, err)
		}
	}
	return msg, nil
}

// Vietnamese messages of the SMTP errors.
const (
	msgSMTPUnavailable = "Không kết nối được máy chủ thư điện tử; sẽ gửi lại sau."
	msgSMTPTLS         = "Không thiết lập được kết nối an toàn (TLS) tới máy chủ thư điện tử."
	msgSMTPAuth        = "Máy chủ thư điện tử từ chối đăng nhập; vui lòng kiểm tra cấu hình."
	msgSMTPLater       = "Máy chủ thư điện tử tạm thời chưa nhận thư; sẽ gửi lại sau."
	msgSMTPRecipient   = "Máy chủ thư điện tử từ chối địa chỉ người nhận."
	msgSMTPRefused     = "Máy chủ thư điện tử từ chối thư."
)

// connectErr classifies an error of connecting, STARTTLS or login: all
// Unavailable (retried), coded by what failed.
func connectErr(addr string, err error) error {
	wrap := func(code, msg string) error {
		return &kerr.Error{Kind: kerr.Unavailable, Code: code, Message: msg, Detail: "notify: SMTP server " + addr, Err: err}
	}
	var (
		cv   *tls.CertificateVerificationError
		rh   tls.RecordHeaderError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		ae   *tls.AlertError
		text = err.Error()
	)
	switch {
	case errors.As(err, &cv), errors.As(err, &rh), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci), errors.As(err, &ae),
		strings.Contains(text, "STARTTLS"), strings.Contains(text, "tls:"):
		return wrap("smtp_tls_failed", msgSMTPTLS)
	case strings.Contains(text, "AUTH"), strings.Contains(text, "auth"):
		return wrap("smtp_auth_failed", msgSMTPAuth)
	}
	return wrap("smtp_unavailable", msgSMTPUnavailable)
}

// sendErr classifies an error after the connection was set up: a
// permanent (5xx) refusal of the recipient or of the message is Invalid,
// anything else Unavailable.
func sendErr(addr, to string, err error) error {
	if err == nil {
		err = errors.New("the server did not confirm the message")
	}
	detail := "notify: SMTP server " + addr
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		switch se.Reason {
		case gomail.ErrSMTPRcptTo:
			return &kerr.Error{Kind: kerr.Invalid, Code: "email_recipient_refused", Message: msgSMTPRecipient, Detail: detail + " refused recipient " + to, Err: err}
		case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
			return &kerr.Error{Kind: kerr.Invalid, Code: "email_refused", Message: msgSMTPRefused, Detail: detail + " refused the message", Err: err}
		}
	}
	if errors.As(err, &se) && se.ErrorCode() >= 400 {
		return &kerr.Error{Kind: kerr.Unavailable, Code: "smtp_try_later", Message: msgSMTPLater, Detail: detail, Err: err}
	}
	return &kerr.Error{Kind: kerr.Unavailable, Code: "smtp_unavailable", Message: msgSMTPUnavailable, Detail: detail, Err: err}
}

// boundedConn holds every deadline of a connection to at most hard, and
// can be cut at once (cut: ctx was cancelled).
type boundedConn struct {
	net.Conn
	mu   sync.Mutex
	hard time.Time
}

func newBoundedConn(c net.Conn, hard time.Time) *boundedConn {
	bc := &boundedConn{Conn: c, hard: hard}
	_ = c.SetDeadline(hard)
	return bc
}

func (c *boundedConn) clamp(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.IsZero() || t.After(c.hard) {
		return c.hard
	}
	return t
}

// SetDeadline sets the earlier of t and the hard deadline.
func (c *boundedConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.clamp(t)) }

// SetReadDeadline sets the earlier of t and the hard deadline.
func (c *boundedConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }

// SetWriteDeadline sets the earlier of t and the hard deadline.
func (c *boundedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

// cut makes every pending and later read and write fail now.
func (c *boundedConn) cut() {
	c.mu.Lock()
	c.hard = time.Unix(1, 0)
	c.mu.Unlock()
	_ = c.Conn.SetDeadline(time.Unix(1, 0))
}
