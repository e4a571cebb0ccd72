package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"

	_ "modernc.org/sqlite" // to tamper with the embedded store's file
)

// The owners of the attacked ledger.
const (
	victim  = "001099000111"
	bystand = "079099000222"
)

// attacker writes to the metadata database directly, as someone with
// access to it (not to the signing key or the exported checkpoints) can.
type attacker interface {
	// lanes returns the lanes of owner's ledger.
	lanes(t *testing.T, owner string) []string
	// lane returns the entries of one lane of owner, in Seq order.
	lane(t *testing.T, owner, lane string) []archive.LedgerEntry
	// deleteEntries deletes owner's entries of lane with Seq >= from
	// (lane "*": every lane of owner).
	deleteEntries(t *testing.T, owner, lane string, from int64)
	// insert writes e as the store writes an entry.
	insert(t *testing.T, e archive.LedgerEntry)
	// dropLog deletes every leaf of the Merkle log and every checkpoint record.
	dropLog(t *testing.T)
}

// ledgerFixture is a store with two owners' ledgers, each with entries in
// two lanes (two processes), checkpointed once with key.
type ledgerFixture struct {
	args    []string // the store flags of the CLI
	key     string   // the checkpoint key file
	exports string   // a folder of exported checkpoints
	attack  attacker
}

// fillLedger makes the ledgers through two vaults over the store (two
// "processes"), checkpoints them with the CLI and exports the checkpoint.
func fillLedger(t *testing.T, cfg *config.Store, args []string) (key, exports string) {
	t.Helper()
	ctx := context.Background()
	key = filepath.Join(t.TempDir(), "ledger.key")
	if _, err := writeLedgerKey(key, "kho-test"); err != nil {
		t.Fatal(err)
	}
	meta := *cfg
	meta.MetadataOnly = true
	st, err := openStores(ctx, &meta, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	staff := archive.Actor{Subject: "canbo.audit", Role: archive.RoleStaff}
	p1 := archive.New(st.meta, nil, archive.Config{}, nil, nil)
	p2 := archive.New(st.meta, nil, archive.Config{}, nil, nil)
	for _, o := range []string{victim, bystand} {
		if _, err := p1.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: o, Name: "Nguyễn Văn Kiểm"}); err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			p := p1
			if i%2 == 1 {
				p = p2
			}
			if _, err := p.Owner(ctx, staff, o, archive.Access{Purpose: "thẩm định"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.close(ctx)
	if code, out, errs := runKho(t, nil, append([]string{"audit", "checkpoint", "--ledger-key-file", key}, args...)...); code != 0 {
		t.Fatalf("audit checkpoint: exit %d\n%s%s", code, out, errs)
	}
	exports = filepath.Join(t.TempDir(), "export")
	if code, out, errs := runKho(t, nil, append([]string{"audit", "checkpoints", "export"}, append(args, exports)...)...); code != 0 || !strings.Contains(out, "written: 1") {
		t.Fatalf("audit checkpoints export: exit %d\n%s%s", code, out, errs)
	}
	return key, exports
}

// verify runs kho audit verify and returns its exit status and output.
func (f ledgerFixture) verify(t *testing.T, extra ...string) (int, string) {
	t.Helper()
	code, out, errs := runKho(t, nil, append(append([]string{"audit", "verify", "--ledger-key-file", f.key}, f.args...), extra...)...)
	return code, out + errs
}

// lanesOf returns the two lanes of owner's ledger (read through the attacker).
func lanesOf(t *testing.T, f ledgerFixture, owner string) []string {
	t.Helper()
	lanes := f.attack.lanes(t, owner)
	if len(lanes) != 2 {
		t.Fatalf("%s has lanes %q, want two", owner, lanes)
	}
	return lanes
}

// testLedgerAttacks performs each attack on a fresh fixture made by mk and
// checks that kho audit verify reports it, and nothing on an untouched
// ledger.
func testLedgerAttacks(t *testing.T, mk func(t *testing.T) ledgerFixture) {
	t.Run("untouched", func(t *testing.T) {
		f := mk(t)
		code, out := f.verify(t)
		if code != 0 || !strings.Contains(out, "problems: 0") || !strings.Contains(out, "chains: 2") ||
			!strings.Contains(out, "lanes: 4") || !strings.Contains(out, "checkpoint: 4 (") || !strings.Contains(out, "unanchored: 0") {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})
	t.Run("last entries deleted", func(t *testing.T) {
		f := mk(t)
		l := lanesOf(t, f, victim)[0]
		es := f.attack.lane(t, victim, l)
		f.attack.deleteEntries(t, victim, l, es[len(es)-2].Seq)
		code, out := f.verify(t)
		if code != 1 || strings.Count(out, `reason="missing entry (covered by the checkpoint)"`) != 2 {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})
	t.Run("whole chain deleted", func(t *testing.T) {
		f := mk(t)
		f.attack.deleteEntries(t, victim, "*", 1)
		code, out := f.verify(t)
		if code != 1 || strings.Count(out, `reason="lane deleted (covered by the checkpoint)"`) != 2 || !strings.Contains(out, "chains: 1") {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})
	t.Run("chain rehashed after removing entries", func(t *testing.T) {
		f := mk(t)
		l := lanesOf(t, f, victim)[1]
		es := f.attack.lane(t, victim, l)
		f.attack.deleteEntries(t, victim, l, 1)
		// Entry 2 goes; the others are renumbered and rehashed into an
		// intact chain, and a forged entry keeps the count.
		kept := append(es[:1:1], es[2:]...)
		kept = append(kept, es[len(es)-1])
		prev := ""
		for i, e := range kept {
			e.Seq, e.PrevHash = int64(i+1), prev
			if i == len(kept)-1 {
				e.Purpose = "giả mạo"
				e.At = e.At.Add(time.Second)
			}
			e.Hash = archive.EntryHash(e)
			prev = e.Hash
			f.attack.insert(t, e)
		}
		code, out := f.verify(t)
		if code != 1 || !strings.Contains(out, "differs from the checkpoint") || strings.Contains(out, "prevHash mismatch") || strings.Contains(out, "reason=\"hash mismatch") {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})
	t.Run("checkpoints and log deleted with a chain", func(t *testing.T) {
		f := mk(t)
		f.attack.dropLog(t)
		f.attack.deleteEntries(t, victim, "*", 1)
		// The database alone no longer shows it...
		code, out := f.verify(t)
		if code != 0 || !strings.Contains(out, "chưa có điểm chốt") {
			t.Fatalf("without the exported copy: exit %d\n%s", code, out)
		}
		// ...the exported checkpoint does.
		files, _ := filepath.Glob(filepath.Join(f.exports, "checkpoint-*.json"))
		code, out = f.verify(t, "--checkpoint", files[0])
		if code != 1 || !strings.Contains(out, "log shorter than a signed checkpoint") {
			t.Fatalf("with the exported copy: exit %d\n%s", code, out)
		}
	})
}

// sqliteAttacker tampers with the embedded store's file.
type sqliteAttacker struct{ db *sql.DB }

func (a sqliteAttacker) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := a.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (a sqliteAttacker) lanes(t *testing.T, owner string) []string {
	t.Helper()
	rows, err := a.db.Query(`SELECT DISTINCT lane FROM ledger WHERE chain = ? ORDER BY lane`, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func (a sqliteAttacker) lane(t *testing.T, owner, lane string) []archive.LedgerEntry {
	t.Helper()
	rows, err := a.db.Query(`SELECT body FROM ledger WHERE chain = ? AND lane = ? ORDER BY seq`, owner, lane)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []archive.LedgerEntry
	for rows.Next() {
		var b []byte
		var e archive.LedgerEntry
		if err := rows.Scan(&b); err != nil || json.Unmarshal(b, &e) != nil {
			t.Fatalf("read entry: %v", err)
		}
		out = append(out, e)
	}
	return out
}

func (a sqliteAttacker) deleteEntries(t *testing.T, owner, lane string, from int64) {
	t.Helper()
	if lane == "*" {
		a.exec(t, `DELETE FROM ledger WHERE chain = ? AND seq >= ?`, owner, from)
		return
	}
	a.exec(t, `DELETE FROM ledger WHERE chain = ? AND lane = ? AND seq >= ?`, owner, lane, from)
}

func (a sqliteAttacker) insert(t *testing.T, e archive.LedgerEntry) {
	t.Helper()
	b, _ := json.Marshal(e)
	a.exec(t, `INSERT INTO ledger (chain, lane, seq, key, document_id, body) VALUES (?, ?, ?, ?, ?, ?)`,
		e.Chain, e.Lane, e.Seq, archive.LedgerKey(e), e.DocumentID, b)
}

func (a sqliteAttacker) dropLog(t *testing.T) {
	t.Helper()
	a.exec(t, `DELETE FROM ledger_log`)
	a.exec(t, `DELETE FROM ledger_checkpoints`)
}

// TestLedgerAttacksSQLite: the attacks on the embedded store's file.
func TestLedgerAttacksSQLite(t *testing.T) {
	testLedgerAttacks(t, func(t *testing.T) ledgerFixture {
		dir := t.TempDir()
		args := []string{"--data", dir}
		key, exports := fillLedger(t, &config.Store{DataDir: dir}, args)
		db, err := sql.Open("sqlite", filepath.Join(dir, "kho.db")+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return ledgerFixture{args: args, key: key, exports: exports, attack: sqliteAttacker{db}}
	})
}

// mongoAttacker tampers with the MongoDB database through mongo-driver.
type mongoAttacker struct{ db *mongo.Database }

func (a mongoAttacker) lanes(t *testing.T, owner string) []string {
	t.Helper()
	var out []string
	if err := a.db.Collection("ledger").Distinct(context.Background(), "lane", bson.D{{Key: "chain", Value: owner}}).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (a mongoAttacker) lane(t *testing.T, owner, lane string) []archive.LedgerEntry {
	t.Helper()
	ctx := context.Background()
	cur, err := a.db.Collection("ledger").Find(ctx, bson.D{{Key: "chain", Value: owner}, {Key: "lane", Value: lane}},
		options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		Chain, Lane, Actor, ActorRole, Action, DocumentID, Purpose, Dossier, PrevHash, Hash string
		Seq                                                                                 int64
		At                                                                                  time.Time
		Version                                                                             int
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	var out []archive.LedgerEntry
	for _, d := range docs {
		out = append(out, archive.LedgerEntry{Chain: d.Chain, Lane: d.Lane, Seq: d.Seq, At: d.At.UTC(), Actor: d.Actor,
			ActorRole: archive.Role(d.ActorRole), Action: archive.Action(d.Action), DocumentID: d.DocumentID,
			Version: d.Version, Purpose: d.Purpose, Dossier: d.Dossier, PrevHash: d.PrevHash, Hash: d.Hash})
	}
	return out
}

func (a mongoAttacker) deleteEntries(t *testing.T, owner, lane string, from int64) {
	t.Helper()
	f := bson.D{{Key: "chain", Value: owner}, {Key: "seq", Value: bson.D{{Key: "$gte", Value: from}}}}
	if lane != "*" {
		f = append(f, bson.E{Key: "lane", Value: lane})
	}
	if _, err := a.db.Collection("ledger").DeleteMany(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func (a mongoAttacker) insert(t *testing.T, e archive.LedgerEntry) {
	t.Helper()
	doc := bson.D{{Key: "_id", Value: e.Chain + "/" + e.Lane + "/" + archive.LedgerKey(e)}, {Key: "chain", Value: e.Chain},
		{Key: "lane", Value: e.Lane}, {Key: "seq", Value: e.Seq}, {Key: "key", Value: archive.LedgerKey(e)}, {Key: "at", Value: e.At},
		{Key: "actor", Value: e.Actor}, {Key: "actorRole", Value: string(e.ActorRole)}, {Key: "action", Value: string(e.Action)},
		{Key: "documentId", Value: e.DocumentID}, {Key: "version", Value: e.Version}, {Key: "purpose", Value: e.Purpose},
		{Key: "dossier", Value: e.Dossier}, {Key: "prevHash", Value: e.PrevHash}, {Key: "hash", Value: e.Hash}}
	if _, err := a.db.Collection("ledger").InsertOne(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
}

func (a mongoAttacker) dropLog(t *testing.T) {
	t.Helper()
	for _, c := range []string{"ledger_log", "ledger_checkpoints"} {
		if _, err := a.db.Collection(c).DeleteMany(context.Background(), bson.D{}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLedgerAttacksMongo: the attacks on a MongoDB database (FerretDB here).
func TestLedgerAttacksMongo(t *testing.T) {
	uri := testenv.MongoURI(t)
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	testLedgerAttacks(t, func(t *testing.T) ledgerFixture {
		name := testenv.UniqueName(t, "audit")
		t.Cleanup(func() { client.Database(name).Drop(context.Background()) })
		dir := t.TempDir()
		args := []string{"--mongo-uri", uri, "--mongo-db", name, "--data", dir}
		key, exports := fillLedger(t, &config.Store{MongoURI: uri, MongoDB: name, DataDir: dir}, args)
		return ledgerFixture{args: args, key: key, exports: exports, attack: mongoAttacker{client.Database(name)}}
	})
}

// TestCheckProof: kho audit check-proof accepts a proof and ledger as the
// server gives them to a citizen, with the public key alone, and refuses
// a changed proof, a changed entry and another key.
func TestCheckProof(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key, _ := fillLedger(t, &config.Store{DataDir: dir}, []string{"--data", dir})
	code, vkey, errs := runKho(t, nil, "audit", "key", "create", filepath.Join(t.TempDir(), "other.key"))
	if code != 0 {
		t.Fatalf("key create: %d %s", code, errs)
	}
	skey, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	_, _, pub, err := archive.ParseLedgerKey(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStores(ctx, &config.Store{DataDir: dir, MetadataOnly: true}, mustExist, nil)
	if err != nil {
		t.Fatal(err)
	}
	citizen := archive.Actor{Subject: victim, Role: archive.RoleCitizen}
	v := archive.New(st.meta, nil, archive.Config{}, nil, nil)
	var b proofBundle
	if b.Proof, err = v.Proof(ctx, citizen, victim, archive.Access{}); err != nil {
		t.Fatal(err)
	}
	if b.Entries, _, err = v.Ledger(ctx, citizen, victim, "", "", 1000, archive.Access{}); err != nil {
		t.Fatal(err)
	}
	st.close(ctx)
	write := func(b proofBundle) string {
		t.Helper()
		j, _ := json.Marshal(b)
		p := filepath.Join(t.TempDir(), "proof.json")
		if err := os.WriteFile(p, j, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write(b)
	code, out, errs := runKho(t, nil, "audit", "check-proof", "--key", pub, good)
	if code != 0 || !strings.Contains(out, "lanes: 2") || !strings.Contains(out, "covered: 6") || !strings.Contains(errs, "Bằng chứng hợp lệ") {
		t.Fatalf("good proof: exit %d\n%s%s", code, out, errs)
	}
	keyFile := filepath.Join(t.TempDir(), "ledger.pub")
	if err := os.WriteFile(keyFile, []byte(pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runKho(t, nil, "audit", "check-proof", "--key", keyFile, good); code != 0 {
		t.Fatalf("key from a file: exit %d\n%s%s", code, out, errs)
	}
	bad := b
	bad.Proof.Lanes = append([]archive.LaneProof(nil), b.Proof.Lanes...)
	bad.Proof.Lanes[0].Seq--
	changed := b
	changed.Entries = append([]archive.LedgerEntry(nil), b.Entries...)
	changed.Entries[0].Purpose = "khác"
	for _, tc := range []struct {
		what, key, file, code string
	}{
		{"changed proof", pub, write(bad), "(proof_invalid:"},
		{"changed entry", pub, write(changed), "(entries_differ:"},
		{"another key", strings.TrimSpace(vkey), good, "(checkpoint_invalid:"},
	} {
		code, out, errs := runKho(t, nil, "audit", "check-proof", "--key", tc.key, tc.file)
		if code != 1 || !strings.Contains(errs, tc.code) {
			t.Errorf("%s: exit %d\n%s%s", tc.what, code, out, errs)
		}
	}
}

// TestCheckpointJobUnderLease: the ledger-checkpoint job of kho serve runs
// once per interval whichever process asks, and each run goes on from the
// cursor the last one (of any process) saved in the lease.
func TestCheckpointJobUnderLease(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close(ctx)
	lg := serveLedger{interval: time.Minute}
	ls, closeBlobs, err := lg.signing(ctx, &config.Store{DataDir: dir}, "", time.Second, slog.New(slog.DiscardHandler))
	if err != nil || ls.Signer == nil {
		t.Fatalf("signing: %+v, %v", ls, err)
	}
	defer closeBlobs()
	if _, err := os.Stat(filepath.Join(dir, ledgerKeyName)); err != nil {
		t.Fatalf("the embedded store's key was not made: %v", err)
	}
	now := time.Now()
	clock := func() time.Time { return now }
	vault := archive.New(st.meta, st.bucket, archive.Config{Ledger: ls}, nil, clock)
	staff := archive.Actor{Subject: "canbo", Role: archive.RoleStaff}
	if _, err := vault.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: victim, Name: "A"}); err != nil {
		t.Fatal(err)
	}
	read := func(n int) {
		for range n {
			if _, err := vault.Owner(ctx, staff, victim, archive.Access{Purpose: "xem"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	read(3)
	job := checkpointJob(vault, lg.interval, slog.New(slog.DiscardHandler))
	r1 := jobs.NewRunner(st.meta, nil, jobs.WithHolder("p1"), jobs.WithClock(clock))
	r2 := jobs.NewRunner(st.meta, nil, jobs.WithHolder("p2"), jobs.WithClock(clock))
	if ran, err := r1.RunOnce(ctx, job); !ran || err != nil {
		t.Fatalf("first run: %v, %v", ran, err)
	}
	if ran, err := r2.RunOnce(ctx, job); ran || err != nil {
		t.Fatalf("the other process ran the job before it was due: %v, %v", ran, err)
	}
	l, err := st.meta.GetLease(ctx, "ledger-checkpoint")
	if err != nil || l.Cursor == "" {
		t.Fatalf("lease after the run: %+v, %v", l, err)
	}
	cp, err := vault.LatestCheckpoint(ctx)
	if err != nil || cp.Size != 1 || cp.Blob == "" {
		t.Fatalf("checkpoint: %+v, %v", cp, err)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointBlobs)); err != nil {
		t.Fatalf("no checkpoint blob folder: %v", err)
	}
	now = now.Add(10 * time.Minute)
	read(2)
	now = now.Add(2 * time.Minute)
	if ran, err := r2.RunOnce(ctx, job); !ran || err != nil {
		t.Fatalf("second run by the other process: %v, %v", ran, err)
	}
	cp2, err := vault.LatestCheckpoint(ctx)
	if err != nil || cp2.Size != 2 {
		t.Fatalf("second checkpoint: %+v, %v", cp2, err)
	}
	l2, _ := st.meta.GetLease(ctx, "ledger-checkpoint")
	if l2.Cursor <= l.Cursor {
		t.Fatalf("cursor did not move: %q then %q", l.Cursor, l2.Cursor)
	}
}

// TestCheckpointIntervalFromEnv: $KHO_CHECKPOINT_INTERVAL sets the
// default of --checkpoint-interval, and a value that is not a duration
// stops kho serve with invalid_env, as the other variables of serve do,
// instead of being ignored.
func TestCheckpointIntervalFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
		code string
	}{
		{"", defaultCheckpointInterval, ""},
		{"10m", 10 * time.Minute, ""},
		{"0", 0, ""},
		{"soon", 0, "invalid_env"},
	} {
		var lg serveLedger
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		lg.bind(fs, func(k string) string {
			if k == envCheckpointInterval {
				return tc.env
			}
			return ""
		})
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		// With --mongo-uri and no key file the ledger is not signed: only
		// the settings are checked.
		cfg := &config.Store{MongoURI: "mongodb://127.0.0.1:1"}
		_, closeBlobs, err := lg.signing(context.Background(), cfg, "", time.Second, slog.New(slog.DiscardHandler))
		closeBlobs()
		code := ""
		if err != nil {
			code, _ = kerr.Public(err)
		}
		if code != tc.code || (tc.code == "" && lg.interval != tc.want) {
			t.Errorf("$%s=%q: interval %v, err %v; want %v, code %q", envCheckpointInterval, tc.env, lg.interval, err, tc.want, tc.code)
		}
	}
}
