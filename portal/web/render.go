package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"slices"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout with that page's
// blocks.
type pages struct {
	set map[string]*template.Template
}

// pageNames are the pages, each templates/NAME.html over layout.html
// with the parts several pages share (templates/partials).
var pageNames = slices.Concat(
	[]string{"home", "lookup", "verify", "error", "vault", "vault_paper", "vault_ledger", "staff", "staffdossier", "signin", "sessions"},
	// Citizen dossiers: start, fill, attach, draft, submit (web-dossier).
	[]string{"procedures", "procedure", "dossier_draft", "dossier_sent"},

	// Citizen dossiers: follow, trail, results (web-follow).
	[]string{"mydossiers", "mydossier"},

	// Sharing and storage (web-share).
	[]string{"share_given", "shared", "shared_paper"},

	// Staff signing and digitising (web-sign).
	[]string{"staffsign", "digitise"},

	// Administration (web-admin).
	[]string{"admin", "admin_users", "admin_tokens", "admin_agencies", "admin_agency", "admin_procedures", "admin_procedure",
		"admin_types", "admin_type", "admin_forms", "admin_form", "admin_calendar"},

	// Archive: the archivists' pages (web-archive).
	[]string{"archive"},

	// Archive — Conversion (arc-convert).
	[]string{"archive_convert"},

	// Archive — Digitisation (arc-digitise).
	[]string{"archive_scan", "archive_scan_review"},

	// Archive — Paper copies (arc-paper).
	[]string{"archive_paper"},

	// Archive — Retention, legal holds, disposal (arc-retention).
	[]string{"archive_retention", "archive_disposal", "archive_disposal_list"},

	// Archive — Fixity (arc-fixity).
	[]string{"archive_fixity"},

	// Archive — Transfer: BagIt export and import (arc-bagit).
	[]string{"archive_transfer"},

	// Archive — Long-term validation renewal (arc-ltv).
	[]string{"archive_ltv"},

	// Reports and statistics (issue 13), one section for each part.
	// Reports — Vault statistics (st-vault).
	[]string{"reports_vault"},

	// Reports — EMC feed (st-emc).
	[]string{"reports_emc"},

	// Reports — Exports and printing (st-export).
	[]string{"report_dossiers"},

	// Reports — Report templates, saved and periodic reports (st-templates).
	[]string{"report_templates", "report_template", "report_runs", "report_run"},

	// Reports — Charts, leaders' dashboard, public statistics (st-dash).
	[]string{"reports", "report_dashboard", "stats_public"},
)

// parsePages parses the layout and the partials with each page.
func parsePages(as *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset":     as.url,
		"date":      Date,
		"clock":     Clock,
		"datetime":  DateTime,
		"machine":   MachineTime,
		"inc":       func(i int) int { return i + 1 },
		"bucketURL": bucketURL,
		"state":     stateLabel,
		// csrfWith hands a partial the page's CSRF token beside its data.
		"csrfWith": func(csrf string, row any) map[string]any { return map[string]any{"CSRF": csrf, "Row": row} },
	}
	ps := &pages{set: map[string]*template.Template{}}
	for _, n := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", "templates/"+n+".html")
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "web_templates", "Không nạp được mẫu trang.")
		}
		ps.set[n] = t
	}
	return ps, nil
}

// view is what every page's template gets: the layout's data and the
// page's own.
type view struct {
	Title  string
	Nav    string // the navigation entry of this page
	Body   Body
	Signed bool
	Actor  archive.Actor
	// Name is the signed-in person as the header shows them (their
	// account's display name, else their login), Start their own page.
	Name, Start string
	RequestID   string
	// CSRF is the token every POST form carries in its hidden field.
	CSRF  string
	Paths map[string]string
	Page  any
}

var paths = map[string]string{
	"Home": PathHome, "Lookup": PathLookup, "Verify": PathVerify, "SignIn": PathSignIn, "MyVault": PathMyVault, "MyLedger": PathMyLedger, "Staff": PathStaff,
	"SignOut": PathSignOut, "Sessions": PathSessions,
	// Citizen dossiers (web-dossier).
	"Procedures": PathProcedures,

	// Citizen dossiers: follow (web-follow).
	"MyDossiers": PathMyDossiers,

	// Sharing (web-share).
	"MyShares": PathMyShares, "Shared": PathShared,

	// Staff signing and digitising (web-sign).
	"StaffSignMany": PathSignMany, "Digitise": PathDigitise,

	// Archive: the archivists' pages (web-archive).
	"Archive": PathArchive,

	// Archive — Conversion (arc-convert).
	"ArchiveConvert": PathArchiveConvert,

	// Archive — Digitisation (arc-digitise).
	"ArchiveScan": PathArchiveScan,

	// Archive — Paper copies (arc-paper).
	"ArchivePaper": PathArchivePaper,

	// Archive — Retention, legal holds, disposal (arc-retention).
	"Retention": PathRetention, "Disposal": PathDisposal,

	// Archive — Fixity (arc-fixity).
	"ArchiveFixity": PathArchiveFixity,

	// Archive — Transfer: BagIt export and import (arc-bagit).
	"Transfer": PathTransfer, "TransferExport": PathTransferExport, "TransferImport": PathTransferImport, "MyVaultBag": PathMyVaultBag,

	// Archive — Long-term validation renewal (arc-ltv).
	"Renewals": PathRenewals,

	// Reports and statistics (issue 13), one section for each part.
	// Reports — Vault statistics (st-vault).
	"VaultStats": PathVaultStats,

	// Reports — EMC feed (st-emc).
	"EMC": PathEMC, "EMCReports": PathReports,

	// Reports — Exports and printing (st-export).
	"DossierStats": PathDossierStats,

	// Reports — Report templates, saved and periodic reports (st-templates).
	"ReportTemplates": PathReportTemplates, "ReportTemplateNew": PathReportTemplateNew,

	// Reports — Charts, leaders' dashboard, public statistics (st-dash).
	"PublicStats": PathPublicStats, "Reports": PathReports, "Dashboard": PathDashboard,

	// Administration (web-admin).
	"Admin": PathAdmin, "AdminUsers": PathAdminUsers, "AdminTokens": PathAdminTokens, "AdminAgencies": PathAdminAgencies,
	"AdminProcedures": PathAdminProcedures, "AdminTypes": PathAdminTypes, "AdminForms": PathAdminForms,
	"AdminCalendar": PathAdminCalendar,
}

// render writes page name with status. A template that fails is logged
// and becomes the plain 500 text: the page is rendered into a buffer
// first, so nothing half-written reaches the client.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, page any) {
	v := view{Title: title, Nav: nav, Body: h.cfg.Body, RequestID: requestID(r), Paths: paths, Page: page}
	if h.cfg.Identify != nil {
		v.Actor, v.Signed = h.cfg.Identify(r)
	}
	if v.Signed {
		v.Name, v.Start = displayName(r, v.Actor), defaultNext(v.Actor)
	}
	v.CSRF = h.cfg.CSRF.Token(r)
	var buf bytes.Buffer
	if err := h.pages.set[name].Execute(&buf, v); err != nil {
		h.log.Error("page template failed", "requestId", v.RequestID, "page", name, "err", err.Error())
		http.Error(w, "Đã xảy ra lỗi hệ thống; vui lòng thử lại sau. Mã yêu cầu: "+v.RequestID, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// displayName is a's name for the header: the display name of the
// session's account when there is one, else the login.
func displayName(r *http.Request, a archive.Actor) string {
	if p, err := auth.PrincipalFrom(r.Context()); err == nil && p.Account != nil && p.Account.DisplayName != "" && p.Actor.Subject == a.Subject {
		return p.Account.DisplayName
	}
	return a.Subject
}
