package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// collRenditions holds the renditions of versions (archive.Rendition),
// one per key (its _id).
const collRenditions = "renditions"

// indexesRenditions serve ListRenditions (a document's renditions in key
// order) and RenditionBlobReferenced (the collector's check of a blob).
var indexesRenditions = []index{
	{collRenditions, "document_key", bson.D{{Key: "documentId", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collRenditions, "blob", bson.D{{Key: "blob", Value: 1}}, false},
}

// migrateRenditions creates the renditions and their indexes (idempotent).
func migrateRenditions(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collRenditions); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesRenditions)
}

// renditionDoc is a rendition as stored.
type renditionDoc struct {
	Key        string    `bson:"_id"`
	DocumentID string    `bson:"documentId"`
	OwnerID    string    `bson:"ownerId"`
	Version    int       `bson:"version"`
	Source     string    `bson:"source"`
	Target     string    `bson:"target"`
	Blob       string    `bson:"blob"`
	Size       int64     `bson:"size"`
	MediaType  string    `bson:"mediaType"`
	FileName   string    `bson:"fileName"`
	Converter  string    `bson:"converter"`
	CreatedBy  string    `bson:"createdBy"`
	CreatedAt  time.Time `bson:"createdAt"`
}

func fromRendition(r archive.Rendition) renditionDoc {
	return renditionDoc{Key: r.Key, DocumentID: r.DocumentID, OwnerID: r.OwnerID, Version: r.Version, Source: r.Source,
		Target: string(r.Target), Blob: r.Blob, Size: r.Size, MediaType: r.MediaType, FileName: r.FileName,
		Converter: r.Converter, CreatedBy: r.CreatedBy, CreatedAt: utc(r.CreatedAt)}
}

func (d renditionDoc) rendition() archive.Rendition {
	return archive.Rendition{Key: d.Key, DocumentID: d.DocumentID, OwnerID: d.OwnerID, Version: d.Version, Source: d.Source,
		Target: archive.Target(d.Target), Blob: d.Blob, Size: d.Size, MediaType: d.MediaType, FileName: d.FileName,
		Converter: d.Converter, CreatedBy: d.CreatedBy, CreatedAt: utc(d.CreatedAt)}
}

// AddRendition inserts r unless a rendition with r.Key exists; the unique
// _id decides between concurrent adds.
func (s *Store) AddRendition(ctx context.Context, r archive.Rendition) (archive.Rendition, bool, error) {
	r.CreatedAt = utc(r.CreatedAt)
	_, err := s.db.Collection(collRenditions).InsertOne(ctx, fromRendition(r))
	if err == nil {
		return r, true, nil
	}
	if !isDup(err) {
		return archive.Rendition{}, false, classify(err, "add rendition")
	}
	got, err := s.GetRendition(ctx, r.Key)
	return got, false, err
}

// GetRendition returns the rendition with that key. NotFound if none.
func (s *Store) GetRendition(ctx context.Context, key string) (archive.Rendition, error) {
	var d renditionDoc
	err := s.db.Collection(collRenditions).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if isNoDoc(err) {
		return archive.Rendition{}, newErr(kerr.NotFound, "rendition_not_found", "Không tìm thấy bản chuyển đổi của giấy tờ.", "get rendition "+key, err)
	}
	if err != nil {
		return archive.Rendition{}, classify(err, "get rendition")
	}
	return d.rendition(), nil
}

// ListRenditions returns a document's renditions in key order (index
// document_key).
func (s *Store) ListRenditions(ctx context.Context, documentID string) ([]archive.Rendition, error) {
	return findAll(ctx, s.db.Collection(collRenditions), "list renditions",
		bson.D{{Key: "documentId", Value: documentID}}, renditionDoc.rendition,
		options.Find().SetSort(bson.D{{Key: "documentId", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(1000))
}

// RenditionBlobReferenced reports whether a rendition's blob is blob
// (index blob).
func (s *Store) RenditionBlobReferenced(ctx context.Context, blob string) (bool, error) {
	n, err := s.db.Collection(collRenditions).CountDocuments(ctx, bson.D{{Key: "blob", Value: blob}}, options.Count().SetLimit(1))
	if err != nil {
		return false, classify(err, "rendition blob referenced")
	}
	return n > 0, nil
}
