package archive_test

import (
	"context"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/s3"
)

// lockedS3 is the S3 driver over a new bucket with object locking on the
// test MinIO, removed (every version, bypassing GOVERNANCE as the
// server's root) when t ends.
func lockedS3(t *testing.T) *s3.Driver {
	t.Helper()
	env := testenv.S3(t)
	cfg := s3.Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
		Bucket: testenv.UniqueName(t, "worm"), CreateBucket: true, ObjectLocking: true}
	d, err := s3.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")})
		if err != nil {
			t.Error(err)
			return
		}
		for oi := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if oi.Err == nil {
				_ = c.RemoveObject(ctx, cfg.Bucket, oi.Key, minio.RemoveObjectOptions{VersionID: oi.VersionID, GovernanceBypass: true})
			}
		}
		if err := c.RemoveBucket(ctx, cfg.Bucket); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return d
}

// TestRetentionObjectLock: on MinIO with object lock, indexing an agency
// record locks its blob until the end of its RetainUntil; when that blob
// is released to the collector while still locked (its paper removed
// under a period shortened after the lock was set), the collector keeps
// it without an error, finishes the release, and does not come back to
// it — nothing lost, no loop — a full collection included.
func TestRetentionObjectLock(t *testing.T) {
	ctx := context.Background()
	v := newVaultOn(t, archive.Config{BlobGrace: time.Hour}, lockedS3(t))
	start := time.Now()
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("own vault"))); err != nil {
		t.Fatal(err)
	}
	today := archive.DateOf(start.In(time.FixedZone("ICT", 7*3600)))
	a := agencyPaper(t, v, "Tài liệu lưu trữ", today, pdfBytes("locked on MinIO"))
	if err := v.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	v.clock.Set(start.Add(3 * time.Minute))
	if _, err := v.IndexRetention(ctx, "", 100); err != nil {
		t.Fatal(err)
	}
	r, err := v.RetentionOf(ctx, staff, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	until, err := v.bucket.RetainedUntil(ctx, a.Current.Blob)
	if err != nil || until.IsZero() || !until.Equal(r.LockedUntil.Truncate(time.Second)) || until.Before(start.AddDate(1, 0, 0)) {
		t.Fatalf("the blob's lock: %v, %v; record %+v", until, err, r)
	}

	// The paper goes while its blob is locked; its blob is released.
	if err := v.store.DeleteDocument(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	in := archive.UploadIntent{ID: archive.NewID(v.clock.Now()), OwnerID: citizenA.Subject, DocumentID: a.ID,
		Actor: archive.RetentionJobActor, CreatedAt: v.clock.Now()}
	if err := v.store.BeginUpload(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	if err := v.store.ClaimBlob(ctx, in.ID, a.Current.Blob); err != nil {
		t.Fatal(err)
	}
	v.clock.Set(start.Add(2 * time.Hour))
	for i, opts := range []archive.GCOptions{{}, {}, {Full: true}} {
		rep, err := v.CollectGarbageWith(ctx, opts)
		if err != nil {
			t.Fatalf("collection %d: %v", i, err)
		}
		if rep.Deleted != 0 {
			t.Fatalf("collection %d deleted %d blobs", i, rep.Deleted)
		}
		if i == 0 && rep.Uploads != 1 {
			t.Fatalf("the release was not finished: %+v", rep)
		}
		if i == 1 && rep.Uploads != 0 {
			t.Fatalf("the collector came back to the release: %+v", rep)
		}
	}
	if len(intents(t, v)) != 0 {
		t.Fatal("intents left")
	}
	if err := v.bucket.Verify(ctx, a.Current.Blob); err != nil {
		t.Fatalf("the locked blob: %v", err)
	}
}
