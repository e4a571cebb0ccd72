package mongo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// The collections of fixity checking (archive.FixityStore): the findings,
// one per failed blob (_id the blob's hash), and the runs' summaries
// (_id the run's ID). Both keep the record whole as JSON in "body", with
// the fields that are queried beside it.
const (
	collFixityFindings = "fixity_findings"
	collFixityRuns     = "fixity_runs"
)

// indexesFixity: the runs newest first, all of them or only those that
// finished a pass. The findings are read by _id.
var indexesFixity = []index{
	{collFixityRuns, "start_id", bson.D{{Key: "start", Value: -1}, {Key: "_id", Value: -1}}, false},
	{collFixityRuns, "passdone_start_id", bson.D{{Key: "passDone", Value: 1}, {Key: "start", Value: -1}, {Key: "_id", Value: -1}}, false},
}

// migrateFixity creates the fixity collections and their indexes
// (idempotent).
func migrateFixity(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collFixityFindings, collFixityRuns); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesFixity)
}

func fixityLimit(op string, limit int) error {
	if limit < 1 || limit > 1000 {
		return newErr(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", fmt.Sprintf("%s: limit %d", op, limit), nil)
	}
	return nil
}

// ReferencedBlobs returns the distinct blobs versions reference after
// after, increasing, at most limit.
//
// A distinct has no limit, and a sort on the multikey "blobs" field sorts
// documents by their smallest hash, not by the one that matched, so the
// blobs are read by ranges of the hash space instead: hashes are uniform,
// so a range of width 2⁶⁴·limit/documents (on the first 64 bits) holds
// about limit·(blobs per document) of them. Each range is one distinct
// over the "blobs" index, bounded to it ($gt, $lt); the values it returns
// from outside the range (other blobs of the same documents) are dropped.
// A range that holds too few makes the next one twice as wide. The
// document count is the collection's estimate (its metadata, not a scan).
func (s *Store) ReferencedBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	if err := fixityLimit("referenced blobs", limit); err != nil {
		return nil, err
	}
	docs, err := s.documents.EstimatedDocumentCount(ctx)
	if err != nil {
		return nil, classify(err, "referenced blobs: count")
	}
	width := uint64(math.MaxUint64)
	if docs > int64(limit) {
		width = math.MaxUint64 / uint64(docs) * uint64(limit)
	}
	pos := hashPos(after)
	lo := after
	var out []string
	for len(out) < limit {
		filter := bson.M{"$gt": lo}
		hi, last := "", pos > math.MaxUint64-width
		if !last {
			pos += width
			hi = fmt.Sprintf("%016x", pos)
			filter["$lt"] = hi
		}
		res := s.documents.Distinct(ctx, "blobs", bson.D{{Key: "blobs", Value: filter}})
		if err := res.Err(); err != nil {
			return nil, classify(err, "referenced blobs")
		}
		var vals []string
		if err := res.Decode(&vals); err != nil {
			return nil, classify(err, "referenced blobs: decode")
		}
		n := len(out)
		for _, v := range vals {
			if v > lo && (last || v < hi) {
				out = append(out, v)
			}
		}
		slices.Sort(out[n:])
		if last {
			break
		}
		if len(out)-n < limit/2 && width <= math.MaxUint64/2 {
			width *= 2
		}
		lo = hi
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// hashPos is the first 64 bits of a hex hash ("" and shorter strings are
// padded with zeros).
func hashPos(h string) uint64 {
	if len(h) > 16 {
		h = h[:16]
	}
	for len(h) < 16 {
		h += "0"
	}
	v, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0
	}
	return v
}

// BlobUsers returns the documents whose versions reference blob, through
// the "blobs" index.
func (s *Store) BlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	if err := fixityLimit("blob users", limit); err != nil {
		return nil, err
	}
	type userDoc struct {
		ID      string `bson:"_id"`
		OwnerID string `bson:"ownerId"`
	}
	return findAll(ctx, s.documents, "blob users", bson.D{{Key: "blobs", Value: blob}},
		func(d userDoc) archive.BlobUser { return archive.BlobUser{DocumentID: d.ID, OwnerID: d.OwnerID} },
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
			SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "ownerId", Value: 1}}))
}

// findingDoc is a fixity finding as stored: firstSeen beside the body,
// set only when the finding is inserted, wins over the body's.
type findingDoc struct {
	ID        string    `bson:"_id"`
	FirstSeen time.Time `bson:"firstSeen"`
	Body      string    `bson:"body"`
}

// SaveFixityFinding upserts the finding of f.Blob: one update that sets
// the body and, only on insert, firstSeen.
func (s *Store) SaveFixityFinding(ctx context.Context, f archive.FixityFinding) (bool, error) {
	f.FirstSeen, f.LastSeen = utc(f.FirstSeen), utc(f.LastSeen)
	body, err := encodeBody(f, "fixity finding")
	if err != nil {
		return false, err
	}
	c := s.db.Collection(collFixityFindings)
	filter := bson.D{{Key: "_id", Value: f.Blob}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "body", Value: body}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "firstSeen", Value: f.FirstSeen}}}}
	res, err := c.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if isDup(err) {
		// Two concurrent upserts of a new finding: the loser updates.
		res, err = c.UpdateOne(ctx, filter, update)
	}
	if err != nil {
		return false, classify(err, "save fixity finding")
	}
	return res.UpsertedCount == 1, nil
}

// DeleteFixityFinding removes the finding of blob.
func (s *Store) DeleteFixityFinding(ctx context.Context, blob string) (bool, error) {
	res, err := s.db.Collection(collFixityFindings).DeleteOne(ctx, bson.D{{Key: "_id", Value: blob}})
	if err != nil {
		return false, classify(err, "delete fixity finding")
	}
	return res.DeletedCount == 1, nil
}

// ListFixityFindings returns findings after after (up to to) by _id.
func (s *Store) ListFixityFindings(ctx context.Context, after, to string, limit int) ([]archive.FixityFinding, error) {
	if err := fixityLimit("list fixity findings", limit); err != nil {
		return nil, err
	}
	rng := bson.D{{Key: "$gt", Value: after}}
	if to != "" {
		rng = append(rng, bson.E{Key: "$lte", Value: to})
	}
	cur, err := s.db.Collection(collFixityFindings).Find(ctx, bson.D{{Key: "_id", Value: rng}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, classify(err, "list fixity findings")
	}
	var ds []findingDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list fixity findings")
	}
	out := make([]archive.FixityFinding, 0, len(ds))
	for _, d := range ds {
		var f archive.FixityFinding
		if err := decodeBody(d.Body, "fixity finding", &f); err != nil {
			return nil, err
		}
		f.FirstSeen = d.FirstSeen.UTC()
		out = append(out, f)
	}
	return out, nil
}

// runDoc is a fixity run as stored.
type runDoc struct {
	ID       string    `bson:"_id"`
	Start    time.Time `bson:"start"`
	PassDone bool      `bson:"passDone"`
	Body     string    `bson:"body"`
}

// AddFixityRun stores a run's summary.
func (s *Store) AddFixityRun(ctx context.Context, r archive.FixityRun) error {
	r.Start, r.End, r.PassStart = utc(r.Start), utc(r.End), utcOrZero(r.PassStart)
	body, err := encodeBody(r, "fixity run")
	if err != nil {
		return err
	}
	_, err = s.db.Collection(collFixityRuns).InsertOne(ctx, runDoc{ID: r.ID, Start: r.Start, PassDone: r.PassDone, Body: body})
	if isDup(err) {
		return newErr(kerr.Conflict, "fixity_run_exists", "Lần kiểm tra toàn vẹn đã được ghi.", "add fixity run "+r.ID, err)
	}
	return classify(err, "add fixity run")
}

// ListFixityRuns returns runs newest first.
func (s *Store) ListFixityRuns(ctx context.Context, passDone bool, limit int) ([]archive.FixityRun, error) {
	if err := fixityLimit("list fixity runs", limit); err != nil {
		return nil, err
	}
	filter := bson.D{}
	if passDone {
		filter = bson.D{{Key: "passDone", Value: true}}
	}
	return listBodies[archive.FixityRun](ctx, s.db.Collection(collFixityRuns), "list fixity runs", filter,
		options.Find().SetSort(bson.D{{Key: "start", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
}

var _ archive.FixityStore = (*Store)(nil)
