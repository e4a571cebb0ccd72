package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// collIssued is the register of papers agencies issued (archive.IssueRecord),
// one record per issue key (its _id).
const collIssued = "issued"

// migrateIssued creates the register (migration 8). Its records are read
// by _id (GetIssue, and ListIssued's range of one dossier's keys), which
// every server indexes, FerretDB's SQLite backend included.
func migrateIssued(ctx context.Context, s *Store) error {
	return s.createCollections(ctx, collIssued)
}

// ClaimIssue inserts r unless a record with r.Key exists, and returns the
// stored record and whether it inserted r. The unique _id decides between
// concurrent claims.
func (s *Store) ClaimIssue(ctx context.Context, r archive.IssueRecord) (archive.IssueRecord, bool, error) {
	r.At = utc(r.At)
	_, err := s.db.Collection(collIssued).InsertOne(ctx, fromIssue(r))
	if err == nil {
		return r, true, nil
	}
	if !isDup(err) {
		return archive.IssueRecord{}, false, classify(err, "claim issue")
	}
	got, err := s.GetIssue(ctx, r.Key)
	return got, false, err
}

// GetIssue returns the record with that key. NotFound if none.
func (s *Store) GetIssue(ctx context.Context, key string) (archive.IssueRecord, error) {
	var d issueDoc
	err := s.db.Collection(collIssued).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if isNoDoc(err) {
		return archive.IssueRecord{}, newErr(kerr.NotFound, "issue_not_found", "Không tìm thấy giấy tờ đã cấp.", "get issue "+key, err)
	}
	if err != nil {
		return archive.IssueRecord{}, classify(err, "get issue")
	}
	return d.issue(), nil
}

// ListIssued returns the records of one dossier of one agency, ordered by
// key: a range of _id (the prefix ends in "/", and "0" is the byte after).
func (s *Store) ListIssued(ctx context.Context, agency, dossier string) ([]archive.IssueRecord, error) {
	lo := archive.IssueKeyPrefix(agency, dossier)
	hi := lo[:len(lo)-1] + "0"
	cur, err := s.db.Collection(collIssued).Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: hi}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(1000))
	if err != nil {
		return nil, classify(err, "list issued")
	}
	var ds []issueDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list issued")
	}
	out := make([]archive.IssueRecord, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.issue())
	}
	return out, nil
}
