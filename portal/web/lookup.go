package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// lookupPage is the public dossier lookup: exactly workflow.PublicLookup,
// and the public status of the result it issued, if any.
type lookupPage struct {
	Code       string
	Error      string
	Status     *workflow.PublicStatus
	Paper      *archive.PublicPaper
	PaperLabel string
	VerifyURL  string
}

// maxCodeLen bounds a code typed (or pasted) in a public form.
const maxCodeLen = 200

// codeOf is the dossier code of what a person typed or a QR code held:
// trimmed, and the last part of a lookup URL (…/tra-cuu/CODE).
func codeOf(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxCodeLen {
		return s
	}
	if i := strings.LastIndex(s, PathLookup+"/"); i >= 0 {
		s = s[i+len(PathLookup)+1:]
		if j := strings.IndexAny(s, "/?#"); j >= 0 {
			s = s[:j]
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	return strings.TrimSpace(s)
}

// lookup is the lookup form; with ?ma=CODE it answers as lookupCode.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("ma")
	if raw == "" {
		h.render(w, r, http.StatusOK, "lookup", "Tra cứu hồ sơ", "lookup", &lookupPage{})
		return
	}
	h.answerLookup(w, r, codeOf(raw))
}

// lookupCode answers /tra-cuu/{code}, the address of the QR code on slips
// and results.
func (h *Handler) lookupCode(w http.ResponseWriter, r *http.Request) {
	h.answerLookup(w, r, codeOf(r.PathValue("code")))
}

// answerLookup shows a dossier's public status. A code of the wrong shape
// or no public dossier is a 404 with the form to try again; nothing else
// is said of the code.
func (h *Handler) answerLookup(w http.ResponseWriter, r *http.Request, code string) {
	p := &lookupPage{Code: code}
	if h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return
	}
	if len(code) > maxCodeLen {
		p.Code = ""
	}
	st, err := h.cfg.Workflow.PublicLookup(r.Context(), code)
	if err != nil {
		if !kerr.IsKind(err, kerr.NotFound) {
			h.renderError(w, r, err)
			return
		}
		p.Error = "Không tìm thấy hồ sơ có mã này. Hãy kiểm tra lại mã in trên giấy tiếp nhận."
		if code == "" {
			p.Error = "Hãy nhập mã hồ sơ."
		}
		h.render(w, r, http.StatusNotFound, "lookup", "Tra cứu hồ sơ", "lookup", p)
		return
	}
	p.Status = &st
	if paper, err := h.cfg.Workflow.PublicResult(r.Context(), code); err == nil {
		p.Paper, p.PaperLabel = &paper, workflow.PaperStatusLabel(paper.Status)
		p.VerifyURL = PathVerify + "?ma=" + url.QueryEscape(code)
	} else if !kerr.IsKind(err, kerr.NotFound) {
		h.log.Warn("public result status unavailable", "requestId", requestID(r), "code", code, "err", err.Error())
	}
	h.render(w, r, http.StatusOK, "lookup", "Hồ sơ "+st.Code, "lookup", p)
}

var errWorkflowOff = kerr.New(kerr.Unavailable, "workflow_not_configured", "Máy chủ chưa được cấu hình để giải quyết hồ sơ.", "web.Config.Workflow is nil")
