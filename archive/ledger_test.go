package archive_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/kho-vn/kho/archive"

	_ "modernc.org/sqlite" // the driver behind storage/sqlite, to tamper with its file
)

// tamperedStore shows the ledger as someone who edited the stored records
// would leave it: edit may change an entry or drop it (false); editLeaf
// does the same to the Merkle log's leaves.
type tamperedStore struct {
	archive.Store
	edit     func(e *archive.LedgerEntry) bool
	editLeaf func(l *archive.LogLeaf) bool
}

func (s tamperedStore) ScanLedger(ctx context.Context, fn func(archive.LedgerEntry) error) error {
	return s.Store.ScanLedger(ctx, func(e archive.LedgerEntry) error {
		if s.edit != nil && !s.edit(&e) {
			return nil
		}
		return fn(e)
	})
}

func (s tamperedStore) ScanLogLeaves(ctx context.Context, fn func(archive.LogLeaf) error) error {
	return s.Store.ScanLogLeaves(ctx, func(l archive.LogLeaf) error {
		if s.editLeaf != nil && !s.editLeaf(&l) {
			return nil
		}
		return fn(l)
	})
}

// ledgerVault makes a vault with activity in two owners' ledgers.
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

// ledgerSigning returns a checkpoint key's signing configuration (blobs in the
// vault's bucket).
func ledgerSigning(t *testing.T, v *vault) archive.LedgerSigning {
	t.Helper()
	skey, err := archive.GenerateLedgerKey("kho-test")
	wantCode(t, err, "")
	signer, verifier, vkey, err := archive.ParseLedgerKey(skey)
	wantCode(t, err, "")
	return archive.LedgerSigning{Signer: signer, Verifier: verifier, VerifierKey: vkey, Blobs: v.bucket}
}

// checkpointer is a second process over the vault's store that signs
// checkpoints.
func checkpointer(t *testing.T, v *vault) (*archive.Service, note.Verifier) {
	t.Helper()
	ls := ledgerSigning(t, v)
	return archive.New(v.store, v.bucket, archive.Config{Ledger: ls}, nil, v.clock.Now), ls.Verifier
}

func audit(t *testing.T, v *vault, st archive.Store, opt archive.AuditOptions) archive.AuditReport {
	t.Helper()
	rep, err := archive.New(st, v.bucket, archive.Config{}, nil, v.clock.Now).VerifyLedger(context.Background(), opt)
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

// laneOf returns the lane of owner's entries (the test's process wrote
// them one at a time: one lane).
func laneOf(t *testing.T, v *vault, owner string) string {
	t.Helper()
	es := ledger(t, v, owner)
	for _, e := range es[1:] {
		if e.Lane != es[0].Lane {
			t.Fatalf("entries of %s in lanes %q and %q", owner, es[0].Lane, e.Lane)
		}
	}
	return es[0].Lane
}

func TestVerifyLedger(t *testing.T) {
	v := ledgerVault(t)
	rep := audit(t, v, v.store, archive.AuditOptions{})
	if rep.Chains != 2 || rep.Lanes != 2 || rep.Entries != 8 || len(rep.Problems) != 0 || rep.Unanchored != 8 {
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
		{"reordered", func(e *archive.LedgerEntry) bool {
			if e.Chain == a && e.Seq == 3 {
				e.Seq = 2
			}
			return true
		}, "001#2:reordered entry;001#2:hash mismatch;001#3:missing entry;"},
		// Without a checkpoint, what the chains cannot show: the last
		// entries or a whole lane gone leave intact chains.
		{"deleted from the end, no checkpoint", func(e *archive.LedgerEntry) bool { return !(e.Chain == a && e.Seq >= 3) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := audit(t, v, tamperedStore{Store: v.store, edit: tc.edit}, archive.AuditOptions{})
			if got := problems(rep); got != tc.want {
				t.Fatalf("problems %s, want %s", got, tc.want)
			}
		})
	}
}

// TestVerifyLedgerAgainstCheckpoint: the three attacks a database writer
// can make on hash chains alone — cut the end of a lane, delete a lane,
// rewrite a lane consistently after removing entries — are reported once
// a checkpoint covers the lane; so is a log that no longer matches its
// signed root. Entries after the checkpoint are counted as protected only
// by their chains.
func TestVerifyLedgerAgainstCheckpoint(t *testing.T) {
	ctx := context.Background()
	v := ledgerVault(t)
	cp, verifier := checkpointer(t, v)
	run, err := cp.Checkpoint(ctx, "")
	wantCode(t, err, "")
	if run.Read != 8 || run.Leaves != 2 || !run.Published || run.Latest.Size != 2 {
		t.Fatalf("first checkpoint: %+v", run)
	}
	opt := archive.AuditOptions{Verifier: verifier}
	rep := audit(t, v, v.store, opt)
	if len(rep.Problems) != 0 || rep.Checkpoint == nil || rep.Checkpoint.Size != 2 || rep.LogSize != 2 || rep.Unanchored != 0 {
		t.Fatalf("clean ledger against its checkpoint: %+v", rep)
	}
	a := citizenA.Subject
	laneA := laneOf(t, v, a)
	// Rewrites lane A without entry 2: entries 3 and 4 become 2 and 3,
	// rehashed into an intact chain.
	rehashed := func() func(e *archive.LedgerEntry) bool {
		prev := map[int64]string{}
		return func(e *archive.LedgerEntry) bool {
			if e.Chain != a {
				return true
			}
			if e.Seq == 2 {
				return false
			}
			if e.Seq > 2 {
				e.Seq--
				e.PrevHash = prev[e.Seq-1]
				e.Hash = archive.EntryHash(*e)
			}
			prev[e.Seq] = e.Hash
			return true
		}
	}
	for _, tc := range []struct {
		name     string
		edit     func(e *archive.LedgerEntry) bool
		editLeaf func(l *archive.LogLeaf) bool
		want     string
	}{
		{"last entries deleted", func(e *archive.LedgerEntry) bool { return !(e.Chain == a && e.Seq >= 3) }, nil,
			"001#3:missing entry (covered by the checkpoint);001#4:missing entry (covered by the checkpoint);"},
		{"lane deleted", func(e *archive.LedgerEntry) bool { return e.Chain != a }, nil,
			"001#4:lane deleted (covered by the checkpoint);"},
		{"lane rehashed after removing an entry", rehashed(), nil,
			"001#4:missing entry (covered by the checkpoint);"},
		{"leaf rewritten to match", nil, func(l *archive.LogLeaf) bool {
			if l.Chain == a {
				l.Seq = 2
				l.Hashes[0] = archive.LeafHash(l.LaneHead)
			}
			return true
		}, "(ch#2:log root differs from the signed checkpoint;001#2:differs from the checkpoint;"},
		{"leaves deleted", nil, func(l *archive.LogLeaf) bool { return l.N == 0 }, "(ch#2:log shorter than a signed checkpoint (leaves deleted);"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := audit(t, v, tamperedStore{Store: v.store, edit: tc.edit, editLeaf: tc.editLeaf}, opt)
			if got := problems(rep); got != tc.want {
				t.Fatalf("problems %s, want %s", got, tc.want)
			}
		})
	}
	if laneA == "" {
		t.Fatal("new entries went to the lane of old entries")
	}

	// New entries after the checkpoint: only chain-protected until the next.
	_, err = v.Put(ctx, citizenA, birthCert("", pdfBytes("moi")))
	wantCode(t, err, "")
	rep = audit(t, v, v.store, opt)
	if len(rep.Problems) != 0 || rep.Unanchored != 1 {
		t.Fatalf("after a new entry: %+v", rep)
	}
	v.clock.Set(v.clock.Now().Add(10 * time.Minute))
	run, err = cp.Checkpoint(ctx, run.Cursor)
	wantCode(t, err, "")
	if run.Leaves != 1 || run.Latest.Size != 3 {
		t.Fatalf("second checkpoint: %+v", run)
	}
	rep = audit(t, v, v.store, opt)
	if len(rep.Problems) != 0 || rep.Unanchored != 0 || rep.Checkpoint.Size != 3 {
		t.Fatalf("after the second checkpoint: %+v", rep)
	}

	// A checkpoint record removed from the database is still held by its
	// exported copy: the log must match it.
	first, err := v.store.Checkpoints(ctx, 0, 1)
	wantCode(t, err, "")
	rep = audit(t, v, tamperedStore{Store: v.store, editLeaf: func(l *archive.LogLeaf) bool { return l.N < 2 }}, archive.AuditOptions{Verifier: verifier, Exported: first})
	if got := problems(rep); !strings.Contains(got, "log shorter than a signed checkpoint") {
		t.Fatalf("leaves past an exported checkpoint deleted: %s", got)
	}
	// A checkpoint signed with another key is refused.
	_, other := checkpointer(t, v)
	rep = audit(t, v, v.store, archive.AuditOptions{Verifier: other})
	if got := problems(rep); got != "(ch#3:checkpoint signature invalid;" {
		t.Fatalf("checked with another key: %s", got)
	}
}

// TestCheckpointCostFollowsChanges: a checkpoint run reads the entries
// appended since the last run (and those of the margin before it), not
// the ledger, and logs one leaf per moved lane.
func TestCheckpointCostFollowsChanges(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("x")))
	wantCode(t, err, "")
	for range 49 {
		_, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
		wantCode(t, err, "")
	}
	cp, verifier := checkpointer(t, v)
	run, err := cp.Checkpoint(ctx, "")
	wantCode(t, err, "")
	if run.Read != 50 || run.Leaves != 1 {
		t.Fatalf("first run: %+v", run)
	}
	// Nothing new: nothing logged, no new checkpoint.
	again, err := cp.Checkpoint(ctx, run.Cursor)
	wantCode(t, err, "")
	if again.Leaves != 0 || again.Published || again.Latest.Size != 1 {
		t.Fatalf("run without changes: %+v", again)
	}
	step := func(reads int) archive.CheckpointRun {
		t.Helper()
		v.clock.Set(v.clock.Now().Add(10 * time.Minute))
		for range reads {
			_, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
			wantCode(t, err, "")
		}
		r, err := cp.Checkpoint(ctx, run.Cursor)
		wantCode(t, err, "")
		run = r
		return r
	}
	// 5 new entries 10 minutes later: the margin re-reads the 50 made at
	// the last cursor's time, whose lane is already logged.
	if r := step(5); r.Read != 55 || r.Leaves != 1 || r.Latest.Size != 2 {
		t.Fatalf("second run: %+v", r)
	}
	// 3 more: only the 5 of the margin and the 3 new are read.
	if r := step(3); r.Read != 8 || r.Leaves != 1 || r.Latest.Size != 3 {
		t.Fatalf("third run: %+v", r)
	}
	rep := audit(t, v, v.store, archive.AuditOptions{Verifier: verifier})
	if len(rep.Problems) != 0 || rep.Unanchored != 0 || rep.Entries != 58 {
		t.Fatalf("audit: %+v", rep)
	}
}

// TestLedgerLanes: appends of one owner that run at once in one process
// take different lanes and read no tail but once per lane; two processes
// (two Services over one store) append to their own lanes and never
// collide; every lane is an unbroken chain.
func TestLedgerLanes(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("lanes")))
	wantCode(t, err, "")
	one := &laneCountingStore{Store: v.store}
	two := &laneCountingStore{Store: v.store}
	p1 := archive.New(one, v.bucket, archive.Config{}, nil, v.clock.Now)
	p2 := archive.New(two, v.bucket, archive.Config{}, nil, v.clock.Now)

	// One process alone, one read at a time: one lane, its tail read once.
	for range 5 {
		_, err := p1.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
		wantCode(t, err, "")
	}
	if one.tails() != 1 || one.conflicts() != 0 {
		t.Fatalf("5 appends by one process: %d tail reads, %d conflicts; want 1, 0", one.tails(), one.conflicts())
	}
	// Both processes, 8 readers each, at once.
	var wg sync.WaitGroup
	for _, p := range []*archive.Service{p1, p2} {
		for range 8 {
			wg.Go(func() {
				if _, err := p.Get(ctx, staff, d.ID, archive.Access{Purpose: "đồng thời"}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if c := one.conflicts() + two.conflicts(); c != 0 {
		t.Fatalf("%d appends collided", c)
	}
	es := ledger(t, v, citizenA.Subject)
	if len(es) != 22 {
		t.Fatalf("%d entries, want 22", len(es))
	}
	lanes := map[string][]archive.LedgerEntry{}
	for _, e := range es {
		lanes[e.Lane] = append(lanes[e.Lane], e)
	}
	if len(lanes) < 3 {
		t.Fatalf("%d lanes for three processes' appends", len(lanes))
	}
	rep, err := v.VerifyLedger(ctx, archive.AuditOptions{})
	wantCode(t, err, "")
	if len(rep.Problems) != 0 || rep.Lanes != len(lanes) || rep.Entries != 22 {
		t.Fatalf("audit after concurrent appends: %+v", rep)
	}
	// A page of the ledger filtered by document, after a cursor.
	own, more, err := v.Ledger(ctx, citizenA, citizenA.Subject, d.ID, archive.LedgerKey(es[4]), 2, archive.Access{})
	wantCode(t, err, "")
	if len(own) != 2 || !more || own[0].Hash != es[5].Hash {
		t.Fatalf("page after entry 5: %+v more=%v", own, more)
	}
}

// laneCountingStore counts lane tail reads and refused appends.
type laneCountingStore struct {
	archive.Store
	mu          sync.Mutex
	tailReads   int
	appendFails int
}

func (s *laneCountingStore) LastLedger(ctx context.Context, chain, lane string) (archive.LedgerEntry, error) {
	s.mu.Lock()
	s.tailReads++
	s.mu.Unlock()
	return s.Store.LastLedger(ctx, chain, lane)
}

func (s *laneCountingStore) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	err := s.Store.AppendLedger(ctx, e)
	if err != nil {
		s.mu.Lock()
		s.appendFails++
		s.mu.Unlock()
	}
	return err
}

func (s *laneCountingStore) tails() int     { s.mu.Lock(); defer s.mu.Unlock(); return s.tailReads }
func (s *laneCountingStore) conflicts() int { s.mu.Lock(); defer s.mu.Unlock(); return s.appendFails }

// TestVerifyLedgerFindsTamperingInTheDatabase edits the SQLite file behind
// the store's back, as someone with access to the disk could.
func TestVerifyLedgerFindsTamperingInTheDatabase(t *testing.T) {
	ctx := context.Background()
	v := ledgerVault(t)
	cp, verifier := checkpointer(t, v)
	_, err := cp.Checkpoint(ctx, "")
	wantCode(t, err, "")
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
	// And cuts the end off the other owner's lane.
	exec(`DELETE FROM ledger WHERE chain = ? AND seq = 4`, citizenB.Subject)

	rep, err := v.VerifyLedger(ctx, archive.AuditOptions{Verifier: verifier})
	wantCode(t, err, "")
	want := "001#2:hash mismatch;001#3:missing entry;079#4:missing entry (covered by the checkpoint);"
	if got := problems(rep); got != want {
		t.Fatalf("problems %s, want %s", got, want)
	}
}

// TestCheckpointLogOverManyRuns: runs that log different numbers of lanes
// (the log's right edge changing shape) keep the log consistent: the
// signed root equals the root recomputed from the leaves, and every
// owner's latest lane heads are proven in the latest checkpoint.
func TestCheckpointLogOverManyRuns(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	cp, verifier := checkpointer(t, v)
	tails := map[string]archive.LedgerEntry{}
	owner := func(i int) string { return fmt.Sprintf("0010990%05d", i) }
	cursor := ""
	for _, n := range []int{37, 1, 64, 5, 128, 3} {
		v.clock.Set(v.clock.Now().Add(5 * time.Minute))
		for i := range n {
			o := owner(i * 7 % 150)
			prev := tails[o]
			e := archive.LedgerEntry{Chain: o, Lane: "w-0", Seq: prev.Seq + 1, At: v.clock.Now(), Actor: "canbo",
				ActorRole: archive.RoleStaff, Action: archive.ActionRead, Purpose: "xem", PrevHash: prev.Hash}
			e.Hash = archive.EntryHash(e)
			if err := v.store.AppendLedger(ctx, e); err != nil {
				t.Fatal(err)
			}
			tails[o] = e
		}
		run, err := cp.Checkpoint(ctx, cursor)
		wantCode(t, err, "")
		cursor = run.Cursor
		rep := audit(t, v, v.store, archive.AuditOptions{Verifier: verifier})
		if len(rep.Problems) != 0 || rep.Unanchored != 0 {
			t.Fatalf("after a run of %d lanes: %+v", n, rep)
		}
	}
	for o := range tails {
		p, err := cp.Proof(ctx, archive.Actor{Subject: o, Role: archive.RoleCitizen}, o, archive.Access{})
		wantCode(t, err, "")
		es, _, err := cp.Ledger(ctx, archive.Actor{Subject: o, Role: archive.RoleCitizen}, o, "", "", 1000, archive.Access{})
		wantCode(t, err, "")
		if res, err := archive.CheckProof(p, verifier, es); err != nil || res.Lanes != 1 || res.Covered != len(es) {
			t.Fatalf("proof of %s: %+v, %v", o, res, err)
		}
	}
}
