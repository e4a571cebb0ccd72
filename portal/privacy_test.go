package portal_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// TestPrivacyMatrix: every operation of api/openapi.yaml whose inputs name
// an owner, a document, a version or a draft (x-kho-scope) has a row here,
// and every input it has is tried. Per case, on a server with every
// feature on (newFixture): citizen B gets the exact refusal, sees nothing
// of A's, changes nothing of A's and gets the same answer as for things
// that do not exist; then the same request by A (or by staff or admin
// where only they may) succeeds with the exact status: the request is
// well formed and the feature is there.
//
// The rule for refusals, which the rows hold the handlers to:
//   - an owner B may not act for is 403 `not_own_vault` whether or not it
//     exists and whatever the request's body (the refusal comes before
//     any lookup and before the body is read);
//   - a document or draft B may not see is 404 `document_not_found` or
//     `draft_not_found`, the very answer for one that does not exist —
//     also when B names a version of it that does not exist, or sends
//     If-Match or If-None-Match that would otherwise answer 409 or 304;
//   - an operation only staff (signing) or admin (quotas) may call is 403
//     `staff_only` or `admin_only` before anything it names is looked up.
func TestPrivacyMatrix(t *testing.T) {
	rows := append(privacyRows(), transferPrivacyRows()...)
	checkMatrixCoverage(t, rows, unscopedOperations, publicOperations)
	if t.Failed() {
		return
	}
	for _, row := range rows {
		t.Run(row.op, func(t *testing.T) { runPrivacyRow(t, row) })
	}
}

// unscopedOperations are the operations that name no owner, document,
// version or draft, with why. A new operation must be added here or get
// x-kho-scope and a row.
var unscopedOperations = map[string]string{
	"healthz":                  "no input",
	"getOpenAPI":               "no input",
	"getLimits":                "no input",
	"getLatestCheckpoint":      "the ledger's Merkle log size and signed root: names no owner",
	"getLedgerKey":             "the server's public checkpoint key",
	"listSigningKeys":          "the server's keys (staff)",
	"signPDF":                  "signs the PDF in the request; reads and stores nothing in any vault",
	"verifyPDF":                "verifies the PDF in the request (anyone); reads and stores nothing",
	"signData":                 "signs the data in the request; reads and stores nothing",
	"verifyData":               "verifies the data in the request (anyone); reads and stores nothing",
	"getSystemStats":           "counts over every vault, no owner named (staff; a citizen gets staff_only)",
	"listDocumentTypes":        "the catalogue",
	"getDocumentType":          "the catalogue",
	"putDocumentType":          "the catalogue (admin)",
	"listProcedures":           "the catalogue",
	"getProcedure":             "the catalogue",
	"putProcedure":             "the catalogue (admin)",
	"loadCatalog":              "the catalogue (admin)",
	"listForms":                "published form definitions",
	"getForm":                  "a published form definition",
	"putForm":                  "publishes a form definition (admin)",
	"listDrafts":               "the caller's own drafts; names no owner (TestPrivacyOwnListings: B lists none of A's)",
	"createDraft":              "makes a draft of the caller's own; names no owner",
	"getCalendar":              "the working-time calendar: hours and holidays, of the nation or an agency; names no person (public)",
	"putCalendar":              "changes the working-time calendar (admin); names no person",
	"listNotifications":        "the caller's own notifications; names nobody (TestPrivacyOwnListings: B lists none of A's)",
	"getFixity":                "names no owner; staff and admin only (403 staff_only for citizens, TestFixityAPI): the papers and owners a damaged blob affects",
	"listFailedDeliveries":     "admin only (403 admin_only for staff and citizens, TestOutboxAdmin); names nobody",
	"listEMCDeliveries":        "admin only (403 admin_only for staff and citizens, TestEMCAPI); the EMC delivery log names no owner (dossier codes, officers' subjects)",
	"retryEMCEvent":            "admin only (403 admin_only for staff and citizens, TestEMCAPI); an EMC event is an outbox record, not a vault paper",
	"retryDelivery":            "admin only (403 admin_only for staff and citizens, TestOutboxAdmin); a delivery is an outbox record, not a vault paper",
	"markAllNotificationsRead": "marks the caller's own notifications; names nobody (TestPrivacyOwnListings: B's call leaves A's unread)",
	"getProcess":               "the catalogue",
	"createProcessVersion":     "the catalogue (admin)",
	"getProcessDiagram":        "the catalogue (admins, heads, leaders)",
	"listStaff":                "the staff directory (admin)",
	"getStaff":                 "the staff directory (admin, or staff their own entry)",
	"putStaff":                 "the staff directory (admin)",
	"listDossiers":             "the caller's own dossiers, or their agency's (staff); names no owner (TestDossierPrivacy: B lists none of A's)",
	"dossierCounts":            "counts of the caller's agency (staff only)",
	"reportsDirection":         "the late and near-deadline dossiers of the caller's agency, no applicant named (heads, leaders; admins name the agency; others 403: TestReportsDirectionAPI)",
	"searchDossiers":           "the caller's agency's dossiers (staff only; a citizen gets staff_only: TestDossierCountsAndSearch)",
	"getDossierBook":           "the tracking book of the caller's agency (staff; an admin names one; a citizen gets staff_only: TestDossierSlipsAPI)",
	"listShares":               "the shares the caller received or gave; names nobody (TestPrivacyOwnListings: B lists none of A's)",
	"listRenewals":             "the papers of every vault due for renewal of their validation data, by expiry, no content; names no owner (staff; a citizen gets staff_only: TestRenewalsAPI)",
	// Archive — Digitisation (arc-scanapi): a batch names no owner in its input (the batch's ID only).
	"getScan":     "a batch of scanned pages, by its ID: archivists of its agency only (403 staff_only to citizens, archivist_only to other staff, 404 scan_not_found to another agency's archivist; TestScansAPI)",
	"getScanPDF":  "a batch's PDF, by its ID: archivists of its agency only (as getScan; TestScansAPI)",
	"confirmScan": "confirms a batch, by its ID: archivists of its agency only (as getScan; TestScansAPI)",
	// Archive — Retention, legal holds, disposal (arc-retention).
	"listHolds":           "archivists and admins only: 403 archivist_only for citizens and for staff without the position (TestRetentionAPI)",
	"listDisposalLists":   "archivists and admins only: 403 archivist_only for citizens and for staff without the position (TestRetentionAPI)",
	"getDisposalList":     "a disposal list (archivists and admins only: 403 archivist_only before the list is looked up, TestRetentionAPI); names no owner in its input",
	"submitDisposalList":  "a disposal list (archivists and admins only: 403 archivist_only, TestRetentionAPI)",
	"decideDisposalList":  "a disposal list (archivists and admins only: 403 archivist_only, TestRetentionAPI)",
	"executeDisposalList": "a disposal list (archivists and admins only: 403 archivist_only, TestRetentionAPI)",
	// Reports — Dossier statistics engine (st-engine).
	"dossierStats": "figures of an agency, no owner named: its heads and leaders, admins (403 other_agency to another agency's head, 403 stats_not_allowed to citizens, 401 signed out; TestStatsAPIPrivacy)",
	// Reports — Report templates, saved and periodic reports (st-templates): a template names no owner of papers;
	// another person's personal template or run is 404 (TestReportTemplatesAPI).
	"listReportTemplates":  "the shared templates and the caller's own personal ones (heads, leaders, admins; 403 reports_not_allowed otherwise; TestReportTemplatesAPI: B lists none of A's)",
	"createReportTemplate": "saves a template of the caller's own; names no owner",
	"getReportTemplate":    "a template by ID: another person's personal one is 404 report_template_not_found (TestReportTemplatesAPI)",
	"putReportTemplate":    "as getReportTemplate (404 before If-Match is weighed; TestReportTemplatesAPI)",
	"deleteReportTemplate": "as getReportTemplate (TestReportTemplatesAPI)",
	"listReportRuns":       "the runs of a template the caller may see (404 as getReportTemplate; TestReportTemplatesAPI)",
	"getReportRun":         "a run by ID: of another person's personal template 404 report_run_not_found (TestReportTemplatesAPI)",
	// Reports — Exports and printing (st-export).
	"exportDossierStats": "dossier statistics of an agency, counts only, no owner named (admins; heads and leaders their own agency; a citizen and other staff get stats_not_allowed: TestStatsExportAPI)",
}

// publicOperations answer anyone about the thing they name, by design.
var publicOperations = map[string]string{
	"lookupDossier": "the public lookup by dossier code (2025 item 26): code, procedure, agency, status and dates, nothing personal (TestPublicLookup)",
	// Reports — Dossier statistics engine (st-engine).
	"publicStats": "public figures by period, agency, field and level; never by officer, status or stage (400 not_public_dimension; TestStatsAPIPrivacy)",
}

// jsonCall is a request with a JSON body.
func jsonCall(method, path, body string) call {
	return call{method: method, path: path, contentType: "application/json", body: []byte(body)}
}

func getCall(path string) call { return call{method: "GET", path: path} }

// withHeader returns c with one more header.
func withHeader(c call, k, v string) call {
	h := map[string]string{k: v}
	for hk, hv := range c.header {
		h[hk] = hv
	}
	c.header = h
	return c
}

// rev is A's card's current ETag, read from the store (no ledger entry).
func (f *fixture) rev() string {
	d, err := f.store.GetDocument(context.Background(), f.card.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return `"` + strconv.FormatInt(d.Rev, 10) + `"`
}

// dossierRev is A's dossier's current ETag, read from the store.
func (f *fixture) dossierRev() string {
	d, err := f.store.GetDossier(context.Background(), f.dossier)
	if err != nil {
		f.t.Fatal(err)
	}
	return `"` + strconv.FormatInt(d.Rev, 10) + `"`
}

// privacyRows is the matrix, in the order of api/openapi.yaml. A new
// operation that names an owner, a document, a version or a draft gets
// x-kho-scope in the spec and one row here: a case per way of naming A's
// thing (each x-kho-scope input at least once), its positive control and
// B's exact refusal. Cases run in order on the row's own server, B first
// and the control after (it may change or delete A's thing).
func privacyRows() []privacyRow {
	owner := func(f *fixture) string { return "/api/v1/owners/" + ownerA }
	doc := func(f *fixture) string { return "/api/v1/documents/" + f.card.ID }
	draft := func(f *fixture) string { return "/api/v1/forms/TK_KHAI_SINH/drafts/" + f.draft }
	cardID := func(f *fixture) string { return f.card.ID }
	dossier := func(f *fixture) string { return "/api/v1/dossiers/" + f.dossier }
	blob := func(f *fixture) string { return f.card.Current.Blob }
	share := func(f *fixture) string { return "/api/v1/shares/" + f.share }
	shareID := func(f *fixture) string { return f.share }
	text := func(s string) func(*fixture) string { return func(*fixture) string { return s } }
	birth := birthForm(secretName, ownerA)
	return []privacyRow{
		{op: "registerOwner", bare: true, cases: []privacyCase{
			{name: "A's identity number", inputs: []string{"body.identityNumber"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/owners", `{"kind":"individual","identityNumber":"`+ownerA+`","name":"`+secretName+`","birthYear":2000}`)
				},
				ok: 201, shows: text(ownerA), status: 403, code: "not_own_vault"},
		}},
		{op: "getOwner", cases: []privacyCase{
			{name: "A", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(owner(f)) },
				ok: 200, shows: text(secretName), status: 403, code: "not_own_vault"},
		}},
		{op: "setQuota", cases: []privacyCase{
			{name: "A", inputs: []string{"path.id"}, req: func(f *fixture) call { return jsonCall("PUT", owner(f)+"/quota", `{"quotaBytes":104857600}`) },
				by: partyAdmin, ok: 200, shows: text(`"quotaBytes":104857600`), status: 403, code: "admin_only"},
		}},
		{op: "getOwnerStats", cases: []privacyCase{
			{name: "A", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(owner(f) + "/stats") },
				ok: 200, shows: text(`"documentCount":2`), status: 403, code: "not_own_vault"}, // the card and the dossier's birth certificate
		}},
		{op: "getOwnerLedger", cases: []privacyCase{
			{name: "A's ledger", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(owner(f) + "/ledger") },
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
			{name: "A's ledger of A's card", inputs: []string{"path.id", "query.document"},
				req: func(f *fixture) call { return getCall(owner(f) + "/ledger?document=" + f.card.ID) },
				ok:  200, shows: text(secretDossier), status: 403, code: "not_own_vault"},
			// B's own ledger about A's card: no entry, the very answer
			// for a document that does not exist.
			{name: "B's ledger of A's card", inputs: []string{"query.document"},
				req:  func(f *fixture) call { return getCall(owner(f) + "/ledger?document=" + f.card.ID) },
				bReq: func(f *fixture) call { return getCall("/api/v1/owners/" + ownerB + "/ledger?document=" + f.card.ID) },
				ok:   200, shows: text(secretDossier), status: 200},
		}},
		{op: "getOwnerLedgerProof", cases: []privacyCase{
			{name: "A's proof", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(owner(f) + "/ledger/proof") },
				ok: 200, shows: text(`"owner":"` + ownerA + `"`), status: 403, code: "not_own_vault"},
		}},
		{op: "findReusable", cases: []privacyCase{
			{name: "A", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(owner(f) + "/reusable?type=CAN_CUOC") },
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
		}},
		{op: "createDocument", cases: []privacyCase{
			{name: "raw, owner=A", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					q := url.Values{"owner": {ownerA}, "type": {"KHAC"}, "name": {"Bản sao"}, "filename": {"ban-sao.pdf"}}
					return call{method: "POST", path: "/api/v1/documents?" + q.Encode(), contentType: "application/pdf", body: onePage(f.t)}
				},
				ok: 201, shows: text(`"ownerId":"` + ownerA + `"`), status: 403, code: "not_own_vault"},
			{name: "multipart, ownerId A", inputs: []string{"body.metadata.ownerId"},
				req: func(f *fixture) call {
					body, ct := multipartBody(f.t, metadataPart(f.t, map[string]any{"ownerId": ownerA, "typeCode": "KHAC", "name": "Bản sao"}),
						part{name: "file", fileName: "ban-sao.pdf", contentType: "application/pdf", data: onePage(f.t)})
					return call{method: "POST", path: "/api/v1/documents", contentType: ct, body: body}
				},
				ok: 201, shows: text(`"ownerId":"` + ownerA + `"`), status: 403, code: "not_own_vault"},
		}},
		{op: "listDocuments", cases: []privacyCase{
			{name: "owner=A", inputs: []string{"query.owner"}, req: func(f *fixture) call { return getCall("/api/v1/documents?owner=" + ownerA) },
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
			{name: "owner=A, q=A's name", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return getCall("/api/v1/documents?owner=" + ownerA + "&signed=true&q=" + url.QueryEscape("bích ngọc"))
				},
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
		}},
		{op: "getDocument", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(doc(f)) },
				ok: 200, shows: text(secretSummary), status: 404, code: "document_not_found"},
			{name: "A's card, with a purpose", inputs: []string{"path.id"},
				req: func(f *fixture) call { return getCall(doc(f) + "?purpose=" + url.QueryEscape("xem") + "&dossier=HS-1") },
				ok:  200, shows: text(secretSummary), status: 404, code: "document_not_found"},
		}},
		{op: "patchDocument", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return jsonCall("PATCH", doc(f), `{"name":"Căn cước (đã sửa)"}`) },
				ok: 200, shows: text("đã sửa"), status: 404, code: "document_not_found"},
			{name: "A's card, If-Match", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return withHeader(jsonCall("PATCH", doc(f), `{"issuer":"Bộ Công an"}`), "If-Match", f.rev())
				},
				ok: 200, shows: text("Bộ Công an"), status: 404, code: "document_not_found"},
			{name: "A's card, stale If-Match", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return withHeader(jsonCall("PATCH", doc(f), `{"number":"123"}`), "If-Match", f.rev())
				},
				bReq: func(f *fixture) call {
					return withHeader(jsonCall("PATCH", doc(f), `{"number":"123"}`), "If-Match", `"999"`)
				},
				ok: 200, status: 404, code: "document_not_found"},
		}},
		{op: "downloadDocument", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(doc(f) + "/content") },
				ok: 200, shows: blob, status: 404, code: "document_not_found"},
			{name: "A's card, Range", inputs: []string{"path.id"}, req: func(f *fixture) call { return withHeader(getCall(doc(f)+"/content"), "Range", "bytes=0-9") },
				ok: 206, shows: text("%PDF-"), status: 404, code: "document_not_found"},
			{name: "A's card, If-None-Match", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return withHeader(getCall(doc(f)+"/content"), "If-None-Match", `"`+f.card.Current.Blob+`"`)
				},
				ok: 304, shows: blob, status: 404, code: "document_not_found"},
		}},
		{op: "createVersion", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return call{method: "POST", path: doc(f) + "/versions?filename=ban-moi.pdf", contentType: "application/pdf", body: onePage(f.t)}
				},
				ok: 201, shows: text(`"versionCount":2`), status: 404, code: "document_not_found"},
			{name: "A's card, If-Match", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return withHeader(call{method: "POST", path: doc(f) + "/versions?filename=ban-moi.pdf", contentType: "application/pdf", body: onePage(f.t)},
						"If-Match", f.rev())
				},
				ok: 201, shows: text("ban-moi.pdf"), status: 404, code: "document_not_found"},
		}},
		{op: "listVersions", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(doc(f) + "/versions") },
				ok: 200, shows: blob, status: 404, code: "document_not_found"},
		}},
		{op: "downloadVersion", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"}, req: func(f *fixture) call { return getCall(doc(f) + "/versions/1/content") },
				ok: 200, shows: blob, status: 404, code: "document_not_found"},
			// A version A's card does not have: still the document's
			// answer, never version_not_found.
			{name: "A's card, version 9", inputs: []string{"path.id", "path.n"},
				req:  func(f *fixture) call { return getCall(doc(f) + "/versions/1/content") },
				bReq: func(f *fixture) call { return getCall(doc(f) + "/versions/9/content") },
				ok:   200, shows: blob, status: 404, code: "document_not_found"},
		}},
		{op: "verifyVersion", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"},
				req: func(f *fixture) call { return call{method: "POST", path: doc(f) + "/versions/1/verify"} },
				ok:  200, shows: text("TOTAL-PASSED"), status: 404, code: "document_not_found"},
			{name: "A's card, version 9", inputs: []string{"path.id", "path.n"},
				req:  func(f *fixture) call { return call{method: "POST", path: doc(f) + "/versions/1/verify"} },
				bReq: func(f *fixture) call { return call{method: "POST", path: doc(f) + "/versions/9/verify"} },
				ok:   200, shows: text("TOTAL-PASSED"), status: 404, code: "document_not_found"},
		}},
		// Archive — Paper copies (arc-paper): only staff print (an admin
		// here: staff must also be archivists, TestPaperCopyAPI).
		// Archive — Digitisation (arc-scanapi): the issuer of agency A,
		// an archivist there, digitises a page for A; citizen B is refused
		// before the body is read.
		{op: "createScan", cases: []privacyCase{
			{name: "multipart, owner A", inputs: []string{"body.metadata.owner"},
				req: func(f *fixture) call {
					f.archivistIssuer()
					body, ct := multipartBody(f.t, metadataPart(f.t, map[string]any{"owner": ownerA, "typeCode": "KHAI_SINH", "device": "Fujitsu fi-7160"}),
						part{name: "page", fileName: "trang-1.png", contentType: "image/png", data: scanPage(f.t)})
					return call{method: "POST", path: "/api/v1/scans", contentType: ct, body: body}
				},
				by: partyIssuer, ok: 201, shows: text(`"ownerId":"` + ownerA + `"`), status: 403, code: "staff_only"},
		}},
		{op: "printPaperCopy", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"},
				req: func(f *fixture) call { return call{method: "POST", path: doc(f) + "/versions/1/paper-copy"} },
				by:  partyAdmin, ok: 200, shows: text("X-Kho-Paper-Code"), status: 403, code: "staff_only"},
		}},
		{op: "getSignatureReport", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"},
				req: func(f *fixture) call { return getCall(doc(f) + "/versions/1/signature-report") },
				ok:  200, shows: text("TOTAL-PASSED"), status: 404, code: "document_not_found"},
			{name: "A's card, version 1, HTML", inputs: []string{"path.id", "path.n"},
				req: func(f *fixture) call {
					return withHeader(getCall(doc(f)+"/versions/1/signature-report"), "Accept", "text/html")
				},
				ok: 200, shows: text("<html"), status: 404, code: "document_not_found"},
			{name: "A's card, version 9", inputs: []string{"path.id", "path.n"},
				req:  func(f *fixture) call { return getCall(doc(f) + "/versions/1/signature-report") },
				bReq: func(f *fixture) call { return getCall(doc(f) + "/versions/9/signature-report") },
				ok:   200, shows: text("TOTAL-PASSED"), status: 404, code: "document_not_found"},
		}},
		{op: "signDocument", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return jsonCall("POST", doc(f)+"/sign", `{"key":"canbo"}`) },
				by: partyStaff, ok: 201, shows: text(`"change":"signed"`), status: 403, code: "staff_only"},
		}},
		{op: "reuseDocument", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "body.version"},
				req: func(f *fixture) call {
					return jsonCall("POST", doc(f)+"/reuse", `{"dossier":"000.00.31.H29-261207-0043","version":1}`)
				},
				ok: 201, shows: cardID, status: 404, code: "document_not_found"},
			{name: "A's card, version 9", inputs: []string{"path.id", "body.version"},
				req: func(f *fixture) call {
					return jsonCall("POST", doc(f)+"/reuse", `{"dossier":"000.00.31.H29-261207-0044","version":1}`)
				},
				bReq: func(f *fixture) call {
					return jsonCall("POST", doc(f)+"/reuse", `{"dossier":"000.00.31.H29-261207-0044","version":9}`)
				},
				ok: 201, shows: cardID, status: 404, code: "document_not_found"},
		}},
		// B names A's card; the control acts on a paper agency A issued
		// to A (f.issued): A's card was uploaded, and only an issued
		// paper can be revoked or replaced.
		{op: "revokeDocument", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/documents/"+f.issued("1")+"/revoke", `{"reason":"Cấp sai ngày sinh"}`)
				},
				bReq: func(f *fixture) call { return jsonCall("POST", doc(f)+"/revoke", `{"reason":"Cấp sai ngày sinh"}`) },
				by:   partyIssuer, ok: 200, shows: text(`"status":"revoked"`), status: 403, code: "staff_only"},
		}},
		// Archive — Retention, legal holds, disposal (arc-retention): an
		// admin reads and holds A's issued paper; citizen B gets 403
		// archivist_only before anything is looked up.
		{op: "getRetention", cases: []privacyCase{
			{name: "A's issued paper", inputs: []string{"path.id"},
				req:  func(f *fixture) call { return getCall("/api/v1/retention/documents/" + f.issued("r1")) },
				bReq: func(f *fixture) call { return getCall("/api/v1/retention/documents/" + f.card.ID) },
				by:   partyAdmin, ok: 200, shows: text(`"state":"kept"`), status: 403, code: "archivist_only"},
		}},
		{op: "placeHold", cases: []privacyCase{
			{name: "A's issued paper", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/retention/documents/"+f.issued("r2")+"/hold", `{"reason":"Thanh tra"}`)
				},
				bReq: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/retention/documents/"+f.card.ID+"/hold", `{"reason":"Thanh tra"}`)
				},
				by: partyAdmin, ok: 200, shows: text(`"state":"held"`), status: 403, code: "archivist_only"},
		}},
		{op: "liftHold", cases: []privacyCase{
			{name: "A's issued paper", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					id := f.issued("r3")
					_, err := f.vault.PlaceHold(context.Background(), archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, id, "Thanh tra", "")
					if err != nil && !kerr.IsKind(err, kerr.Conflict) { // held by the control's earlier call
						f.t.Fatal(err)
					}
					return jsonCall("POST", "/api/v1/retention/documents/"+id+"/release", `{"reason":"Xong"}`)
				},
				bReq: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/retention/documents/"+f.card.ID+"/release", `{"reason":"Xong"}`)
				},
				by: partyAdmin, ok: 200, shows: text(`"state":"kept"`), status: 403, code: "archivist_only"},
		}},
		{op: "supersedeDocument", cases: []privacyCase{
			{name: "A's card by A's card", inputs: []string{"path.id", "body.replacement"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/documents/"+f.issued("2")+"/supersede", `{"replacement":"`+f.issued("3")+`","reason":"Cấp lại"}`)
				},
				bReq: func(f *fixture) call {
					return jsonCall("POST", doc(f)+"/supersede", `{"replacement":"`+f.card.ID+`","reason":"Cấp lại"}`)
				},
				by: partyIssuer, ok: 200, shows: text(`"status":"superseded"`), status: 403, code: "staff_only"},
		}},
		{op: "listReuses", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(doc(f) + "/reuses") },
				ok: 200, shows: text(secretDossier), status: 404, code: "document_not_found"},
		}},
		{op: "createShare", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "body.version"},
				req: func(f *fixture) call { return jsonCall("POST", doc(f)+"/shares", shareBody(1)) },
				ok:  201, shows: cardID, status: 404, code: "document_not_found"},
			// A version A's card does not have: still the document's answer.
			{name: "A's card, version 9", inputs: []string{"path.id", "body.version"},
				req:  func(f *fixture) call { return jsonCall("POST", doc(f)+"/shares", shareBody(1)) },
				bReq: func(f *fixture) call { return jsonCall("POST", doc(f)+"/shares", shareBody(9)) },
				ok:   201, shows: cardID, status: 404, code: "document_not_found"},
		}},
		{op: "listDocumentShares", cases: []privacyCase{
			{name: "A's card", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(doc(f) + "/shares") },
				ok: 200, shows: shareID, status: 404, code: "document_not_found"},
		}},
		{op: "getShare", cases: []privacyCase{
			{name: "A's share", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(share(f)) },
				ok: 200, shows: text(secretPurpose), status: 404, code: "share_not_found"},
		}},
		// The grantee, staff of agency A, reads through A's share; B, no
		// grantee, learns nothing of it.
		{op: "getSharedDocument", cases: []privacyCase{
			{name: "A's share", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(share(f) + "/document") },
				by: partyIssuer, ok: 200, shows: text(secretSummary), status: 404, code: "share_not_found"},
		}},
		{op: "downloadSharedDocument", cases: []privacyCase{
			{name: "A's share", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(share(f) + "/content") },
				by: partyIssuer, ok: 200, shows: blob, status: 404, code: "share_not_found"},
			{name: "A's share, Range", inputs: []string{"path.id"},
				req: func(f *fixture) call { return withHeader(getCall(share(f)+"/content"), "Range", "bytes=0-9") },
				by:  partyIssuer, ok: 206, shows: text("%PDF-"), status: 404, code: "share_not_found"},
		}},
		{op: "revokeShare", cases: []privacyCase{
			{name: "A's share", inputs: []string{"path.id"},
				req: func(f *fixture) call { return jsonCall("DELETE", share(f), `{"reason":"không cần nữa"}`) },
				ok:  200, shows: text(`"state":"revoked"`), status: 404, code: "share_not_found"},
		}},
		{op: "issueDocument", cases: []privacyCase{
			{name: "into A's vault", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					q := url.Values{"owner": {ownerA}, "dossier": {agencyA + "-261207-0101"}, "agencyName": {"Ủy ban nhân dân Phường Bến Nghé"},
						"number": {"9"}, "type": {"KHAC"}, "name": {"Kết quả"}}
					return call{method: "POST", path: "/api/v1/issued?" + q.Encode(), contentType: "application/pdf", body: pdf("ket qua 9")}
				},
				by: partyIssuer, ok: 201, shows: text(`"ownerId":"` + ownerA + `"`), status: 403, code: "staff_only"},
		}},
		{op: "signBatch", cases: []privacyCase{
			{name: "A's card", inputs: []string{"body.documents"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/signing/batch", `{"documents":["`+f.card.ID+`"],"options":{"key":"canbo"}}`)
				},
				by: partyStaff, ok: 200, shows: text(`"ok":true`), status: 403, code: "staff_only"},
		}},
		{op: "validateForm", cases: []privacyCase{
			{name: "owner=A", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/validate?owner="+ownerA, birth)
				},
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
			// Naming an owner B may not act for is refused before the
			// data is read, whatever the data.
			{name: "owner=A, data not an object", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/validate?owner="+ownerA, birth)
				},
				bReq: func(f *fixture) call {
					c := jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/validate?owner="+ownerA, `[]`)
					c.expect = specInvalid
					return c
				},
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
		}},
		{op: "prefillForm", cases: []privacyCase{
			{name: "owner=A", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?owner=" + ownerA}
				},
				ok: 200, shows: text(secretAddress), status: 403, code: "not_own_vault"},
		}},
		{op: "exportForm", cases: []privacyCase{
			{name: "owner=A, JSON", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/export?format=json&owner="+ownerA, birth)
				},
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
			{name: "owner=A, data not an object", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/export?format=json&owner="+ownerA, birth)
				},
				bReq: func(f *fixture) call {
					c := jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/export?format=json&owner="+ownerA, `[]`)
					c.expect = specInvalid
					return c
				},
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
			{name: "owner=A, PDF", inputs: []string{"query.owner"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/forms/TK_KHAI_SINH/export?format=pdf&owner="+ownerA, birth)
				},
				ok: 200, shows: text("%PDF-"), status: 403, code: "not_own_vault"},
		}},
		{op: "getDraft", cases: []privacyCase{
			{name: "A's draft", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(draft(f)) },
				ok: 200, shows: text(secretDraft), status: 404, code: "draft_not_found"},
		}},
		{op: "saveDraft", cases: []privacyCase{
			{name: "A's draft", inputs: []string{"path.id"}, req: func(f *fixture) call { return jsonCall("PUT", draft(f), `{"hoTenMe":"Nháp đã sửa"}`) },
				ok: 200, shows: text("Nháp đã sửa"), status: 404, code: "draft_not_found"},
		}},
		{op: "deleteDraft", cases: []privacyCase{
			{name: "A's draft", inputs: []string{"path.id"}, req: func(f *fixture) call { return call{method: "DELETE", path: draft(f)} },
				ok: 204, status: 404, code: "draft_not_found"},
		}},
		{op: "markNotificationRead", cases: []privacyCase{
			{name: "A's notification", inputs: []string{"path.id"},
				req: func(f *fixture) call { return call{method: "POST", path: "/api/v1/notifications/" + f.note + "/read"} },
				ok:  200, shows: text(`"readAt"`), status: 404, code: "notification_not_found"},
		}},
		{op: "createDossier", cases: []privacyCase{
			// B naming A as the applicant, not as A's representative:
			// refused before anything is looked up.
			{name: "A as the applicant", inputs: []string{"body.applicant.id"},
				req: func(f *fixture) call {
					return jsonCall("POST", "/api/v1/dossiers", `{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"`+ownerA+`","name":"`+secretName+`"}}`)
				},
				ok: 201, shows: text(`"status":"registered"`), status: 403, code: "not_own_dossier"},
		}},
		{op: "getDossier", cases: []privacyCase{
			{name: "A's dossier", inputs: []string{"path.code"}, req: func(f *fixture) call { return getCall(dossier(f)) },
				ok: 200, shows: text(secretName), status: 404, code: "dossier_not_found"},
			{name: "A's dossier, with a purpose", inputs: []string{"path.code"},
				req: func(f *fixture) call { return getCall(dossier(f) + "?purpose=" + url.QueryEscape("xem hồ sơ")) },
				ok:  200, shows: cardID, status: 404, code: "dossier_not_found"},
		}},
		{op: "putDossierComponent", cases: []privacyCase{
			{name: "A's dossier, A's card", inputs: []string{"path.code", "body.reuse.document"},
				req: func(f *fixture) call {
					return jsonCall("PUT", dossier(f)+"/components/GIAY_TO_TUY_THAN", `{"reuse":{"document":"`+f.card.ID+`","version":1}}`)
				},
				ok: 200, shows: cardID, status: 404, code: "dossier_not_found"},
			{name: "A's dossier, stale If-Match", inputs: []string{"path.code"},
				req: func(f *fixture) call {
					return withHeader(jsonCall("PUT", dossier(f)+"/components/GIAY_TO_TUY_THAN", `{"reuse":{"document":"`+f.card.ID+`"}}`), "If-Match", f.dossierRev())
				},
				bReq: func(f *fixture) call {
					return withHeader(jsonCall("PUT", dossier(f)+"/components/GIAY_TO_TUY_THAN", `{"reuse":{"document":"`+f.card.ID+`"}}`), "If-Match", `"999"`)
				},
				ok: 200, shows: cardID, status: 404, code: "dossier_not_found"},
			// B's own dossier, reusing A's card: the vault does not show
			// B A's paper.
			{name: "B's dossier, A's card", inputs: []string{"body.reuse.document"},
				req: func(f *fixture) call {
					return jsonCall("PUT", dossier(f)+"/components/GIAY_TO_TUY_THAN", `{"reuse":{"document":"`+f.card.ID+`"}}`)
				},
				bReq: func(f *fixture) call {
					b := f.newDossier(f.t, archive.Actor{Subject: ownerB, Role: archive.RoleCitizen}, ownerB, "Lê Văn Bê", false)
					return jsonCall("PUT", "/api/v1/dossiers/"+b.Code+"/components/GIAY_TO_TUY_THAN", `{"reuse":{"document":"`+f.card.ID+`"}}`)
				},
				ok: 200, shows: cardID, status: 404, code: "document_not_found"},
		}},
		{op: "uploadDossierComponent", cases: []privacyCase{
			{name: "A's dossier", inputs: []string{"path.code"},
				req: func(f *fixture) call {
					return call{method: "POST", path: dossier(f) + "/components/GIAY_CHUNG_SINH/file?filename=gcs.pdf", contentType: "application/pdf", body: onePage(f.t)}
				},
				ok: 200, shows: text(`"code":"GIAY_CHUNG_SINH","source":"upload"`), status: 404, code: "dossier_not_found"},
		}},
		{op: "getDossierSlip", cases: []privacyCase{
			// A's dossier is not yet received: A reaches it and learns its
			// receipt is not there yet; B learns nothing, not even that.
			{name: "A's dossier", inputs: []string{"path.code"}, req: func(f *fixture) call { return getCall(dossier(f) + "/slips/receipt") },
				ok: 409, shows: text("slip_not_available"), status: 404, code: "dossier_not_found"},
		}},
		{op: "actOnDossier", cases: []privacyCase{
			{name: "A's dossier, stale If-Match", inputs: []string{"path.code"},
				req: func(f *fixture) call {
					return withHeader(jsonCall("POST", dossier(f)+"/actions", `{"action":"applicant_stop","reason":"không cần nữa"}`), "If-Match", f.dossierRev())
				},
				bReq: func(f *fixture) call {
					return withHeader(jsonCall("POST", dossier(f)+"/actions", `{"action":"applicant_stop","reason":"không cần nữa"}`), "If-Match", `"999"`)
				},
				// applicant_stop does not start from "Mới đăng ký": A gets
				// the state machine's refusal, B the dossier's absence.
				ok: 409, status: 404, code: "dossier_not_found"},
			{name: "A's dossier", inputs: []string{"path.code"}, req: func(f *fixture) call { return jsonCall("POST", dossier(f)+"/actions", `{"action":"submit"}`) },
				ok: 200, shows: text(`"status":"awaiting_intake"`), status: 404, code: "dossier_not_found"},
		}},
		{op: "issueDossierResult", cases: []privacyCase{
			// A's dossier is not approved: A gets the state machine's
			// refusal, B the dossier's absence.
			{name: "A's dossier", inputs: []string{"path.code"}, req: func(f *fixture) call { return call{method: "POST", path: dossier(f) + "/result"} },
				ok: 409, shows: text("illegal_transition"), status: 404, code: "dossier_not_found"},
		}},
		{op: "getDossierResult", cases: []privacyCase{
			// Nothing issued yet: A learns that of A's dossier, B that
			// there is no such dossier.
			{name: "A's dossier", inputs: []string{"path.code"}, req: func(f *fixture) call { return getCall(dossier(f) + "/result") },
				ok: 404, shows: text("result_not_issued"), status: 404, code: "dossier_not_found"},
		}},
		// Archive — Conversion (arc-convert). A's card is a signed PDF:
		// staff reach it and get its refusal (never re-rendered), B is
		// refused before anything is looked up.
		{op: "createRendition", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"},
				req: func(f *fixture) call {
					return jsonCall("POST", doc(f)+"/versions/1/renditions?purpose=l%C6%B0u+tr%E1%BB%AF", `{"target":"pdfa-2b"}`)
				},
				by: partyStaff, ok: 400, shows: text("signed_pdf_not_converted"), status: 403, code: "staff_only"},
		}},
		{op: "convertOwner", cases: []privacyCase{
			{name: "A", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return jsonCall("POST", owner(f)+"/renditions?purpose=l%C6%B0u+tr%E1%BB%AF", `{"target":"pdfa-2b"}`)
				},
				by: partyStaff, ok: 200, shows: text("signed_pdf_not_converted"), status: 403, code: "staff_only"},
		}},
		{op: "listRenditions", cases: []privacyCase{
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"}, req: func(f *fixture) call { return getCall(doc(f) + "/versions/1/renditions") },
				ok: 200, shows: text(`"renditions":[]`), status: 404, code: "document_not_found"},
		}},
		{op: "downloadRendition", cases: []privacyCase{
			// A's card has none: A learns that, B that there is no such document.
			{name: "A's card, version 1", inputs: []string{"path.id", "path.n"}, req: func(f *fixture) call { return getCall(doc(f) + "/versions/1/renditions/pdfa-2b/content") },
				ok: 404, shows: text("rendition_not_found"), status: 404, code: "document_not_found"},
		}},
		// Reports — Vault statistics (st-vault).
		{op: "getVaultStats", cases: []privacyCase{
			{name: "owner=A", inputs: []string{"query.owner"}, req: func(f *fixture) call { return getCall("/api/v1/stats/vault?owner=" + ownerA) },
				by: partyAdmin, ok: 200, shows: text(`"owner":{"ownerId":"` + ownerA + `"`), status: 403, code: "vault_stats_forbidden"},
		}},
	}
}

// TestPrivacyOwnListings: what B lists of B's own — documents, search,
// reusable papers, drafts, statistics, ledger, pre-fill, notifications — holds nothing of
// A's, on the matrix's server with A's things in it; B marking all of B's
// notifications read leaves A's unread.
func TestPrivacyOwnListings(t *testing.T) {
	f := newFixture(t, false)
	for _, c := range []struct {
		req call
		ok  int
	}{
		{getCall("/api/v1/documents"), 200},
		{getCall("/api/v1/documents?q=" + url.QueryEscape("bích ngọc")), 200},
		{getCall("/api/v1/documents?type=CAN_CUOC&signed=true"), 200},
		{getCall("/api/v1/owners/" + ownerB + "/reusable?type=CAN_CUOC"), 200},
		{getCall("/api/v1/owners/" + ownerB + "/stats"), 200},
		{getCall("/api/v1/owners/" + ownerB + "/ledger"), 200},
		{getCall("/api/v1/forms/TK_KHAI_SINH/drafts"), 200},
		{call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill"}, 200},
		{getCall("/api/v1/notifications"), 200},
		{getCall("/api/v1/notifications?limit=100"), 200},
		{getCall("/api/v1/shares"), 200},
		{getCall("/api/v1/shares?direction=given"), 200},
		{call{method: "POST", path: "/api/v1/notifications/read"}, 200},
	} {
		c.req.token = f.citizenB
		r := f.do(c.req).want(t, c.ok, "")
		if l := f.leaks(c.req, r); len(l) > 0 {
			t.Errorf("%s %s: B sees A's %q: %s", c.req.method, c.req.path, l, truncate(r.body))
		}
	}
	// The same listings as A do show A's things: the listings work.
	r := f.do(call{method: "GET", path: "/api/v1/forms/TK_KHAI_SINH/drafts", token: f.citizenA}).want(t, 200, "")
	if !strings.Contains(string(r.body), f.draft) {
		t.Errorf("A's drafts do not list A's draft: %s", r.body)
	}
	r = f.do(call{method: "GET", path: "/api/v1/documents?q=" + url.QueryEscape("bích ngọc"), token: f.citizenA}).want(t, 200, "")
	if !strings.Contains(string(r.body), f.card.ID) {
		t.Errorf("A's search does not find A's card: %s", r.body)
	}
	r = f.do(call{method: "GET", path: "/api/v1/notifications", token: f.citizenA}).want(t, 200, "")
	if !strings.Contains(string(r.body), f.note) || !strings.Contains(string(r.body), secretNote) {
		t.Errorf("A's notifications do not list A's: %s", r.body)
	}
	// B marking all of B's read left A's unread.
	if n, err := f.store.CountUnreadNotifications(context.Background(), ownerA); err != nil || n != 1 {
		t.Errorf("A's unread notifications after B marked all = %d, %v; want 1", n, err)
	}
}

// TestAuthenticationRequired: every /api/v1 operation except the OpenAPI
// document and the limits answers 401 without a valid token.
func TestAuthenticationRequired(t *testing.T) {
	e := newEnv(t)
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("x"))
	revoked := e.token(ownerA, archive.RoleCitizen, time.Time{})
	var revokedID string
	toks, err := e.store.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.Hash == auth.HashSecret(revoked) {
			revokedID = tk.ID
		}
	}
	if err := e.store.RevokeToken(context.Background(), revokedID); err != nil {
		t.Fatal(err)
	}
	expired := e.token(ownerA, archive.RoleCitizen, time.Now().Add(-time.Minute))
	signBody, signCT := multipartBody(t, part{name: "options", contentType: "application/json", data: []byte(`{"key":"canbo"}`)},
		part{name: "file", fileName: "x.pdf", contentType: "application/pdf", data: pdf("x")})
	unknown, _, _ := auth.Generate(ownerA, archive.RoleCitizen, "", time.Now()) // never stored

	// The public routes and what they answer without a token here.
	public := map[string]int{"GET /healthz": 200, "GET /api/v1/openapi.yaml": 200, "GET /api/v1/limits": 200,
		"POST /api/v1/signing/verify": 503, "POST /api/v1/signing/verify-data": 503, // no verifier configured in this test
		"GET /api/v1/ledger/checkpoints/latest": 404, "GET /api/v1/ledger/key": 404, // no checkpoint key in this test
		"GET /api/v1/calendar": 200,
		// The procedure catalogue and the public lookup ({code} is KHAI_SINH here: no such procedure or dossier).
		"GET /api/v1/procedures": 200, "GET /api/v1/procedures/{code}": 404, "GET /api/v1/procedures/{code}/process": 404,
		"GET /api/v1/public/dossiers/{code}": 404,
		// Reports — Dossier statistics engine (st-engine): the public figures.
		"GET /api/v1/stats/public": 200}
	dataBody, dataCT := multipartBody(t, part{name: "data", data: []byte(`{}`)}, part{name: "signature", data: []byte{0x30}})
	scanBody, scanCT := multipartBody(t, metadataPart(t, map[string]any{"owner": ownerA, "typeCode": "KHAI_SINH", "device": "x"}),
		part{name: "page", fileName: "a.png", contentType: "image/png", data: []byte("x")}) // Archive — Digitisation (arc-scanapi)
	bodies := map[string]struct {
		ct, query string
		body      []byte
	}{
		"POST /api/v1/owners":                   {"application/json", "", []byte(`{"kind":"individual","identityNumber":"` + ownerB + `"}`)},
		"PUT /api/v1/owners/{id}/quota":         {"application/json", "", []byte(`{"quotaBytes":1}`)},
		"GET /api/v1/owners/{id}/reusable":      {"", "?type=KHAI_SINH", nil},
		"POST /api/v1/documents":                {"application/pdf", "?type=KHAC&name=x&filename=x.pdf", pdf("y")},
		"PATCH /api/v1/documents/{id}":          {"application/json", "", []byte(`{"name":"x"}`)},
		"POST /api/v1/documents/{id}/versions":  {"application/pdf", "?filename=x.pdf", pdf("y")},
		"POST /api/v1/documents/{id}/reuse":     {"application/json", "", []byte(`{"dossier":"x"}`)},
		"POST /api/v1/documents/{id}/shares":    {"application/json", "", []byte(shareBody(1))},
		"POST /api/v1/documents/{id}/revoke":    {"application/json", "", []byte(`{"reason":"x"}`)},
		"POST /api/v1/documents/{id}/supersede": {"application/json", "", []byte(`{"replacement":"` + d.ID + `","reason":"x"}`)},
		"POST /api/v1/issued":                   {"application/pdf", "?owner=" + ownerA + "&dossier=x&agencyName=x&type=KHAC&name=x", pdf("y")},
		"PUT /api/v1/document-types/{code}":     {"application/json", "", []byte(`{"name":"x"}`)},
		"PUT /api/v1/procedures/{code}": {"application/json", "", []byte(`{"name":"x","field":"x","level":"full","agency":"000.00.31.H29","legalBasis":["x"],` +
			`"components":[],"resolution":{},"results":[]}`)},
		"POST /api/v1/procedures/{code}/process":                   {"application/json", "", []byte(`{"name":"x","start":"a","steps":[{"code":"a","name":"a","role":"desk"}]}`)},
		"PUT /api/v1/staff/{subject}":                              {"application/json", "", []byte(`{"name":"x","agency":"000.00.31.H29","department":"VP","positions":["desk"],"active":true}`)},
		"POST /api/v1/dossiers":                                    {"application/json", "", []byte(`{"procedure":"X","applicant":{"kind":"individual","id":"` + ownerA + `","name":"x"}}`)},
		"PUT /api/v1/dossiers/{code}/components/{component}":       {"application/json", "", []byte(`{"form":{}}`)},
		"POST /api/v1/dossiers/{code}/components/{component}/file": {"application/pdf", "?filename=x.pdf", pdf("y")},
		"POST /api/v1/dossiers/{code}/actions":                     {"application/json", "", []byte(`{"action":"submit"}`)},
		"POST /api/v1/catalog":                                     {"application/json", "", []byte(`{}`)},
		"GET /api/v1/documents/{id}/versions/{n}/content":          {"", "", nil},
		"POST /api/v1/documents/{id}/sign":                         {"application/json", "", []byte(`{"key":"canbo"}`)},
		"POST /api/v1/signing/sign":                                {signCT, "", signBody},
		"POST /api/v1/signing/sign-data":                           {"application/json", "?key=canbo", []byte(`{}`)},
		"POST /api/v1/signing/verify-data":                         {dataCT, "", dataBody},
		"POST /api/v1/signing/batch":                               {"application/json", "", []byte(`{"documents":["x"],"options":{"key":"canbo"}}`)},
		"PUT /api/v1/forms/{code}":                                 {"application/json", "", []byte(`{"schema":1,"code":"KHAI_SINH","version":1,"title":"x","fields":[]}`)},
		"POST /api/v1/forms/{code}/validate":                       {"application/json", "", []byte(`{}`)},
		"POST /api/v1/forms/{code}/export":                         {"application/json", "", []byte(`{}`)},
		"POST /api/v1/forms/{code}/drafts":                         {"application/json", "", []byte(`{}`)},
		"PUT /api/v1/forms/{code}/drafts/{id}":                     {"application/json", "", []byte(`{}`)},
		"PUT /api/v1/calendar":                                     {"application/json", "", []byte(`{}`)},
		"GET /api/v1/dossier-book":                                 {"", "?from=2026-12-01&to=2026-12-07", nil},
		"GET /api/v1/stats/dossiers/export":                        {"", "?format=xlsx", nil},
		// Archive — Digitisation (arc-scanapi).
		"POST /api/v1/scans":              {scanCT, "", scanBody},
		"POST /api/v1/scans/{id}/confirm": {"application/json", "", []byte(`{"rev":1,"name":"x"}`)},
		// Archive — Retention, legal holds, disposal (arc-retention).
		"POST /api/v1/retention/documents/{id}/hold":    {"application/json", "", []byte(`{"reason":"x"}`)},
		"POST /api/v1/retention/documents/{id}/release": {"application/json", "", []byte(`{"reason":"x"}`)},
		"POST /api/v1/disposal-lists/{id}/submit":       {"application/json", "", []byte(`{}`)},
		"POST /api/v1/disposal-lists/{id}/decision":     {"application/json", "", []byte(`{"approve":true}`)},
		// Archive — Transfer (arc-bagit).
		"POST /api/v1/owners/{id}/import": {"application/x-tar", "", []byte("x")},
		// Reports — Report templates, saved and periodic reports (st-templates).
		"POST /api/v1/report-templates":     {"application/json", "", []byte(`{"name":"x","query":"","measures":["received"]}`)},
		"PUT /api/v1/report-templates/{id}": {"application/json", "", []byte(`{"name":"x","query":"","measures":["received"]}`)},
	}
	for _, rt := range e.server.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if status, ok := public[rt]; ok {
			c := call{method: method, path: path}
			if b, ok := bodies[rt]; ok {
				c.contentType, c.body = b.ct, b.body
			} else if method == "POST" {
				c.contentType, c.body = "application/pdf", pdf("x")
			}
			e.do(c).want(t, status, "")
			continue
		}
		if !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("route %s is outside /api/v1 and not public", rt)
		}
		p := strings.NewReplacer("/owners/{id}", "/owners/"+ownerA, "/documents/{id}", "/documents/"+d.ID, "/shares/{id}", "/shares/"+d.ID, "{n}", "1", "{code}", "KHAI_SINH",
			"{subject}", "canbo01", "{component}", "TO_KHAI", "{kind}", "receipt",
			"/disposal-lists/{id}", "/disposal-lists/"+d.ID, "{target}", "pdfa-2b", "/scans/{id}", "/scans/"+d.ID).Replace(path)
		b := bodies[rt]
		t.Run(rt, func(t *testing.T) {
			for _, c := range []struct {
				header string
				expect expectation
				code   string
			}{
				{"", specInvalid, "unauthenticated"},
				{"Basic " + "YWRtaW46YWRtaW4=", specInvalid, "unauthenticated"},
				{"Bearer not-a-token", specValid, "unauthenticated"},
				{"Bearer " + unknown, specValid, "unauthenticated"},
				{"Bearer " + revoked, specValid, "unauthenticated"},
				{"Bearer " + expired, specValid, "unauthenticated"},
			} {
				h := map[string]string{}
				if c.header != "" {
					h["Authorization"] = c.header
				}
				r := e.do(call{method: method, path: p + b.query, contentType: b.ct, body: b.body, header: h, expect: c.expect})
				r.want(t, 401, c.code)
				wa := r.header.Get("WWW-Authenticate")
				if !strings.HasPrefix(wa, `Bearer realm="kho"`) || strings.Contains(wa, `error="invalid_token"`) != (c.header != "") {
					t.Errorf("%q: WWW-Authenticate = %q", c.header, wa)
				}
			}
		})
	}
	// The document is untouched and nothing new was stored.
	var now document
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &now)
	if now.Rev != 1 || now.ReuseCount != 0 {
		t.Errorf("document changed: %+v", now)
	}
}
