package portal

import (
	"net/http"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// maxBatchDocuments bounds one batch signing request.
const maxBatchDocuments = 100

// batchRequest signs the current versions of several vault documents with
// the same options.
type batchRequest struct {
	Documents []string    `json:"documents"`
	Options   signOptions `json:"options"`
}

// batchResult is the outcome for one document: the signed document, or
// the error that document got.
type batchResult struct {
	ID       string        `json:"id"`
	OK       bool          `json:"ok"`
	Document *documentJSON `json:"document,omitempty"`
	Error    *errorJSON    `json:"error,omitempty"`
}

// signBatch signs many vault documents in one call (staff and admin), each
// as POST /documents/{id}/sign would, and reports success or failure per
// document; one failure does not stop the others (2025 appendix item 14.4).
func (s *Server) signBatch(w http.ResponseWriter, r *http.Request) {
	if err := staffOnly(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	var req batchRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	if n := len(req.Documents); n == 0 || n > maxBatchDocuments {
		s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_batch", "Danh sách giấy tờ cần ký phải có từ 1 đến 100 giấy tờ.", "%d documents", n))
		return
	}
	signer, err := s.cfg.Signing.signer(req.Options)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	out := make([]batchResult, 0, len(req.Documents))
	seen := map[string]bool{}
	for _, id := range req.Documents {
		id = strings.TrimSpace(id)
		res := batchResult{ID: id}
		var d archive.Document
		switch {
		case seen[id]:
			err = kerr.New(kerr.Invalid, "duplicate_document", "Giấy tờ này đã có trong danh sách ký.", "document %q is listed twice", id)
		case !archive.ValidID(id):
			err = kerr.New(kerr.NotFound, "document_not_found", "Không tìm thấy giấy tờ.", "no document %q", id)
		default:
			d, err = s.vault.SignVersion(r.Context(), a, id, 0, signer)
		}
		seen[id] = true
		if err != nil {
			code, msg := kerr.Public(err)
			res.Error = &errorJSON{Code: code, Message: msg}
			s.log.InfoContext(r.Context(), "batch signing: a document failed", "requestId", infoOf(r).id, "document", id, "err", err.Error())
		} else {
			v := s.documentView(d)
			res.OK, res.Document = true, &v
		}
		out = append(out, res)
	}
	writeJSON(w, http.StatusOK, struct {
		Results []batchResult `json:"results"`
	}{out})
}
