package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// Config is what a Service is made of. Zero values take the defaults
// given on each field.
type Config struct {
	Store Store
	// Email sends the e-mail deliveries (nil: the e-mail channel is off,
	// and Enqueue skips it).
	Email EmailSender
	// SMS sends the SMS deliveries (nil: the SMS channel is off, and
	// Enqueue skips it).
	SMS SMSProvider
	// Log records deliveries given up and claims lost (default: discard).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SendTimeout bounds one attempt of one delivery (default 1 minute).
	SendTimeout time.Duration
	// ClaimTTL is how long a claim keeps other processes off a delivery
	// (default SendTimeout + 1 minute). It must outlast a send: an attempt
	// is cut off at SendTimeout, and a claim that ends without an outcome
	// (the process died) lets another run try again.
	ClaimTTL time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is given
	// up (default 10: with the default backoff, about a day and a half).
	MaxAttempts int
	// Backoff is the wait before retry n (n = 1 after the first failed
	// attempt). Default: 1 minute doubling up to 6 hours, ±10 % jitter.
	Backoff func(n int) time.Duration
	// Batch is how many due deliveries one read of the outbox takes
	// (default 100).
	Batch int
}

// Service enqueues messages, keeps in-app notifications and delivers the
// outbox. It is safe for concurrent use; several processes may run one
// each over the same store.
type Service struct {
	cfg Config
}

// New returns the service. It panics if cfg.Store is nil (a wiring bug).
func New(cfg Config) *Service {
	if cfg.Store == nil {
		panic("notify: Config.Store is nil")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = time.Minute
	}
	if cfg.ClaimTTL <= cfg.SendTimeout {
		cfg.ClaimTTL = cfg.SendTimeout + time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	return &Service{cfg: cfg}
}

// DefaultBackoff waits 1 minute before the first retry, doubling to at
// most 6 hours, each ±10 % so that deliveries that failed together do not
// retry together.
func DefaultBackoff(n int) time.Duration {
	d := time.Minute << min(max(n-1, 0), 9)
	d = min(d, 6*time.Hour)
	return d + time.Duration((mrand.Float64()*0.2-0.1)*float64(d))
}

// Receipt tells what Enqueue stored.
type Receipt struct {
	// ID is the message's ID (the in-app notification's ID, and the prefix
	// of its deliveries' IDs).
	ID string
	// Queued are the channels stored: an in-app notification, or a
	// delivery in the outbox (also when the same Key had stored it
	// before).
	Queued []Channel
	// Skipped are the channels asked for that this server has no sender
	// for (no SMTP server or SMS provider configured).
	Skipped []Channel
}

// Enqueue checks m and stores it: the in-app notification at once, one
// outbox delivery per other channel, due now. It returns once all are
// stored. Enqueuing the same m.Key again stores nothing new and returns
// the same Receipt. Errors: Invalid for a message that breaks a rule
// (validate: sizes, characters, addresses, phone numbers), before
// anything is stored; the store's errors otherwise (a retry with the same
// Key completes what a failed call began).
func (s *Service) Enqueue(ctx context.Context, m Message) (Receipt, error) {
	m, err := validate(m)
	if err != nil {
		return Receipt{}, err
	}
	if m.Key == "" {
		m.Key = randomToken()
	}
	id := messageID(m.Key)
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	r := Receipt{ID: id}
	for _, c := range m.Channels {
		switch {
		case c == Email && s.cfg.Email == nil, c == SMS && s.cfg.SMS == nil:
			r.Skipped = append(r.Skipped, c)
			continue
		case c == InApp:
			err = s.cfg.Store.AddNotification(ctx, Notification{ID: id, Recipient: m.To.Subject, Kind: m.Kind,
				Subject: m.Subject, Text: m.Text, Link: m.Link, Ref: m.Ref, At: now})
			if kerr.IsKind(err, kerr.Conflict) {
				err = nil
			}
		default:
			err = s.cfg.Store.AddDelivery(ctx, s.delivery(id, c, m, now))
			if kerr.IsKind(err, kerr.Conflict) {
				err = nil
			}
		}
		if err != nil {
			return Receipt{}, err
		}
		r.Queued = append(r.Queued, c)
	}
	return r, nil
}

// delivery is the outbox record of m on channel c.
func (s *Service) delivery(id string, c Channel, m Message, now time.Time) Delivery {
	d := Delivery{ID: DeliveryID(id, c), Channel: c, Kind: m.Kind, Ref: m.Ref, State: Queued, Due: now, CreatedAt: now, Rev: 1}
	switch c {
	case Email:
		d.To, d.ToName = m.To.Email, m.To.Name
		d.Subject, d.Text, d.HTML, d.Attachments = m.Subject, m.Text, m.HTML, m.Attachments
	case SMS:
		d.To, d.Text = m.To.Phone, m.Short
		if d.Text == "" {
			d.Text = m.Subject
		}
	}
	return d
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ---- in-app -----------------------------------------------------------------

// Page is one page of a recipient's notifications.
type Page struct {
	Notifications []Notification
	// Next continues the listing (the after of the next call); "" at the
	// end.
	Next string
	// Unread counts all of the recipient's unread notifications.
	Unread int
}

// List returns recipient's notifications newest first, limit (1..100) at
// a time, after the cursor after ("" = from the newest). Invalid for a bad
// limit or cursor.
func (s *Service) List(ctx context.Context, recipient, after string, limit int) (Page, error) {
	if err := checkPage(limit); err != nil {
		return Page{}, err
	}
	if err := CheckCursor(after); err != nil {
		return Page{}, err
	}
	ns, err := s.cfg.Store.ListNotifications(ctx, recipient, after, limit+1)
	if err != nil {
		return Page{}, err
	}
	p := Page{Notifications: ns}
	if len(ns) > limit {
		p.Notifications = ns[:limit]
		p.Next = ns[limit-1].Cursor()
	}
	if p.Unread, err = s.cfg.Store.CountUnreadNotifications(ctx, recipient); err != nil {
		return Page{}, err
	}
	return p, nil
}

// checkPage returns Invalid for a page size outside 1..100.
func checkPage(limit int) error {
	if limit < 1 || limit > 100 {
		return kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 100.", "notify: page size %d is outside 1..100", limit)
	}
	return nil
}

// MarkRead marks recipient's notification id read (once: a second call
// keeps the first time) and returns it. NotFound "notification_not_found"
// when recipient has no such notification, whoever else has one.
func (s *Service) MarkRead(ctx context.Context, recipient, id string) (Notification, error) {
	if len(id) != 26 {
		return Notification{}, ErrNotificationNotFound(id)
	}
	return s.cfg.Store.MarkNotificationRead(ctx, recipient, id, s.cfg.Now())
}

// MarkAllRead marks every unread notification of recipient read and
// returns how many it marked.
func (s *Service) MarkAllRead(ctx context.Context, recipient string) (int, error) {
	return s.cfg.Store.MarkAllNotificationsRead(ctx, recipient, s.cfg.Now())
}

// ---- deliveries given up ------------------------------------------------------

// FailedPage is one page of the deliveries given up.
type FailedPage struct {
	Deliveries []Delivery
	// Next continues the listing; "" at the end.
	Next string
}

// Failed lists the deliveries given up, the latest first, limit (1..100)
// at a time, after the cursor after. For admins: it holds people's
// addresses. Invalid for a bad limit or cursor.
func (s *Service) Failed(ctx context.Context, after string, limit int) (FailedPage, error) {
	if err := checkPage(limit); err != nil {
		return FailedPage{}, err
	}
	ds, err := s.cfg.Store.FailedDeliveries(ctx, after, limit+1)
	if err != nil {
		return FailedPage{}, err
	}
	p := FailedPage{Deliveries: ds}
	if len(ds) > limit {
		p.Deliveries = ds[:limit]
		p.Next = DeliveryCursor(ds[limit-1])
	}
	return p, nil
}

// Retry puts the delivery id, given up, back in the queue, due now with
// its attempts counted afresh (after the address or the server was
// fixed). Conflict "delivery_not_failed" if it is not failed; NotFound
// "delivery_not_found".
func (s *Service) Retry(ctx context.Context, id string) (Delivery, error) {
	if !deliveryIDRE.MatchString(id) {
		return Delivery{}, ErrDeliveryNotFound(id)
	}
	return s.cfg.Store.RequeueDelivery(ctx, id, s.cfg.Now())
}

// ---- the outbox ------------------------------------------------------------

// OutboxJobName is the name of the outbox job's lease.
const OutboxJobName = "notify-outbox"

// Job is the leased background job that delivers the outbox every
// interval (internal/jobs: one process at a time).
func (s *Service) Job(every time.Duration) jobs.Job {
	return jobs.Job{Name: OutboxJobName, Every: every, RetryAfter: every, TTL: s.cfg.ClaimTTL,
		Run: func(ctx context.Context, _ *jobs.Run) error {
			_, err := s.DeliverDue(ctx)
			return err
		}}
}

// Report counts what one DeliverDue did.
type Report struct {
	Sent    int // handed over
	Retry   int // failed for now, queued again
	Failed  int // given up
	Skipped int // claimed by another process first, or claim lost
}

// DeliverDue delivers the deliveries due now, a batch at a time, until
// none is due or ctx is done. Each is claimed before it is sent (a
// delivery another process claimed first is left to it), and its outcome
// recorded under the claim. Its cost follows the deliveries due. It
// returns the store's error when the outbox cannot be read; a failed send
// is not an error of the run (the delivery is retried or given up).
func (s *Service) DeliverDue(ctx context.Context) (Report, error) {
	var rep Report
	for ctx.Err() == nil {
		due, err := s.cfg.Store.DueDeliveries(ctx, s.cfg.Now(), s.cfg.Batch)
		if err != nil {
			return rep, err
		}
		for _, d := range due {
			if ctx.Err() != nil {
				break
			}
			if err := s.attempt(ctx, d, &rep); err != nil {
				return rep, err
			}
		}
		if len(due) < s.cfg.Batch {
			break
		}
	}
	return rep, nil
}

// attempt claims d, sends it and records the outcome. It returns the
// store's error when the claim could not be written (not a lost race).
func (s *Service) attempt(ctx context.Context, d Delivery, rep *Report) error {
	claim := randomToken()
	start := s.cfg.Now()
	c, err := s.cfg.Store.ClaimDelivery(ctx, d.ID, d.Rev, claim, start.Add(s.cfg.ClaimTTL))
	if kerr.IsKind(err, kerr.Conflict) {
		rep.Skipped++
		return nil
	}
	if err != nil {
		return err
	}
	sendCtx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
	err = s.send(sendCtx, c)
	cancel()

	end := s.cfg.Now()
	st := Settlement{State: Sent, At: end}
	switch {
	case err == nil:
		rep.Sent++
	case kerr.IsKind(err, kerr.Invalid) || c.Attempts >= s.cfg.MaxAttempts:
		st.State, st.Error = Failed, errText(err)
		rep.Failed++
		s.cfg.Log.Warn("bỏ gửi thông báo", "delivery", c.ID, "channel", string(c.Channel), "attempts", c.Attempts, "err", err)
	default:
		st.State, st.Error, st.Due = Queued, errText(err), end.Add(s.cfg.Backoff(c.Attempts))
		rep.Retry++
	}
	// The outcome is recorded even when the run is being stopped: a
	// message handed over must not be sent again for want of this write.
	sctx, cancelSettle := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancelSettle()
	if err := s.cfg.Store.SettleDelivery(sctx, c.ID, claim, st); err != nil {
		s.cfg.Log.Warn("không ghi được kết quả gửi thông báo; sẽ gửi lại khi hết hạn nhận", "delivery", c.ID, "state", string(st.State), "err", err)
	}
	return nil
}

// send hands d to its channel's sender.
func (s *Service) send(ctx context.Context, d Delivery) error {
	switch {
	case d.Channel == Email && s.cfg.Email != nil:
		return s.cfg.Email.SendEmail(ctx, EmailMessage{ID: d.ID, To: d.To, ToName: d.ToName, Subject: d.Subject,
			Text: d.Text, HTML: d.HTML, Attachments: d.Attachments})
	case d.Channel == SMS && s.cfg.SMS != nil:
		return s.cfg.SMS.SendSMS(ctx, SMSMessage{ID: d.ID, To: d.To, Text: d.Text, Kind: d.Kind})
	}
	return kerr.New(kerr.Unavailable, "channel_not_configured", "Máy chủ chưa được cấu hình kênh gửi thông báo này.", "notify: no sender for channel %q", d.Channel)
}

// errText is err for a delivery's LastError: at most 1000 bytes.
func errText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		s = strings.ToValidUTF8(s[:1000], "")
	}
	return s
}
