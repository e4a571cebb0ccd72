package workflow

import (
	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// checkTokenAgency refuses a staff member whose token acts for another
// agency than the one the staff directory gives them (Permission
// "agency_mismatch"): the vault trusts the token's agency
// (archive.Actor.Agency) when it issues papers, the workflow trusts the
// directory, and the two must name the same agency. A token that names
// no agency follows the directory.
func checkTokenAgency(a archive.Actor, m Staff) error {
	if a.Agency == "" || a.Agency == m.Agency {
		return nil
	}
	return kerr.New(kerr.Permission, "agency_mismatch",
		"Tài khoản đăng nhập được cấp cho cơ quan khác với cơ quan của cán bộ trong danh bạ; đề nghị quản trị hệ thống kiểm tra lại.",
		"staff %q: the token acts for agency %s, the directory puts them in %s", a.Subject, a.Agency, m.Agency)
}
