package s3

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/storagetest"
)

// testConfig is a Config for a new, unique bucket on the test server; the
// bucket and everything in it are removed when t ends.
func testConfig(t testing.TB) Config {
	env := testenv.S3(t)
	cfg := Config{
		Endpoint:     env.Endpoint,
		AccessKey:    env.AccessKey,
		SecretKey:    env.SecretKey,
		Bucket:       testenv.UniqueName(t, "blobs"),
		CreateBucket: true,
		PartSize:     MinPartSize, // so that the suite's 11 MiB blob goes multipart
	}
	t.Cleanup(func() { removeBucket(t, cfg) })
	return cfg
}

func newDriver(t testing.TB, cfg Config) *Driver {
	t.Helper()
	d, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// rawClient is a minio-go client of the test server, for what the driver
// may not do (corrupting an object, looking behind its back).
func rawClient(t testing.TB, cfg Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func removeBucket(t testing.TB, cfg Config) {
	ctx := context.Background()
	c := rawClient(t, cfg)
	if ok, err := c.BucketExists(ctx, cfg.Bucket); err != nil || !ok {
		return
	}
	for up := range c.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		if up.Err == nil {
			c.RemoveIncompleteUpload(ctx, cfg.Bucket, up.Key)
		}
	}
	objs := c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range c.RemoveObjects(ctx, cfg.Bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("cleanup: remove %s: %v", e.ObjectName, e.Err)
	}
	if err := c.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Errorf("cleanup: remove bucket %s: %v", cfg.Bucket, err)
	}
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver { return newDriver(t, testConfig(t)) })
}

func TestCorruption(t *testing.T) {
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	storagetest.RunCorruption(t, d, func(t *testing.T, key string) {
		ctx := context.Background()
		c := rawClient(t, cfg)
		obj, err := c.GetObject(ctx, cfg.Bucket, d.blobName(key), minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(obj)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 1
		if _, err := c.PutObject(ctx, cfg.Bucket, d.blobName(key), bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBigNeverOverwritten commits two different multipart writes under one
// key: the second must fail with Conflict (the conditional server-side
// copy) and leave the first intact, and no temporary object or unfinished
// upload may remain.
func TestBigNeverOverwritten(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	first := storagetest.Random(1, MinPartSize+1000)
	key := storagetest.SHA256(first)
	for i, data := range [][]byte{first, storagetest.Random(2, 2*MinPartSize+7)} {
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Write(data); err != nil {
			t.Fatal(err)
		}
		err = st.Commit(ctx, key)
		if i == 0 && err != nil {
			t.Fatalf("first Commit: %v", err)
		}
		if i == 1 && !kerr.IsKind(err, kerr.Conflict) {
			t.Fatalf("second Commit: %v, want Conflict", err)
		}
	}
	if err := storage.NewBucket(d).Verify(ctx, key); err != nil {
		t.Fatalf("the first blob changed: %v", err)
	}
	assertNoTemp(t, cfg, d)
}

// TestConcurrentBigSame puts one multipart-sized content from several
// goroutines: one copy wins, the others find it.
func TestConcurrentBigSame(t *testing.T) {
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	b := storage.NewBucket(d)
	data := storagetest.Random(3, MinPartSize+12345)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = b.Put(context.Background(), bytes.NewReader(data), -1) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	if err := b.Verify(context.Background(), storagetest.SHA256(data)); err != nil {
		t.Fatal(err)
	}
	assertNoTemp(t, cfg, d)
}

// TestAbortedBigLeavesNothing: a reader failing after two parts aborts the
// multipart upload.
func TestAbortedBigLeavesNothing(t *testing.T) {
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	b := storage.NewBucket(d)
	r := io.MultiReader(bytes.NewReader(storagetest.Random(4, 2*MinPartSize+10)), errReader{})
	if _, _, err := b.Put(context.Background(), r, -1); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("Put of a failing reader: %v, want Invalid", err)
	}
	_, _, err := b.Put(context.Background(), bytes.NewReader(storagetest.Random(4, 3*MinPartSize)), 2*MinPartSize)
	if !kerr.IsKind(err, kerr.TooLarge) {
		t.Fatalf("Put over max: %v, want TooLarge", err)
	}
	assertNoTemp(t, cfg, d)
}

// TestAbortRemovesUpload watches one staged write's multipart upload by
// its exact name (MinIO lists uploads only so) before and after Abort.
func TestAbortRemovesUpload(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(storagetest.Random(5, MinPartSize+1)); err != nil {
		t.Fatal(err)
	}
	tmp := st.(*staged).tmp
	uploads := func() int {
		n := 0
		for up := range rawClient(t, cfg).ListIncompleteUploads(ctx, cfg.Bucket, tmp, false) {
			if up.Err != nil {
				t.Fatal(up.Err)
			}
			n++
		}
		return n
	}
	if tmp == "" || uploads() != 1 {
		t.Fatalf("after one full part: temporary object %q, %d uploads; want one", tmp, uploads())
	}
	if err := st.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if n := uploads(); n != 0 {
		t.Fatalf("after Abort: %d uploads of %s", n, tmp)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func assertNoTemp(t *testing.T, cfg Config, d *Driver) {
	t.Helper()
	ctx := context.Background()
	c := rawClient(t, cfg)
	for oi := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: d.prefix + "tmp/", Recursive: true}) {
		t.Errorf("temporary object left: %s %v", oi.Key, oi.Err)
	}
	for up := range c.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		t.Errorf("unfinished upload left: %s %v", up.Key, up.Err)
	}
}

func TestCleanTemp(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	c := rawClient(t, cfg)
	// What a crash leaves: a temporary object and an unfinished upload.
	if _, err := c.PutObject(ctx, cfg.Bucket, d.prefix+"tmp/crashed", strings.NewReader("partial"), 7, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.core.NewMultipartUpload(ctx, cfg.Bucket, d.prefix+"tmp/crashed-upload", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	blob, _, err := storage.NewBucket(d).Put(ctx, strings.NewReader("kept"), -1)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.CleanTemp(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("CleanTemp(1h) of fresh leftovers = %d, %v; want 0", n, err)
	}
	time.Sleep(1100 * time.Millisecond) // S3 times have one-second steps
	if n, err := d.CleanTemp(ctx, time.Second/2); err != nil || n != 2 {
		t.Fatalf("CleanTemp = %d, %v; want 2", n, err)
	}
	assertNoTemp(t, cfg, d)
	if _, err := d.Stat(ctx, blob); err != nil {
		t.Fatalf("CleanTemp touched a blob: %v", err)
	}
}

// TestPrefix: two drivers on one bucket with different prefixes do not see
// each other's blobs.
func TestPrefix(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfgA, cfgB := cfg, cfg
	cfgA.Prefix, cfgB.Prefix = "a", "b/"
	a, b := storage.NewBucket(newDriver(t, cfgA)), storage.NewBucket(newDriver(t, cfgB))
	hash, _, err := a.Put(ctx, strings.NewReader("in a"), -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(ctx, hash); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("b sees a's blob: %v", err)
	}
	n := 0
	b.List(ctx, func(string, int64, time.Time) error { n++; return nil })
	if n != 0 {
		t.Errorf("b lists %d blobs", n)
	}
	if _, err := rawClient(t, cfg).StatObject(ctx, cfg.Bucket, "a/blobs/"+hash, minio.StatObjectOptions{}); err != nil {
		t.Errorf("blob not at a/blobs/<hash>: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	missing := cfg
	missing.CreateBucket = false
	_, err := New(ctx, missing)
	if code, msg := kerr.Public(err); !kerr.IsKind(err, kerr.NotFound) || code != "s3_bucket_not_found" || msg == "" {
		t.Errorf("New without the bucket: %v (%s), want NotFound s3_bucket_not_found", err, code)
	}

	wrongKey := cfg
	wrongKey.SecretKey = "not-the-secret"
	_, err = New(ctx, wrongKey)
	if code, _ := kerr.Public(err); err == nil || code != "s3_access_denied" {
		t.Errorf("New with a wrong secret: %v (%s), want s3_access_denied", err, code)
	}

	down := cfg
	down.Endpoint = "127.0.0.1:1" // nothing listens on port 1
	down.MaxRetries = 1
	start := time.Now()
	_, err = New(ctx, down)
	if code, msg := kerr.Public(err); !kerr.IsKind(err, kerr.Unavailable) || msg == "" {
		t.Errorf("New against a closed port: %v (%s), want Unavailable", err, code)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("New against a closed port took %v", time.Since(start))
	}

	for _, bad := range []Config{{Bucket: "x"}, {Endpoint: "h:1"}, {Endpoint: "h:1", Bucket: "x", PartSize: 1 << 20}} {
		if _, err := New(ctx, bad); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("New(%+v) = %v, want Invalid", bad, err)
		}
	}
}

// TestServerGone: with the endpoint unreachable, operations are Unavailable.
func TestServerGone(t *testing.T) {
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	gone := *d
	c, err := minio.New("127.0.0.1:1", &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	gone.client, gone.core = c, minio.Core{Client: c}
	b := storage.NewBucket(&gone)
	ctx := context.Background()
	if _, _, err := b.Put(ctx, strings.NewReader("x"), -1); !kerr.IsKind(err, kerr.Unavailable) {
		t.Errorf("Put with the server gone: %v, want Unavailable", err)
	}
	if _, err := b.Stat(ctx, storagetest.SHA256(nil)); !kerr.IsKind(err, kerr.Unavailable) {
		t.Errorf("Stat with the server gone: %v, want Unavailable", err)
	}
	if err := b.List(ctx, func(string, int64, time.Time) error { return nil }); !kerr.IsKind(err, kerr.Unavailable) {
		t.Errorf("List with the server gone: %v, want Unavailable", err)
	}
}

func BenchmarkDriverWrite(b *testing.B) {
	cfg := testConfig(b)
	cfg.PartSize = DefaultPartSize
	storagetest.BenchmarkDriverWrite(b, newDriver(b, cfg))
}

func BenchmarkBucketPut(b *testing.B) {
	cfg := testConfig(b)
	cfg.PartSize = DefaultPartSize
	storagetest.BenchmarkBucketPut(b, newDriver(b, cfg))
}

// TestRereadBig: the staged bytes of a multipart write are read from its
// temporary object, which a read waits for until Commit has completed it;
// the object stays while a reader holds it, and goes when the last reader
// is closed. A reader of an aborted write fails.
func TestRereadBig(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	d := newDriver(t, cfg)
	data := storagetest.Random(6, 2*MinPartSize+100)
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(data); err != nil {
		t.Fatal(err)
	}
	r, ok, err := st.(storage.Rereader).Reread()
	if err != nil || !ok {
		t.Fatalf("Reread of a multipart write = %v, %v", ok, err)
	}
	read := make(chan error, 1)
	tail := make([]byte, 100)
	go func() {
		_, err := r.ReadAt(tail, int64(len(data)-100))
		read <- err
	}()
	select {
	case err := <-read:
		t.Fatalf("a read returned before the commit: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := st.Commit(ctx, storagetest.SHA256(data)); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil || !bytes.Equal(tail, data[len(data)-100:]) {
		t.Fatalf("read of the tail after the commit: %v", err)
	}
	temps := func() int {
		n := 0
		for oi := range rawClient(t, cfg).ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: d.prefix + "tmp/", Recursive: true}) {
			if oi.Err != nil {
				t.Fatal(oi.Err)
			}
			n++
		}
		return n
	}
	if n := temps(); n != 1 {
		t.Fatalf("%d temporary objects while a reader is open, want 1", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	assertNoTemp(t, cfg, d)

	st, err = d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(data); err != nil {
		t.Fatal(err)
	}
	r, _, _ = st.(storage.Rereader).Reread()
	if err := st.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(tail, 0); err == nil {
		t.Fatal("a reader of an aborted write read")
	}
	r.Close()
	assertNoTemp(t, cfg, d)
}
