package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// listShares lists the shares the caller received and may use today
// (direction=received, the default: a citizen's as a person, staff's as
// their agency) or the shares the caller gave (direction=given, owners
// only, every state).
func (s *Server) listShares(w http.ResponseWriter, r *http.Request) {
	q, cursor, limit, err := pageQuery(r, "direction")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var p archive.SharePage
	switch d := q["direction"]; d {
	case "", "received":
		p, err = s.vault.SharesReceived(r.Context(), actorOf(r), cursor, limit)
	case "given":
		p, err = s.vault.SharesGiven(r.Context(), actorOf(r), "", cursor, limit)
	default:
		err = kerr.New(kerr.Invalid, "invalid_direction", "Tham số direction phải là received (được chia sẻ) hoặc given (đã chia sẻ).",
			"direction=%q", input.Printable(d))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.sharePageView(p))
}
