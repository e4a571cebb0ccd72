package archivetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// entry returns ledger entry seq of chain about document docID, hashed
// (the caller rehashes after changing fields).
func entry(chain string, seq int64, prevHash, docID string) archive.LedgerEntry {
	e := archive.LedgerEntry{
		Chain:      chain,
		Seq:        seq,
		At:         when(int(seq)),
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

// chain appends n entries to chain (docs[i%len(docs)] as their documents)
// and returns them.
func chain(t *testing.T, s archive.Store, name string, n int, docs ...string) []archive.LedgerEntry {
	t.Helper()
	if len(docs) == 0 {
		docs = []string{""}
	}
	var out []archive.LedgerEntry
	prev := ""
	for i := 1; i <= n; i++ {
		e := entry(name, int64(i), prev, docs[(i-1)%len(docs)])
		if err := s.AppendLedger(t.Context(), e); err != nil {
			t.Fatalf("AppendLedger(%s #%d): %v", name, i, err)
		}
		prev = e.Hash
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

func seqs(es []archive.LedgerEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func testLedgerAppendLast(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, err := s.LastLedger(ctx, ownerA)
	isKind(t, "LastLedger(empty chain)", err, kerr.NotFound, "")

	es := chain(t, s, ownerA, 3, "")
	last, err := s.LastLedger(ctx, ownerA)
	if err != nil {
		t.Fatalf("LastLedger: %v", err)
	}
	same(t, "LastLedger", last, es[2])
	if archive.EntryHash(last) != last.Hash {
		t.Error("the entry read back does not hash to its Hash")
	}

	dup := entry(ownerA, 2, "forged", "")
	isKind(t, "AppendLedger(existing Seq)", s.AppendLedger(ctx, dup), kerr.Conflict, "")
	got, _ := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 10})
	same(t, "chain after the refused append", got, es)

	// The same Seq in another chain is no conflict.
	other := entry(ownerB, 2, "x", "")
	if err := s.AppendLedger(ctx, other); err != nil {
		t.Fatalf("AppendLedger(other chain, same Seq): %v", err)
	}
	if l, err := s.LastLedger(ctx, ownerA); err != nil || l.Seq != 3 {
		t.Errorf("LastLedger(A) = %d, %v after appending to B", l.Seq, err)
	}
	if l, err := s.LastLedger(ctx, ownerB); err != nil || l.Seq != 2 {
		t.Errorf("LastLedger(B) = %d, %v", l.Seq, err)
	}
	// Seq order, not insertion order, decides the last entry.
	if err := s.AppendLedger(ctx, entry(ownerB, 10, "y", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLedger(ctx, entry(ownerB, 5, "z", "")); err != nil {
		t.Fatal(err)
	}
	if l, err := s.LastLedger(ctx, ownerB); err != nil || l.Seq != 10 {
		t.Errorf("LastLedger(B) = %d, %v; want 10", l.Seq, err)
	}
}

func testLedgerList(t *testing.T, s archive.Store) {
	es := chain(t, s, ownerA, 7)
	chain(t, s, ownerB, 4)
	chain(t, s, "0123456789", 2)

	got, more := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 100})
	same(t, "whole chain", got, es)
	if more {
		t.Error("the whole chain says more follow")
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 3})
	if fmt.Sprint(seqs(got)) != "[1 2 3]" || !more {
		t.Errorf("first page: %v more=%v; want [1 2 3] true", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, AfterSeq: 3, Limit: 3})
	if fmt.Sprint(seqs(got)) != "[4 5 6]" || !more {
		t.Errorf("second page: %v more=%v; want [4 5 6] true", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, AfterSeq: 6, Limit: 3})
	if fmt.Sprint(seqs(got)) != "[7]" || more {
		t.Errorf("last page: %v more=%v; want [7] false", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, AfterSeq: 4, Limit: 3})
	if fmt.Sprint(seqs(got)) != "[5 6 7]" || more {
		t.Errorf("page ending at the tail: %v more=%v; want [5 6 7] false", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, AfterSeq: 7, Limit: 3})
	if len(got) != 0 || more {
		t.Errorf("after the tail: %v more=%v", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: "001000000000", Limit: 3})
	if len(got) != 0 || more {
		t.Errorf("empty chain: %v more=%v", seqs(got), more)
	}
	for _, e := range es {
		if e.Chain != ownerA {
			t.Fatalf("chain A lists an entry of %s", e.Chain)
		}
	}
}

func testLedgerListDocument(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d1, d2, d3 := ids.New(), ids.New(), ids.New()
	es := chain(t, s, ownerA, 10, d1, d2, d1, "", d3)
	// Entries of another chain about the same document must not show.
	chain(t, s, ownerB, 3, d1)
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
	// Paging over a document's entries: [1 3 6 8].
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d1, Limit: 2})
	if fmt.Sprint(seqs(got)) != "[1 3]" || !more {
		t.Errorf("d1 page 1: %v more=%v; want [1 3] true", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d1, AfterSeq: 3, Limit: 2})
	if fmt.Sprint(seqs(got)) != "[6 8]" || more {
		t.Errorf("d1 page 2: %v more=%v; want [6 8] false", seqs(got), more)
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d1, AfterSeq: 4, Limit: 1})
	if fmt.Sprint(seqs(got)) != "[6]" || !more {
		t.Errorf("d1 after 4: %v more=%v; want [6] true", seqs(got), more)
	}
	got, _ = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: d3, Limit: 10})
	if fmt.Sprint(seqs(got)) != "[5 10]" {
		t.Errorf("d3: %v; want [5 10]", seqs(got))
	}
	got, more = listLedger(t, s, archive.LedgerQuery{Chain: ownerA, DocumentID: ids.New(), Limit: 10})
	if len(got) != 0 || more {
		t.Errorf("unknown document: %v more=%v", seqs(got), more)
	}
}

// testLedgerConcurrentAppend: writers racing for the same Seq; exactly one
// wins each slot.
func testLedgerConcurrentAppend(t *testing.T, s archive.Store) {
	const n = 8
	errs := parallel(n, func(i int) error {
		e := entry(ownerA, 1, "", fmt.Sprint(i))
		e.Hash = archive.EntryHash(e)
		return s.AppendLedger(t.Context(), e)
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
		t.Errorf("%d writers appended Seq 1, want exactly 1", ok)
	}
	got, _ := listLedger(t, s, archive.LedgerQuery{Chain: ownerA, Limit: 10})
	if len(got) != 1 {
		t.Errorf("chain has %d entries, want 1", len(got))
	}
}

func testLedgerScan(t *testing.T, s archive.Store) {
	ctx := t.Context()
	var seen []archive.LedgerEntry
	if err := s.ScanLedger(ctx, func(e archive.LedgerEntry) error { seen = append(seen, e); return nil }); err != nil || len(seen) != 0 {
		t.Fatalf("ScanLedger(empty) = %d entries, %v", len(seen), err)
	}
	// Appended in mixed order; scanned by Chain then Seq.
	chains := []string{"079185000202", "001090000101", "0123456789-001"}
	want := map[string][]archive.LedgerEntry{}
	prev := map[string]string{}
	for i := 1; i <= 5; i++ {
		for _, c := range chains {
			e := entry(c, int64(i), prev[c], "")
			if err := s.AppendLedger(ctx, e); err != nil {
				t.Fatalf("AppendLedger: %v", err)
			}
			prev[c] = e.Hash
			want[c] = append(want[c], wantLedger(e))
		}
	}
	var all []archive.LedgerEntry
	for _, c := range []string{"001090000101", "0123456789-001", "079185000202"} {
		all = append(all, want[c]...)
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

	// A scan over many entries of several chains, appended interleaved
	// (more than one batch of a paging driver), sees every entry once, in
	// (Chain, Seq) order.
	const perChain = 400
	big := []string{"m-1", "m-2", "m-3"}
	for i := 1; i <= perChain; i++ {
		for _, c := range big {
			if err := s.AppendLedger(ctx, entry(c, int64(i), "", "")); err != nil {
				t.Fatalf("AppendLedger(%s #%d): %v", c, i, err)
			}
		}
	}
	var last archive.LedgerEntry
	count := 0
	if err := s.ScanLedger(ctx, func(e archive.LedgerEntry) error {
		if count > 0 && (e.Chain < last.Chain || e.Chain == last.Chain && e.Seq <= last.Seq) {
			return fmt.Errorf("%s #%d after %s #%d", e.Chain, e.Seq, last.Chain, last.Seq)
		}
		last = e
		count++
		return nil
	}); err != nil {
		t.Fatalf("ScanLedger(many): %v", err)
	}
	if want := len(all) + perChain*len(big); count != want {
		t.Errorf("ScanLedger saw %d of %d entries", count, want)
	}
}

func testLedgerHeads(t *testing.T, s archive.Store) {
	ctx := t.Context()
	heads := func() []archive.LedgerHead {
		t.Helper()
		hs, err := s.LedgerHeads(ctx)
		if err != nil {
			t.Fatalf("LedgerHeads: %v", err)
		}
		return hs
	}
	if hs := heads(); len(hs) != 0 {
		t.Fatalf("LedgerHeads(empty) = %v", hs)
	}
	adv := func(c string, seq int64, hash string) {
		t.Helper()
		if err := s.AdvanceLedgerHead(ctx, archive.LedgerHead{Chain: c, Seq: seq, Hash: hash}); err != nil {
			t.Fatalf("AdvanceLedgerHead(%s, %d): %v", c, seq, err)
		}
	}
	adv(ownerB, 3, "b3")
	adv(ownerA, 1, "a1")
	adv(ownerA, 5, "a5")
	adv(ownerA, 4, "a4")  // backwards: ignored
	adv(ownerA, 5, "a5'") // same: ignored
	adv(ownerB, 4, "b4")
	same(t, "LedgerHeads", heads(), []archive.LedgerHead{{Chain: ownerA, Seq: 5, Hash: "a5"}, {Chain: ownerB, Seq: 4, Hash: "b4"}})

	// Concurrent advances end at the highest.
	errs := parallel(10, func(i int) error {
		return s.AdvanceLedgerHead(t.Context(), archive.LedgerHead{Chain: "099000000003", Seq: int64(i + 1), Hash: fmt.Sprint("h", i+1)})
	})
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent AdvanceLedgerHead: %v", err)
		}
	}
	hs := heads()
	if len(hs) != 3 || hs[2].Chain != "099000000003" || hs[2].Seq != 10 || hs[2].Hash != "h10" {
		t.Errorf("after concurrent advances: %+v; want 099000000003 at 10", hs)
	}
}
