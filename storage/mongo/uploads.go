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

// Upload intents (archive.UploadStore) are records of the "uploads"
// collection, indexed by (createdAt, _id) for the collector and by blobs
// (multikey) for its check. The charge of an upload is a field of its
// owner's record, charges.<upload ID> = {bytes, docs}, set in the same
// update that adds it to the usage and unset in the same update that
// gives it back: the filter on the field's presence makes each step happen
// once. (On FerretDB, whose updates are not atomic, the owner's updates
// are serialised by guard, as AddUsage's are.) An intent is updated only
// by its own upload, one ClaimBlob at a time, so its updates need no lock.
const collUploads = "uploads"

type uploadDoc struct {
	ID          string    `bson:"_id"`
	OwnerID     string    `bson:"ownerId"`
	DocumentID  string    `bson:"documentId"`
	NewDocument bool      `bson:"newDocument"`
	Actor       string    `bson:"actor"`
	Bytes       int64     `bson:"bytes"`
	Docs        int64     `bson:"docs"`
	Blobs       []string  `bson:"blobs"`
	CreatedAt   time.Time `bson:"createdAt"`
}

func (d uploadDoc) intent() archive.UploadIntent {
	return archive.UploadIntent{ID: d.ID, OwnerID: d.OwnerID, DocumentID: d.DocumentID, NewDocument: d.NewDocument,
		Actor: d.Actor, Bytes: d.Bytes, Docs: d.Docs, Blobs: d.Blobs, CreatedAt: utc(d.CreatedAt)}
}

// chargeDoc is one upload's charge in its owner's record.
type chargeDoc struct {
	Bytes int64 `bson:"bytes"`
	Docs  int64 `bson:"docs"`
}

// migrateUploads creates the uploads collection and its indexes
// (idempotent).
func migrateUploads(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collUploads); err != nil {
		return err
	}
	return s.createIndexes(ctx, []index{
		// ListUploads: the oldest intents first.
		{collUploads, "created", bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}, false},
		// BlobClaimed.
		{collUploads, "blobs", bson.D{{Key: "blobs", Value: 1}}, false},
	})
}

func uploadNotFound(id string) error {
	return newErr(kerr.NotFound, "upload_not_found", "Không tìm thấy phiên tải lên.", "upload "+id, nil)
}

// BeginUpload implements archive.UploadStore: the insert, then the charge;
// a refused charge deletes the intent again.
func (s *Store) BeginUpload(ctx context.Context, in archive.UploadIntent, limit int64) error {
	d := uploadDoc{ID: in.ID, OwnerID: in.OwnerID, DocumentID: in.DocumentID, NewDocument: in.NewDocument,
		Actor: in.Actor, Bytes: in.Bytes, Docs: in.Docs, Blobs: in.Blobs, CreatedAt: utc(in.CreatedAt)}
	if d.Blobs == nil {
		d.Blobs = []string{}
	}
	_, err := s.uploads.InsertOne(ctx, d)
	if isDup(err) {
		return newErr(kerr.Conflict, "upload_exists", "Phiên tải lên đã tồn tại.", "begin upload "+in.ID, err)
	}
	if err != nil {
		return classify(err, "begin upload")
	}
	if in.Bytes == 0 && in.Docs == 0 {
		return nil
	}
	err = s.ChargeUpload(ctx, in.OwnerID, in.ID, in.Bytes, in.Docs, limit)
	if kerr.IsKind(err, kerr.TooLarge) || kerr.IsKind(err, kerr.NotFound) {
		if derr := s.DeleteUploads(context.WithoutCancel(ctx), in.ID); derr != nil {
			s.log.Warn("mongo: refused upload's intent not deleted; the collector will", "upload", in.ID, "err", derr)
		}
	}
	return err
}

// ChargeUpload implements archive.UploadStore in one update whose filter
// holds "not charged yet" and, with a limit, the quota.
func (s *Store) ChargeUpload(ctx context.Context, ownerID, id string, bytes, docs, limit int64) error {
	field := "charges." + id
	filter, _ := withQuota(bson.D{{Key: "_id", Value: ownerID}, {Key: field, Value: bson.D{{Key: "$exists", Value: false}}}}, bytes, limit)
	var res *mongo.UpdateResult
	err := s.guard(ctx, collOwners+"/"+ownerID, func() (err error) {
		res, err = s.owners.UpdateOne(ctx, filter, bson.D{
			usageInc(bytes, docs),
			{Key: "$set", Value: bson.D{{Key: field, Value: chargeDoc{Bytes: bytes, Docs: docs}}}},
		})
		return err
	})
	if err != nil {
		return classify(err, "charge upload")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	// No match: no owner, charged already, or over the quota.
	var o struct {
		Charges map[string]chargeDoc `bson:"charges"`
	}
	err = s.owners.FindOne(ctx, bson.D{{Key: "_id", Value: ownerID}}, options.FindOne().SetProjection(bson.D{{Key: field, Value: 1}})).Decode(&o)
	switch {
	case isNoDoc(err):
		return ownerNotFound(ownerID, "charge upload", nil)
	case err != nil:
		return classify(err, "charge upload")
	}
	if _, ok := o.Charges[id]; ok {
		return nil
	}
	return kerr.New(kerr.TooLarge, "quota_exceeded", "Vượt quá dung lượng lưu trữ cho phép.",
		"mongo: owner %s: adding %d bytes would exceed the limit of %d bytes", ownerID, bytes, limit)
}

// SettleUpload implements archive.UploadStore: to give a charge back it
// reads the charge, then unsets it and gives it back in one update that
// matches only while the charge is there, so that two settlements give it
// back once; keeping it is KeepUploads.
func (s *Store) SettleUpload(ctx context.Context, ownerID, id string, release bool) error {
	if !release {
		return s.KeepUploads(ctx, ownerID, []string{id})
	}
	field := "charges." + id
	var o struct {
		Charges map[string]chargeDoc `bson:"charges"`
	}
	err := s.owners.FindOne(ctx, bson.D{{Key: "_id", Value: ownerID}}, options.FindOne().SetProjection(bson.D{{Key: field, Value: 1}})).Decode(&o)
	switch {
	case isNoDoc(err):
		return ownerNotFound(ownerID, "settle upload", nil)
	case err != nil:
		return classify(err, "settle upload")
	}
	c, ok := o.Charges[id]
	if !ok {
		return nil
	}
	update := bson.D{{Key: "$unset", Value: bson.D{{Key: field, Value: ""}}}, usageInc(-c.Bytes, -c.Docs)}
	err = s.guard(ctx, collOwners+"/"+ownerID, func() error {
		_, err := s.owners.UpdateOne(ctx, bson.D{{Key: "_id", Value: ownerID}, {Key: field, Value: bson.D{{Key: "$exists", Value: true}}}}, update)
		return err
	})
	return classify(err, "settle upload")
}

// KeepUploads implements archive.UploadStore: one $unset of the charges
// (unsetting a field that is not there changes nothing).
func (s *Store) KeepUploads(ctx context.Context, ownerID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	unset := make(bson.D, len(ids))
	for i, id := range ids {
		unset[i] = bson.E{Key: "charges." + id, Value: ""}
	}
	var res *mongo.UpdateResult
	err := s.guard(ctx, collOwners+"/"+ownerID, func() (err error) {
		res, err = s.owners.UpdateOne(ctx, bson.D{{Key: "_id", Value: ownerID}}, bson.D{{Key: "$unset", Value: unset}})
		return err
	})
	if err != nil {
		return classify(err, "keep uploads")
	}
	if res.MatchedCount == 0 {
		return ownerNotFound(ownerID, "keep uploads", nil)
	}
	return nil
}

// ClaimBlob implements archive.UploadStore with $addToSet.
func (s *Store) ClaimBlob(ctx context.Context, id, hash string) error {
	res, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "blobs", Value: hash}}}})
	if err != nil {
		return classify(err, "claim blob")
	}
	if res.MatchedCount == 0 {
		return uploadNotFound(id)
	}
	return nil
}

// DeleteUploads implements archive.UploadStore.
func (s *Store) DeleteUploads(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.uploads.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return classify(err, "delete uploads")
}

// ListUploads implements archive.UploadStore on the index "created".
func (s *Store) ListUploads(ctx context.Context, before time.Time, after archive.UploadCursor, limit int) ([]archive.UploadIntent, error) {
	if limit < 1 || limit > 1000 {
		return nil, invalidQuery("ListUploads limit %d not in 1..1000", limit)
	}
	filter := bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: utc(before)}}}}
	if !after.CreatedAt.IsZero() || after.ID != "" {
		at := utc(after.CreatedAt)
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: "createdAt", Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
		}})
	}
	return findAll(ctx, s.uploads, "list uploads", filter, uploadDoc.intent, options.Find().
		SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)))
}

// BlobClaimed implements archive.UploadStore on the index "blobs".
func (s *Store) BlobClaimed(ctx context.Context, hash string, since time.Time) (bool, error) {
	err := s.uploads.FindOne(ctx, bson.D{{Key: "blobs", Value: hash}, {Key: "createdAt", Value: bson.D{{Key: "$gte", Value: utc(since)}}}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if isNoDoc(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, "blob claimed")
	}
	return true, nil
}
