package workflow

import (
	"context"
	"time"
)

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
// Dossier.SortKey descending), or for a count (CountDossiers: After and
// Limit unused). Exactly one of Party and Agency is set; every other
// field set narrows the selection (and).
type DossierQuery struct {
	// Party selects the dossiers whose applicant or representative has
	// this ID (a citizen's own).
	Party string
	// Agency selects the dossiers received or handled by this agency
	// (Side narrows it to one of the two).
	Agency string
	Side   AgencySide
	// Status, or any of Statuses (both set: either).
	Status   Status
	Statuses []Status
	// Stage, or any of Stages (both set: either), narrows to the
	// dossiers being processed at that stage.
	Stage  Stage
	Stages []Stage
	// Handling narrows to the dossiers this agency is competent for
	// (with Agency: received there, handled here).
	Handling string
	Assignee string
	// Procedure and Field (lĩnh vực) select by the procedure.
	Procedure string
	Field     string
	// ReceivedFrom and ReceivedBefore bound the reception time: [from,
	// before). DueFrom and DueBefore bound the due time the same way; a
	// dossier without a due time matches neither bound. Bounds count to
	// the millisecond, as stored times do.
	ReceivedFrom, ReceivedBefore time.Time
	DueFrom, DueBefore           time.Time
	// Words are NameKeys: each must begin one of the dossier's name keys
	// (Dossier.NameKeys), so "p:nguyen" matches a person named Nguyễn.
	Words []string
	// After is the SortKey of the last dossier of the previous page.
	After string
	// Limit is the page size (1..1000).
	Limit int
}

// AgencySide says which agency of a dossier DossierQuery.Agency is.
type AgencySide string

// The sides.
const (
	SideEither    AgencySide = ""          // the receiving or the competent agency
	SideReceiving AgencySide = "receiving" // Dossier.Agency
	SideHandling  AgencySide = "handling"  // Dossier.HandlingAgency
)

// DossierStore keeps dossiers and the per-agency, per-day counters of
// their codes.
//
// The stored record is indexed for the listings, counts and search: by
// applicant or representative; by agency (receiving, competent) with
// status, stage and due time; by assignee likewise; by reception time,
// procedure and field within an agency; and by name key
// (Dossier.NameKeys, fixed when the dossier is created).
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
	// CountDossiers counts the dossiers q selects, reading indexes only
	// as far as the query's bounds: a count of an agency's dossiers in a
	// status costs the matching entries, never the whole store.
	CountDossiers(ctx context.Context, q DossierQuery) (int64, error)
	// DossiersDueBefore returns at most limit (1..1000) dossiers whose
	// WatchKey is not "" and sorts after after ("" = from the first) and
	// below WatchKeyBefore(before), in WatchKey order, from an index of
	// the watch keys that holds only the dossiers whose clock runs: what
	// the deadline scan reads costs the dossiers due before before, never
	// the whole store.
	DossiersDueBefore(ctx context.Context, before time.Time, after string, limit int) ([]Dossier, error)
}

// Store is everything the workflow needs of a metadata store.
type Store interface {
	CatalogStore
	StaffStore
	DossierStore
	// Reports and statistics (issue 13).
	// Reports — Dossier statistics engine (st-engine).
	StatsStore
	// Reports — EMC feed (st-emc).
	// Reports — Report templates, saved and periodic reports (st-templates).
	ReportStore
}
