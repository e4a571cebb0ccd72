package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/storagetest"
)

var _ archive.Blobs = (*storage.Bucket)(nil)

func TestValidKey(t *testing.T) {
	good := storagetest.SHA256(nil)
	if !storage.ValidKey(good) {
		t.Errorf("ValidKey(%s) = false", good)
	}
	for _, k := range storagetest.BadKeys() {
		if storage.ValidKey(k) {
			t.Errorf("ValidKey(%q) = true", k)
		}
	}
}

// faultyDriver is a memory driver whose operations fail with err while
// fail is set.
type faultyDriver struct {
	*memory.Driver
	err error
}

func (f *faultyDriver) Stage(ctx context.Context) (storage.Staged, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.Driver.Stage(ctx)
}

func (f *faultyDriver) Stat(ctx context.Context, key string) (storage.Attrs, error) {
	if f.err != nil {
		return storage.Attrs{}, f.err
	}
	return f.Driver.Stat(ctx, key)
}

func (f *faultyDriver) Open(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if f.err != nil {
		return nil, f.err
	}
	rc, err := f.Driver.Open(ctx, key, off, length)
	if err != nil {
		return nil, err
	}
	return &failAfter{rc: rc, n: 3}, nil
}

// failAfter reads n bytes, then fails like a dropped connection.
type failAfter struct {
	rc io.ReadCloser
	n  int
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, &kerr.Error{Kind: kerr.Unavailable, Detail: "test: connection dropped", Err: syscall.ECONNRESET}
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	n, err := r.rc.Read(p)
	r.n -= n
	return n, err
}

func (r *failAfter) Close() error { return r.rc.Close() }

func TestClassify(t *testing.T) {
	ctx := context.Background()
	d := &faultyDriver{Driver: memory.New()}
	b := storage.NewBucket(d)
	hash, _, err := b.Put(ctx, strings.NewReader("0123456789"), -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err  error
		kind kerr.Kind
		code string
	}{
		{errors.New("disk on fire"), kerr.Internal, storage.CodeInternal},
		{&kerr.Error{Kind: kerr.Unavailable, Detail: "s3: dial"}, kerr.Unavailable, storage.CodeUnavailable},
		{&kerr.Error{Kind: kerr.TooLarge, Detail: "no space"}, kerr.TooLarge, storage.CodeStorageFull},
		{&kerr.Error{Kind: kerr.NotFound, Code: "s3_bucket_gone"}, kerr.NotFound, "s3_bucket_gone"},
		{context.DeadlineExceeded, kerr.Unavailable, storage.CodeUnavailable},
		{context.Canceled, kerr.Unavailable, storage.CodeCancelled},
		{&kerr.Error{Kind: kerr.Permission, Detail: "odd"}, kerr.Internal, storage.CodeInternal},
	} {
		d.err = tc.err
		for name, err := range map[string]error{
			"Put":    func() error { _, _, err := b.Put(ctx, strings.NewReader("x"), -1); return err }(),
			"Stat":   func() error { _, err := b.Stat(ctx, hash); return err }(),
			"Verify": b.Verify(ctx, hash),
		} {
			if kerr.KindOf(err) != tc.kind {
				t.Errorf("%s with driver error %v: kind %v, want %v", name, tc.err, kerr.KindOf(err), tc.kind)
			}
			code, msg := kerr.Public(err)
			if code != tc.code || msg == "" {
				t.Errorf("%s with driver error %v: code %q message %q, want code %q", name, tc.err, code, msg, tc.code)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: %v does not wrap the driver's error", name, err)
			}
		}
	}

	// An error in the middle of a read is classified too.
	d.err = nil
	rc, err := b.Open(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if string(got) != "012" || !kerr.IsKind(err, kerr.Unavailable) {
		t.Errorf("read cut after 3 bytes: %q, %v; want \"012\" and Unavailable", got, err)
	}
	if code, _ := kerr.Public(err); code != storage.CodeUnavailable {
		t.Errorf("read cut: code %q", code)
	}
}

func TestPutArguments(t *testing.T) {
	ctx := context.Background()
	b := storage.NewBucket(memory.New())
	if _, _, err := b.Put(ctx, nil, 10); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("Put(nil) = %v, want Invalid", err)
	}
	data := storagetest.Random(1, 5000)
	if _, n, err := b.Put(ctx, bytes.NewReader(data), math.MaxInt64); err != nil || n != 5000 {
		t.Errorf("Put(max MaxInt64) = %d, %v", n, err)
	}
	_, _, err := b.Put(ctx, bytes.NewReader(data), 50<<20-1)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = b.Put(ctx, bytes.NewReader(data), 4096)
	_, msg := kerr.Public(err)
	if want := "Tệp vượt quá dung lượng cho phép (tối đa 4 KB)."; msg != want {
		t.Errorf("TooLarge message %q, want %q", msg, want)
	}
	_, _, err = b.Put(ctx, bytes.NewReader(data), 1536)
	if _, msg := kerr.Public(err); !strings.Contains(msg, "1,5 KB") {
		t.Errorf("TooLarge message %q, want 1,5 KB", msg)
	}
}

func TestReadSeekerAfterClose(t *testing.T) {
	ctx := context.Background()
	b := storage.NewBucket(memory.New())
	hash, size, err := b.Put(ctx, strings.NewReader("some bytes"), -1)
	if err != nil {
		t.Fatal(err)
	}
	rs := b.NewReadSeeker(ctx, hash, size)
	if _, err := rs.Read(make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	rs.Close()
	if _, err := rs.Read(make([]byte, 4)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

// slowStageDriver is a memory driver whose Stage waits until the body has
// been read to its end (ended closed), or fails after a few seconds.
type slowStageDriver struct {
	*memory.Driver
	ended chan struct{}
}

func (d *slowStageDriver) Stage(ctx context.Context) (storage.Staged, error) {
	select {
	case <-d.ended:
		return d.Driver.Stage(ctx)
	case <-time.After(5 * time.Second):
		return nil, errors.New("the body was not read while the staging file was being made")
	}
}

// chunkedReader returns at most n bytes per Read and closes ended at EOF.
type chunkedReader struct {
	r     io.Reader
	n     int
	ended chan struct{}
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:min(len(p), c.n)])
	if err == io.EOF {
		close(c.ended)
	}
	return n, err
}

// TestPutReadsWhileStaging: a Put keeps reading the body while the
// staging file is being made (and written), instead of waiting for it
// after the first piece: here the driver makes it only once the body has
// been read to its end.
func TestPutReadsWhileStaging(t *testing.T) {
	ended := make(chan struct{})
	b := storage.NewBucket(&slowStageDriver{Driver: memory.New(), ended: ended})
	data := storagetest.Random(5, 200_000)
	h, n, err := b.Put(context.Background(), &chunkedReader{r: bytes.NewReader(data), n: 100_000, ended: ended}, -1)
	if err != nil || h != storagetest.SHA256(data) || n != int64(len(data)) {
		t.Fatalf("Put of a body read in two pieces = %s, %d, %v", h, n, err)
	}
}
