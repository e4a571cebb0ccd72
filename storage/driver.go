// Package storage holds Kho's blob store: the Bucket, which carries every
// rule about blobs (content addressing by SHA-256, key validation, size
// limits, write-once, integrity checks, error classification), over a small
// Driver interface that only moves bytes. The drivers are storage/localfs
// (the embedded default), storage/s3 (any S3 service, via minio-go) and
// storage/memory (tests); storage/storagetest is the conformance suite every
// driver passes.
//
// The metadata stores (storage/sqlite, storage/mongo) live in sub-packages
// too but have nothing to do with this package's types.
package storage

import (
	"context"
	"io"
	"time"
)

// Driver moves the bytes of blobs for a Bucket. Keys are always valid
// (ValidKey: 64 lowercase hexadecimal characters); a driver still refuses any
// other key with kind Invalid, so that no key can ever name something
// outside its store. Drivers never overwrite a key: a blob, once committed,
// only changes by Delete.
//
// Errors carry a kerr.Kind (and may carry a Code, such as CodeNotFound, but
// leave Message empty); the Bucket classifies them once (code and Vietnamese
// message) for its callers. Every method may also return kind
// Unavailable (the backing service cannot be reached: retry later) and
// Internal (anything else); methods list the other kinds they return.
// A driver is safe for concurrent use.
type Driver interface {
	// Stage starts a staged write. The bytes written to the Staged become
	// visible only on Commit.
	Stage(ctx context.Context) (Staged, error)
	// Open reads length bytes of key from off (length < 0: to the end). A
	// range that runs past the end is cut at the end; off equal to the size
	// gives an empty reader. Kinds: NotFound if key is absent, Invalid if
	// key is not a valid key, off < 0, or off is past the end.
	Open(ctx context.Context, key string, off, length int64) (io.ReadCloser, error)
	// Stat returns key's attributes. Kinds: NotFound, Invalid (bad key).
	Stat(ctx context.Context, key string) (Attrs, error)
	// Delete removes key. Kinds: NotFound, Invalid (bad key).
	Delete(ctx context.Context, key string) error
	// Touch sets key's ModTime to now without changing its bytes, so that
	// age-based collection of unreferenced blobs spares a blob that was
	// just uploaded again. Kinds: NotFound, Invalid (bad key).
	Touch(ctx context.Context, key string) error
	// List calls fn for every committed blob, in no particular order (never
	// a staged write). An error from fn stops the walk and is returned as is.
	List(ctx context.Context, fn func(Attrs) error) error
	// Close releases the driver's resources.
	Close() error
}

// Staged is a write in progress. It is used by one goroutine. Exactly one
// of Commit or Abort ends it; either releases what the staging held, and a
// later Abort is a no-op (so `defer st.Abort(ctx)` is safe).
type Staged interface {
	// Write appends bytes. Kinds: TooLarge when the storage is full.
	io.Writer
	// Commit makes the written bytes visible under key, durably, at once
	// (readers see all of it or nothing). If key exists already it returns
	// kind Conflict and leaves the existing blob untouched: a committed key
	// is never overwritten. Kinds: Conflict, Invalid (bad key).
	Commit(ctx context.Context, key string) error
	// Abort discards the written bytes.
	Abort(ctx context.Context) error
}

// Flusher is a Staged that can make its bytes durable before their key is
// known. The Bucket flushes while the last chunks are still being hashed,
// so that the wait for the disk and the hashing overlap; Commit then only
// has to name the bytes. A Write after Flush undoes it.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Attrs describe a stored blob.
type Attrs struct {
	Key     string    // the blob's key (its SHA-256 in lowercase hex)
	Size    int64     // length in bytes
	ModTime time.Time // when it was committed
}

// KeyLen is the length of a key: a SHA-256 in hexadecimal.
const KeyLen = 64

// ValidKey reports whether key is a blob key: 64 lowercase hexadecimal
// characters (a SHA-256). No other key ever reaches a driver.
func ValidKey(key string) bool {
	if len(key) != KeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
