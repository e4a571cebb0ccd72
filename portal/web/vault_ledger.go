package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
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

// systemSubject is the actor of the binary's own work (cmd/kho's
// systemActor, an admin): the ledger names it "Hệ thống".
const systemSubject = "kho-system"

// isSystem reports whether entry e is the binary's own work.
func isSystem(e archive.LedgerEntry) bool {
	return e.Actor == systemSubject && e.ActorRole == archive.RoleAdmin
}

// staffCards names the staff and admins of the entries es, read once for
// the page (at most ledgerPageSize subjects) as the signed-in citizen. A
// failure only costs the names: the entries then show login IDs.
func (h *Handler) staffCards(ctx context.Context, a Actor, es []archive.LedgerEntry) map[string]workflow.StaffCard {
	if h.cfg.Workflow == nil {
		return nil
	}
	var subjects []string
	for _, e := range es {
		if e.ActorRole != archive.RoleCitizen && !isSystem(e) {
			subjects = append(subjects, e.Actor)
		}
	}
	if len(subjects) == 0 {
		return nil
	}
	cards, err := h.cfg.Workflow.StaffCards(ctx, a, subjects)
	if err != nil {
		h.log.WarnContext(ctx, "ledger page: staff names", "err", err)
		return nil
	}
	return cards
}

// ledgerActor is who did entry e as owner a reads it, and their role: "Bạn";
// "Hệ thống"; a staff member's name above their positions and agency
// (cards), or their login ID when the directory lacks them; another
// citizen as "Công dân" with their ID masked — in full only on an entry
// of a share the owner gave them by that ID.
func ledgerActor(a Actor, e archive.LedgerEntry, cards map[string]workflow.StaffCard) (who, role string) {
	switch {
	case e.Actor == a.Subject:
		return "Bạn", roleLabels[e.ActorRole]
	case isSystem(e):
		return "Hệ thống", ""
	case e.ActorRole == archive.RoleCitizen:
		if e.Grantee == archive.GranteeKey(archive.GranteePerson, e.Actor) {
			return e.Actor, "Công dân"
		}
		return maskID(e.Actor), "Công dân"
	}
	if c, ok := cards[e.Actor]; ok && c.Name != "" {
		return c.Name, capitalize(c.Duty())
	}
	if role = roleLabels[e.ActorRole]; role == "" {
		role = string(e.ActorRole)
	}
	return e.Actor, role
}

// maskID hides the middle of another person's identity number:
// 001090012345 reads 0010****2345 (a shorter one is hidden whole).
func maskID(id string) string {
	if len(id) < 10 {
		return "****"
	}
	return id[:4] + "****" + id[len(id)-4:]
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
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
	cards := h.staffCards(r.Context(), a, es)
	p := &ledgerPage{}
	for _, e := range es {
		row := ledgerRow{At: DateTime(e.At), Machine: MachineTime(e.At), What: e.Action.Label(),
			Version: e.Version, Purpose: e.Purpose, Dossier: e.Dossier}
		if kind, id, ok := strings.Cut(e.Grantee, ":"); ok && e.Share != "" {
			row.What += " — chia sẻ với " + granteeLabel(archive.GranteeKind(kind), id)
		}
		row.Who, row.Role = ledgerActor(a, e, cards)
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
