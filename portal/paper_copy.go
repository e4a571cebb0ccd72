package portal

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// paperCopier is the server's paper copier (Config.PaperCopy), or
// Unavailable "paper_copies_not_configured".
func (s *Server) paperCopier() (*archive.PaperCopier, error) {
	if s.cfg.PaperCopy == nil {
		return nil, kerr.New(kerr.Unavailable, "paper_copies_not_configured", "Máy chủ chưa bật chức năng in bản giấy.",
			"portal.Config.PaperCopy is nil (kho serve --gotenberg-url and --public-url)")
	}
	return archive.NewPaperCopier(s.vault, *s.cfg.PaperCopy)
}

// printPaperCopy is POST /api/v1/documents/{id}/versions/{n}/paper-copy:
// a paper copy of version {n} (Decree 45/2020/NĐ-CP art. 18), answered as
// the PDF, its verification code in the X-Kho-Paper-Code header. Only an
// admin, or staff holding the archivist position in the staff directory:
// a citizen gets 403 staff_only before anything is looked up, other staff
// 403 archivist_only. The officer printed on it is the directory's entry.
func (s *Server) printPaperCopy(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if a.Role == archive.RoleCitizen {
		s.writeError(w, r, kerr.New(kerr.Permission, "staff_only", "Chỉ cán bộ hoặc quản trị viên được thực hiện thao tác này.",
			"citizens may not print paper copies"))
		return
	}
	n, err := versionNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	officer, err := s.paperOfficer(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pc, err := s.paperCopier()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, rc, err := pc.Print(r.Context(), a, archive.PaperCopyRequest{DocumentID: id, Version: n, Officer: officer, Purpose: acc.Purpose, Dossier: acc.Dossier})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ban-giay-%s.pdf"`, c.Code))
	h.Set("Content-Length", strconv.FormatInt(c.Size, 10))
	h.Set("X-Kho-Paper-Code", c.Code)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		s.log.WarnContext(r.Context(), "paper copy not sent", "code", c.Code, "err", err)
	}
}

// paperOfficer is the officer a copy names: an admin by their subject;
// staff by their directory entry, which must hold the archivist position
// (Permission "archivist_only" otherwise).
func (s *Server) paperOfficer(r *http.Request, a archive.Actor) (archive.PaperOfficer, error) {
	if a.Role == archive.RoleAdmin {
		return archive.PaperOfficer{Name: a.Subject, Position: "Quản trị viên hệ thống"}, nil
	}
	wf, err := s.workflowService()
	if err != nil {
		return archive.PaperOfficer{}, err
	}
	m, err := wf.StaffMember(r.Context(), a, a.Subject)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return archive.PaperOfficer{}, err
	}
	if err != nil || !m.Active || !m.Holds(workflow.RoleArchivist) {
		return archive.PaperOfficer{}, kerr.New(kerr.Permission, "archivist_only", "Chỉ cán bộ lưu trữ được in bản giấy từ văn bản điện tử.",
			"staff %q does not hold the archivist position", a.Subject)
	}
	o := archive.PaperOfficer{Name: m.Name, Position: workflow.RoleArchivist.Label(), Agency: m.Agency}
	if ags, err := wf.Agencies(r.Context(), a); err == nil {
		for _, ag := range ags {
			if ag.Code == m.Agency {
				o.Agency = ag.Name
			}
		}
	}
	return o, nil
}
