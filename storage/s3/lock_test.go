package s3

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/storagetest"
)

// LockedConfig is a Config for a new bucket with object locking on the
// test server; the bucket, every version in it (the test server's root
// bypasses GOVERNANCE retention) and the bucket itself are removed when t
// ends.
func lockedConfig(t testing.TB) Config {
	env := testenv.S3(t)
	cfg := Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
		Bucket: testenv.UniqueName(t, "worm"), CreateBucket: true, ObjectLocking: true, PartSize: MinPartSize}
	t.Cleanup(func() { removeLockedBucket(t, cfg) })
	return cfg
}

func removeLockedBucket(t testing.TB, cfg Config) {
	ctx := context.Background()
	c := rawClient(t, cfg)
	if ok, err := c.BucketExists(ctx, cfg.Bucket); err != nil || !ok {
		return
	}
	for oi := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if oi.Err != nil {
			t.Errorf("cleanup: list %s: %v", cfg.Bucket, oi.Err)
			return
		}
		err := c.RemoveObject(ctx, cfg.Bucket, oi.Key, minio.RemoveObjectOptions{VersionID: oi.VersionID, GovernanceBypass: true})
		if err != nil {
			t.Errorf("cleanup: remove %s@%s: %v", oi.Key, oi.VersionID, err)
		}
	}
	if err := c.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Errorf("cleanup: remove bucket %s: %v", cfg.Bucket, err)
	}
}

func wantCode(t *testing.T, what string, err error, kind kerr.Kind, code string) {
	t.Helper()
	if ke := kerr.Outer(err); ke == nil || ke.Kind != kind || ke.Code != code {
		t.Fatalf("%s: %v, want %v %s", what, err, kind, code)
	}
}

// TestObjectLock: on a MinIO bucket made with object locking, a retained
// blob's delete is refused and the blob stays readable; the collector's
// trash is refused too and leaves nothing in the trash; a retention is
// never shortened (a blob shared by several papers keeps the latest date);
// once the date has passed the blob can be deleted. A bucket without
// object lock, and the local driver, answer "unsupported".
func TestObjectLock(t *testing.T) {
	ctx := context.Background()
	cfg := lockedConfig(t)
	d := newDriver(t, cfg)
	if !d.ObjectLock() {
		t.Fatal("a bucket made with object locking is not seen as locked")
	}
	b := storage.NewBucket(d)
	put := func(s string) string {
		h, _, err := b.Put(ctx, bytes.NewReader([]byte(s)), -1)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	kept := put("giấy tờ đang trong thời hạn lưu trữ")
	now := time.Now().UTC().Truncate(time.Second)
	if err := b.Retain(ctx, kept, now.Add(time.Hour)); err != nil {
		t.Fatalf("Retain: %v", err)
	}
	if err := b.Retain(ctx, kept, now.Add(10*time.Minute)); err != nil {
		t.Fatalf("Retain (earlier): %v", err)
	}
	until, err := b.RetainedUntil(ctx, kept)
	if err != nil || !until.Equal(now.Add(time.Hour)) {
		t.Fatalf("RetainedUntil = %v, %v; want the later date %v", until, err, now.Add(time.Hour))
	}
	if err := b.Retain(ctx, kept, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if until, _ := b.RetainedUntil(ctx, kept); !until.Equal(now.Add(2 * time.Hour)) {
		t.Fatalf("RetainedUntil after extending = %v", until)
	}

	// A permanent paper's lock: a hundred years ahead.
	forever := put("giấy tờ lưu trữ vĩnh viễn")
	if err := b.Retain(ctx, forever, now.AddDate(100, 0, 0)); err != nil {
		t.Fatalf("Retain a hundred years: %v", err)
	}
	if until, err := b.RetainedUntil(ctx, forever); err != nil || !until.Equal(now.AddDate(100, 0, 0)) {
		t.Fatalf("RetainedUntil a hundred years = %v, %v", until, err)
	}

	err = b.Delete(ctx, kept)
	wantCode(t, "delete of a retained blob", err, kerr.Conflict, storage.CodeRetained)
	if !errors.Is(err, storage.ErrRetained) {
		t.Fatalf("errors.Is(%v, ErrRetained) is false", err)
	}
	deleted, err := b.Collect(ctx, kept, func(context.Context) (bool, error) { return false, nil })
	if deleted {
		t.Fatal("the collector deleted a retained blob")
	}
	wantCode(t, "collect of a retained blob", err, kerr.Conflict, storage.CodeRetained)
	if err := b.Verify(ctx, kept); err != nil {
		t.Fatalf("the retained blob after the refusals: %v", err)
	}
	if err := d.ListTrash(ctx, func(name string) error { t.Errorf("left in the trash: %s", name); return nil }); err != nil {
		t.Fatal(err)
	}

	// Without a retention, and once it has passed, a blob goes (every
	// version: nothing left behind a delete marker).
	free := put("giấy tờ không bị khóa")
	if err := b.Delete(ctx, free); err != nil {
		t.Fatalf("delete of an unretained blob: %v", err)
	}
	brief := put("giấy tờ khóa trong hai giây")
	if err := b.Retain(ctx, brief, time.Now().Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete before the date", b.Delete(ctx, brief), kerr.Conflict, storage.CodeRetained)
	time.Sleep(3 * time.Second)
	if deleted, err := b.Collect(ctx, brief, func(context.Context) (bool, error) { return false, nil }); err != nil || !deleted {
		t.Fatalf("collect after the date: %v, %v", deleted, err)
	}
	for _, h := range []string{free, brief} {
		for oi := range rawClient(t, cfg).ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: d.blobName(h), WithVersions: true}) {
			t.Errorf("a deleted blob left %s@%s (delete marker %v)", oi.Key, oi.VersionID, oi.IsDeleteMarker)
		}
	}

	// No object lock.
	plain := storage.NewBucket(newDriver(t, testConfig(t)))
	h, _, err := plain.Put(ctx, bytes.NewReader([]byte("x")), -1)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Retain without object lock", plain.Retain(ctx, h, now.Add(time.Hour)), kerr.Invalid, storage.CodeLockUnsupported)
	lfs, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	local := storage.NewBucket(lfs)
	_, err = local.RetainedUntil(ctx, h)
	wantCode(t, "RetainedUntil on the local driver", err, kerr.Invalid, storage.CodeLockUnsupported)
	if !errors.Is(err, storage.ErrLockUnsupported) {
		t.Fatalf("errors.Is(%v, ErrLockUnsupported) is false", err)
	}
}

// TestLockedConformance: the driver meets the whole conformance suite on
// a bucket with object locking (versioned: deletes remove versions).
func TestLockedConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver { return newDriver(t, lockedConfig(t)) })
}
