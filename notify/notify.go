// Package notify tells people what happened to their business with the
// administration: by e-mail (SMTP), by SMS (through a provider) and in the
// portal (in-app notifications). It knows nothing of dossiers: its callers
// (package workflow) give it plain messages.
//
// # Reliability
//
// Enqueue stores the message before it returns: an in-app notification is
// written at once (that is its delivery), and every e-mail or SMS becomes
// an outbox record (a Delivery) in the metadata store. A leased background
// job (Service.Job, run by internal/jobs: one process at a time however
// many `kho serve` share the store) sends the due deliveries and retries
// the failed ones with backoff. Nothing is held in process memory that
// another process needs.
//
// A delivery is sent at most once in the normal course, even when two
// processes run the outbox at the same moment (one lost its job lease while
// paused): before sending, a process claims the delivery by one conditional
// update of its record (expected revision, state queued); only the winner
// sends, and it records the outcome by a second conditional update naming
// its claim. The claim lasts ClaimTTL, longer than a send may take (the send
// is cut off before the claim ends).
//
// The window of at-least-once (e-mail): SMTP has no two-phase commit. The
// message is handed over when the server answers 250 to the end of DATA. If
// the sending process dies, or loses the metadata store, after that answer
// and before its "sent" is recorded (one single-record update, normally
// milliseconds), or the answer is lost on the wire after the server
// accepted the message, the delivery is still claimed; when the claim ends
// (ClaimTTL) another run sends it again. Each e-mail carries a Message-ID
// made from its delivery ID, the same at every attempt, so a receiving
// system or mail client can recognise the repeat. No other path sends twice.
// SMS providers are given the delivery ID too, for the same purpose.
//
// # Where addresses come from
//
// A vault owner (archive.Owner) has no contact details. The caller passes
// the e-mail address and phone number the applicant declared for the
// business at hand (the application eForms ask for them: `email`,
// `dienThoai`), and the account subject for in-app notifications.
package notify

import (
	"context"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Channel is a way of reaching a person.
type Channel string

// The channels.
const (
	Email Channel = "email" // e-mail through SMTP
	SMS   Channel = "sms"   // a text message through an SMS provider
	InApp Channel = "inapp" // a notification in the portal
)

// Kind says what a message is about. Callers may use their own kinds
// (lowercase letters, digits, '-' and '_', at most 32); these are the ones
// of the dossier lifecycle.
type Kind string

// The kinds of the dossier lifecycle (2025 appendix, item 18).
const (
	KindReceipt    Kind = "receipt"    // a dossier was received (tiếp nhận)
	KindSupplement Kind = "supplement" // a supplement is requested (bổ sung)
	KindResult     Kind = "result"     // the result is ready (trả kết quả)
	KindLate       Kind = "late"       // the dossier is late (trễ hạn, with the apology)
)

// Recipient is who a message is for. Each channel needs its own part:
// in-app the account subject, e-mail the address, SMS the phone number.
type Recipient struct {
	// Subject is the account that sees in-app notifications: a citizen's
	// identity number, a staff member's subject.
	Subject string `json:"subject,omitempty"`
	// Name is shown in the e-mail's To header (optional).
	Name string `json:"name,omitempty"`
	// Email is an address (user@domain), as declared by the person.
	Email string `json:"email,omitempty"`
	// Phone is a Vietnamese mobile number in any usual writing (0912 345
	// 678, +84912345678); it is stored as +84… (NormalizePhone).
	Phone string `json:"phone,omitempty"`
}

// Attachment is a file sent with an e-mail, e.g. a slip as PDF.
type Attachment struct {
	Name        string `json:"name"`        // file name shown to the recipient
	ContentType string `json:"contentType"` // e.g. application/pdf
	Data        []byte `json:"data"`
}

// Message is what a caller asks to send.
type Message struct {
	// Key makes Enqueue idempotent: enqueuing a message with the same Key
	// again stores nothing new. Use something the caller can compute again
	// after a crash, e.g. "<dossier code>/<trail entry>/<kind>". Empty: a
	// random key (then a retried Enqueue may queue the message twice).
	Key      string
	To       Recipient
	Channels []Channel
	Kind     Kind
	// Subject is the e-mail's subject and the in-app notification's title.
	Subject string
	// Text is the plain-text body (e-mail, in-app).
	Text string
	// HTML is the e-mail's HTML alternative (optional).
	HTML string
	// Short is the SMS text (default: Subject). Keep it short: see
	// SMSSegments.
	Short string
	// Link is where the in-app notification leads in the portal (a path
	// such as /dossiers/CODE; optional).
	Link string
	// Ref names what the message is about, e.g. a dossier code (optional).
	Ref string
	// Attachments go with the e-mail only.
	Attachments []Attachment
}

// Notification is an in-app notification.
type Notification struct {
	ID        string    `json:"id"`
	Recipient string    `json:"recipient"` // the account subject
	Kind      Kind      `json:"kind"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text,omitempty"`
	Link      string    `json:"link,omitempty"`
	Ref       string    `json:"ref,omitempty"`
	At        time.Time `json:"at"`
	ReadAt    time.Time `json:"readAt,omitzero"`
}

// Read reports whether the recipient has read it.
func (n Notification) Read() bool { return !n.ReadAt.IsZero() }

// Cursor is the position of n in its recipient's list (newest first):
// ListNotifications(after = n.Cursor()) continues after n. Stores index it.
func (n Notification) Cursor() string { return cursorOf(n.At, n.ID) }

// DeliveryState is where a delivery is in its life.
type DeliveryState string

// The states of a delivery. Only queued deliveries are ever read by the
// outbox job (indexed by state and due time).
const (
	Queued DeliveryState = "queued" // waiting for its due time, or claimed by a sender
	Sent   DeliveryState = "sent"   // handed to the SMTP server or SMS provider
	Failed DeliveryState = "failed" // given up: refused for good, or out of attempts
)

// Delivery is the outbox record of one message on one channel.
type Delivery struct {
	ID      string  `json:"id"` // the message ID, "." and the channel
	Channel Channel `json:"channel"`
	// To is the address: an e-mail address, or a phone number as +84….
	To     string `json:"to"`
	ToName string `json:"toName,omitempty"`
	Kind   Kind   `json:"kind"`
	Ref    string `json:"ref,omitempty"`
	// Subject, Text and HTML are the e-mail's; an SMS sends Text.
	Subject     string       `json:"subject,omitempty"`
	Text        string       `json:"text,omitempty"`
	HTML        string       `json:"html,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`

	State DeliveryState `json:"state"`
	// Due is when a queued delivery may next be claimed: its first try,
	// its next retry, or the end of the claim in progress.
	Due time.Time `json:"due"`
	// Claim is the token of the sender holding it ("" when none has).
	Claim     string    `json:"claim,omitempty"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// DoneAt is when it was sent or given up.
	DoneAt time.Time `json:"doneAt,omitzero"`
	// Rev is +1 at every change; ClaimDelivery names the one it read.
	Rev int64 `json:"rev"`
}

// Settlement is the outcome of a claimed delivery's attempt.
type Settlement struct {
	State DeliveryState // Sent, Failed, or Queued to retry at Due
	Due   time.Time     // the retry's time (Queued)
	Error string        // the attempt's error ("" when sent)
	At    time.Time     // when the attempt ended
}

// InboxStore keeps in-app notifications. storage/sqlite and storage/mongo
// implement it; notifytest is the conformance suite both pass.
//
// Times are returned in UTC, truncated to milliseconds.
//
// Error kinds (internal/kerr): Conflict "notification_exists" from
// AddNotification; NotFound "notification_not_found" from
// MarkNotificationRead for an ID that is not the recipient's (whether or
// not it exists); Invalid for a page size outside 1..1000 or a malformed
// cursor; Unavailable when the server cannot be reached; Internal
// otherwise.
type InboxStore interface {
	// AddNotification stores n. Conflict if n.ID exists.
	AddNotification(ctx context.Context, n Notification) error
	// ListNotifications returns recipient's notifications newest first
	// (by At, then ID), at most limit, starting after the one whose
	// Cursor is after ("" = from the newest). It reads only that
	// recipient's, from an index.
	ListNotifications(ctx context.Context, recipient, after string, limit int) ([]Notification, error)
	// MarkNotificationRead sets ReadAt to at on recipient's notification
	// id, unless it is read already, and returns it. NotFound if recipient
	// has no notification id.
	MarkNotificationRead(ctx context.Context, recipient, id string, at time.Time) (Notification, error)
	// MarkAllNotificationsRead sets ReadAt to at on every unread
	// notification of recipient, from the index (recipient, unread), and
	// returns how many it marked. The read ones keep their time.
	MarkAllNotificationsRead(ctx context.Context, recipient string, at time.Time) (int, error)
	// CountUnreadNotifications counts recipient's unread notifications,
	// from an index.
	CountUnreadNotifications(ctx context.Context, recipient string) (int, error)
}

// OutboxStore keeps deliveries. storage/sqlite and storage/mongo
// implement it; notifytest is the conformance suite both pass.
//
// Every change is one conditional single-record update, so that two
// processes never both claim one delivery.
//
// Error kinds (internal/kerr): Conflict "delivery_exists" from
// AddDelivery; Conflict "delivery_changed" from ClaimDelivery when the
// record's revision is not rev or it is not queued; Conflict
// "delivery_claim_lost" from SettleDelivery when the delivery is not
// queued under that claim; NotFound "delivery_not_found"; Invalid for a
// page size outside 1..1000; Unavailable when the server cannot be
// reached; Internal otherwise.
type OutboxStore interface {
	// AddDelivery stores d (State Queued, Rev 1). Conflict if d.ID exists.
	AddDelivery(ctx context.Context, d Delivery) error
	// DueDeliveries returns at most limit queued deliveries whose Due is
	// at or before now, earliest first, from an index on (state, due):
	// its cost follows the deliveries due, never the whole outbox.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ClaimDelivery gives the delivery to claim until until (Due = until,
	// Attempts+1, Rev+1) if it is queued with revision rev, and returns
	// it as changed. Conflict "delivery_changed" otherwise.
	ClaimDelivery(ctx context.Context, id string, rev int64, claim string, until time.Time) (Delivery, error)
	// SettleDelivery records the outcome of the attempt under claim:
	// State, Due (a retry), LastError, DoneAt (Sent, Failed), Claim "",
	// Rev+1; a delivery sent drops its attachments (one given up keeps
	// them, to be sent again by RequeueDelivery).
	// Conflict "delivery_claim_lost" if the delivery is not queued under
	// claim.
	SettleDelivery(ctx context.Context, id, claim string, s Settlement) error
	// GetDelivery returns one delivery. NotFound if none.
	GetDelivery(ctx context.Context, id string) (Delivery, error)
	// FailedDeliveries returns at most limit deliveries given up, the
	// latest first (by Due, then ID), after the one whose DeliveryCursor
	// is after ("" = from the latest), from the index on (state, due): its
	// cost follows the page, never the outbox.
	FailedDeliveries(ctx context.Context, after string, limit int) ([]Delivery, error)
	// RequeueDelivery puts a delivery given up back in the queue, due at
	// due, with its attempts counted from 0 again (LastError kept until
	// the next attempt), Rev+1. Conflict "delivery_not_failed" if it is
	// not failed; NotFound if none.
	RequeueDelivery(ctx context.Context, id string, due time.Time) (Delivery, error)
}

// Store is both: what a Service needs.
type Store interface {
	InboxStore
	OutboxStore
}

// The errors every store returns, made here so that drivers agree.

// ErrNotificationExists is AddNotification's Conflict.
func ErrNotificationExists(id string) error {
	return kerr.New(kerr.Conflict, "notification_exists", "Thông báo đã tồn tại.", "notify: notification %q exists", id)
}

// ErrNotificationNotFound is MarkNotificationRead's NotFound.
func ErrNotificationNotFound(id string) error {
	return kerr.New(kerr.NotFound, "notification_not_found", "Không tìm thấy thông báo.", "notify: no notification %q for this recipient", id)
}

// ErrDeliveryExists is AddDelivery's Conflict.
func ErrDeliveryExists(id string) error {
	return kerr.New(kerr.Conflict, "delivery_exists", "Thông báo đã được đưa vào hàng đợi gửi.", "notify: delivery %q exists", id)
}

// ErrDeliveryChanged is ClaimDelivery's Conflict.
func ErrDeliveryChanged(id string) error {
	return kerr.New(kerr.Conflict, "delivery_changed", "Thông báo đang được tiến trình khác gửi.", "notify: delivery %q is not queued at the expected revision", id)
}

// ErrClaimLost is SettleDelivery's Conflict.
func ErrClaimLost(id string) error {
	return kerr.New(kerr.Conflict, "delivery_claim_lost", "Lượt gửi thông báo đã hết hạn và được tiến trình khác tiếp quản.", "notify: delivery %q is not queued under this claim", id)
}

// ErrDeliveryNotFailed is RequeueDelivery's Conflict.
func ErrDeliveryNotFailed(id string) error {
	return kerr.New(kerr.Conflict, "delivery_not_failed", "Chỉ gửi lại được thông báo đã bị bỏ gửi.", "notify: delivery %q is not failed", id)
}

// ErrDeliveryNotFound is GetDelivery's NotFound.
func ErrDeliveryNotFound(id string) error {
	return kerr.New(kerr.NotFound, "delivery_not_found", "Không tìm thấy thông báo trong hàng đợi gửi.", "notify: no delivery %q", id)
}

// CheckLimit returns Invalid for a page size outside 1..1000.
func CheckLimit(limit int) error {
	if limit < 1 || limit > 1000 {
		return kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", "notify: page size %d is outside 1..1000", limit)
	}
	return nil
}

// Settle applies s to d as SettleDelivery records it (the rule both
// drivers share): the claim ends; a retry is due at s.Due; a delivery that
// leaves the queue (Sent, Failed) gets DoneAt; one sent drops its
// attachments,// which the outbox need not keep once they are sent or given up.
func Settle(d *Delivery, s Settlement) {
	d.State, d.LastError, d.Claim = s.State, s.Error, ""
	if s.State == Queued {
		d.Due = s.Due
		return
	}
	d.DoneAt = s.At
	if s.State == Sent {
		d.Attachments = nil
	}
}

// Requeue applies RequeueDelivery to d (the rule both drivers share).
func Requeue(d *Delivery, due time.Time) error {
	if d.State != Failed {
		return ErrDeliveryNotFailed(d.ID)
	}
	d.State, d.Due, d.Attempts, d.DoneAt, d.Claim = Queued, due, 0, time.Time{}, ""
	return nil
}
