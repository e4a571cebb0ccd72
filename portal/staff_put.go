package portal

import (
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// putStaff adds or replaces an entry of the staff directory (admin): the
// agency, department and positions of a staff account.
func (s *Server) putStaff(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var m workflow.Staff
	if err := decodeJSON(w, r, &m, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	subject := r.PathValue("subject")
	if m.Subject != "" && m.Subject != subject {
		s.writeError(w, r, kerr.New(kerr.Invalid, "subject_mismatch", "Tài khoản trong nội dung khác với tài khoản trên địa chỉ.",
			"body subject %q differs from path subject %q", input.Printable(m.Subject), input.Printable(subject)))
		return
	}
	m.Subject = subject
	out, err := wf.PutStaff(r.Context(), actorOf(r), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
