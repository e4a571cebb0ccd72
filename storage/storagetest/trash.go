package storagetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// listTrash returns the driver's trash names.
func listTrash(t *testing.T, d storage.Driver) []string {
	t.Helper()
	var names []string
	if err := d.ListTrash(context.Background(), func(n string) error { names = append(names, n); return nil }); err != nil {
		t.Fatalf("ListTrash: %v", err)
	}
	return names
}

// mustRead reads a whole blob through the verifying reader.
func mustRead(t *testing.T, b *storage.Bucket, hash string) []byte {
	t.Helper()
	rc, err := b.Open(context.Background(), hash)
	return readAll(t, rc, err)
}

// testTrash: a trashed blob is out of sight (Stat, Open, Touch, Delete,
// List) but listed in the trash; Restore brings the same bytes back and
// Purge deletes them; both refuse a name that is no longer in the trash.
func testTrash(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(60, 70_000)
	hash, _ := mustPut(t, b, data)
	other, _ := mustPut(t, b, Random(61, 1000))

	name := storage.TrashName(hash, time.Now())
	if err := d.Trash(ctx, hash, name); err != nil {
		t.Fatalf("Trash: %v", err)
	}
	_, err := b.Stat(ctx, hash)
	wantKind(t, err, kerr.NotFound, "Stat of a trashed blob")
	_, err = b.Open(ctx, hash)
	wantKind(t, err, kerr.NotFound, "Open of a trashed blob")
	if err := d.Touch(ctx, hash); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("Touch of a trashed blob: %v, want NotFound", err)
	}
	wantKind(t, b.Delete(ctx, hash), kerr.NotFound, "Delete of a trashed blob")
	if got := listAll(t, b); len(got) != 1 || got[other] == 0 {
		t.Errorf("List with one blob trashed = %v, want only %s", got, other)
	}
	if got := listTrash(t, d); len(got) != 1 || got[0] != name {
		t.Fatalf("ListTrash = %v, want [%s]", got, name)
	}
	wantErr := errors.New("stop")
	if err := d.ListTrash(ctx, func(string) error { return wantErr }); err != wantErr {
		t.Errorf("ListTrash with a failing fn = %v, want the fn's error", err)
	}
	if err := d.Trash(ctx, hash, storage.TrashName(hash, time.Now())); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("Trash of a blob already trashed: %v, want NotFound", err)
	}

	if err := d.Restore(ctx, name); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := mustRead(t, b, hash); !bytes.Equal(got, data) {
		t.Fatalf("restored blob has %d other bytes", len(got))
	}
	if got := listTrash(t, d); len(got) != 0 {
		t.Fatalf("ListTrash after Restore = %v, want empty", got)
	}
	if err := d.Restore(ctx, name); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("second Restore: %v, want NotFound", err)
	}

	name = storage.TrashName(hash, time.Now())
	if err := d.Trash(ctx, hash, name); err != nil {
		t.Fatalf("Trash again: %v", err)
	}
	if err := d.Purge(ctx, name); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	_, err = b.Stat(ctx, hash)
	wantKind(t, err, kerr.NotFound, "Stat after Purge")
	if got := listTrash(t, d); len(got) != 0 {
		t.Fatalf("ListTrash after Purge = %v, want empty", got)
	}
	if err := d.Purge(ctx, name); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("second Purge: %v, want NotFound", err)
	}
	if err := d.Restore(ctx, name); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("Restore after Purge: %v, want NotFound", err)
	}
	// The content can be stored again.
	if h, _ := mustPut(t, b, data); h != hash {
		t.Fatal("Put after Purge gave another hash")
	}
}

// testTrashThenCommit: while a blob is in the trash, a Put of the same
// content commits a new copy; restoring the trashed one then keeps that
// copy (never an overwrite) and empties the trash.
func testTrashThenCommit(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(62, 6000)
	hash, _ := mustPut(t, b, data)
	name := storage.TrashName(hash, time.Now())
	if err := d.Trash(ctx, hash, name); err != nil {
		t.Fatalf("Trash: %v", err)
	}
	if h, _ := mustPut(t, b, data); h != hash {
		t.Fatal("Put of trashed content gave another hash")
	}
	if err := d.Restore(ctx, name); err != nil {
		t.Fatalf("Restore over a new copy: %v", err)
	}
	if got := mustRead(t, b, hash); !bytes.Equal(got, data) {
		t.Fatal("blob changed")
	}
	if got := listTrash(t, d); len(got) != 0 {
		t.Fatalf("ListTrash = %v, want empty", got)
	}
	// Two trashings of one key (with a commit between) keep two names.
	n1 := storage.TrashName(hash, time.Now())
	if err := d.Trash(ctx, hash, n1); err != nil {
		t.Fatal(err)
	}
	mustPut(t, b, data)
	n2 := storage.TrashName(hash, time.Now())
	if err := d.Trash(ctx, hash, n2); err != nil {
		t.Fatal(err)
	}
	if n1 == n2 || len(listTrash(t, d)) != 2 {
		t.Fatalf("two trashings share a name or were merged: %v", listTrash(t, d))
	}
	if err := d.Purge(ctx, n1); err != nil {
		t.Fatal(err)
	}
	if err := d.Restore(ctx, n2); err != nil {
		t.Fatalf("Restore of the second trashing after the first was purged: %v", err)
	}
	if got := mustRead(t, b, hash); !bytes.Equal(got, data) {
		t.Fatal("blob lost")
	}
}

// testTrashInvalid: names that are not trash names, or not the key's,
// never reach the store.
func testTrashInvalid(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	hash, _ := mustPut(t, b, []byte("trash me"))
	absent := SHA256([]byte("absent"))
	if err := d.Trash(ctx, absent, storage.TrashName(absent, time.Now())); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("Trash of an absent key: %v, want NotFound", err)
	}
	if err := d.Trash(ctx, hash, storage.TrashName(absent, time.Now())); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("Trash under another key's name: %v, want Invalid", err)
	}
	good := storage.TrashName(hash, time.Now())
	bad := append(BadKeys(), good[:len(good)-1], good+"0", "../"+good, good[:64]+"/"+good[65:],
		hash+".x"+good[66:], hash)
	for _, name := range bad {
		if err := d.Trash(ctx, hash, name); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("Trash(%q): %v, want Invalid", name, err)
		}
		if err := d.Restore(ctx, name); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("Restore(%q): %v, want Invalid", name, err)
		}
		if err := d.Purge(ctx, name); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("Purge(%q): %v, want Invalid", name, err)
		}
	}
	if _, err := b.Stat(ctx, hash); err != nil {
		t.Fatalf("the blob suffered from invalid trash calls: %v", err)
	}
}

// testPutClaimed: the claim is told the content's hash before the commit
// (new content) and before an existing copy is relied on; a failed claim
// commits nothing.
func testPutClaimed(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(63, 300_000)
	want := SHA256(data)
	var claimed []string
	claim := func(ctx context.Context, hash string) error {
		if _, err := b.Stat(ctx, hash); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("claim of new content ran after its commit (Stat: %v)", err)
		}
		claimed = append(claimed, hash)
		return nil
	}
	h, n, err := b.PutClaimed(ctx, bytes.NewReader(data), -1, claim)
	if err != nil || h != want || n != int64(len(data)) || len(claimed) != 1 || claimed[0] != want {
		t.Fatalf("PutClaimed = %s, %d, %v; claims %v", h, n, err, claimed)
	}

	// Existing content: the claim runs, and fails the Put when it fails.
	refused := errors.New("claim refused")
	var saw string
	_, _, err = b.PutClaimed(ctx, bytes.NewReader(data), -1, func(_ context.Context, hash string) error { saw = hash; return refused })
	if !errors.Is(err, refused) || saw != want {
		t.Fatalf("PutClaimed of stored content with a failing claim: %v (claim saw %q)", err, saw)
	}

	// New content with a failing claim: nothing is committed, nothing staged is left.
	other := Random(64, 5000)
	_, _, err = b.PutClaimed(ctx, bytes.NewReader(other), -1, func(context.Context, string) error { return refused })
	if !errors.Is(err, refused) {
		t.Fatalf("PutClaimed with a failing claim: %v, want the claim's error", err)
	}
	if _, err := b.Stat(ctx, SHA256(other)); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("a refused claim committed the blob (Stat: %v)", err)
	}
	if got := listAll(t, b); len(got) != 1 {
		t.Fatalf("List = %v, want only the first blob", got)
	}
}

// testCollect: Collect deletes when keep says no, keeps when it says yes
// or fails, and finds nothing to collect for an absent blob.
func testCollect(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	gone, _ := mustPut(t, b, Random(65, 4000))
	kept, _ := mustPut(t, b, Random(66, 4000))
	failing, _ := mustPut(t, b, Random(67, 4000))

	asked := false
	deleted, err := b.Collect(ctx, gone, func(ctx context.Context) (bool, error) {
		// keep is asked while the blob is out of sight.
		if _, err := b.Stat(ctx, gone); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("keep asked while the blob is still visible (Stat: %v)", err)
		}
		asked = true
		return false, nil
	})
	if err != nil || !deleted || !asked {
		t.Fatalf("Collect(keep=false) = %v, %v (asked %v)", deleted, err, asked)
	}
	if _, err := b.Stat(ctx, gone); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("collected blob still there: %v", err)
	}

	deleted, err = b.Collect(ctx, kept, func(context.Context) (bool, error) { return true, nil })
	if err != nil || deleted {
		t.Fatalf("Collect(keep=true) = %v, %v", deleted, err)
	}
	if err := b.Verify(ctx, kept); err != nil {
		t.Fatalf("kept blob: %v", err)
	}

	boom := errors.New("store down")
	deleted, err = b.Collect(ctx, failing, func(context.Context) (bool, error) { return false, boom })
	if !errors.Is(err, boom) || deleted {
		t.Fatalf("Collect(keep fails) = %v, %v; want the error and no deletion", deleted, err)
	}
	if err := b.Verify(ctx, failing); err != nil {
		t.Fatalf("blob after a failed keep: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	deleted, err = b.Collect(cctx, failing, func(context.Context) (bool, error) { cancel(); return false, nil })
	if err == nil || deleted {
		t.Fatalf("Collect with its context cancelled during keep = %v, %v; want an error and no deletion", deleted, err)
	}
	if err := b.Verify(ctx, failing); err != nil {
		t.Fatalf("blob after a cancelled Collect: %v", err)
	}
	if got := listTrash(t, d); len(got) != 0 {
		t.Fatalf("trash after Collect = %v, want empty", got)
	}

	_, err = b.Collect(ctx, gone, func(context.Context) (bool, error) { t.Error("keep asked for an absent blob"); return false, nil })
	wantKind(t, err, kerr.NotFound, "Collect of an absent blob")
	_, err = b.Collect(ctx, "nothex", func(context.Context) (bool, error) { return false, nil })
	wantKind(t, err, kerr.Invalid, "Collect of a bad hash")
}

// testCollectRacingWriter: the two orders in which a writer relying on
// the blob can meet a collector both end with the writer's bytes stored.
// A writer that touches the blob before it is trashed has claimed it
// first, and keep sees the claim: the blob comes back. A writer that comes
// while it is in the trash writes its own copy, which a purge of the trash
// leaves alone.
func testCollectRacingWriter(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(68, 9000)
	hash, _ := mustPut(t, b, data)

	claims := map[string]bool{}
	claim := func(_ context.Context, h string) error { claims[h] = true; return nil }
	// 1: the writer claims and relies on the blob before the collector trashes it.
	if _, _, err := b.PutClaimed(ctx, bytes.NewReader(data), -1, claim); err != nil {
		t.Fatal(err)
	}
	deleted, err := b.Collect(ctx, hash, func(context.Context) (bool, error) { return claims[hash], nil })
	if err != nil || deleted {
		t.Fatalf("Collect of a claimed blob = %v, %v", deleted, err)
	}
	if got := mustRead(t, b, hash); !bytes.Equal(got, data) {
		t.Fatal("claimed blob lost")
	}

	// 2: the writer comes while the blob is in the trash (inside keep,
	// after the check): it writes its own copy, and the purge keeps it.
	clear(claims)
	deleted, err = b.Collect(ctx, hash, func(ctx context.Context) (bool, error) {
		keep := claims[hash]
		if _, _, err := b.PutClaimed(ctx, bytes.NewReader(data), -1, claim); err != nil {
			t.Errorf("writer during the collection: %v", err)
		}
		return keep, nil
	})
	if err != nil || !deleted {
		t.Fatalf("Collect = %v, %v; want the trashed copy deleted", deleted, err)
	}
	if got := mustRead(t, b, hash); !bytes.Equal(got, data) {
		t.Fatal("the writer's copy was lost")
	}
	if got := listTrash(t, d); len(got) != 0 {
		t.Fatalf("trash = %v, want empty", got)
	}
}

// testSweepTrash: blobs left in the trash by a collector that stopped are
// restored or deleted as keep says, once older than the sweep's age.
func testSweepTrash(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	keepData, dropData, recentData := Random(69, 1000), Random(70, 1000), Random(71, 1000)
	keepH, _ := mustPut(t, b, keepData)
	dropH, _ := mustPut(t, b, dropData)
	recentH, _ := mustPut(t, b, recentData)
	old := time.Now().Add(-2 * time.Hour)
	for _, h := range []string{keepH, dropH} {
		if err := d.Trash(ctx, h, storage.TrashName(h, old)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Trash(ctx, recentH, storage.TrashName(recentH, time.Now())); err != nil {
		t.Fatal(err)
	}
	restored, deleted, err := b.SweepTrash(ctx, time.Hour, func(_ context.Context, h string) (bool, error) {
		if h == recentH {
			t.Error("SweepTrash asked about a recently trashed blob")
		}
		return h == keepH, nil
	})
	if err != nil || restored != 1 || deleted != 1 {
		t.Fatalf("SweepTrash = %d restored, %d deleted, %v; want 1, 1", restored, deleted, err)
	}
	if got := mustRead(t, b, keepH); !bytes.Equal(got, keepData) {
		t.Fatal("kept blob not restored")
	}
	if _, err := b.Stat(ctx, dropH); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("dropped blob: %v", err)
	}
	if got := listTrash(t, d); len(got) != 1 {
		t.Fatalf("trash after the sweep = %v, want the recent one only", got)
	}
}
