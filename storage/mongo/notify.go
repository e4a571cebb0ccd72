package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/notify"
)

// Collections of notify.Store.
const (
	collNotifications = "notifications"
	collOutbox        = "notify_outbox"
)

var _ notify.Store = (*Store)(nil)

// indexesNotify are the secondary indexes of migration 8.
var indexesNotify = []index{
	// ListNotifications: a recipient's notifications, newest first.
	{collNotifications, "recipient_pos", bson.D{{Key: "recipient", Value: 1}, {Key: "pos", Value: -1}}, false},
	// CountUnreadNotifications.
	{collNotifications, "recipient_unread", bson.D{{Key: "recipient", Value: 1}, {Key: "unread", Value: 1}}, false},
	// DueDeliveries: the queued deliveries by due time.
	{collOutbox, "state_due", bson.D{{Key: "state", Value: 1}, {Key: "due", Value: 1}, {Key: "_id", Value: 1}}, false},
}

// migrateNotify creates the collections of notify.Store and their indexes
// (idempotent).
func migrateNotify(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collNotifications, collOutbox); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesNotify)
}

func (s *Store) notifications() *mongo.Collection { return s.db.Collection(collNotifications) }

func (s *Store) outbox() *mongo.Collection { return s.db.Collection(collOutbox) }

// notificationDoc is an in-app notification; pos is its listing position
// (notify.Notification.Cursor), unread whether ReadAt is zero.
type notificationDoc struct {
	ID        string    `bson:"_id"`
	Recipient string    `bson:"recipient"`
	Pos       string    `bson:"pos"`
	Unread    bool      `bson:"unread"`
	Kind      string    `bson:"kind"`
	Subject   string    `bson:"subject"`
	Text      string    `bson:"text,omitempty"`
	Link      string    `bson:"link,omitempty"`
	Ref       string    `bson:"ref,omitempty"`
	At        time.Time `bson:"at"`
	ReadAt    time.Time `bson:"readAt,omitzero"`
}

func fromNotification(n notify.Notification) notificationDoc {
	n.At, n.ReadAt = utcOrZero(n.At), utcOrZero(n.ReadAt)
	return notificationDoc{ID: n.ID, Recipient: n.Recipient, Pos: n.Cursor(), Unread: !n.Read(), Kind: string(n.Kind),
		Subject: n.Subject, Text: n.Text, Link: n.Link, Ref: n.Ref, At: n.At, ReadAt: n.ReadAt}
}

func (d notificationDoc) notification() notify.Notification {
	return notify.Notification{ID: d.ID, Recipient: d.Recipient, Kind: notify.Kind(d.Kind), Subject: d.Subject, Text: d.Text,
		Link: d.Link, Ref: d.Ref, At: utcOrZero(d.At), ReadAt: utcOrZero(d.ReadAt)}
}

// utcOrZero is utc, keeping the zero time zero.
func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return utc(t)
}

// AddNotification implements notify.InboxStore.
func (s *Store) AddNotification(ctx context.Context, n notify.Notification) error {
	_, err := s.notifications().InsertOne(ctx, fromNotification(n))
	if isDup(err) {
		return notify.ErrNotificationExists(n.ID)
	}
	return classify(err, "add notification")
}

// ListNotifications implements notify.InboxStore: one backward range of
// the index recipient_pos.
func (s *Store) ListNotifications(ctx context.Context, recipient, after string, limit int) ([]notify.Notification, error) {
	if err := notify.CheckLimit(limit); err != nil {
		return nil, err
	}
	cur, err := s.notifications().Find(ctx,
		bson.D{{Key: "recipient", Value: recipient}, {Key: "pos", Value: bson.D{{Key: "$lt", Value: notify.ListBound(after)}}}},
		options.Find().SetSort(bson.D{{Key: "pos", Value: -1}}).SetLimit(int64(limit)).SetHint("recipient_pos"))
	if err != nil {
		return nil, classify(err, "list notifications")
	}
	var docs []notificationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, "list notifications")
	}
	out := make([]notify.Notification, len(docs))
	for i, d := range docs {
		out[i] = d.notification()
	}
	return out, nil
}

// MarkNotificationRead implements notify.InboxStore: one update guarded by
// recipient and unread; when it matches nothing, the notification is
// either read already or not the recipient's.
func (s *Store) MarkNotificationRead(ctx context.Context, recipient, id string, at time.Time) (notify.Notification, error) {
	var d notificationDoc
	err := s.guard(ctx, collNotifications+"/"+id, func() error {
		return s.notifications().FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "recipient", Value: recipient}, {Key: "unread", Value: true}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "unread", Value: false}, {Key: "readAt", Value: utc(at)}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	})
	if isNoDoc(err) {
		err = s.notifications().FindOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "recipient", Value: recipient}}).Decode(&d)
		if isNoDoc(err) {
			return notify.Notification{}, notify.ErrNotificationNotFound(id)
		}
	}
	if err != nil {
		return notify.Notification{}, classify(err, "mark notification read")
	}
	return d.notification(), nil
}

// MarkAllNotificationsRead implements notify.InboxStore: one update of
// the recipient's unread notifications (index recipient_unread); each
// document changes atomically, and a repeat after a partial failure
// finishes the rest. On FerretDB 1.x (updates not atomic, lock.go) it
// takes no per-record lock: racing a MarkNotificationRead of the same
// notification, the later of the two read times may be kept — both mean
// "read", nothing else is at stake.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, recipient string, at time.Time) (int, error) {
	res, err := s.notifications().UpdateMany(ctx, bson.D{{Key: "recipient", Value: recipient}, {Key: "unread", Value: true}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "unread", Value: false}, {Key: "readAt", Value: utc(at)}}}})
	if err != nil {
		return 0, classify(err, "mark all notifications read")
	}
	return int(res.ModifiedCount), nil
}

// CountUnreadNotifications implements notify.InboxStore, from the index
// recipient_unread.
func (s *Store) CountUnreadNotifications(ctx context.Context, recipient string) (int, error) {
	n, err := s.notifications().CountDocuments(ctx, bson.D{{Key: "recipient", Value: recipient}, {Key: "unread", Value: true}})
	return int(n), classify(err, "count unread notifications")
}

// attachmentDoc is one attachment of a queued e-mail.
type attachmentDoc struct {
	Name        string `bson:"name"`
	ContentType string `bson:"contentType"`
	Data        []byte `bson:"data"`
}

// deliveryDoc is one outbox record. Times are milliseconds since the Unix
// epoch (0 = none), so that due-time comparisons are integer ones on
// every server.
type deliveryDoc struct {
	ID          string          `bson:"_id"`
	Channel     string          `bson:"channel"`
	To          string          `bson:"to"`
	ToName      string          `bson:"toName,omitempty"`
	Kind        string          `bson:"kind"`
	Ref         string          `bson:"ref,omitempty"`
	Subject     string          `bson:"subject,omitempty"`
	Text        string          `bson:"text,omitempty"`
	HTML        string          `bson:"html,omitempty"`
	Attachments []attachmentDoc `bson:"attachments,omitempty"`
	State       string          `bson:"state"`
	Due         int64           `bson:"due"`
	Claim       string          `bson:"claim"`
	Attempts    int             `bson:"attempts"`
	LastError   string          `bson:"lastError,omitempty"`
	CreatedAt   int64           `bson:"createdAt"`
	DoneAt      int64           `bson:"doneAt,omitempty"`
	Rev         int64           `bson:"rev"`
}

func fromDelivery(d notify.Delivery) deliveryDoc {
	doc := deliveryDoc{ID: d.ID, Channel: string(d.Channel), To: d.To, ToName: d.ToName, Kind: string(d.Kind), Ref: d.Ref,
		Subject: d.Subject, Text: d.Text, HTML: d.HTML, State: string(d.State), Due: msOf(d.Due), Claim: d.Claim,
		Attempts: d.Attempts, LastError: d.LastError, CreatedAt: msOf(d.CreatedAt), DoneAt: msOf(d.DoneAt), Rev: d.Rev}
	for _, a := range d.Attachments {
		doc.Attachments = append(doc.Attachments, attachmentDoc(a))
	}
	return doc
}

func (doc deliveryDoc) delivery() notify.Delivery {
	d := notify.Delivery{ID: doc.ID, Channel: notify.Channel(doc.Channel), To: doc.To, ToName: doc.ToName, Kind: notify.Kind(doc.Kind),
		Ref: doc.Ref, Subject: doc.Subject, Text: doc.Text, HTML: doc.HTML, State: notify.DeliveryState(doc.State),
		Due: timeOfMs(doc.Due), Claim: doc.Claim, Attempts: doc.Attempts, LastError: doc.LastError,
		CreatedAt: timeOfMs(doc.CreatedAt), DoneAt: timeOfMs(doc.DoneAt), Rev: doc.Rev}
	for _, a := range doc.Attachments {
		d.Attachments = append(d.Attachments, notify.Attachment(a))
	}
	return d
}

// AddDelivery implements notify.OutboxStore.
func (s *Store) AddDelivery(ctx context.Context, d notify.Delivery) error {
	_, err := s.outbox().InsertOne(ctx, fromDelivery(d))
	if isDup(err) {
		return notify.ErrDeliveryExists(d.ID)
	}
	return classify(err, "add delivery")
}

// DueDeliveries implements notify.OutboxStore: one range of the index
// state_due.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]notify.Delivery, error) {
	if err := notify.CheckLimit(limit); err != nil {
		return nil, err
	}
	cur, err := s.outbox().Find(ctx,
		bson.D{{Key: "state", Value: string(notify.Queued)}, {Key: "due", Value: bson.D{{Key: "$lte", Value: now.UnixMilli()}}}},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint("state_due"))
	if err != nil {
		return nil, classify(err, "due deliveries")
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, "due deliveries")
	}
	out := make([]notify.Delivery, len(docs))
	for i, d := range docs {
		out[i] = d.delivery()
	}
	return out, nil
}

// ClaimDelivery implements notify.OutboxStore: one update guarded by the
// revision and the state.
func (s *Store) ClaimDelivery(ctx context.Context, id string, rev int64, claim string, until time.Time) (notify.Delivery, error) {
	var doc deliveryDoc
	err := s.guard(ctx, collOutbox+"/"+id, func() error {
		return s.outbox().FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}, {Key: "state", Value: string(notify.Queued)}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "claim", Value: claim}, {Key: "due", Value: until.UnixMilli()}}},
				{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}, {Key: "rev", Value: int64(1)}}},
			},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&doc)
	})
	if err == nil {
		return doc.delivery(), nil
	}
	if !isNoDoc(err) {
		return notify.Delivery{}, classify(err, "claim delivery")
	}
	return notify.Delivery{}, s.missingOr(ctx, id, notify.ErrDeliveryChanged(id))
}

// missingOr returns NotFound when the delivery id does not exist, else
// other (the guard of an update did not match).
func (s *Store) missingOr(ctx context.Context, id string, other error) error {
	ok, err := exists(ctx, s.outbox(), id)
	switch {
	case err != nil:
		return err
	case !ok:
		return notify.ErrDeliveryNotFound(id)
	}
	return other
}

// SettleDelivery implements notify.OutboxStore: one update guarded by the
// claim and the state.
func (s *Store) SettleDelivery(ctx context.Context, id, claim string, st notify.Settlement) error {
	if claim == "" {
		return s.missingOr(ctx, id, notify.ErrClaimLost(id))
	}
	var d notify.Delivery
	notify.Settle(&d, st)
	set := bson.D{{Key: "state", Value: string(d.State)}, {Key: "lastError", Value: d.LastError}, {Key: "claim", Value: ""}}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}}}
	if d.State == notify.Queued {
		set = append(set, bson.E{Key: "due", Value: msOf(d.Due)})
	} else {
		set = append(set, bson.E{Key: "doneAt", Value: msOf(d.DoneAt)})
	}
	if d.State == notify.Sent {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "attachments", Value: ""}}})
	}
	update = append(update, bson.E{Key: "$set", Value: set})
	var res *mongo.UpdateResult
	err := s.guard(ctx, collOutbox+"/"+id, func() (err error) {
		res, err = s.outbox().UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "claim", Value: claim}, {Key: "state", Value: string(notify.Queued)}}, update)
		return err
	})
	if err != nil {
		return classify(err, "settle delivery")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	return s.missingOr(ctx, id, notify.ErrClaimLost(id))
}

// GetDelivery implements notify.OutboxStore.
func (s *Store) GetDelivery(ctx context.Context, id string) (notify.Delivery, error) {
	var doc deliveryDoc
	err := s.outbox().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if isNoDoc(err) {
		return notify.Delivery{}, notify.ErrDeliveryNotFound(id)
	}
	if err != nil {
		return notify.Delivery{}, classify(err, "get delivery")
	}
	return doc.delivery(), nil
}

// FailedDeliveries implements notify.OutboxStore: one backward range of
// the index state_due.
func (s *Store) FailedDeliveries(ctx context.Context, after string, limit int) ([]notify.Delivery, error) {
	ms, id, err := notify.FailedPageBounds(after, limit)
	if err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "state", Value: string(notify.Failed)}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "due", Value: bson.D{{Key: "$lt", Value: ms}}}},
		bson.D{{Key: "due", Value: ms}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
	}}}
	cur, err := s.outbox().Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "due", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)).SetHint("state_due"))
	if err != nil {
		return nil, classify(err, "failed deliveries")
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, "failed deliveries")
	}
	out := make([]notify.Delivery, len(docs))
	for i, d := range docs {
		out[i] = d.delivery()
	}
	return out, nil
}

// RequeueDelivery implements notify.OutboxStore: one update guarded by
// the state.
func (s *Store) RequeueDelivery(ctx context.Context, id string, due time.Time) (notify.Delivery, error) {
	var doc deliveryDoc
	err := s.guard(ctx, collOutbox+"/"+id, func() error {
		return s.outbox().FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "state", Value: string(notify.Failed)}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "state", Value: string(notify.Queued)}, {Key: "due", Value: msOf(due)},
					{Key: "attempts", Value: 0}, {Key: "claim", Value: ""}}},
				{Key: "$unset", Value: bson.D{{Key: "doneAt", Value: ""}}},
				{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
			},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&doc)
	})
	if err == nil {
		return doc.delivery(), nil
	}
	if !isNoDoc(err) {
		return notify.Delivery{}, classify(err, "requeue delivery")
	}
	return notify.Delivery{}, s.missingOr(ctx, id, notify.ErrDeliveryNotFailed(id))
}
