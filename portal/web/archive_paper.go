package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathArchivePaper is the archivists' page that prints paper copies of
// electronic papers (Decree 45/2020/NĐ-CP art. 18): GET finds an owner's
// signed papers (?chu-kho=ID), POST prints one ("In bản giấy") and answers
// the PDF.
const PathArchivePaper = PathArchive + "/ban-giay"

// paperCopyPage is the paper copy page: the search, the owner's signed
// papers, the errors of a refused print.
type paperCopyPage struct {
	Owner    string
	Purpose  string
	Papers   []archive.Document
	Searched bool
	Errors   []formError
}

// defaultPaperPurpose is the purpose recorded when the archivist gives none.
const defaultPaperPurpose = "chuyển đổi giấy tờ điện tử sang bản giấy"

// archivePaperForm is GET /luu-tru/ban-giay.
func (h *Handler) archivePaperForm(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	p := &paperCopyPage{Owner: strings.TrimSpace(q.Get("chu-kho")), Purpose: strings.TrimSpace(q.Get("muc-dich"))}
	status := h.findPapers(r, a, p)
	h.render(w, r, status, "archive_paper", "In bản giấy từ văn bản điện tử", "archive", p)
}

// findPapers fills p.Papers with the owner's signed papers (the first
// 100), the read recorded in the owner's ledger with the purpose.
func (h *Handler) findPapers(r *http.Request, a archive.Actor, p *paperCopyPage) int {
	if p.Purpose == "" {
		p.Purpose = defaultPaperPurpose
	}
	if p.Owner == "" {
		return http.StatusOK
	}
	p.Searched = true
	signed := true
	pg, err := h.cfg.Vault.List(r.Context(), a, archive.ListQuery{OwnerID: p.Owner, Signed: &signed, Limit: 100}, archive.Access{Purpose: p.Purpose})
	if err != nil {
		p.Errors = append(p.Errors, formError{Field: "chu-kho", Message: publicMessage(err)})
		return statusOf(err)
	}
	p.Papers = pg.Documents
	return http.StatusOK
}

// archivePaperPrint is POST /luu-tru/ban-giay: the CSRF token, then the
// paper (giay) and version (phien-ban); the copy is printed in the
// archivist's name (the staff directory's name, position and agency) and
// sent as a PDF to download. Refused: the page again with the error.
func (h *Handler) archivePaperPrint(w http.ResponseWriter, r *http.Request) {
	a, m, ok := h.archivistActor(w, r)
	if !ok || !h.postForm(w, r) {
		return
	}
	p := &paperCopyPage{Owner: strings.TrimSpace(r.PostForm.Get("chu-kho")), Purpose: strings.TrimSpace(r.PostForm.Get("muc-dich"))}
	if h.cfg.PaperCopies == nil {
		h.renderError(w, r, kerr.New(kerr.Unavailable, "paper_copies_off", "Máy chủ chưa bật chức năng in bản giấy.", "web.Config.PaperCopies is nil"))
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("phien-ban")))
	if err != nil || n < 0 {
		n = 0
	}
	purpose := p.Purpose
	if purpose == "" {
		purpose = defaultPaperPurpose
	}
	c, rc, err := h.cfg.PaperCopies.Print(r.Context(), a, archive.PaperCopyRequest{DocumentID: strings.TrimSpace(r.PostForm.Get("giay")),
		Version: n, Officer: h.paperOfficer(r, a, m), Purpose: purpose})
	if err != nil {
		status := h.findPapers(r, a, p)
		if status == http.StatusOK {
			status = statusOf(err)
		}
		p.Errors = append(p.Errors, formError{Field: "danh-sach", Message: publicMessage(err)})
		h.render(w, r, status, "archive_paper", "In bản giấy từ văn bản điện tử", "archive", p)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ban-giay-%s.pdf"`, c.Code))
	w.Header().Set("Content-Length", strconv.FormatInt(c.Size, 10))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Warn("paper copy not sent", "requestId", requestID(r), "code", c.Code, "err", err.Error())
	}
}

// paperOfficer is who the copy names as its converter: the archivist's
// directory entry (name, position, agency's name), or an admin's subject.
func (h *Handler) paperOfficer(r *http.Request, a archive.Actor, m workflow.Staff) archive.PaperOfficer {
	if m.Subject == "" {
		return archive.PaperOfficer{Name: a.Subject, Position: "Quản trị viên hệ thống"}
	}
	o := archive.PaperOfficer{Name: m.Name, Position: workflow.RoleArchivist.Label(), Agency: m.Agency}
	if ags, err := h.cfg.Workflow.Agencies(r.Context(), a); err == nil {
		for _, ag := range ags {
			if ag.Code == m.Agency {
				o.Agency = ag.Name
			}
		}
	}
	return o
}
