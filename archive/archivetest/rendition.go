package archivetest

import (
	"reflect"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// rendition is the rendition of version n of docID as t, made from src.
func rendition(docID string, n int, t archive.Target, blob string) archive.Rendition {
	return archive.Rendition{Key: archive.RenditionKey(docID, n, t), DocumentID: docID, OwnerID: "001203012345", Version: n,
		Source: blobOf(docID + "-source"), Target: t, Blob: blob, Size: 1234, MediaType: "application/pdf",
		FileName: "don-xin-viec.pdf", Converter: "gotenberg/libreoffice pdf/a-2b", CreatedBy: "luutru.mot", CreatedAt: when(3)}
}

// testRenditionAddGet: a rendition is stored and read back whole; adding
// its key again keeps the first (not inserted, the stored one returned);
// an unknown key is NotFound.
func testRenditionAddGet(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	id := ids.New()
	r := rendition(id, 1, archive.TargetPDFA2b, blobOf("pdfa"))
	got, inserted, err := s.AddRendition(ctx, r)
	if err != nil || !inserted {
		t.Fatalf("AddRendition = %v, %v", inserted, err)
	}
	want := r
	want.CreatedAt = ms(r.CreatedAt)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AddRendition returned %+v, want %+v", got, want)
	}
	read, err := s.GetRendition(ctx, r.Key)
	if err != nil || !reflect.DeepEqual(read, want) {
		t.Errorf("GetRendition = %+v, %v; want %+v", read, err, want)
	}
	again := r
	again.Blob, again.CreatedBy = blobOf("other"), "luutru.hai"
	got, inserted, err = s.AddRendition(ctx, again)
	if err != nil || inserted || !reflect.DeepEqual(got, want) {
		t.Errorf("AddRendition of the same key = %+v, %v, %v; want the first, false", got, inserted, err)
	}
	if _, err := s.GetRendition(ctx, archive.RenditionKey(id, 2, archive.TargetPDFA2b)); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("GetRendition of an unknown key: %v, want NotFound", err)
	}
}

// testRenditionList: a document's renditions in key order, none of
// another document's; none at all is an empty list.
func testRenditionList(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	a, b := ids.New(), ids.New()
	for _, r := range []archive.Rendition{
		rendition(a, 2, archive.TargetPDF, blobOf("a2")),
		rendition(b, 1, archive.TargetPDF, blobOf("b1")),
		rendition(a, 1, archive.TargetPDFA2b, blobOf("a1a")),
		rendition(a, 1, archive.TargetPDF, blobOf("a1")),
	} {
		if _, _, err := s.AddRendition(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := s.ListRenditions(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range rs {
		keys = append(keys, r.Key)
	}
	want := []string{archive.RenditionKey(a, 1, archive.TargetPDF), archive.RenditionKey(a, 1, archive.TargetPDFA2b), archive.RenditionKey(a, 2, archive.TargetPDF)}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("ListRenditions = %v, want %v", keys, want)
	}
	if rs, err := s.ListRenditions(ctx, ids.New()); err != nil || len(rs) != 0 {
		t.Errorf("ListRenditions of a document without any = %v, %v", rs, err)
	}
}

// testRenditionBlobReferenced: true for a rendition's blob only (not its
// source's: the version keeps that).
func testRenditionBlobReferenced(t *testing.T, s archive.Store) {
	ctx := t.Context()
	id := NewIDs().New()
	r := rendition(id, 1, archive.TargetPDF, blobOf(id+"-pdf"))
	if used, err := s.RenditionBlobReferenced(ctx, r.Blob); err != nil || used {
		t.Errorf("before: referenced = %v, %v", used, err)
	}
	if _, _, err := s.AddRendition(ctx, r); err != nil {
		t.Fatal(err)
	}
	if used, err := s.RenditionBlobReferenced(ctx, r.Blob); err != nil || !used {
		t.Errorf("after: referenced = %v, %v; want true", used, err)
	}
	if used, err := s.RenditionBlobReferenced(ctx, r.Source); err != nil || used {
		t.Errorf("source blob: referenced = %v, %v; want false", used, err)
	}
}

// testRenditionAddConcurrent: of concurrent adds of one key exactly one
// inserts, and all return its record.
func testRenditionAddConcurrent(t *testing.T, s archive.Store) {
	id := NewIDs().New()
	const n = 8
	got := make([]archive.Rendition, n)
	made := make([]bool, n)
	errs := parallel(n, func(i int) error {
		var err error
		got[i], made[i], err = s.AddRendition(t.Context(), rendition(id, 1, archive.TargetPDF, blobOf(string(rune('a'+i)))))
		return err
	})
	winners, winner := 0, ""
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("add %d: %v", i, errs[i])
		}
		if made[i] {
			winners++
			winner = got[i].Blob
		}
	}
	if winners != 1 {
		t.Fatalf("%d adds inserted, want 1", winners)
	}
	for i := range n {
		if got[i].Blob != winner {
			t.Errorf("add %d returned blob %s, want the winner's %s", i, got[i].Blob, winner)
		}
	}
}
