package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// rereads reports whether d's staged writes can be read back
// (storage.Rereader).
func rereads(t *testing.T, d storage.Driver) bool {
	ctx := context.Background()
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	defer st.Abort(ctx)
	_, ok := st.(storage.Rereader)
	return ok
}

// readBack reads n bytes of r from offset 0 and closes r.
func readBack(t *testing.T, r storage.ReaderAtCloser, n int) []byte {
	t.Helper()
	got := make([]byte, n)
	if m, err := r.ReadAt(got, 0); m != n || (err != nil && err != io.EOF) {
		t.Fatalf("ReadAt of the staged bytes = %d, %v; want %d", m, err, n)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close of the staged reader: %v", err)
	}
	return got
}

// testReread: a Rereader reads back the staged bytes, before and after
// Commit and after Abort, until it is closed.
func testReread(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		commit bool
	}{{"commit", true}, {"abort", false}} {
		data := Random(71, 200_000)
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for p := data; len(p) > 0; p = p[min(len(p), 70_000):] {
			if _, err := st.Write(p[:min(len(p), 70_000)]); err != nil {
				t.Fatal(err)
			}
		}
		r, ok, err := st.(storage.Rereader).Reread()
		if err != nil || !ok {
			t.Fatalf("%s: Reread of a 200 kB write = %v, %v; want the bytes", tc.name, ok, err)
		}
		mid := make([]byte, 1000)
		if _, err := r.ReadAt(mid, 150_000); err != nil || !bytes.Equal(mid, data[150_000:151_000]) {
			t.Fatalf("%s: ReadAt(1000, 150000) before the end of the write: %v", tc.name, err)
		}
		if tc.commit {
			err = st.Commit(ctx, SHA256(data))
		} else {
			err = st.Abort(ctx)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := readBack(t, r, len(data)); !bytes.Equal(got, data) {
			t.Fatalf("%s: the staged reader read other bytes after the write ended", tc.name)
		}
	}
}

// testPutStaged: PutWith hands the Staged hook the whole content before it
// is committed, and the reader stays valid after the Put, also when the Put
// fails after staging.
func testPutStaged(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(72, 300_000)
	var (
		staged storage.ReaderAtCloser
		size   int64
	)
	hooks := storage.PutHooks{Staged: func(r storage.ReaderAtCloser, n int64) {
		if _, err := b.Stat(ctx, SHA256(data)); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("Staged was called after the commit (Stat: %v)", err)
		}
		staged, size = r, n
	}}
	h, n, err := b.PutWith(ctx, bytes.NewReader(data), -1, hooks)
	if err != nil || h != SHA256(data) || n != int64(len(data)) {
		t.Fatalf("PutWith = %s, %d, %v", h, n, err)
	}
	if staged == nil || size != n {
		t.Fatalf("Staged got %v, %d; want a reader of %d bytes", staged, size, n)
	}
	if got := readBack(t, staged, len(data)); !bytes.Equal(got, data) {
		t.Fatal("Staged's reader read other bytes than the Put's")
	}

	// A Put refused after staging (its claim fails): the reader still reads.
	other := Random(73, 5000)
	staged = nil
	refused := errors.New("claim refused")
	hooks.Claim = func(context.Context, string) error { return refused }
	hooks.Staged = func(r storage.ReaderAtCloser, n int64) { staged = r }
	if _, _, err := b.PutWith(ctx, bytes.NewReader(other), -1, hooks); !errors.Is(err, refused) {
		t.Fatalf("PutWith with a failing claim: %v", err)
	}
	if staged == nil {
		t.Fatal("Staged was not called before the claim")
	}
	if got := readBack(t, staged, len(other)); !bytes.Equal(got, other) {
		t.Fatal("Staged's reader of a refused Put read other bytes")
	}
}
