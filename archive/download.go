package archive

import (
	"context"
	"io"

	"github.com/kho-vn/kho/internal/kerr"
)

// recordingReader is the ReadSeekCloser of an opened Content: it appends
// the download to the owner's ledger on the first Read that gets bytes
// from the blob, before it hands them out. When the blob cannot be read,
// the reader's context has ended (the client went away) or the entry
// cannot be appended, that Read returns the error and no bytes, and
// nothing is recorded. Like any io.Reader it is for one goroutine.
type recordingReader struct {
	ctx      context.Context
	rs       io.ReadSeekCloser
	record   func() error
	recorded bool
}

func (r *recordingReader) Read(p []byte) (int, error) {
	if r.recorded {
		return r.rs.Read(p)
	}
	n, err := r.rs.Read(p)
	if n == 0 {
		if err != nil && err != io.EOF {
			return 0, contentErr(err)
		}
		return 0, err
	}
	if cerr := r.ctx.Err(); cerr != nil {
		return 0, kerr.Wrap(cerr, kerr.Unavailable, "request_cancelled", "Yêu cầu đã bị hủy trước khi gửi nội dung.")
	}
	if rerr := r.record(); rerr != nil {
		return 0, rerr
	}
	r.recorded = true
	return n, err
}

func (r *recordingReader) Seek(off int64, whence int) (int64, error) { return r.rs.Seek(off, whence) }

func (r *recordingReader) Close() error { return r.rs.Close() }

// contentErr classifies a failed read of a version's blob: a blob that is
// gone is damage to the vault (Integrity), not a missing document.
func contentErr(err error) error {
	switch kerr.KindOf(err) {
	case kerr.NotFound:
		return kerr.Wrap(err, kerr.Integrity, "content_missing",
			"Không đọc được nội dung giấy tờ trong kho lưu trữ; vui lòng báo quản trị viên.")
	case kerr.Unavailable, kerr.Integrity:
		return err
	}
	return kerr.Wrap(err, kerr.Internal, "content_unreadable", "Không đọc được nội dung giấy tờ; vui lòng thử lại sau.")
}
