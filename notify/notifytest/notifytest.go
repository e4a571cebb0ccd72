// Package notifytest is the conformance suite for notify.Store. Every
// metadata driver (storage/sqlite, storage/mongo) runs it:
//
//	func TestNotifyConformance(t *testing.T) {
//		notifytest.Run(t, func(t *testing.T) notify.Store { return openFresh(t) })
//	}
//
// open must return a new, empty store and arrange to close it.
package notifytest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) notify.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s notify.Store)
	}{
		{"ListNewestFirstPaged", testList},
		{"ListSameTime", testListSameTime},
		{"ListOnlyTheRecipients", testListRecipient},
		{"AddDuplicate", testAddDuplicate},
		{"MarkRead", testMarkRead},
		{"MarkReadOthers", testMarkReadOthers},
		{"MarkAllRead", testMarkAllRead},
		{"InvalidLimit", testInvalidLimit},
		{"DeliveryRoundTrip", testDeliveryRoundTrip},
		{"DueInOrder", testDue},
		{"ClaimOnce", testClaim},
		{"ConcurrentClaims", testConcurrentClaims},
		{"SettleSent", testSettleSent},
		{"SettleRetry", testSettleRetry},
		{"DeliveryNotFound", testDeliveryNotFound},
		{"FailedListedAndRequeued", testFailedRequeue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// t0 is a fixed instant; stores compare the times callers give.
var t0 = time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)

func wantCode(t *testing.T, err error, kind kerr.Kind, code string) {
	t.Helper()
	var ke *kerr.Error
	if !errors.As(err, &ke) || ke.Kind != kind || ke.Code != code {
		t.Fatalf("err = %v; want kind %v code %q", err, kind, code)
	}
}

// id returns a notification ID of the form the service makes (26
// lowercase base32 characters), distinct per n.
func id(n int) string { return fmt.Sprintf("n%025d", n) }

func add(t *testing.T, s notify.Store, n notify.Notification) notify.Notification {
	t.Helper()
	if err := s.AddNotification(t.Context(), n); err != nil {
		t.Fatalf("AddNotification(%s): %v", n.ID, err)
	}
	return n
}

func note(n int, recipient string, at time.Time) notify.Notification {
	return notify.Notification{ID: id(n), Recipient: recipient, Kind: notify.KindReceipt, Subject: fmt.Sprintf("Hồ sơ số %d đã được tiếp nhận", n),
		Text: "Nội dung có dấu: đ, ơ, ư.", Link: "/dossiers/X", Ref: "000.00.31.H29-261207-0001", At: at}
}

func list(t *testing.T, s notify.Store, recipient, after string, limit int) []notify.Notification {
	t.Helper()
	ns, err := s.ListNotifications(t.Context(), recipient, after, limit)
	if err != nil {
		t.Fatalf("ListNotifications(%s, %q, %d): %v", recipient, after, limit, err)
	}
	return ns
}

func ids(ns []notify.Notification) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func unread(t *testing.T, s notify.Store, recipient string) int {
	t.Helper()
	n, err := s.CountUnreadNotifications(t.Context(), recipient)
	if err != nil {
		t.Fatalf("CountUnreadNotifications(%s): %v", recipient, err)
	}
	return n
}

func testList(t *testing.T, s notify.Store) {
	// Added out of order, with a time zone and sub-millisecond digits.
	loc := time.FixedZone("ICT", 7*3600)
	for _, i := range []int{3, 1, 5, 2, 4} {
		add(t, s, note(i, "A", t0.Add(time.Duration(i)*time.Minute+123456).In(loc)))
	}
	first := list(t, s, "A", "", 3)
	if got, want := ids(first), []string{id(5), id(4), id(3)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first page = %v, want %v", got, want)
	}
	want := note(5, "A", t0.Add(5*time.Minute))
	if g := first[0]; g.At.Location() != time.UTC || !g.At.Equal(t0.Add(5*time.Minute).Truncate(time.Millisecond)) ||
		g.Subject != want.Subject || g.Text != want.Text || g.Link != want.Link || g.Ref != want.Ref || g.Kind != want.Kind ||
		g.Recipient != "A" || g.Read() {
		t.Fatalf("listed %+v; want %+v in UTC to the millisecond, unread", g, want)
	}
	rest := list(t, s, "A", first[2].Cursor(), 3)
	if got, want := ids(rest), []string{id(2), id(1)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("second page = %v, want %v", got, want)
	}
	if end := list(t, s, "A", rest[1].Cursor(), 3); len(end) != 0 {
		t.Fatalf("after the last = %v, want none", ids(end))
	}
	if n := unread(t, s, "A"); n != 5 {
		t.Fatalf("unread = %d, want 5", n)
	}
}

func testListSameTime(t *testing.T, s notify.Store) {
	for i := 1; i <= 4; i++ {
		add(t, s, note(i, "A", t0))
	}
	p1 := list(t, s, "A", "", 2)
	p2 := list(t, s, "A", p1[len(p1)-1].Cursor(), 2)
	if got, want := append(ids(p1), ids(p2)...), []string{id(4), id(3), id(2), id(1)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pages of one instant = %v, want %v (by ID, newest first)", got, want)
	}
}

func testListRecipient(t *testing.T, s notify.Store) {
	add(t, s, note(1, "A", t0))
	add(t, s, note(2, "B", t0.Add(time.Second)))
	add(t, s, note(3, "AB", t0.Add(2*time.Second)))
	if got := ids(list(t, s, "A", "", 10)); !reflect.DeepEqual(got, []string{id(1)}) {
		t.Fatalf("A's list = %v, want only A's", got)
	}
	if got := ids(list(t, s, "B", "", 10)); !reflect.DeepEqual(got, []string{id(2)}) {
		t.Fatalf("B's list = %v, want only B's", got)
	}
	if got := list(t, s, "nobody", "", 10); len(got) != 0 {
		t.Fatalf("nobody's list = %v", ids(got))
	}
	if a, b, none := unread(t, s, "A"), unread(t, s, "B"), unread(t, s, "nobody"); a != 1 || b != 1 || none != 0 {
		t.Fatalf("unread A %d, B %d, nobody %d; want 1, 1, 0", a, b, none)
	}
}

func testAddDuplicate(t *testing.T, s notify.Store) {
	add(t, s, note(1, "A", t0))
	dup := note(1, "B", t0.Add(time.Hour))
	wantCode(t, s.AddNotification(t.Context(), dup), kerr.Conflict, "notification_exists")
	if got := list(t, s, "B", "", 10); len(got) != 0 {
		t.Fatalf("the refused duplicate is listed for B: %v", ids(got))
	}
	if got := list(t, s, "A", "", 10); len(got) != 1 || !got[0].At.Equal(t0) {
		t.Fatalf("A's notification changed: %+v", got)
	}
}

func testMarkRead(t *testing.T, s notify.Store) {
	add(t, s, note(1, "A", t0))
	add(t, s, note(2, "A", t0.Add(time.Second)))
	at := t0.Add(time.Hour + 999999)
	n, err := s.MarkNotificationRead(t.Context(), "A", id(1), at)
	if err != nil {
		t.Fatal(err)
	}
	if !n.Read() || !n.ReadAt.Equal(at.Truncate(time.Millisecond)) || n.ReadAt.Location() != time.UTC || n.Subject != note(1, "A", t0).Subject {
		t.Fatalf("marked = %+v; want read at %v (UTC, ms)", n, at)
	}
	if u := unread(t, s, "A"); u != 1 {
		t.Fatalf("unread after one is read = %d, want 1", u)
	}
	again, err := s.MarkNotificationRead(t.Context(), "A", id(1), at.Add(time.Hour))
	if err != nil || !again.ReadAt.Equal(n.ReadAt) {
		t.Fatalf("marking again = %+v, %v; want the first time kept", again, err)
	}
	ls := list(t, s, "A", "", 10)
	if len(ls) != 2 || ls[1].ID != id(1) || !ls[1].Read() || ls[0].Read() {
		t.Fatalf("list after marking = %+v", ls)
	}
}

func testMarkReadOthers(t *testing.T, s notify.Store) {
	add(t, s, note(1, "A", t0))
	_, err := s.MarkNotificationRead(t.Context(), "B", id(1), t0)
	wantCode(t, err, kerr.NotFound, "notification_not_found")
	_, err = s.MarkNotificationRead(t.Context(), "A", id(9), t0)
	wantCode(t, err, kerr.NotFound, "notification_not_found")
	if u := unread(t, s, "A"); u != 1 {
		t.Fatalf("A's notification was marked by B: unread %d", u)
	}
}

func testMarkAllRead(t *testing.T, s notify.Store) {
	add(t, s, note(1, "A", t0))
	add(t, s, note(2, "A", t0.Add(time.Second)))
	add(t, s, note(3, "A", t0.Add(2*time.Second)))
	add(t, s, note(4, "B", t0))
	first := t0.Add(time.Hour)
	if _, err := s.MarkNotificationRead(t.Context(), "A", id(2), first); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(2*time.Hour + 999999)
	n, err := s.MarkAllNotificationsRead(t.Context(), "A", at)
	if err != nil || n != 2 {
		t.Fatalf("MarkAllNotificationsRead(A) = %d, %v; want 2 (one was read already)", n, err)
	}
	if u := unread(t, s, "A"); u != 0 {
		t.Fatalf("A's unread after marking all = %d", u)
	}
	if u := unread(t, s, "B"); u != 1 {
		t.Fatalf("B's unread after A marked all = %d; B's must stay unread", u)
	}
	want := map[string]time.Time{id(1): at.Truncate(time.Millisecond), id(2): first, id(3): at.Truncate(time.Millisecond)}
	for _, n := range list(t, s, "A", "", 10) {
		if !n.ReadAt.Equal(want[n.ID]) || n.ReadAt.Location() != time.UTC || n.Subject == "" {
			t.Errorf("%s read at %v, want %v (UTC); %+v", n.ID, n.ReadAt, want[n.ID], n)
		}
	}
	if n, err := s.MarkAllNotificationsRead(t.Context(), "A", at); err != nil || n != 0 {
		t.Fatalf("marking all again = %d, %v; want 0", n, err)
	}
	if n, err := s.MarkAllNotificationsRead(t.Context(), "C", at); err != nil || n != 0 {
		t.Fatalf("marking all of nobody's = %d, %v; want 0", n, err)
	}
}

func testInvalidLimit(t *testing.T, s notify.Store) {
	for _, l := range []int{0, -1, 1001} {
		_, err := s.ListNotifications(t.Context(), "A", "", l)
		wantCode(t, err, kerr.Invalid, "invalid_limit")
		_, err = s.DueDeliveries(t.Context(), t0, l)
		wantCode(t, err, kerr.Invalid, "invalid_limit")
	}
}

// delivery returns a queued e-mail delivery due at due.
func delivery(n int, due time.Time) notify.Delivery {
	return notify.Delivery{ID: fmt.Sprintf("m%025d.email", n), Channel: notify.Email, To: fmt.Sprintf("cong.dan%d@example.vn", n),
		ToName: "Nguyễn Văn Ấn", Kind: notify.KindResult, Ref: "HS-1", Subject: "Kết quả hồ sơ", Text: "Nội dung thư", HTML: "<p>Nội dung thư</p>",
		Attachments: []notify.Attachment{{Name: "phiếu.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7\x00\xff binary")}},
		State:       notify.Queued, Due: due, CreatedAt: t0, Rev: 1}
}

func addDelivery(t *testing.T, s notify.Store, d notify.Delivery) notify.Delivery {
	t.Helper()
	if err := s.AddDelivery(t.Context(), d); err != nil {
		t.Fatalf("AddDelivery(%s): %v", d.ID, err)
	}
	return d
}

func getDelivery(t *testing.T, s notify.Store, id string) notify.Delivery {
	t.Helper()
	d, err := s.GetDelivery(t.Context(), id)
	if err != nil {
		t.Fatalf("GetDelivery(%s): %v", id, err)
	}
	return d
}

func due(t *testing.T, s notify.Store, now time.Time, limit int) []string {
	t.Helper()
	ds, err := s.DueDeliveries(t.Context(), now, limit)
	if err != nil {
		t.Fatalf("DueDeliveries: %v", err)
	}
	out := []string{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func claim(t *testing.T, s notify.Store, id string, rev int64, token string, until time.Time) notify.Delivery {
	t.Helper()
	d, err := s.ClaimDelivery(t.Context(), id, rev, token, until)
	if err != nil {
		t.Fatalf("ClaimDelivery(%s, %d): %v", id, rev, err)
	}
	return d
}

func testDeliveryRoundTrip(t *testing.T, s notify.Store) {
	want := addDelivery(t, s, delivery(1, t0.Add(1500*time.Microsecond)))
	got := getDelivery(t, s, want.ID)
	want.Due = want.Due.Truncate(time.Millisecond)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetDelivery = %+v\nwant        %+v", got, want)
	}
	if got.Due.Location() != time.UTC || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("times not in UTC: %v %v", got.Due, got.CreatedAt)
	}
	again := delivery(1, t0.Add(time.Hour))
	again.To = "khac@example.vn"
	wantCode(t, s.AddDelivery(t.Context(), again), kerr.Conflict, "delivery_exists")
	if g := getDelivery(t, s, want.ID); g.To != want.To || !g.Due.Equal(want.Due) {
		t.Fatalf("the refused duplicate changed the delivery: %+v", g)
	}
}

func testDue(t *testing.T, s notify.Store) {
	addDelivery(t, s, delivery(1, t0.Add(2*time.Second)))
	addDelivery(t, s, delivery(2, t0.Add(-time.Second)))
	addDelivery(t, s, delivery(3, t0.Add(time.Second)))
	addDelivery(t, s, delivery(4, t0.Add(time.Hour)))
	addDelivery(t, s, delivery(5, t0.Add(time.Second))) // same due as 3: by ID
	if got, want := due(t, s, t0.Add(2*time.Second), 10), []string{delivery(2, t0).ID, delivery(3, t0).ID, delivery(5, t0).ID, delivery(1, t0).ID}; !reflect.DeepEqual(got, want) {
		t.Fatalf("due = %v, want %v", got, want)
	}
	if got := due(t, s, t0.Add(2*time.Second), 2); len(got) != 2 || got[0] != delivery(2, t0).ID {
		t.Fatalf("due, limit 2 = %v", got)
	}
	if got := due(t, s, t0.Add(-2*time.Second), 10); len(got) != 0 {
		t.Fatalf("due before any = %v", got)
	}
	// Delivered and given-up deliveries are never due again.
	for i, st := range []notify.DeliveryState{notify.Sent, notify.Failed} {
		d := delivery(2+i*3, t0) // 2 and 5
		claim(t, s, d.ID, 1, "tok", t0.Add(-time.Millisecond))
		if err := s.SettleDelivery(t.Context(), d.ID, "tok", notify.Settlement{State: st, At: t0, Error: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := due(t, s, t0.Add(time.Hour), 10), []string{delivery(3, t0).ID, delivery(1, t0).ID, delivery(4, t0).ID}; !reflect.DeepEqual(got, want) {
		t.Fatalf("due after settling 2 and 5 = %v, want %v", got, want)
	}
}

func testClaim(t *testing.T, s notify.Store) {
	d := addDelivery(t, s, delivery(1, t0))
	until := t0.Add(2 * time.Minute)
	c := claim(t, s, d.ID, 1, "tok-1", until)
	if c.Claim != "tok-1" || c.Attempts != 1 || c.Rev != 2 || !c.Due.Equal(until) || c.State != notify.Queued || c.To != d.To ||
		!bytes.Equal(c.Attachments[0].Data, d.Attachments[0].Data) {
		t.Fatalf("claimed = %+v; want claim tok-1, attempt 1, rev 2, due at the claim's end", c)
	}
	if g := getDelivery(t, s, d.ID); !reflect.DeepEqual(g, c) {
		t.Fatalf("stored %+v\nreturned %+v", g, c)
	}
	_, err := s.ClaimDelivery(t.Context(), d.ID, 1, "tok-2", until)
	wantCode(t, err, kerr.Conflict, "delivery_changed")
	if got := due(t, s, until.Add(-time.Millisecond), 10); len(got) != 0 {
		t.Fatalf("a claimed delivery is due before its claim ends: %v", got)
	}
	// The claim ended without an outcome (its process died): due again,
	// and another claim takes it over; the first claim cannot settle.
	if got := due(t, s, until, 10); len(got) != 1 {
		t.Fatalf("due at the claim's end = %v, want the delivery", got)
	}
	c2 := claim(t, s, d.ID, 2, "tok-2", until.Add(time.Minute))
	if c2.Attempts != 2 || c2.Rev != 3 {
		t.Fatalf("second claim = %+v", c2)
	}
	wantCode(t, s.SettleDelivery(t.Context(), d.ID, "tok-1", notify.Settlement{State: notify.Sent, At: until}), kerr.Conflict, "delivery_claim_lost")
	if g := getDelivery(t, s, d.ID); g.State != notify.Queued || g.Claim != "tok-2" {
		t.Fatalf("the lost claim's settlement changed the delivery: %+v", g)
	}
}

func testConcurrentClaims(t *testing.T, s notify.Store) {
	d := addDelivery(t, s, delivery(1, t0))
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []string
		errs []error
	)
	for i := range n {
		wg.Go(func() {
			tok := fmt.Sprintf("tok-%d", i)
			_, err := s.ClaimDelivery(t.Context(), d.ID, 1, tok, t0.Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won = append(won, tok)
			} else if !kerr.IsKind(err, kerr.Conflict) {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("claims failed otherwise than by conflict: %v", errs)
	}
	if len(won) != 1 {
		t.Fatalf("%d claims won (%v), want exactly 1", len(won), won)
	}
	if g := getDelivery(t, s, d.ID); g.Claim != won[0] || g.Attempts != 1 || g.Rev != 2 {
		t.Fatalf("after the race: %+v; want claim %s, one attempt", g, won[0])
	}
}

func testSettleSent(t *testing.T, s notify.Store) {
	d := addDelivery(t, s, delivery(1, t0))
	// Nobody claimed it: no claim, not even the empty one, may settle it.
	wantCode(t, s.SettleDelivery(t.Context(), d.ID, "", notify.Settlement{State: notify.Sent, At: t0}), kerr.Conflict, "delivery_claim_lost")
	claim(t, s, d.ID, 1, "tok", t0.Add(time.Minute))
	wantCode(t, s.SettleDelivery(t.Context(), d.ID, "other", notify.Settlement{State: notify.Sent, At: t0}), kerr.Conflict, "delivery_claim_lost")
	done := t0.Add(3*time.Second + 700*time.Microsecond)
	if err := s.SettleDelivery(t.Context(), d.ID, "tok", notify.Settlement{State: notify.Sent, At: done}); err != nil {
		t.Fatal(err)
	}
	g := getDelivery(t, s, d.ID)
	if g.State != notify.Sent || g.Claim != "" || !g.DoneAt.Equal(done.Truncate(time.Millisecond)) || len(g.Attachments) != 0 ||
		g.Attempts != 1 || g.Rev != 3 || g.Subject != d.Subject || g.To != d.To || g.LastError != "" {
		t.Fatalf("sent = %+v; want state sent, no claim, done at %v, attachments dropped, the rest kept", g, done)
	}
	wantCode(t, s.SettleDelivery(t.Context(), d.ID, "tok", notify.Settlement{State: notify.Failed, At: done}), kerr.Conflict, "delivery_claim_lost")
	_, err := s.ClaimDelivery(t.Context(), d.ID, 3, "again", t0.Add(time.Hour))
	wantCode(t, err, kerr.Conflict, "delivery_changed")
	if got := due(t, s, t0.Add(24*time.Hour), 10); len(got) != 0 {
		t.Fatalf("a sent delivery is due: %v", got)
	}
}

func testSettleRetry(t *testing.T, s notify.Store) {
	d := addDelivery(t, s, delivery(1, t0))
	claim(t, s, d.ID, 1, "tok", t0.Add(time.Minute))
	retry := t0.Add(5 * time.Minute)
	if err := s.SettleDelivery(t.Context(), d.ID, "tok", notify.Settlement{State: notify.Queued, Due: retry, Error: "smtp_unavailable: lỗi", At: t0}); err != nil {
		t.Fatal(err)
	}
	g := getDelivery(t, s, d.ID)
	if g.State != notify.Queued || g.Claim != "" || !g.Due.Equal(retry) || g.LastError != "smtp_unavailable: lỗi" || len(g.Attachments) != 1 ||
		!g.DoneAt.IsZero() || g.Attempts != 1 || g.Rev != 3 {
		t.Fatalf("queued for retry = %+v", g)
	}
	if got := due(t, s, retry.Add(-time.Millisecond), 10); len(got) != 0 {
		t.Fatalf("due before its retry: %v", got)
	}
	if got := due(t, s, retry, 10); len(got) != 1 {
		t.Fatalf("not due at its retry: %v", got)
	}
	if c := claim(t, s, d.ID, 3, "tok-2", retry.Add(time.Minute)); c.Attempts != 2 {
		t.Fatalf("second attempt = %+v", c)
	}
}

func testDeliveryNotFound(t *testing.T, s notify.Store) {
	_, err := s.GetDelivery(t.Context(), "none.email")
	wantCode(t, err, kerr.NotFound, "delivery_not_found")
	_, err = s.ClaimDelivery(t.Context(), "none.email", 1, "tok", t0)
	wantCode(t, err, kerr.NotFound, "delivery_not_found")
	wantCode(t, s.SettleDelivery(t.Context(), "none.email", "tok", notify.Settlement{State: notify.Sent, At: t0}), kerr.NotFound, "delivery_not_found")
}

// fail claims d and gives it up at done.
func fail(t *testing.T, s notify.Store, d notify.Delivery, until, done time.Time) {
	t.Helper()
	c := claim(t, s, d.ID, d.Rev, "tok-"+d.ID, until)
	if err := s.SettleDelivery(t.Context(), c.ID, "tok-"+d.ID, notify.Settlement{State: notify.Failed, Error: "email_recipient_refused: 550", At: done}); err != nil {
		t.Fatal(err)
	}
}

func failed(t *testing.T, s notify.Store, after string, limit int) []notify.Delivery {
	t.Helper()
	ds, err := s.FailedDeliveries(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("FailedDeliveries(%q, %d): %v", after, limit, err)
	}
	return ds
}

func testFailedRequeue(t *testing.T, s notify.Store) {
	// Four given up (two with the same due time), one sent, one queued.
	var ds []notify.Delivery
	for i := range 6 {
		ds = append(ds, addDelivery(t, s, delivery(i+1, t0)))
	}
	until := []time.Time{t0.Add(time.Minute), t0.Add(3 * time.Minute), t0.Add(3 * time.Minute), t0.Add(2 * time.Minute)}
	for i, u := range until {
		fail(t, s, ds[i], u, t0.Add(time.Hour))
	}
	c := claim(t, s, ds[4].ID, 1, "tok", t0.Add(time.Minute))
	if err := s.SettleDelivery(t.Context(), c.ID, "tok", notify.Settlement{State: notify.Sent, At: t0}); err != nil {
		t.Fatal(err)
	}
	// Latest first, by due then ID, two a page.
	want := []string{ds[2].ID, ds[1].ID, ds[3].ID, ds[0].ID}
	var got []string
	after := ""
	for range 3 {
		page := failed(t, s, after, 2)
		for _, d := range page {
			got = append(got, d.ID)
			if d.State != notify.Failed || d.LastError != "email_recipient_refused: 550" || len(d.Attachments) != 1 {
				t.Errorf("failed delivery = %+v; want failed with its error and its attachment kept", d)
			}
		}
		if len(page) < 2 {
			break
		}
		after = notify.DeliveryCursor(page[len(page)-1])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("failed deliveries = %v, want %v", got, want)
	}
	for _, bad := range []string{"x", "0000000000001/" + ds[0].ID + "x", "1/" + ds[0].ID} {
		_, err := s.FailedDeliveries(t.Context(), bad, 10)
		wantCode(t, err, kerr.Invalid, "invalid_cursor")
	}

	// Requeued: due again, attempts from 0, the rest kept; listed no more.
	at := t0.Add(2*time.Hour + 999999)
	r, err := s.RequeueDelivery(t.Context(), ds[1].ID, at)
	if err != nil {
		t.Fatal(err)
	}
	g := getDelivery(t, s, ds[1].ID)
	if r.State != notify.Queued || g.State != notify.Queued || !g.Due.Equal(at.Truncate(time.Millisecond)) || g.Attempts != 0 || !g.DoneAt.IsZero() ||
		g.Claim != "" || len(g.Attachments) != 1 || g.To != ds[1].To || g.Rev != r.Rev {
		t.Fatalf("requeued = %+v (returned %+v)", g, r)
	}
	if d := due(t, s, at, 10); len(d) != 2 || d[1] != ds[1].ID {
		t.Fatalf("due after requeue = %v; want the queued one and the requeued one", d)
	}
	if got := failed(t, s, "", 10); len(got) != 3 {
		t.Fatalf("%d failed after one was requeued, want 3", len(got))
	}
	if c := claim(t, s, ds[1].ID, g.Rev, "next", at.Add(time.Minute)); c.Attempts != 1 {
		t.Fatalf("the requeued delivery claimed = %+v; want its first attempt again", c)
	}
	for _, id := range []string{ds[1].ID, ds[4].ID, ds[5].ID} { // claimed, sent, queued
		_, err := s.RequeueDelivery(t.Context(), id, at)
		wantCode(t, err, kerr.Conflict, "delivery_not_failed")
	}
	_, err = s.RequeueDelivery(t.Context(), "m0000000000000000000000099.email", at)
	wantCode(t, err, kerr.NotFound, "delivery_not_found")
}
