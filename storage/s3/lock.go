package s3

import (
	"context"
	"errors"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// Object lock (WORM). When the bucket was made with object locking
// (versioning on, object lock enabled), blobs of papers under retention
// are given a retention in GOVERNANCE mode until their RetainUntil:
// the service then refuses to delete or overwrite that version of the
// object. GOVERNANCE rather than COMPLIANCE: a retention period the
// catalogue set by mistake (a hundred years instead of ten) must be
// correctable by an operator holding s3:BypassGovernanceRetention — an
// account Kho itself never uses; under COMPLIANCE not even the bucket's
// owner could shorten it, and the storage would be paid for until then.
//
// In such a bucket a delete without a version ID only adds a delete
// marker and is never refused, so the driver deletes (and trashes) the
// blob's current version by its ID: the lock then applies, and a refused
// delete is kind Conflict with code storage.CodeRetained.

var _ storage.Locker = (*Driver)(nil)

// detectLock asks the bucket whether object lock is enabled on it. Its
// error is minio-go's, for startError.
func (d *Driver) detectLock(ctx context.Context) (bool, error) {
	enabled, _, _, _, err := d.client.GetObjectLockConfig(ctx, d.bucket)
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.StatusCode < 500 {
			// Not configured (ObjectLockConfigurationNotFoundError), or a
			// service that does not know object lock: no lock.
			return false, nil
		}
		return false, err
	}
	return enabled == "Enabled", nil
}

// ObjectLock reports whether the bucket has object lock enabled.
func (d *Driver) ObjectLock() bool { return d.locked }

func lockUnsupported(key string) error {
	return kerr.New(kerr.Invalid, storage.CodeLockUnsupported, "", "s3: bucket has no object lock (%s)", key)
}

// Retain sets a GOVERNANCE retention on key's current version until
// until, unless it is retained until later already. Kinds: NotFound,
// Invalid (code storage.CodeLockUnsupported without object lock).
func (d *Driver) Retain(ctx context.Context, key string, until time.Time) error {
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	if !d.locked {
		return lockUnsupported(key)
	}
	oi, err := d.client.StatObject(ctx, d.bucket, d.blobName(key), minio.StatObjectOptions{})
	if err != nil {
		return s3Error(err, "stat "+key)
	}
	cur, err := d.retainedUntil(ctx, key, oi.VersionID)
	if err != nil {
		return err
	}
	until = until.UTC().Truncate(time.Second)
	if !cur.Before(until) {
		return nil // a later date stays: a blob shared by several papers keeps the latest
	}
	mode := minio.Governance
	err = d.client.PutObjectRetention(ctx, d.bucket, d.blobName(key), minio.PutObjectRetentionOptions{
		Mode: &mode, RetainUntilDate: &until, VersionID: oi.VersionID})
	return s3Error(err, "retain "+key)
}

// RetainedUntil returns the retention date of key's current version (zero
// when none). Kinds: NotFound, Invalid.
func (d *Driver) RetainedUntil(ctx context.Context, key string) (time.Time, error) {
	if !storage.ValidKey(key) {
		return time.Time{}, invalidKey(key)
	}
	if !d.locked {
		return time.Time{}, lockUnsupported(key)
	}
	oi, err := d.client.StatObject(ctx, d.bucket, d.blobName(key), minio.StatObjectOptions{})
	if err != nil {
		return time.Time{}, s3Error(err, "stat "+key)
	}
	return d.retainedUntil(ctx, key, oi.VersionID)
}

func (d *Driver) retainedUntil(ctx context.Context, key, version string) (time.Time, error) {
	_, until, err := d.client.GetObjectRetention(ctx, d.bucket, d.blobName(key), version)
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && (er.Code == "NoSuchObjectLockConfiguration" || er.Code == "ObjectLockConfigurationNotFoundError") {
			return time.Time{}, nil
		}
		return time.Time{}, s3Error(err, "get retention "+key)
	}
	if until == nil {
		return time.Time{}, nil
	}
	return until.UTC(), nil
}

// removeObject deletes object name. In a bucket with object lock it
// deletes the current version by its ID, so that the lock applies: a
// refusal is Conflict storage.CodeRetained.
func (d *Driver) removeObject(ctx context.Context, name, what string) error {
	if !d.locked {
		return s3Error(d.client.RemoveObject(ctx, d.bucket, name, minio.RemoveObjectOptions{}), what)
	}
	oi, err := d.client.StatObject(ctx, d.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return s3Error(err, what)
	}
	err = d.client.RemoveObject(ctx, d.bucket, name, minio.RemoveObjectOptions{VersionID: oi.VersionID})
	var er minio.ErrorResponse
	if errors.As(err, &er) && (er.Code == "AccessDenied" || er.Code == "ObjectLocked" || er.Code == "InvalidRequest") {
		return &kerr.Error{Kind: kerr.Conflict, Code: storage.CodeRetained,
			Detail: "s3: " + what + ": " + er.Message + " (" + er.Code + ")"}
	}
	return s3Error(err, what)
}
