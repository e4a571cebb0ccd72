package web

// The addresses of the reports and statistics pages (issue 13). Staff and
// admins find them from the reports index (PathReports); the public
// statistics page (PathPublicStats) is for anyone.
const (
	PathPublicStats     = "/thong-ke"
	PathReports         = "/bao-cao"
	PathDashboard       = PathReports + "/dieu-hanh"
	PathDossierStats    = PathReports + "/ho-so"
	PathVaultStats      = PathReports + "/kho"
	PathReportTemplates = PathReports + "/mau"
	PathEMC             = PathReports + "/emc"
)
