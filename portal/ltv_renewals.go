package portal

import (
	"net/http"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/internal/input"
)

// renewalsJSON is one page of the papers due for renewal of their
// long-term validation data.
type renewalsJSON struct {
	// WithinDays is the margin the page was listed with.
	WithinDays int                   `json:"withinDays"`
	Renewals   []archive.RenewalItem `json:"renewals"`
	// More says whether papers follow; ask again with after = Next.
	More bool   `json:"more"`
	Next string `json:"next,omitempty"`
}

// listRenewals lists, for staff and admin, the signed papers whose
// validation expires within withinDays (default: the server's margin),
// earliest first: their IDs, owner, type, version, level, signers and
// expiry — never their content or name.
func (s *Server) listRenewals(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, "withinDays", "after", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defDays := int64(s.vault.RenewWithin() / (24 * time.Hour))
	days, err := input.IntParam(q, "withinDays", defDays, 1, 3650)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := input.IntParam(q, "limit", 100, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, err := archive.ParseRenewCursor(q.Get("after"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, more, err := s.vault.DueRenewals(r.Context(), actorOf(r), time.Duration(days)*24*time.Hour, after, int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := renewalsJSON{WithinDays: int(days), Renewals: items, More: more}
	if more {
		last := items[len(items)-1]
		page.Next = archive.RenewCursor{ExpiresAt: last.ExpiresAt, ID: last.DocumentID}.String()
	}
	writeJSON(w, http.StatusOK, page)
}
