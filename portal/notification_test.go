package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/notify"
)

type notificationList struct {
	Notifications []notify.Notification `json:"notifications"`
	Next          string                `json:"next"`
	Unread        int                   `json:"unread"`
}

// TestNotifications: the caller lists their own notifications newest
// first, page by page, with the unread count; marking one read lowers it
// once; bad paging parameters are refused.
func TestNotifications(t *testing.T) {
	e := newEnv(t)
	svc := e.server.Config().Notifications
	var ids []string
	for i := range 3 {
		r, err := svc.Enqueue(context.Background(), notify.Message{Key: fmt.Sprintf("HS-%d", i), Kind: notify.KindReceipt,
			To: notify.Recipient{Subject: ownerA}, Channels: []notify.Channel{notify.InApp},
			Subject: fmt.Sprintf("Hồ sơ %d đã được tiếp nhận", i), Text: "Ngày hẹn trả: 09/12/2026", Link: "/dossiers/HS"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	var p1, p2 notificationList
	e.do(call{method: "GET", path: "/api/v1/notifications?limit=2", token: e.citizenA}).want(t, 200, "").json(t, &p1)
	if len(p1.Notifications) != 2 || p1.Next == "" || p1.Unread != 3 {
		t.Fatalf("first page = %+v", p1)
	}
	e.do(call{method: "GET", path: "/api/v1/notifications?limit=2&after=" + p1.Next, token: e.citizenA}).want(t, 200, "").json(t, &p2)
	got := []string{p1.Notifications[0].ID, p1.Notifications[1].ID}
	if len(p2.Notifications) != 1 || p2.Next != "" {
		t.Fatalf("second page = %+v", p2)
	}
	got = append(got, p2.Notifications[0].ID)
	seen := map[string]bool{}
	for _, id := range got {
		seen[id] = true
	}
	if len(seen) != 3 || !seen[ids[0]] || !seen[ids[1]] || !seen[ids[2]] {
		t.Fatalf("pages hold %v, want each of %v once", got, ids)
	}
	if p1.Notifications[0].Subject == "" || p1.Notifications[0].Link != "/dossiers/HS" || p1.Notifications[0].Recipient != ownerA {
		t.Fatalf("notification = %+v", p1.Notifications[0])
	}

	var n notify.Notification
	e.do(call{method: "POST", path: "/api/v1/notifications/" + ids[1] + "/read", token: e.citizenA}).want(t, 200, "").json(t, &n)
	if n.ID != ids[1] || !n.Read() {
		t.Fatalf("marked = %+v", n)
	}
	var again notify.Notification
	e.do(call{method: "POST", path: "/api/v1/notifications/" + ids[1] + "/read", token: e.citizenA}).want(t, 200, "").json(t, &again)
	if !again.ReadAt.Equal(n.ReadAt) {
		t.Errorf("marking again moved readAt: %v → %v", n.ReadAt, again.ReadAt)
	}
	var all notificationList
	e.do(call{method: "GET", path: "/api/v1/notifications", token: e.citizenA}).want(t, 200, "").json(t, &all)
	if all.Unread != 2 || len(all.Notifications) != 3 {
		t.Fatalf("after marking one = %+v; want 2 unread of 3", all)
	}

	// Mark all: the two left unread, then none; staff's call touches none
	// of the citizen's.
	type readAll struct{ Marked, Unread int }
	var ra readAll
	e.do(call{method: "POST", path: "/api/v1/notifications/read", token: e.staff}).want(t, 200, "").json(t, &ra)
	if ra != (readAll{0, 0}) {
		t.Fatalf("staff's mark all = %+v", ra)
	}
	if _, err := svc.Enqueue(context.Background(), notify.Message{Key: "HS-B", Kind: notify.KindLate, To: notify.Recipient{Subject: ownerB},
		Channels: []notify.Channel{notify.InApp}, Subject: "Hồ sơ của B trễ hạn"}); err != nil {
		t.Fatal(err)
	}
	e.do(call{method: "POST", path: "/api/v1/notifications/read", token: e.citizenA}).want(t, 200, "").json(t, &ra)
	if ra != (readAll{2, 0}) {
		t.Fatalf("mark all = %+v; want 2 marked, 0 left", ra)
	}
	e.do(call{method: "GET", path: "/api/v1/notifications", token: e.citizenA}).want(t, 200, "").json(t, &all)
	for _, n := range all.Notifications {
		if !n.Read() {
			t.Errorf("unread after mark all: %+v", n)
		}
		if n.ID == ids[1] && !n.ReadAt.Equal(again.ReadAt) {
			t.Errorf("mark all moved the readAt of one read before: %v → %v", again.ReadAt, n.ReadAt)
		}
	}
	var b notificationList
	e.do(call{method: "GET", path: "/api/v1/notifications", token: e.citizenB}).want(t, 200, "").json(t, &b)
	if b.Unread != 1 {
		t.Fatalf("B's unread after A marked all = %+v", b)
	}
	e.do(call{method: "POST", path: "/api/v1/notifications/read?all=1", token: e.citizenA}).want(t, 400, "unknown_parameter")

	// Staff have their own list, empty here: nobody lists another's.
	var staff notificationList
	e.do(call{method: "GET", path: "/api/v1/notifications", token: e.staff}).want(t, 200, "").json(t, &staff)
	if len(staff.Notifications) != 0 || staff.Unread != 0 {
		t.Fatalf("staff's list = %+v", staff)
	}
	for _, c := range []struct {
		path, code string
		expect     expectation
	}{
		{"/api/v1/notifications?limit=0", "invalid_parameter", specInvalid},
		{"/api/v1/notifications?limit=101", "invalid_parameter", specInvalid},
		{"/api/v1/notifications?after=xyz", "invalid_cursor", specValid},
		{"/api/v1/notifications?after=" + p1.Next + "x", "invalid_cursor", specValid},
		{"/api/v1/notifications?owner=" + ownerA, "unknown_parameter", specValid},
	} {
		e.do(call{method: "GET", path: c.path, token: e.citizenA, expect: c.expect}).want(t, 400, c.code)
	}
	e.do(call{method: "POST", path: "/api/v1/notifications/nope/read", token: e.citizenA}).want(t, 404, "notification_not_found")
}

// TestOutboxAdmin: a delivery given up is listed for admins with its
// address, attempts and error, and an admin can send it again; citizens
// and staff get 403 admin_only, and nothing changes.
func TestOutboxAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	id := "a234567abcdefghijklmnopqrs.email"
	d := notify.Delivery{ID: id, Channel: notify.Email, To: "an@example.vn", Kind: notify.KindResult, Ref: "HS-1", Subject: "Hồ sơ HS-1 đã có kết quả",
		Attachments: []notify.Attachment{{Name: "ket-qua.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7")}},
		State:       notify.Queued, Due: now, CreatedAt: now, Rev: 1}
	if err := e.store.AddDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ClaimDelivery(ctx, id, 1, "tok", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SettleDelivery(ctx, id, "tok", notify.Settlement{State: notify.Failed, Error: "email_recipient_refused: 550", At: now}); err != nil {
		t.Fatal(err)
	}

	for _, tok := range []string{e.citizenA, e.staff} {
		r := e.do(call{method: "GET", path: "/api/v1/outbox/failed", token: tok}).want(t, 403, "admin_only")
		if strings.Contains(string(r.body), "an@example.vn") {
			t.Errorf("a non-admin sees the address: %s", r.body)
		}
		e.do(call{method: "POST", path: "/api/v1/outbox/" + id + "/retry", token: tok}).want(t, 403, "admin_only")
	}
	if g, _ := e.store.GetDelivery(ctx, id); g.State != notify.Failed {
		t.Fatalf("a non-admin's retry changed it: %+v", g)
	}

	type view struct {
		ID, To, State, LastError string
		Attempts                 int
		Attachments              []string
	}
	var list struct {
		Deliveries []view
		Next       string
	}
	e.do(call{method: "GET", path: "/api/v1/outbox/failed", token: e.admin}).want(t, 200, "").json(t, &list)
	if len(list.Deliveries) != 1 || list.Next != "" {
		t.Fatalf("failed = %+v", list)
	}
	if v := list.Deliveries[0]; v.ID != id || v.To != "an@example.vn" || v.State != "failed" || v.Attempts != 1 ||
		v.LastError != "email_recipient_refused: 550" || len(v.Attachments) != 1 || v.Attachments[0] != "ket-qua.pdf" {
		t.Fatalf("failed delivery = %+v", v)
	}
	var again view
	e.do(call{method: "POST", path: "/api/v1/outbox/" + id + "/retry", token: e.admin}).want(t, 200, "").json(t, &again)
	if again.State != "queued" || again.Attempts != 0 {
		t.Fatalf("retried = %+v", again)
	}
	e.do(call{method: "GET", path: "/api/v1/outbox/failed", token: e.admin}).want(t, 200, "").json(t, &list)
	if len(list.Deliveries) != 0 {
		t.Fatalf("still listed as failed after the retry: %+v", list)
	}
	e.do(call{method: "POST", path: "/api/v1/outbox/" + id + "/retry", token: e.admin}).want(t, 409, "delivery_not_failed")
	e.do(call{method: "POST", path: "/api/v1/outbox/b234567abcdefghijklmnopqrs.email/retry", token: e.admin}).want(t, 404, "delivery_not_found")
	e.do(call{method: "POST", path: "/api/v1/outbox/nope/retry", token: e.admin}).want(t, 404, "delivery_not_found")
	e.do(call{method: "GET", path: "/api/v1/outbox/failed?limit=0", token: e.admin, expect: specInvalid}).want(t, 400, "invalid_parameter")
	e.do(call{method: "GET", path: "/api/v1/outbox/failed?after=zzz", token: e.admin}).want(t, 400, "invalid_cursor")
}
