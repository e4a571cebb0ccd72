package portal

import (
	"io"
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// getDossierSlip prints one slip of a dossier (2025 item 19) as a PDF:
// its parties print theirs, the staff of its agencies every slip, giving
// the purpose as when they read the dossier. The slip is made from the
// dossier's trail, so printing it again later gives the same slip.
func (s *Server) getDossierSlip(w http.ResponseWriter, r *http.Request) {
	wf, code, purpose, err := s.dossierRead(r, "in phiếu của hồ sơ")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	pdf, name, err := wf.Slip(r.Context(), a, code, workflow.SlipKind(r.PathValue("kind")), purpose)
	s.writePDF(w, r, pdf, name, err)
}

// dossierRead reads what a read of one dossier needs: the service, the
// {code} and, from staff and admin, the purpose of the read (400
// purpose_required without one; what is the read, in Vietnamese).
func (s *Server) dossierRead(r *http.Request, what string) (*workflow.Service, string, string, error) {
	wf, q, err := s.workflowQuery(r, "purpose")
	if err != nil {
		return nil, "", "", err
	}
	code, err := dossierCode(r)
	if err != nil {
		return nil, "", "", err
	}
	purpose, err := input.TextParam(q, "purpose", 500)
	if err != nil {
		return nil, "", "", err
	}
	if actorOf(r).Role != archive.RoleCitizen && purpose == "" {
		return nil, "", "", kerr.New(kerr.Invalid, "purpose_required", "Cán bộ cần nêu mục đích "+what+" (tham số purpose).",
			"staff and admin must give the purpose of reading a dossier")
	}
	return wf, code, purpose, nil
}

// writePDF answers with a printed PDF as an attachment named name, read
// whole first so that a conversion failing half-way is an error, not a
// cut file; or with err.
func (s *Server) writePDF(w http.ResponseWriter, r *http.Request, pdf io.ReadCloser, name string, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer pdf.Close()
	b, err := io.ReadAll(pdf)
	if err != nil {
		s.writeError(w, r, kerr.Wrap(err, kerr.Unavailable, "converter_failed", "Không nhận được trọn vẹn tệp PDF từ dịch vụ chuyển đổi; vui lòng thử lại."))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Content-Disposition", attachment(name))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
