package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/internal/input"
)

// ledgerJSON is one page of an owner's access ledger.
type ledgerJSON struct {
	Entries []archive.LedgerEntry `json:"entries"`
	// More says whether entries follow; ask again with after = the last Seq.
	More bool `json:"more"`
}

// ownerLedger lists an owner's access-ledger entries: who read, downloaded,
// reused or changed which paper, when and why.
func (s *Server) ownerLedger(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, "document", "after", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, err := input.IntParam(q, "after", 0, 0, 1<<62)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := input.IntParam(q, "limit", 100, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, more, err := s.vault.Ledger(r.Context(), actorOf(r), r.PathValue("id"), q.Get("document"), after, int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if entries == nil {
		entries = []archive.LedgerEntry{}
	}
	writeJSON(w, http.StatusOK, ledgerJSON{Entries: entries, More: more})
}
