package sqlite_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
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

// syncChildEnv, when set to a directory, makes TestDeferredSync do the
// writes that its parent traces.
const syncChildEnv = "KHO_SQLITE_SYNC_CHILD"

// TestDeferredSync: a Deferred store's commit does not sync the WAL, Sync
// does, and so does the next commit of the store itself; the writer is back
// to synchronous=FULL after the deferred commit. It runs its writes in a
// child process under strace, with marks (access(2) of "/kho-mark-X")
// between them, and counts the fsyncs of the WAL between the marks.
func TestDeferredSync(t *testing.T) {
	if dir := os.Getenv(syncChildEnv); dir != "" {
		deferredSyncChild(t, dir)
		return
	}
	straceBin := testenv.Tool(t, "strace", "strace")
	dir := t.TempDir()
	log := filepath.Join(dir, "strace.log")
	cmd := exec.Command(straceBin, "-f", "-y", "-e", "trace=fsync,fdatasync,faccessat,faccessat2,access", "-o", log,
		os.Args[0], "-test.run=^TestDeferredSync$", "-test.count=1")
	cmd.Env = append(os.Environ(), syncChildEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	trace, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	syncs := map[string]int{} // fsyncs of the WAL after each mark
	mark := "start"
	for line := range strings.Lines(string(trace)) {
		if i := strings.Index(line, `"/kho-mark-`); i >= 0 {
			mark = line[i+len(`"/kho-mark-`) : i+len(`"/kho-mark-`)+1]
			continue
		}
		if (strings.Contains(line, "fsync(") || strings.Contains(line, "fdatasync(")) && strings.Contains(line, "kho.db-wal>") {
			syncs[mark]++
		}
	}
	if syncs["a"] != 0 {
		t.Errorf("a deferred commit synced the WAL %d times, want 0", syncs["a"])
	}
	if syncs["b"] == 0 {
		t.Errorf("Sync did not sync the WAL")
	}
	if syncs["c"] == 0 {
		t.Errorf("a commit of the store after a deferred one did not sync the WAL")
	}
	if syncs["start"] == 0 {
		t.Errorf("the first commit did not sync the WAL (trace:\n%s)", trace)
	}
}

// deferredSyncChild does TestDeferredSync's writes (intents, charged: a
// transaction each): a commit, mark a, a deferred commit, mark b, Sync,
// mark c, a commit, mark d.
func deferredSyncChild(t *testing.T, dir string) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	const owner = "001090000011"
	if err := s.CreateOwner(ctx, archive.Owner{ID: owner, Kind: archive.Individual, Name: "Lê Thị Bình", CreatedAt: time.Now(), Rev: 1}); err != nil {
		t.Fatal(err)
	}
	intent := func(id string) archive.UploadIntent {
		return archive.UploadIntent{ID: id, OwnerID: owner, DocumentID: "d" + id, Actor: owner, Bytes: 10, Docs: 1, CreatedAt: time.Now()}
	}
	mark := func(m string) { _ = syscall.Access("/kho-mark-"+m, 0) }
	if err := s.BeginUpload(ctx, intent("u1"), 0); err != nil {
		t.Fatal(err)
	}
	mark("a")
	if err := s.Deferred().BeginUpload(ctx, intent("u2"), 0); err != nil {
		t.Fatal(err)
	}
	mark("b")
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	mark("c")
	if err := s.BeginUpload(ctx, intent("u3"), 0); err != nil {
		t.Fatal(err)
	}
	mark("d")
	if w, _, err := sqlite.Pragmas(ctx, s, "synchronous"); err != nil || w != "2" {
		t.Fatalf("writer after a deferred commit: synchronous = %s (%v), want 2 (FULL)", w, err)
	}
	o, err := s.GetOwner(ctx, owner)
	if err != nil || o.UsedBytes != 30 || o.DocumentCount != 3 {
		t.Fatalf("owner after three charged intents: %d bytes, %d documents (%v); want 30, 3", o.UsedBytes, o.DocumentCount, err)
	}
}
