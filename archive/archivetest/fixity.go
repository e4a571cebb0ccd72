package archivetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// walkBlobs pages through ReferencedBlobs with limit and returns what it
// read, failing on a page out of order.
func walkBlobs(t *testing.T, s archive.Store, limit int) []string {
	t.Helper()
	return walkSource(t, "ReferencedBlobs", s.ReferencedBlobs, limit)
}

func testFixityReferencedBlobs(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	if got := walkBlobs(t, s, 10); len(got) != 0 {
		t.Fatalf("an empty store references %v", got)
	}
	a := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	a2 := nextVersion(a, "content", when(1))
	if err := s.UpdateDocument(ctx, a2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	report := blobOf("report of " + a.ID)
	if err := s.SetSignature(ctx, a.ID, 2, &archive.SignatureSummary{Signed: true, Count: 1, Report: report}); err != nil {
		t.Fatalf("SetSignature: %v", err)
	}
	// Another owner's document sharing a's first content.
	b := doc(ids.New(), ownerB, "KS")
	b.Current.Blob = a.Current.Blob
	mustCreateDoc(t, s, b)
	c := mustCreateDoc(t, s, doc(ids.New(), ownerB, "KS"))

	want := []string{a.Current.Blob, a2.Current.Blob, report, c.Current.Blob}
	slices.Sort(want)
	for _, limit := range []int{1, 2, 3, 4, 1000} {
		if got := walkBlobs(t, s, limit); !slices.Equal(got, want) {
			t.Errorf("walk with limit %d = %v, want %v (each blob once, in order)", limit, got, want)
		}
	}
	got, err := s.ReferencedBlobs(ctx, want[1], 2)
	if err != nil || !slices.Equal(got, want[2:4]) {
		t.Errorf("ReferencedBlobs(after the second, 2) = %v, %v; want %v", got, err, want[2:4])
	}
	if got, err := s.ReferencedBlobs(ctx, want[3], 5); err != nil || len(got) != 0 {
		t.Errorf("ReferencedBlobs(after the last) = %v, %v; want none", got, err)
	}
	for _, bad := range []int{0, -1, 1001} {
		if _, err := s.ReferencedBlobs(ctx, "", bad); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("ReferencedBlobs(limit %d) = %v, want Invalid", bad, err)
		}
	}
}

// testFixityReferencedBlobsMany walks many documents with small pages, so
// that a store that reads by ranges crosses many of them.
func testFixityReferencedBlobsMany(t *testing.T, s archive.Store) {
	ids := NewIDs()
	var want []string
	for i := range 150 {
		d := doc(ids.New(), fmt.Sprintf("0790%08d", i%7), "KS")
		mustCreateDoc(t, s, d)
		want = append(want, d.Current.Blob)
	}
	slices.Sort(want)
	for _, limit := range []int{7, 64} {
		if got := walkBlobs(t, s, limit); !slices.Equal(got, want) {
			t.Errorf("walk with limit %d: %d blobs, want %d, all in order", limit, len(got), len(want))
		}
	}
}

func testFixityBlobUsers(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	a := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	b := doc(ids.New(), ownerB, "KS")
	b.Current.Blob = a.Current.Blob
	mustCreateDoc(t, s, b)
	// c references the shared blob through an older version only.
	c := doc(ids.New(), ownerB, "KS")
	c.Current.Blob = a.Current.Blob
	mustCreateDoc(t, s, c)
	if err := s.UpdateDocument(ctx, nextVersion(c, "content", when(2)), 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	report := blobOf("report")
	if err := s.SetSignature(ctx, b.ID, 1, &archive.SignatureSummary{Signed: true, Count: 1, Report: report}); err != nil {
		t.Fatalf("SetSignature: %v", err)
	}
	want := []archive.BlobUser{{DocumentID: a.ID, OwnerID: ownerA}, {DocumentID: b.ID, OwnerID: ownerB}, {DocumentID: c.ID, OwnerID: ownerB}}
	slices.SortFunc(want, func(x, y archive.BlobUser) int {
		if x.DocumentID < y.DocumentID {
			return -1
		}
		return 1
	})
	got, err := s.BlobUsers(ctx, a.Current.Blob, 10)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("BlobUsers(shared) = %v, %v; want %v", got, err, want)
	}
	if got, err := s.BlobUsers(ctx, a.Current.Blob, 2); err != nil || !slices.Equal(got, want[:2]) {
		t.Errorf("BlobUsers(shared, 2) = %v, %v; want %v", got, err, want[:2])
	}
	if got, err := s.BlobUsers(ctx, report, 10); err != nil || !slices.Equal(got, []archive.BlobUser{{DocumentID: b.ID, OwnerID: ownerB}}) {
		t.Errorf("BlobUsers(report) = %v, %v; want b", got, err)
	}
	if got, err := s.BlobUsers(ctx, blobOf("nobody's"), 10); err != nil || len(got) != 0 {
		t.Errorf("BlobUsers(unreferenced) = %v, %v; want none", got, err)
	}
	if _, err := s.BlobUsers(ctx, report, 0); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("BlobUsers(limit 0) = %v, want Invalid", err)
	}
}

func testFixityFindings(t *testing.T, s archive.Store) {
	ctx := t.Context()
	h1, h2, h3 := blobOf("f1"), blobOf("f2"), blobOf("f3")
	hs := []string{h1, h2, h3}
	slices.Sort(hs)
	f := archive.FixityFinding{Blob: hs[1], Kind: archive.FixityMismatch, Detail: "hashes to x", Size: 12,
		Documents: []archive.BlobUser{{DocumentID: "d1", OwnerID: ownerA}}, FirstSeen: when(0), LastSeen: when(0)}
	isNew, err := s.SaveFixityFinding(ctx, f)
	if err != nil || !isNew {
		t.Fatalf("SaveFixityFinding(new) = %v, %v; want true", isNew, err)
	}
	g := f
	g.Kind, g.Size, g.Detail, g.FirstSeen, g.LastSeen, g.MoreDocuments = archive.FixityMissing, 0, "no object", when(5), when(5), true
	isNew, err = s.SaveFixityFinding(ctx, g)
	if err != nil || isNew {
		t.Fatalf("SaveFixityFinding(again) = %v, %v; want false", isNew, err)
	}
	for _, h := range []string{hs[0], hs[2]} {
		if _, err := s.SaveFixityFinding(ctx, archive.FixityFinding{Blob: h, Kind: archive.FixityMissing, FirstSeen: when(1), LastSeen: when(1)}); err != nil {
			t.Fatalf("SaveFixityFinding: %v", err)
		}
	}
	all, err := s.ListFixityFindings(ctx, "", "", 10)
	if err != nil || len(all) != 3 {
		t.Fatalf("ListFixityFindings = %d, %v; want 3", len(all), err)
	}
	for i, x := range all {
		if x.Blob != hs[i] {
			t.Errorf("finding %d is %s, want %s (blob order)", i, x.Blob, hs[i])
		}
	}
	mid := all[1]
	want := g
	want.FirstSeen, want.LastSeen = ms(when(0)), ms(when(5))
	if mid.Kind != want.Kind || mid.Detail != want.Detail || mid.Size != 0 || !mid.MoreDocuments ||
		!mid.FirstSeen.Equal(want.FirstSeen) || !mid.LastSeen.Equal(want.LastSeen) || !slices.Equal(mid.Documents, want.Documents) {
		t.Errorf("updated finding = %+v, want %+v (FirstSeen kept)", mid, want)
	}
	if mid.FirstSeen.Location() != time.UTC {
		t.Errorf("FirstSeen in %v, want UTC", mid.FirstSeen.Location())
	}
	if got, _ := s.ListFixityFindings(ctx, hs[0], hs[1], 10); len(got) != 1 || got[0].Blob != hs[1] {
		t.Errorf("ListFixityFindings(after first, to second) = %v, want the second only", got)
	}
	if got, _ := s.ListFixityFindings(ctx, hs[0], "", 1); len(got) != 1 || got[0].Blob != hs[1] {
		t.Errorf("ListFixityFindings(after first, limit 1) = %v, want the second", got)
	}
	if ok, err := s.DeleteFixityFinding(ctx, hs[1]); err != nil || !ok {
		t.Errorf("DeleteFixityFinding = %v, %v; want true", ok, err)
	}
	if ok, err := s.DeleteFixityFinding(ctx, hs[1]); err != nil || ok {
		t.Errorf("DeleteFixityFinding(again) = %v, %v; want false", ok, err)
	}
	if got, _ := s.ListFixityFindings(ctx, "", "", 10); len(got) != 2 {
		t.Errorf("after delete: %d findings, want 2", len(got))
	}
	if _, err := s.ListFixityFindings(ctx, "", "", 0); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("ListFixityFindings(limit 0) = %v, want Invalid", err)
	}
}

func testFixityRuns(t *testing.T, s archive.Store) {
	ctx := t.Context()
	runs := []archive.FixityRun{
		{ID: archive.NewID(when(0)), Trigger: "job", Start: when(0), End: when(1), From: "", To: blobOf("x"), Checked: 200, Bytes: 1 << 20, PassStart: when(0)},
		{ID: archive.NewID(when(2)), Trigger: "job", Start: when(2), End: when(3), From: blobOf("x"), Checked: 10, Bytes: 500, Mismatches: 1, Missing: 2, PassStart: when(0), PassDone: true},
		{ID: archive.NewID(when(4)), Trigger: "command", Start: when(4), End: when(4).Add(time.Second), PassStart: when(4), Error: "stopped"},
	}
	for _, r := range runs {
		if err := s.AddFixityRun(ctx, r); err != nil {
			t.Fatalf("AddFixityRun: %v", err)
		}
	}
	if err := s.AddFixityRun(ctx, runs[0]); !kerr.IsKind(err, kerr.Conflict) {
		t.Errorf("AddFixityRun(same ID) = %v, want Conflict", err)
	}
	got, err := s.ListFixityRuns(ctx, false, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("ListFixityRuns = %d, %v; want 3", len(got), err)
	}
	for i, r := range got {
		w := runs[2-i]
		w.Start, w.End, w.PassStart = ms(w.Start), ms(w.End), ms(w.PassStart)
		if r.ID != w.ID || !r.Start.Equal(w.Start) || !r.End.Equal(w.End) || !r.PassStart.Equal(w.PassStart) ||
			r.Checked != w.Checked || r.Bytes != w.Bytes || r.Mismatches != w.Mismatches || r.Missing != w.Missing ||
			r.From != w.From || r.To != w.To || r.PassDone != w.PassDone || r.Error != w.Error || r.Trigger != w.Trigger {
			t.Errorf("run %d = %+v, want %+v (newest first)", i, r, w)
		}
	}
	if got, err := s.ListFixityRuns(ctx, false, 1); err != nil || len(got) != 1 || got[0].ID != runs[2].ID {
		t.Errorf("ListFixityRuns(1) = %v, %v; want the newest", got, err)
	}
	if got, err := s.ListFixityRuns(ctx, true, 10); err != nil || len(got) != 1 || got[0].ID != runs[1].ID {
		t.Errorf("ListFixityRuns(passDone) = %v, %v; want the run that finished the pass", got, err)
	}
}
