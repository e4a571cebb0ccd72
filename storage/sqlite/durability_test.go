package sqlite_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestSynchronousFull checks that every connection, the writer and each
// reader, commits with synchronous=FULL (2): in WAL mode NORMAL (1) does
// not sync the WAL at commit, and a power cut can roll back answered
// commits. (e2e TestDurableBeforeAcknowledged shows the syncs happen.)
func TestSynchronousFull(t *testing.T) {
	s := open(t)
	w, rs, err := sqlite.Pragmas(t.Context(), s, "synchronous")
	if err != nil {
		t.Fatal(err)
	}
	if w != "2" {
		t.Errorf("writer: synchronous = %s, want 2 (FULL)", w)
	}
	if len(rs) == 0 {
		t.Fatal("no reader connection")
	}
	for i, r := range rs {
		if r != "2" {
			t.Errorf("reader %d: synchronous = %s, want 2 (FULL)", i, r)
		}
	}
	if w, _, _ := sqlite.Pragmas(t.Context(), s, "journal_mode"); w != "wal" {
		t.Errorf("journal_mode = %s, want wal", w)
	}
}

// TestFileModes: the database, -wal and -shm files are 0600 whatever the
// umask and the mode of the directory they are made in, and a database
// file left 0644 by an older version is tightened (with its -wal and -shm)
// when it is opened again.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kho.db")
	ctx := t.Context()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	o := archive.Owner{ID: "001090000002", Kind: archive.Individual, Name: "Lê Thị Bình", CreatedAt: time.Now(), Rev: 1}
	if err := s.CreateOwner(ctx, o); err != nil {
		t.Fatal(err)
	}
	checkModes(t, path, 0o600)

	// An older version's files: 0644 (SQLite's default with umask 022).
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	checkModes(t, path, 0o600)
	if err := s2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkModes checks the permission bits of the database and its -wal and
// -shm files, which must all exist.
func checkModes(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %#o, want %#o", filepath.Base(p), got, want)
		}
	}
}
