package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// PutDocumentType inserts or replaces the type with t.Code.
func (s *Store) PutDocumentType(ctx context.Context, t archive.DocumentType) error {
	_, err := s.doctypes.ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.Code}}, fromDocType(t), options.Replace().SetUpsert(true))
	if isDup(err) {
		// Two concurrent upserts of a new code: the loser retries as a replace.
		_, err = s.doctypes.ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.Code}}, fromDocType(t))
	}
	return classify(err, "put document type")
}

// GetDocumentType returns one type. NotFound if none.
func (s *Store) GetDocumentType(ctx context.Context, code string) (archive.DocumentType, error) {
	var d docTypeDoc
	err := s.doctypes.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if isNoDoc(err) {
		return archive.DocumentType{}, newErr(kerr.NotFound, "document_type_not_found", "Không tìm thấy loại giấy tờ.", "get document type "+code, err)
	}
	if err != nil {
		return archive.DocumentType{}, classify(err, "get document type")
	}
	return d.docType(), nil
}

// ListDocumentTypes returns all types ordered by Code.
func (s *Store) ListDocumentTypes(ctx context.Context) ([]archive.DocumentType, error) {
	cur, err := s.doctypes.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, "list document types")
	}
	var ds []docTypeDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list document types")
	}
	out := make([]archive.DocumentType, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.docType())
	}
	return out, nil
}

// PutProcedure inserts or replaces the procedure with p.Code.
func (s *Store) PutProcedure(ctx context.Context, p archive.Procedure) error {
	_, err := s.procedures.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.Code}}, fromProcedure(p), options.Replace().SetUpsert(true))
	if isDup(err) {
		_, err = s.procedures.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.Code}}, fromProcedure(p))
	}
	return classify(err, "put procedure")
}

// GetProcedure returns one procedure. NotFound if none.
func (s *Store) GetProcedure(ctx context.Context, code string) (archive.Procedure, error) {
	var d procedureDoc
	err := s.procedures.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if isNoDoc(err) {
		return archive.Procedure{}, newErr(kerr.NotFound, "procedure_not_found", "Không tìm thấy thủ tục hành chính.", "get procedure "+code, err)
	}
	if err != nil {
		return archive.Procedure{}, classify(err, "get procedure")
	}
	return d.procedure(), nil
}

// ListProcedures returns all procedures ordered by Code.
func (s *Store) ListProcedures(ctx context.Context) ([]archive.Procedure, error) {
	cur, err := s.procedures.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, "list procedures")
	}
	var ds []procedureDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list procedures")
	}
	out := make([]archive.Procedure, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.procedure())
	}
	return out, nil
}
