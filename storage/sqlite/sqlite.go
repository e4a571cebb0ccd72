// Package sqlite is Kho's embedded metadata store: one SQLite database file
// (pure Go, modernc.org/sqlite) implementing archive.Store and auth.Store.
//
// The database runs in WAL mode: readers never block the writer nor each
// other. Writes go through a pool of exactly one connection, so the process
// never fights itself for the write lock (no SQLITE_BUSY under concurrent
// uploads); busy_timeout covers other processes that open the same file.
// Reads use a separate pool of read-only connections.
//
// Durability: every connection runs with synchronous=FULL, so a commit
// returns only after the WAL file is synced (fsync); with NORMAL a
// power cut could roll back the last commits that were already answered.
// The database file is made by Open, mode 0600, and its directory synced,
// so that its name survives a power cut too (SQLite syncs the directory of
// the -wal file it makes itself). SQLite gives the -wal and -shm files the
// mode of the database file: they are 0600 as well, whatever the umask.
//
// The semantics are those of the store interfaces, identical to the MongoDB
// driver's: every method changes one record atomically (a document and its
// new version count as one record), and updates are guarded by Rev.
// Both drivers pass archive/archivetest and portal/auth/authtest.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// Store is the SQLite metadata store. It is safe for concurrent use.
type Store struct {
	w    *db // the writer: one connection, transactions BEGIN IMMEDIATE
	r    *db // readers: read-only connections
	path string
	// deferred: write transactions commit with synchronous=NORMAL, without
	// syncing the WAL (Deferred).
	deferred bool
}

var (
	_ archive.Store          = (*Store)(nil)
	_ auth.Store             = (*Store)(nil)
	_ archive.DeferredSyncer = (*Store)(nil)
)

// Deferred returns the store whose write transactions return once
// committed, before the WAL is synced: such a commit becomes durable with
// the next commit of the store that syncs (every commit of s itself) or
// with Sync, because the WAL is one file written in commit order and a sync
// covers everything written before it. It runs with synchronous=NORMAL,
// under which SQLite still syncs the WAL before a checkpoint copies it
// into the database, so it never puts earlier, durable commits at risk. The
// methods that write outside a transaction (ClaimBlob and the like) still
// sync. The result shares s's connections: close s, not it.
func (s *Store) Deferred() archive.Store {
	d := *s
	d.deferred = true
	return &d
}

// Sync makes every commit made so far durable: it syncs the WAL file
// (an fsync applies to the file, whichever descriptor asks).
func (s *Store) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return s.fail("sync", err)
	}
	f, err := os.OpenFile(s.path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no WAL: every commit is in the database file, synced
	}
	if err != nil {
		return s.fail("sync", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return s.fail("sync", err)
}

// Option changes how Open opens the database.
type Option func(*options)

type options struct {
	readConns   int
	busyTimeout time.Duration
	cacheKiB    int
}

// WithReadConns sets the number of read connections (default: the number
// of CPUs, at least 4).
func WithReadConns(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.readConns = n
		}
	}
}

// WithBusyTimeout sets how long a statement waits for a lock held by another
// process before it fails with Unavailable (default 5s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// WithCacheSize sets each connection's page cache in KiB (default 8 MiB).
func WithCacheSize(kib int) Option {
	return func(o *options) {
		if kib > 0 {
			o.cacheKiB = kib
		}
	}
}

// Open opens (creating if needed) the database file at path, applies the
// schema migrations it lacks, and returns the store. Unavailable if the
// file cannot be opened; Internal if it holds a newer schema than this
// program knows.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{readConns: max(4, runtime.NumCPU()), busyTimeout: 5 * time.Second, cacheKiB: 8 << 10}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.ContainsRune(path, 0) {
		return nil, kerr.New(kerr.Invalid, "invalid_database_path", "Đường dẫn tệp cơ sở dữ liệu không hợp lệ.", "sqlite: database path %q is empty or malformed", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "invalid_database_path", "Đường dẫn tệp cơ sở dữ liệu không hợp lệ.")
	}
	if err := prepareFile(abs); err != nil {
		return nil, openErr(abs, err)
	}
	w, err := sql.Open("sqlite", dsn(abs, o, false))
	if err != nil {
		return nil, openErr(abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: newDB(w), path: abs}
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, openErr(abs, err)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(abs, o, true))
	if err != nil {
		w.Close()
		return nil, openErr(abs, err)
	}
	r.SetMaxOpenConns(o.readConns)
	r.SetMaxIdleConns(o.readConns)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	s.r = newDB(r)
	if err := r.PingContext(ctx); err != nil {
		s.Close(ctx)
		return nil, openErr(abs, err)
	}
	return s, nil
}

// dsn is the connection string: a file: URI with the pragmas every
// connection needs.
func dsn(abs string, o options, readOnly bool) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: a commit syncs the WAL before it returns (see the package
	// comment). Readers never commit, but the last connection to close
	// checkpoints, with its own setting: all connections use the same.
	q.Add("_pragma", "synchronous("+commitSync+")")
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -o.cacheKiB))
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	return u.String() + "?" + q.Encode()
}

// commitSync is the synchronous setting of every connection: FULL, a
// commit syncs the WAL. A deferred transaction (Deferred) runs with NORMAL
// and puts this back.
const commitSync = "FULL"

// fileMode is the mode of the database file, and so of its -wal and -shm
// files: they hold identity numbers and names.
const fileMode = 0o600

// prepareFile makes the database file if it is missing: mode fileMode
// whatever the umask, synced, and its name made durable by syncing the
// directory. A file that exists (from an older version) with more than
// owner permissions is tightened, and so are its -wal and -shm files.
func prepareFile(path string) error {
	err := durable.CreateFile(path, nil, fileMode)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&^0o077); err != nil && !errors.Is(err, syscall.EROFS) {
			return err
		}
	}
	return nil
}

func openErr(path string, err error) error {
	return &kerr.Error{Kind: kerr.Unavailable, Code: "database_unavailable",
		Message: "Không mở được cơ sở dữ liệu; vui lòng kiểm tra cấu hình.",
		Detail:  "sqlite: open " + path, Err: err}
}

// Path returns the database file's absolute path.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// Close lets SQLite update its query planner statistics and closes the
// database. It is safe to call twice.
func (s *Store) Close(ctx context.Context) error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		_, _ = s.w.DB.ExecContext(ctx, "PRAGMA optimize")
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return kerr.Wrap(err, kerr.Internal, "database_close_failed", msgStoreError)
	}
	return nil
}

// Vietnamese messages.
const (
	msgStoreError = "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau."
	msgBusy       = "Cơ sở dữ liệu đang bận; vui lòng thử lại sau."
)

// fail classifies an error of the database driver: busy or locked →
// Unavailable, a cancelled context → Unavailable, anything else → Internal.
// Callers classify unique violations themselves (see isUnique).
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if ke := kerr.Outer(err); ke != nil {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &kerr.Error{Kind: kerr.Unavailable, Code: "database_busy", Message: msgBusy, Detail: "sqlite: " + op, Err: err}
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
			return &kerr.Error{Kind: kerr.Unavailable, Code: "database_unavailable", Message: msgStoreError, Detail: "sqlite: " + op, Err: err}
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &kerr.Error{Kind: kerr.Unavailable, Code: "canceled", Message: msgStoreError, Detail: "sqlite: " + op, Err: err}
	}
	return &kerr.Error{Kind: kerr.Internal, Code: "store_error", Message: msgStoreError, Detail: "sqlite: " + op, Err: err}
}

// isUnique reports whether err is a violation of a PRIMARY KEY or UNIQUE constraint.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func notFound(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.NotFound, code, msg, detail, args...)
}

func conflict(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.Conflict, code, msg, detail, args...)
}

// inTx runs fn in a write transaction and commits it; on a Deferred store
// the commit does not sync (inDeferredTx).
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *txn) error) error {
	if s.deferred {
		return s.inDeferredTx(ctx, op, fn)
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	tx := &txn{Tx: sqlTx, d: s.w}
	if err := runTx(tx, fn); err != nil {
		return s.fail(op, err)
	}
	tx.prepareMissed(ctx)
	return nil
}

// runTx runs fn in tx and commits, or rolls back if fn fails.
func runTx(tx *txn, fn func(tx *txn) error) error {
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// inDeferredTx is inTx on the writer connection switched to
// synchronous=NORMAL for the transaction (the setting cannot change inside
// one) and back to commitSync after it: never to a setting of its own, so
// that it hides no change of commitSync from the durability tests. A
// connection that cannot be switched back is dropped from the pool, never
// reused unsynced.
func (s *Store) inDeferredTx(ctx context.Context, op string, fn func(tx *txn) error) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.fail(op, err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		conn.Close()
		return s.fail(op, err)
	}
	var tx *txn
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err == nil {
		tx = &txn{Tx: sqlTx, d: s.w}
		err = runTx(tx, fn)
	}
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous="+commitSync); rerr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, rerr)
	}
	conn.Close()
	if err != nil {
		return s.fail(op, err)
	}
	tx.prepareMissed(ctx) // on the pool: after the connection is back
	return nil
}

// ---- encoding --------------------------------------------------------------

// checkLimit refuses a page size outside 1..1000.
func checkLimit(limit int) error {
	if limit < 1 || limit > 1000 {
		return kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", "sqlite: page size %d is outside 1..1000", limit)
	}
	return nil
}

// jsonRows reads rows of one column, a JSON body, as values of T, and
// closes rows; op names the query and what the values, in errors.
func jsonRows[T any](s *Store, rows *sql.Rows, op, what string) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, s.fail(op, err)
		}
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, s.fail("decode "+what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// millis stores t as milliseconds since the Unix epoch; the zero time is NULL.
func millis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMillis reverses millis.
func fromMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// utcMs is t as stores return it: UTC, truncated to the millisecond.
func utcMs(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}
