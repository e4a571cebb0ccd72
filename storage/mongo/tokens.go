package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

func tokenNotFound(op string, err error) error {
	return newErr(kerr.NotFound, "token_not_found", "Không tìm thấy mã truy cập.", op, err)
}

// CreateToken inserts t. Conflict "token_exists" if t.ID or t.Hash exists
// (the hash has a unique index).
func (s *Store) CreateToken(ctx context.Context, t auth.Token) error {
	_, err := s.tokens.InsertOne(ctx, fromToken(t))
	if isDup(err) {
		return newErr(kerr.Conflict, "token_exists", "Mã truy cập đã tồn tại.", "create token "+t.ID, err)
	}
	return classify(err, "create token")
}

// TokenByHash returns the token with that hash. NotFound if none.
func (s *Store) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	var d tokenDoc
	err := s.tokens.FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(&d)
	if isNoDoc(err) {
		return auth.Token{}, tokenNotFound("token by hash", err)
	}
	if err != nil {
		return auth.Token{}, classify(err, "token by hash")
	}
	return d.token(), nil
}

// RevokeToken marks the token with that ID revoked. NotFound if none.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collTokens+"/"+id, func() (err error) {
		res, err = s.tokens.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
		return err
	})
	if err != nil {
		return classify(err, "revoke token")
	}
	if res.MatchedCount == 0 {
		return tokenNotFound("revoke token "+id, nil)
	}
	return nil
}

// ListTokens returns every token ordered by ID.
func (s *Store) ListTokens(ctx context.Context) ([]auth.Token, error) {
	cur, err := s.tokens.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, "list tokens")
	}
	var ds []tokenDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list tokens")
	}
	out := make([]auth.Token, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.token())
	}
	return out, nil
}
