package portal

import (
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
)

// vaultStatsJSON is the vault statistics with their tables (the figures
// every export and page draws).
type vaultStatsJSON struct {
	archive.VaultStats
	Tables []report.Table `json:"tables"`
}

// vaultStats answers GET /api/v1/stats/vault: admins, and leaders for
// their agency's issued papers (2025 items 28.3, 28.5).
func (s *Server) vaultStats(w http.ResponseWriter, r *http.Request) {
	q, err := parseVaultStatsQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.vault.VaultStats(r.Context(), actorOf(r), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vaultStatsJSON{VaultStats: st, Tables: st.Tables()})
}

// parseVaultStatsQuery reads from, to, agency, owner and top; the vault
// checks the months and the ranges.
func parseVaultStatsQuery(r *http.Request) (archive.VaultStatsQuery, error) {
	v := r.URL.Query()
	q := archive.VaultStatsQuery{From: v.Get("from"), To: v.Get("to"), Agency: v.Get("agency"), Owner: v.Get("owner")}
	if t := v.Get("top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return q, kerr.New(kerr.Invalid, "invalid_top", "Số chủ kho lớn nhất cần xem phải từ 1 đến 100.", "top %q is not a number", t)
		}
		q.Top = n
	}
	return q, nil
}
