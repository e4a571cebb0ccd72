package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// pageJSON is one page of documents; next is the cursor of the next page.
type pageJSON struct {
	Documents []documentJSON `json:"documents"`
	Next      string         `json:"next,omitempty"`
}

// listDocuments searches one owner's vault (a citizen's own by default);
// staff and admin give the purpose, and each page they read is recorded in
// the owner's ledger.
func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, withAccess("owner", "type", "status", "q", "validOn", "signed", "cursor", "limit")...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acc, err := accessOf(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	lq := archive.ListQuery{TypeCode: q.Get("type"), Cursor: q.Get("cursor")}
	if lq.OwnerID, err = ownerFor(a, q.Get("owner")); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch st := archive.Status(q.Get("status")); st {
	case "", archive.StatusValid, archive.StatusSuperseded, archive.StatusRevoked, archive.StatusExpired:
		lq.Status = st
	default:
		s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_status", "Trạng thái không hợp lệ (valid, superseded, revoked hoặc expired).", "unknown status %q", input.Printable(string(st))))
		return
	}
	if lq.Text, err = input.TextParam(q, "q", 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	if lq.ValidOn, err = input.DateParam(q, "validOn"); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch v := q.Get("signed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		lq.Signed = &b
	default:
		s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_signed", "Tham số signed phải là true hoặc false.", "signed=%q", input.Printable(v)))
		return
	}
	limit, err := input.IntParam(q, "limit", 50, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lq.Limit = int(limit)
	page, err := s.vault.List(r.Context(), a, lq, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pageJSON{Documents: s.documentViews(page.Documents), Next: page.Next})
}
