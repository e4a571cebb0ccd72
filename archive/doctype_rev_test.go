package archive_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestRenameDocumentType: only an admin renames a type, only over the
// revision they saw; the schema stays as stored; a rename always makes a
// new revision, so the same form again is stale.
func TestRenameDocumentType(t *testing.T) {
	v := newVault(t, archive.Config{})
	ctx := context.Background()
	before, err := v.DocumentType(ctx, admin, "KHAI_SINH")
	if err != nil {
		t.Fatal(err)
	}
	rev := archive.TypeRev(before)
	_, err = v.RenameDocumentType(ctx, staff, "KHAI_SINH", "Tên mới", "", rev)
	wantCode(t, err, "admin_only")
	_, err = v.RenameDocumentType(ctx, admin, "KHAI_SINH", "Tên mới", "", rev+1)
	wantCode(t, err, "document_type_changed")
	_, err = v.RenameDocumentType(ctx, admin, "KHONG_CO", "Tên mới", "", rev)
	wantCode(t, err, "document_type_not_found")
	_, err = v.RenameDocumentType(ctx, admin, "KHAI_SINH", "", "", rev)
	if err == nil {
		t.Error("an empty name was stored")
	}
	got, err := v.RenameDocumentType(ctx, admin, "KHAI_SINH", "Giấy khai sinh (bản điện tử)", "Cấp khi đăng ký khai sinh.", rev)
	wantCode(t, err, "")
	after, _ := v.DocumentType(ctx, admin, "KHAI_SINH")
	if after.Name != "Giấy khai sinh (bản điện tử)" || after.Description != "Cấp khi đăng ký khai sinh." || archive.TypeRev(after) != archive.TypeRev(got) || archive.TypeRev(got) <= rev {
		t.Errorf("stored %+v", after)
	}
	if string(after.Schema) != string(before.Schema) || len(after.Fields) != len(before.Fields) || (after.SchemaRef == nil) != (before.SchemaRef == nil) {
		t.Error("the rename changed the schema")
	}
	_, err = v.RenameDocumentType(ctx, admin, "KHAI_SINH", "Lần hai", "", rev)
	wantCode(t, err, "document_type_changed")
}
