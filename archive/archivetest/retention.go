package archivetest

import (
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// retention returns a record of document id due on until ("" permanent).
func retention(id, until string, st archive.RetentionState) archive.RetentionRecord {
	r := archive.RetentionRecord{DocumentID: id, OwnerID: "001203012345", TypeCode: "KHAC", Source: archive.SourceComponent,
		Name: "Giấy tờ " + id, Base: day("2020-02-29"), State: st, UpdatedAt: when(0),
		Holds: []archive.HoldEvent{{Placed: true, Reason: "Thanh tra – lý do có dấu", By: "canbo", At: when(1)}}}
	if until == "" {
		r.Permanent = true
	} else {
		r.RetainUntil = day(until)
	}
	return r
}

func mustPutRetention(t *testing.T, s archive.Store, r archive.RetentionRecord) archive.RetentionRecord {
	t.Helper()
	if err := s.PutRetention(t.Context(), r, 0); err != nil {
		t.Fatalf("PutRetention(%s): %v", r.DocumentID, err)
	}
	r = r.Normalized()
	r.Rev = 1
	return r
}

func recIDs(rs []archive.RetentionRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.DocumentID
	}
	return out
}

// testRetentionPutGet: insert once, read back whole, replace only at the
// stored Rev.
func testRetentionPutGet(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, err := s.GetRetention(ctx, "nope")
	isKind(t, "GetRetention of none", err, kerr.NotFound, "")
	r := mustPutRetention(t, s, retention("d1", "2030-01-01", archive.RetentionKept))
	got, err := s.GetRetention(ctx, "d1")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "record", got, r)
	isKind(t, "second insert", s.PutRetention(ctx, r, 0), kerr.Conflict, "")

	r.State, r.Hold = archive.RetentionHeld, &archive.Hold{Reason: "Tòa án yêu cầu", Reference: "12/2026/QĐ-TA", By: "canbo", At: ms(when(2))}
	if err := s.PutRetention(ctx, r, 1); err != nil {
		t.Fatalf("update at rev 1: %v", err)
	}
	isKind(t, "update at a stale rev", s.PutRetention(ctx, r, 1), kerr.Conflict, "")
	got, _ = s.GetRetention(ctx, "d1")
	r.Rev = 2
	same(t, "record after update", got, r)
	missing := retention("d-missing", "2030-01-01", archive.RetentionKept)
	isKind(t, "update of none", s.PutRetention(ctx, missing, 3), kerr.NotFound, "")
}

// testRetentionDue: the due range is state "kept", not permanent, on or
// before the day, in (RetainUntil, DocumentID) order from the cursor.
func testRetentionDue(t *testing.T, s archive.Store) {
	ctx := t.Context()
	for _, r := range []archive.RetentionRecord{
		retention("a2", "2024-01-01", archive.RetentionKept),
		retention("a1", "2024-01-01", archive.RetentionKept),
		retention("b", "2023-06-30", archive.RetentionKept),
		retention("c", "2024-01-02", archive.RetentionKept),     // after the day
		retention("h", "2020-01-01", archive.RetentionHeld),     // held
		retention("p", "2020-01-01", archive.RetentionProposed), // on a list
		retention("x", "2020-01-01", archive.RetentionDisposed), // gone
		retention("forever", "", archive.RetentionKept),         // permanent
	} {
		mustPutRetention(t, s, r)
	}
	due, err := s.DueRetention(ctx, day("2024-01-01"), archive.DueCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "due", recIDs(due), []string{"b", "a1", "a2"})
	due, err = s.DueRetention(ctx, day("2024-01-01"), archive.DueCursor{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "first page", recIDs(due), []string{"b", "a1"})
	due, err = s.DueRetention(ctx, day("2024-01-01"), archive.DueCursor{RetainUntil: due[1].RetainUntil, DocumentID: due[1].DocumentID}, 2)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "second page", recIDs(due), []string{"a2"})
	_, err = s.DueRetention(ctx, day("2024-01-01"), archive.DueCursor{}, 0)
	isKind(t, "limit 0", err, kerr.Invalid, "")

	held, err := s.RetentionByState(ctx, archive.RetentionHeld, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "held", recIDs(held), []string{"h"})
	// A record that moves state leaves the due range.
	r, _ := s.GetRetention(ctx, "b")
	r.State = archive.RetentionProposed
	if err := s.PutRetention(ctx, r, r.Rev); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueRetention(ctx, day("2024-01-01"), archive.DueCursor{}, 10)
	same(t, "due after b was proposed", recIDs(due), []string{"a1", "a2"})
}

// testDisposalLists: create, guarded update, newest-first pages, the
// newest draft.
func testDisposalLists(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, err := s.OpenDisposalDraft(ctx)
	isKind(t, "draft of none", err, kerr.NotFound, "")
	ids := NewIDs()
	var made []archive.DisposalList
	for i := range 3 {
		l := archive.DisposalList{ID: ids.New(), State: archive.DisposalDraft, CreatedAt: when(i), UpdatedAt: when(i),
			Items: []archive.DisposalItem{{DocumentID: "d", OwnerID: "o", TypeCode: "KHAC", Name: "Hồ sơ đất đai", RetainUntil: day("2024-02-29")}}}
		if err := s.CreateDisposalList(ctx, l); err != nil {
			t.Fatal(err)
		}
		isKind(t, "second create", s.CreateDisposalList(ctx, l), kerr.Conflict, "")
		l.Rev, l.CreatedAt, l.UpdatedAt = 1, ms(l.CreatedAt), ms(l.UpdatedAt)
		made = append(made, l)
	}
	got, err := s.GetDisposalList(ctx, made[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "list", got, made[0])
	_, err = s.GetDisposalList(ctx, "none")
	isKind(t, "get none", err, kerr.NotFound, "")

	// The newest list leaves draft: the draft is then the one before it.
	l := made[2]
	l.State, l.SubmittedBy, l.SubmittedAt = archive.DisposalSubmitted, "canbo", ms(when(5))
	if err := s.UpdateDisposalList(ctx, l, 1); err != nil {
		t.Fatal(err)
	}
	isKind(t, "stale update", s.UpdateDisposalList(ctx, l, 1), kerr.Conflict, "")
	l.Rev = 2
	got, _ = s.GetDisposalList(ctx, l.ID)
	same(t, "after update", got, l)
	draft, err := s.OpenDisposalDraft(ctx)
	if err != nil || draft.ID != made[1].ID {
		t.Fatalf("OpenDisposalDraft = %s, %v; want %s", draft.ID, err, made[1].ID)
	}
	page, more, err := s.ListDisposalLists(ctx, "", 2)
	if err != nil || !more || len(page) != 2 || page[0].ID != made[2].ID || page[1].ID != made[1].ID {
		t.Fatalf("first page: %d, more %v, %v", len(page), more, err)
	}
	page, more, err = s.ListDisposalLists(ctx, page[1].ID, 2)
	if err != nil || more || len(page) != 1 || page[0].ID != made[0].ID {
		t.Fatalf("second page: %d, more %v, %v", len(page), more, err)
	}
}

// testDocumentsWalkDelete: DocumentsAfter walks every owner's documents
// in ID order; DeleteDocument removes a document with its versions (so
// that nothing references its blobs) and is idempotent.
func testDocumentsWalkDelete(t *testing.T, s archive.Store) {
	ctx := t.Context()
	mustCreateOwner(t, s, "o1")
	mustCreateOwner(t, s, "o2")
	ids := NewIDs()
	var all []string
	for i := range 5 {
		o := "o1"
		if i%2 == 1 {
			o = "o2"
		}
		d := doc(ids.New(), o, "KHAC")
		mustCreateDoc(t, s, d)
		all = append(all, d.ID)
	}
	d2 := nextVersion(mustGetDoc(t, s, all[0]), "content", when(3))
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatal(err)
	}
	got, err := s.DocumentsAfter(ctx, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "first walk", idsOf(got), all[:3])
	if got[0].Current.N != 2 || got[0].OwnerID != "o1" {
		t.Errorf("walked document: current %d, owner %s", got[0].Current.N, got[0].OwnerID)
	}
	got, err = s.DocumentsAfter(ctx, all[2], 3)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "second walk", idsOf(got), all[3:])

	blob1 := blobOf(all[0] + "/1")
	if !blobReferenced(t, s)(blob1) {
		t.Fatal("the first version's blob is not referenced")
	}
	for range 2 {
		if err := s.DeleteDocument(ctx, all[0]); err != nil {
			t.Fatalf("DeleteDocument: %v", err)
		}
	}
	_, err = s.GetDocument(ctx, all[0])
	isKind(t, "deleted document", err, kerr.NotFound, "")
	_, err = s.ListVersions(ctx, all[0])
	isKind(t, "deleted versions", err, kerr.NotFound, "")
	if blobReferenced(t, s)(blob1) || blobReferenced(t, s)(d2.Current.Blob) {
		t.Error("a deleted document's blobs are still referenced")
	}
	got, _ = s.DocumentsAfter(ctx, "", 10)
	same(t, "walk after delete", idsOf(got), all[1:])
}

// testDocumentTypeRetention: a type's retention period comes back as
// stored — a number of years, permanent, or none.
func testDocumentTypeRetention(t *testing.T, s archive.Store) {
	ctx := t.Context()
	for code, r := range map[string]*archive.Retention{
		"HS_10_NAM": {Years: 10}, "HS_VINH_VIEN": {Permanent: true}, "HS_KHONG": nil,
	} {
		dt := archive.DocumentType{Code: code, Name: "Hồ sơ lưu trữ", Retention: r, UpdatedAt: when(0)}
		if err := s.PutDocumentType(ctx, dt); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetDocumentType(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		same(t, code+" retention", got.Retention, r)
	}
}
