package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

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

// testReread: a Rereader reads back the staged bytes of a small and of a
// large write (11 MiB: S3-like drivers under test take the multipart path
// for it) once committed, until the reader is closed; after Abort a read
// returns the bytes or fails, and never hangs.
func testReread(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		size   int
		commit bool
	}{{"small-commit", 200_000, true}, {"large-commit", 11 << 20, true}, {"small-abort", 200_000, false}, {"large-abort", 11 << 20, false}} {
		data := Random(uint64(71+tc.size), tc.size)
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for p := data; len(p) > 0; p = p[min(len(p), WriteChunk):] {
			if _, err := st.Write(p[:min(len(p), WriteChunk)]); err != nil {
				t.Fatal(err)
			}
		}
		r, ok, err := st.(storage.Rereader).Reread()
		if err != nil {
			t.Fatalf("%s: Reread: %v", tc.name, err)
		}
		if !ok {
			continue // this driver cannot read this write back
		}
		got := make(chan []byte, 1)
		go func() {
			b := make([]byte, len(data))
			n, err := r.ReadAt(b, 0)
			if err != nil && err != io.EOF {
				got <- nil
				return
			}
			got <- b[:n]
		}()
		if tc.commit {
			err = st.Commit(ctx, SHA256(data))
		} else {
			err = st.Abort(ctx)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var b []byte
		select {
		case b = <-got:
		case <-time.After(time.Minute):
			t.Fatalf("%s: a read of the staged bytes hangs after the write ended", tc.name)
		}
		if tc.commit && !bytes.Equal(b, data) {
			t.Fatalf("%s: the staged reader read %d other bytes", tc.name, len(b))
		}
		if !tc.commit && b != nil && !bytes.Equal(b, data) {
			t.Fatalf("%s: after Abort the staged reader read %d other bytes", tc.name, len(b))
		}
		mid := make([]byte, 1000)
		if _, err := r.ReadAt(mid, int64(len(data)/2)); tc.commit && (err != nil || !bytes.Equal(mid, data[len(data)/2:len(data)/2+1000])) {
			t.Fatalf("%s: ReadAt(1000, middle) after the commit: %v", tc.name, err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("%s: Close of the staged reader: %v", tc.name, err)
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
