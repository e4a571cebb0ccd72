package storage

import (
	"context"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Codes of object lock (WORM retention) errors.
const (
	// CodeLockUnsupported (Invalid): the driver or its bucket has no
	// object lock.
	CodeLockUnsupported = "object_lock_unsupported"
	// CodeRetained (Conflict): the blob is under an object lock that has
	// not ended; the service refused its deletion.
	CodeRetained = "blob_retained"
)

// ErrLockUnsupported matches (errors.Is) the error of Retain and
// RetainedUntil on a bucket without object lock.
var ErrLockUnsupported = &kerr.Error{Code: CodeLockUnsupported}

// ErrRetained matches (errors.Is) the error of a delete the object lock
// refused.
var ErrRetained = &kerr.Error{Code: CodeRetained}

// Locker is a Driver that can keep blobs from deletion and overwrite until
// a date: S3 object lock (WORM). storage/s3 implements it; the local and
// memory drivers do not. A driver whose bucket has no object lock
// configured answers kind Invalid with code CodeLockUnsupported.
//
// While a blob is retained, Delete and Trash refuse it with kind Conflict
// and code CodeRetained, leaving it where it was.
type Locker interface {
	// Retain retains key until until. A retention that ends later is kept
	// (never shortened). Kinds: NotFound, Invalid.
	Retain(ctx context.Context, key string, until time.Time) error
	// RetainedUntil returns key's retention date; zero if it has none.
	// Kinds: NotFound, Invalid.
	RetainedUntil(ctx context.Context, key string) (time.Time, error)
}

func lockUnsupported(op, hash string) error {
	return &kerr.Error{Kind: kerr.Invalid, Code: CodeLockUnsupported,
		Message: "Kho lưu trữ tệp không hỗ trợ khóa chống xóa (object lock).",
		Detail:  "storage: " + op + " " + hash + ": the driver has no object lock"}
}

// Retain keeps the blob hash from deletion and overwrite until until (a
// later date already set is kept). Kinds: Invalid (bad hash; code
// CodeLockUnsupported without object lock), NotFound.
func (b *Bucket) Retain(ctx context.Context, hash string, until time.Time) error {
	if !ValidKey(hash) {
		return invalidKey(hash)
	}
	l, ok := b.d.(Locker)
	if !ok {
		return lockUnsupported("retain", hash)
	}
	return classifyLock(l.Retain(ctx, hash, until), "retain", hash)
}

// RetainedUntil returns the blob's retention date (zero if none). Kinds
// as Retain.
func (b *Bucket) RetainedUntil(ctx context.Context, hash string) (time.Time, error) {
	if !ValidKey(hash) {
		return time.Time{}, invalidKey(hash)
	}
	l, ok := b.d.(Locker)
	if !ok {
		return time.Time{}, lockUnsupported("retained until", hash)
	}
	t, err := l.RetainedUntil(ctx, hash)
	return t, classifyLock(err, "retained until", hash)
}

// classifyLock is classify that keeps the lock codes and gives them
// their messages.
func classifyLock(err error, op, hash string) error {
	if err == nil {
		return nil
	}
	switch ke := kerr.Outer(err); {
	case ke != nil && ke.Code == CodeLockUnsupported:
		e := lockUnsupported(op, hash).(*kerr.Error)
		e.Err = err
		return e
	case ke != nil && ke.Code == CodeRetained:
		return &kerr.Error{Kind: kerr.Conflict, Code: CodeRetained,
			Message: "Tệp đang trong thời hạn lưu trữ bắt buộc (khóa chống xóa); không được xóa.",
			Detail:  "storage: " + op + " " + hash, Err: err}
	}
	return classify(err, op, hash)
}
