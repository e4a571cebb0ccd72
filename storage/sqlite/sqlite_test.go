package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/forms/formstest"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/jobs/jobstest"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/notify/notifytest"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/authtest"
	"github.com/kho-vn/kho/storage/sqlite"
)

// open opens a store on a new database file in t's temporary directory and
// closes it when t ends.
func open(t *testing.T) *sqlite.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kho.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) archive.Store { return open(t) })
}

func TestAuthConformance(t *testing.T) {
	authtest.RunAuth(t, func(t *testing.T) auth.Store { return open(t) })
}

func TestSignInConformance(t *testing.T) {
	authtest.RunSignIn(t, func(t *testing.T) auth.SignInStore { return open(t) })
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := t.Context()
	// A directory name with characters that need escaping in a file: URI.
	dir := filepath.Join(t.TempDir(), "dữ liệu #1 ?x=%20")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kho.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	v1, err := s.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("SchemaVersion = %d, %v", v1, err)
	}
	o := archive.Owner{ID: "001090000001", Kind: archive.Individual, Name: "Trần Văn Ánh", CreatedAt: time.Now(), Rev: 1}
	if err := s.CreateOwner(ctx, o); err != nil {
		t.Fatalf("CreateOwner: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}

	for i := 0; i < 2; i++ { // opening again applies nothing twice
		s, err = sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		v2, err := s.SchemaVersion(ctx)
		if err != nil || v2 != v1 {
			t.Errorf("SchemaVersion after reopen = %d, %v; want %d", v2, err, v1)
		}
		got, err := s.GetOwner(ctx, o.ID)
		if err != nil || got.Name != o.Name {
			t.Errorf("after reopen: %+v, %v", got, err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func TestOpenTwiceSameFile(t *testing.T) {
	// Two stores (as two processes would) on one file: both migrate safely
	// and see each other's writes.
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kho.db")
	errs := make(chan error, 2)
	stores := make(chan *sqlite.Store, 2)
	for i := 0; i < 2; i++ {
		go func() {
			s, err := sqlite.Open(ctx, path)
			errs <- err
			stores <- s
		}()
	}
	var ss []*sqlite.Store
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("Open: %v", err)
		}
		ss = append(ss, <-stores)
	}
	defer func() {
		for _, s := range ss {
			s.Close(ctx)
		}
	}()
	if err := ss[0].CreateOwner(ctx, archive.Owner{ID: "a", Rev: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := ss[1].GetOwner(ctx, "a"); err != nil {
		t.Errorf("second store does not see the first's write: %v", err)
	}
	isConflict := ss[1].CreateOwner(ctx, archive.Owner{ID: "a", Rev: 1})
	if kerr.KindOf(isConflict) != kerr.Conflict {
		t.Errorf("duplicate across stores: %v", isConflict)
	}
}

func TestOpenRefusesBadPath(t *testing.T) {
	ctx := t.Context()
	if _, err := sqlite.Open(ctx, ""); kerr.KindOf(err) != kerr.Invalid {
		t.Errorf("Open(\"\") = %v, want Invalid", err)
	}
	dir := t.TempDir()
	if _, err := sqlite.Open(ctx, filepath.Join(dir, "missing", "dir", "kho.db")); kerr.KindOf(err) != kerr.Unavailable {
		t.Errorf("Open(in a missing directory) = %v, want Unavailable", err)
	}
}

func TestInvalidQueries(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	for _, q := range []archive.DocQuery{{OwnerID: "x", Limit: 0}, {OwnerID: "x", Limit: 1001}, {Limit: 10}} {
		if _, _, err := s.ListDocuments(ctx, q); kerr.KindOf(err) != kerr.Invalid {
			t.Errorf("ListDocuments(%+v) = %v, want Invalid", q, err)
		}
	}
	if _, _, err := s.ListLedger(ctx, archive.LedgerQuery{Chain: "x"}); kerr.KindOf(err) != kerr.Invalid {
		t.Errorf("ListLedger(limit 0) = %v, want Invalid", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetOwner(ctx, "x")
	if kerr.KindOf(err) != kerr.Unavailable {
		t.Errorf("GetOwner(canceled) = %v (kind %v), want Unavailable", err, kerr.KindOf(err))
	}
}

// TestConcurrentWritersAndReaders: many uploads at once never surface
// SQLITE_BUSY.
func TestConcurrentWritersAndReaders(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	if err := s.CreateOwner(ctx, archive.Owner{ID: "o", Rev: 1}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 25
	errs := make(chan error, writers*2)
	ids := archivetest.NewIDs()
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				id := ids.New()
				d := archive.Document{ID: id, OwnerID: "o", VersionCount: 1, Rev: 1,
					Metadata: archive.Metadata{TypeCode: "KS", Name: "x", Status: archive.StatusValid},
					Current:  archive.Version{N: 1, Blob: fmt.Sprintf("%064d", w*each+i), Size: 1}}
				if err := s.CreateDocument(ctx, d); err != nil {
					errs <- err
					return
				}
				if err := s.AddUsage(ctx, "o", 1, 1, 0); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, _, err := s.ListDocuments(ctx, archive.DocQuery{OwnerID: "o", Limit: 50}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < writers; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(done)
	for i := 0; i < writers; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	o, err := s.GetOwner(ctx, "o")
	if err != nil || o.DocumentCount != writers*each {
		t.Errorf("DocumentCount = %d, %v; want %d", o.DocumentCount, err, writers*each)
	}
}

// TestLockedByAnotherProcess: when another connection holds the write lock
// longer than the busy timeout, writes fail with Unavailable, and succeed
// once it is released.
func TestLockedByAnotherProcess(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kho.db")
	s, err := sqlite.Open(ctx, path, sqlite.WithBusyTimeout(50*time.Millisecond), sqlite.WithReadConns(2))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close(ctx)

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("taking the write lock: %v", err)
	}
	err = s.CreateOwner(ctx, archive.Owner{ID: "o", Rev: 1})
	if kerr.KindOf(err) != kerr.Unavailable {
		t.Errorf("CreateOwner while another process writes = %v (kind %v), want Unavailable", err, kerr.KindOf(err))
	}
	// Reads go on meanwhile (WAL).
	if _, err := s.GetOwner(ctx, "o"); kerr.KindOf(err) != kerr.NotFound {
		t.Errorf("GetOwner while another process writes = %v, want NotFound", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOwner(ctx, archive.Owner{ID: "o", Rev: 1}); err != nil {
		t.Errorf("CreateOwner after the lock is released: %v", err)
	}
}

func TestCloseTwice(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

func TestFormsConformance(t *testing.T) {
	formstest.Run(t, func(t *testing.T) forms.Store { return open(t) })
}

func TestJobsConformance(t *testing.T) {
	jobstest.Run(t, func(t *testing.T) jobs.Store { return open(t) })
}

func TestNotifyConformance(t *testing.T) {
	notifytest.Run(t, func(t *testing.T) notify.Store { return open(t) })
}
