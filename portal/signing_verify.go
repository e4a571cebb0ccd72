package portal

import (
	"encoding/json"
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// verifyPDF verifies the signatures of a posted PDF for anyone (no token:
// verifiers are anyone): the raw PDF as the body, or multipart/form-data
// with a "file" part, at most MaxVerifyBytes. It answers the report as
// JSON, or as the Vietnamese HTML page with Accept: text/html. Nothing is
// stored.
func (s *Server) verifyPDF(w http.ResponseWriter, r *http.Request) {
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.cfg.Verifier == nil {
		s.writeError(w, r, kerr.New(kerr.Unavailable, "verifier_not_configured", "Máy chủ chưa được cấu hình để kiểm tra chữ ký số.", "portal.Config.Verifier is nil"))
		return
	}
	req, err := s.readPDF(w, r, s.cfg.MaxVerifyBytes, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer req.close()
	rep, err := s.cfg.Verifier.VerifyPDF(r.Context(), req.file, req.size)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := json.Marshal(rep)
	if err != nil {
		s.writeError(w, r, kerr.Wrap(err, kerr.Internal, "report_encode_failed", "Không tạo được báo cáo kiểm tra chữ ký."))
		return
	}
	s.writeReport(w, r, body)
}
