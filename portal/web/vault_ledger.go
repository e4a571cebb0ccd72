package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kho-vn/kho/archive"
)

// ledgerPageSize is how many entries one page of the ledger shows.
const ledgerPageSize = 50

// ledgerPage is "Ai đã xem giấy tờ của tôi": the citizen's access ledger,
// one page of it.
type ledgerPage struct {
	Entries []ledgerRow
	Next    string
	First   string
}

// ledgerRow is one ledger entry as the owner reads it.
type ledgerRow struct {
	Who     string
	Role    string
	At      string
	Machine string
	What    string
	Paper   string // the paper's page, when the entry names one
	Version int
	Purpose string
	Dossier string
}

// roleLabels name the roles of those who read a vault.
var roleLabels = map[archive.Role]string{
	archive.RoleCitizen: "Công dân",
	archive.RoleStaff:   "Cán bộ",
	archive.RoleAdmin:   "Quản trị viên",
}

// myLedger lists the signed-in citizen's access ledger, oldest first, a
// page at a time (archive.Service.Ledger as the citizen: only their own).
func (h *Handler) myLedger(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok {
		return
	}
	after := r.URL.Query().Get("sau")
	es, more, err := h.cfg.Vault.Ledger(r.Context(), a, a.Subject, "", after, ledgerPageSize, archive.Access{})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &ledgerPage{}
	for _, e := range es {
		row := ledgerRow{Who: e.Actor, Role: roleLabels[e.ActorRole], At: DateTime(e.At), Machine: MachineTime(e.At), What: e.Action.Label(),
			Version: e.Version, Purpose: e.Purpose, Dossier: e.Dossier}
		if kind, id, ok := strings.Cut(e.Grantee, ":"); ok && e.Share != "" {
			row.What += " — chia sẻ với " + granteeLabel(archive.GranteeKind(kind), id)
		}
		if e.Actor == a.Subject {
			row.Who = "Bạn"
		}
		if row.Role == "" {
			row.Role = string(e.ActorRole)
		}
		if e.DocumentID != "" {
			row.Paper = PathMyVault + "/" + url.PathEscape(e.DocumentID)
		}
		p.Entries = append(p.Entries, row)
	}
	if more && len(es) > 0 {
		p.Next = PathMyLedger + "?sau=" + url.QueryEscape(archive.LedgerKey(es[len(es)-1]))
	}
	if after != "" {
		p.First = PathMyLedger
	}
	h.render(w, r, http.StatusOK, "vault_ledger", "Ai đã xem giấy tờ của tôi", "ledger", p)
}
