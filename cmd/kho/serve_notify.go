package main

import (
	"crypto/x509"
	"flag"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
)

const (
	envSMTPAddr         = "KHO_SMTP_ADDR"
	envSMTPFrom         = "KHO_SMTP_FROM"
	envSMTPUser         = "KHO_SMTP_USER"
	envSMTPPassword     = "KHO_SMTP_PASSWORD"
	envSMTPPasswordFile = "KHO_SMTP_PASSWORD_FILE"
	envSMTPCAFile       = "KHO_SMTP_CA_FILE"
	envSMSProvider      = "KHO_SMS_PROVIDER"
	// defaultNotifyInterval is how often the outbox is delivered.
	defaultNotifyInterval = 15 * time.Second
	// outboxTimeout bounds one run of the outbox job; what is left is due
	// at the next run.
	outboxTimeout = 10 * time.Minute
)

// serveNotify is the notification configuration of `kho serve`: the SMTP
// server e-mail goes through, the SMS provider and how often the outbox
// is delivered. In-app notifications need none of it.
type serveNotify struct {
	smtpAddr     string
	smtpFrom     string
	smtpUser     string
	passwordFile string
	caFile       string
	smtpTLS      string
	insecure     bool
	sms          string
	interval     time.Duration
	getenv       config.Getenv
}

func (c *serveNotify) bind(fs *flag.FlagSet, getenv config.Getenv) {
	c.getenv = getenv
	fs.StringVar(&c.smtpAddr, "smtp-addr", getenv(envSMTPAddr), "SMTP server `HOST:PORT` that e-mail notifications go through (587 with STARTTLS, 465 with --smtp-tls tls); none: no e-mail [$"+envSMTPAddr+"]")
	fs.StringVar(&c.smtpFrom, "smtp-from", getenv(envSMTPFrom), "sender of e-mail notifications, `ADDRESS` or 'Name <ADDRESS>' [$"+envSMTPFrom+"]")
	fs.StringVar(&c.smtpUser, "smtp-user", getenv(envSMTPUser), "SMTP login `NAME` (none: no login) [$"+envSMTPUser+"]")
	fs.StringVar(&c.passwordFile, "smtp-password-file", getenv(envSMTPPasswordFile), "`FILE` holding the SMTP password (or the environment variable "+envSMTPPassword+"; never on the command line) [$"+envSMTPPasswordFile+"]")
	fs.StringVar(&c.caFile, "smtp-ca-file", getenv(envSMTPCAFile), "PEM `FILE` of the certificates that verify the SMTP server (default: the system's) [$"+envSMTPCAFile+"]")
	fs.StringVar(&c.smtpTLS, "smtp-tls", string(notify.StartTLS), "`MODE` of TLS to the SMTP server: starttls (required, port 587) or tls (implicit, port 465)")
	fs.BoolVar(&c.insecure, "smtp-insecure", false, "send e-mail without TLS; only to an SMTP server on a loopback address (tests, a local relay)")
	fs.StringVar(&c.sms, "sms-provider", getenv(envSMSProvider), "SMS `PROVIDER`: log (write each text message to the server log); none: no SMS [$"+envSMSProvider+"]")
	fs.DurationVar(&c.interval, "notify-interval", defaultNotifyInterval, "how often queued e-mail and SMS notifications are sent (0 = never: they stay queued)")
}

func notifyConfigErr(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "invalid_notify_config", "Cấu hình gửi thông báo không hợp lệ.", detail, args...)
}

// validate checks the flags before anything is opened.
func (c *serveNotify) validate() error {
	if c.interval < 0 {
		return notifyConfigErr("--notify-interval %v: want 0 or more", c.interval)
	}
	switch c.sms {
	case "", "none", "log":
	default:
		return notifyConfigErr("--sms-provider %q: want log or none", c.sms)
	}
	if c.smtpAddr == "" {
		if c.smtpFrom != "" || c.smtpUser != "" || c.passwordFile != "" || c.caFile != "" || c.insecure {
			return notifyConfigErr("SMTP flags without --smtp-addr")
		}
		return nil
	}
	if c.smtpFrom == "" {
		return notifyConfigErr("--smtp-addr needs --smtp-from")
	}
	switch notify.TLSMode(c.smtpTLS) {
	case notify.StartTLS, notify.ImplicitTLS:
	default:
		return notifyConfigErr("--smtp-tls %q: want starttls or tls", c.smtpTLS)
	}
	if c.insecure {
		host, _, err := net.SplitHostPort(c.smtpAddr)
		if err != nil || !notify.Loopback(host) {
			return notifyConfigErr("--smtp-insecure: %s is not on a loopback address; e-mail to it needs TLS", c.smtpAddr)
		}
	}
	return nil
}

// senders returns the e-mail sender and SMS provider the flags ask for
// (nil for a channel that is off).
func (c *serveNotify) senders(log *slog.Logger) (notify.EmailSender, notify.SMSProvider, error) {
	var sms notify.SMSProvider
	if c.sms == "log" {
		sms = notify.LogSMS{Log: log}
	}
	if c.smtpAddr == "" {
		return nil, sms, nil
	}
	cfg := notify.SMTPConfig{Addr: c.smtpAddr, From: c.smtpFrom, Username: c.smtpUser, TLS: notify.TLSMode(c.smtpTLS)}
	if c.insecure {
		cfg.TLS = notify.NoTLS
	}
	if c.smtpUser != "" {
		pw, err := c.password()
		if err != nil {
			return nil, nil, err
		}
		cfg.Password = pw
	}
	if c.caFile != "" {
		pem, err := os.ReadFile(c.caFile)
		if err != nil {
			return nil, nil, kerr.Wrap(err, kerr.Invalid, "smtp_ca_unreadable", "Không đọc được tệp chứng thư của máy chủ thư điện tử.")
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, notifyConfigErr("--smtp-ca-file %s holds no PEM certificate", c.caFile)
		}
	}
	s, err := notify.NewSMTP(cfg)
	if err != nil {
		return nil, nil, err
	}
	return s, sms, nil
}

// password is the SMTP password: the file's first line, or the
// environment variable.
func (c *serveNotify) password() (string, error) {
	if c.passwordFile == "" {
		if pw := c.getenv(envSMTPPassword); pw != "" {
			return pw, nil
		}
		return "", notifyConfigErr("--smtp-user needs --smtp-password-file or $%s", envSMTPPassword)
	}
	b, err := os.ReadFile(c.passwordFile)
	if err != nil {
		return "", kerr.Wrap(err, kerr.Invalid, "smtp_password_unreadable", "Không đọc được tệp mật khẩu máy chủ thư điện tử.")
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	if pw == "" {
		return "", notifyConfigErr("--smtp-password-file %s is empty", c.passwordFile)
	}
	return pw, nil
}

// smsName is the SMS provider for the start-up log ("" when off).
func (c *serveNotify) smsName() string {
	if c.sms == "none" {
		return ""
	}
	return c.sms
}

// outboxJob is the leased job that sends the queued e-mail and SMS every
// --notify-interval (none when it is 0).
func (c *serveNotify) outboxJob(svc *notify.Service) jobs.Job {
	j := svc.Job(c.interval)
	j.Timeout = outboxTimeout
	return j
}
