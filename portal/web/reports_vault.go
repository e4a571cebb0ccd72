package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// vaultStatsPage is the data of /bao-cao/kho.
type vaultStatsPage struct {
	// Back is the reports index (st-dash's page).
	Back string
	// From and To are the months of the form ("YYYY-MM").
	From, To string
	// Errors are the form's errors, each linked to its field.
	Errors []fieldError
	// Leader says the figures are of the leader's agency only.
	Leader bool
	Agency string
	AsOf   string
	Tables []vaultStatsTable
}

// vaultStatsTable is one report.Table with its cells written for people.
type vaultStatsTable struct {
	ID, Title, Subtitle string
	Columns             []report.Column
	Rows                [][]vaultStatsCell
	Total               []vaultStatsCell
	Notes               []string
}

// vaultStatsCell is one cell as shown; Number right-aligns it.
type vaultStatsCell struct {
	Text   string
	Number bool
}

// vaultStats is GET /bao-cao/kho: the vault statistics for admins (the
// whole vault and its storage) and leaders (their agency's issued
// papers), for the months ?tu= to ?den= (default: the last twelve).
func (h *Handler) vaultStats(w http.ResponseWriter, r *http.Request) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if h.cfg.Vault == nil {
		h.renderError(w, r, errWorkflowOff)
		return
	}
	p := &vaultStatsPage{Back: PathReports}
	if a.Role == archive.RoleStaff {
		// A leader acts for the agency of their directory entry.
		var m workflow.Staff
		var err error
		if h.cfg.Workflow != nil {
			m, err = h.cfg.Workflow.StaffMember(r.Context(), a, a.Subject)
		}
		if err != nil && !kerr.IsKind(err, kerr.NotFound) {
			h.renderError(w, r, err)
			return
		}
		if err != nil || !m.Active || !m.Holds(workflow.RoleLeader) {
			h.renderError(w, r, kerr.New(kerr.Permission, "vault_stats_forbidden",
				"Chỉ quản trị viên và lãnh đạo cơ quan được xem thống kê kho dữ liệu.", "%q holds no leader position", a.Subject))
			return
		}
		a.Agency, p.Leader = m.Agency, true
	}
	q := r.URL.Query()
	p.From, p.To = strings.TrimSpace(q.Get("tu")), strings.TrimSpace(q.Get("den"))
	status := http.StatusOK
	for _, f := range []struct{ id, v, name string }{{"bk-tu", p.From, "Từ tháng"}, {"bk-den", p.To, "Đến tháng"}} {
		if _, err := time.Parse("2006-01", f.v); f.v != "" && err != nil {
			p.Errors = append(p.Errors, fieldError{Field: f.id, Message: f.name + " phải là một tháng, dạng NNNN-TT (ví dụ 2026-11)."})
		}
	}
	if len(p.Errors) == 0 {
		st, err := h.cfg.Vault.VaultStats(r.Context(), a, archive.VaultStatsQuery{From: p.From, To: p.To})
		switch {
		case err == nil:
			p.fill(st)
		case kerr.IsKind(err, kerr.Invalid):
			_, msg := kerr.Public(err)
			p.Errors = append(p.Errors, fieldError{Field: "bk-tu", Message: msg})
		default:
			h.renderError(w, r, err)
			return
		}
	}
	if len(p.Errors) > 0 {
		status = http.StatusBadRequest
	}
	h.render(w, r, status, "reports_vault", "Thống kê kho dữ liệu", "reports", p)
}

// fill puts st's tables on the page, their cells written for people.
func (p *vaultStatsPage) fill(st archive.VaultStats) {
	p.From, p.To, p.Agency = st.From, st.To, st.Agency
	if !st.AsOf.IsZero() {
		p.AsOf = DateTime(st.AsOf)
	}
	for i, t := range st.Tables() {
		vt := vaultStatsTable{ID: "bang-" + strconv.Itoa(i+1), Title: t.Title, Subtitle: t.Subtitle, Columns: t.Columns, Notes: t.Notes}
		for _, row := range t.Rows {
			vt.Rows = append(vt.Rows, cellsOf(t.Columns, row))
		}
		if t.Total != nil {
			vt.Total = cellsOf(t.Columns, *t.Total)
		}
		p.Tables = append(p.Tables, vt)
	}
}

func cellsOf(cols []report.Column, row report.Row) []vaultStatsCell {
	out := make([]vaultStatsCell, len(row.Cells))
	for i, c := range row.Cells {
		switch {
		case i >= len(cols) || cols[i].Kind == report.KindText || c.Text != "":
			out[i] = vaultStatsCell{Text: c.Text}
		case cols[i].Kind == report.KindBytes:
			out[i] = vaultStatsCell{Text: viBytes(int64(c.Number)), Number: true}
		case cols[i].Kind == report.KindPercent:
			out[i] = vaultStatsCell{Text: strings.Replace(fmt.Sprintf("%.1f%%", c.Number), ".", ",", 1), Number: true}
		default:
			out[i] = vaultStatsCell{Text: viCount(int64(c.Number)), Number: true}
		}
	}
	return out
}

// viCount writes a whole number with dots between thousands: 1.234.567.
func viCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// viBytes writes a size in KB, MB or GB with one decimal, comma-separated.
func viBytes(n int64) string {
	units := []struct {
		size int64
		name string
	}{{1 << 30, "GB"}, {1 << 20, "MB"}, {1 << 10, "KB"}}
	for _, u := range units {
		if n >= u.size {
			return strings.Replace(fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name), ".", ",", 1)
		}
	}
	return viCount(n) + " byte"
}
