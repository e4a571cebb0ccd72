package workflow

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// Vault is what the workflow needs of the vault (archive.Service is one):
// the catalogue it shares with it, storing uploaded components, reusing
// papers, and reading the vault for eForm pre-filling. Every call is made
// as the actor of the request, so the vault's own rules apply (a citizen
// reaches only their own vault) and its ledger records who did it.
type Vault interface {
	DocumentType(ctx context.Context, a archive.Actor, code string) (archive.DocumentType, error)
	PutProcedure(ctx context.Context, a archive.Actor, p archive.Procedure) (archive.Procedure, error)
	LoadCatalog(ctx context.Context, a archive.Actor, r io.Reader) (types, procedures int, err error)
	Put(ctx context.Context, a archive.Actor, nd archive.NewDocument) (archive.Document, error)
	ReuseVersion(ctx context.Context, a archive.Actor, id string, r archive.ReuseRequest) (archive.ReuseRecord, archive.Version, error)
	FormSource(a archive.Actor, acc archive.Access) forms.Vault
	ReadLedger
	OwnerRegistry
}

var _ Vault = (*archive.Service)(nil)

// Forms gives the published eForm definitions (forms.Registry is one).
type Forms interface {
	// Get returns version v of a definition (0: the latest). NotFound if none.
	Get(code string, v int) (*forms.Definition, error)
}

var _ Forms = (*forms.Registry)(nil)

// Config is what the service is made of. Store and Vault are required;
// the rest have defaults (Forms: none published).
type Config struct {
	Store Store
	Vault Vault
	Forms Forms
	// Deadlines computes due dates (default PlainDeadlines) when
	// Calendars is nil.
	Deadlines Deadlines
	// Calendars gives each agency's working-time calendar: due dates
	// are counted by the competent agency's (deadlinescan.go).
	Calendars Calendars
	// Notifier is told of each transition and lateness (nil: nobody is).
	Notifier Notifier
	// ApologyDelay is the working time after an overdue dossier is found
	// that its apology promises the result by (default DefaultApologyDelay).
	ApologyDelay time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NearDeadline is how close to its due time a dossier is "near its
	// deadline" in the counts (default DefaultNearDeadline).
	NearDeadline time.Duration
	// Log receives what goes wrong in the background of a request (default: discard).
	Log *slog.Logger
	// Printer prints the slips and the tracking book (nil: they are
	// Unavailable "converter_unavailable").
	Printer Printer
	// Results makes and issues dossiers' results (IssueResult); nil: the
	// sign action moves the dossier without issuing a paper.
	Results *Results
	// PublicLookupTTL is how long a public status is answered from
	// memory (default DefaultPublicLookupTTL; negative: never).
	PublicLookupTTL time.Duration
}

// Service is the dossier lifecycle. Every method takes the actor of the
// request first after ctx and checks their right before it reads
// anything else: a citizen sees only the dossiers they applied for (or
// for someone, as their representative) — NotFound "dossier_not_found"
// for any other, as for one that does not exist; staff see and act on
// the dossiers of their agency only (Permission "other_agency"), in the
// positions the staff directory gives them; admins manage the catalogue
// and the directory and read every dossier.
//
// Errors are kerr errors with a Vietnamese message: Invalid for bad
// input, Permission for a caller who may not, NotFound, Conflict
// ("illegal_transition", "dossier_changed") and what the stores return.
type Service struct {
	store        Store
	vault        Vault
	forms        Forms
	deadlines    Deadlines
	calendars    Calendars
	notifier     Notifier
	apologyDelay time.Duration
	now          func() time.Time
	near         time.Duration
	log          *slog.Logger
	printer      Printer
	results      *Results
	caches       caches
}

// New returns the service over cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, vault: cfg.Vault, forms: cfg.Forms, deadlines: cfg.Deadlines, now: cfg.Now, near: cfg.NearDeadline, log: cfg.Log,
		calendars: cfg.Calendars, notifier: cfg.Notifier, apologyDelay: cfg.ApologyDelay, printer: cfg.Printer, results: cfg.Results,
		caches: newCaches(cfg.PublicLookupTTL)}
	if s.apologyDelay <= 0 {
		s.apologyDelay = DefaultApologyDelay
	}
	if s.near <= 0 {
		s.near = DefaultNearDeadline
	}
	if s.deadlines == nil {
		s.deadlines = PlainDeadlines{}
	}
	if s.forms == nil { // no eForm is published: a component bound to one is refused, not a nil dereference
		s.forms = forms.NewRegistry()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// nowUTC is the clock in UTC, to the millisecond (what stores keep).
func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// checkActor refuses an unknown role or an empty subject.
func checkActor(a archive.Actor) error {
	if !a.Role.Valid() {
		return kerr.New(kerr.Permission, "invalid_role", "Vai trò người dùng không hợp lệ.", "role %q is not known", a.Role)
	}
	if strings.TrimSpace(a.Subject) == "" {
		return kerr.New(kerr.Permission, "invalid_actor", "Không xác định được người thực hiện.", "the actor has no subject")
	}
	return nil
}

func checkAdmin(a archive.Actor) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role != archive.RoleAdmin {
		return kerr.New(kerr.Permission, "admin_only", msgAdminOnly, "role %q may not do this", a.Role)
	}
	return nil
}

// member returns the caller's entry in the staff directory: Permission
// "not_in_staff_directory" when a staff account has none, or an inactive
// one; "agency_mismatch" when the caller's token acts for another agency
// (checkTokenAgency).
func (s *Service) member(ctx context.Context, a archive.Actor) (Staff, error) {
	m, err := s.store.GetStaff(ctx, a.Subject)
	if kerr.IsKind(err, kerr.NotFound) || (err == nil && !m.Active) {
		return Staff{}, kerr.New(kerr.Permission, "not_in_staff_directory", msgNotStaff, "staff %q has no active directory entry", a.Subject)
	}
	if err != nil {
		return Staff{}, storeErr("get staff", err)
	}
	if err := checkTokenAgency(a, m); err != nil {
		return Staff{}, err
	}
	return m, nil
}

// getAgency returns an agency, Invalid "unknown_agency" when it is not in
// the directory.
func (s *Service) getAgency(ctx context.Context, code string) (Agency, error) {
	ag, err := s.store.GetAgency(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		return Agency{}, invalid("unknown_agency", "Cơ quan không có trong danh mục cơ quan.", "agency %q is not known", code)
	}
	if err != nil {
		return Agency{}, storeErr("get agency", err)
	}
	return ag, nil
}

// getProcedure returns a procedure, NotFound "procedure_not_found" when
// there is none.
func (s *Service) getProcedure(ctx context.Context, code string) (Procedure, error) {
	if !codeRE.MatchString(code) {
		return Procedure{}, kerr.New(kerr.NotFound, "procedure_not_found", msgProcedureMissing, "procedure code %q is malformed", code)
	}
	p, err := s.store.GetProcedureRecord(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		return Procedure{}, kerr.New(kerr.NotFound, "procedure_not_found", msgProcedureMissing, "no procedure %q", code)
	}
	if err != nil {
		return Procedure{}, storeErr("get procedure", err)
	}
	return p, nil
}

// getProcess returns version v (0: the latest) of a procedure's process.
func (s *Service) getProcess(ctx context.Context, procedure string, v int) (Process, error) {
	p, err := s.store.GetProcess(ctx, procedure, v)
	if kerr.IsKind(err, kerr.NotFound) {
		return Process{}, kerr.New(kerr.NotFound, "process_not_found", "Thủ tục chưa có quy trình xử lý (hoặc không có phiên bản này).",
			"procedure %q has no process version %d", procedure, v)
	}
	if err != nil {
		return Process{}, storeErr("get process", err)
	}
	return p, nil
}

// refs checks the catalogue references of a record against the vault's
// document types and the published forms.
func (s *Service) refs(ctx context.Context, a archive.Actor) CatalogRefs {
	return CatalogRefs{
		TypeKnown: func(code string) (bool, error) {
			_, err := s.vault.DocumentType(ctx, a, code)
			if kerr.IsKind(err, kerr.NotFound) {
				return false, nil
			}
			return err == nil, err
		},
		FormKnown: func(code string) bool {
			_, err := s.forms.Get(code, 0)
			return err == nil
		},
	}
}
