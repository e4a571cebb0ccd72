package workflow

import (
	"fmt"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Vietnamese messages used in more than one place.
const (
	msgStoreError       = "Đã xảy ra lỗi khi truy cập dữ liệu hồ sơ; vui lòng thử lại sau."
	msgAdminOnly        = "Chỉ quản trị hệ thống được thực hiện thao tác này."
	msgDossierNotFound  = "Không tìm thấy hồ sơ."
	msgDossierChanged   = "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại hồ sơ rồi thực hiện lại."
	msgOtherAgency      = "Hồ sơ thuộc cơ quan khác; bạn không được xem hoặc xử lý hồ sơ này."
	msgNotStaff         = "Tài khoản cán bộ chưa được khai báo cơ quan, phòng ban và chức danh."
	msgProcedureMissing = "Không tìm thấy thủ tục hành chính."
)

func invalid(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.Invalid, code, msg, detail, args...)
}

func storeErr(op string, err error) error {
	if ke := kerr.Outer(err); ke != nil && ke.Kind != kerr.Internal && ke.Kind != kerr.Other {
		return err
	}
	return &kerr.Error{Kind: kerr.KindOf(err), Code: "workflow_store_error", Message: msgStoreError, Detail: "workflow: " + op, Err: err}
}

func errDossierNotFound(code string) error {
	return kerr.New(kerr.NotFound, "dossier_not_found", msgDossierNotFound, "no dossier %q visible to the caller", code)
}

// ErrDossierChanged is the Conflict a store returns when a guarded update
// finds another status or revision (compare with errors.Is).
var ErrDossierChanged = kerr.New(kerr.Conflict, "dossier_changed", msgDossierChanged, "")

func errChanged(code string, detail string, args ...any) error {
	return kerr.New(kerr.Conflict, "dossier_changed", msgDossierChanged, "dossier %s: "+fmt.Sprintf(detail, args...), code)
}

// checkText refuses text people typed that is not UTF-8, holds control or
// invisible format characters, or is longer than max characters.
func checkText(field, label, value string, max int, multiline bool) error {
	if !utf8.ValidString(value) {
		return invalid("invalid_text", "«"+label+"» không đúng mã UTF-8.", "%s is not valid UTF-8", field)
	}
	if i, r := textrule.Find(value, multiline); i >= 0 {
		return invalid("invalid_characters",
			"«"+label+"» chứa ký tự điều khiển hoặc ký tự định dạng ẩn (như ký tự đảo chiều hiển thị); hãy xóa các ký tự này.",
			"%s holds the control or format character %s at byte %d", field, textrule.Describe(r), i)
	}
	if n := utf8.RuneCountInString(value); n > max {
		return invalid("text_too_long", fmt.Sprintf("«%s» quá dài (tối đa %d ký tự).", label, max),
			"%s has %d characters, more than %d", field, n, max)
	}
	return nil
}
