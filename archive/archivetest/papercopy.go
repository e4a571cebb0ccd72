package archivetest

import (
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// paperCopy is a record of a paper copy of document doc, its blob named by blob.
func paperCopy(ids *IDs, code, doc, blob string, i int) archive.PaperCopy {
	return archive.PaperCopy{ID: ids.New(), Code: code, OwnerID: "001099012345", DocumentID: doc, Version: 2,
		Original: blobOf("original " + doc), Blob: blobOf(blob), Size: 12345, Pages: 3, By: "canbo-luutru", ByRole: archive.RoleStaff,
		Officer: archive.PaperOfficer{Name: "Trần Thị Lưu", Position: "Cán bộ lưu trữ", Agency: "Ủy ban nhân dân phường Kinh Bắc"},
		At:      when(i), Verdict: signing.TotalPassed}
}

// testPaperCopyAddGet: a record comes back whole by its code (times in
// UTC milliseconds, Vietnamese byte for byte); an unknown code is NotFound.
func testPaperCopyAddGet(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	c := paperCopy(ids, "ABCD2345EF", "doc-a", "copy 1", 0)
	if err := s.AddPaperCopy(ctx, c); err != nil {
		t.Fatalf("AddPaperCopy: %v", err)
	}
	got, err := s.PaperCopyByCode(ctx, c.Code)
	if err != nil {
		t.Fatalf("PaperCopyByCode: %v", err)
	}
	want := c
	want.At = ms(c.At)
	same(t, "PaperCopyByCode", got, want)
	_, err = s.PaperCopyByCode(ctx, "ZZZZ2345EF")
	isKind(t, "PaperCopyByCode(unknown)", err, kerr.NotFound, "")
}

// testPaperCopyDuplicate: a second record with the same ID or the same
// code is a Conflict and changes nothing.
func testPaperCopyDuplicate(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	c := paperCopy(ids, "ABCD2345EF", "doc-a", "copy 1", 0)
	if err := s.AddPaperCopy(ctx, c); err != nil {
		t.Fatalf("AddPaperCopy: %v", err)
	}
	sameCode := paperCopy(ids, c.Code, "doc-b", "copy 2", 1)
	isKind(t, "AddPaperCopy(same code)", s.AddPaperCopy(ctx, sameCode), kerr.Conflict, "")
	sameID := paperCopy(ids, "QRST6789XY", "doc-b", "copy 3", 2)
	sameID.ID = c.ID
	isKind(t, "AddPaperCopy(same ID)", s.AddPaperCopy(ctx, sameID), kerr.Conflict, "")
	got, err := s.PaperCopyByCode(ctx, c.Code)
	if err != nil {
		t.Fatalf("PaperCopyByCode: %v", err)
	}
	if got.DocumentID != "doc-a" {
		t.Errorf("the record of code %s was replaced: %+v", c.Code, got)
	}
	if _, err := s.PaperCopyByCode(ctx, "QRST6789XY"); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("a refused record was stored: %v", err)
	}
}

// testPaperCopyBlobReferenced: the blob of any record is referenced,
// another is not; two prints may share a blob.
func testPaperCopyBlobReferenced(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	for i, code := range []string{"ABCD2345EF", "BCDE3456FG"} {
		if err := s.AddPaperCopy(ctx, paperCopy(ids, code, "doc-a", "shared copy", i)); err != nil {
			t.Fatalf("AddPaperCopy %s: %v", code, err)
		}
	}
	for blob, want := range map[string]bool{blobOf("shared copy"): true, blobOf("other"): false, blobOf("original doc-a"): false} {
		got, err := s.PaperCopyBlobReferenced(ctx, blob)
		if err != nil {
			t.Fatalf("PaperCopyBlobReferenced: %v", err)
		}
		if got != want {
			t.Errorf("PaperCopyBlobReferenced(%s) = %v, want %v", blob[:8], got, want)
		}
	}
}
