package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache. Kho's statements are a fixed
// set plus the few shapes a listing query takes; a query text built from
// unbounded input would run unprepared once the cache is full.
const maxCachedStmts = 256

// db is a connection pool that prepares each statement text once and then
// reuses the prepared statement (database/sql keeps it prepared on every
// connection that ran it). Parsing the SQL again on every call cost about
// a fifth of an upload's metadata time.
//
// Schema changes go through the embedded *sql.DB directly: they run once,
// and a text of several statements cannot be prepared as one.
type db struct {
	*sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newDB(d *sql.DB) *db { return &db{DB: d, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement for query, preparing it on first
// use. It returns nil when the statement should run unprepared: the cache
// is full, or preparing failed (running it unprepared then reports the
// same error as the caller would have got).
func (d *db) stmt(ctx context.Context, query string) *sql.Stmt {
	d.mu.Lock()
	st, ok := d.stmts[query]
	full := len(d.stmts) >= maxCachedStmts
	d.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := d.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if prev, ok := d.stmts[query]; ok {
		// Another goroutine prepared it meanwhile: keep one.
		st.Close()
		return prev
	}
	d.stmts[query] = st
	return st
}

func (d *db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.DB.ExecContext(ctx, query, args...)
}

func (d *db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.DB.QueryContext(ctx, query, args...)
}

func (d *db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the prepared statements, then the pool.
func (d *db) Close() error {
	d.mu.Lock()
	for q, st := range d.stmts {
		st.Close()
		delete(d.stmts, q)
	}
	d.mu.Unlock()
	return d.DB.Close()
}

// txn is a write transaction that runs the pool's prepared statements.
// A statement the pool has not prepared yet runs unprepared inside the
// transaction (preparing it on the pool would wait for the connection the
// transaction holds) and is prepared after the commit (see prepareMissed).
type txn struct {
	*sql.Tx
	d      *db
	missed []string
}

// cached returns query's prepared statement bound to the transaction, or
// nil after noting query for prepareMissed.
func (t *txn) cached(ctx context.Context, query string) *sql.Stmt {
	t.d.mu.Lock()
	st, ok := t.d.stmts[query]
	t.d.mu.Unlock()
	if !ok {
		t.missed = append(t.missed, query)
		return nil
	}
	return t.Tx.StmtContext(ctx, st)
}

// prepareMissed prepares on the pool what the transaction ran unprepared.
func (t *txn) prepareMissed(ctx context.Context) {
	for _, q := range t.missed {
		t.d.stmt(ctx, q)
	}
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.cached(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cached(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.cached(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
