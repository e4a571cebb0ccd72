package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestLedgerLanesMigration: a database of the schema before lanes (one chain per owner,
// keyed by (chain, seq)) opens as lanes: its entries become the lane "" of
// their owner, byte for byte, with the listing key made from their time;
// new lanes may reuse their Seq numbers.
func TestLedgerLanesMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kho.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	lanes := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, "CREATE TABLE ledger_lanes") })
	for i, m := range migrations[:lanes] {
		if _, err := db.ExecContext(ctx, m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, 0)`, i+1); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2026, 11, 2, 3, 4, 5, 67_000_000, time.UTC)
	var old []archive.LedgerEntry
	prev := ""
	for i := range 3 {
		e := archive.LedgerEntry{Chain: "001099000001", Seq: int64(i + 1), At: base.Add(time.Duration(i) * 1001 * time.Millisecond),
			Actor: "canbo", ActorRole: archive.RoleStaff, Action: archive.ActionRead, Purpose: "xem", PrevHash: prev}
		if i == 1 {
			e.At = base.Add(2 * time.Second).Truncate(time.Second) // no fraction in the stored time
		}
		e.Hash = archive.EntryHash(e)
		prev = e.Hash
		old = append(old, e)
		body, _ := json.Marshal(e)
		if _, err := db.ExecContext(ctx, `INSERT INTO ledger (chain, seq, document_id, body) VALUES (?, ?, '', ?)`, e.Chain, e.Seq, body); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (migration 5): %v", err)
	}
	defer s.Close(ctx)
	for _, e := range old {
		var key string
		if err := s.r.QueryRowContext(ctx, `SELECT key FROM ledger WHERE chain = ? AND lane = '' AND seq = ?`, e.Chain, e.Seq).Scan(&key); err != nil {
			t.Fatal(err)
		}
		if key != archive.LedgerKey(e) {
			t.Errorf("entry %d: key %q, want %q", e.Seq, key, archive.LedgerKey(e))
		}
	}
	last, err := s.LastLedger(ctx, "001099000001", "")
	if err != nil || last.Hash != old[2].Hash || archive.EntryHash(last) != last.Hash {
		t.Fatalf("LastLedger(lane \"\") = %+v, %v", last, err)
	}
	e := archive.LedgerEntry{Chain: "001099000001", Lane: "abc-0", Seq: 1, At: base.Add(time.Minute), Actor: "canbo",
		ActorRole: archive.RoleStaff, Action: archive.ActionRead, Purpose: "xem"}
	e.Hash = archive.EntryHash(e)
	if err := s.AppendLedger(ctx, e); err != nil {
		t.Fatalf("AppendLedger(new lane, Seq 1): %v", err)
	}
	es, more, err := s.ListLedger(ctx, archive.LedgerQuery{Chain: "001099000001", Limit: 10})
	if err != nil || more || len(es) != 4 || es[0].Hash != old[0].Hash || es[1].Hash != old[1].Hash || es[3].Lane != "abc-0" {
		t.Fatalf("ListLedger after the migration: %+v more=%v, %v", es, more, err)
	}
}
