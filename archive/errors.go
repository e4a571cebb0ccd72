package archive

import (
	"fmt"

	"github.com/kho-vn/kho/internal/kerr"
)

// Vietnamese messages shared by several operations.
const (
	msgDocNotFound     = "Không tìm thấy giấy tờ."
	msgOwnerNotFound   = "Không tìm thấy chủ kho dữ liệu."
	msgNotOwnVault     = "Bạn chỉ được thao tác trên kho dữ liệu của chính mình."
	msgAdminOnly       = "Chỉ quản trị viên được thực hiện thao tác này."
	msgStaffOnly       = "Chỉ cán bộ hoặc quản trị viên được thực hiện thao tác này."
	msgStoreError      = "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau."
	msgDocumentChanged = "Giấy tờ đã được thay đổi bởi người khác; vui lòng tải lại và thử lại."
)

// invalid returns an Invalid error.
func invalid(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.Invalid, code, msg, detail, args...)
}

// errDocNotFound is what a caller gets for a document that does not exist
// or that they may not see.
func errDocNotFound(id string) error {
	return kerr.New(kerr.NotFound, "document_not_found", msgDocNotFound, "no document %q visible to the caller", id)
}

func errOwnerNotFound(id string) error {
	return kerr.New(kerr.NotFound, "owner_not_found", msgOwnerNotFound, "no owner %q", id)
}

// storeErr passes a store's kerr error through with the operation named,
// and turns any other error into an Internal one.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if ke := kerr.Outer(err); ke != nil {
		return &kerr.Error{Kind: kerr.KindOf(err), Code: ke.Code, Message: ke.Message, Detail: op, Err: err}
	}
	return &kerr.Error{Kind: kerr.Internal, Code: "store_error", Message: msgStoreError, Detail: op, Err: err}
}

// formatBytes renders a byte count for people: "50 MB", "1,5 GB", "800 KB".
func formatBytes(n int64) string {
	const (
		kb = 1 << 10
		mb = 1 << 20
		gb = 1 << 30
	)
	unit := func(v int64, size int64, name string) string {
		if v%size == 0 {
			return fmt.Sprintf("%d %s", v/size, name)
		}
		s := fmt.Sprintf("%.1f %s", float64(v)/float64(size), name)
		// Vietnamese writes the decimal separator as a comma.
		for i := 0; i < len(s); i++ {
			if s[i] == '.' {
				return s[:i] + "," + s[i+1:]
			}
		}
		return s
	}
	switch {
	case n >= gb:
		return unit(n, gb, "GB")
	case n >= mb:
		return unit(n, mb, "MB")
	case n >= kb:
		return unit(n, kb, "KB")
	}
	return fmt.Sprintf("%d byte", n)
}

func errFileTooLarge(max int64) error {
	return kerr.New(kerr.TooLarge, "file_too_large",
		"Tệp vượt quá dung lượng tối đa "+formatBytes(max)+".",
		"the file is larger than the limit of %d bytes", max)
}

func errQuotaExceeded(used, add, limit int64) error {
	return kerr.New(kerr.TooLarge, "quota_exceeded",
		"Kho dữ liệu đã vượt quá hạn mức lưu trữ "+formatBytes(limit)+".",
		"storing %d bytes on top of %d used would exceed the quota of %d bytes", add, used, limit)
}

func errIncomplete(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "incomplete_upload",
		"Tệp tải lên không đầy đủ (bị ngắt giữa chừng hoặc sai kích thước khai báo); vui lòng tải lại.",
		detail, args...)
}
