package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// vaultPageSize is how many papers one page of "Kho của tôi" shows.
const vaultPageSize = 20

// vaultPage is "Kho của tôi": the signed-in citizen's papers, one page of
// them, with the search and filters that chose them and the storage used.
type vaultPage struct {
	Text     string
	Type     string
	Status   string
	Types    []archive.DocumentType
	Statuses []option
	Papers   []paperRow
	Next     string // the next page's address; "" on the last page
	First    string // the first page's address, on a later page
	Used     string
	Quota    string // "" when unlimited
	Percent  int    // used of quota, 0–100
	Count    int64
	Filtered bool
}

// option is one choice of a select.
type option struct{ Value, Label string }

// paperRow is one paper as a list or a page shows it.
type paperRow struct {
	ID       string
	Name     string
	TypeName string
	Number   string
	Issuer   string
	Status   archive.Status
	Label    string
	Signed   bool // its current version carries a signature the verifier passed
	Updated  string
	URL      string
	// Digitised says who digitised a paper scanned by staff ("" otherwise).
	Digitised string
}

// statusFilters are the statuses a citizen filters by, labelled as the
// vault's effective status is everywhere (workflow.PaperStatusLabel).
var statusFilters = []archive.Status{archive.StatusValid, archive.StatusExpired, archive.StatusRevoked, archive.StatusSuperseded}

// citizen is the signed-in citizen of a "Kho của tôi" page. A visitor not
// signed in is sent to sign in and back (303); staff and admin, who have
// no vault of their own here, get 403. ok false: the answer is written.
func (h *Handler) citizen(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, false
	}
	if h.cfg.Vault == nil {
		h.renderError(w, r, errVaultOff)
		return a, false
	}
	if a.Role != archive.RoleCitizen {
		h.renderError(w, r, kerr.New(kerr.Permission, "citizen_only", "Trang này dành cho công dân xem kho dữ liệu của mình.",
			"%s %q has no vault page", a.Role, a.Subject))
		return a, false
	}
	return a, true
}

var errVaultOff = kerr.New(kerr.Unavailable, "vault_not_configured", "Máy chủ chưa được cấu hình kho dữ liệu.", "web.Config.Vault is nil")

// myVault lists the signed-in citizen's papers (archive.Service.List as
// the citizen: the vault's own rule keeps it to their papers).
func (h *Handler) myVault(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok {
		return
	}
	ctx, q := r.Context(), r.URL.Query()
	p := &vaultPage{Text: strings.TrimSpace(q.Get("q")), Type: strings.TrimSpace(q.Get("loai")), Status: q.Get("tinh-trang")}
	p.Filtered = p.Text != "" || p.Type != "" || p.Status != ""
	for _, st := range statusFilters {
		p.Statuses = append(p.Statuses, option{string(st), workflow.PaperStatusLabel(st)})
	}
	types, err := h.cfg.Vault.DocumentTypes(ctx, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Types = types
	st, err := h.cfg.Vault.Stats(ctx, a, a.Subject, archive.Access{})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Used, p.Count = byteSize(st.UsedBytes), st.DocumentCount
	if st.QuotaBytes >= 0 {
		p.Quota = byteSize(st.QuotaBytes)
		if st.QuotaBytes > 0 {
			p.Percent = int(min(100, st.UsedBytes*100/st.QuotaBytes))
		}
	}
	page, err := h.cfg.Vault.List(ctx, a, archive.ListQuery{OwnerID: a.Subject, TypeCode: p.Type, Status: archive.Status(p.Status),
		Text: p.Text, Cursor: q.Get("sau"), Limit: vaultPageSize}, archive.Access{})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	names := typeNames(types)
	today := archive.DateOf(h.cfg.Now().In(Vietnam))
	for i := range page.Documents {
		p.Papers = append(p.Papers, rowOf(&page.Documents[i], names, today))
	}
	if page.Next != "" {
		q.Set("sau", page.Next)
		p.Next = PathMyVault + "?" + q.Encode()
	}
	if q.Get("sau") != "" {
		q.Del("sau")
		p.First = PathMyVault
		if len(q) > 0 {
			p.First += "?" + q.Encode()
		}
	}
	h.render(w, r, http.StatusOK, "vault", "Kho của tôi", "vault", p)
}

// typeNames maps the catalogue's codes to names.
func typeNames(types []archive.DocumentType) map[string]string {
	m := make(map[string]string, len(types))
	for _, t := range types {
		m[t.Code] = t.Name
	}
	return m
}

// rowOf is d as a row: its effective status on day and whether its
// current version carries a signature the verifier passed.
func rowOf(d *archive.Document, names map[string]string, day archive.Date) paperRow {
	st := d.EffectiveStatus(day)
	row := paperRow{ID: d.ID, Name: d.Name, TypeName: names[d.TypeCode], Number: d.Number, Issuer: d.Issuer, Status: st,
		Label: workflow.PaperStatusLabel(st), Signed: verifiedSigned(d.Current), Updated: Date(d.UpdatedAt),
		URL: PathMyVault + "/" + url.PathEscape(d.ID)}
	if row.TypeName == "" {
		row.TypeName = d.TypeCode
	}
	if row.Issuer == "" && d.IssuedBy != nil && d.IssuedBy.Kind != archive.IssueDigitised {
		row.Issuer = d.IssuedBy.AgencyName
	}
	row.Digitised = digitisedBy(d)
	return row
}

// verifiedSigned reports whether v carries signatures the vault's
// verifier passed (the "đã ký số" badge).
func verifiedSigned(v archive.Version) bool {
	return v.Signature != nil && v.Signature.Signed && v.Signature.Verdict == signing.TotalPassed
}

// byteSize is n bytes as a person reads it, Vietnamese style (decimal
// comma): "512 B", "1,5 MB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), -1
	for f >= unit && i < 3 {
		f /= unit
		i++
	}
	s := strings.Replace(strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0"), ".", ",", 1)
	return s + " " + [...]string{"KB", "MB", "GB", "TB"}[i]
}
