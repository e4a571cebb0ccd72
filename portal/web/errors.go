package web

import (
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/edge"
)

var errInternal = kerr.New(kerr.Internal, "internal", "Đã xảy ra lỗi hệ thống; vui lòng thử lại sau.", "internal error")

// statusOf maps an error's kind to the page's status.
func statusOf(err error) int { return edge.StatusOfKind(kerr.KindOf(err)) }

// errorPage is the error page's data: the Vietnamese message and code,
// never the English detail.
type errorPage struct {
	Status  int
	Heading string
	Message string
	Code    string
}

// renderError shows err as a page: its Vietnamese message and the request
// ID. The English detail is only logged.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	code, msg := kerr.Public(err)
	if status >= 500 {
		h.log.Error("page failed", "requestId", requestID(r), "path", r.URL.Path, "status", status, "code", code, "err", err.Error())
	}
	heading := "Không thực hiện được yêu cầu"
	switch status {
	case http.StatusNotFound:
		heading = "Không tìm thấy trang"
	case http.StatusInternalServerError:
		heading = "Lỗi hệ thống"
		msg = "Đã xảy ra lỗi hệ thống; vui lòng thử lại sau."
	case http.StatusServiceUnavailable:
		heading = "Dịch vụ tạm thời chưa sẵn sàng"
	}
	if status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	h.render(w, r, status, "error", heading, "", errorPage{Status: status, Heading: heading, Message: msg, Code: code})
}

// notFound is the 404 page of every address the pages do not have.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, kerr.New(kerr.NotFound, "page_not_found", "Không tìm thấy địa chỉ này. Hãy kiểm tra lại đường dẫn hoặc trở về trang chủ.",
		"no page %s %s", r.Method, r.URL.Path))
}
