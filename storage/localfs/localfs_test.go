package localfs

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/storagetest"
)

func newDriver(t testing.TB) *Driver {
	d, err := New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver { return newDriver(t) })
}

func TestCorruption(t *testing.T) {
	d := newDriver(t)
	storagetest.RunCorruption(t, d, func(t *testing.T, key string) {
		p := d.Path(key)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/3] ^= 0x40
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTruncatedFile(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t)
	b := storage.NewBucket(d)
	data := storagetest.Random(1, 10_000)
	hash, size, err := b.Put(ctx, bytes.NewReader(data), -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(d.Path(hash), 5000); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(ctx, hash); !kerr.IsKind(err, kerr.Integrity) {
		t.Errorf("Verify of a truncated blob: %v, want Integrity", err)
	}
	rs := b.NewReadSeeker(ctx, hash, size)
	defer rs.Close()
	if _, err := io.ReadAll(rs); !kerr.IsKind(err, kerr.Integrity) {
		t.Errorf("ReadSeeker over a truncated blob: %v, want Integrity", err)
	}
	// Put of the same content finds the damaged blob and says so.
	if _, _, err := b.Put(ctx, bytes.NewReader(data), -1); !kerr.IsKind(err, kerr.Integrity) {
		t.Errorf("Put over a truncated blob: %v, want Integrity", err)
	}
}

func TestLayout(t *testing.T) {
	d := newDriver(t)
	b := storage.NewBucket(d)
	hash, _, err := b.Put(context.Background(), strings.NewReader("hello"), -1)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(d.Root(), hash[:2], hash[2:4], hash)
	if d.Path(hash) != want {
		t.Fatalf("Path = %s, want %s", d.Path(hash), want)
	}
	fi, err := os.Stat(want)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("blob file mode %v is open to others", fi.Mode().Perm())
	}
	// The bucket keeps a staged file ready (storage.Prestager) until it is
	// closed; the commit itself leaves nothing.
	if ents, _ := os.ReadDir(filepath.Join(d.Root(), tmpDir)); len(ents) != 1 {
		t.Errorf("tmp/ holds %d files after a commit, want the bucket's spare", len(ents))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(d.Root(), tmpDir)); len(ents) != 0 {
		t.Errorf("tmp/ holds %d files after the bucket was closed", len(ents))
	}
	if d.Path("../x") != "" {
		t.Error("Path of a bad key is not empty")
	}
}

// TestNoEscape tries keys that would leave the root and checks nothing was
// read, written or removed outside it.
func TestNoEscape(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	root := filepath.Join(parent, "blobs")
	d, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(parent, "secret")
	if err := os.WriteFile(outside, []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := append(storagetest.BadKeys(), "../secret", outside, "../../"+filepath.Base(parent)+"/secret", "\x00", "..\x00/secret")
	for _, key := range keys {
		if rc, err := d.Open(ctx, key, 0, -1); err == nil {
			rc.Close()
			t.Errorf("Open(%q) succeeded", key)
		}
		if _, err := d.Stat(ctx, key); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("Stat(%q) = %v, want Invalid", key, err)
		}
		if err := d.Delete(ctx, key); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("Delete(%q) = %v, want Invalid", key, err)
		}
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(st, "overwrite attempt")
		if err := st.Commit(ctx, key); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("Commit(%q) = %v, want Invalid", key, err)
		}
	}
	if got, err := os.ReadFile(outside); err != nil || string(got) != "not yours" {
		t.Fatalf("the file outside the root changed: %q, %v", got, err)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 2 {
		t.Errorf("the root's parent holds %d entries, want 2 (blobs, secret)", len(ents))
	}
	if tmp, _ := os.ReadDir(filepath.Join(root, tmpDir)); len(tmp) != 0 {
		t.Errorf("refused commits left %d temp files", len(tmp))
	}
}

func TestListSkipsStrangers(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t)
	b := storage.NewBucket(d)
	hash, _, err := b.Put(ctx, strings.NewReader("real"), -1)
	if err != nil {
		t.Fatal(err)
	}
	other := storagetest.SHA256([]byte("misplaced"))
	for _, p := range []string{
		filepath.Join("zz", "yy", other),      // not hex directories
		filepath.Join("ab", "cd", "notakey"),  // not a key
		filepath.Join("00", "00", other),      // a key in the wrong directory
		filepath.Join(tmpDir, other),          // the staging area
		filepath.Join(other[:2], other[2:4]),  // only the directories
		filepath.Join("ab", "cd", "ef", "gh"), // too deep
	} {
		full := filepath.Join(d.Root(), p)
		os.MkdirAll(filepath.Dir(full), 0o750)
		if err := os.WriteFile(full, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A staged write in progress is not listed either.
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort(ctx)
	io.WriteString(st, "in progress")

	var got []string
	err = b.List(ctx, func(h string, _ int64, _ time.Time) error { got = append(got, h); return nil })
	if err != nil || len(got) != 1 || got[0] != hash {
		t.Fatalf("List = %v, %v; want just %s", got, err, hash)
	}
}

func TestCleanTemp(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t)
	tmp := filepath.Join(d.Root(), tmpDir)

	// Two staged writes a crash left behind, one old and one recent, and
	// one in progress.
	old, recent := filepath.Join(tmp, tmpGlob+"old"), filepath.Join(tmp, tmpGlob+"recent")
	for _, p := range []string{old, recent} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(st, "still writing")

	n, err := d.CleanTemp(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CleanTemp(1h) = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("old temp file still there: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("recent temp file removed: %v", err)
	}
	// The write in progress still commits.
	key := storagetest.SHA256([]byte("still writing"))
	if err := st.Commit(ctx, key); err != nil {
		t.Fatalf("Commit after CleanTemp: %v", err)
	}
	ents, _ := os.ReadDir(tmp)
	if len(ents) != 1 {
		t.Errorf("tmp/ holds %d files, want 1 (recent)", len(ents))
	}
}

func TestTmpRemoved(t *testing.T) {
	d := newDriver(t)
	if err := os.RemoveAll(filepath.Join(d.Root(), tmpDir)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := storage.NewBucket(d).Put(context.Background(), strings.NewReader("after cleanup"), -1); err != nil {
		t.Fatalf("Put after tmp/ was removed: %v", err)
	}
}

func TestNewRefusesBadRoot(t *testing.T) {
	if _, err := New(""); err == nil {
		t.Error("New(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := New(filepath.Join(file, "blobs")); err == nil {
		t.Error("New under a regular file succeeded")
	}
}

func BenchmarkDriverWrite(b *testing.B) { storagetest.BenchmarkDriverWrite(b, newDriver(b)) }

func BenchmarkBucketPut(b *testing.B) { storagetest.BenchmarkBucketPut(b, newDriver(b)) }

// TestModes: whatever the umask and the mode of a root that exists
// already, the root and tmp/ become 0700, blob directories are made 0700,
// and staged and committed files are 0600.
func TestModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := filepath.Join(t.TempDir(), "blobs")
	if err := os.MkdirAll(filepath.Join(root, tmpDir), 0o777); err != nil {
		t.Fatal(err)
	}
	d, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort(ctx)
	if _, err := st.Write([]byte("staged")); err != nil {
		t.Fatal(err)
	}
	hash, _, err := storage.NewBucket(d).Put(ctx, strings.NewReader("a citizen's paper"), -1)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if e.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", p, fi.Mode().Perm(), want)
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// root, tmp, trash, the staged file and the bucket's spare, ab, ab/cd
	// and the blob.
	if checked != 8 {
		t.Errorf("walked %d entries, want 8 (root, tmp/, trash/, two staged files, two blob directories, blob %s)", checked, hash)
	}
}

// TestSpareStaging: a bucket over this driver keeps one staged file ready
// (storage.Prestager), so that a Put does not wait for a new file: the
// second Put takes the file the first left ready, and leaves another.
func TestSpareStaging(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t)
	b := storage.NewBucket(d)
	tmp := filepath.Join(d.Root(), tmpDir)
	spare := func() string { // the next spare is made after the Put returns
		t.Helper()
		for range 100 {
			ents, err := os.ReadDir(tmp)
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) == 1 {
				return ents[0].Name()
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("tmp/ does not hold one spare staged file")
		return ""
	}
	if _, _, err := b.Put(ctx, strings.NewReader("first"), -1); err != nil {
		t.Fatal(err)
	}
	first := spare()
	if _, _, err := b.Put(ctx, strings.NewReader("second"), -1); err != nil {
		t.Fatal(err)
	}
	if spare() == first {
		t.Fatalf("the second Put did not take the spare %s", first)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("tmp/ holds %d files after Close", len(ents))
	}
}
