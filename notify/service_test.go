package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
)

// store is what the tests need of a metadata store: notify's and the
// job leases.
type store interface {
	notify.Store
	jobs.Store
}

// openSQLite opens a fresh embedded store, closed when t ends.
func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	return openSQLiteAt(t, filepath.Join(t.TempDir(), "kho.db"))
}

// openSQLiteAt opens the embedded store at path (a second Store on the same
// file stands for a second process).
func openSQLiteAt(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// openMongo opens a store on database db of the test FerretDB, dropped when
// t ends by the first opener.
func openMongo(t *testing.T, db string, drop bool) *mongo.Store {
	t.Helper()
	s, err := mongo.Open(t.Context(), testenv.MongoURI(t), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if drop {
			_ = s.Drop(context.Background())
		}
		_ = s.Close(context.Background())
	})
	return s
}

// message is a receipt notice to to, on channels.
func message(key string, to notify.Recipient, channels ...notify.Channel) notify.Message {
	return notify.Message{Key: key, To: to, Channels: channels, Kind: notify.KindReceipt,
		Subject: "Hồ sơ " + key + " đã được tiếp nhận",
		Text:    "Hồ sơ của ông/bà đã được tiếp nhận lúc 08:30:00 ngày 07/12/2026.",
		HTML:    "<p>Hồ sơ của ông/bà đã được <b>tiếp nhận</b>.</p>",
		Short:   "Ho so " + key + " da duoc tiep nhan",
		Link:    "/dossiers/" + key, Ref: key}
}

// TestEnqueueRefusesBadMessages: a message that breaks a rule is refused
// with its code, and nothing is stored.
func TestEnqueueRefusesBadMessages(t *testing.T) {
	st := openSQLite(t)
	svc := notify.New(notify.Config{Store: st, Email: notify.EmailSender(nil), SMS: notify.LogSMS{}})
	svcMail := notify.New(notify.Config{Store: st, Email: failingEmail{}, SMS: notify.LogSMS{}})
	ok := notify.Recipient{Subject: "001099012345", Email: "an@example.vn", Phone: "0912345678"}
	pdf := notify.Attachment{Name: "phieu.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}
	for _, tc := range []struct {
		name   string
		change func(m *notify.Message)
		code   string
	}{
		{"no channel", func(m *notify.Message) { m.Channels = nil }, "notification_no_channel"},
		{"unknown channel", func(m *notify.Message) { m.Channels = []notify.Channel{"fax"} }, "notification_bad_channel"},
		{"bad kind", func(m *notify.Message) { m.Kind = "Receipt!" }, "notification_bad_kind"},
		{"empty subject", func(m *notify.Message) { m.Subject = "  " }, "notification_bad_subject"},
		{"long subject", func(m *notify.Message) { m.Subject = strings.Repeat("ồ", 201) }, "notification_bad_subject"},
		{"subject with a line break", func(m *notify.Message) { m.Subject = "Hồ sơ\r\nBcc: x@evil.example" }, "notification_bad_text"},
		{"bidi override in text", func(m *notify.Message) { m.Text = "Hồ sơ \u202e" }, "notification_bad_text"},
		{"text not UTF-8", func(m *notify.Message) { m.Text = "\xff\xfe" }, "notification_bad_text"},
		{"text too long", func(m *notify.Message) { m.Text = strings.Repeat("a", notify.MaxTextBytes+1) }, "notification_too_long"},
		{"link not a path", func(m *notify.Message) { m.Link = "https://evil.example/" }, "notification_bad_link"},
		{"in-app without subject", func(m *notify.Message) { m.To.Subject = "" }, "notification_no_recipient"},
		{"bad e-mail", func(m *notify.Message) { m.To.Email = "an@" }, "invalid_email"},
		{"e-mail with a name", func(m *notify.Message) { m.To.Email = "Ấn <an@example.vn>" }, "invalid_email"},
		{"landline", func(m *notify.Message) { m.To.Phone = "024 3812 3456" }, "invalid_phone"},
		{"SMS too long", func(m *notify.Message) { m.Short = strings.Repeat("ồ", 70*5) }, "sms_too_long"},
		{"too many files", func(m *notify.Message) { m.Attachments = []notify.Attachment{pdf, pdf, pdf, pdf, pdf, pdf} }, "notification_too_many_files"},
		{"files too large", func(m *notify.Message) {
			m.Attachments = []notify.Attachment{{Name: "a.pdf", ContentType: "application/pdf", Data: make([]byte, notify.MaxAttachmentsBytes+1)}}
		}, "notification_files_too_large"},
		{"empty file", func(m *notify.Message) {
			m.Attachments = []notify.Attachment{{Name: "a.pdf", ContentType: "application/pdf"}}
		}, "notification_bad_file"},
		{"file name a path", func(m *notify.Message) {
			m.Attachments = []notify.Attachment{{Name: "../a.pdf", ContentType: "application/pdf", Data: []byte("x")}}
		}, "notification_bad_file"},
		{"file type", func(m *notify.Message) {
			m.Attachments = []notify.Attachment{{Name: "a.pdf", ContentType: "pdf", Data: []byte("x")}}
		}, "notification_bad_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := message("HS-1", ok, notify.Email, notify.SMS, notify.InApp)
			tc.change(&m)
			for _, s := range []*notify.Service{svc, svcMail} {
				_, err := s.Enqueue(t.Context(), m)
				wantCode(t, err, kerr.Invalid, tc.code)
			}
		})
	}
	if ns, _ := st.ListNotifications(t.Context(), ok.Subject, "", 100); len(ns) != 0 {
		t.Fatalf("a refused message left %d notifications", len(ns))
	}
	if ds, _ := st.DueDeliveries(t.Context(), time.Now().Add(time.Hour), 100); len(ds) != 0 {
		t.Fatalf("a refused message left %d deliveries", len(ds))
	}
}

// failingEmail is an EmailSender that always fails with err (default: the
// server cannot be reached).
type failingEmail struct{ err error }

func (f failingEmail) SendEmail(context.Context, notify.EmailMessage) error {
	if f.err != nil {
		return f.err
	}
	return kerr.New(kerr.Unavailable, "smtp_unavailable", "x", "test: down")
}

// TestEnqueueOnceByKey: the same key enqueued again stores nothing new; a
// channel this server cannot send on is skipped and said so.
func TestEnqueueOnceByKey(t *testing.T) {
	st := openSQLite(t)
	svc := notify.New(notify.Config{Store: st, Email: failingEmail{}})
	to := notify.Recipient{Subject: "001099012345", Email: "an@example.vn", Phone: "+84 912 345 678"}
	m := message("HS-1/3/receipt", to, notify.InApp, notify.Email, notify.SMS, notify.Email)
	r1, err := svc.Enqueue(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := svc.Enqueue(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID != r2.ID || fmt.Sprint(r1.Queued) != "[inapp email]" || fmt.Sprint(r1.Skipped) != "[sms]" || fmt.Sprint(r2) != fmt.Sprint(r1) {
		t.Fatalf("receipts %+v, %+v; want the same ID, inapp and email queued, sms skipped", r1, r2)
	}
	ns, err := st.ListNotifications(t.Context(), to.Subject, "", 100)
	if err != nil || len(ns) != 1 || ns[0].ID != r1.ID || ns[0].Subject != m.Subject || ns[0].Link != m.Link {
		t.Fatalf("notifications = %+v, %v; want one", ns, err)
	}
	ds, err := st.DueDeliveries(t.Context(), time.Now().Add(time.Second), 100)
	if err != nil || len(ds) != 1 || ds[0].ID != notify.DeliveryID(r1.ID, notify.Email) || ds[0].To != "an@example.vn" || ds[0].HTML != m.HTML {
		t.Fatalf("deliveries = %+v, %v; want one e-mail", ds, err)
	}
	other := m
	other.Key = "HS-1/4/receipt"
	if r3, err := svc.Enqueue(t.Context(), other); err != nil || r3.ID == r1.ID {
		t.Fatalf("another key: %+v, %v; want a new message", r3, err)
	}
}

// clock is a settable clock for the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestDeliverEveryChannel: one message on the three channels, delivered by
// one run: the e-mail arrives in Mailpit, the SMS is in the log, the
// notification is listed, and the deliveries are recorded as sent.
func TestDeliverEveryChannel(t *testing.T) {
	mp := testenv.Mailpit(t)
	st := openSQLite(t)
	var smsLog bytes.Buffer
	svc := notify.New(notify.Config{Store: st, Email: mailpitSMTP(t, mp, notify.SMTPConfig{}),
		SMS: notify.LogSMS{Log: slog.New(slog.NewJSONHandler(&smsLog, nil))}})
	to := notify.Recipient{Subject: "001099012345", Name: "Nguyễn Văn Ấn", Email: testenv.UniqueAddress(t, "example.vn"), Phone: "0912 345 678"}
	m := message("HS-7", to, notify.Email, notify.SMS, notify.InApp)
	m.Attachments = []notify.Attachment{{Name: "phiếu.pdf", ContentType: "application/pdf", Data: slipPDF}}
	r, err := svc.Enqueue(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := svc.DeliverDue(t.Context())
	if err != nil || rep != (notify.Report{Sent: 2}) {
		t.Fatalf("DeliverDue = %+v, %v; want 2 sent", rep, err)
	}
	got := mp.WaitTo(t, to.Email, 1, 10*time.Second)
	msg := mp.Message(t, got[0].ID)
	if msg.Subject != m.Subject || len(msg.Attachments) != 1 || !bytes.Equal(mp.Part(t, msg.ID, msg.Attachments[0].PartID), slipPDF) {
		t.Fatalf("e-mail in Mailpit = %+v", msg)
	}
	if !strings.Contains(smsLog.String(), `"to":"+84912345678"`) || !strings.Contains(smsLog.String(), `"text":"Ho so HS-7 da duoc tiep nhan"`) {
		t.Fatalf("SMS log = %s", smsLog.String())
	}
	for _, c := range []notify.Channel{notify.Email, notify.SMS} {
		d, err := st.GetDelivery(t.Context(), notify.DeliveryID(r.ID, c))
		if err != nil || d.State != notify.Sent || d.Attempts != 1 || d.DoneAt.IsZero() || len(d.Attachments) != 0 {
			t.Fatalf("%s delivery = %+v, %v; want sent once, attachments dropped", c, d, err)
		}
	}
	if rep, err := svc.DeliverDue(t.Context()); err != nil || rep != (notify.Report{}) {
		t.Fatalf("a second run = %+v, %v; want nothing to do", rep, err)
	}
	if got := mp.To(t, to.Email); len(got) != 1 {
		t.Fatalf("%d e-mails after a second run, want 1", len(got))
	}
	page, err := svc.List(t.Context(), to.Subject, "", 10)
	if err != nil || len(page.Notifications) != 1 || page.Unread != 1 || page.Notifications[0].Subject != m.Subject {
		t.Fatalf("in-app = %+v, %v", page, err)
	}
}

// TestRetryThenGiveUp: a server that cannot be reached is retried with the
// backoff, then given up after MaxAttempts; a refused recipient is given up
// at once. Each attempt is counted and its error kept. Both are listed for
// admins, and one sent again reaches Mailpit.
func TestRetryThenGiveUp(t *testing.T) {
	mp := testenv.Mailpit(t)
	st := openSQLite(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	deadSMTP, err := notify.NewSMTP(notify.SMTPConfig{Addr: down, From: "kho@kho.example.vn", TLS: notify.NoTLS})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	backoff := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	dead := notify.New(notify.Config{Store: st, Email: deadSMTP, Now: clk.now, MaxAttempts: 3, Backoff: backoff})
	lost := testenv.UniqueAddress(t, "example.vn")
	r, err := dead.Enqueue(t.Context(), message("HS-8", notify.Recipient{Email: lost}, notify.Email))
	if err != nil {
		t.Fatal(err)
	}
	id := notify.DeliveryID(r.ID, notify.Email)
	for attempt := 1; attempt <= 3; attempt++ {
		rep, err := dead.DeliverDue(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		d, _ := st.GetDelivery(t.Context(), id)
		if d.Attempts != attempt || !strings.Contains(d.LastError, "smtp_unavailable") {
			t.Fatalf("after attempt %d: %+v", attempt, d)
		}
		if attempt < 3 {
			if rep != (notify.Report{Retry: 1}) || d.State != notify.Queued || !d.Due.Equal(clk.now().Add(backoff(attempt))) {
				t.Fatalf("attempt %d: %+v, delivery %+v; want a retry in %v", attempt, rep, d, backoff(attempt))
			}
			if rep, _ := dead.DeliverDue(t.Context()); rep != (notify.Report{}) {
				t.Fatalf("retried before its time: %+v", rep)
			}
			clk.add(backoff(attempt))
		} else if rep != (notify.Report{Failed: 1}) || d.State != notify.Failed || d.DoneAt.IsZero() {
			t.Fatalf("last attempt: %+v, delivery %+v; want given up", rep, d)
		}
	}

	live := notify.New(notify.Config{Store: st, Email: mailpitSMTP(t, mp, notify.SMTPConfig{}), Now: clk.now, MaxAttempts: 3, Backoff: backoff})
	r, err = live.Enqueue(t.Context(), message("HS-9", notify.Recipient{Email: "khong.co@nowhere.invalid"}, notify.Email))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := live.DeliverDue(t.Context()); err != nil || rep != (notify.Report{Failed: 1}) {
		t.Fatalf("refused recipient: %+v, %v; want given up at once", rep, err)
	}
	d, _ := st.GetDelivery(t.Context(), notify.DeliveryID(r.ID, notify.Email))
	if d.State != notify.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "email_recipient_refused") {
		t.Fatalf("refused recipient's delivery = %+v", d)
	}

	// Nothing is lost: both are listed for admins, the latest first, and
	// the one given up for want of a server is sent once sent again.
	page, err := live.Failed(t.Context(), "", 10)
	if err != nil || len(page.Deliveries) != 2 || page.Deliveries[0].ID != d.ID || page.Deliveries[1].ID != id {
		t.Fatalf("failed = %+v, %v; want the refused one, then the one out of attempts", page, err)
	}
	if _, err := live.Retry(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if rep, err := live.DeliverDue(t.Context()); err != nil || rep != (notify.Report{Sent: 1}) {
		t.Fatalf("after the retry: %+v, %v; want sent", rep, err)
	}
	mp.WaitTo(t, lost, 1, 10*time.Second)
	if g, _ := st.GetDelivery(t.Context(), id); g.State != notify.Sent || g.Attempts != 1 {
		t.Fatalf("retried delivery = %+v", g)
	}
	wantCode(t, errOf(live.Retry(t.Context(), id)), kerr.Conflict, "delivery_not_failed")
}

// errOf is the error of a call that returns a value too.
func errOf[T any](_ T, err error) error { return err }

// TestTwoProcessesDeliverOnce: two processes share one store, each with
// its job runner (internal/jobs) looping the outbox job, while messages
// are enqueued; then, as if both had lost track of the job lease, both
// deliver the outbox at the same time without it. Every e-mail arrives in
// Mailpit exactly once and every delivery is sent at its first attempt.
// It runs on both metadata drivers: two Stores on one SQLite file, and two
// on one FerretDB database.
func TestTwoProcessesDeliverOnce(t *testing.T) {
	mp := testenv.Mailpit(t)
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kho.db")
		twoProcesses(t, mp, openSQLiteAt(t, path), openSQLiteAt(t, path))
	})
	t.Run("mongo", func(t *testing.T) {
		db := testenv.UniqueName(t, "notify")
		twoProcesses(t, mp, openMongo(t, db, true), openMongo(t, db, false))
	})
}

func twoProcesses(t *testing.T, mp testenv.MailpitServer, a, b store) {
	const perPhase = 12
	svcs := []*notify.Service{
		notify.New(notify.Config{Store: a, Email: mailpitSMTP(t, mp, notify.SMTPConfig{}), Batch: 3}),
		notify.New(notify.Config{Store: b, Email: mailpitSMTP(t, mp, notify.SMTPConfig{}), Batch: 3}),
	}
	var addrs []string
	var ids []string
	enqueue := func(phase string) {
		for i := range perPhase {
			to := testenv.UniqueAddress(t, "example.vn")
			// Each process enqueues half.
			r, err := svcs[i%2].Enqueue(t.Context(), message(fmt.Sprintf("%s-%d", phase, i), notify.Recipient{Email: to}, notify.Email))
			if err != nil {
				t.Fatal(err)
			}
			addrs = append(addrs, to)
			ids = append(ids, notify.DeliveryID(r.ID, notify.Email))
		}
	}
	waitSent := func() {
		deadline := time.Now().Add(30 * time.Second)
		for _, id := range ids {
			for {
				d, err := a.GetDelivery(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				if d.State == notify.Sent {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("delivery %s not sent in time: %+v", id, d)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}

	// Phase 1: two runners, the job leased.
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for i, s := range []store{a, b} {
		runner := jobs.NewRunner(s, nil, jobs.WithHolder(fmt.Sprintf("process-%d", i)), jobs.WithPoll(20*time.Millisecond))
		job := svcs[i].Job(10 * time.Millisecond)
		wg.Go(func() { runner.Loop(ctx, job) })
	}
	enqueue("leased")
	waitSent()
	stop()
	wg.Wait()

	// Phase 2: no lease; both run the outbox at once, several times.
	enqueue("unleased")
	start := make(chan struct{})
	for _, s := range svcs {
		for range 3 {
			wg.Go(func() {
				<-start
				if _, err := s.DeliverDue(t.Context()); err != nil {
					t.Error(err)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	waitSent()

	for i, to := range addrs {
		if got := mp.To(t, to); len(got) != 1 {
			t.Errorf("%s: %d e-mails, want exactly 1", to, len(got))
		}
		d, err := b.GetDelivery(t.Context(), ids[i])
		if err != nil || d.State != notify.Sent || d.Attempts != 1 {
			t.Errorf("delivery %s = %+v, %v; want sent at its first attempt", ids[i], d, err)
		}
	}
}

// TestClaimLapseResends is the documented window of at-least-once: a
// process that claimed a delivery and died before recording its outcome
// leaves it claimed; once the claim ends, another process sends it (a
// second attempt), and not before.
func TestClaimLapseResends(t *testing.T) {
	mp := testenv.Mailpit(t)
	st := openSQLite(t)
	clk := &clock{t: time.Now()}
	svc := notify.New(notify.Config{Store: st, Email: mailpitSMTP(t, mp, notify.SMTPConfig{}), Now: clk.now,
		SendTimeout: 10 * time.Second, ClaimTTL: time.Minute})
	to := testenv.UniqueAddress(t, "example.vn")
	r, err := svc.Enqueue(t.Context(), message("HS-10", notify.Recipient{Email: to}, notify.Email))
	if err != nil {
		t.Fatal(err)
	}
	id := notify.DeliveryID(r.ID, notify.Email)
	// The dead process's claim.
	if _, err := st.ClaimDelivery(t.Context(), id, 1, "dead-process", clk.now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if rep, _ := svc.DeliverDue(t.Context()); rep != (notify.Report{}) {
		t.Fatalf("sent while claimed: %+v", rep)
	}
	clk.add(time.Minute)
	if rep, err := svc.DeliverDue(t.Context()); err != nil || rep != (notify.Report{Sent: 1}) {
		t.Fatalf("after the claim ended: %+v, %v; want sent", rep, err)
	}
	mp.WaitTo(t, to, 1, 10*time.Second)
	if d, _ := st.GetDelivery(t.Context(), id); d.State != notify.Sent || d.Attempts != 2 {
		t.Fatalf("delivery = %+v; want sent at the second attempt", d)
	}
	// The dead process comes back: its claim is gone, it records nothing.
	wantCode(t, st.SettleDelivery(t.Context(), id, "dead-process", notify.Settlement{State: notify.Failed, At: clk.now()}), kerr.Conflict, "delivery_claim_lost")
}
