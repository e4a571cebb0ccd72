package signing

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfguard"
)

// ParseBudget bounds the memory and time of one parse of an untrusted PDF
// (Verify, signing, Extend). Before the PDF reader opens a file,
// internal/pdfguard checks every size and count the file declares against
// its real size and estimates what the reader may hold; a file over
// Memory is refused (pdf_too_complex), and the estimate is reserved from
// Pool, when set, for as long as the parse runs.
type ParseBudget struct {
	// Memory is the most memory one parse may be estimated to hold; zero
	// means 512 MiB.
	Memory int64
	// Time bounds the parse, network requests included; zero means two
	// minutes. The caller's context ends it sooner.
	Time time.Duration
	// Pool, when set, is shared by every parse of a process, so that
	// their estimates together stay within its size.
	Pool *MemoryPool
}

// readersPerParse is how many PDF readers of one file a parse may hold at
// once (Verify compares each revision with the one before it).
const readersPerParse = 2

// MemoryPool is the memory a process lets its PDF parses hold at once. It
// is safe for concurrent use.
type MemoryPool struct {
	sem  *semaphore.Weighted
	size int64
}

// NewMemoryPool returns a pool of size bytes.
func NewMemoryPool(size int64) *MemoryPool {
	return &MemoryPool{sem: semaphore.NewWeighted(size), size: size}
}

// Size is the pool's size in bytes.
func (p *MemoryPool) Size() int64 { return p.size }

// Reserve waits until n bytes (at most the pool's size) are free, takes
// them and returns the function that gives them back. It fails with a kerr
// Unavailable error (pdf_busy) when ctx ends first.
func (p *MemoryPool) Reserve(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), p.size)
	if err := p.sem.Acquire(ctx, n); err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "pdf_busy", "Máy chủ đang xử lý nhiều tệp PDF; vui lòng thử lại sau ít phút.")
	}
	return func() { p.sem.Release(n) }, nil
}

// errParseTime is the panic value of a read past the parse's deadline; the
// parse's recover turns it into pdf_too_complex.
type errParseTime struct{ cause error }

// guardedReader is the input as the PDF reader sees it: every read first
// checks the parse's deadline and context, so that no loop of the reader
// outlives its budget.
type guardedReader struct {
	r        io.ReaderAt
	ctx      context.Context
	deadline time.Time
	tripped  atomic.Bool
}

func (g *guardedReader) ReadAt(p []byte, off int64) (int, error) {
	if time.Now().After(g.deadline) {
		g.tripped.Store(true)
		panic(errParseTime{})
	}
	if err := g.ctx.Err(); err != nil {
		g.tripped.Store(true)
		panic(errParseTime{cause: err})
	}
	return g.r.ReadAt(p, off)
}

// parseGuard is one guarded parse.
type parseGuard struct {
	in      *guardedReader
	release func()
	budget  time.Duration
}

// guardParse checks the PDF of size bytes in with pdfguard, reserves the
// memory its reader may hold and returns the reader to parse through.
// Call done when the parse is over. Errors are kerr errors: Invalid
// (pdf_invalid, pdf_encrypted), TooLarge (pdf_too_complex), Unavailable
// (pdf_busy: the pool stayed full until the deadline).
func guardParse(ctx context.Context, in io.ReaderAt, size int64, b ParseBudget) (*parseGuard, error) {
	if b.Memory <= 0 {
		b.Memory = pdfguard.DefaultMemory
	}
	if b.Time <= 0 {
		b.Time = 2 * time.Minute
	}
	res, err := pdfguard.Check(in, size, pdfguard.Limits{Memory: b.Memory / readersPerParse})
	if err != nil {
		return nil, err
	}
	if res.Encrypted {
		return nil, errEncrypted(nil)
	}
	deadline := time.Now().Add(b.Time)
	release := func() {}
	if b.Pool != nil {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		release, err = b.Pool.Reserve(wctx, readersPerParse*res.Memory+1<<20)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	return &parseGuard{in: &guardedReader{r: in, ctx: ctx, deadline: deadline}, release: release, budget: b.Time}, nil
}

// done releases the parse's memory reservation.
func (g *parseGuard) done() { g.release() }

// err is the error of a parse that ran out of time (nil otherwise).
func (g *parseGuard) err() error {
	if !g.in.tripped.Load() {
		return nil
	}
	if err := g.in.ctx.Err(); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "pdf_cancelled", "Việc xử lý tệp PDF đã bị hủy hoặc quá thời gian cho phép.")
	}
	return pdfguard.TooComplex("the parse took longer than %v", g.budget)
}

// panicErr turns a panic of the PDF reader into an error: the parse's own
// error when it ran out of time, otherwise a kerr Invalid pdf_invalid with
// message.
func (g *parseGuard) panicErr(p any, message string) error {
	if err := g.err(); err != nil {
		return err
	}
	return kerr.New(kerr.Invalid, "pdf_invalid", message, "PDF library panicked: %v", p)
}
