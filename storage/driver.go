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
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
	// a staged write nor a trashed blob). An error from fn stops the walk
	// and is returned as is.
	List(ctx context.Context, fn func(Attrs) error) error
	// Trash moves key's blob out of sight under name (made by TrashName
	// for key): afterwards Open, Stat, Touch, Delete and List no longer find
	// key, and a Commit of key succeeds as for an absent key. The blob is
	// kept under name until Restore or Purge. Kinds: NotFound if key is
	// absent, Invalid for a bad key or a name that is not key's.
	Trash(ctx context.Context, key, name string) error
	// Restore puts the blob trashed under name back under its key, durably.
	// If the key was committed again meanwhile (the same bytes: a key is
	// their hash), it only drops the trashed copy; it never overwrites.
	// Kinds: NotFound if nothing is trashed under name, Invalid.
	Restore(ctx context.Context, name string) error
	// Purge deletes the blob trashed under name. Kinds: NotFound, Invalid.
	Purge(ctx context.Context, name string) error
	// ListTrash calls fn with the name of every trashed blob, in no
	// particular order. An error from fn stops the walk and is returned.
	ListTrash(ctx context.Context, fn func(name string) error) error
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

// Prestager is a Driver whose staged writes are worth making ahead of
// need: making one waits on the disk (a new file), and it holds nothing
// bound to the context it was made with. The Bucket keeps one ready, so
// that a Put does not wait for it.
type Prestager interface {
	// Prestage is Stage for a write that starts later.
	Prestage(ctx context.Context) (Staged, error)
}

// Rereader is a Staged whose written bytes can be read back while they
// are committed: the local file, the buffer of a small S3 write, the
// temporary object of a multipart one. The Bucket hands them to a caller that checks the content
// (PutHooks.Staged) while the bytes are made durable and committed, so the
// check's work overlaps the wait for the disk or the service.
type Rereader interface {
	// Reread returns a reader of the bytes written so far, or ok false when
	// the driver cannot read them back. No Write may follow. The reader
	// reads the same bytes after Commit, until it is closed; its reads may
	// wait for Commit (S3: the temporary object of a multipart write), and
	// after Abort they may fail.
	Reread() (r ReaderAtCloser, ok bool, err error)
}

// ReaderAtCloser reads by offset until it is closed.
type ReaderAtCloser interface {
	io.ReaderAt
	io.Closer
}

// BytesReader is a ReaderAtCloser of p, for drivers that stage in memory;
// Close does nothing.
func BytesReader(p []byte) ReaderAtCloser { return bytesReader{bytes.NewReader(p)} }

type bytesReader struct{ *bytes.Reader }

func (bytesReader) Close() error { return nil }

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

// A trash name is "<key>.<milliseconds since the Unix epoch>.<16 hex
// digits>": the trashed blob's key, when it was trashed and a random part
// that makes it unique, so that two collectors trashing the same key (after
// a writer committed it again in between) never share a name.
const trashNameLen = KeyLen + 1 + 13 + 1 + 16

// TrashName returns a new, unique trash name for key trashed at t.
func TrashName(key string, t time.Time) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s.%013d.%s", key, t.UnixMilli(), hex.EncodeToString(r[:]))
}

// ParseTrashName returns the key and the time of a trash name made by
// TrashName; ok is false for anything else, so that no other name ever
// reaches a driver's trash.
func ParseTrashName(name string) (key string, at time.Time, ok bool) {
	if len(name) != trashNameLen || name[KeyLen] != '.' || name[KeyLen+14] != '.' {
		return "", time.Time{}, false
	}
	key = name[:KeyLen]
	if !ValidKey(key) {
		return "", time.Time{}, false
	}
	var ms int64
	for _, c := range name[KeyLen+1 : KeyLen+14] {
		if c < '0' || c > '9' {
			return "", time.Time{}, false
		}
		ms = ms*10 + int64(c-'0')
	}
	for _, c := range name[KeyLen+15:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", time.Time{}, false
		}
	}
	return key, time.UnixMilli(ms).UTC(), true
}
