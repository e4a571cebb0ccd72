package mongo

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

var _ archive.RetentionStore = (*Store)(nil)

const msgRetStore = "Đã xảy ra lỗi khi truy cập cơ sở dữ liệu."

// Collections of retention (archive.RetentionStore): one record per
// agency record (_id its document ID) and the disposal lists (_id the
// list ID). Each keeps the archive's record as JSON text in "body" and
// the fields it is found by beside it.
const (
	collRetention = "retention"
	collDisposal  = "disposal_lists"
)

// Index names, named as hints.
const (
	ixRetentionDue  = "state_retainUntil_id"
	ixDisposalState = "state_id"
)

var indexesRetention = []index{
	{collRetention, ixRetentionDue, bson.D{{Key: "state", Value: 1}, {Key: "retainUntil", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collDisposal, ixDisposalState, bson.D{{Key: "state", Value: 1}, {Key: "_id", Value: -1}}, false},
}

// migrateRetention creates the retention collections and their indexes
// (idempotent).
func migrateRetention(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collRetention, collDisposal); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesRetention)
}

// retBody is a retention record or disposal list kept as JSON text with
// the fields it is found by.
type retBody struct {
	ID          string `bson:"_id"`
	State       string `bson:"state"`
	RetainUntil string `bson:"retainUntil,omitempty"`
	Rev         int64  `bson:"rev"`
	Body        string `bson:"body"`
}

// retainUntilKey is a record's retainUntil field: its last day, or "~"
// (after every date) when it is permanent.
func retainUntilKey(r archive.RetentionRecord) string {
	if r.Permanent || r.RetainUntil.IsZero() {
		return "~"
	}
	return r.RetainUntil.String()
}

func errRetentionNotFound(id, op string, err error) error {
	return newErr(kerr.NotFound, "retention_not_found", "Không tìm thấy thông tin lưu trữ của giấy tờ.", op+" "+id, err)
}

func errDisposalNotFound(id, op string, err error) error {
	return newErr(kerr.NotFound, "disposal_list_not_found", "Không tìm thấy danh mục hủy.", op+" "+id, err)
}

// putRetBody inserts (expectedRev 0) or replaces at expectedRev one retBody.
func (s *Store) putRetBody(ctx context.Context, coll string, d retBody, expectedRev int64, op string, notFound func(string, string, error) error, changed error) error {
	c := s.db.Collection(coll)
	if expectedRev == 0 {
		_, err := c.InsertOne(ctx, d)
		if isDup(err) {
			return newErr(kerr.Conflict, coll+"_exists", "Bản ghi đã tồn tại.", op+" "+d.ID, err)
		}
		return classify(err, op)
	}
	set := bson.D{{Key: "state", Value: d.State}, {Key: "rev", Value: d.Rev}, {Key: "body", Value: d.Body}}
	if d.RetainUntil != "" {
		set = append(set, bson.E{Key: "retainUntil", Value: d.RetainUntil})
	}
	res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: expectedRev}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return classify(err, op)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: d.ID}})
	if err != nil {
		return classify(err, op)
	}
	if n == 0 {
		return notFound(d.ID, op, nil)
	}
	return changed
}

func getRetBody[T any](ctx context.Context, c *mongo.Collection, id, op string, notFound func(string, string, error) error) (T, error) {
	var d retBody
	var out T
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return out, notFound(id, op, err)
	}
	if err != nil {
		return out, classify(err, op)
	}
	if err := json.Unmarshal([]byte(d.Body), &out); err != nil {
		return out, newErr(kerr.Internal, "store_error", msgRetStore, op+": decode "+id, err)
	}
	return out, nil
}

func findRetBodies[T any](ctx context.Context, c *mongo.Collection, op string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, classify(err, op)
	}
	var ds []retBody
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, op)
	}
	out := make([]T, 0, len(ds))
	for _, d := range ds {
		var v T
		if err := json.Unmarshal([]byte(d.Body), &v); err != nil {
			return nil, newErr(kerr.Internal, "store_error", msgRetStore, op+": decode "+d.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// PutRetention inserts r (expectedRev 0) or replaces the record at expectedRev.
func (s *Store) PutRetention(ctx context.Context, r archive.RetentionRecord, expectedRev int64) error {
	r = r.Normalized()
	r.Rev = expectedRev + 1
	body, err := json.Marshal(r)
	if err != nil {
		return newErr(kerr.Internal, "store_error", msgRetStore, "encode retention", err)
	}
	return s.putRetBody(ctx, collRetention, retBody{ID: r.DocumentID, State: string(r.State), RetainUntil: retainUntilKey(r), Rev: r.Rev, Body: string(body)},
		expectedRev, "put retention", errRetentionNotFound,
		newErr(kerr.Conflict, "retention_changed", "Thông tin lưu trữ đã được người khác thay đổi; vui lòng tải lại và thử lại.", "put retention "+r.DocumentID, nil))
}

// GetRetention returns a document's record. NotFound if none.
func (s *Store) GetRetention(ctx context.Context, documentID string) (archive.RetentionRecord, error) {
	return getRetBody[archive.RetentionRecord](ctx, s.db.Collection(collRetention), documentID, "get retention", errRetentionNotFound)
}

// DueRetention reads one range of the (state, retainUntil, _id) index.
func (s *Store) DueRetention(ctx context.Context, day archive.Date, after archive.DueCursor, limit int) ([]archive.RetentionRecord, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	u := after.RetainUntil.String()
	filter := bson.D{{Key: "state", Value: string(archive.RetentionKept)},
		{Key: "retainUntil", Value: bson.D{{Key: "$lte", Value: day.String()}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "retainUntil", Value: bson.D{{Key: "$gt", Value: u}}}},
			bson.D{{Key: "retainUntil", Value: u}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.DocumentID}}}},
		}}}
	return findRetBodies[archive.RetentionRecord](ctx, s.db.Collection(collRetention), "due retention", filter,
		options.Find().SetSort(bson.D{{Key: "retainUntil", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint(ixRetentionDue))
}

// RetentionByState reads the state prefix of the same index.
func (s *Store) RetentionByState(ctx context.Context, st archive.RetentionState, after string, limit int) ([]archive.RetentionRecord, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	return findRetBodies[archive.RetentionRecord](ctx, s.db.Collection(collRetention), "retention by state",
		bson.D{{Key: "state", Value: string(st)}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// DocumentsAfter walks the documents by _id.
func (s *Store) DocumentsAfter(ctx context.Context, after string, limit int) ([]archive.Document, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	cur, err := s.documents.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetProjection(documentProjection()))
	if err != nil {
		return nil, classify(err, "documents after")
	}
	var ds []documentDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "documents after")
	}
	out := make([]archive.Document, 0, len(ds))
	for _, d := range ds {
		doc, err := d.document()
		if err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// DeleteDocument removes the document; its versions are part of it.
func (s *Store) DeleteDocument(ctx context.Context, id string) error {
	_, err := s.documents.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return classify(err, "delete document")
}

func listBody(l archive.DisposalList, rev int64) (retBody, error) {
	l = l.Normalized()
	l.Rev = rev
	body, err := json.Marshal(l)
	if err != nil {
		return retBody{}, newErr(kerr.Internal, "store_error", msgRetStore, "encode disposal list", err)
	}
	return retBody{ID: l.ID, State: string(l.State), Rev: rev, Body: string(body)}, nil
}

// CreateDisposalList inserts l (Rev 1).
func (s *Store) CreateDisposalList(ctx context.Context, l archive.DisposalList) error {
	d, err := listBody(l, 1)
	if err != nil {
		return err
	}
	return s.putRetBody(ctx, collDisposal, d, 0, "create disposal list", errDisposalNotFound, nil)
}

// GetDisposalList returns one list. NotFound if none.
func (s *Store) GetDisposalList(ctx context.Context, id string) (archive.DisposalList, error) {
	return getRetBody[archive.DisposalList](ctx, s.db.Collection(collDisposal), id, "get disposal list", errDisposalNotFound)
}

// UpdateDisposalList replaces the list at expectedRev.
func (s *Store) UpdateDisposalList(ctx context.Context, l archive.DisposalList, expectedRev int64) error {
	d, err := listBody(l, expectedRev+1)
	if err != nil {
		return err
	}
	return s.putRetBody(ctx, collDisposal, d, expectedRev, "update disposal list", errDisposalNotFound,
		newErr(kerr.Conflict, "disposal_list_changed", "Danh mục hủy đã được người khác thay đổi; vui lòng tải lại và thử lại.", "update disposal list "+l.ID, nil))
}

// ListDisposalLists pages the lists newest first by _id.
func (s *Store) ListDisposalLists(ctx context.Context, before string, limit int) ([]archive.DisposalList, bool, error) {
	if err := checkPage(limit); err != nil {
		return nil, false, err
	}
	filter := bson.D{}
	if before != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: before}}}}
	}
	ls, err := findRetBodies[archive.DisposalList](ctx, s.db.Collection(collDisposal), "list disposal lists", filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, false, err
	}
	if len(ls) > limit {
		return ls[:limit], true, nil
	}
	return ls, false, nil
}

// OpenDisposalDraft returns the newest draft.
func (s *Store) OpenDisposalDraft(ctx context.Context) (archive.DisposalList, error) {
	ls, err := findRetBodies[archive.DisposalList](ctx, s.db.Collection(collDisposal), "open disposal draft",
		bson.D{{Key: "state", Value: string(archive.DisposalDraft)}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(1).SetHint(ixDisposalState))
	if err != nil {
		return archive.DisposalList{}, err
	}
	if len(ls) == 0 {
		return archive.DisposalList{}, errDisposalNotFound("draft", "open disposal draft", nil)
	}
	return ls[0], nil
}
