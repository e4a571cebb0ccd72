package archivetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// intent is an upload intent by owner, started at i minutes.
func intent(ids *IDs, owner string, i int, bytes, docs int64) archive.UploadIntent {
	return archive.UploadIntent{ID: ids.New(), OwnerID: owner, DocumentID: ids.New(), NewDocument: true,
		Actor: owner, Bytes: bytes, Docs: docs, CreatedAt: when(i)}
}

// allUploads lists every intent.
func allUploads(t *testing.T, s archive.Store) []archive.UploadIntent {
	t.Helper()
	ins, err := s.ListUploads(t.Context(), when(100000), archive.UploadCursor{}, 1000)
	if err != nil {
		t.Fatalf("ListUploads: %v", err)
	}
	return ins
}

// wantUsage checks an owner's usage counters.
func wantUsage(t *testing.T, s archive.Store, id string, bytes, docs int64) {
	t.Helper()
	if o := getOwner(t, s, id); o.UsedBytes != bytes || o.DocumentCount != docs {
		t.Fatalf("usage of %s = %d bytes, %d documents; want %d, %d", id, o.UsedBytes, o.DocumentCount, bytes, docs)
	}
}

func testUploadBeginCharges(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000101")
	in := intent(ids, o.ID, 0, 1000, 1)
	if err := s.BeginUpload(ctx, in, 0); err != nil {
		t.Fatalf("BeginUpload: %v", err)
	}
	wantUsage(t, s, o.ID, 1000, 1)
	want := in
	want.CreatedAt = ms(in.CreatedAt)
	got := allUploads(t, s)
	if len(got) != 1 {
		t.Fatalf("ListUploads = %+v, want the one intent", got)
	}
	same(t, "ListUploads", got[0], want)
	if got[0].CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt in %v, want UTC", got[0].CreatedAt.Location())
	}
	isKind(t, "BeginUpload(same ID)", s.BeginUpload(ctx, in, 0), kerr.Conflict, "")
	wantUsage(t, s, o.ID, 1000, 1)

	// Without bytes or documents nothing is charged.
	free := intent(ids, o.ID, 1, 0, 0)
	if err := s.BeginUpload(ctx, free, 10); err != nil {
		t.Fatalf("BeginUpload(no charge): %v", err)
	}
	wantUsage(t, s, o.ID, 1000, 1)
	if n := len(allUploads(t, s)); n != 2 {
		t.Fatalf("%d intents, want 2", n)
	}
}

func testUploadBeginRefused(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000102")
	if err := s.BeginUpload(ctx, intent(ids, o.ID, 0, 600, 1), 1000); err != nil {
		t.Fatalf("BeginUpload(600 of 1000): %v", err)
	}
	over := intent(ids, o.ID, 1, 401, 1)
	isKind(t, "BeginUpload(over the quota)", s.BeginUpload(ctx, over, 1000), kerr.TooLarge, "quota_exceeded")
	wantUsage(t, s, o.ID, 600, 1)
	missing := intent(ids, "001000000404", 2, 10, 1)
	isKind(t, "BeginUpload(no owner)", s.BeginUpload(ctx, missing, 0), kerr.NotFound, "")
	if got := allUploads(t, s); len(got) != 1 {
		t.Fatalf("refused intents were kept: %+v", got)
	}
	// The refused ID is free again: the intent and its charge are gone.
	if err := s.BeginUpload(ctx, over, 0); err != nil {
		t.Fatalf("BeginUpload of the refused intent without a limit: %v", err)
	}
	wantUsage(t, s, o.ID, 1001, 2)
}

func testUploadChargeOnce(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000103")
	in := intent(ids, o.ID, 0, 0, 0)
	if err := s.BeginUpload(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	isKind(t, "ChargeUpload(over the quota)", s.ChargeUpload(ctx, o.ID, in.ID, 300, 1, 200), kerr.TooLarge, "quota_exceeded")
	wantUsage(t, s, o.ID, 0, 0)
	errs := parallel(8, func(int) error { return s.ChargeUpload(ctx, o.ID, in.ID, 300, 1, 0) })
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent ChargeUpload of one upload: %v", err)
		}
	}
	wantUsage(t, s, o.ID, 300, 1)
	// Charged already: even a limit it would now exceed changes nothing.
	if err := s.ChargeUpload(ctx, o.ID, in.ID, 300, 1, 100); err != nil {
		t.Fatalf("ChargeUpload of a charged upload: %v, want nil", err)
	}
	wantUsage(t, s, o.ID, 300, 1)
	isKind(t, "ChargeUpload(no owner)", s.ChargeUpload(ctx, "001000000404", ids.New(), 1, 1, 0), kerr.NotFound, "")
}

func testUploadSettle(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000104")
	if err := s.AddUsage(ctx, o.ID, 5000, 5, 0); err != nil {
		t.Fatal(err)
	}
	kept, given := intent(ids, o.ID, 0, 700, 1), intent(ids, o.ID, 1, 300, 0)
	for _, in := range []archive.UploadIntent{kept, given} {
		if err := s.BeginUpload(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
	}
	wantUsage(t, s, o.ID, 6000, 6)
	// Kept: the charge becomes plain usage; settling again changes nothing,
	// not even with release.
	for _, release := range []bool{false, false, true} {
		if err := s.SettleUpload(ctx, o.ID, kept.ID, release); err != nil {
			t.Fatalf("SettleUpload(kept, %v): %v", release, err)
		}
		wantUsage(t, s, o.ID, 6000, 6)
	}
	// Given back once, however often it is settled.
	for range 3 {
		if err := s.SettleUpload(ctx, o.ID, given.ID, true); err != nil {
			t.Fatalf("SettleUpload(given back): %v", err)
		}
		wantUsage(t, s, o.ID, 5700, 6)
	}
	// A settled upload can be charged again under its ID (no record is left).
	if err := s.ChargeUpload(ctx, o.ID, given.ID, 300, 0, 0); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, s, o.ID, 6000, 6)
	if err := s.SettleUpload(ctx, o.ID, ids.New(), true); err != nil {
		t.Fatalf("SettleUpload(never charged): %v, want nil", err)
	}
	wantUsage(t, s, o.ID, 6000, 6)
	isKind(t, "SettleUpload(no owner)", s.SettleUpload(ctx, "001000000404", kept.ID, true), kerr.NotFound, "")
	// Another owner's settlement does not touch this owner's charge.
	other := mustCreateOwner(t, s, "001090000105")
	if err := s.SettleUpload(ctx, other.ID, given.ID, true); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, s, o.ID, 6000, 6)
	wantUsage(t, s, other.ID, 0, 0)
}

func testUploadSettleConcurrent(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000106")
	in := intent(ids, o.ID, 0, 250, 1)
	if err := s.BeginUpload(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUsage(ctx, o.ID, 1000, 2, 0); err != nil {
		t.Fatal(err)
	}
	for i, err := range parallel(8, func(int) error { return s.SettleUpload(ctx, o.ID, in.ID, true) }) {
		if err != nil {
			t.Fatalf("concurrent SettleUpload %d: %v", i, err)
		}
	}
	wantUsage(t, s, o.ID, 1000, 2)
}

func testUploadClaimBlob(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000107")
	old, young := intent(ids, o.ID, 0, 0, 0), intent(ids, o.ID, 10, 0, 0)
	for _, in := range []archive.UploadIntent{old, young} {
		if err := s.BeginUpload(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
	}
	content, report, other := blobOf("content"), blobOf("report"), blobOf("other")
	for _, h := range []string{content, report, content} {
		if err := s.ClaimBlob(ctx, old.ID, h); err != nil {
			t.Fatalf("ClaimBlob: %v", err)
		}
	}
	if err := s.ClaimBlob(ctx, young.ID, report); err != nil {
		t.Fatal(err)
	}
	isKind(t, "ClaimBlob(no intent)", s.ClaimBlob(ctx, ids.New(), content), kerr.NotFound, "")
	got := allUploads(t, s)
	if len(got) != 2 {
		t.Fatalf("%d intents, want 2", len(got))
	}
	if b := slices.Sorted(slices.Values(got[0].Blobs)); !slices.Equal(b, slices.Sorted(slices.Values([]string{content, report}))) {
		t.Errorf("Blobs of the first intent = %v, want content and report once each", got[0].Blobs)
	}
	claimed := func(h string, since time.Time) bool {
		t.Helper()
		ok, err := s.BlobClaimed(ctx, h, since)
		if err != nil {
			t.Fatalf("BlobClaimed: %v", err)
		}
		return ok
	}
	switch {
	case !claimed(content, when(0)):
		t.Error("content not claimed since the old intent's start")
	case claimed(content, when(1)):
		t.Error("content claimed since after the old intent's start: only the old intent names it")
	case !claimed(report, when(10)):
		t.Error("report not claimed by the young intent")
	case claimed(report, when(11)):
		t.Error("report claimed by an intent started later than any")
	case claimed(other, when(-100)):
		t.Error("a blob nobody named is claimed")
	}
	if err := s.DeleteUploads(ctx, old.ID); err != nil {
		t.Fatalf("DeleteUploads: %v", err)
	}
	if err := s.DeleteUploads(ctx, old.ID); err != nil {
		t.Fatalf("DeleteUploads of a deleted intent: %v, want nil", err)
	}
	if claimed(content, when(-100)) || !claimed(report, when(-100)) {
		t.Error("after deleting the old intent, its claims must go and the young one's stay")
	}
	isKind(t, "ClaimBlob(deleted intent)", s.ClaimBlob(ctx, old.ID, content), kerr.NotFound, "")
}

func testUploadList(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000108")
	// Inserted out of order; two share a start time (then the ID orders).
	var want []string
	byMinute := map[int][]archive.UploadIntent{}
	for _, m := range []int{5, 1, 3, 1, 9, 7} {
		in := intent(ids, o.ID, m, 0, 0)
		byMinute[m] = append(byMinute[m], in)
		if err := s.BeginUpload(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []int{1, 3, 5, 7, 9} {
		ins := byMinute[m]
		slices.SortFunc(ins, func(a, b archive.UploadIntent) int { return cmp.Compare(a.ID, b.ID) })
		for _, in := range ins {
			want = append(want, in.ID)
		}
	}
	idsOfUploads := func(ins []archive.UploadIntent) []string {
		var out []string
		for _, in := range ins {
			out = append(out, in.ID)
		}
		return out
	}
	got, err := s.ListUploads(ctx, when(7), archive.UploadCursor{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	sameList(t, "ListUploads(before minute 7)", idsOfUploads(got), want[:4])
	// Pages of two, from the cursor of each page's last.
	var paged []string
	var after archive.UploadCursor
	for range 10 {
		page, err := s.ListUploads(ctx, when(100), after, 2)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, idsOfUploads(page)...)
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		after = archive.UploadCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	sameList(t, "ListUploads in pages of 2", paged, want)
	for _, n := range []int{0, -1, 1001} {
		_, err := s.ListUploads(ctx, when(100), archive.UploadCursor{}, n)
		isKind(t, "ListUploads(limit out of range)", err, kerr.Invalid, "")
	}
}

func testUploadKeepAndDelete(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	o := mustCreateOwner(t, s, "001090000109")
	var batch []string
	for i := range 3 {
		in := intent(ids, o.ID, i, 100, 1)
		if err := s.BeginUpload(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, in.ID)
	}
	released := intent(ids, o.ID, 3, 50, 1)
	if err := s.BeginUpload(ctx, released, 0); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, s, o.ID, 350, 4)
	// Kept, with an ID never charged among them: usage unchanged, and the
	// charges are gone (giving them back now changes nothing).
	if err := s.KeepUploads(ctx, o.ID, append(batch[:2:2], ids.New())); err != nil {
		t.Fatalf("KeepUploads: %v", err)
	}
	wantUsage(t, s, o.ID, 350, 4)
	for _, id := range batch[:2] {
		if err := s.SettleUpload(ctx, o.ID, id, true); err != nil {
			t.Fatal(err)
		}
	}
	wantUsage(t, s, o.ID, 350, 4)
	// The one not kept can still be given back.
	if err := s.SettleUpload(ctx, o.ID, batch[2], true); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, s, o.ID, 250, 3)
	if err := s.KeepUploads(ctx, o.ID, nil); err != nil {
		t.Fatalf("KeepUploads(none): %v", err)
	}
	isKind(t, "KeepUploads(no owner)", s.KeepUploads(ctx, "001000000404", batch), kerr.NotFound, "")

	if err := s.DeleteUploads(ctx, batch[0], batch[2], ids.New()); err != nil {
		t.Fatalf("DeleteUploads: %v", err)
	}
	var left []string
	for _, in := range allUploads(t, s) {
		left = append(left, in.ID)
	}
	sameList(t, "intents after DeleteUploads", left, []string{batch[1], released.ID})
	if err := s.DeleteUploads(ctx); err != nil {
		t.Fatalf("DeleteUploads(none): %v", err)
	}
}
