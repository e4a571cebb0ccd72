// Package memory is a storage.Driver that keeps blobs in process memory,
// for tests. It is safe for concurrent use and holds to the Driver contract
// (write-once commits, range reads, error kinds) like the real drivers.
package memory

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// Driver keeps blobs in memory.
type Driver struct {
	mu    sync.RWMutex
	blobs map[string]blob
	trash map[string]blob // by trash name
	now   func() time.Time
}

type blob struct {
	data []byte
	mod  time.Time
}

var _ storage.Driver = (*Driver)(nil)

// New returns an empty in-memory driver.
func New() *Driver {
	return &Driver{blobs: map[string]blob{}, trash: map[string]blob{}, now: time.Now}
}

// Stage starts a staged write into a private buffer.
func (d *Driver) Stage(ctx context.Context) (storage.Staged, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &staged{d: d}, nil
}

// Open returns a reader of a copy-free slice of key's bytes. Kinds: NotFound,
// Invalid (bad key, off < 0 or past the end).
func (d *Driver) Open(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := d.get(key)
	if err != nil {
		return nil, err
	}
	size := int64(len(b.data))
	if off < 0 || off > size {
		return nil, kerr.New(kerr.Invalid, storage.CodeInvalidRange, "", "memory: offset %d of a %d-byte blob", off, size)
	}
	end := size
	if length >= 0 && off+length < size {
		end = off + length
	}
	// Stored slices are never written again, so readers may share them.
	return io.NopCloser(bytes.NewReader(b.data[off:end])), nil
}

// Stat returns key's size and commit time. Kinds: NotFound, Invalid.
func (d *Driver) Stat(ctx context.Context, key string) (storage.Attrs, error) {
	if err := ctx.Err(); err != nil {
		return storage.Attrs{}, err
	}
	b, err := d.get(key)
	if err != nil {
		return storage.Attrs{}, err
	}
	return storage.Attrs{Key: key, Size: int64(len(b.data)), ModTime: b.mod}, nil
}

// Delete removes key. Kinds: NotFound, Invalid.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.blobs[key]; !ok {
		return notFound(key)
	}
	delete(d.blobs, key)
	return nil
}

// Touch sets the blob's modification time to now.
func (d *Driver) Touch(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.blobs[key]
	if !ok {
		return notFound(key)
	}
	b.mod = time.Now()
	d.blobs[key] = b
	return nil
}

// List calls fn for every blob, on a snapshot taken at the start.
func (d *Driver) List(ctx context.Context, fn func(storage.Attrs) error) error {
	d.mu.RLock()
	all := make([]storage.Attrs, 0, len(d.blobs))
	for k, b := range d.blobs {
		all = append(all, storage.Attrs{Key: k, Size: int64(len(b.data)), ModTime: b.mod})
	}
	d.mu.RUnlock()
	for _, a := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// Trash moves key's blob to the trash under name. Kinds: NotFound, Invalid.
func (d *Driver) Trash(ctx context.Context, key, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if k, _, ok := storage.ParseTrashName(name); !ok || k != key {
		return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "memory: trash %q as %q", key, name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.blobs[key]
	if !ok {
		return notFound(key)
	}
	delete(d.blobs, key)
	d.trash[name] = b
	return nil
}

// Restore moves the trashed blob back under its key, unless the key was
// committed again meanwhile (then the trashed copy is dropped).
// Kinds: NotFound, Invalid.
func (d *Driver) Restore(ctx context.Context, name string) error {
	return d.untrash(ctx, name, true)
}

// Purge drops a trashed blob. Kinds: NotFound, Invalid.
func (d *Driver) Purge(ctx context.Context, name string) error {
	return d.untrash(ctx, name, false)
}

func (d *Driver) untrash(ctx context.Context, name string, restore bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key, _, ok := storage.ParseTrashName(name)
	if !ok {
		return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "memory: invalid trash name %q", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.trash[name]
	if !ok {
		return notFound(name)
	}
	delete(d.trash, name)
	if _, exists := d.blobs[key]; restore && !exists {
		d.blobs[key] = b
	}
	return nil
}

// ListTrash calls fn for every trashed blob, on a snapshot.
func (d *Driver) ListTrash(ctx context.Context, fn func(name string) error) error {
	d.mu.RLock()
	names := make([]string, 0, len(d.trash))
	for n := range d.trash {
		names = append(names, n)
	}
	d.mu.RUnlock()
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// Close does nothing: the blobs stay until the Driver is garbage.
func (d *Driver) Close() error { return nil }

// Corrupt flips one bit of key's stored bytes (or, for an empty blob,
// appends a byte), so that tests can check integrity verification.
func (d *Driver) Corrupt(key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.blobs[key]
	if !ok {
		return notFound(key)
	}
	data := bytes.Clone(b.data)
	if len(data) == 0 {
		data = []byte{0}
	} else {
		data[len(data)/2] ^= 1
	}
	d.blobs[key] = blob{data: data, mod: b.mod}
	return nil
}

func (d *Driver) get(key string) (blob, error) {
	if !storage.ValidKey(key) {
		return blob{}, invalidKey(key)
	}
	d.mu.RLock()
	b, ok := d.blobs[key]
	d.mu.RUnlock()
	if !ok {
		return blob{}, notFound(key)
	}
	return b, nil
}

// staged is a write into a buffer of its own.
type staged struct {
	d    *Driver
	buf  bytes.Buffer
	done bool
}

func (s *staged) Write(p []byte) (int, error) {
	if s.done {
		return 0, kerr.New(kerr.Internal, "", "", "memory: write after commit or abort")
	}
	return s.buf.Write(p)
}

// Reread reads the staged buffer (storage.Rereader); Commit keeps its
// bytes as the blob's and Abort drops the buffer without changing them.
func (s *staged) Reread() (storage.ReaderAtCloser, bool, error) {
	if s.done {
		return nil, false, kerr.New(kerr.Internal, "", "", "memory: reread after commit or abort")
	}
	return storage.BytesReader(s.buf.Bytes()), true, nil
}

func (s *staged) Commit(ctx context.Context, key string) error {
	if s.done {
		return kerr.New(kerr.Internal, "", "", "memory: commit after commit or abort")
	}
	s.done = true
	data := s.buf.Bytes()
	s.buf = bytes.Buffer{}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if _, ok := s.d.blobs[key]; ok {
		return kerr.New(kerr.Conflict, storage.CodeExists, "", "memory: %s exists", key)
	}
	s.d.blobs[key] = blob{data: data, mod: s.d.now()}
	return nil
}

func (s *staged) Abort(context.Context) error {
	s.done = true
	s.buf = bytes.Buffer{}
	return nil
}

func invalidKey(key string) error {
	return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "memory: invalid key %q", key)
}

func notFound(key string) error {
	return kerr.New(kerr.NotFound, storage.CodeNotFound, "", "memory: %s not found", key)
}
