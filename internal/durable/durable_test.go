package durable

import (
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
