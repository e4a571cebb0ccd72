package portal

import (
	"net/http"
	"slices"
	"strings"
)

// route is one operation of the API.
type route struct {
	method string
	path   string
	handle http.HandlerFunc
	// public routes need no token.
	public bool
	// stream routes move file bytes: they are not bounded by RequestTimeout.
	stream bool
}

// routeTable lists every operation, in the order of api/openapi.yaml.
func (s *Server) routeTable() []route {
	return []route{
		{method: "GET", path: "/healthz", handle: s.healthz, public: true},
		{method: "GET", path: "/api/v1/openapi.yaml", handle: s.openAPI, public: true},
		{method: "GET", path: "/api/v1/limits", handle: s.limits, public: true},
		{method: "GET", path: "/api/v1/ledger/checkpoints/latest", handle: s.latestCheckpoint, public: true},
		{method: "GET", path: "/api/v1/ledger/key", handle: s.ledgerKey, public: true},

		{method: "POST", path: "/api/v1/owners", handle: s.registerOwner},
		{method: "GET", path: "/api/v1/owners/{id}", handle: s.getOwner},
		{method: "PUT", path: "/api/v1/owners/{id}/quota", handle: s.setQuota},
		{method: "GET", path: "/api/v1/owners/{id}/stats", handle: s.ownerStats},
		{method: "GET", path: "/api/v1/owners/{id}/ledger", handle: s.ownerLedger},
		{method: "GET", path: "/api/v1/owners/{id}/ledger/proof", handle: s.ownerLedgerProof},
		{method: "GET", path: "/api/v1/owners/{id}/reusable", handle: s.findReusable},

		{method: "POST", path: "/api/v1/documents", handle: s.createDocument, stream: true},
		{method: "GET", path: "/api/v1/documents", handle: s.listDocuments},
		{method: "GET", path: "/api/v1/documents/{id}", handle: s.getDocument},
		{method: "PATCH", path: "/api/v1/documents/{id}", handle: s.patchDocument},
		{method: "GET", path: "/api/v1/documents/{id}/content", handle: s.downloadCurrent, stream: true},
		{method: "POST", path: "/api/v1/documents/{id}/versions", handle: s.createVersion, stream: true},
		{method: "GET", path: "/api/v1/documents/{id}/versions", handle: s.listVersions},
		{method: "GET", path: "/api/v1/documents/{id}/versions/{n}/content", handle: s.downloadVersion, stream: true},
		{method: "POST", path: "/api/v1/documents/{id}/versions/{n}/verify", handle: s.verifyVersion},
		{method: "GET", path: "/api/v1/documents/{id}/versions/{n}/signature-report", handle: s.getSignatureReport},
		{method: "POST", path: "/api/v1/documents/{id}/sign", handle: s.signDocument, stream: true},
		{method: "POST", path: "/api/v1/documents/{id}/reuse", handle: s.reuseDocument},
		{method: "POST", path: "/api/v1/documents/{id}/revoke", handle: s.revokeDocument},
		{method: "POST", path: "/api/v1/documents/{id}/supersede", handle: s.supersedeDocument},
		{method: "GET", path: "/api/v1/documents/{id}/reuses", handle: s.listReuses},
		{method: "POST", path: "/api/v1/documents/{id}/shares", handle: s.createShare},
		{method: "GET", path: "/api/v1/documents/{id}/shares", handle: s.listDocumentShares},

		{method: "GET", path: "/api/v1/shares", handle: s.listShares},
		{method: "GET", path: "/api/v1/shares/{id}", handle: s.getShare},
		{method: "DELETE", path: "/api/v1/shares/{id}", handle: s.revokeShare},
		{method: "GET", path: "/api/v1/shares/{id}/document", handle: s.getSharedDocument},
		{method: "GET", path: "/api/v1/shares/{id}/content", handle: s.downloadShared, stream: true},

		{method: "POST", path: "/api/v1/issued", handle: s.issueDocument, stream: true},

		{method: "GET", path: "/api/v1/signing/keys", handle: s.listSigningKeys},
		{method: "POST", path: "/api/v1/signing/sign", handle: s.signPDF, stream: true},
		{method: "POST", path: "/api/v1/signing/batch", handle: s.signBatch, stream: true},
		{method: "POST", path: "/api/v1/signing/verify", handle: s.verifyPDF, public: true},
		{method: "POST", path: "/api/v1/signing/sign-data", handle: s.signData, stream: true},
		{method: "POST", path: "/api/v1/signing/verify-data", handle: s.verifyData, public: true, stream: true},

		{method: "GET", path: "/api/v1/stats", handle: s.systemStats},
		{method: "GET", path: "/api/v1/document-types", handle: s.listDocumentTypes},
		{method: "GET", path: "/api/v1/document-types/{code}", handle: s.getDocumentType},
		{method: "PUT", path: "/api/v1/document-types/{code}", handle: s.putDocumentType},
		{method: "GET", path: "/api/v1/procedures", handle: s.listProcedures, public: true},
		{method: "GET", path: "/api/v1/procedures/{code}", handle: s.getProcedure, public: true},
		{method: "PUT", path: "/api/v1/procedures/{code}", handle: s.putProcedure},
		{method: "GET", path: "/api/v1/procedures/{code}/process", handle: s.getProcess, public: true},
		{method: "POST", path: "/api/v1/procedures/{code}/process", handle: s.createProcess},
		{method: "GET", path: "/api/v1/procedures/{code}/process/diagram", handle: s.getProcessDiagram},
		{method: "POST", path: "/api/v1/catalog", handle: s.loadCatalog},

		{method: "GET", path: "/api/v1/staff", handle: s.listStaff},
		{method: "GET", path: "/api/v1/staff/{subject}", handle: s.getStaff},
		{method: "PUT", path: "/api/v1/staff/{subject}", handle: s.putStaff},

		{method: "POST", path: "/api/v1/dossiers", handle: s.createDossier},
		{method: "GET", path: "/api/v1/dossiers", handle: s.listDossiers},
		{method: "GET", path: "/api/v1/dossier-counts", handle: s.dossierCounts},
		{method: "GET", path: "/api/v1/dossier-search", handle: s.searchDossiers},
		{method: "GET", path: "/api/v1/dossiers/{code}", handle: s.getDossier},
		{method: "PUT", path: "/api/v1/dossiers/{code}/components/{component}", handle: s.putComponent},
		{method: "POST", path: "/api/v1/dossiers/{code}/components/{component}/file", handle: s.uploadComponent, stream: true},
		{method: "POST", path: "/api/v1/dossiers/{code}/actions", handle: s.actOnDossier},
		{method: "GET", path: "/api/v1/dossiers/{code}/slips/{kind}", handle: s.getDossierSlip},
		{method: "GET", path: "/api/v1/dossier-book", handle: s.getDossierBook},
		{method: "POST", path: "/api/v1/dossiers/{code}/result", handle: s.issueDossierResult},
		{method: "GET", path: "/api/v1/dossiers/{code}/result", handle: s.getDossierResult},
		{method: "GET", path: "/api/v1/public/dossiers/{code}", handle: s.lookupDossier, public: true},

		{method: "GET", path: "/api/v1/forms", handle: s.listForms},
		{method: "GET", path: "/api/v1/forms/{code}", handle: s.getForm},
		{method: "PUT", path: "/api/v1/forms/{code}", handle: s.putForm},
		{method: "POST", path: "/api/v1/forms/{code}/validate", handle: s.validateForm},
		{method: "POST", path: "/api/v1/forms/{code}/prefill", handle: s.prefillForm},
		{method: "POST", path: "/api/v1/forms/{code}/export", handle: s.exportForm},
		{method: "GET", path: "/api/v1/forms/{code}/drafts", handle: s.listDrafts},
		{method: "POST", path: "/api/v1/forms/{code}/drafts", handle: s.createDraft},
		{method: "GET", path: "/api/v1/forms/{code}/drafts/{id}", handle: s.getDraft},
		{method: "PUT", path: "/api/v1/forms/{code}/drafts/{id}", handle: s.saveDraft},
		{method: "DELETE", path: "/api/v1/forms/{code}/drafts/{id}", handle: s.deleteDraft},

		{method: "GET", path: "/api/v1/calendar", handle: s.getCalendar, public: true},
		{method: "PUT", path: "/api/v1/calendar", handle: s.putCalendar},
		{method: "GET", path: "/api/v1/notifications", handle: s.listNotifications},
		{method: "POST", path: "/api/v1/notifications/read", handle: s.markAllNotificationsRead},
		{method: "POST", path: "/api/v1/notifications/{id}/read", handle: s.markNotificationRead},
		{method: "GET", path: "/api/v1/outbox/failed", handle: s.listFailedDeliveries},
		{method: "POST", path: "/api/v1/outbox/{id}/retry", handle: s.retryDelivery},

		// The archive, one section for each part.
		// Archive — Conversion (arc-convert).
		{method: "POST", path: "/api/v1/documents/{id}/versions/{n}/renditions", handle: s.createRendition},
		{method: "GET", path: "/api/v1/documents/{id}/versions/{n}/renditions", handle: s.listRenditions},
		{method: "GET", path: "/api/v1/documents/{id}/versions/{n}/renditions/{target}/content", handle: s.downloadRendition, stream: true},
		{method: "POST", path: "/api/v1/owners/{id}/renditions", handle: s.convertOwner},

		// Archive — Digitisation (arc-digitise).
		{method: "POST", path: "/api/v1/scans", handle: s.createScan, stream: true},
		{method: "GET", path: "/api/v1/scans/{id}", handle: s.getScan},
		{method: "GET", path: "/api/v1/scans/{id}/pdf", handle: s.getScanPDF, stream: true},
		{method: "POST", path: "/api/v1/scans/{id}/confirm", handle: s.confirmScan},

		// Archive — Paper copies (arc-paper).
		{method: "POST", path: "/api/v1/documents/{id}/versions/{n}/paper-copy", handle: s.printPaperCopy},

		// Archive — Retention, legal holds, disposal (arc-retention).
		{method: "GET", path: "/api/v1/retention/documents/{id}", handle: s.getRetention},
		{method: "POST", path: "/api/v1/retention/documents/{id}/hold", handle: s.placeHold},
		{method: "POST", path: "/api/v1/retention/documents/{id}/release", handle: s.liftHold},
		{method: "GET", path: "/api/v1/retention/holds", handle: s.listHolds},
		{method: "GET", path: "/api/v1/disposal-lists", handle: s.listDisposalLists},
		{method: "GET", path: "/api/v1/disposal-lists/{id}", handle: s.getDisposalList},
		{method: "POST", path: "/api/v1/disposal-lists/{id}/submit", handle: s.submitDisposalList},
		{method: "POST", path: "/api/v1/disposal-lists/{id}/decision", handle: s.decideDisposalList},
		{method: "POST", path: "/api/v1/disposal-lists/{id}/execute", handle: s.executeDisposalList},

		// Archive — Fixity (arc-fixity).
		{method: "GET", path: "/api/v1/archive/fixity", handle: s.getFixity},

		// Archive — Transfer: BagIt export and import (arc-bagit).
		{method: "GET", path: "/api/v1/owners/{id}/export", handle: s.exportOwner, stream: true},
		{method: "POST", path: "/api/v1/owners/{id}/import", handle: s.importOwner, stream: true},

		// Archive — Long-term validation renewal (arc-ltv).
		{method: "GET", path: "/api/v1/archive/renewals", handle: s.listRenewals},

		// Reports and statistics (issue 13), one section for each part.
		// Reports — Dossier statistics engine (st-engine).
		{method: "GET", path: "/api/v1/stats/dossiers", handle: s.dossierStats},
		{method: "GET", path: "/api/v1/stats/public", handle: s.publicStats, public: true},

		// Reports — Vault statistics (st-vault).
		{method: "GET", path: "/api/v1/stats/vault", handle: s.vaultStats},

		// Reports — EMC feed (st-emc).
		{method: "GET", path: "/api/v1/emc/deliveries", handle: s.listEMCDeliveries},
		{method: "POST", path: "/api/v1/emc/events/{id}/retry", handle: s.retryEMCEvent},

		// Reports — Exports and printing (st-export).
		{method: "GET", path: "/api/v1/stats/dossiers/export", handle: s.exportDossierStats},

		// Reports — Report templates, saved and periodic reports (st-templates).
		{method: "GET", path: "/api/v1/report-templates", handle: s.listReportTemplates},
		{method: "POST", path: "/api/v1/report-templates", handle: s.createReportTemplate},
		{method: "GET", path: "/api/v1/report-templates/{id}", handle: s.getReportTemplate},
		{method: "PUT", path: "/api/v1/report-templates/{id}", handle: s.putReportTemplate},
		{method: "DELETE", path: "/api/v1/report-templates/{id}", handle: s.deleteReportTemplate},
		{method: "GET", path: "/api/v1/report-templates/{id}/runs", handle: s.listReportRuns},
		{method: "GET", path: "/api/v1/report-runs/{id}", handle: s.getReportRun},

		// Reports — Charts, leaders' dashboard, public statistics (st-dash).
		{method: "GET", path: "/api/v1/reports/direction", handle: s.reportsDirection},
	}
}

// Routes returns every operation the API serves as "METHOD /path", with
// path parameters as in the OpenAPI document ("{id}"). A GET route also
// answers HEAD.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routeTable() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// routes builds the mux: every operation, then for each path a fallback
// that answers other methods with 405, and a JSON 404 for everything else.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	allow := map[string][]string{}
	var paths []string
	for _, rt := range s.routeTable() {
		mux.HandleFunc(rt.method+" "+rt.path, s.wrap(rt))
		if _, ok := allow[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allow[rt.path] = append(allow[rt.path], rt.method)
		if rt.method == "GET" {
			allow[rt.path] = append(allow[rt.path], "HEAD")
		}
	}
	for _, p := range paths {
		methods := allow[p]
		slices.Sort(methods)
		mux.HandleFunc(p, s.methodNotAllowed(strings.Join(methods, ", ")))
	}
	mux.HandleFunc("/", s.notFound)
	return mux
}
