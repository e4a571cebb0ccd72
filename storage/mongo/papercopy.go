package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// collPaperCopies holds the records of paper copies (archive.PaperCopy),
// one per print, _id the record's ID.
const collPaperCopies = "paper_copies"

// indexesPaperCopies: PaperCopyByCode (unique code) and
// PaperCopyBlobReferenced (blob).
var indexesPaperCopies = []index{
	{collPaperCopies, "code", bson.D{{Key: "code", Value: 1}}, true},
	{collPaperCopies, "blob", bson.D{{Key: "blob", Value: 1}}, false},
	{collPaperCopies, "document_id", bson.D{{Key: "documentId", Value: 1}, {Key: "_id", Value: -1}}, false},
}

// migratePaperCopies creates the collection and its indexes (idempotent).
func migratePaperCopies(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collPaperCopies); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesPaperCopies)
}

// paperCopyDoc is archive.PaperCopy as stored.
type paperCopyDoc struct {
	ID         string    `bson:"_id"`
	Code       string    `bson:"code"`
	OwnerID    string    `bson:"ownerId"`
	DocumentID string    `bson:"documentId"`
	Version    int       `bson:"version"`
	Original   string    `bson:"original"`
	Blob       string    `bson:"blob"`
	Size       int64     `bson:"size"`
	Pages      int       `bson:"pages"`
	By         string    `bson:"by"`
	ByRole     string    `bson:"byRole"`
	Officer    string    `bson:"officer"`
	Position   string    `bson:"position,omitempty"`
	Agency     string    `bson:"agency,omitempty"`
	At         time.Time `bson:"at"`
	Verdict    string    `bson:"verdict"`
}

// AddPaperCopy inserts c. Conflict if c.ID or c.Code exists.
func (s *Store) AddPaperCopy(ctx context.Context, c archive.PaperCopy) error {
	d := paperCopyDoc{ID: c.ID, Code: c.Code, OwnerID: c.OwnerID, DocumentID: c.DocumentID, Version: c.Version, Original: c.Original,
		Blob: c.Blob, Size: c.Size, Pages: c.Pages, By: c.By, ByRole: string(c.ByRole), Officer: c.Officer.Name,
		Position: c.Officer.Position, Agency: c.Officer.Agency, At: utc(c.At), Verdict: string(c.Verdict)}
	_, err := s.db.Collection(collPaperCopies).InsertOne(ctx, d)
	if isDup(err) {
		return newErr(kerr.Conflict, "paper_copy_exists", "Bản chuyển đổi đã được ghi nhận.", "add paper copy "+c.ID, err)
	}
	if err != nil {
		return classify(err, "add paper copy")
	}
	return nil
}

// PaperCopyByCode returns the record with that code. NotFound if none.
func (s *Store) PaperCopyByCode(ctx context.Context, code string) (archive.PaperCopy, error) {
	var d paperCopyDoc
	err := s.db.Collection(collPaperCopies).FindOne(ctx, bson.D{{Key: "code", Value: code}}).Decode(&d)
	if isNoDoc(err) {
		return archive.PaperCopy{}, newErr(kerr.NotFound, "paper_copy_not_found", "Không tìm thấy bản chuyển đổi.", "get paper copy "+code, err)
	}
	if err != nil {
		return archive.PaperCopy{}, classify(err, "get paper copy")
	}
	return archive.PaperCopy{ID: d.ID, Code: d.Code, OwnerID: d.OwnerID, DocumentID: d.DocumentID, Version: d.Version, Original: d.Original,
		Blob: d.Blob, Size: d.Size, Pages: d.Pages, By: d.By, ByRole: archive.Role(d.ByRole),
		Officer: archive.PaperOfficer{Name: d.Officer, Position: d.Position, Agency: d.Agency}, At: utc(d.At), Verdict: signing.Verdict(d.Verdict)}, nil
}

// PaperCopyBlobReferenced reports whether a paper copy's blob is blob.
func (s *Store) PaperCopyBlobReferenced(ctx context.Context, blob string) (bool, error) {
	err := s.db.Collection(collPaperCopies).FindOne(ctx, bson.D{{Key: "blob", Value: blob}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if isNoDoc(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, "paper copy blob referenced")
	}
	return true, nil
}
