package archive_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/kho-vn/kho/archive"

	_ "modernc.org/sqlite" // the driver behind storage/sqlite, to tamper with its file
)

// tamperedStore shows the ledger as someone who edited the stored records
// would leave it: edit may change an entry or drop it (false).
type tamperedStore struct {
	archive.Store
	edit func(e *archive.LedgerEntry) bool
}

func (s tamperedStore) ScanLedger(ctx context.Context, fn func(archive.LedgerEntry) error) error {
	return s.Store.ScanLedger(ctx, func(e archive.LedgerEntry) error {
		if !s.edit(&e) {
			return nil
		}
		return fn(e)
	})
}

// ledgerVault makes a vault with activity in two chains.
func ledgerVault(t *testing.T) *vault {
	t.Helper()
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	for _, a := range []archive.Actor{citizenA, citizenB} {
		d, err := v.Put(ctx, a, birthCert("", pdfBytes(a.Subject)))
		wantCode(t, err, "")
		for range 3 {
			_, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
			wantCode(t, err, "")
		}
	}
	return v
}

func audit(t *testing.T, v *vault, st archive.Store) archive.AuditReport {
	t.Helper()
	rep, err := archive.New(st, v.bucket, archive.Config{}, nil, v.clock.Now).VerifyLedger(context.Background())
	wantCode(t, err, "")
	return rep
}

func problems(rep archive.AuditReport) string {
	s := ""
	for _, p := range rep.Problems {
		s += fmt.Sprintf("%s#%d:%s;", p.Chain[:3], p.Seq, p.Reason)
	}
	return s
}

func TestVerifyLedger(t *testing.T) {
	v := ledgerVault(t)
	rep := audit(t, v, v.store)
	if rep.Chains != 2 || rep.Entries != 8 || len(rep.Problems) != 0 {
		t.Fatalf("clean ledger: %+v", rep)
	}
	a := citizenA.Subject
	for _, tc := range []struct {
		name string
		edit func(e *archive.LedgerEntry) bool
		want string
	}{
		{"changed entry", func(e *archive.LedgerEntry) bool {
			if e.Chain == a && e.Seq == 2 {
				e.Actor = "someone.else"
			}
			return true
		}, "001#2:hash mismatch;"},
		{"changed and rehashed", func(e *archive.LedgerEntry) bool {
			if e.Chain == a && e.Seq == 2 {
				e.Purpose = "khác"
				e.Hash = archive.EntryHash(*e)
			}
			return true
		}, "001#3:prevHash mismatch;"},
		{"deleted entry", func(e *archive.LedgerEntry) bool { return !(e.Chain == a && e.Seq == 3) }, "001#3:missing entry;"},
		{"deleted from the end", func(e *archive.LedgerEntry) bool { return !(e.Chain == a && e.Seq >= 3) }, "001#3:missing entry;001#4:missing entry;"},
		{"chain deleted", func(e *archive.LedgerEntry) bool { return e.Chain != a }, "001#4:head missing entries;"},
		{"reordered", func(e *archive.LedgerEntry) bool {
			if e.Chain == a && e.Seq == 3 {
				e.Seq = 2
			}
			return true
		}, "001#2:reordered entry;001#2:hash mismatch;001#3:missing entry;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := audit(t, v, tamperedStore{Store: v.store, edit: tc.edit})
			if got := problems(rep); got != tc.want {
				t.Fatalf("problems %s, want %s", got, tc.want)
			}
		})
	}
}

func TestLedgerConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("x")))
	wantCode(t, err, "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra đồng thời"})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	es := ledger(t, v, citizenA.Subject)
	if len(es) != 9 {
		t.Fatalf("%d entries, want 9", len(es))
	}
	rep, err := v.VerifyLedger(ctx)
	wantCode(t, err, "")
	if len(rep.Problems) != 0 {
		t.Fatalf("problems after concurrent appends: %+v", rep.Problems)
	}
	// A citizen reads their own chain, filtered by document.
	own, _, err := v.Ledger(ctx, citizenA, citizenA.Subject, d.ID, 5, 2, archive.Access{})
	wantCode(t, err, "")
	if len(own) != 2 || own[0].Seq != 6 {
		t.Fatalf("page after seq 5: %+v", own)
	}
}

// TestVerifyLedgerFindsTamperingInTheDatabase edits the SQLite file behind
// the store's back, as someone with access to the disk could.
func TestVerifyLedgerFindsTamperingInTheDatabase(t *testing.T) {
	ctx := context.Background()
	v := ledgerVault(t)
	db, err := sql.Open("sqlite", v.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		res, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s changed %d rows", q, n)
		}
	}
	// Someone rewrites who read a paper, and removes a later read.
	exec(`UPDATE ledger SET body = json_set(body, '$.actor', 'nguoi.khac') WHERE chain = ? AND seq = 2`, citizenA.Subject)
	exec(`DELETE FROM ledger WHERE chain = ? AND seq = 3`, citizenA.Subject)
	// And cuts the end off the other chain.
	exec(`DELETE FROM ledger WHERE chain = ? AND seq = 4`, citizenB.Subject)

	rep, err := v.VerifyLedger(ctx)
	wantCode(t, err, "")
	want := "001#2:hash mismatch;001#3:missing entry;079#4:missing entry;"
	if got := problems(rep); got != want {
		t.Fatalf("problems %s, want %s", got, want)
	}
}

// tailCountingStore counts LastLedger calls.
type tailCountingStore struct {
	archive.Store
	mu    sync.Mutex
	tails int
}

func (s *tailCountingStore) LastLedger(ctx context.Context, chain string) (archive.LedgerEntry, error) {
	s.mu.Lock()
	s.tails++
	s.mu.Unlock()
	return s.Store.LastLedger(ctx, chain)
}

func (s *tailCountingStore) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.tails }

// TestLedgerTailHints: a process that appends to a chain again links to
// the tail it remembers instead of reading it, and two processes (two
// Services over one store) appending in turn to the same chain still make
// one unbroken chain: a stale hint costs a refused append and a reread,
// never a fork.
func TestLedgerTailHints(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("hint")))
	wantCode(t, err, "")

	one := &tailCountingStore{Store: v.store}
	two := &tailCountingStore{Store: v.store}
	p1 := archive.New(one, v.bucket, archive.Config{}, nil, v.clock.Now)
	p2 := archive.New(two, v.bucket, archive.Config{}, nil, v.clock.Now)

	// One process alone: only its first append reads the tail.
	for range 5 {
		_, err := p1.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
		wantCode(t, err, "")
	}
	if n := one.count(); n != 1 {
		t.Fatalf("5 appends by one process read the tail %d times, want 1", n)
	}

	// Two processes in turn: each append after the other's finds its hint
	// stale, is refused, rereads and links to the real tail.
	for i := range 6 {
		p := p1
		if i%2 == 1 {
			p = p2
		}
		_, err := p.Get(ctx, staff, d.ID, archive.Access{Purpose: "luân phiên"})
		wantCode(t, err, "")
	}
	es := ledger(t, v, citizenA.Subject)
	if len(es) != 12 { // the upload, 5 reads, 6 reads
		t.Fatalf("%d entries, want 12", len(es))
	}
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has Seq %d", i, e.Seq)
		}
		if i > 0 && e.PrevHash != es[i-1].Hash {
			t.Fatalf("entry %d does not link to entry %d", e.Seq, es[i-1].Seq)
		}
	}
	rep, err := v.VerifyLedger(ctx)
	wantCode(t, err, "")
	if len(rep.Problems) != 0 {
		t.Fatalf("problems after alternating appends: %+v", rep.Problems)
	}
}
