package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestServeNotify runs `kho serve` with its SMTP server (Mailpit, STARTTLS
// verified against --smtp-ca-file, a login whose password comes from a
// file) and the logging SMS provider. A message queued in its metadata
// store by another process is sent by the server's outbox job: the e-mail
// reaches Mailpit once, the SMS is in the server's log, and both
// deliveries are recorded sent.
func TestServeNotify(t *testing.T) {
	mp := testenv.Mailpit(t)
	data := filepath.Join(t.TempDir(), "data")
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pwFile, []byte("mật-khẩu-thư\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := startServe(t, map[string]string{"KHO_DATA": data},
		"--smtp-addr", mp.SMTPAddr, "--smtp-from", "Một cửa Kho <mot-cua@kho.example.vn>", "--smtp-ca-file", mp.CAFile,
		"--smtp-user", "kho-serve", "--smtp-password-file", pwFile, "--sms-provider", "log", "--notify-interval", "100ms")
	if !strings.Contains(k.logs.String(), "email=true") || !strings.Contains(k.logs.String(), "sms=log") {
		t.Fatalf("start-up log does not show the channels:\n%s", k.logs.String())
	}

	// Another process (the workflow) queues a message in the same store.
	other, err := sqlite.Open(t.Context(), filepath.Join(data, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	queuer, err := notify.NewSMTP(notify.SMTPConfig{Addr: "127.0.0.1:1", From: "x@kho.example.vn"}) // never sends: it only queues
	if err != nil {
		t.Fatal(err)
	}
	svc := notify.New(notify.Config{Store: other, Email: queuer, SMS: notify.LogSMS{}})
	to := testenv.UniqueAddress(t, "example.vn")
	subject := "Hồ sơ 000.00.31.H29-261207-0007 đã được tiếp nhận"
	r, err := svc.Enqueue(t.Context(), notify.Message{Key: "serve-test", Kind: notify.KindReceipt, Subject: subject, Text: "Ngày hẹn trả: 09/12/2026.",
		To: notify.Recipient{Subject: "001099012345", Email: to, Phone: "0912 345 678"}, Channels: []notify.Channel{notify.Email, notify.SMS, notify.InApp}})
	if err != nil {
		t.Fatal(err)
	}
	got := mp.WaitTo(t, to, 1, 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d e-mails to %s, want 1", len(got), to)
	}
	m := mp.Message(t, got[0].ID)
	if m.Subject != subject || m.From.Address != "mot-cua@kho.example.vn" || m.Username != "kho-serve" {
		t.Errorf("e-mail: subject %q, from %+v, login %q", m.Subject, m.From, m.Username)
	}
	for _, c := range []notify.Channel{notify.Email, notify.SMS} {
		id := notify.DeliveryID(r.ID, c)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			d, err := other.GetDelivery(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if d.State == notify.Sent && d.Attempts == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s delivery = %+v; want sent at the first attempt", c, d)
			}
		}
	}
	if !strings.Contains(k.logs.String(), "to=+84912345678") {
		t.Errorf("the SMS is not in the server's log:\n%s", k.logs.String())
	}
	time.Sleep(300 * time.Millisecond) // a few more runs of the job send nothing again
	if got := mp.To(t, to); len(got) != 1 {
		t.Errorf("%d e-mails to %s after more runs, want 1", len(got), to)
	}
}

// TestServeNotifyTwoProcesses: two `kho serve` processes share one
// MongoDB-wire database (FerretDB) and one SMTP server, each with its
// outbox job; e-mails queued meanwhile by a third store handle (the
// workflow) reach Mailpit exactly once each, each sent at its first
// attempt.
func TestServeNotifyTwoProcesses(t *testing.T) {
	mp := testenv.Mailpit(t)
	uri := testenv.MongoURI(t)
	db := testenv.UniqueName(t, "notify")
	for range 2 {
		startServe(t, map[string]string{"KHO_DATA": t.TempDir()}, "--mongo-uri", uri, "--mongo-db", db,
			"--smtp-addr", mp.SMTPAddr, "--smtp-from", "kho@kho.example.vn", "--smtp-insecure", "--notify-interval", "20ms")
	}
	other, err := mongo.Open(t.Context(), uri, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = other.Drop(context.Background())
		_ = other.Close(context.Background())
	}()
	queuer, err := notify.NewSMTP(notify.SMTPConfig{Addr: "127.0.0.1:1", From: "x@kho.example.vn"}) // only queues
	if err != nil {
		t.Fatal(err)
	}
	svc := notify.New(notify.Config{Store: other, Email: queuer})
	const n = 20
	var addrs, ids []string
	for i := range n {
		to := testenv.UniqueAddress(t, "example.vn")
		r, err := svc.Enqueue(t.Context(), notify.Message{Key: fmt.Sprintf("two-%d", i), Kind: notify.KindReceipt, Subject: fmt.Sprintf("Hồ sơ số %d đã được tiếp nhận", i),
			To: notify.Recipient{Email: to}, Channels: []notify.Channel{notify.Email}})
		if err != nil {
			t.Fatal(err)
		}
		addrs, ids = append(addrs, to), append(ids, notify.DeliveryID(r.ID, notify.Email))
		time.Sleep(5 * time.Millisecond) // spread over several runs of the jobs
	}
	for i, to := range addrs {
		if got := mp.WaitTo(t, to, 1, 20*time.Second); len(got) != 1 {
			t.Errorf("%s: %d e-mails, want 1", to, len(got))
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			d, err := other.GetDelivery(t.Context(), ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if d.State == notify.Sent {
				if d.Attempts != 1 {
					t.Errorf("%s sent at attempt %d, want 1", d.ID, d.Attempts)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not sent: %+v", d.ID, d)
			}
		}
	}
	time.Sleep(200 * time.Millisecond) // more runs of both jobs send nothing again
	for _, to := range addrs {
		if got := mp.To(t, to); len(got) != 1 {
			t.Errorf("%s: %d e-mails after more runs, want 1", to, len(got))
		}
	}
}

// TestServeNotifyFlags: notification flags that do not fit together stop
// the start with invalid_notify_config, before anything is opened.
func TestServeNotifyFlags(t *testing.T) {
	env := map[string]string{"KHO_DATA": filepath.Join(t.TempDir(), "data")}
	for _, args := range [][]string{
		{"--smtp-addr", "smtp.example.vn:587"}, // no sender
		{"--smtp-from", "kho@kho.example.vn"},  // no server
		{"--smtp-addr", "smtp.example.vn:587", "--smtp-from", "kho@kho.example.vn", "--smtp-insecure"}, // clear text off loopback
		{"--smtp-addr", "smtp.example.vn:587", "--smtp-from", "kho@kho.example.vn", "--smtp-tls", "none"},
		{"--sms-provider", "viettel"},
		{"--notify-interval", "-1s"},
	} {
		code, _, errs := runKho(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
		if code == 0 || !strings.Contains(errs, "invalid_notify_config") {
			t.Errorf("%q: exit %d, %s", args, code, errs)
		}
	}
	// A login needs its password, from a file or the environment.
	code, _, errs := runKho(t, env, "serve", "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:2525", "--smtp-from", "kho@kho.example.vn",
		"--smtp-user", "kho")
	if code == 0 || !strings.Contains(errs, "invalid_notify_config") {
		t.Errorf("login without password: exit %d, %s", code, errs)
	}
	code, _, errs = runKho(t, env, "serve", "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:2525", "--smtp-from", "kho@kho.example.vn",
		"--smtp-ca-file", filepath.Join(t.TempDir(), "missing.pem"))
	if code == 0 || !strings.Contains(errs, "smtp_ca_unreadable") {
		t.Errorf("missing CA file: exit %d, %s", code, errs)
	}
}
