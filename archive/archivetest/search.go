package archivetest

import (
	"testing"

	"github.com/kho-vn/kho/archive"
)

// testListOldSearchText: with DocQuery.SearchVersion, a word search also
// returns the documents indexed by older rules (lower SearchVersion, 0 for
// those stored before versions were kept) whatever their text, in the same
// order and pages as the others; without it, Words alone decide.
func testListOldSearchText(t *testing.T, s archive.Store) {
	ids := NewIDs()
	type row struct {
		text    string
		version int
	}
	rows := []row{
		{"giay khai sinh nguyen van a", 2}, // 0: matches, current
		{"giay khai sinh", 0},              // 1: old: returned with SearchVersion
		{"can cuoc cong dan", 2},           // 2: current, no match
		{"giay khai sinh tran thi b", 1},   // 3: older rules, also matches
		{"nguyen van a", 2},                // 4: "khai" missing
		{"bang lai xe", 1},                 // 5: old
		{"giay khai sinh le van c", 3},     // 6: newer rules than asked: current
	}
	created := seed(t, s, ids, ownerA, len(rows), func(i int, d *archive.Document) {
		d.SearchText, d.SearchVersion = rows[i].text, rows[i].version
	})
	// Another owner's old document never shows.
	seed(t, s, ids, ownerB, 1, func(_ int, d *archive.Document) { d.SearchText, d.SearchVersion = "giay khai sinh", 0 })

	words := []string{"giay", "khai"}
	sameList(t, "Words alone", pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: words, Limit: 2}),
		newestOf(created, 0, 1, 3, 6))
	for _, limit := range []int{1, 2, 10} {
		sameList(t, "Words with SearchVersion 2", pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: words, SearchVersion: 2, Limit: limit}),
			newestOf(created, 0, 1, 3, 5, 6))
	}
	sameList(t, "SearchVersion 1 (only version 0 is older)", pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: []string{"nguyen"}, SearchVersion: 1, Limit: 3}),
		newestOf(created, 0, 1, 4))
	// The other filters still apply to the old documents.
	sameList(t, "with a type", pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: words, SearchVersion: 2, TypeCodes: []string{"CCCD"}, Limit: 3}), nil)
	// Without words SearchVersion selects nothing more.
	sameList(t, "no words", pages(t, s, archive.DocQuery{OwnerID: ownerA, SearchVersion: 2, Limit: 3}), reverse(created))
	docs, _ := list(t, s, archive.DocQuery{OwnerID: ownerA, Words: words, SearchVersion: 2, Limit: 10})
	for _, d := range docs {
		if d.ID == created[1] && (d.SearchText != "giay khai sinh" || d.SearchVersion != 0) {
			t.Errorf("old document listed with SearchText %q, SearchVersion %d; want the stored ones", d.SearchText, d.SearchVersion)
		}
	}
}

// testSetSearchText: SetSearchText stores the text and version of the
// documents still at the given Rev and indexed by older rules, leaves the
// others (and Rev) alone, and the new text is what word search matches.
func testSetSearchText(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	created := seed(t, s, ids, ownerA, 4, func(i int, d *archive.Document) {
		d.SearchText, d.SearchVersion = "giay khai sinh", 0
	})
	// created[2] is already at version 5; created[3] moved on to Rev 2.
	d2 := mustGetDoc(t, s, created[2])
	if err := s.SetSearchText(ctx, []archive.SearchTextUpdate{{ID: d2.ID, Rev: 1, Text: "giay khai sinh v5", Version: 5}}); err != nil {
		t.Fatalf("SetSearchText: %v", err)
	}
	d3 := mustGetDoc(t, s, created[3])
	d3.Name, d3.SearchText, d3.SearchVersion = "Giấy khai sinh (sửa)", "giay khai sinh sua", 0
	d3 = nextVersion(d3, "metadata", when(2))
	if err := s.UpdateDocument(ctx, d3, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}

	err := s.SetSearchText(ctx, []archive.SearchTextUpdate{
		{ID: created[0], Rev: 1, Text: "giay khai sinh nguyen van a 001099012345", Version: 3},
		{ID: created[1], Rev: 1, Text: "giay khai sinh tran thi b", Version: 3},
		{ID: created[2], Rev: 1, Text: "older rules", Version: 3},                   // indexed by newer rules: kept
		{ID: created[3], Rev: 1, Text: "computed from revision 1", Version: 3},      // changed since: kept
		{ID: ids.New(), Rev: 1, Text: "a document that does not exist", Version: 3}, // ignored
	})
	if err != nil {
		t.Fatalf("SetSearchText: %v", err)
	}
	for _, c := range []struct {
		id      string
		text    string
		version int
		rev     int64
	}{
		{created[0], "giay khai sinh nguyen van a 001099012345", 3, 1},
		{created[1], "giay khai sinh tran thi b", 3, 1},
		{created[2], "giay khai sinh v5", 5, 1},
		{created[3], "giay khai sinh sua", 0, 2},
	} {
		got := mustGetDoc(t, s, c.id)
		if got.SearchText != c.text || got.SearchVersion != c.version || got.Rev != c.rev {
			t.Errorf("after SetSearchText: %s has SearchText %q, version %d, Rev %d; want %q, %d, Rev %d",
				c.id, got.SearchText, got.SearchVersion, got.Rev, c.text, c.version, c.rev)
		}
	}
	// The rest of the document is untouched.
	want := doc(created[0], ownerA, "KS")
	want.SearchText, want.SearchVersion = "giay khai sinh nguyen van a 001099012345", 3
	sameDoc(t, "document after SetSearchText", mustGetDoc(t, s, created[0]), want)

	sameList(t, "words of the new text", pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: []string{"nguyen van a", "0010990"}, SearchVersion: 3, Limit: 2}),
		newestOf(created, 0, 3))
	if err := s.SetSearchText(ctx, nil); err != nil {
		t.Errorf("SetSearchText(nil): %v", err)
	}
	// An update after SetSearchText still sees the Rev it expects.
	d0 := mustGetDoc(t, s, created[0])
	if err := s.UpdateDocument(ctx, nextVersion(d0, "metadata", when(3)), 1); err != nil {
		t.Errorf("UpdateDocument at Rev 1 after SetSearchText: %v", err)
	}
}

// testSetSearchTextConcurrentUpdate: SetSearchText racing an update of
// the same document never overwrites the text the update stored.
func testSetSearchTextConcurrentUpdate(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	const n = 8
	created := seed(t, s, ids, ownerA, n, func(_ int, d *archive.Document) { d.SearchText, d.SearchVersion = "cu", 0 })
	errs := parallel(2*n, func(i int) error {
		id := created[i/2]
		if i%2 == 0 {
			return s.SetSearchText(ctx, []archive.SearchTextUpdate{{ID: id, Rev: 1, Text: "lazy", Version: 4}})
		}
		d, err := s.GetDocument(ctx, id)
		if err != nil {
			return err
		}
		d.SearchText, d.SearchVersion = "edited", 4
		return s.UpdateDocument(ctx, nextVersion(d, "metadata", when(2)), 1)
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	for _, id := range created {
		if got := mustGetDoc(t, s, id); got.SearchText != "edited" || got.Rev != 2 {
			t.Errorf("%s: SearchText %q at Rev %d; the update's text must win", id, got.SearchText, got.Rev)
		}
	}
}
