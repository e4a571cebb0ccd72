package web

import (
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
)

// verifyPaperCopy is GET /xac-thuc?ban-sao=CODE, the page a paper copy's
// QR code opens: the original electronic paper the copy was printed from
// is verified now, and the page gives the verifier's four answers for it
// — without the paper's content, owner or fields: its hash, the signers
// and, for a paper an agency issued, what the issuing system says of it
// (archive.PublicPaper). Public, like the verifier; the anti-spam
// challenge, when configured, guards it as it guards the upload.
func (h *Handler) verifyPaperCopy(w http.ResponseWriter, r *http.Request, code string) {
	p := h.newVerifyPage("")
	if h.cfg.Challenge != nil {
		if err := h.cfg.Challenge(r); err != nil {
			h.renderError(w, r, err)
			return
		}
	}
	if h.cfg.PaperCopies == nil {
		p.Errors = []fieldError{{Field: fieldFile, Message: "Máy chủ chưa bật chức năng xác thực bản giấy."}}
		h.render(w, r, http.StatusServiceUnavailable, "verify", "Xác thực giấy tờ", "verify", p)
		return
	}
	chk, err := h.cfg.PaperCopies.Check(r.Context(), code)
	if err != nil {
		if !kerr.IsKind(err, kerr.NotFound) {
			h.log.Warn("paper copy check failed", "requestId", requestID(r), "err", err.Error())
		}
		p.Errors = []fieldError{{Field: fieldFile, Message: publicMessage(err) + " Hãy quét lại mã QR in trên bản giấy."}}
		h.render(w, r, statusOf(err), "verify", "Xác thực giấy tờ", "verify", p)
		return
	}
	in := verdictInput{file: true, report: chk.Report, hash: chk.SHA256, paper: chk.Paper}
	if chk.Paper != nil {
		in.code = chk.Paper.Dossier
	}
	p.Result = &verifyResult{FileName: "bản gốc điện tử của bản giấy mã " + chk.Code, SHA256: chk.SHA256, Answers: answers(in), Report: chk.Report}
	h.render(w, r, http.StatusOK, "verify", "Xác thực giấy tờ", "verify", p)
}
