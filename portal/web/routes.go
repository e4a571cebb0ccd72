package web

import "net/http"

// The pages' addresses (see the package comment).
const (
	PathHome    = "/"
	PathLookup  = "/tra-cuu"
	PathVerify  = "/xac-thuc"
	PathSignIn  = "/dang-nhap"
	PathMyVault = "/kho-cua-toi"
	// PathMyLedger is the citizen's access ledger.
	PathMyLedger = PathMyVault + "/nhat-ky"
	PathStatic   = "/static/"
	PathStaff    = "/can-bo"
	PathSignOut  = "/dang-xuat"
	// PathSessions lists one's sessions; POST …/thu-hoi ends one (field
	// id), POST …/thu-hoi-khac ends all but this one.
	PathSessions = "/tai-khoan/phien"
)

// routes is the one routes file: the standard library's method patterns.
func (h *Handler) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("GET "+PathLookup, h.lookup)
	m.HandleFunc("GET "+PathLookup+"/{code}", h.lookupCode)
	m.HandleFunc("GET "+PathVerify, h.verifyForm)
	m.HandleFunc("POST "+PathVerify, h.verifyUpload)
	m.HandleFunc("GET "+PathMyVault, h.myVault)
	m.HandleFunc("GET "+PathMyLedger, h.myLedger)
	m.HandleFunc("GET "+PathMyVault+"/{id}", h.myPaper)
	m.HandleFunc("GET "+PathMyVault+"/{id}/phien-ban/{n}", h.myPaperContent)
	m.HandleFunc("GET "+PathStaff, h.staffDesk)
	m.HandleFunc("GET "+PathStaff+"/ho-so/{code}", h.staffDossier)
	m.HandleFunc("POST "+PathStaff+"/ho-so/{code}", h.staffAct)
	m.HandleFunc("GET "+PathStaff+"/ho-so/{code}/phieu/{kind}", h.staffSlip)
	m.HandleFunc("GET "+PathSignIn, h.signInForm)
	m.HandleFunc("POST "+PathSignIn, h.signIn)
	m.HandleFunc("POST "+PathSignOut, h.signOut)
	m.HandleFunc("GET "+PathSessions, h.sessions)
	m.HandleFunc("POST "+PathSessions+"/thu-hoi", h.revokeSession)
	m.HandleFunc("POST "+PathSessions+"/thu-hoi-khac", h.revokeOtherSessions)
	// Citizen dossiers: start, fill, attach, draft, submit (web-dossier).
	m.HandleFunc("GET "+PathProcedures, h.procedures)
	m.HandleFunc("GET "+PathProcedures+"/{procedure}", h.procedure)
	m.HandleFunc("POST "+PathProcedures+"/{procedure}", h.startDossier)
	m.HandleFunc("GET "+draftPrefix+"{code}/soan", h.dossierDraft)
	m.HandleFunc("POST "+draftPrefix+"{code}/soan", h.saveDraft)
	m.HandleFunc("GET "+draftPrefix+"{code}/da-nop", h.dossierSent)

	// Citizen dossiers: follow, trail, results (web-follow).
	m.HandleFunc("GET "+PathMyDossiers, h.myDossiers)
	m.HandleFunc("GET "+PathMyDossiers+"/{code}", h.myDossier)
	m.HandleFunc("POST "+PathMyDossiers+"/{code}", h.myDossierAct)
	m.HandleFunc("POST "+PathMyDossiers+"/{code}/thanh-phan/{comp}", h.myDossierUpload)
	m.HandleFunc("GET "+PathMyDossiers+"/{code}/phieu/{kind}", h.myDossierSlip)

	// Sharing and storage (web-share).
	m.HandleFunc("GET "+PathMyShares, h.myShares)
	m.HandleFunc("POST "+PathMyVault+"/{id}/chia-se", h.sharePaper)
	m.HandleFunc("POST "+PathMyShares+"/{share}/thu-hoi", h.revokeShare)
	m.HandleFunc("GET "+PathMyVault+"/{id}/phien-ban/{n}/pdf", h.myPaperRendition)
	m.HandleFunc("GET "+PathShared, h.sharedWithMe)
	m.HandleFunc("GET "+PathShared+"/{id}", h.sharedPaper)
	m.HandleFunc("GET "+PathShared+"/{id}/tep", h.sharedContent)
	m.HandleFunc("GET "+PathShared+"/{id}/pdf", h.sharedRendition)

	// Staff signing and digitising (web-sign).
	m.HandleFunc("POST "+PathSignMany, h.signMany)
	m.HandleFunc("GET "+PathDigitise, h.digitiseForm)
	m.HandleFunc("POST "+PathDigitise, h.digitise)

	// Administration (web-admin).
	m.HandleFunc("GET "+PathAdmin, h.adminIndex)
	m.HandleFunc("GET "+PathAdminUsers, h.adminUsers)
	m.HandleFunc("POST "+PathAdminUsers, h.adminAddUser)
	m.HandleFunc("POST "+PathAdminUsers+"/{username}/mat-khau", h.adminResetPassword)
	m.HandleFunc("POST "+PathAdminUsers+"/{username}/khoa", h.adminDisableUser)
	m.HandleFunc("GET "+PathAdminTokens, h.adminTokens)
	m.HandleFunc("POST "+PathAdminTokens, h.adminCreateToken)
	m.HandleFunc("POST "+PathAdminTokens+"/{id}/thu-hoi", h.adminRevokeToken)
	m.HandleFunc("GET "+PathAdminAgencies, h.adminAgencies)
	m.HandleFunc("POST "+PathAdminAgencies, h.adminAddAgency)
	m.HandleFunc("GET "+PathAdminAgencies+"/{code}", h.adminAgency)
	m.HandleFunc("POST "+PathAdminAgencies+"/{code}", h.adminSaveAgency)
	m.HandleFunc("POST "+PathAdminAgencies+"/{code}/can-bo", h.adminSaveStaff)
	m.HandleFunc("GET "+PathAdminProcedures, h.adminProcedures)
	m.HandleFunc("POST "+PathAdminProcedures+"/danh-muc", h.adminLoadCatalog)
	m.HandleFunc("GET "+PathAdminProcedures+"/{code}", h.adminProcedure)
	m.HandleFunc("GET "+PathAdminTypes, h.adminTypes)
	m.HandleFunc("GET "+PathAdminTypes+"/{code}", h.adminType)
	m.HandleFunc("POST "+PathAdminTypes+"/{code}", h.adminSaveType)
	m.HandleFunc("GET "+PathAdminForms, h.adminForms)
	m.HandleFunc("POST "+PathAdminForms, h.adminPublishForm)
	m.HandleFunc("GET "+PathAdminForms+"/{code}", h.adminFormDef)
	m.HandleFunc("GET "+PathAdminCalendar, h.adminCalendar)
	m.HandleFunc("POST "+PathAdminCalendar, h.adminSaveCalendar)

	// Archive: the archivists' pages (web-archive).
	m.HandleFunc("GET "+PathArchive, h.archiveIndex)

	// Archive — Conversion (arc-convert).
	m.HandleFunc("GET "+PathArchiveConvert, h.archiveConvertForm)
	m.HandleFunc("POST "+PathArchiveConvert, h.archiveConvert)

	// Archive — Digitisation (arc-digitise).
	m.HandleFunc("GET "+PathArchiveScan, h.archiveScanForm)
	m.HandleFunc("POST "+PathArchiveScan, h.archiveScan)
	m.HandleFunc("GET "+PathArchiveScan+"/{id}", h.archiveScanReview)
	m.HandleFunc("POST "+PathArchiveScan+"/{id}", h.archiveScanConfirm)
	m.HandleFunc("GET "+PathArchiveScan+"/{id}/tep", h.archiveScanPDF)

	// Archive — Paper copies (arc-paper).
	m.HandleFunc("GET "+PathArchivePaper, h.archivePaperForm)
	m.HandleFunc("POST "+PathArchivePaper, h.archivePaperPrint)

	// Archive — Retention, legal holds, disposal (arc-retention).
	m.HandleFunc("GET "+PathRetention, h.retention)
	m.HandleFunc("POST "+PathRetention, h.retentionHold)
	m.HandleFunc("GET "+PathDisposal, h.disposal)
	m.HandleFunc("GET "+PathDisposal+"/{id}", h.disposalList)
	m.HandleFunc("POST "+PathDisposal+"/{id}", h.disposalAct)

	// Archive — Fixity (arc-fixity).
	m.HandleFunc("GET "+PathArchiveFixity, h.archiveFixity)

	// Archive — Transfer: BagIt export and import (arc-bagit).
	m.HandleFunc("GET "+PathTransfer, h.transferForm)
	m.HandleFunc("POST "+PathTransferExport, h.transferExport)
	m.HandleFunc("POST "+PathTransferImport, h.transferImport)
	m.HandleFunc("GET "+PathMyVaultBag, h.myVaultBag)

	// Archive — Long-term validation renewal (arc-ltv).
	m.HandleFunc("GET "+PathRenewals, h.archiveRenewals)
	m.HandleFunc("POST "+PathRenewals, h.archiveRenew)

	// Reports and statistics (issue 13), one section for each part.
	// Reports — Vault statistics (st-vault).
	m.HandleFunc("GET "+PathVaultStats, h.vaultStats)

	// Reports — EMC feed (st-emc).
	m.HandleFunc("GET "+PathEMC, h.reportsEMC)
	m.HandleFunc("POST "+PathEMC, h.reportsEMCRetry)

	// Reports — Exports and printing (st-export).
	m.HandleFunc("GET "+PathDossierStats, h.dossierStats)

	// Reports — Report templates, saved and periodic reports (st-templates).
	m.HandleFunc("GET "+PathReportTemplates, h.reportTemplates)
	m.HandleFunc("GET "+PathReportTemplateNew, h.reportTemplateNew)
	m.HandleFunc("POST "+PathReportTemplateNew, h.reportTemplateCreate)
	m.HandleFunc("GET "+PathReportTemplates+"/{id}", h.reportTemplateEdit)
	m.HandleFunc("POST "+PathReportTemplates+"/{id}", h.reportTemplateSave)
	m.HandleFunc("GET "+PathReportTemplates+"/{id}/chay", h.reportTemplateRun)
	m.HandleFunc("GET "+PathReportTemplates+"/{id}/ky", h.reportTemplateRuns)
	m.HandleFunc("GET "+PathReportTemplates+"/{id}/ky/{run}", h.reportRun)

	// Reports — Charts, leaders' dashboard, public statistics (st-dash).
	m.HandleFunc("GET "+PathPublicStats, h.publicStats)
	m.HandleFunc("GET "+PathReports, h.reportsIndex)
	m.HandleFunc("GET "+PathDashboard, h.dashboard)

	if h.cfg.OIDC != nil {
		h.oidcHandler().Register(m)
	}
	m.HandleFunc("GET "+PathStatic+"{file}", h.static)
	m.HandleFunc("/", h.notFound)
	return m
}
