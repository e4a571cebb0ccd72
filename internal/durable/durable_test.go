package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMkdirAll: the directories made are 0700 whatever the umask; a
// directory that exists is tightened; its parents that existed are not
// touched; a regular file in the way is an error.
func TestMkdirAll(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "a", "b", "data")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(base, "a"), filepath.Join(base, "a", "b"), dir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != DirMode {
			t.Errorf("%s: %v %v, want mode %#o", p, fi.Mode(), err, DirMode)
		}
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(open); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != DirMode {
		t.Errorf("existing directory left %#o", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(base); fi.Mode().Perm() != 0o755 {
		t.Errorf("existing parent changed to %#o", fi.Mode().Perm())
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(filepath.Join(file, "x")); err == nil {
		t.Error("MkdirAll under a regular file succeeded")
	}
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
}

// TestCreateFile: the file holds the data with exactly the mode asked for,
// even under a umask that takes the owner's write bit; a second create of
// the same name is fs.ErrExist and leaves the first file as it was.
func TestCreateFile(t *testing.T) {
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "key")
	if err := CreateFile(path, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	if err := CreateFile(path, []byte("second\n"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: %v, want fs.ErrExist", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "first\n" {
		t.Fatalf("file holds %q, %v; want the first data", b, err)
	}
	if err := CreateFile(filepath.Join(path+".missing", "x"), nil, 0o600); err == nil {
		t.Fatal("create in a missing directory succeeded")
	}
}
