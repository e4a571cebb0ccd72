package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// collShares holds archive.Share records, one per share (_id its ID).
const collShares = "shares"

// Index names of the shares, named as hints.
const (
	ixSharesOwner    = "owner_id"
	ixSharesDocument = "document_id"
	ixSharesGrantee  = "grantee_active_id"
)

// indexesShares are the indexes of migration 13. activeUntil is the
// share's last day while it is not revoked and absent once it is: the
// grantee's listing reads one range of (granteeKey, activeUntil, _id)
// and never a revoked or expired share.
var indexesShares = []index{
	{collShares, ixSharesOwner, bson.D{{Key: "ownerId", Value: 1}, {Key: "_id", Value: -1}}, false},
	{collShares, ixSharesDocument, bson.D{{Key: "documentId", Value: 1}, {Key: "_id", Value: -1}}, false},
	{collShares, ixSharesGrantee, bson.D{{Key: "granteeKey", Value: 1}, {Key: "activeUntil", Value: 1}, {Key: "_id", Value: 1}}, false},
}

// migrateShares creates the shares collection and its indexes (idempotent).
func migrateShares(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collShares); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesShares)
}

func (s *Store) shares() *mongo.Collection { return s.db.Collection(collShares) }

// shareDoc is a share as stored.
type shareDoc struct {
	ID           string     `bson:"_id"`
	DocumentID   string     `bson:"documentId"`
	OwnerID      string     `bson:"ownerId"`
	Version      int        `bson:"version"`
	GranteeKind  string     `bson:"granteeKind"`
	Grantee      string     `bson:"grantee"`
	GranteeKey   string     `bson:"granteeKey"`
	Purpose      string     `bson:"purpose"`
	ValidUntil   string     `bson:"validUntil"`
	ActiveUntil  string     `bson:"activeUntil,omitempty"`
	TypeCode     string     `bson:"typeCode"`
	DocumentName string     `bson:"documentName"`
	CreatedAt    time.Time  `bson:"createdAt"`
	CreatedBy    string     `bson:"createdBy"`
	RevokedAt    *time.Time `bson:"revokedAt,omitempty"` // absent until revoked
	RevokedBy    string     `bson:"revokedBy,omitempty"`
	RevokeReason string     `bson:"revokeReason,omitempty"`
}

func fromShare(sh archive.Share) shareDoc {
	d := shareDoc{ID: sh.ID, DocumentID: sh.DocumentID, OwnerID: sh.OwnerID, Version: sh.Version,
		GranteeKind: string(sh.GranteeKind), Grantee: sh.Grantee, GranteeKey: sh.GranteeKey(), Purpose: sh.Purpose,
		ValidUntil: sh.ValidUntil.String(), TypeCode: sh.TypeCode, DocumentName: sh.DocumentName,
		CreatedAt: utcOrZero(sh.CreatedAt), CreatedBy: sh.CreatedBy, RevokedBy: sh.RevokedBy, RevokeReason: sh.RevokeReason}
	if sh.RevokedAt.IsZero() {
		d.ActiveUntil = d.ValidUntil
	} else {
		at := utc(sh.RevokedAt)
		d.RevokedAt = &at
	}
	return d
}

func (d shareDoc) share() archive.Share {
	until, _ := archive.ParseDate(d.ValidUntil)
	var revoked time.Time
	if d.RevokedAt != nil {
		revoked = utc(*d.RevokedAt)
	}
	return archive.Share{ID: d.ID, DocumentID: d.DocumentID, OwnerID: d.OwnerID, Version: d.Version,
		GranteeKind: archive.GranteeKind(d.GranteeKind), Grantee: d.Grantee, Purpose: d.Purpose, ValidUntil: until,
		TypeCode: d.TypeCode, DocumentName: d.DocumentName, CreatedAt: utcOrZero(d.CreatedAt), CreatedBy: d.CreatedBy,
		RevokedAt: revoked, RevokedBy: d.RevokedBy, RevokeReason: d.RevokeReason}
}

// CreateShare inserts sh. Conflict if sh.ID exists.
func (s *Store) CreateShare(ctx context.Context, sh archive.Share) error {
	_, err := s.shares().InsertOne(ctx, fromShare(sh))
	if isDup(err) {
		return newErr(kerr.Conflict, "share_exists", "Thông tin chia sẻ đã tồn tại.", "create share "+sh.ID, err)
	}
	return classify(err, "create share")
}

// GetShare returns one share. NotFound if none.
func (s *Store) GetShare(ctx context.Context, id string) (archive.Share, error) {
	var d shareDoc
	err := s.shares().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return archive.Share{}, newErr(kerr.NotFound, "share_not_found", "Không tìm thấy thông tin chia sẻ giấy tờ.", "get share "+id, err)
	}
	if err != nil {
		return archive.Share{}, classify(err, "get share")
	}
	return d.share(), nil
}

// RevokeShare revokes share id once: one update guarded by "revokedAt
// absent"; when it matches nothing, the share is either revoked already
// (Conflict) or not there (NotFound).
func (s *Store) RevokeShare(ctx context.Context, id string, at time.Time, by, reason string) (archive.Share, error) {
	set := bson.D{{Key: "revokedAt", Value: utc(at)}, {Key: "revokedBy", Value: by}}
	if reason != "" {
		set = append(set, bson.E{Key: "revokeReason", Value: reason})
	}
	var d shareDoc
	err := s.guard(ctx, collShares+"/"+id, func() error {
		return s.shares().FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "revokedAt", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "activeUntil", Value: ""}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	})
	if isNoDoc(err) {
		if _, gerr := s.GetShare(ctx, id); gerr != nil {
			return archive.Share{}, gerr
		}
		return archive.Share{}, newErr(kerr.Conflict, "share_revoked", "Việc chia sẻ này đã được thu hồi.", "revoke share "+id, err)
	}
	if err != nil {
		return archive.Share{}, classify(err, "revoke share")
	}
	return d.share(), nil
}

// ListSharesGiven returns an owner's shares (of one document, when set),
// newest first: one range of owner_id or document_id.
func (s *Store) ListSharesGiven(ctx context.Context, q archive.GivenQuery) ([]archive.Share, bool, error) {
	if err := checkPage(q.Limit); err != nil {
		return nil, false, err
	}
	filter, hint := bson.D{{Key: "ownerId", Value: q.OwnerID}}, ixSharesOwner
	if q.DocumentID != "" {
		filter, hint = bson.D{{Key: "documentId", Value: q.DocumentID}, {Key: "ownerId", Value: q.OwnerID}}, ixSharesDocument
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.After}}})
	}
	return s.findShares(ctx, filter, bson.D{{Key: "_id", Value: -1}}, hint, q.Limit, "list shares given")
}

// ListSharesReceived returns a grantee's active shares by last day, then
// ID: one range of grantee_active_id.
func (s *Store) ListSharesReceived(ctx context.Context, q archive.ReceivedQuery) ([]archive.Share, bool, error) {
	if err := checkPage(q.Limit); err != nil {
		return nil, false, err
	}
	from := q.ActiveOn.String()
	filter := bson.D{{Key: "granteeKey", Value: q.Grantee}}
	if u := q.After.Until.String(); u != "" && u >= from {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "activeUntil", Value: bson.D{{Key: "$gt", Value: u}}}},
			bson.D{{Key: "activeUntil", Value: u}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After.ID}}}},
		}})
	} else {
		filter = append(filter, bson.E{Key: "activeUntil", Value: bson.D{{Key: "$gte", Value: from}}})
	}
	return s.findShares(ctx, filter, bson.D{{Key: "activeUntil", Value: 1}, {Key: "_id", Value: 1}}, ixSharesGrantee, q.Limit, "list shares received")
}

// findShares reads at most limit shares (one more to tell whether more follow).
func (s *Store) findShares(ctx context.Context, filter, sort bson.D, hint string, limit int, op string) ([]archive.Share, bool, error) {
	cur, err := s.shares().Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(limit)+1).SetHint(hint))
	if err != nil {
		return nil, false, classify(err, op)
	}
	var ds []shareDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, false, classify(err, op)
	}
	more := len(ds) > limit
	if more {
		ds = ds[:limit]
	}
	out := make([]archive.Share, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.share())
	}
	return out, more, nil
}

// checkPage refuses a page size outside 1..1000.
func checkPage(limit int) error {
	if limit < 1 || limit > 1000 {
		return invalidQuery("page size %d is not within 1..1000", limit)
	}
	return nil
}
