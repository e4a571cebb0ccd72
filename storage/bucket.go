package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// bufSize is the size of the buffer a Put or Verify copies through.
const bufSize = 512 << 10

// Bucket is the blob store: content-addressed, write-once blobs over a
// Driver. A blob's key is the SHA-256 of its bytes in lowercase hex; the
// Bucket computes it while streaming, refuses any other key, never
// overwrites, checks integrity on full reads, and gives every error a kind,
// a stable code and a Vietnamese message (codes: the Code constants).
// A Bucket is safe for concurrent use.
type Bucket struct {
	d     Driver
	bufs  sync.Pool
	spare *spare // nil unless d is a Prestager
}

// NewBucket returns a Bucket over d. The Bucket owns d: Close closes it.
func NewBucket(d Driver) *Bucket {
	b := &Bucket{d: d}
	b.bufs.New = func() any { return new([bufSize]byte) }
	if p, ok := d.(Prestager); ok {
		b.spare = &spare{p: p}
	}
	return b
}

// Put streams r into the store while hashing it and returns the SHA-256 (hex)
// and size of its bytes. It reads at most max+1 bytes (max < 0: no limit)
// and refuses more than max with TooLarge, code CodeTooLarge. Any error from
// r aborts the staged write, so a cut-off upload leaves nothing; the error
// keeps its kind if it has one (TooLarge for http.MaxBytesReader's), else it
// is Invalid with code CodeInterrupted. Content that is stored already is
// not written again: Put returns the existing blob (Integrity if its size
// differs). The bytes never sit whole in memory.
func (b *Bucket) Put(ctx context.Context, r io.Reader, max int64) (hash string, size int64, err error) {
	return b.PutClaimed(ctx, r, max, nil)
}

// PutClaimed is Put that calls claim, when not nil, with the content's hash
// once it is known and before the blob is committed — or, when the content
// is stored already, before the existing blob is touched and returned. An
// error from claim aborts the Put (nothing is committed) and is returned as
// is. This is how a caller records which blob it is about to reference
// before the reference can matter, so that a crash never leaves a blob
// nobody knows of, and a collector (Collect) can see the claim: see
// archive's collectGarbage. The claim runs while the staged bytes are
// being made durable (Flusher), so the two waits overlap.
func (b *Bucket) PutClaimed(ctx context.Context, r io.Reader, max int64, claim func(ctx context.Context, hash string) error) (hash string, size int64, err error) {
	return b.PutWith(ctx, r, max, PutHooks{Claim: claim})
}

// PutHooks are the calls a Put makes to its caller (PutWith).
type PutHooks struct {
	// Claim is PutClaimed's claim.
	Claim func(ctx context.Context, hash string) error
	// Staged, when not nil, is called once every byte is staged and before
	// the Put makes them durable, hashes the last of them and commits them,
	// with a reader of the staged bytes and their number — if the driver
	// can read them back (Rereader); otherwise it is not called. It is
	// called on the Put's goroutine and must return at once: work on the
	// bytes belongs on a goroutine of its own, where it overlaps the Put's
	// waits. It owns the reader, which stays valid after the Put returns
	// until it is closed; its reads may wait for the commit, and fail if
	// the Put fails (Rereader).
	Staged func(r ReaderAtCloser, size int64)
}

// PutWith is Put that makes the calls of hooks (see PutHooks).
func (b *Bucket) PutWith(ctx context.Context, r io.Reader, max int64, hooks PutHooks) (hash string, size int64, err error) {
	claim := hooks.Claim
	if r == nil {
		return "", 0, &kerr.Error{Kind: kerr.Invalid, Code: CodeInterrupted,
			Message: "Không có nội dung tệp để lưu.", Detail: "storage: Put with a nil reader"}
	}
	if err := ctx.Err(); err != nil {
		return "", 0, classify(err, "put", "")
	}
	// Take the spare staged write, or stage while the first bytes arrive:
	// making a staging file costs a few hundred microseconds of waiting on
	// the file system (up to a millisecond on the test machine), which a
	// network upload can overlap.
	stage := b.stageAsync(ctx)
	ended := false
	defer func() {
		if !ended {
			if st, err := stage(); err == nil {
				_ = st.Abort(context.WithoutCancel(ctx))
			}
		}
	}()

	if max == math.MaxInt64 {
		max = -1 // max+1 would overflow; no reader is that long
	}
	hp := b.startHashing()
	defer hp.stop()
	// Reading, hashing and writing each run on their own: the body keeps
	// being read while the staging file is being made or written.
	wr := hp.startWriting(stage)
	defer wr.finish()
	var n int64
	for {
		buf := <-hp.free
		p := buf[:]
		if max >= 0 && int64(len(p)) > max+1-n {
			p = p[:max+1-n]
		}
		m, rerr := r.Read(p)
		if m > 0 {
			n += int64(m)
			if max >= 0 && n > max {
				hp.free <- buf
				return "", 0, tooLarge(max)
			}
			c := &chunk{buf: buf, n: m}
			c.refs.Store(2)
			hp.work <- c
			wr.work <- c
		} else {
			hp.free <- buf
		}
		if err := wr.failed(); err != nil {
			return "", 0, err
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", 0, readerError(rerr)
		}
		if err := ctx.Err(); err != nil {
			return "", 0, classify(err, "put", "")
		}
	}
	if err := wr.finish(); err != nil {
		return "", 0, err
	}

	st, err := stage()
	if err != nil {
		return "", 0, classify(err, "stage", "")
	}
	if hooks.Staged != nil {
		if rr, ok := st.(Rereader); ok {
			sr, ok, err := rr.Reread()
			if err != nil {
				return "", 0, classify(err, "reread", "")
			}
			if ok {
				hooks.Staged(sr, n)
			}
		}
	}
	// Make the bytes durable while the hasher finishes the last chunks:
	// the wait for the disk and the hashing overlap (Commit then only names
	// the file). For a 1 MB upload this saves about a third of a millisecond.
	// With a claim, the flush also overlaps the claim.
	var flushed chan error
	if f, ok := st.(Flusher); ok {
		flushed = make(chan error, 1)
		if claim == nil {
			flushed <- f.Flush(ctx)
		} else {
			go func() { flushed <- f.Flush(ctx) }()
		}
	}
	hash = hex.EncodeToString(hp.stop())
	var cerr error
	if claim != nil {
		cerr = claim(ctx, hash)
	}
	if flushed != nil {
		if err := <-flushed; err != nil {
			return "", 0, classify(err, "flush", "")
		}
	}
	if cerr != nil {
		return "", 0, cerr
	}
	ended = true
	err = st.Commit(ctx, hash)
	if kerr.IsKind(err, kerr.Conflict) {
		// Write-once: the content is there already. Check it is whole.
		a, serr := b.d.Stat(ctx, hash)
		if serr != nil {
			return "", 0, classify(serr, "stat", hash)
		}
		if a.Size != n {
			return "", 0, corrupt(hash, "stored size %d, content size %d", a.Size, n)
		}
		// The caller is about to reference it: make it young again, so that
		// the collection of old unreferenced blobs does not take it meanwhile.
		if err := b.touch(ctx, hash); err != nil {
			return "", 0, classify(err, "touch", hash)
		}
		return hash, n, nil
	}
	if err != nil {
		return "", 0, classify(err, "commit", hash)
	}
	return hash, n, nil
}

// stageAsync starts a staged write on a goroutine of its own and returns
// a function that waits for it; every call returns the same result.
func (b *Bucket) stageAsync(ctx context.Context) func() (Staged, error) {
	if st := b.spare.take(); st != nil {
		return func() (Staged, error) { return st, nil }
	}
	var (
		st   Staged
		err  error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		st, err = b.d.Stage(ctx)
	}()
	return func() (Staged, error) {
		<-done
		return st, err
	}
}

// pipeBufs is how many buffers a Put cycles through: one being read into,
// the others being hashed and written.
const pipeBufs = 3

// chunk is a filled part of a buffer, read by the hasher and the writer;
// the last of the two to be done with it gives the buffer back.
type chunk struct {
	buf  *[bufSize]byte
	n    int
	refs atomic.Int32
}

// hashPipe hashes chunks on a goroutine of its own, so that hashing
// overlaps reading the upload and writing it to the driver (stageWriter).
// The Put loop takes a buffer from free, reads into it and sends the chunk
// to the hasher and the writer; the last of them to finish with it hands
// it back to free. Only the Put loop takes from free, so a buffer is never
// refilled while in use.
type hashPipe struct {
	b    *Bucket
	free chan *[bufSize]byte
	work chan *chunk
	sum  chan []byte
	res  []byte
	done bool
}

func (b *Bucket) startHashing() *hashPipe {
	hp := &hashPipe{b: b, free: make(chan *[bufSize]byte, pipeBufs), work: make(chan *chunk, pipeBufs), sum: make(chan []byte, 1)}
	for range pipeBufs {
		hp.free <- b.bufs.Get().(*[bufSize]byte)
	}
	go func() {
		h := sha256.New()
		for c := range hp.work {
			h.Write(c.buf[:c.n])
			hp.release(c)
		}
		hp.sum <- h.Sum(nil)
	}()
	return hp
}

// release is a reader of c done with it.
func (hp *hashPipe) release(c *chunk) {
	if c.refs.Add(-1) == 0 {
		hp.free <- c.buf
	}
}

// stop waits for the hasher (and, through the buffers, the writer, which
// must be finished first), returns the buffers to the pool and returns the
// SHA-256 of all chunks. It may be called more than once.
func (hp *hashPipe) stop() []byte {
	if hp.done {
		return hp.res
	}
	hp.done = true
	close(hp.work)
	hp.res = <-hp.sum
	for range pipeBufs {
		hp.b.bufs.Put(<-hp.free)
	}
	return hp.res
}

// stageWriter writes chunks to the staged write on a goroutine of its own,
// once stage has made it. After an error it writes no more but still
// releases the chunks it is sent.
type stageWriter struct {
	work     chan *chunk
	done     chan struct{}
	err      atomic.Pointer[error]
	finished bool
}

func (hp *hashPipe) startWriting(stage func() (Staged, error)) *stageWriter {
	w := &stageWriter{work: make(chan *chunk, pipeBufs), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for c := range w.work {
			if w.failed() == nil {
				st, err := stage()
				if err != nil {
					err = classify(err, "stage", "")
				} else if _, err = st.Write(c.buf[:c.n]); err != nil {
					err = classify(err, "write", "")
				}
				if err != nil {
					w.err.Store(&err)
				}
			}
			hp.release(c)
		}
	}()
	return w
}

// failed returns the writer's error so far.
func (w *stageWriter) failed() error {
	if e := w.err.Load(); e != nil {
		return *e
	}
	return nil
}

// finish waits until every chunk sent is written and returns the
// writer's error. It may be called more than once.
func (w *stageWriter) finish() error {
	if !w.finished {
		w.finished = true
		close(w.work)
		<-w.done
	}
	return w.failed()
}

// Open reads a whole blob and checks its SHA-256 at the end: the last Read
// returns an Integrity error (code CodeCorrupt) instead of io.EOF when the
// bytes do not match. Kinds: Invalid (bad hash), NotFound.
func (b *Bucket) Open(ctx context.Context, hash string) (io.ReadCloser, error) {
	if !ValidKey(hash) {
		return nil, invalidKey(hash)
	}
	rc, err := b.d.Open(ctx, hash, 0, -1)
	if err != nil {
		return nil, classify(err, "open", hash)
	}
	return &verifyingReader{rc: rc, hash: hash, h: sha256.New()}, nil
}

// OpenRange reads length bytes of a blob from off (length < 0: to the end;
// a range past the end is cut there). The bytes are not verified.
// Kinds: Invalid (bad hash, negative off, off past the end), NotFound.
func (b *Bucket) OpenRange(ctx context.Context, hash string, off, length int64) (io.ReadCloser, error) {
	if !ValidKey(hash) {
		return nil, invalidKey(hash)
	}
	if off < 0 {
		return nil, invalidRange(hash, off, length)
	}
	rc, err := b.d.Open(ctx, hash, off, length)
	if err != nil {
		return nil, classify(err, "open", hash)
	}
	return &classifyingReader{rc: rc, hash: hash}, nil
}

// Stat returns a blob's attributes. Kinds: Invalid (bad hash), NotFound.
func (b *Bucket) Stat(ctx context.Context, hash string) (Attrs, error) {
	if !ValidKey(hash) {
		return Attrs{}, invalidKey(hash)
	}
	a, err := b.d.Stat(ctx, hash)
	if err != nil {
		return Attrs{}, classify(err, "stat", hash)
	}
	return a, nil
}

// Delete removes a blob. Kinds: Invalid (bad hash), NotFound, Conflict
// (code CodeRetained) for a blob under an object lock (Locker).
func (b *Bucket) Delete(ctx context.Context, hash string) error {
	if !ValidKey(hash) {
		return invalidKey(hash)
	}
	return classifyLock(b.d.Delete(ctx, hash), "delete", hash)
}

// List calls fn for every blob with its size and modification time, in no
// particular order. An error from fn stops the walk and is returned as is.
func (b *Bucket) List(ctx context.Context, fn func(hash string, size int64, mod time.Time) error) error {
	var fnErr error
	err := b.d.List(ctx, func(a Attrs) error {
		if !ValidKey(a.Key) {
			return nil // not a blob of ours
		}
		if err := fn(a.Key, a.Size, a.ModTime); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if fnErr != nil && errors.Is(err, fnErr) {
		return fnErr
	}
	return classify(err, "list", "")
}

// Verify reads a whole blob and checks its SHA-256 (a fixity check).
// Kinds: Integrity (code CodeCorrupt) on a mismatch, Invalid, NotFound.
func (b *Bucket) Verify(ctx context.Context, hash string) error {
	rc, err := b.Open(ctx, hash)
	if err != nil {
		return err
	}
	defer rc.Close()
	buf := b.bufs.Get().(*[bufSize]byte)
	defer b.bufs.Put(buf)
	_, err = io.CopyBuffer(io.Discard, rc, buf[:])
	return err
}

// Collect deletes the blob hash unless keep, asked after the blob has been
// moved out of sight, says to keep it; it reports whether it deleted it.
//
// The order is what makes collection safe against a writer that relies on
// the blob at the same moment (a Put of the same content touches the blob
// and returns its hash, and the caller then references it): the blob is
// trashed first (Driver.Trash), and only then does keep check for
// references and claims (PutClaimed). A writer whose claim was recorded
// before the trash is seen by keep, and the blob is restored; a writer that
// comes after the trash finds no blob and writes its own copy. When keep
// fails, or the context ends, the blob is restored. A collector that dies
// between the trash and the restore leaves the blob in the trash, where
// SweepTrash finds it. Kinds: Invalid (bad hash), NotFound (no such blob),
// and the error of keep.
func (b *Bucket) Collect(ctx context.Context, hash string, keep func(ctx context.Context) (bool, error)) (deleted bool, err error) {
	if !ValidKey(hash) {
		return false, invalidKey(hash)
	}
	name := TrashName(hash, time.Now())
	if err := b.d.Trash(ctx, hash, name); err != nil {
		return false, classifyLock(err, "trash", hash)
	}
	return b.settleTrash(ctx, hash, name, keep)
}

// settleTrash asks keep about a trashed blob and restores or purges it.
func (b *Bucket) settleTrash(ctx context.Context, hash, name string, keep func(ctx context.Context) (bool, error)) (purged bool, err error) {
	k, keepErr := keep(ctx)
	if keepErr != nil || k || ctx.Err() != nil {
		// Restore whatever happened to ctx: a blob someone may rely on must
		// not stay in the trash.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := b.d.Restore(rctx, name); err != nil && !kerr.IsKind(err, kerr.NotFound) {
			return false, errors.Join(keepErr, classify(err, "restore", hash))
		}
		if keepErr == nil {
			keepErr = ctx.Err()
		}
		return false, keepErr
	}
	if err := b.d.Purge(ctx, name); err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return false, nil // another collector settled it
		}
		return false, classify(err, "purge", hash)
	}
	return true, nil
}

// SweepTrash settles the blobs left in the trash by a collector that
// stopped between trashing a blob and deciding about it (Collect): each
// blob trashed before olderThan ago is restored if keep(hash) says so (or
// fails), else deleted. Blobs trashed more recently belong to a collection
// still running and are left alone. It returns how many it restored and
// deleted. The trash holds only collections in progress, so this costs in
// proportion to them, not to the store.
func (b *Bucket) SweepTrash(ctx context.Context, olderThan time.Duration, keep func(ctx context.Context, hash string) (bool, error)) (restored, deleted int, err error) {
	cutoff := time.Now().Add(-olderThan)
	var names []string
	err = b.d.ListTrash(ctx, func(name string) error {
		if _, at, ok := ParseTrashName(name); ok && at.Before(cutoff) {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return 0, 0, classify(err, "list trash", "")
	}
	for _, name := range names {
		hash, _, _ := ParseTrashName(name)
		purged, err := b.settleTrash(ctx, hash, name, func(ctx context.Context) (bool, error) { return keep(ctx, hash) })
		if err != nil {
			return restored, deleted, err
		}
		if purged {
			deleted++
		} else {
			restored++
		}
	}
	return restored, deleted, nil
}

// Close closes the driver.
func (b *Bucket) Close() error {
	b.spare.close()
	return classify(b.d.Close(), "close", "")
}

// spareLife is how long a spare staged write is kept: an older one is
// dropped rather than used, so that a clean-up of old staged files
// (localfs CleanTemp, an hour) never takes one a Put is about to use.
const spareLife = time.Minute

// spare is a staged write made ahead of need (Prestager): a Put takes it
// instead of waiting for a new one to be made, and the next is made
// meanwhile, off the Put's path. Only the first Put after a pause waits.
type spare struct {
	p      Prestager
	mu     sync.Mutex
	st     Staged // ready, or nil
	made   time.Time
	making sync.WaitGroup
	busy   bool // one is being made
	closed bool
}

// take returns the spare staged write, or nil if none is ready (or s is
// nil), and starts making the next.
func (s *spare) take() Staged {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	st, old := s.st, time.Since(s.made) > spareLife
	s.st = nil
	if !s.busy && !s.closed {
		s.busy = true
		s.making.Go(s.make)
	}
	s.mu.Unlock()
	if st != nil && old {
		_ = st.Abort(context.Background())
		return nil
	}
	return st
}

func (s *spare) make() {
	st, err := s.p.Prestage(context.Background())
	s.mu.Lock()
	s.busy = false
	keep := err == nil && !s.closed && s.st == nil
	if keep {
		s.st, s.made = st, time.Now()
	}
	s.mu.Unlock()
	if err == nil && !keep {
		_ = st.Abort(context.Background())
	}
}

// close drops the spare and waits for one being made.
func (s *spare) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.closed = true
	st := s.st
	s.st = nil
	s.mu.Unlock()
	s.making.Wait()
	if st != nil {
		_ = st.Abort(context.Background())
	}
}

// classifyingReader classifies the errors of a driver's reader.
type classifyingReader struct {
	rc   io.ReadCloser
	hash string
}

func (r *classifyingReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		err = classify(err, "read", r.hash)
	}
	return n, err
}

func (r *classifyingReader) Close() error { return classify(r.rc.Close(), "close", r.hash) }

// verifyingReader hashes what it reads and checks the hash at io.EOF.
type verifyingReader struct {
	rc   io.ReadCloser
	hash string
	h    hash.Hash
	err  error // sticky result once EOF was checked
}

func (r *verifyingReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.rc.Read(p)
	r.h.Write(p[:n])
	switch {
	case err == io.EOF:
		if got := hex.EncodeToString(r.h.Sum(nil)); got != r.hash {
			r.err = corrupt(r.hash, "content hashes to %s", got)
		} else {
			r.err = io.EOF
		}
		return n, r.err
	case err != nil:
		return n, classify(err, "read", r.hash)
	}
	return n, nil
}

func (r *verifyingReader) Close() error { return classify(r.rc.Close(), "close", r.hash) }

// touch refreshes an existing blob's age. An S3 service replaces the object
// while it touches it, so a concurrent touch of the same blob (two uploads
// of the same content at once) may briefly find it absent: NotFound is tried
// again a few times before it is believed.
func (b *Bucket) touch(ctx context.Context, hash string) error {
	var err error
	for i := range 5 {
		if err = b.d.Touch(ctx, hash); !kerr.IsKind(err, kerr.NotFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(10*(i+1)) * time.Millisecond):
		}
	}
	return err
}
