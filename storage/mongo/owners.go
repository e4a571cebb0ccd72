package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

func ownerNotFound(id, op string, err error) error {
	return newErr(kerr.NotFound, "owner_not_found", "Không tìm thấy chủ thể lưu trữ.", op+" "+id, err)
}

// CreateOwner inserts o with Rev 1. Conflict "owner_exists" if o.ID exists.
func (s *Store) CreateOwner(ctx context.Context, o archive.Owner) error {
	d := fromOwner(o)
	d.Rev = 1
	_, err := s.owners.InsertOne(ctx, d)
	if isDup(err) {
		return newErr(kerr.Conflict, "owner_exists", "Chủ thể lưu trữ đã tồn tại.", "create owner "+o.ID, err)
	}
	return classify(err, "create owner")
}

// GetOwner returns the owner with that ID. NotFound if none.
func (s *Store) GetOwner(ctx context.Context, id string) (archive.Owner, error) {
	var d ownerDoc
	err := s.owners.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return archive.Owner{}, ownerNotFound(id, "get owner", err)
	}
	if err != nil {
		return archive.Owner{}, classify(err, "get owner")
	}
	return d.owner()
}

// SetQuota sets QuotaBytes and increments Rev. NotFound if no owner.
func (s *Store) SetQuota(ctx context.Context, id string, quotaBytes int64) error {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collOwners+"/"+id, func() (err error) {
		res, err = s.owners.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
			{Key: "$set", Value: bson.D{{Key: "quotaBytes", Value: quotaBytes}}},
			{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
		})
		return err
	})
	if err != nil {
		return classify(err, "set quota")
	}
	if res.MatchedCount == 0 {
		return ownerNotFound(id, "set quota", nil)
	}
	return nil
}

// AddUsage atomically adds bytes to UsedBytes and docs to DocumentCount.
// When limit > 0 and bytes > 0 the filter holds usedBytes <= limit-bytes,
// so the check and the change are one atomic operation; on no match the
// owner exists (TooLarge "quota_exceeded") or not (NotFound). Usage
// counters do not change Rev.
func (s *Store) AddUsage(ctx context.Context, id string, bytes, docs, limit int64) error {
	filter, guarded := withQuota(bson.D{{Key: "_id", Value: id}}, bytes, limit)
	var res *mongo.UpdateResult
	err := s.guard(ctx, collOwners+"/"+id, func() (err error) {
		res, err = s.owners.UpdateOne(ctx, filter, bson.D{usageInc(bytes, docs)})
		return err
	})
	if err != nil {
		return classify(err, "add usage")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	if guarded {
		ok, err := exists(ctx, s.owners, id)
		if err != nil {
			return err
		}
		if ok {
			return kerr.New(kerr.TooLarge, "quota_exceeded", "Vượt quá dung lượng lưu trữ cho phép.",
				"mongo: owner %s: adding %d bytes would exceed the limit of %d bytes", id, bytes, limit)
		}
	}
	return ownerNotFound(id, "add usage", nil)
}

// withQuota adds to filter the condition that adding bytes keeps
// usedBytes within limit; guarded says whether there is one (limit > 0
// and bytes > 0), so that the check and the change are one atomic update.
func withQuota(filter bson.D, bytes, limit int64) (_ bson.D, guarded bool) {
	if limit <= 0 || bytes <= 0 {
		return filter, false
	}
	return append(filter, bson.E{Key: "usedBytes", Value: bson.D{{Key: "$lte", Value: limit - bytes}}}), true
}

// usageInc is the update operator that adds bytes and docs to the usage.
func usageInc(bytes, docs int64) bson.E {
	return bson.E{Key: "$inc", Value: bson.D{{Key: "usedBytes", Value: bytes}, {Key: "documentCount", Value: docs}}}
}
