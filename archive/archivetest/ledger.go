package archivetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// laneEntry returns entry seq of a lane of chain about document docID,
// made at when(i), hashed (the caller rehashes after changing fields).
func laneEntry(chain, lane string, seq int64, i int, prevHash, docID string) archive.LedgerEntry {
	e := archive.LedgerEntry{
		Chain:      chain,
		Lane:       lane,
		Seq:        seq,
		At:         when(i),
		Actor:      "079080001234",
		ActorRole:  archive.RoleStaff,
		Action:     archive.ActionRead,
		DocumentID: docID,
		Version:    1,
		Purpose:    "thẩm định hồ sơ đăng ký kinh doanh",
		Dossier:    "000.00.31.H29-260314-0001",
		PrevHash:   prevHash,
	}
	if seq == 1 {
		e.Action = archive.ActionCreate
	}
	e.Hash = archive.EntryHash(e)
	return e
}

// entry is laneEntry in the lane "w1-0", made at when(seq).
func entry(chain string, seq int64, prevHash, docID string) archive.LedgerEntry {
	return laneEntry(chain, "w1-0", seq, int(seq), prevHash, docID)
}

// lanesOf appends n entries to chain spread over lanes in turn (entry i
// in lanes[i%len(lanes)], made at when(start+i), about docs[i%len(docs)])
// and returns them in time order.
func lanesOf(t *testing.T, s archive.Store, chain string, n, start int, lanes []string, docs ...string) []archive.LedgerEntry {
	t.Helper()
	if len(docs) == 0 {
		docs = []string{""}
	}
	seq := map[string]int64{}
	prev := map[string]string{}
	var out []archive.LedgerEntry
	for i := range n {
		l := lanes[i%len(lanes)]
		seq[l]++
		e := laneEntry(chain, l, seq[l], start+i, prev[l], docs[i%len(docs)])
		if err := s.AppendLedger(t.Context(), e); err != nil {
			t.Fatalf("AppendLedger(%s/%s #%d): %v", chain, l, seq[l], err)
		}
		prev[l] = e.Hash
		out = append(out, wantLedger(e))
	}
	return out
}

func listLedger(t *testing.T, s archive.Store, q archive.LedgerQuery) ([]archive.LedgerEntry, bool) {
	t.Helper()
	es, more, err := s.ListLedger(t.Context(), q)
	if err != nil {
		t.Fatalf("ListLedger(%+v): %v", q, err)
	}
	return es, more
}

// ids shows entries as lane#seq.
func ids(es []archive.LedgerEntry) string {
	out := ""
	for _, e := range es {
		out += fmt.Sprintf("%s#%d ", e.Lane, e.Seq)
	}
	return out
}

func testLedgerAppendLast(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, err := s.LastLedger(ctx, ownerA, "a-0")
	isKind(t, "LastLedger(empty lane)", err, kerr.NotFound, "")

	es := lanesOf(t, s, ownerA, 3, 1, []string{"a-0"})
	last, err := s.LastLedger(ctx, ownerA, "a-0")
	if err != nil {
		t.Fatalf("LastLedger: %v", err)
	}
	same(t, "LastLedger", last, es[2])
	if archive.EntryHash(last) != last.Hash {
		t.Error("the entry read back does not hash to its Hash")
	}

	dup := laneEntry(ownerA, "a-0", 2, 9, "forged", "")
	isKind(t, "AppendLedger(existing lane and Seq)", s.AppendLedger(ctx, dup), kerr.Conflict, "")
	got, _ := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 10})
	same(t, "ledger after the refused append", got, es)

	// The same Seq in another lane of the owner, or in another owner's
	// lane of the same name, is no conflict, and lanes keep their own tails.
	if err := s.AppendLedger(ctx, laneEntry(ownerA, "b-0", 2, 10, "x", "")); err != nil {
		t.Fatalf("AppendLedger(other lane, same Seq): %v", err)
	}
	if err := s.AppendLedger(ctx, laneEntry(ownerB, "a-0", 2, 11, "x", "")); err != nil {
		t.Fatalf("AppendLedger(other owner, same lane and Seq): %v", err)
	}
	if l, err := s.LastLedger(ctx, ownerA, "a-0"); err != nil || l.Seq != 3 {
		t.Errorf("LastLedger(A, a-0) = %d, %v after appending to other lanes", l.Seq, err)
	}
	if l, err := s.LastLedger(ctx, ownerA, "b-0"); err != nil || l.Seq != 2 {
		t.Errorf("LastLedger(A, b-0) = %d, %v", l.Seq, err)
	}
	_, err = s.LastLedger(ctx, ownerB, "b-0")
	isKind(t, "LastLedger(B, b-0)", err, kerr.NotFound, "")
	// Seq order, not insertion order or time, decides the last entry.
	if err := s.AppendLedger(ctx, laneEntry(ownerB, "c-0", 10, 1, "y", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLedger(ctx, laneEntry(ownerB, "c-0", 5, 20, "z", "")); err != nil {
		t.Fatal(err)
	}
	if l, err := s.LastLedger(ctx, ownerB, "c-0"); err != nil || l.Seq != 10 {
		t.Errorf("LastLedger(B, c-0) = %d, %v; want 10", l.Seq, err)
	}
	// The lane "" holds the entries made before lanes existed.
	old := laneEntry("001000000009", "", 1, 30, "", "")
	if err := s.AppendLedger(ctx, old); err != nil {
		t.Fatal(err)
	}
	if l, err := s.LastLedger(ctx, "001000000009", ""); err != nil || l.Hash != old.Hash {
		t.Errorf("LastLedger(lane \"\") = %+v, %v", l, err)
	}
}

// testLedgerList: an owner's lanes are listed merged in time order, paged
// by LedgerKey, without other owners' entries.
func testLedgerList(t *testing.T, s archive.Store) {
	es := lanesOf(t, s, ownerA, 7, 1, []string{"p-0", "q-0", "p-1"})
	lanesOf(t, s, ownerB, 4, 2, []string{"p-0"})
	lanesOf(t, s, "0123456789", 2, 3, []string{"q-0"})

	got, more := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 100})
	same(t, "whole ledger", got, es)
	if more {
		t.Error("the whole ledger says more follow")
	}
	page := func(after string, limit int, want []archive.LedgerEntry, wantMore bool) []archive.LedgerEntry {
		t.Helper()
		got, more := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, After: after, Limit: limit})
		if ids(got) != ids(want) || more != wantMore {
			t.Errorf("page after %q: %s more=%v; want %s %v", after, ids(got), more, ids(want), wantMore)
		}
		return got
	}
	p1 := page("", 3, es[:3], true)
	p2 := page(archive.LedgerKey(p1[2]), 3, es[3:6], true)
	page(archive.LedgerKey(p2[2]), 3, es[6:], false)
	page(archive.LedgerKey(es[3]), 3, es[4:], false)
	page(archive.LedgerKey(es[6]), 3, nil, false)
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: "001000000000", Limit: 3})
	if len(got) != 0 || more {
		t.Errorf("empty ledger: %s more=%v", ids(got), more)
	}

	// Entries at the same millisecond in two lanes: both listed, once, in
	// key order, across a page boundary.
	at := laneEntry("001000000001", "x-0", 1, 50, "", "")
	bt := laneEntry("001000000001", "y-0", 1, 50, "", "")
	for _, e := range []archive.LedgerEntry{bt, at} {
		if err := s.AppendLedger(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	g1, _ := listLedger(t, s, archive.LedgerQuery{Chain: "001000000001", Limit: 1})
	g2, more := listLedger(t, s, archive.LedgerQuery{Chain: "001000000001", After: archive.LedgerKey(g1[0]), Limit: 1})
	if len(g1) != 1 || len(g2) != 1 || g1[0].Lane != "x-0" || g2[0].Lane != "y-0" || more {
		t.Errorf("same-time entries paged: %s then %s more=%v", ids(g1), ids(g2), more)
	}

	_, _, err := s.ListLedger(t.Context(), archive.LedgerQuery{Chain: ownerA, Limit: 0})
	isKind(t, "ListLedger(limit 0)", err, kerr.Invalid, "")
}

func testLedgerListDocument(t *testing.T, s archive.Store) {
	gen := NewIDs()
	d1, d2, d3 := gen.New(), gen.New(), gen.New()
	es := lanesOf(t, s, ownerA, 10, 1, []string{"p-0", "q-0"}, d1, d2, d1, "", d3)
	// Entries of another owner about the same document must not show.
	lanesOf(t, s, ownerB, 3, 1, []string{"p-0"}, d1)
	var want []archive.LedgerEntry
	for _, e := range es {
		if e.DocumentID == d1 {
			want = append(want, e)
		}
	}
	got, more := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d1, Limit: 100})
	same(t, "entries of d1", got, want)
	if more {
		t.Error("all entries of d1 say more follow")
	}
	// Paging over a document's entries: 4 of them, 2 per page.
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d1, Limit: 2})
	if ids(got) != ids(want[:2]) || !more {
		t.Errorf("d1 page 1: %s more=%v; want %s true", ids(got), more, ids(want[:2]))
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d1, After: archive.LedgerKey(got[1]), Limit: 2})
	if ids(got) != ids(want[2:]) || more {
		t.Errorf("d1 page 2: %s more=%v; want %s false", ids(got), more, ids(want[2:]))
	}
	got, _ = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d3, Limit: 10})
	if ids(got) != ids([]archive.LedgerEntry{es[4], es[9]}) {
		t.Errorf("d3: %s; want %s", ids(got), ids([]archive.LedgerEntry{es[4], es[9]}))
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: gen.New(), Limit: 10})
	if len(got) != 0 || more {
		t.Errorf("unknown document: %s more=%v", ids(got), more)
	}
}

// testLedgerConcurrentAppend: writers racing for the same Seq of one lane;
// exactly one wins. Writers of different lanes never collide.
func testLedgerConcurrentAppend(t *testing.T, s archive.Store) {
	const n = 8
	errs := parallel(n, func(i int) error {
		return s.AppendLedger(t.Context(), laneEntry(ownerA, "p-0", 1, 1, "", fmt.Sprint(i)))
	})
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case kerr.KindOf(err) != kerr.Conflict:
			t.Errorf("AppendLedger: %v (kind %v), want nil or Conflict", err, kerr.KindOf(err))
		}
	}
	if ok != 1 {
		t.Errorf("%d writers appended Seq 1 of one lane, want exactly 1", ok)
	}
	errs = parallel(n, func(i int) error {
		return s.AppendLedger(t.Context(), laneEntry(ownerA, fmt.Sprintf("w%d-0", i), 1, 2, "", ""))
	})
	for _, err := range errs {
		if err != nil {
			t.Errorf("AppendLedger to its own lane: %v", err)
		}
	}
	got, _ := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 100})
	if len(got) != n+1 {
		t.Errorf("ledger has %d entries, want %d", len(got), n+1)
	}
}

// testLedgerSince: every owner's entries after a key, in key order, paged.
func testLedgerSince(t *testing.T, s archive.Store) {
	ctx := t.Context()
	if es, err := s.LedgerSince(ctx, "", 10); err != nil || len(es) != 0 {
		t.Fatalf("LedgerSince(empty store) = %d, %v", len(es), err)
	}
	a := lanesOf(t, s, ownerA, 5, 1, []string{"p-0", "q-0"})
	b := lanesOf(t, s, ownerB, 5, 1, []string{"p-0"})
	var all []archive.LedgerEntry
	for i := range 5 { // at when(1+i): A's key sorts before B's (owner ID order)
		all = append(all, a[i], b[i])
	}
	got, err := s.LedgerSince(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "LedgerSince(all)", got, all)
	var paged []archive.LedgerEntry
	after := ""
	for {
		es, err := s.LedgerSince(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, es...)
		if len(es) < 3 {
			break
		}
		after = archive.LedgerKey(es[len(es)-1])
	}
	same(t, "LedgerSince paged", paged, all)
	got, err = s.LedgerSince(ctx, archive.LedgerKeyAt(when(4)), 100)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "LedgerSince(from when(4))", got, all[6:])
}

func testLedgerScan(t *testing.T, s archive.Store) {
	ctx := t.Context()
	var seen []archive.LedgerEntry
	if err := s.ScanLedger(ctx, func(e archive.LedgerEntry) error { seen = append(seen, e); return nil }); err != nil || len(seen) != 0 {
		t.Fatalf("ScanLedger(empty) = %d entries, %v", len(seen), err)
	}
	// Appended interleaved; scanned by Chain, Lane, then Seq.
	chains := []string{"079185000202", "001090000101", "0123456789-001"}
	want := map[string][]archive.LedgerEntry{}
	prev := map[string]string{}
	for i := 1; i <= 5; i++ {
		for _, c := range chains {
			for _, l := range []string{"z-0", "a-1", ""} {
				e := laneEntry(c, l, int64(i), i, prev[c+l], "")
				if err := s.AppendLedger(ctx, e); err != nil {
					t.Fatalf("AppendLedger: %v", err)
				}
				prev[c+l] = e.Hash
				want[c+l] = append(want[c+l], wantLedger(e))
			}
		}
	}
	var all []archive.LedgerEntry
	for _, c := range []string{"001090000101", "0123456789-001", "079185000202"} {
		for _, l := range []string{"", "a-1", "z-0"} {
			all = append(all, want[c+l]...)
		}
	}
	seen = nil
	if err := s.ScanLedger(ctx, func(e archive.LedgerEntry) error { seen = append(seen, e); return nil }); err != nil {
		t.Fatalf("ScanLedger: %v", err)
	}
	same(t, "ScanLedger", seen, all)

	// fn's error stops the scan and comes back.
	n := 0
	err := s.ScanLedger(ctx, func(e archive.LedgerEntry) error {
		n++
		if n == 7 {
			return fmt.Errorf("at %s #%d: %w", e.Chain, e.Seq, errStop)
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Errorf("ScanLedger returned %v, want fn's error", err)
	}
	if n != 7 {
		t.Errorf("ScanLedger called fn %d times after it failed at 7", n)
	}

	// Many entries in lanes of one owner (more than one batch of a paging
	// driver) are each seen once, in order.
	const perLane = 400
	big := []string{"m-1", "m-2", "m-3"}
	for i := 1; i <= perLane; i++ {
		for _, l := range big {
			if err := s.AppendLedger(ctx, laneEntry("001000000077", l, int64(i), i, "", "")); err != nil {
				t.Fatalf("AppendLedger(%s #%d): %v", l, i, err)
			}
		}
	}
	var last archive.LedgerEntry
	count := 0
	if err := s.ScanLedger(ctx, func(e archive.LedgerEntry) error {
		if count > 0 && (e.Chain < last.Chain || e.Chain == last.Chain && (e.Lane < last.Lane || e.Lane == last.Lane && e.Seq <= last.Seq)) {
			return fmt.Errorf("%s/%s #%d after %s/%s #%d", e.Chain, e.Lane, e.Seq, last.Chain, last.Lane, last.Seq)
		}
		last = e
		count++
		return nil
	}); err != nil {
		t.Fatalf("ScanLedger(many): %v", err)
	}
	if want := len(all) + perLane*len(big); count != want {
		t.Errorf("ScanLedger saw %d of %d entries", count, want)
	}
}

// leaf returns log leaf n for a lane head, with made-up stored hashes
// (1 + n%3 of them, 32 bytes each, derived from n).
func leaf(n int64, chain, lane string, seq int64) archive.LogLeaf {
	l := archive.LogLeaf{N: n, LaneHead: archive.LaneHead{Chain: chain, Lane: lane, Seq: seq, Hash: fmt.Sprintf("%064x", n)}}
	for k := range 1 + n%3 {
		h := sha256.Sum256(fmt.Appendf(nil, "%d/%d", n, k))
		l.Hashes = append(l.Hashes, h[:])
	}
	return l
}

func sameLeaves(t *testing.T, what string, got, want []archive.LogLeaf) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d leaves, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.N != w.N || g.LaneHead != w.LaneHead || len(g.Hashes) != len(w.Hashes) {
			t.Fatalf("%s[%d] = %d %+v (%d hashes), want %d %+v (%d)", what, i, g.N, g.LaneHead, len(g.Hashes), w.N, w.LaneHead, len(w.Hashes))
		}
		for k := range g.Hashes {
			if !bytes.Equal(g.Hashes[k], w.Hashes[k]) {
				t.Fatalf("%s[%d]: stored hash %d differs", what, i, k)
			}
		}
	}
}

// testLogLeaves: the Merkle log's leaves are append-only records with
// their stored hashes, read by N and scanned in N order.
func testLogLeaves(t *testing.T, s archive.Store) {
	ctx := t.Context()
	if n, err := s.LogSize(ctx); err != nil || n != 0 {
		t.Fatalf("LogSize(empty) = %d, %v", n, err)
	}
	var all []archive.LogLeaf
	for n := range int64(1200) {
		all = append(all, leaf(n, fmt.Sprintf("0010900%05d", n%7), fmt.Sprint("p-", n%3), n+1))
	}
	for i := 0; i < len(all); i += 500 {
		if err := s.AppendLogLeaves(ctx, all[i:min(i+500, len(all))]); err != nil {
			t.Fatalf("AppendLogLeaves(%d..): %v", i, err)
		}
	}
	if n, err := s.LogSize(ctx); err != nil || n != 1200 {
		t.Fatalf("LogSize = %d, %v; want 1200", n, err)
	}
	got, err := s.LogLeaves(ctx, []int64{0, 7, 499, 500, 1199, 5000})
	if err != nil {
		t.Fatal(err)
	}
	sameLeaves(t, "LogLeaves", got, []archive.LogLeaf{all[0], all[7], all[499], all[500], all[1199]})
	if got, err := s.LogLeaves(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("LogLeaves(none) = %d, %v", len(got), err)
	}
	var scanned []archive.LogLeaf
	if err := s.ScanLogLeaves(ctx, func(l archive.LogLeaf) error { scanned = append(scanned, l); return nil }); err != nil {
		t.Fatal(err)
	}
	sameLeaves(t, "ScanLogLeaves", scanned, all)
	n := 0
	if err := s.ScanLogLeaves(ctx, func(archive.LogLeaf) error {
		n++
		if n == 3 {
			return errStop
		}
		return nil
	}); !errors.Is(err, errStop) || n != 3 {
		t.Errorf("ScanLogLeaves stopped after %d with %v, want 3 and fn's error", n, err)
	}
	// A leaf index is written once: a second writer of the same N is refused.
	isKind(t, "AppendLogLeaves(existing N)", s.AppendLogLeaves(ctx, []archive.LogLeaf{leaf(1199, "x", "y", 1)}), kerr.Conflict, "")
	isKind(t, "AppendLogLeaves(from an existing N)", s.AppendLogLeaves(ctx, []archive.LogLeaf{leaf(1199, "x", "y", 1), leaf(1200, "x", "y", 2)}), kerr.Conflict, "")
	got, _ = s.LogLeaves(ctx, []int64{1199})
	sameLeaves(t, "leaf 1199 after the refused appends", got, all[1199:])
	// Racing writers of one N: exactly one wins.
	errs := parallel(6, func(i int) error {
		return s.AppendLogLeaves(t.Context(), []archive.LogLeaf{leaf(1300, "x", fmt.Sprint(i), 1)})
	})
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if kerr.KindOf(err) != kerr.Conflict {
			t.Errorf("racing AppendLogLeaves: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d racing writers stored leaf 1300, want 1", ok)
	}
}

// testLaneLeaves: for each lane of an owner, its newest leaf below a log size.
func testLaneLeaves(t *testing.T, s archive.Store) {
	ctx := t.Context()
	leaves := []archive.LogLeaf{
		leaf(0, ownerA, "p-0", 3),
		leaf(1, ownerA, "q-0", 1),
		leaf(2, ownerB, "p-0", 9),
		leaf(3, ownerA, "p-0", 7),
		leaf(4, ownerA, "", 40),
		leaf(5, ownerA, "q-0", 2),
		leaf(6, ownerA, "p-0", 8),
	}
	if err := s.AppendLogLeaves(ctx, leaves); err != nil {
		t.Fatal(err)
	}
	check := func(below int64, want ...archive.LogLeaf) {
		t.Helper()
		got, err := s.LaneLeaves(ctx, ownerA, below)
		if err != nil {
			t.Fatal(err)
		}
		sameLeaves(t, fmt.Sprint("LaneLeaves(A, ", below, ")"), got, want)
	}
	check(7, leaves[4], leaves[6], leaves[5])
	check(6, leaves[4], leaves[3], leaves[5])
	check(4, leaves[3], leaves[1])
	check(1, leaves[0])
	check(0)
	if got, err := s.LaneLeaves(ctx, "001000000000", 7); err != nil || len(got) != 0 {
		t.Errorf("LaneLeaves(owner without leaves) = %d, %v", len(got), err)
	}
}

// testCheckpoints: checkpoints are write-once records, the latest by size.
func testCheckpoints(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, err := s.LatestCheckpoint(ctx)
	isKind(t, "LatestCheckpoint(none)", err, kerr.NotFound, "")
	cp := func(size int64) archive.Checkpoint {
		root := sha256.Sum256(fmt.Append(nil, size))
		return archive.Checkpoint{Size: size, Root: root[:], At: when(int(size)).Add(123456 * time.Nanosecond),
			Note: fmt.Sprintf("kho-ledger\n%d\nroot\n\n— kho-ledger sig\n", size), Timestamp: []byte{0x30, byte(size)}, Blob: fmt.Sprintf("%064x", size)}
	}
	want := func(c archive.Checkpoint) archive.Checkpoint { c.At = ms(c.At); return c }
	for _, n := range []int64{5, 2, 9} {
		if err := s.AddCheckpoint(ctx, cp(n)); err != nil {
			t.Fatalf("AddCheckpoint(%d): %v", n, err)
		}
	}
	isKind(t, "AddCheckpoint(existing size)", s.AddCheckpoint(ctx, cp(5)), kerr.Conflict, "")
	latest, err := s.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "LatestCheckpoint", latest, want(cp(9)))
	got, err := s.Checkpoints(ctx, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Checkpoints(after 2, 1)", got, []archive.Checkpoint{want(cp(5))})
	got, err = s.Checkpoints(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Checkpoints(all)", got, []archive.Checkpoint{want(cp(2)), want(cp(5)), want(cp(9))})
	noTS := cp(11)
	noTS.Timestamp = nil
	if err := s.AddCheckpoint(ctx, noTS); err != nil {
		t.Fatal(err)
	}
	latest, _ = s.LatestCheckpoint(ctx)
	same(t, "checkpoint without a token", latest, want(noTS))
}
