package workflow

import "context"

// The store interfaces the workflow consumes. storage/sqlite and
// storage/mongo implement them; workflow/workflowtest is the conformance
// suite both pass. Every method is one atomic change of one record, or an
// idempotent insert; there are no multi-record transactions.
//
// Error kinds (internal/kerr): NotFound when the record does not exist;
// Conflict when an insert finds the key taken or a guarded update finds
// another status or revision (code "dossier_changed" for dossiers);
// Invalid for a page size outside 1..1000; Unavailable when the server
// cannot be reached; Internal otherwise. Times come back in UTC truncated
// to milliseconds.

// CatalogStore keeps agencies, procedures and process versions.
type CatalogStore interface {
	// PutAgency inserts or replaces the agency with a.Code.
	PutAgency(ctx context.Context, a Agency) error
	// GetAgency returns one agency. NotFound if none.
	GetAgency(ctx context.Context, code string) (Agency, error)
	// ListAgencies returns every agency ordered by Code.
	ListAgencies(ctx context.Context) ([]Agency, error)
	// PutProcedureRecord inserts or replaces the procedure with p.Code.
	// (The names differ from the vault's CatalogStore, which a driver
	// implements too: it keeps the vault's component mapping.)
	PutProcedureRecord(ctx context.Context, p Procedure) error
	// GetProcedureRecord returns one procedure. NotFound if none.
	GetProcedureRecord(ctx context.Context, code string) (Procedure, error)
	// ListProcedureRecords returns every procedure ordered by Code.
	ListProcedureRecords(ctx context.Context) ([]Procedure, error)
	// AddProcess inserts p. Conflict if p.Procedure has a version p.Version.
	AddProcess(ctx context.Context, p Process) error
	// GetProcess returns version v of a procedure's process; v 0 is the
	// highest. NotFound if none.
	GetProcess(ctx context.Context, procedure string, v int) (Process, error)
}

// StaffStore keeps the staff directory.
type StaffStore interface {
	// PutStaff inserts or replaces the entry of m.Subject.
	PutStaff(ctx context.Context, m Staff) error
	// GetStaff returns one entry. NotFound if none.
	GetStaff(ctx context.Context, subject string) (Staff, error)
	// ListStaff returns the entries of an agency ("" = all) ordered by Subject.
	ListStaff(ctx context.Context, agency string) ([]Staff, error)
}

// DossierQuery selects dossiers for a listing, newest first (by
// Dossier.SortKey descending). Exactly one of Party and Agency is set.
type DossierQuery struct {
	// Party selects the dossiers whose applicant or representative has
	// this ID (a citizen's own).
	Party string
	// Agency selects the dossiers received or handled by this agency;
	// Status and Assignee narrow them.
	Agency   string
	Status   Status
	Assignee string
	// After is the SortKey of the last dossier of the previous page.
	After string
	// Limit is the page size (1..1000).
	Limit int
}

// DossierStore keeps dossiers and the per-agency, per-day counters of
// their codes.
//
// The stored record is indexed for the listings and the search that
// come later: by applicant or representative, by agency (receiving and
// competent) with status, by assignee with status, by due date, by
// reception date, by procedure and by the applicant's folded name
// (Dossier.ApplicantFold).
type DossierStore interface {
	// NextDossierNumber atomically increments and returns the counter of
	// agency on day (YYMMDD), starting at 1: under any concurrency, across
	// processes sharing the store, no number is given twice.
	NextDossierNumber(ctx context.Context, agency, day string) (int64, error)
	// CreateDossier inserts d. Conflict if d.Code exists.
	CreateDossier(ctx context.Context, d Dossier) error
	// GetDossier returns one dossier. NotFound if none.
	GetDossier(ctx context.Context, code string) (Dossier, error)
	// UpdateDossier replaces the dossier d.Code with d — only if the stored
	// record has Status from and Rev d.Rev-1; d.Rev must be the stored
	// Rev + 1. Conflict "dossier_changed" otherwise, NotFound if none.
	UpdateDossier(ctx context.Context, d Dossier, from Status) error
	// ListDossiers returns at most q.Limit dossiers and whether more follow.
	ListDossiers(ctx context.Context, q DossierQuery) ([]Dossier, bool, error)
}

// Store is everything the workflow needs of a metadata store.
type Store interface {
	CatalogStore
	StaffStore
	DossierStore
}
