package archivetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// blobWalk is one of FixitySourceStore's walks of blobs.
type blobWalk func(ctx context.Context, after string, limit int) ([]string, error)

// blobUsersOf is one of FixitySourceStore's lookups of a blob's records.
type blobUsersOf func(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error)

// walkSource pages through walk with limit and returns what it read,
// failing on a page too long or out of order.
func walkSource(t *testing.T, name string, walk blobWalk, limit int) []string {
	t.Helper()
	var all []string
	after := ""
	for range 1000 {
		page, err := walk(t.Context(), after, limit)
		if err != nil {
			t.Fatalf("%s(%q, %d): %v", name, after, limit, err)
		}
		if len(page) > limit {
			t.Fatalf("%s(%q, %d) returned %d", name, after, limit, len(page))
		}
		for _, h := range page {
			if h <= after {
				t.Fatalf("%s(%q): %q is not after the cursor (page %v)", name, after, h, page)
			}
			after = h
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
	}
	t.Fatalf("%s never ended", name)
	return nil
}

// checkSource checks one source: its walk returns want (sorted, each once)
// whatever the page size, and nothing after the last; users of each blob
// are as users says, cut at a limit in the same order; an unreferenced
// blob has none; limits out of 1..1000 are Invalid.
func checkSource(t *testing.T, name string, walk blobWalk, lookup blobUsersOf, want []string, users map[string][]archive.BlobUser) {
	t.Helper()
	ctx := t.Context()
	for _, limit := range []int{1, 2, 3, 1000} {
		if got := walkSource(t, name, walk, limit); !slices.Equal(got, want) {
			t.Errorf("%s: walk with limit %d = %v, want %v (each blob once, in order)", name, limit, got, want)
		}
	}
	if got, err := walk(ctx, want[len(want)-1], 5); err != nil || len(got) != 0 {
		t.Errorf("%s(after the last) = %v, %v; want none", name, got, err)
	}
	for blob, wu := range users {
		got, err := lookup(ctx, blob, 10)
		if err != nil || !slices.Equal(got, wu) {
			t.Errorf("%s users(%s) = %v, %v; want %v", name, blob[:8], got, err, wu)
		}
		if len(wu) > 1 {
			if got, err := lookup(ctx, blob, 1); err != nil || !slices.Equal(got, wu[:1]) {
				t.Errorf("%s users(%s, 1) = %v, %v; want %v", name, blob[:8], got, err, wu[:1])
			}
		}
	}
	if got, err := lookup(ctx, blobOf("nobody's"), 10); err != nil || len(got) != 0 {
		t.Errorf("%s users(unreferenced) = %v, %v; want none", name, got, err)
	}
	for _, bad := range []int{0, -1, 1001} {
		if _, err := walk(ctx, "", bad); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("%s walk (limit %d) = %v, want Invalid", name, bad, err)
		}
		if _, err := lookup(ctx, want[0], bad); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("%s users (limit %d) = %v, want Invalid", name, bad, err)
		}
	}
}

func sortedBlobs(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = blobOf(n)
	}
	slices.Sort(out)
	return out
}

// testFixitySources: the renditions', paper copies' and pending batches'
// blobs are walked in hash order, each once however many records share
// it (five renditions share one), and each blob's records come back with
// the document and owner they belong to; a confirmed batch's PDF is not
// listed; an empty store lists nothing.
func testFixitySources(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	for name, walk := range map[string]blobWalk{"RenditionBlobs": s.RenditionBlobs, "PaperCopyBlobs": s.PaperCopyBlobs, "PendingScanBlobs": s.PendingScanBlobs} {
		if got := walkSource(t, name, walk, 10); len(got) != 0 {
			t.Fatalf("%s: an empty store references %v", name, got)
		}
	}

	// Renditions: five of documents d0..d4 share one PDF; one of d0 has its own.
	var shared []archive.BlobUser
	for i := range 5 {
		r := rendition(fmt.Sprintf("fx-doc-%d", i), 1, archive.TargetPDFA2b, blobOf("shared rendition"))
		if _, _, err := s.AddRendition(ctx, r); err != nil {
			t.Fatalf("AddRendition: %v", err)
		}
		shared = append(shared, archive.BlobUser{DocumentID: r.DocumentID, OwnerID: r.OwnerID, Via: archive.ViaRendition, RecordID: r.Key})
	}
	own := rendition("fx-doc-0", 2, archive.TargetPDF, blobOf("own rendition"))
	if _, _, err := s.AddRendition(ctx, own); err != nil {
		t.Fatalf("AddRendition: %v", err)
	}
	checkSource(t, "RenditionBlobs", s.RenditionBlobs, s.RenditionBlobUsers, sortedBlobs("shared rendition", "own rendition"),
		map[string][]archive.BlobUser{
			blobOf("shared rendition"): shared,
			blobOf("own rendition"):    {{DocumentID: own.DocumentID, OwnerID: own.OwnerID, Via: archive.ViaRendition, RecordID: own.Key}},
		})

	// Paper copies: two prints share a PDF, a third has its own.
	var copies []archive.PaperCopy
	for i, c := range []struct{ code, doc, blob string }{{"FXAB2345CD", "fx-doc-a", "shared copy"}, {"FXBC3456DE", "fx-doc-b", "shared copy"}, {"FXCD4567EF", "fx-doc-a", "own copy"}} {
		pc := paperCopy(ids, c.code, c.doc, c.blob, i)
		if err := s.AddPaperCopy(ctx, pc); err != nil {
			t.Fatalf("AddPaperCopy: %v", err)
		}
		copies = append(copies, pc)
	}
	cu := func(c archive.PaperCopy) archive.BlobUser {
		return archive.BlobUser{DocumentID: c.DocumentID, OwnerID: c.OwnerID, Via: archive.ViaPaperCopy, RecordID: c.ID}
	}
	checkSource(t, "PaperCopyBlobs", s.PaperCopyBlobs, s.PaperCopyBlobUsers, sortedBlobs("shared copy", "own copy"),
		map[string][]archive.BlobUser{blobOf("shared copy"): {cu(copies[0]), cu(copies[1])}, blobOf("own copy"): {cu(copies[2])}})

	// Batches: two pending share a PDF, a third has its own; a confirmed
	// one's PDF is not the batch's to keep any more.
	exp := time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC)
	var scans []archive.Scan
	for _, b := range []string{"shared scan", "shared scan", "own scan", "confirmed scan"} {
		sc := scanRecord(ids.New(), blobOf(b), exp)
		if err := s.PutScan(ctx, sc); err != nil {
			t.Fatalf("PutScan: %v", err)
		}
		scans = append(scans, sc)
	}
	if _, err := s.ConfirmScan(ctx, scans[3].ID, 1, "fx-doc-c", "luutru01", exp); err != nil {
		t.Fatalf("ConfirmScan: %v", err)
	}
	su := func(sc archive.Scan) archive.BlobUser {
		return archive.BlobUser{OwnerID: sc.OwnerID, Via: archive.ViaScan, RecordID: sc.ID}
	}
	checkSource(t, "PendingScanBlobs", s.PendingScanBlobs, s.PendingScanBlobUsers, sortedBlobs("shared scan", "own scan"),
		map[string][]archive.BlobUser{blobOf("shared scan"): {su(scans[0]), su(scans[1])}, blobOf("own scan"): {su(scans[2])}, blobOf("confirmed scan"): nil})
}
