package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// maxLedgerCursor bounds the after parameter (a LedgerKey: time, owner,
// lane and Seq).
const maxLedgerCursor = 400

// ledgerJSON is one page of an owner's access ledger.
type ledgerJSON struct {
	Entries []ledgerEntryJSON `json:"entries"`
	// More says whether entries follow; ask again with after = Next.
	More bool   `json:"more"`
	Next string `json:"next,omitempty"`
}

// ledgerEntryJSON is a ledger entry as the API shows it: the stored,
// hashed entry and, for people, the action's Vietnamese label.
type ledgerEntryJSON struct {
	archive.LedgerEntry
	ActionLabel string `json:"actionLabel"`
}

// ownerLedger lists an owner's access-ledger entries: who read, downloaded,
// reused or changed which paper, when and why. A staff or admin read is
// itself recorded, with its purpose, after the page it read.
func (s *Server) ownerLedger(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, withAccess("document", "after", "limit")...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acc, err := accessOf(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after := q.Get("after")
	if len(after) > maxLedgerCursor {
		s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_cursor", "Vị trí trang của nhật ký không hợp lệ.", "after is %d bytes long; a ledger cursor is at most %d", len(after), maxLedgerCursor))
		return
	}
	limit, err := input.IntParam(q, "limit", 100, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, more, err := s.vault.Ledger(r.Context(), actorOf(r), r.PathValue("id"), q.Get("document"), after, int(limit), acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]ledgerEntryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, ledgerEntryJSON{LedgerEntry: e, ActionLabel: e.Action.Label()})
	}
	page := ledgerJSON{Entries: out, More: more}
	if more {
		page.Next = archive.LedgerKey(entries[len(entries)-1])
	}
	writeJSON(w, http.StatusOK, page)
}
