package workflow_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/workflow"
)

// TestLifecycleNotifications: the applicant hears of the receipt (an
// e-mail in Mailpit, once, with the dossier's code in its subject and
// its due date in the text), of the supplement request and of the
// result, in-app too; the actions between tell nobody; delivering the
// outbox again sends nothing twice. Another citizen's inbox stays empty.
func TestLifecycleNotifications(t *testing.T) {
	mp := testenv.Mailpit(t)
	ctx := context.Background()
	e := newEnv(t)
	e.clock.t = time.Now().Truncate(time.Second) // the outbox sends what is due by its clock
	var sms bytes.Buffer                         // the logging SMS provider's log (DeliverDue runs here)
	notes := notify.New(notify.Config{Store: e.store, Email: mailpitSMTP(t, mp), Now: e.clock.Now,
		SMS: notify.LogSMS{Log: slog.New(slog.NewTextHandler(&sms, nil))}})
	e.withCalendar(func(c *workflow.Config) { c.Notifier = workflow.OutboxNotifier{Outbox: notes} })
	email := testenv.UniqueAddress(t, "example.vn")
	v := e.filledBirth(t, func(nd *workflow.NewDossier) { nd.Applicant.Email, nd.Applicant.Phone = email, "0912 345 678" })

	deliver := func() {
		t.Helper()
		if _, err := notes.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.act(t, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSubmit})
	v = e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionReceive})
	deliver()
	deliver()
	msgs := mp.WaitTo(t, email, 1, 30*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, v.Code) || !strings.Contains(msgs[0].Subject, "tiếp nhận") {
		t.Fatalf("receipt e-mails %+v", msgs)
	}
	due := v.DueAt.In(workflow.Vietnam).Format("15:04:05 ngày 02/01/2006")
	if body := string(mp.Raw(t, msgs[0].ID)); !strings.Contains(body, v.Code) {
		t.Fatalf("receipt e-mail without the code:\n%s", body)
	}
	if log := sms.String(); strings.Count(log, "kind=receipt") != 1 || !strings.Contains(log, "to=+84912345678") || !strings.Contains(log, v.Code) {
		t.Fatalf("the receipt's SMS, once:\n%s", log)
	}

	e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionTransfer})
	e.act(t, head, v.Code, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject})
	e.act(t, appraiser, v.Code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh mờ", Items: []string{"Giấy chứng sinh bản rõ"}})
	deliver()
	mp.WaitTo(t, email, 2, 30*time.Second)
	for _, a := range []struct {
		who archive.Actor
		in  workflow.ActInput
	}{
		{citizen, workflow.ActInput{Action: workflow.ActionSupplement}},
		{appraiser, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện"}},
		{appraiser, workflow.ActInput{Action: workflow.ActionSubmitForApproval}},
		{leader, workflow.ActInput{Action: workflow.ActionApprove}},
		{leader, workflow.ActInput{Action: workflow.ActionSign}},
		{desk, workflow.ActInput{Action: workflow.ActionReturnResult}},
	} {
		e.act(t, a.who, v.Code, a.in)
	}
	deliver()
	mp.WaitTo(t, email, 3, 30*time.Second)
	time.Sleep(300 * time.Millisecond)
	msgs = mp.To(t, email)
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, m.Subject)
	}
	joined := strings.Join(subjects, "\n")
	if len(msgs) != 3 || !strings.Contains(joined, "bổ sung") || !strings.Contains(joined, "kết quả") {
		t.Fatalf("e-mails:\n%s", joined)
	}
	page, err := notes.List(ctx, citizen.Subject, "", 10)
	wantCode(t, err, "")
	kinds := map[notify.Kind]int{}
	for _, n := range page.Notifications {
		kinds[n.Kind]++
		if n.Ref != v.Code {
			t.Fatalf("in-app notification about %q", n.Ref)
		}
		if n.Kind == notify.KindReceipt && !strings.Contains(n.Text, due) {
			t.Fatalf("receipt without the due date %s:\n%s", due, n.Text)
		}
	}
	if len(page.Notifications) != 3 || kinds[notify.KindReceipt] != 1 || kinds[notify.KindSupplement] != 1 || kinds[notify.KindResult] != 1 {
		t.Fatalf("in-app: %v", kinds)
	}
	other, err := notes.List(ctx, stranger.Subject, "", 10)
	wantCode(t, err, "")
	if len(other.Notifications) != 0 {
		t.Fatalf("another citizen's inbox: %+v", other.Notifications)
	}
}

// TestNotificationBadAddress: an e-mail address the applicant typed wrong
// does not lose the receipt: the action stands and the applicant finds
// the notification in-app; nothing is queued for the address.
func TestNotificationBadAddress(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	notes := notify.New(notify.Config{Store: e.store, Email: mailpitSMTP(t, testenv.Mailpit(t)), Now: e.clock.Now})
	e.withCalendar(func(c *workflow.Config) { c.Notifier = workflow.OutboxNotifier{Outbox: notes} })
	v := e.filledBirth(t, func(nd *workflow.NewDossier) { nd.Applicant.Email = "an.nguyen khong phai thu" })
	e.act(t, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSubmit})
	v = e.act(t, desk, v.Code, workflow.ActInput{Action: workflow.ActionReceive})
	if v.Status != workflow.StatusReceived {
		t.Fatalf("status %s", v.Status)
	}
	page, err := notes.List(ctx, citizen.Subject, "", 10)
	wantCode(t, err, "")
	if len(page.Notifications) != 1 || page.Notifications[0].Kind != notify.KindReceipt {
		t.Fatalf("in-app: %+v", page.Notifications)
	}
	if rep, err := notes.DeliverDue(ctx); err != nil || rep != (notify.Report{}) {
		t.Fatalf("outbox: %+v, %v", rep, err)
	}
}
