package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// AddReuse inserts r. Conflict "reuse_exists" if r.ID exists.
func (s *Store) AddReuse(ctx context.Context, r archive.ReuseRecord) error {
	_, err := s.reuses.InsertOne(ctx, fromReuse(r))
	if isDup(err) {
		return newErr(kerr.Conflict, "reuse_exists", "Bản ghi tái sử dụng đã tồn tại.", "add reuse "+r.ID, err)
	}
	return classify(err, "add reuse")
}

// ListReuses returns a document's reuse records, oldest first.
func (s *Store) ListReuses(ctx context.Context, documentID string) ([]archive.ReuseRecord, error) {
	cur, err := s.reuses.Find(ctx, bson.D{{Key: "documentId", Value: documentID}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, "list reuses")
	}
	var ds []reuseDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list reuses")
	}
	out := make([]archive.ReuseRecord, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.reuse())
	}
	return out, nil
}
