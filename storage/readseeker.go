package storage

import (
	"context"
	"fmt"
	"io"

	"github.com/kho-vn/kho/internal/kerr"
)

// skipMax is how far a forward Seek may be served by reading and discarding
// from the open stream instead of opening a new range.
const skipMax = 64 << 10

// NewReadSeeker returns a reader of a blob of the given size (its recorded
// size, e.g. from the metadata) that reads lazily with range reads: Seek
// costs nothing, and a Read opens a range from the current offset only when
// the open one is elsewhere. It suits http.ServeContent and never holds the
// blob in memory. ctx governs every read. An invalid hash or a negative
// size makes every Read fail with kind Invalid; a blob shorter than size
// makes the Read that finds out fail with kind Integrity.
func (b *Bucket) NewReadSeeker(ctx context.Context, hash string, size int64) io.ReadSeekCloser {
	rs := &readSeeker{ctx: ctx, b: b, hash: hash, size: size}
	switch {
	case !ValidKey(hash):
		rs.err = invalidKey(hash)
	case size < 0:
		rs.err = invalidRange(hash, 0, size)
	}
	return rs
}

// readSeeker is the io.ReadSeekCloser of NewReadSeeker.
type readSeeker struct {
	ctx  context.Context
	b    *Bucket
	hash string
	size int64

	pos   int64         // the offset of the next Read
	rc    io.ReadCloser // the open range, or nil
	rcPos int64         // the offset rc reads next
	err   error         // sticky error
}

func (r *readSeeker) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := r.position(); err != nil {
		return 0, err
	}
	if rest := r.size - r.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := r.rc.Read(p)
	r.pos += int64(n)
	r.rcPos = r.pos
	switch {
	case err == io.EOF && r.pos < r.size:
		r.err = corrupt(r.hash, "ends at %d, recorded size %d", r.pos, r.size)
		return n, r.err
	case err == io.EOF:
		r.closeRange()
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	case err != nil:
		r.closeRange() // a later Read opens a new range
		return n, err
	}
	return n, nil
}

// position makes r.rc read from r.pos: it keeps the open range when r.pos
// is the same or a little ahead, else opens a new one to the end.
func (r *readSeeker) position() error {
	if r.rc != nil && r.rcPos != r.pos {
		if skip := r.pos - r.rcPos; skip > 0 && skip <= skipMax {
			m, err := io.CopyN(io.Discard, r.rc, skip)
			r.rcPos += m
			if err != nil {
				r.closeRange()
			}
		} else {
			r.closeRange()
		}
	}
	if r.rc != nil && r.rcPos == r.pos {
		return nil
	}
	r.closeRange()
	rc, err := r.b.OpenRange(r.ctx, r.hash, r.pos, r.size-r.pos)
	if kerr.IsKind(err, kerr.Invalid) {
		// The key is valid and pos < size: the blob is shorter than recorded.
		r.err = corrupt(r.hash, "shorter than %d bytes (recorded size %d)", r.pos+1, r.size)
		return r.err
	}
	if err != nil {
		return err
	}
	r.rc, r.rcPos = rc, r.pos
	return nil
}

func (r *readSeeker) closeRange() {
	if r.rc != nil {
		_ = r.rc.Close()
		r.rc = nil
	}
}

// Seek sets the offset of the next Read. Offsets past the end are allowed
// (Read then returns io.EOF); a negative one is an error.
func (r *readSeeker) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return r.pos, &kerr.Error{Kind: kerr.Invalid, Code: CodeInvalidRange,
			Message: "Vùng dữ liệu yêu cầu không hợp lệ.", Detail: fmt.Sprintf("storage: seek whence %d", whence)}
	}
	if abs < 0 {
		return r.pos, invalidRange(r.hash, abs, -1)
	}
	r.pos = abs
	return abs, nil
}

// Close releases the open range, if any. The reader is unusable after.
func (r *readSeeker) Close() error {
	r.closeRange()
	if r.err == nil {
		r.err = &kerr.Error{Kind: kerr.Internal, Code: CodeInternal, Message: message(kerr.Internal),
			Detail: "storage: read after Close"}
	}
	return nil
}
