package archive

import (
	"context"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// TypeRev is the revision of a document type that a form carries to
// change it: its UpdatedAt in Unix milliseconds.
func TypeRev(t DocumentType) int64 { return t.UpdatedAt.UnixMilli() }

// RenameDocumentType changes the name and description of the catalogue
// entry code (admin), its schema left as stored, if it is still at
// revision rev (TypeRev): NotFound "document_type_not_found"; Conflict
// "document_type_changed" at another revision; Invalid as PutDocumentType.
// The check and the write are two store calls: two admins saving within
// the same instant may both pass (the store has no conditional write of
// the catalogue).
func (s *Service) RenameDocumentType(ctx context.Context, a Actor, code, name, description string, rev int64) (DocumentType, error) {
	if err := checkAdmin(a); err != nil {
		return DocumentType{}, err
	}
	if !catalogCode.MatchString(code) {
		return DocumentType{}, kerr.New(kerr.NotFound, "document_type_not_found", "Không tìm thấy loại giấy tờ trong danh mục.", "no document type %q", code)
	}
	t, err := s.store.GetDocumentType(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		return DocumentType{}, kerr.New(kerr.NotFound, "document_type_not_found", "Không tìm thấy loại giấy tờ trong danh mục.", "no document type %q", code)
	}
	if err != nil {
		return DocumentType{}, storeErr("get document type", err)
	}
	if TypeRev(t) != rev {
		return DocumentType{}, kerr.New(kerr.Conflict, "document_type_changed", "Loại giấy tờ vừa được người khác thay đổi; hãy tải lại trang và thử lại.",
			"document type %q is at revision %d, not %d", code, TypeRev(t), rev)
	}
	prev := t.UpdatedAt
	t.Name, t.Description = name, description
	if t, err = validateDocumentType(t); err != nil {
		return DocumentType{}, err
	}
	t.UpdatedAt = s.nowUTC()
	if !t.UpdatedAt.After(prev) {
		t.UpdatedAt = prev.Add(time.Millisecond) // a new revision even within the same millisecond
	}
	if err := s.store.PutDocumentType(ctx, t); err != nil {
		return DocumentType{}, storeErr("put document type", err)
	}
	return legacyType(t), nil
}
