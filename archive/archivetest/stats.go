package archivetest

import (
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

func typeStats(t *testing.T, s archive.Store, ownerID string) []archive.TypeStat {
	t.Helper()
	ts, err := s.TypeStats(t.Context(), ownerID)
	if err != nil {
		t.Fatalf("TypeStats(%q): %v", ownerID, err)
	}
	return ts
}

func testTypeStats(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	if ts := typeStats(t, s, ""); len(ts) != 0 {
		t.Errorf("TypeStats of an empty store = %+v", ts)
	}
	mk := func(ownerID, typeCode string, size int64) archive.Document {
		d := doc(ids.New(), ownerID, typeCode)
		d.Current.Size = size
		return mustCreateDoc(t, s, d)
	}
	a1 := mk(ownerA, "KS", 100)
	mk(ownerA, "KS", 200)
	a3 := mk(ownerA, "CCCD", 50)
	mk(ownerA, "BANG", 7)
	b1 := mk(ownerB, "KS", 1000)
	mk(ownerB, "GPLX", 3)
	for _, id := range []string{a1.ID, a1.ID, a3.ID, b1.ID} {
		if err := s.IncReuse(ctx, id); err != nil {
			t.Fatalf("IncReuse: %v", err)
		}
	}
	// A new version of a1: only the current size counts.
	a1v2 := nextVersion(a1, "content", when(4))
	a1v2.Current.Size = 150
	if err := s.UpdateDocument(ctx, a1v2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	same(t, "TypeStats(A)", typeStats(t, s, ownerA), []archive.TypeStat{
		{TypeCode: "BANG", Documents: 1, Bytes: 7, Reuses: 0},
		{TypeCode: "CCCD", Documents: 1, Bytes: 50, Reuses: 1},
		{TypeCode: "KS", Documents: 2, Bytes: 350, Reuses: 2},
	})
	same(t, "TypeStats(B)", typeStats(t, s, ownerB), []archive.TypeStat{
		{TypeCode: "GPLX", Documents: 1, Bytes: 3, Reuses: 0},
		{TypeCode: "KS", Documents: 1, Bytes: 1000, Reuses: 1},
	})
	same(t, "TypeStats(all)", typeStats(t, s, ""), []archive.TypeStat{
		{TypeCode: "BANG", Documents: 1, Bytes: 7, Reuses: 0},
		{TypeCode: "CCCD", Documents: 1, Bytes: 50, Reuses: 1},
		{TypeCode: "GPLX", Documents: 1, Bytes: 3, Reuses: 0},
		{TypeCode: "KS", Documents: 3, Bytes: 1350, Reuses: 3},
	})
	if ts := typeStats(t, s, "001000000000"); len(ts) != 0 {
		t.Errorf("TypeStats of an owner without documents = %+v", ts)
	}

	// Changing a document's type moves it between the counts.
	b2 := b1
	b2.TypeCode = "GPLX"
	b2.UpdatedAt = when(9)
	b2.Current.Meta = b2.Metadata
	if err := s.UpdateDocument(ctx, b2, 1); err != nil {
		t.Fatalf("UpdateDocument(type): %v", err)
	}
	same(t, "TypeStats(B) after a type change", typeStats(t, s, ownerB), []archive.TypeStat{
		{TypeCode: "GPLX", Documents: 2, Bytes: 1003, Reuses: 1},
	})
	// Large sizes do not overflow 32 bits.
	mk(ownerB, "VIDEO", 3<<30)
	mk(ownerB, "VIDEO", 3<<30)
	ts := typeStats(t, s, ownerB)
	if len(ts) != 2 || ts[1].TypeCode != "VIDEO" || ts[1].Bytes != 6<<30 {
		t.Errorf("TypeStats(B) with large files = %+v; want VIDEO with %d bytes", ts, int64(6<<30))
	}
}

func testReuses(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	other := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	if rs, err := s.ListReuses(ctx, d.ID); err != nil || len(rs) != 0 {
		t.Fatalf("ListReuses(none) = %v, %v", rs, err)
	}
	rec := func(docID string, minute int, dossier string) archive.ReuseRecord {
		return archive.ReuseRecord{
			ID:         ids.New(),
			DocumentID: docID,
			OwnerID:    ownerA,
			TypeCode:   "KS",
			Version:    1,
			Dossier:    dossier,
			Purpose:    "Đăng ký thường trú cho con",
			By:         "079080001234",
			At:         when(minute),
		}
	}
	// Added out of time order: listed oldest first.
	r2 := rec(d.ID, 20, "HS-0002")
	r1 := rec(d.ID, 10, "HS-0001")
	r3 := rec(d.ID, 30, "HS-0003")
	ro := rec(other.ID, 15, "HS-9999")
	for _, r := range []archive.ReuseRecord{r2, r1, ro, r3} {
		if err := s.AddReuse(ctx, r); err != nil {
			t.Fatalf("AddReuse(%s): %v", r.Dossier, err)
		}
	}
	dup := rec(other.ID, 40, "HS-dup")
	dup.ID = r1.ID
	isKind(t, "AddReuse(same ID)", s.AddReuse(ctx, dup), kerr.Conflict, "")

	rs, err := s.ListReuses(ctx, d.ID)
	if err != nil {
		t.Fatalf("ListReuses: %v", err)
	}
	want := []archive.ReuseRecord{r1, r2, r3}
	for i := range want {
		want[i].At = ms(want[i].At)
	}
	same(t, "ListReuses", rs, want)
	rs, err = s.ListReuses(ctx, other.ID)
	if err != nil {
		t.Fatalf("ListReuses(other): %v", err)
	}
	ro.At = ms(ro.At)
	same(t, "ListReuses(other)", rs, []archive.ReuseRecord{ro})
}
