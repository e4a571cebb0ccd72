package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/workflow"
)

// Dossier statistics (workflow.StatsStore). Every dossier record carries
// statsPending (true, written by CreateDossier and UpdateDossier with
// the record; removed by the job), statsAt (the change time) and
// statsMonth (the reception month, Vietnam time; absent when not
// received). The job's buckets are in stats_buckets, and the bucket each
// dossier was last counted in is in stats_counted.
const (
	collStatsBuckets = "stats_buckets"
	collStatsCounted = "stats_counted"
)

// statsFields are the statistics fields of a dossier record.
type statsFields struct {
	StatsPending bool      `bson:"statsPending,omitempty"`
	StatsMonth   string    `bson:"statsMonth,omitempty"`
	StatsAt      time.Time `bson:"statsAt"`
}

func statsOf(d workflow.Dossier) statsFields {
	f := statsFields{StatsPending: true, StatsAt: utc(d.UpdatedAt)}
	if d.UpdatedAt.IsZero() {
		f.StatsAt = utc(d.CreatedAt)
	}
	if !d.ReceivedAt.IsZero() {
		f.StatsMonth = workflow.MonthKey(d.ReceivedAt)
	}
	return f
}

// indexesStats are the indexes of migration 22: the pending dossiers in
// change order, the dossiers of a bucket (equality on agency and month,
// which FerretDB pushes down), the buckets by agency and month and by
// the month they stay open through.
var indexesStats = []index{
	{collDossiers, "stats_pending", bson.D{{Key: "statsPending", Value: 1}, {Key: "statsAt", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collDossiers, "stats_bucket", bson.D{{Key: "handlingAgency", Value: 1}, {Key: "statsMonth", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collStatsBuckets, "agency_month", bson.D{{Key: "agency", Value: 1}, {Key: "month", Value: 1}}, false},
	{collStatsBuckets, "month", bson.D{{Key: "month", Value: 1}, {Key: "agency", Value: 1}}, false},
	{collStatsBuckets, "agency_open", bson.D{{Key: "agency", Value: 1}, {Key: "openThrough", Value: 1}, {Key: "month", Value: 1}}, false},
	{collStatsBuckets, "open", bson.D{{Key: "openThrough", Value: 1}, {Key: "month", Value: 1}}, false},
}

// migrateStats creates the collections and indexes. Dossiers made before
// it are counted once marked (kho report stats-rebuild).
func migrateStats(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collStatsBuckets, collStatsCounted); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesStats)
}

type statsBucketDoc struct {
	ID          string `bson:"_id"`
	Agency      string `bson:"agency"`
	Month       string `bson:"month"`
	OpenThrough string `bson:"openThrough"`
	Body        string `bson:"body"`
}

type statsCountedDoc struct {
	ID     string `bson:"_id"`
	Bucket string `bson:"bucket"`
}

// PendingStats reads the pending index, then the counted buckets of the
// page by _id.
func (s *Store) PendingStats(ctx context.Context, limit int) ([]workflow.StatsPending, error) {
	if err := fixityLimit("pending stats", limit); err != nil {
		return nil, err
	}
	opts := options.Find().SetSort(bson.D{{Key: "statsPending", Value: 1}, {Key: "statsAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))
	docs, err := findAll(ctx, s.db.Collection(collDossiers), "pending stats", bson.D{{Key: "statsPending", Value: true}},
		func(d dossierDoc) dossierDoc { return d }, opts)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	codes := make([]string, len(docs))
	for i, d := range docs {
		codes[i] = d.ID
	}
	counted, err := findAll(ctx, s.db.Collection(collStatsCounted), "stats counted",
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: codes}}}}, func(d statsCountedDoc) statsCountedDoc { return d })
	if err != nil {
		return nil, err
	}
	bucket := map[string]string{}
	for _, c := range counted {
		bucket[c.ID] = c.Bucket
	}
	out := make([]workflow.StatsPending, len(docs))
	for i, d := range docs {
		if out[i].Dossier, err = d.dossier(); err != nil {
			return nil, err
		}
		out[i].Counted = bucket[d.ID]
	}
	return out, nil
}

// OldestStatsPending reads the first entry of the pending index.
func (s *Store) OldestStatsPending(ctx context.Context) (time.Time, bool, error) {
	var d statsFields
	opts := options.FindOne().SetSort(bson.D{{Key: "statsPending", Value: 1}, {Key: "statsAt", Value: 1}, {Key: "_id", Value: 1}}).
		SetProjection(bson.D{{Key: "statsAt", Value: 1}})
	err := s.db.Collection(collDossiers).FindOne(ctx, bson.D{{Key: "statsPending", Value: true}}, opts).Decode(&d)
	if isNoDoc(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, classify(err, "oldest stats pending")
	}
	return d.StatsAt.UTC(), true, nil
}

// BucketDossiers reads the index of (competent agency, month).
func (s *Store) BucketDossiers(ctx context.Context, agency, month, after string, limit int) ([]workflow.Dossier, error) {
	if err := fixityLimit("bucket dossiers", limit); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "handlingAgency", Value: agency}, {Key: "statsMonth", Value: month}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	opts := options.Find().SetSort(bson.D{{Key: "handlingAgency", Value: 1}, {Key: "statsMonth", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))
	docs, err := findAll(ctx, s.db.Collection(collDossiers), "bucket dossiers", filter, func(d dossierDoc) dossierDoc { return d }, opts)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.Dossier, len(docs))
	for i, d := range docs {
		if out[i], err = d.dossier(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutStatsBucket replaces the bucket's record whole.
func (s *Store) PutStatsBucket(ctx context.Context, b workflow.StatsBucket) error {
	b.At = utc(b.At)
	body, err := encodeBody(b, "encode stats bucket")
	if err != nil {
		return err
	}
	doc := statsBucketDoc{ID: b.ID(), Agency: b.Agency, Month: b.Month, OpenThrough: b.OpenThrough, Body: body}
	_, err = s.db.Collection(collStatsBuckets).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	if isDup(err) { // two upserts raced to insert: the second replaces
		_, err = s.db.Collection(collStatsBuckets).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc)
	}
	return classify(err, "put stats bucket")
}

// StatsBuckets runs the month range and, with openAt, the open range,
// each on its index, and merges them.
func (s *Store) StatsBuckets(ctx context.Context, agency, from, before, openAt string) ([]workflow.StatsBucket, error) {
	var filters []bson.D
	months := bson.D{{Key: "month", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: before}}}}
	open := bson.D{{Key: "openThrough", Value: bson.D{{Key: "$gte", Value: openAt}}}, {Key: "month", Value: bson.D{{Key: "$lt", Value: before}}}}
	if agency != "" {
		months = append(bson.D{{Key: "agency", Value: agency}}, months...)
		open = append(bson.D{{Key: "agency", Value: agency}}, open...)
	}
	filters = append(filters, months)
	if openAt != "" {
		filters = append(filters, open)
	}
	var all []workflow.StatsBucket
	for _, f := range filters {
		docs, err := findAll(ctx, s.db.Collection(collStatsBuckets), "stats buckets", f, func(d statsBucketDoc) statsBucketDoc { return d })
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			var b workflow.StatsBucket
			if err := decodeBody(d.Body, "decode stats bucket", &b); err != nil {
				return nil, err
			}
			all = append(all, b)
		}
	}
	return workflow.MergeStatsBuckets(all), nil
}

// MarkStatsCounted upserts the dossier's counted bucket.
func (s *Store) MarkStatsCounted(ctx context.Context, code, bucket string) error {
	_, err := s.db.Collection(collStatsCounted).ReplaceOne(ctx, bson.D{{Key: "_id", Value: code}}, statsCountedDoc{ID: code, Bucket: bucket},
		options.Replace().SetUpsert(true))
	if isDup(err) {
		_, err = s.db.Collection(collStatsCounted).ReplaceOne(ctx, bson.D{{Key: "_id", Value: code}}, statsCountedDoc{ID: code, Bucket: bucket})
	}
	return classify(err, "mark stats counted")
}

// ClearStatsPending removes the flag with the revision in the filter,
// under the record's write lock on FerretDB (as UpdateDossier).
func (s *Store) ClearStatsPending(ctx context.Context, code string, rev int64) (bool, error) {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collDossiers+"/"+code, func() (err error) {
		res, err = s.db.Collection(collDossiers).UpdateOne(ctx,
			bson.D{{Key: "_id", Value: code}, {Key: "rev", Value: rev}, {Key: "statsPending", Value: true}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "statsPending", Value: ""}}}})
		return err
	})
	if err != nil {
		return false, classify(err, "clear stats pending")
	}
	return res.ModifiedCount == 1, nil
}

// MarkStatsPending reads a page of dossiers by _id and marks each, its
// bucket month computed again from the record (a revision-guarded update
// each; a dossier changed meanwhile is pending anyway).
func (s *Store) MarkStatsPending(ctx context.Context, after string, limit int) (string, error) {
	if err := fixityLimit("mark stats pending", limit); err != nil {
		return "", err
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	docs, err := findAll(ctx, s.db.Collection(collDossiers), "mark stats pending", bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		func(d dossierDoc) dossierDoc { return d }, opts)
	if err != nil || len(docs) == 0 {
		return "", err
	}
	now := utc(time.Now())
	for _, doc := range docs {
		d, err := doc.dossier()
		if err != nil {
			return "", err
		}
		set := bson.D{{Key: "statsPending", Value: true}, {Key: "statsAt", Value: now}}
		if !d.ReceivedAt.IsZero() {
			set = append(set, bson.E{Key: "statsMonth", Value: workflow.MonthKey(d.ReceivedAt)})
		}
		err = s.guard(ctx, collDossiers+"/"+doc.ID, func() error {
			_, err := s.db.Collection(collDossiers).UpdateOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "rev", Value: doc.Rev}},
				bson.D{{Key: "$set", Value: set}})
			return err
		})
		if err != nil {
			return "", classify(err, "mark stats pending")
		}
	}
	return docs[len(docs)-1].ID, nil
}
