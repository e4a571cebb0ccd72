package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
)

// ixLTV serves both lists of archive.LTVStore: the signed documents by
// their current version's validation expiry (ascending, then _id), and,
// among them, those without one (null) by _id.
const ixLTV = "ltv_signed_expires_id"

const (
	fieldSigned    = "current.signature.signed"
	fieldExpiresAt = "current.signature.expiresAt"
)

// indexesLTV is the index of migration 15 (migrateLTV).
var indexesLTV = []index{
	{collDocuments, ixLTV, bson.D{{Key: fieldSigned, Value: 1}, {Key: fieldExpiresAt, Value: 1}, {Key: "_id", Value: 1}}, false},
}

// migrateLTV creates indexesLTV (idempotent).
func migrateLTV(ctx context.Context, s *Store) error {
	return s.createIndexes(ctx, indexesLTV)
}

// DueForRenewal returns at most limit signed documents whose validation
// expires at or before before, by expiry then _id after the cursor (ixLTV:
// equality on signed, then the sort keys).
func (s *Store) DueForRenewal(ctx context.Context, before time.Time, after archive.RenewCursor, limit int) ([]archive.Document, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: fieldSigned, Value: true}, {Key: fieldExpiresAt, Value: bson.D{{Key: "$lte", Value: before.UTC()}}}}
	if after.ID != "" {
		at := after.ExpiresAt.UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: fieldExpiresAt, Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: fieldExpiresAt, Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
		}})
	}
	return s.ltvFind(ctx, "due for renewal", filter, bson.D{{Key: fieldExpiresAt, Value: 1}, {Key: "_id", Value: 1}}, limit)
}

// SignedWithoutExpiry returns at most limit signed documents without a
// validation expiry, by _id after after (ixLTV: equality on signed and
// on the missing expiry, then _id).
func (s *Store) SignedWithoutExpiry(ctx context.Context, after string, limit int) ([]archive.Document, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: fieldSigned, Value: true}, {Key: fieldExpiresAt, Value: nil}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	return s.ltvFind(ctx, "signed without expiry", filter, bson.D{{Key: "_id", Value: 1}}, limit)
}

func (s *Store) ltvFind(ctx context.Context, op string, filter, sort bson.D, limit int) ([]archive.Document, error) {
	opts := options.Find().SetSort(sort).SetHint(ixLTV).SetLimit(int64(limit)).SetProjection(documentProjection())
	cur, err := s.documents.Find(ctx, filter, opts)
	if err != nil {
		return nil, classify(err, op)
	}
	var ds []documentDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, op)
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
