package storage

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
)

// The codes of the errors a Bucket returns (kerr.Error.Code). Drivers may
// use them too; the Bucket sets the Vietnamese message.
const (
	CodeInvalidKey   = "invalid_blob_key"       // Invalid: not a SHA-256 in lowercase hex
	CodeInvalidRange = "invalid_range"          // Invalid: negative offset, or past the end
	CodeNotFound     = "blob_not_found"         // NotFound
	CodeExists       = "blob_exists"            // Conflict (drivers' Commit; the Bucket dedups)
	CodeTooLarge     = "file_too_large"         // TooLarge: more than the Put's max
	CodeStorageFull  = "storage_full"           // TooLarge: no space left
	CodeCorrupt      = "blob_corrupt"           // Integrity: bytes do not match their hash or size
	CodeInterrupted  = "upload_interrupted"     // Invalid: the reader of a Put failed
	CodeUnavailable  = "blob_store_unavailable" // Unavailable
	CodeCancelled    = "request_cancelled"      // Unavailable: the context ended
	CodeInternal     = "blob_store_error"       // Internal
)

// message is the Vietnamese message of a driver error of kind k.
func message(k kerr.Kind) string {
	switch k {
	case kerr.Invalid:
		return "Yêu cầu đọc/ghi tệp không hợp lệ."
	case kerr.NotFound:
		return "Không tìm thấy tệp dữ liệu."
	case kerr.Conflict:
		return "Tệp dữ liệu đã tồn tại."
	case kerr.TooLarge:
		return "Không còn đủ dung lượng lưu trữ."
	case kerr.Integrity:
		return "Tệp dữ liệu lưu trữ không toàn vẹn; đã ghi nhận để kiểm tra."
	case kerr.Unavailable:
		return "Kho lưu trữ tệp tạm thời không khả dụng, vui lòng thử lại sau."
	}
	return "Lỗi khi đọc/ghi tệp dữ liệu; vui lòng thử lại sau."
}

// defaultCode is the code of a driver error of kind k that has none.
func defaultCode(k kerr.Kind) string {
	switch k {
	case kerr.Invalid:
		return CodeInvalidRange
	case kerr.NotFound:
		return CodeNotFound
	case kerr.Conflict:
		return CodeExists
	case kerr.TooLarge:
		return CodeStorageFull
	case kerr.Integrity:
		return CodeCorrupt
	case kerr.Unavailable:
		return CodeUnavailable
	}
	return CodeInternal
}

// classify turns an error from a driver into the Bucket's error: the kind
// the driver gave (Internal if none), its code (or the kind's default),
// the Vietnamese message of the kind, and op and key as detail. It is
// applied once, where a driver's error enters the Bucket.
func classify(err error, op, key string) error {
	if err == nil {
		return nil
	}
	ke := kerr.Outer(err)
	if ke != nil && ke.Message != "" {
		return err // classified already: drivers leave Message empty
	}
	kind := kerr.KindOf(err)
	code := ""
	switch {
	case errors.Is(err, context.Canceled):
		kind, code = kerr.Unavailable, CodeCancelled
	case errors.Is(err, context.DeadlineExceeded):
		kind = kerr.Unavailable
	}
	switch kind {
	case kerr.Invalid, kerr.NotFound, kerr.Conflict, kerr.TooLarge, kerr.Integrity, kerr.Unavailable:
	default:
		kind = kerr.Internal
	}
	if code == "" && ke != nil && ke.Code != "" && ke.Kind == kind {
		code = ke.Code
	}
	if code == "" {
		code = defaultCode(kind)
	}
	detail := "storage: " + op
	if key != "" {
		detail += " " + key
	}
	return &kerr.Error{Kind: kind, Code: code, Message: message(kind), Detail: detail, Err: err}
}

// invalidKey is the error for a key that is not a SHA-256 in lowercase hex.
func invalidKey(key string) error {
	if len(key) > 80 {
		key = key[:80] + "…"
	}
	return &kerr.Error{Kind: kerr.Invalid, Code: CodeInvalidKey,
		Message: "Mã tệp dữ liệu không hợp lệ.",
		Detail:  fmt.Sprintf("storage: key %q is not a lowercase hex SHA-256", key)}
}

// invalidRange is the error for a negative offset or length.
func invalidRange(hash string, off, length int64) error {
	return &kerr.Error{Kind: kerr.Invalid, Code: CodeInvalidRange,
		Message: "Vùng dữ liệu yêu cầu không hợp lệ.",
		Detail:  fmt.Sprintf("storage: range off=%d length=%d of %s", off, length, hash)}
}

// tooLarge is the error of a Put over its limit.
func tooLarge(max int64) *kerr.Error {
	return &kerr.Error{Kind: kerr.TooLarge, Code: CodeTooLarge,
		Message: fmt.Sprintf("Tệp vượt quá dung lượng cho phép (tối đa %s).", humanBytes(max)),
		Detail:  fmt.Sprintf("storage: upload larger than %d bytes", max)}
}

// readerError classifies an error from the reader of a Put. An error that
// already has a kind keeps it; http.MaxBytesReader's is TooLarge; anything
// else is an interrupted upload (Invalid).
func readerError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case kerr.Outer(err) != nil:
		return err
	case errors.As(err, &mbe):
		e := tooLarge(mbe.Limit)
		e.Err = err
		return e
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return classify(err, "put", "")
	}
	return &kerr.Error{Kind: kerr.Invalid, Code: CodeInterrupted,
		Message: "Tải tệp lên bị gián đoạn; vui lòng thử lại.",
		Detail:  "storage: reading the upload failed", Err: err}
}

// corrupt is the Integrity error of a blob whose bytes do not match.
func corrupt(hash, detail string, args ...any) error {
	return &kerr.Error{Kind: kerr.Integrity, Code: CodeCorrupt, Message: message(kerr.Integrity),
		Detail: "storage: blob " + hash + ": " + fmt.Sprintf(detail, args...)}
}

// humanBytes writes n bytes for people: "50 MB", "1,5 KB" (decimal comma).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d byte", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	s := fmt.Sprintf("%.1f", float64(n)/float64(div))
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			s = s[:i] + "," + s[i+1:]
		}
	}
	return s + " " + string("KMGTPE"[exp]) + "B"
}
