package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kho-vn/kho/notify"
)

var _ notify.Store = (*Store)(nil)

// normNotification is n as the store returns it: times in UTC, to the
// millisecond.
func normNotification(n notify.Notification) notify.Notification {
	n.At, n.ReadAt = utcMs(n.At), utcMs(n.ReadAt)
	return n
}

// AddNotification implements notify.InboxStore.
func (s *Store) AddNotification(ctx context.Context, n notify.Notification) error {
	n = normNotification(n)
	body, err := json.Marshal(n)
	if err != nil {
		return s.fail("encode notification", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO notifications (id, recipient, pos, unread, body) VALUES (?, ?, ?, ?, ?)`,
		n.ID, n.Recipient, n.Cursor(), !n.Read(), body)
	if isUnique(err) {
		return notify.ErrNotificationExists(n.ID)
	}
	return s.fail("add notification", err)
}

// ListNotifications implements notify.InboxStore: one range of the index
// (recipient, pos), backwards.
func (s *Store) ListNotifications(ctx context.Context, recipient, after string, limit int) ([]notify.Notification, error) {
	if err := notify.CheckLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM notifications WHERE recipient = ? AND pos < ? ORDER BY pos DESC LIMIT ?`,
		recipient, notify.ListBound(after), limit)
	if err != nil {
		return nil, s.fail("list notifications", err)
	}
	return jsonRows[notify.Notification](s, rows, "list notifications", "notification")
}

// MarkNotificationRead implements notify.InboxStore.
func (s *Store) MarkNotificationRead(ctx context.Context, recipient, id string, at time.Time) (notify.Notification, error) {
	var n notify.Notification
	err := s.inTx(ctx, "mark notification read", func(tx *txn) error {
		var body []byte
		err := tx.QueryRowContext(ctx, `SELECT body FROM notifications WHERE id = ? AND recipient = ?`, id, recipient).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			return notify.ErrNotificationNotFound(id)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &n); err != nil {
			return err
		}
		if n.Read() {
			return nil
		}
		n.ReadAt = utcMs(at)
		if body, err = json.Marshal(n); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET unread = 0, body = ? WHERE id = ?`, body, id)
		return err
	})
	return n, err
}

// MarkAllNotificationsRead implements notify.InboxStore: one statement
// over the index (recipient, unread); the body's readAt is written as
// encoding/json writes a time.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, recipient string, at time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE notifications SET unread = 0, body = json_set(body, '$.readAt', ?) WHERE recipient = ? AND unread = 1`,
		utcMs(at).Format(time.RFC3339Nano), recipient)
	if err != nil {
		return 0, s.fail("mark all notifications read", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.fail("mark all notifications read", err)
}

// CountUnreadNotifications implements notify.InboxStore, from the index
// (recipient, unread).
func (s *Store) CountUnreadNotifications(ctx context.Context, recipient string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE recipient = ? AND unread = 1`, recipient).Scan(&n)
	return n, s.fail("count unread notifications", err)
}

// normDelivery is d as the store keeps and returns it.
func normDelivery(d notify.Delivery) notify.Delivery {
	d.Due, d.CreatedAt, d.DoneAt = utcMs(d.Due), utcMs(d.CreatedAt), utcMs(d.DoneAt)
	return d
}

// writeDelivery inserts d, or replaces the record with d's ID.
func writeDelivery(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, d notify.Delivery, insert bool) error {
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	q := `UPDATE notify_outbox SET state = ?, due = ?, rev = ?, claim = ?, body = ? WHERE id = ?`
	if insert {
		q = `INSERT INTO notify_outbox (state, due, rev, claim, body, id) VALUES (?, ?, ?, ?, ?, ?)`
	}
	_, err = ex.ExecContext(ctx, q, string(d.State), d.Due.UnixMilli(), d.Rev, d.Claim, body, d.ID)
	return err
}

// AddDelivery implements notify.OutboxStore.
func (s *Store) AddDelivery(ctx context.Context, d notify.Delivery) error {
	d = normDelivery(d)
	err := writeDelivery(ctx, s.w, d, true)
	if isUnique(err) {
		return notify.ErrDeliveryExists(d.ID)
	}
	return s.fail("add delivery", err)
}

// DueDeliveries implements notify.OutboxStore: one range of the index
// (state, due), whose entries end with the ID.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]notify.Delivery, error) {
	if err := notify.CheckLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM notify_outbox WHERE state = ? AND due <= ? ORDER BY due, id LIMIT ?`,
		string(notify.Queued), now.UnixMilli(), limit)
	if err != nil {
		return nil, s.fail("due deliveries", err)
	}
	return jsonRows[notify.Delivery](s, rows, "due deliveries", "delivery")
}

// changeDelivery reads the delivery id in a write transaction, lets change
// check and alter it, and writes it back with Rev+1.
func (s *Store) changeDelivery(ctx context.Context, op, id string, change func(d *notify.Delivery) error) (notify.Delivery, error) {
	var d notify.Delivery
	err := s.inTx(ctx, op, func(tx *txn) error {
		var body []byte
		err := tx.QueryRowContext(ctx, `SELECT body FROM notify_outbox WHERE id = ?`, id).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			return notify.ErrDeliveryNotFound(id)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &d); err != nil {
			return err
		}
		if err := change(&d); err != nil {
			return err
		}
		d.Rev++
		d = normDelivery(d)
		return writeDelivery(ctx, tx, d, false)
	})
	return d, err
}

// ClaimDelivery implements notify.OutboxStore.
func (s *Store) ClaimDelivery(ctx context.Context, id string, rev int64, claim string, until time.Time) (notify.Delivery, error) {
	return s.changeDelivery(ctx, "claim delivery", id, func(d *notify.Delivery) error {
		if d.State != notify.Queued || d.Rev != rev {
			return notify.ErrDeliveryChanged(id)
		}
		d.Claim, d.Due = claim, until
		d.Attempts++
		return nil
	})
}

// SettleDelivery implements notify.OutboxStore.
func (s *Store) SettleDelivery(ctx context.Context, id, claim string, st notify.Settlement) error {
	_, err := s.changeDelivery(ctx, "settle delivery", id, func(d *notify.Delivery) error {
		if d.State != notify.Queued || d.Claim != claim || claim == "" {
			return notify.ErrClaimLost(id)
		}
		notify.Settle(d, st)
		return nil
	})
	return err
}

// GetDelivery implements notify.OutboxStore.
func (s *Store) GetDelivery(ctx context.Context, id string) (notify.Delivery, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM notify_outbox WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.Delivery{}, notify.ErrDeliveryNotFound(id)
	}
	if err != nil {
		return notify.Delivery{}, s.fail("get delivery", err)
	}
	var d notify.Delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return notify.Delivery{}, s.fail("decode delivery", err)
	}
	return d, nil
}

// FailedDeliveries implements notify.OutboxStore: one backward range of
// the index (state, due), whose entries end with the ID.
func (s *Store) FailedDeliveries(ctx context.Context, after string, limit int) ([]notify.Delivery, error) {
	ms, id, err := notify.FailedPageBounds(after, limit)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM notify_outbox WHERE state = ? AND (due < ? OR (due = ? AND id < ?))
		ORDER BY due DESC, id DESC LIMIT ?`, string(notify.Failed), ms, ms, id, limit)
	if err != nil {
		return nil, s.fail("failed deliveries", err)
	}
	return jsonRows[notify.Delivery](s, rows, "failed deliveries", "delivery")
}

// RequeueDelivery implements notify.OutboxStore.
func (s *Store) RequeueDelivery(ctx context.Context, id string, due time.Time) (notify.Delivery, error) {
	return s.changeDelivery(ctx, "requeue delivery", id, func(d *notify.Delivery) error { return notify.Requeue(d, due) })
}
