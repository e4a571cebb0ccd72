package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
)

// Event is what happened to a dossier that people may be told of: a
// transition (Entry, the trail entry Act appended; Dossier as stored
// with it), or a change of its lateness found by the deadline scan
// (Lateness set, Entry zero; Dossier as it is being stored).
type Event struct {
	Dossier  Dossier
	Entry    TrailEntry
	Lateness *Lateness
}

// Notifier is told of every event of the lifecycle (Config.Notifier):
// after each successful transition, and by the deadline scan before it
// stores a new lateness. It decides who hears of what; OutboxNotifier is
// the one `kho serve` uses. It must be idempotent for an event (the scan
// of two processes may call it twice for one change). An error of a
// transition's notification is logged, the transition stands; the scan
// leaves a dossier whose notification failed to its next run.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// notifyErr tells the notifier of e, if there is one.
func (s *Service) notifyErr(ctx context.Context, e Event) error {
	if s.notifier == nil {
		return nil
	}
	return s.notifier.Notify(ctx, e)
}

// notified tells the notifier of the transition that appended d's last
// trail entry, logging a failure: the transition is stored, and stands.
// A client that hangs up now does not cancel it.
func (s *Service) notified(ctx context.Context, d Dossier) {
	if len(d.Trail) == 0 || s.notifier == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
	defer cancel()
	e := Event{Dossier: d, Entry: d.Trail[len(d.Trail)-1]}
	if err := s.notifyErr(ctx, e); err != nil {
		s.log.Warn("không đưa được thông báo hồ sơ vào hàng đợi", "dossier", d.Code, "action", string(e.Entry.Action), "err", err)
	}
}

// notifyTimeout bounds the enqueueing of a transition's notification.
const notifyTimeout = 30 * time.Second

// Outbox is where messages are enqueued (notify.Service is one).
type Outbox interface {
	Enqueue(ctx context.Context, m notify.Message) (notify.Receipt, error)
}

var _ Outbox = (*notify.Service)(nil)

// OutboxNotifier tells people of the lifecycle through the notification
// outbox (2025 appendix item 18):
//
//   - the applicant, on receipt (receive: the due date), on a request to
//     supplement (request_supplement: reasons and items), when the result
//     is ready (return_result), and when the dossier is overdue (the
//     apology with its new date): in-app to the applicant's account (their
//     identity number or organisation code), by e-mail and SMS to the
//     e-mail address and phone number declared on the dossier (the
//     applicant's, else the representative's);
//   - the assigned appraiser, in-app, when a dossier is near its due time.
//
// Each message's key is "<code>/<trail length>/<kind>", so that a retry,
// or a second process, enqueues it once. A message refused for an
// address that is not one (an e-mail address or phone number typed
// wrong) is enqueued again in-app only.
type OutboxNotifier struct {
	Outbox Outbox
	// Link is the portal's path of a dossier, for in-app notifications
	// (default "/dossiers/<code>").
	Link func(code string) string
}

var _ Notifier = OutboxNotifier{}

// KindNear is the kind of the near-deadline notification to the assignee.
const KindNear notify.Kind = "near"

// Notify enqueues the message of e, if e has one.
func (o OutboxNotifier) Notify(ctx context.Context, e Event) error {
	d := e.Dossier
	nd := notify.Dossier{Code: d.Code, Procedure: d.ProcedureName, Applicant: "ông/bà " + d.Applicant.Name,
		Agency: nonEmpty(d.HandlingAgencyName, d.HandlingAgency), Link: o.link(d.Code)}
	var m notify.Message
	var err error
	toApplicant := true
	switch {
	case e.Lateness != nil && e.Lateness.State == LateOverdue:
		m, err = notify.LateMessage(nd, e.Lateness.Due, e.Lateness.NewDue, e.Lateness.Reason)
	case e.Lateness != nil && e.Lateness.State == LateNear:
		if d.Assignee() == "" {
			return nil
		}
		m, toApplicant = nearMessage(nd, e.Lateness.Due), false
		m.To = notify.Recipient{Subject: d.Assignee(), Name: d.Handler.Name}
		m.Channels = []notify.Channel{notify.InApp}
	case e.Lateness != nil:
		return nil
	case e.Entry.Action == ActionReceive:
		m, err = notify.ReceiptMessage(nd, d.ReceivedAt, d.DueAt)
	case e.Entry.Action == ActionRequestSupplement && d.Supplement != nil:
		m, err = notify.SupplementMessage(nd, e.Entry.At, []string{d.Supplement.Reason}, strings.Join(d.Supplement.Items, "; "))
	case e.Entry.Action == ActionReturnResult:
		m, err = notify.ResultMessage(nd, e.Entry.At, "")
	default:
		return nil
	}
	if err != nil {
		return err
	}
	m.Key = fmt.Sprintf("%s/%d/%s", d.Code, len(d.Trail), m.Kind)
	if toApplicant {
		m.To, m.Channels = applicantRecipient(d)
	}
	_, err = o.Outbox.Enqueue(ctx, m)
	if kerr.IsKind(err, kerr.Invalid) && len(m.Channels) > 1 {
		// A declared address that is not one: in-app still reaches them.
		m.Channels = []notify.Channel{notify.InApp}
		_, err = o.Outbox.Enqueue(ctx, m)
	}
	return err
}

func (o OutboxNotifier) link(code string) string {
	if o.Link != nil {
		return o.Link(code)
	}
	return "/dossiers/" + code
}

// applicantRecipient is the applicant's account, with the e-mail address
// and phone number declared on d (the applicant's, else the
// representative's), and the channels they allow.
func applicantRecipient(d Dossier) (notify.Recipient, []notify.Channel) {
	r := notify.Recipient{Subject: d.Applicant.ID, Name: d.Applicant.Name, Email: d.Applicant.Email, Phone: d.Applicant.Phone}
	if rep := d.Representative; rep != nil {
		r.Email, r.Phone = nonEmpty(r.Email, rep.Email), nonEmpty(r.Phone, rep.Phone)
	}
	chans := []notify.Channel{notify.InApp}
	if r.Email != "" {
		chans = append(chans, notify.Email)
	}
	if r.Phone != "" {
		chans = append(chans, notify.SMS)
	}
	return r, chans
}

// nearMessage tells the assignee that a dossier is due soon.
func nearMessage(d notify.Dossier, due time.Time) notify.Message {
	when := due.In(Vietnam).Format("15:04:05 02/01/2006")
	return notify.Message{Kind: KindNear, Ref: d.Code, Link: d.Link,
		Subject: "Hồ sơ " + d.Code + " sắp đến hạn xử lý",
		Text:    fmt.Sprintf("Hồ sơ %s (%s) được phân công cho ông/bà sắp đến hạn xử lý: %s.", d.Code, d.Procedure, when)}
}
