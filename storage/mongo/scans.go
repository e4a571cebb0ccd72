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

// collScans holds the batches of digitisation (archive.Scan): the fields
// the store filters on beside the batch as JSON.
const collScans = "scans"

// indexesScans serve ExpiredScans (pending batches by expiry) and
// ScanBlobPending (a blob's pending batches).
var indexesScans = []index{
	{collScans, "status_expires", bson.D{{Key: "status", Value: 1}, {Key: "expiresAt", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collScans, "blob_status", bson.D{{Key: "blob", Value: 1}, {Key: "status", Value: 1}}, false},
}

// migrateScans creates the batches' collection and its indexes.
func migrateScans(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collScans); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesScans)
}

// scanDoc is a batch as stored.
type scanDoc struct {
	ID        string    `bson:"_id"`
	Rev       int64     `bson:"rev"`
	Status    string    `bson:"status"`
	ExpiresAt time.Time `bson:"expiresAt"`
	Blob      string    `bson:"blob"`
	Body      string    `bson:"body"`
}

func (s *Store) scans() *mongo.Collection { return s.db.Collection(collScans) }

func scanToDoc(sc archive.Scan) (scanDoc, error) {
	sc.CreatedAt, sc.ExpiresAt = utc(sc.CreatedAt), utc(sc.ExpiresAt)
	if !sc.ConfirmedAt.IsZero() {
		sc.ConfirmedAt = utc(sc.ConfirmedAt)
	}
	body, err := encodeBody(sc, "scan")
	return scanDoc{ID: sc.ID, Rev: sc.Rev, Status: string(sc.Status), ExpiresAt: sc.ExpiresAt, Blob: sc.Blob, Body: body}, err
}

func (d scanDoc) scan() (archive.Scan, error) {
	var sc archive.Scan
	err := decodeBody(d.Body, "scan", &sc)
	return sc, err
}

// PutScan inserts sc. Conflict if a batch sc.ID exists.
func (s *Store) PutScan(ctx context.Context, sc archive.Scan) error {
	d, err := scanToDoc(sc)
	if err != nil {
		return err
	}
	if _, err := s.scans().InsertOne(ctx, d); err != nil {
		if isDup(err) {
			return newErr(kerr.Conflict, "scan_exists", "Lô trang quét đã tồn tại.", "put scan "+sc.ID, err)
		}
		return classify(err, "put scan")
	}
	return nil
}

// GetScan returns the batch id. NotFound if none.
func (s *Store) GetScan(ctx context.Context, id string) (archive.Scan, error) {
	var d scanDoc
	err := s.scans().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return archive.Scan{}, newErr(kerr.NotFound, "scan_not_found", "Không tìm thấy lô trang quét.", "get scan "+id, err)
	}
	if err != nil {
		return archive.Scan{}, classify(err, "get scan")
	}
	return d.scan()
}

// ConfirmScan marks pending batch id confirmed when its rev is rev: one
// conditional replacement of the record, under the record's write lock
// on a server whose conditional writes are not atomic (FerretDB: guard).
func (s *Store) ConfirmScan(ctx context.Context, id string, rev int64, documentID, by string, at time.Time) (archive.Scan, error) {
	sc, err := s.GetScan(ctx, id)
	if err != nil {
		return archive.Scan{}, err
	}
	if sc.Rev != rev || sc.Status != archive.ScanPending {
		return archive.Scan{}, scanChanged(id, nil)
	}
	sc.Rev, sc.Status, sc.DocumentID, sc.ConfirmedBy, sc.ConfirmedAt = rev+1, archive.ScanConfirmed, documentID, by, at
	d, err := scanToDoc(sc)
	if err != nil {
		return archive.Scan{}, err
	}
	var res *mongo.UpdateResult
	err = s.guard(ctx, collScans+"/"+id, func() (err error) {
		res, err = s.scans().ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}, {Key: "status", Value: string(archive.ScanPending)}}, d)
		return err
	})
	if err != nil {
		return archive.Scan{}, classify(err, "confirm scan")
	}
	if res.MatchedCount == 0 {
		return archive.Scan{}, scanChanged(id, nil)
	}
	return d.scan()
}

func scanChanged(id string, err error) error {
	return newErr(kerr.Conflict, "scan_changed", "Lô trang quét đã được xác nhận hoặc thay đổi.", "scan "+id+" is not pending at the revision", err)
}

// DeleteScan removes batch id if it is pending at rev.
func (s *Store) DeleteScan(ctx context.Context, id string, rev int64) error {
	var res *mongo.DeleteResult
	err := s.guard(ctx, collScans+"/"+id, func() (err error) {
		res, err = s.scans().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}, {Key: "status", Value: string(archive.ScanPending)}})
		return err
	})
	if err != nil {
		return classify(err, "delete scan")
	}
	if res.DeletedCount == 1 {
		return nil
	}
	if _, err := s.GetScan(ctx, id); err != nil {
		return err
	}
	return scanChanged(id, nil)
}

// ExpiredScans returns pending batches that expired before before, oldest
// first, through the index on (status, expiresAt, _id).
func (s *Store) ExpiredScans(ctx context.Context, before time.Time, limit int) ([]archive.Scan, error) {
	limit = max(1, min(limit, 1000))
	cur, err := s.scans().Find(ctx,
		bson.D{{Key: "status", Value: string(archive.ScanPending)}, {Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: utc(before)}}}},
		options.Find().SetSort(bson.D{{Key: "status", Value: 1}, {Key: "expiresAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, classify(err, "expired scans")
	}
	var ds []scanDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "expired scans")
	}
	out := make([]archive.Scan, 0, len(ds))
	for _, d := range ds {
		sc, err := d.scan()
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// ScanBlobPending reports whether a pending batch's PDF is the blob hash,
// through the index on (blob, status).
func (s *Store) ScanBlobPending(ctx context.Context, hash string) (bool, error) {
	err := s.scans().FindOne(ctx, bson.D{{Key: "blob", Value: hash}, {Key: "status", Value: string(archive.ScanPending)}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if isNoDoc(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, "scan blob pending")
	}
	return true, nil
}
