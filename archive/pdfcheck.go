package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfguard"
	"github.com/kho-vn/kho/storage"
)

// Limits of the check of a stored PDF.
const (
	// maxFullPDFCheck is the largest PDF whose whole structure pdfcpu
	// validates. pdfcpu holds every stream of the file in memory while it
	// reads, and reads it from a copy in memory; a larger PDF gets only the
	// structural check (pdfguard and the file's end), which reads the
	// staged or stored bytes in place. At 20 MB the full check doubled the time of an
	// upload (docs/benchmarks.md, "Checking stored PDFs").
	maxFullPDFCheck = spoolInMemory
	// pdfCheckTimeout bounds the check of one PDF.
	pdfCheckTimeout = 20 * time.Second
	// pdfTail is how far from the end of the file its last %%EOF may be:
	// writers add at most a line or two after it; a file cut short has
	// none.
	pdfTail = 1024
)

// errPDFDamaged is the refusal of a PDF that is cut short or broken.
func errPDFDamaged(format string, args ...any) error {
	return kerr.New(kerr.Invalid, "pdf_damaged",
		"Tệp PDF bị hỏng hoặc không đầy đủ (bị cắt ngắn, sai cấu trúc) nên không được lưu; hãy tải lên bản gốc.", "%s", fmt.Sprintf(format, args...))
}

// checkPDF refuses a stored PDF that is cut short or broken (kerr Invalid,
// pdf_damaged; the portal answers 422), before any metadata refers to it:
// the blob is then left unreferenced, like every refused upload, for the
// collector. Three checks, cheapest first:
//
//   - the file ends as a PDF ends: a "startxref" with an offset inside the
//     file, then "%%EOF" within its last kilobyte;
//   - every size and count the file declares fits its real size
//     (internal/pdfguard, the check the signing package runs before its PDF
//     reader, with the same memory bound);
//   - up to maxFullPDFCheck bytes, pdfcpu reads the whole file and
//     validates its object graph in relaxed mode, the mode pdfcpu itself
//     defaults to: it refuses what cannot be read (a broken cross-reference
//     table, an object that does not parse, a page tree that is not one)
//     and tolerates the small departures from ISO 32000 that scanners and
//     office suites commonly write (a missing optional key, a wrong type
//     of an optional entry), which strict mode would refuse in files every
//     viewer opens.
//
// An encrypted PDF gets only the first two: its objects cannot be read
// without its password. A PDF whose reader would need more memory than the
// budget is not damaged: it is stored unchecked beyond the first two.
func (s *Service) checkPDF(ctx context.Context, hash string, size int64) error {
	return s.checkPDFAt(ctx, &blobReaderAt{ctx: ctx, s: s, hash: hash, size: size}, size)
}

// checkPDFAt is checkPDF of the size bytes that in reads: the stored blob,
// or the staged bytes while they are made durable and committed
// (startPDFCheck). Up to maxFullPDFCheck bytes it reads them once into
// memory, for pdfcpu; a larger file is read in place.
func (s *Service) checkPDFAt(ctx context.Context, in io.ReaderAt, size int64) error {
	ctx, cancel := context.WithTimeout(ctx, pdfCheckTimeout)
	defer cancel()
	if size <= maxFullPDFCheck {
		// pdfcpu reads it all: one copy, in memory; exactly size bytes.
		b := make([]byte, size)
		if n, err := in.ReadAt(b, 0); n < len(b) {
			return storeErr("read the stored PDF", err)
		}
		in = bytes.NewReader(b)
	}
	if err := checkPDFEnd(in, size); err != nil {
		return err
	}
	res, err := pdfguard.Check(in, size, pdfguard.Limits{Memory: s.cfg.PDFBudget.Memory})
	code, _ := kerr.Public(err)
	switch {
	case kerr.IsKind(err, kerr.TooLarge):
		return nil
	case code == "pdf_unreadable": // the store failed, not the file
		return storeErr("read the stored PDF", err)
	case err != nil:
		return errPDFDamaged("%v", err)
	case res.Encrypted || size > maxFullPDFCheck:
		return nil
	}
	if pool := s.cfg.PDFBudget.Pool; pool != nil {
		// pdfcpu holds the file's streams and its objects.
		release, err := pool.Reserve(ctx, size+res.Memory)
		if err != nil {
			return err
		}
		defer release()
	}
	return validatePDF(ctx, io.NewSectionReader(in, 0, size), size)
}

// pdfCheck is the check of a PDF's staged bytes (checkPDFAt), running on
// a goroutine of its own while the blob store makes them durable and
// commits them: its CPU overlaps their wait for the disk or the service.
type pdfCheck struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// startPDFCheck starts checking the size staged bytes r reads; the check
// closes r when it ends.
func (s *Service) startPDFCheck(ctx context.Context, r storage.ReaderAtCloser, size int64) *pdfCheck {
	ctx, cancel := context.WithCancel(ctx)
	c := &pdfCheck{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer r.Close()
		c.err = s.checkPDFAt(ctx, r, size)
	}()
	return c
}

// wait returns the check's outcome.
func (c *pdfCheck) wait() error {
	<-c.done
	c.cancel()
	return c.err
}

// stop ends a check whose outcome no longer matters (the upload failed)
// and waits for it, so that it holds no memory or reader past the upload.
// A nil check, or one already waited for, is fine.
func (c *pdfCheck) stop() {
	if c != nil {
		c.cancel()
		<-c.done
	}
}

// blobReaderAt reads a stored blob by ranges, without copying it: the
// structural check of a large PDF reads its end, one pass for "startxref"
// and the few places its cross-reference sections name.
type blobReaderAt struct {
	ctx  context.Context
	s    *Service
	hash string
	size int64
}

func (r *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.size-off)
	rc, err := r.s.blobs.OpenRange(r.ctx, r.hash, off, n)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	m, err := io.ReadFull(rc, p[:n])
	if err == nil && m < len(p) {
		err = io.EOF
	}
	return m, err
}

// checkPDFEnd checks that the file ends with "startxref", an offset inside
// the file, and "%%EOF".
func checkPDFEnd(in io.ReaderAt, size int64) error {
	tail := make([]byte, min(size, pdfTail))
	if _, err := in.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return storeErr("read the stored PDF", err)
	}
	eof := bytes.LastIndex(tail, []byte("%%EOF"))
	if eof < 0 {
		return errPDFDamaged("no %%%%EOF in the last %d bytes: the file is cut short", len(tail))
	}
	sx := bytes.LastIndex(tail[:eof], []byte("startxref"))
	if sx < 0 {
		return errPDFDamaged("no startxref before the last %%%%EOF")
	}
	num := bytes.TrimSpace(tail[sx+len("startxref") : eof])
	if off, err := strconv.ParseInt(string(num), 10, 64); err != nil || off <= 0 || off >= size {
		return errPDFDamaged("startxref %q does not point inside the %d-byte file", num, size)
	}
	return nil
}

// validatePDF reads and validates the PDF with pdfcpu, relaxed.
func validatePDF(ctx context.Context, rs io.ReadSeeker, size int64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errPDFDamaged("pdfcpu panicked: %v", p)
		}
	}()
	conf := &model.Configuration{
		Reader15:       true,
		ValidationMode: model.ValidationRelaxed,
		Offline:        true,
		Cmd:            model.VALIDATE,
		Limits:         model.DefaultResourceLimits(),
	}
	conf.Limits.MaxStreamBytes = size
	conf.Limits.MaxDecodeBytes = 64 << 20
	pctx, err := pdfcpu.ReadWithContext(ctx, rs, conf)
	if err != nil {
		if ctx.Err() != nil {
			return kerr.Wrap(ctx.Err(), kerr.Unavailable, "pdf_check_timeout", "Chưa kiểm tra xong tệp PDF trong thời gian cho phép; vui lòng thử lại.")
		}
		if pctx != nil && pctx.XRefTable != nil && pctx.XRefTable.Encrypt != nil {
			return nil
		}
		return errPDFDamaged("pdfcpu cannot read it: %v", err)
	}
	if pctx.XRefTable.Encrypt != nil {
		return nil
	}
	if err := validate.XRefTable(pctx); err != nil {
		return errPDFDamaged("pdfcpu (relaxed): %v", err)
	}
	return nil
}
