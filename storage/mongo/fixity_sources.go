package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
)

// indexesFixitySources: the pending batches of digitisation by their PDF's
// blob (then _id), so that fixity walks them in hash order without reading
// the confirmed ones (PendingScanBlobs, PendingScanBlobUsers). The
// renditions and paper copies have their "blob" indexes already.
var indexesFixitySources = []index{
	{collScans, "status_blob_id", bson.D{{Key: "status", Value: 1}, {Key: "blob", Value: 1}, {Key: "_id", Value: 1}}, false},
}

// migrateFixitySources creates the index above (idempotent).
func migrateFixitySources(ctx context.Context, s *Store) error {
	return s.createIndexes(ctx, indexesFixitySources)
}

// pendingFilter narrows a filter to the pending batches.
var pendingFilter = bson.E{Key: "status", Value: string(archive.ScanPending)}

// distinctBlobs returns the distinct values of "blob" in coll greater than
// after, increasing, at most limit, among the records filter matches.
// Each round is one find sorted on the blob index, limit records long;
// the next round starts after the last hash read, so a hash that many
// records share costs one round, not one per record.
func distinctBlobs(ctx context.Context, coll *mongo.Collection, op string, filter bson.D, after string, limit int) ([]string, error) {
	if err := fixityLimit(op, limit); err != nil {
		return nil, err
	}
	type blobDoc struct {
		Blob string `bson:"blob"`
	}
	var out []string
	lo := after
	for len(out) < limit {
		f := append(bson.D{}, filter...)
		f = append(f, bson.E{Key: "blob", Value: bson.D{{Key: "$gt", Value: lo}}})
		page, err := findAll(ctx, coll, op, f, func(d blobDoc) string { return d.Blob },
			options.Find().SetSort(bson.D{{Key: "blob", Value: 1}}).SetLimit(int64(limit)).
				SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "blob", Value: 1}}))
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			if len(out) < limit && h > lo && (len(out) == 0 || h != out[len(out)-1]) {
				out = append(out, h)
			}
		}
		if len(page) < limit {
			break
		}
		lo = page[len(page)-1]
	}
	return out, nil
}

// recordUsers is a blob's records (id, document, owner) in _id order.
type recordUsers struct {
	ID         string `bson:"_id"`
	DocumentID string `bson:"documentId"`
	OwnerID    string `bson:"ownerId"`
}

// blobUsersOf returns the records of coll whose blob is blob, by _id, at
// most limit, as BlobUsers of kind via.
func blobUsersOf(ctx context.Context, coll *mongo.Collection, op, via, blob string, limit int) ([]archive.BlobUser, error) {
	if err := fixityLimit(op, limit); err != nil {
		return nil, err
	}
	return findAll(ctx, coll, op, bson.D{{Key: "blob", Value: blob}},
		func(d recordUsers) archive.BlobUser {
			return archive.BlobUser{DocumentID: d.DocumentID, OwnerID: d.OwnerID, Via: via, RecordID: d.ID}
		},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
			SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "documentId", Value: 1}, {Key: "ownerId", Value: 1}}))
}

// RenditionBlobs walks the renditions' "blob" index.
func (s *Store) RenditionBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return distinctBlobs(ctx, s.db.Collection(collRenditions), "rendition blobs", nil, after, limit)
}

// RenditionBlobUsers reads a blob's renditions through the "blob" index.
func (s *Store) RenditionBlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	return blobUsersOf(ctx, s.db.Collection(collRenditions), "rendition blob users", archive.ViaRendition, blob, limit)
}

// PaperCopyBlobs walks the paper copies' "blob" index.
func (s *Store) PaperCopyBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return distinctBlobs(ctx, s.db.Collection(collPaperCopies), "paper copy blobs", nil, after, limit)
}

// PaperCopyBlobUsers reads a blob's paper copies through the "blob" index.
func (s *Store) PaperCopyBlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	return blobUsersOf(ctx, s.db.Collection(collPaperCopies), "paper copy blob users", archive.ViaPaperCopy, blob, limit)
}

// PendingScanBlobs walks the scans' "status_blob_id" index.
func (s *Store) PendingScanBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return distinctBlobs(ctx, s.scans(), "pending scan blobs", bson.D{pendingFilter}, after, limit)
}

// PendingScanBlobUsers reads a blob's pending batches through the
// "status_blob_id" index; the owner is in the batch's body.
func (s *Store) PendingScanBlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	const op = "pending scan blob users"
	if err := fixityLimit(op, limit); err != nil {
		return nil, err
	}
	ds, err := findAll(ctx, s.scans(), op, bson.D{pendingFilter, {Key: "blob", Value: blob}},
		func(d scanDoc) scanDoc { return d },
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := make([]archive.BlobUser, 0, len(ds))
	for _, d := range ds {
		sc, err := d.scan()
		if err != nil {
			return nil, err
		}
		out = append(out, archive.BlobUser{OwnerID: sc.OwnerID, Via: archive.ViaScan, RecordID: sc.ID})
	}
	return out, nil
}
