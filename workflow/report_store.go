package workflow

import "context"

// ReportStore keeps report templates and their periodic runs
// (report_template.go, report_periodic.go). Every change is one guarded
// single-record update or an insert whose key settles races.
//
// The stored records are indexed: templates by ScopeKey and ID (a
// person's list costs their templates, never the whole store) and by
// Schedule and ID (the periodic job reads the scheduled ones in ID order
// from its cursor); runs by template and ID.
//
// Error kinds (internal/kerr): NotFound when the record does not exist;
// Conflict "report_template_changed" when an update or delete finds
// another revision, "report_template_exists" or "report_run_exists" when
// an insert finds the key taken; Invalid for a limit outside 1..1000;
// Unavailable when the server cannot be reached; Internal otherwise.
// Times come back in UTC truncated to milliseconds.
type ReportStore interface {
	// CreateReportTemplate inserts t (t.Rev 1). Conflict if t.ID exists.
	CreateReportTemplate(ctx context.Context, t ReportTemplate) error
	// GetReportTemplate returns one template. NotFound if none.
	GetReportTemplate(ctx context.Context, id string) (ReportTemplate, error)
	// UpdateReportTemplate replaces the template t.ID with t, only if the
	// stored Rev is t.Rev-1. Conflict otherwise; NotFound if none.
	UpdateReportTemplate(ctx context.Context, t ReportTemplate) error
	// DeleteReportTemplate deletes template id, only if its Rev is rev.
	// Conflict otherwise; NotFound if none.
	DeleteReportTemplate(ctx context.Context, id string, rev int64) error
	// ListReportTemplates returns at most limit templates of a ScopeKey
	// whose ID sorts after after, in ID order, and whether more follow.
	ListReportTemplates(ctx context.Context, scopeKey, after string, limit int) ([]ReportTemplate, bool, error)
	// ScheduledReportTemplates returns at most limit templates with a
	// Schedule whose ID sorts after after, in ID order.
	ScheduledReportTemplates(ctx context.Context, after string, limit int) ([]ReportTemplate, error)
	// CreateReportRun inserts r. Conflict "report_run_exists" if r.ID (one
	// per template and period) exists.
	CreateReportRun(ctx context.Context, r ReportRun) error
	// GetReportRun returns one run. NotFound if none.
	GetReportRun(ctx context.Context, id string) (ReportRun, error)
	// ListReportRuns returns at most limit runs of a template whose ID
	// sorts before before ("": from the last), in descending ID order —
	// the latest period first (RunID) — and whether more follow.
	ListReportRuns(ctx context.Context, template, before string, limit int) ([]ReportRun, bool, error)
}
