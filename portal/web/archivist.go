package web

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathArchive is the archivists' start page; the archive's pages live
// under it.
const PathArchive = "/luu-tru"

// archiveCard is one section of the archivists' start page.
type archiveCard struct{ Title, Text, URL string }

// archivistActor is the signed-in archivist: a member of staff who holds
// the archivist position (workflow.RoleArchivist) in the staff directory,
// or an admin. Anyone else gets the 403 page, nobody signed out the
// sign-in. The directory entry is returned for staff (zero for an admin).
func (h *Handler) archivistActor(w http.ResponseWriter, r *http.Request) (archive.Actor, workflow.Staff, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, workflow.Staff{}, false
	}
	if h.cfg.Workflow == nil || h.cfg.Vault == nil {
		h.renderError(w, r, errWorkflowOff)
		return a, workflow.Staff{}, false
	}
	switch a.Role {
	case archive.RoleAdmin:
		return a, workflow.Staff{}, true
	case archive.RoleStaff:
		m, err := h.cfg.Workflow.StaffMember(r.Context(), a, a.Subject)
		if err == nil && m.Active && m.Holds(workflow.RoleArchivist) {
			return a, m, true
		}
		if err != nil && !kerr.IsKind(err, kerr.NotFound) {
			h.renderError(w, r, err)
			return a, workflow.Staff{}, false
		}
	}
	h.renderError(w, r, kerr.New(kerr.Permission, "archivist_only", "Trang này dành cho cán bộ lưu trữ.",
		"%s %q is not an archivist", a.Role, a.Subject))
	return a, workflow.Staff{}, false
}

// archiveIndex is GET /luu-tru: the archive's sections.
func (h *Handler) archiveIndex(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := h.archivistActor(w, r); !ok {
		return
	}
	var cards []archiveCard
	// Conversion (arc-convert).
	cards = append(cards, archiveCard{Title: "Chuyển đổi sang PDF/A", URL: PathArchiveConvert,
		Text: "Chuyển tệp văn phòng và ảnh của một chủ kho sang PDF/A-2b; bản gốc và chữ ký số giữ nguyên."})

	// Digitisation (arc-digitise).
	cards = append(cards, archiveCard{Title: "Số hoá giấy tờ bản giấy", URL: PathArchiveScan,
		Text: "Quét các trang (JPEG, PNG, TIFF) thành một tệp PDF tìm kiếm được, nhận dạng chữ và các trường chính, kiểm tra rồi ký bản sao điện tử chứng thực từ bản chính vào kho của công dân."})

	// Paper copies (arc-paper).
	if h.cfg.PaperCopies != nil {
		cards = append(cards, archiveCard{Title: "In bản giấy từ văn bản điện tử",
			Text: "Chuyển đổi giấy tờ điện tử có chữ ký số sang bản giấy, có dấu hiệu chuyển đổi, kết quả kiểm tra chữ ký và mã QR xác thực.", URL: PathArchivePaper})
	}

	// Retention, legal holds, disposal (arc-retention).
	cards = append(cards,
		archiveCard{Title: "Thời hạn lưu trữ", URL: PathRetention,
			Text: "Thời hạn lưu trữ theo loại giấy tờ; phong tỏa pháp lý và gỡ phong tỏa giấy tờ."},
		archiveCard{Title: "Danh mục hủy giấy tờ", URL: PathDisposal,
			Text: "Xem, trình, phê duyệt (người khác với người trình) và thực hiện hủy giấy tờ hết thời hạn lưu trữ."})

	// Fixity (arc-fixity).
	cards = append(cards, archiveCard{Title: "Kiểm tra toàn vẹn", Text: "Các tệp đã lưu có còn nguyên vẹn không: lần kiểm tra gần nhất, tệp bị sai lệch hoặc bị mất và giấy tờ bị ảnh hưởng.", URL: PathArchiveFixity})

	// Transfer: BagIt export and import (arc-bagit).
	cards = append(cards, archiveCard{Title: "Chuyển giao (BagIt)", URL: PathTransfer,
		Text: "Xuất kho dữ liệu của một chủ kho hoặc giấy tờ của một hồ sơ thành gói BagIt, kèm thông tin và báo cáo kiểm tra chữ ký; nhập gói BagIt của Kho hoặc của công cụ khác."})

	// Long-term validation renewal (arc-ltv).
	cards = append(cards, archiveCard{Title: "Gia hạn chữ ký số", URL: PathRenewals,
		Text: "Giấy tờ đã ký số có chứng thư sắp hết hạn: bổ sung dữ liệu kiểm tra và dấu thời gian mới (B-LTA) để còn kiểm tra được lâu dài."})

	h.render(w, r, http.StatusOK, "archive", "Lưu trữ", "archive", cards)
}
