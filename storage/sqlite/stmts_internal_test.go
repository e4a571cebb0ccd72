package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStatementCache checks that statements are prepared once and reused,
// that a statement first run inside a write transaction is prepared after
// the commit (preparing it during the transaction would wait for the one
// writer connection the transaction holds), and that once the cache is full
// further statements still run, unprepared.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	cached := func(d *db, q string) bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		_, ok := d.stmts[q]
		return ok
	}

	const count = `SELECT count(*) FROM owners WHERE id <> ?`
	var n int
	if err := s.r.QueryRowContext(ctx, count, "x").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if !cached(s.r, count) {
		t.Fatal("a read statement was not cached")
	}
	before := s.r.stmts[count]
	if err := s.r.QueryRowContext(ctx, count, "y").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if s.r.stmts[count] != before {
		t.Fatal("a cached statement was prepared again")
	}

	const inTx = `SELECT count(*) FROM documents WHERE owner_id = ?`
	for i := range 2 {
		err := s.inTx(ctx, "test", func(tx *txn) error {
			return tx.QueryRowContext(ctx, inTx, "001099000001").Scan(&n)
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
		if !cached(s.w, inTx) {
			t.Fatalf("after transaction %d the statement it ran is not prepared", i)
		}
	}

	// Fill the reader cache, then run statements that cannot be cached.
	for i := 0; len(s.r.stmts) < maxCachedStmts; i++ {
		if err := s.r.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		q := fmt.Sprintf("SELECT %d + 1000000", i)
		if err := s.r.QueryRowContext(ctx, q).Scan(&n); err != nil || n != i+1000000 {
			t.Fatalf("statement past a full cache: %d, %v", n, err)
		}
		if cached(s.r, q) {
			t.Fatal("the cache grew past its bound")
		}
	}

	// A statement that does not prepare reports its error, and is not cached.
	if err := s.r.QueryRowContext(ctx, "SELECT * FROM no_such_table").Scan(&n); err == nil {
		t.Fatal("a query on a missing table succeeded")
	}
}
