package mongo

import (
	"context"
	"encoding/json"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// Collections of emc.Store.
const (
	collEMCEvents   = "emc_events"
	collEMCAttempts = "emc_attempts"
)

var _ emc.Store = (*Store)(nil)

// indexesEMC are the secondary indexes of the EMC migration.
var indexesEMC = []index{
	// LastEMCSeq, DossierEMCEvents: a dossier's events in order.
	{collEMCEvents, "dossier_seq", bson.D{{Key: "dossier", Value: 1}, {Key: "seq", Value: 1}}, true},
	// DueEMCEvents, ListEMCEvents, CountEMCEvents.
	{collEMCEvents, "state_pos", bson.D{{Key: "state", Value: 1}, {Key: "pos", Value: 1}}, false},
	// DossiersChangedSince: the catch-up's read of dossiers by update time.
	{collDossiers, "updated_id", bson.D{{Key: "updatedAt", Value: 1}, {Key: "_id", Value: 1}}, false},
}

// migrateEMC creates the collections of emc.Store and their indexes, and
// the index of dossiers by update time (idempotent). Dossiers stored
// before it have no updatedAt field until they next change: the
// catch-up starts from its first run's time anyway.
func migrateEMC(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collEMCEvents, collEMCAttempts); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesEMC)
}

// emcEventDoc is an outbox record; pos is emc.Record.Pos, body the record
// as JSON.
type emcEventDoc struct {
	ID      string `bson:"_id"`
	Dossier string `bson:"dossier"`
	Seq     int    `bson:"seq"`
	State   string `bson:"state"`
	Pos     string `bson:"pos"`
	Rev     int64  `bson:"rev"`
	Body    string `bson:"body"`
}

func toEMCDoc(r emc.Record) (emcEventDoc, error) {
	r = r.Norm()
	body, err := json.Marshal(r)
	if err != nil {
		return emcEventDoc{}, newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "encode emc event", err)
	}
	return emcEventDoc{ID: r.ID, Dossier: r.Dossier, Seq: r.Seq, State: string(r.State), Pos: r.Pos(), Rev: r.Rev, Body: string(body)}, nil
}

func (d emcEventDoc) record() (emc.Record, error) {
	var r emc.Record
	if err := json.Unmarshal([]byte(d.Body), &r); err != nil {
		return r, newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "decode emc event "+d.ID, err)
	}
	return r, nil
}

func (s *Store) emcEvents() *mongo.Collection { return s.db.Collection(collEMCEvents) }

// findEMC runs a find of outbox records.
func (s *Store) findEMC(ctx context.Context, op string, filter bson.D, opts *options.FindOptionsBuilder) ([]emc.Record, error) {
	cur, err := s.emcEvents().Find(ctx, filter, opts)
	if err != nil {
		return nil, classify(err, op)
	}
	var docs []emcEventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, op)
	}
	out := make([]emc.Record, 0, len(docs))
	for _, d := range docs {
		r, err := d.record()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// AddEMCEvent implements emc.Store.
func (s *Store) AddEMCEvent(ctx context.Context, r emc.Record) error {
	r.Rev = 1
	doc, err := toEMCDoc(r)
	if err != nil {
		return err
	}
	_, err = s.emcEvents().InsertOne(ctx, doc)
	if isDup(err) {
		return emc.ErrEventExists(r.ID)
	}
	return classify(err, "add emc event")
}

// GetEMCEvent implements emc.Store.
func (s *Store) GetEMCEvent(ctx context.Context, id string) (emc.Record, error) {
	var doc emcEventDoc
	err := s.emcEvents().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if isNoDoc(err) {
		return emc.Record{}, emc.ErrEventNotFound(id)
	}
	if err != nil {
		return emc.Record{}, classify(err, "get emc event")
	}
	return doc.record()
}

// UpdateEMCEvent implements emc.Store: one replace whose filter holds the
// stored revision (on FerretDB under the record's write lock).
func (s *Store) UpdateEMCEvent(ctx context.Context, r emc.Record) error {
	doc, err := toEMCDoc(r)
	if err != nil {
		return err
	}
	var res *mongo.UpdateResult
	err = s.guard(ctx, collEMCEvents+"/"+r.ID, func() (err error) {
		res, err = s.emcEvents().ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "rev", Value: r.Rev - 1}}, doc)
		return err
	})
	if err != nil {
		return classify(err, "update emc event")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	ok, err := exists(ctx, s.emcEvents(), r.ID)
	if err != nil {
		return err
	}
	if !ok {
		return emc.ErrEventNotFound(r.ID)
	}
	return emc.ErrEventChanged(r.ID)
}

// LastEMCSeq implements emc.Store.
func (s *Store) LastEMCSeq(ctx context.Context, dossier string) (int, error) {
	var doc emcEventDoc
	err := s.emcEvents().FindOne(ctx, bson.D{{Key: "dossier", Value: dossier}},
		options.FindOne().SetSort(bson.D{{Key: "dossier", Value: 1}, {Key: "seq", Value: -1}}).SetHint("dossier_seq")).Decode(&doc)
	if isNoDoc(err) {
		return 0, nil
	}
	return doc.Seq, classify(err, "last emc seq")
}

// DossierEMCEvents implements emc.Store.
func (s *Store) DossierEMCEvents(ctx context.Context, dossier string, from, limit int) ([]emc.Record, error) {
	if err := emc.CheckLimit(limit); err != nil {
		return nil, err
	}
	return s.findEMC(ctx, "dossier emc events", bson.D{{Key: "dossier", Value: dossier}, {Key: "seq", Value: bson.D{{Key: "$gte", Value: from}}},
		{Key: "state", Value: bson.D{{Key: "$ne", Value: string(emc.Sent)}}}},
		options.Find().SetSort(bson.D{{Key: "dossier", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)).SetHint("dossier_seq"))
}

// DueEMCEvents implements emc.Store.
func (s *Store) DueEMCEvents(ctx context.Context, now time.Time, limit int) ([]emc.Record, error) {
	if err := emc.CheckLimit(limit); err != nil {
		return nil, err
	}
	return s.findEMC(ctx, "due emc events", bson.D{{Key: "state", Value: string(emc.Pending)},
		{Key: "pos", Value: bson.D{{Key: "$lt", Value: emc.AttemptBound(now.Add(time.Millisecond))}}}},
		options.Find().SetSort(bson.D{{Key: "state", Value: 1}, {Key: "pos", Value: 1}}).SetLimit(int64(limit)).SetHint("state_pos"))
}

// ListEMCEvents implements emc.Store.
func (s *Store) ListEMCEvents(ctx context.Context, st emc.State, before string, limit int) ([]emc.Record, error) {
	if err := emc.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before == "" {
		before = "~"
	}
	return s.findEMC(ctx, "list emc events", bson.D{{Key: "state", Value: string(st)}, {Key: "pos", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "state", Value: -1}, {Key: "pos", Value: -1}}).SetLimit(int64(limit)).SetHint("state_pos"))
}

// CountEMCEvents implements emc.Store.
func (s *Store) CountEMCEvents(ctx context.Context, st emc.State) (int64, error) {
	n, err := s.emcEvents().CountDocuments(ctx, bson.D{{Key: "state", Value: string(st)}}, options.Count().SetHint("state_pos"))
	return n, classify(err, "count emc events")
}

// emcAttemptDoc is one line of the delivery log; its _id orders it by
// time.
type emcAttemptDoc struct {
	ID   string `bson:"_id"`
	Body string `bson:"body"`
}

// AddEMCAttempt implements emc.Store.
func (s *Store) AddEMCAttempt(ctx context.Context, a emc.Attempt) error {
	body, err := json.Marshal(a.Norm())
	if err != nil {
		return newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "encode emc attempt", err)
	}
	_, err = s.db.Collection(collEMCAttempts).InsertOne(ctx, emcAttemptDoc{ID: a.ID, Body: string(body)})
	if isDup(err) {
		return nil
	}
	return classify(err, "add emc attempt")
}

// ListEMCAttempts implements emc.Store: one range of _id, backwards.
func (s *Store) ListEMCAttempts(ctx context.Context, before string, limit int) ([]emc.Attempt, error) {
	if err := emc.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before == "" {
		before = "~"
	}
	cur, err := s.db.Collection(collEMCAttempts).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, classify(err, "list emc attempts")
	}
	var docs []emcAttemptDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, "list emc attempts")
	}
	out := make([]emc.Attempt, 0, len(docs))
	for _, d := range docs {
		var a emc.Attempt
		if err := json.Unmarshal([]byte(d.Body), &a); err != nil {
			return nil, newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "decode emc attempt "+d.ID, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// PruneEMCAttempts implements emc.Store: the IDs of the oldest limit
// attempts before t from one range of _id, then one delete of those.
func (s *Store) PruneEMCAttempts(ctx context.Context, t time.Time, limit int) (int, error) {
	if err := emc.CheckLimit(limit); err != nil {
		return 0, err
	}
	coll := s.db.Collection(collEMCAttempts)
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: emc.AttemptBound(t)}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, classify(err, "prune emc attempts")
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, classify(err, "prune emc attempts")
	}
	if len(docs) == 0 {
		return 0, nil
	}
	ids := make(bson.A, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	res, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return 0, classify(err, "prune emc attempts")
	}
	return int(res.DeletedCount), nil
}

// DossiersChangedSince implements emc.Store: one range of the index
// updated_id.
func (s *Store) DossiersChangedSince(ctx context.Context, after emc.ChangeCursor, before time.Time, limit int) ([]workflow.Dossier, error) {
	if err := emc.CheckLimit(limit); err != nil {
		return nil, err
	}
	at := after.At.UTC().Truncate(time.Millisecond)
	filter := bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gte", Value: at}, {Key: "$lt", Value: before.UTC().Truncate(time.Millisecond)}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after.Code}}}},
		}}}
	cur, err := s.db.Collection(collDossiers).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint("updated_id"))
	if err != nil {
		return nil, classify(err, "dossiers changed since")
	}
	var docs []dossierDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, "dossiers changed since")
	}
	out := make([]workflow.Dossier, 0, len(docs))
	for _, d := range docs {
		v, err := d.dossier()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
