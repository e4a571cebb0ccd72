package archivetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// testVaultAggs: an aggregate is inserted once, replaced only at its Rev,
// read back whole (counters and cursor together), the latest of a stream
// is the highest month, and a range of months is one stream's only.
func testVaultAggs(t *testing.T, s archive.Store) {
	ctx := t.Context()
	if _, err := s.LatestVaultAgg(ctx, archive.StreamDocuments); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("LatestVaultAgg of an empty store: %v, want NotFound", err)
	}
	at := time.Date(2026, 11, 3, 4, 5, 6, 7_000_000, time.UTC)
	mk := func(stream, month string, papers int64) archive.VaultAgg {
		return archive.VaultAgg{Stream: stream, Month: month, Cursor: stream + "-cursor-" + month, Records: papers, UpdatedAt: at,
			Counts: []archive.VaultCount{
				{TypeCode: "GKS", Papers: papers, Bytes: 100 * papers},
				{Agency: "000.00.31.H29", Kind: archive.IssueResult, TypeCode: "KQ", Procedure: "1.001", Papers: 1, Bytes: 9},
			}}
	}
	for _, g := range []archive.VaultAgg{mk(archive.StreamDocuments, "2026-10", 3), mk(archive.StreamDocuments, "2026-11", 4),
		mk(archive.StreamReuses, "2026-12", 5), mk(archive.StreamDocuments, "2026-09", 2)} {
		if err := s.PutVaultAgg(ctx, g, 0); err != nil {
			t.Fatalf("PutVaultAgg %s/%s: %v", g.Stream, g.Month, err)
		}
	}
	if err := s.PutVaultAgg(ctx, mk(archive.StreamDocuments, "2026-11", 9), 0); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("inserting an aggregate twice: %v, want Conflict", err)
	}
	got, err := s.LatestVaultAgg(ctx, archive.StreamDocuments)
	if err != nil {
		t.Fatal(err)
	}
	want := mk(archive.StreamDocuments, "2026-11", 4)
	want.Key, want.Rev = archive.VaultAggKey(want.Stream, want.Month), 1
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LatestVaultAgg = %+v\nwant %+v", got, want)
	}
	// A guarded replace: at Rev 1 once; again at Rev 1 it is Conflict and
	// changes nothing.
	next := got
	next.Counts[0].Papers, next.Cursor = 40, archive.NewID(at.Add(time.Hour))
	if err := s.PutVaultAgg(ctx, next, 1); err != nil {
		t.Fatalf("PutVaultAgg at rev 1: %v", err)
	}
	stale := got
	stale.Counts = []archive.VaultCount{{TypeCode: "GKS", Papers: 999}}
	if err := s.PutVaultAgg(ctx, stale, 1); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("PutVaultAgg at a stale rev: %v, want Conflict", err)
	}
	got, err = s.LatestVaultAgg(ctx, archive.StreamDocuments)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rev != 2 || got.Counts[0].Papers != 40 || got.Cursor != next.Cursor {
		t.Fatalf("after the guarded replace: rev %d, papers %d, cursor %s; want 2, 40, %s", got.Rev, got.Counts[0].Papers, got.Cursor, next.Cursor)
	}
	gs, err := s.VaultAggs(ctx, archive.StreamDocuments, "2026-10", "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	var months []string
	for _, g := range gs {
		months = append(months, g.Stream+"/"+g.Month)
	}
	if fmt.Sprint(months) != "[documents/2026-10 documents/2026-11]" {
		t.Fatalf("VaultAggs 2026-10..2026-12 = %v", months)
	}
	if gs, err = s.VaultAggs(ctx, archive.StreamReuses, "0000-00", "2026-12"); err != nil || len(gs) != 1 || gs[0].Counts[0].Papers != 5 {
		t.Fatalf("VaultAggs of reuses = %+v, %v", gs, err)
	}
}

// testReusesAfter walks reuse records of every document in ID order.
func testReusesAfter(t *testing.T, s archive.Store) {
	ctx := t.Context()
	at := time.Date(2026, 11, 3, 4, 5, 6, 0, time.UTC)
	var ids []string
	for i := range 5 {
		r := archive.ReuseRecord{ID: archive.NewID(at.Add(time.Duration(i) * time.Second)), DocumentID: fmt.Sprintf("doc-%d", i%2),
			OwnerID: "001099012345", TypeCode: "GKS", Version: 1, Dossier: "HS-1", Procedure: "1.001", By: "canbo", At: at}
		if err := s.AddReuse(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	first, err := s.ReusesAfter(ctx, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := s.ReusesAfter(ctx, first[len(first)-1].ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range append(first, rest...) {
		got = append(got, r.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("ReusesAfter walk = %v, want %v", got, ids)
	}
	if first[0].Procedure != "1.001" || first[0].DocumentID != "doc-0" {
		t.Fatalf("ReusesAfter record = %+v", first[0])
	}
	if _, err := s.ReusesAfter(ctx, "", 0); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("ReusesAfter limit 0: %v, want Invalid", err)
	}
}

// testTopOwners: the largest owners by used bytes, ties by ID, and the
// count of owners in each size band.
func testTopOwners(t *testing.T, s archive.Store) {
	ctx := t.Context()
	sizes := map[string]int64{"o1": 5 << 20, "o2": 0, "o3": 2 << 30, "o4": 5 << 20, "o5": 300 << 10, "o6": 1 << 20}
	for id, b := range sizes {
		mustCreateOwner(t, s, id)
		if b > 0 {
			if err := s.AddUsage(ctx, id, b, 1, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	top, err := s.TopOwners(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range top {
		got = append(got, fmt.Sprintf("%s:%d:%d", o.ID, o.UsedBytes, o.DocumentCount))
	}
	if want := fmt.Sprintf("[o3:%d:1 o1:%d:1 o4:%d:1]", 2<<30, 5<<20, 5<<20); fmt.Sprint(got) != want {
		t.Fatalf("TopOwners(3) = %v, want %s", got, want)
	}
	bands := []struct {
		b    archive.SizeBand
		want int64
	}{
		{archive.SizeBand{Min: 0, Max: 1 << 20}, 2},        // o2, o5
		{archive.SizeBand{Min: 1 << 20, Max: 10 << 20}, 3}, // o6 (at the lower bound), o1, o4
		{archive.SizeBand{Min: 10 << 20, Max: 1 << 30}, 0},
		{archive.SizeBand{Min: 1 << 30}, 1}, // o3
	}
	for _, c := range bands {
		n, err := s.CountOwnersBySize(ctx, c.b)
		if err != nil || n != c.want {
			t.Errorf("CountOwnersBySize(%+v) = %d, %v; want %d", c.b, n, err, c.want)
		}
	}
}

// testReuseProcedure: the procedure of a reuse record and of an issued
// paper come back as stored.
func testReuseProcedure(t *testing.T, s archive.Store) {
	ctx := t.Context()
	mustCreateOwner(t, s, "001099012345")
	at := time.Date(2026, 11, 3, 4, 5, 6, 0, time.UTC)
	d := SampleDocument(rand.New(rand.NewPCG(1, 2)), at, "001099012345", "KQ", "Kết quả")
	d.IssuedBy = &archive.IssuedBy{Kind: archive.IssueResult, Agency: "000.00.31.H29", AgencyName: "Sở Tư pháp", Dossier: "HS-1",
		Procedure: "1.001", Number: "1/QĐ", IssuedAt: at, By: "canbo"}
	mustCreateDoc(t, s, d)
	got, err := s.GetDocument(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.IssuedBy == nil || got.IssuedBy.Procedure != "1.001" {
		t.Fatalf("IssuedBy = %+v, want the procedure 1.001", got.IssuedBy)
	}
	walk, err := s.DocumentsAfter(ctx, "", 10)
	if err != nil || len(walk) != 1 || walk[0].IssuedBy == nil || walk[0].IssuedBy.Procedure != "1.001" {
		t.Fatalf("DocumentsAfter = %+v, %v", walk, err)
	}
	r := archive.ReuseRecord{ID: archive.NewID(at), DocumentID: d.ID, OwnerID: d.OwnerID, TypeCode: "KQ", Version: 1,
		Dossier: "HS-2", Procedure: "2.002", By: "canbo", At: at}
	if err := s.AddReuse(ctx, r); err != nil {
		t.Fatal(err)
	}
	rs, err := s.ListReuses(ctx, d.ID)
	if err != nil || len(rs) != 1 || rs[0].Procedure != "2.002" {
		t.Fatalf("ListReuses = %+v, %v", rs, err)
	}
}
