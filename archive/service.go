package archive

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// Config holds the vault's limits.
type Config struct {
	// MaxUploadBytes is the largest file accepted (default 50 MB = 50<<20).
	MaxUploadBytes int64
	// DefaultQuotaBytes is the quota of an owner whose QuotaBytes is 0
	// (default 5 GiB; negative = unlimited).
	DefaultQuotaBytes int64
	// BlobGrace is how old an unreferenced blob must be before it is
	// collected (default 24h).
	BlobGrace time.Duration
	// AllowedMediaTypes is the list of accepted content types (default:
	// PDF, PNG, JPEG, TIFF, DOCX, XLSX, ODT, ODS, XML, JSON, plain text).
	AllowedMediaTypes []string
}

// Upload is the content of a new document or version, streamed.
type Upload struct {
	Body io.Reader
	// Size is the declared length (e.g. Content-Length), or -1 if unknown.
	// When given, a body of another length is refused (a cut-off upload).
	Size int64
	// FileName is the client's file name: a base name only, no path, no
	// control characters (else Invalid "invalid_file_name").
	FileName string
	// MediaType is the declared type; "" or "application/octet-stream"
	// means "detect it". A declared type the content does not match is
	// refused (Invalid "content_type_mismatch").
	MediaType string
}

// NewDocument is what Put needs to store a new paper.
type NewDocument struct {
	OwnerID string
	Source  Source // "" = SourceUpload
	Metadata
	Upload
}

// MetadataPatch changes a document's metadata; nil fields stay as they are.
type MetadataPatch struct {
	TypeCode      *string         `json:"typeCode,omitempty"`
	Name          *string         `json:"name,omitempty"`
	Summary       *string         `json:"summary,omitempty"`
	Number        *string         `json:"number,omitempty"`
	Issuer        *string         `json:"issuer,omitempty"`
	IssueDate     *Date           `json:"issueDate,omitempty"`
	ValidFrom     *Date           `json:"validFrom,omitempty"`
	ValidUntil    *Date           `json:"validUntil,omitempty"`
	Permanent     *bool           `json:"permanent,omitempty"`
	ValidityScope *string         `json:"validityScope,omitempty"`
	Status        *Status         `json:"status,omitempty"`
	Fields        *map[string]any `json:"fields,omitempty"`
}

// ListQuery is a caller's search of one owner's vault.
type ListQuery struct {
	OwnerID  string
	TypeCode string
	// Status may be valid, superseded, revoked or expired (derived).
	Status Status
	// Text is free words; each must occur in the name or summary, ignoring
	// case and Vietnamese diacritics.
	Text    string
	ValidOn Date
	Cursor  string // from the previous Page.Next
	Limit   int    // default 50, at most 1000
}

// Page is one page of documents; Next is "" on the last page.
type Page struct {
	Documents []Document `json:"documents"`
	Next      string     `json:"next,omitempty"`
}

// Access says why a document is being read, for the ledger.
type Access struct {
	Purpose string // free text, e.g. "xem", "thẩm định hồ sơ"
	Dossier string // dossier code, if any
}

// Content is an open version of a document, ready to serve: ReadSeeker
// reads the blob lazily with range reads (suited to http.ServeContent).
type Content struct {
	Document Document
	Version  Version
	io.ReadSeekCloser
}

// ReuseRequest asks to reuse a document in a dossier.
type ReuseRequest struct {
	Dossier string `json:"dossier"`           // required
	Version int    `json:"version,omitempty"` // 0 = current
	Purpose string `json:"purpose,omitempty"`
}

// OwnerStats is the storage and reuse picture of one vault (2025 items 28.3, 28.5).
type OwnerStats struct {
	OwnerID       string     `json:"ownerId"`
	UsedBytes     int64      `json:"usedBytes"`
	QuotaBytes    int64      `json:"quotaBytes"` // effective quota; -1 = unlimited
	DocumentCount int64      `json:"documentCount"`
	Reuses        int64      `json:"reuses"`
	ByType        []TypeStat `json:"byType"`
}

// AuditReport is the outcome of checking every ledger chain.
type AuditReport struct {
	Chains   int            `json:"chains"`
	Entries  int64          `json:"entries"`
	Problems []AuditProblem `json:"problems"`
}

// AuditProblem is one broken link: a changed, missing or extra entry.
type AuditProblem struct {
	Chain  string `json:"chain"`
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"` // English: "hash mismatch", "missing entry", "prevHash mismatch", "head missing"
}

// OwnerInput registers an owner.
type OwnerInput struct {
	Kind           OwnerKind `json:"kind"`
	IdentityNumber string    `json:"identityNumber,omitempty"`
	Name           string    `json:"name,omitempty"`
	BirthYear      int       `json:"birthYear,omitempty"`
	IDIssueDate    Date      `json:"idIssueDate,omitzero"`
	IDIssuer       string    `json:"idIssuer,omitempty"`
}

// Blobs is what the vault needs of the blob store (storage.Bucket satisfies it).
type Blobs interface {
	// Put stores r's bytes (at most max; TooLarge beyond) and returns their
	// SHA-256 (hex) and size. Existing content is not rewritten.
	Put(ctx context.Context, r io.Reader, max int64) (hash string, size int64, err error)
	// OpenRange reads length bytes from off (length < 0: to the end).
	OpenRange(ctx context.Context, hash string, off, length int64) (io.ReadCloser, error)
	// Delete removes a blob. NotFound if absent.
	Delete(ctx context.Context, hash string) error
	// NewReadSeeker reads a blob of the given size lazily with range reads
	// (suited to http.ServeContent; never the whole blob in memory).
	NewReadSeeker(ctx context.Context, hash string, size int64) io.ReadSeekCloser
	// List calls fn for every blob with its size and modification time.
	List(ctx context.Context, fn func(hash string, size int64, mod time.Time) error) error
}

// Service is the vault. Every method checks the actor's right first:
// a citizen acts only on their own owner ID; staff and admin on any owner;
// catalogue changes and quotas need admin. A citizen asking for another
// owner's document gets NotFound (never Permission), so that IDs leak nothing.
type Service struct {
	store Store
	blobs Blobs
	cfg   Config
	log   *slog.Logger
	now   Clock
}

// New returns the vault over store and blobs. A nil log discards; a nil
// clock is time.Now.
func New(store Store, blobs Blobs, cfg Config, log *slog.Logger, now Clock) *Service {
	panic("TODO")
}

// Config returns the effective configuration (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

// RegisterOwner creates an owner (staff/admin, or a citizen registering
// themselves). Invalid "invalid_identity_number" for a malformed personal ID;
// Conflict "owner_exists" if present.
func (s *Service) RegisterOwner(ctx context.Context, a Actor, in OwnerInput) (Owner, error) {
	panic("archive: not implemented yet")
}

// Owner returns an owner's record.
func (s *Service) Owner(ctx context.Context, a Actor, id string) (Owner, error) {
	panic("archive: not implemented yet")
}

// Put stores a new document: validates metadata (type code known, typed
// fields match the type, dates consistent, name present), checks the quota,
// streams the content into the blob store (refusing empty, oversize,
// mismatched or cut-off content), then writes the metadata, then the ledger.
// A citizen's own owner record is created on first use.
func (s *Service) Put(ctx context.Context, a Actor, nd NewDocument) (Document, error) {
	panic("archive: not implemented yet")
}

// AddVersion stores new content for a document as a new version.
// expectedRev 0 means "whatever is current" (retried on conflict).
func (s *Service) AddVersion(ctx context.Context, a Actor, id string, expectedRev int64, up Upload) (Document, error) {
	panic("archive: not implemented yet")
}

// UpdateMetadata applies p as a new (metadata) version.
func (s *Service) UpdateMetadata(ctx context.Context, a Actor, id string, expectedRev int64, p MetadataPatch) (Document, error) {
	panic("archive: not implemented yet")
}

// Get returns a document's metadata and records a "read" in the ledger.
func (s *Service) Get(ctx context.Context, a Actor, id string, acc Access) (Document, error) {
	panic("archive: not implemented yet")
}

// Open opens version n (0 = current) for download and records a "download".
func (s *Service) Open(ctx context.Context, a Actor, id string, n int, acc Access) (*Content, error) {
	panic("archive: not implemented yet")
}

// Versions lists every version of a document, oldest first.
func (s *Service) Versions(ctx context.Context, a Actor, id string) ([]Version, error) {
	panic("archive: not implemented yet")
}

// List searches one owner's documents.
func (s *Service) List(ctx context.Context, a Actor, q ListQuery) (Page, error) {
	panic("archive: not implemented yet")
}

// FindReusable returns the owner's documents that are valid on day (zero =
// today) and of typeCode — or, when typeCode names a procedure component as
// "PROCEDURE/COMPONENT", of any type mapped to it (2025 items 28.2, 29.1).
func (s *Service) FindReusable(ctx context.Context, a Actor, ownerID, typeCode string, day Date) ([]Document, error) {
	panic("archive: not implemented yet")
}

// Reuse records that a document is reused in a dossier, counts it, and
// appends a "reuse" ledger entry. Refuses documents that are not valid.
func (s *Service) Reuse(ctx context.Context, a Actor, id string, r ReuseRequest) (ReuseRecord, error) {
	panic("archive: not implemented yet")
}

// Reuses lists a document's reuse records.
func (s *Service) Reuses(ctx context.Context, a Actor, id string) ([]ReuseRecord, error) {
	panic("archive: not implemented yet")
}

// Ledger lists an owner's ledger entries (documentID "" = all), in order.
func (s *Service) Ledger(ctx context.Context, a Actor, ownerID, documentID string, afterSeq int64, limit int) ([]LedgerEntry, bool, error) {
	panic("archive: not implemented yet")
}

// Stats returns one owner's statistics.
func (s *Service) Stats(ctx context.Context, a Actor, ownerID string) (OwnerStats, error) {
	panic("archive: not implemented yet")
}

// SystemStats returns per-type counts over all owners (staff/admin).
func (s *Service) SystemStats(ctx context.Context, a Actor) ([]TypeStat, error) {
	panic("archive: not implemented yet")
}

// SetQuota sets an owner's quota (admin).
func (s *Service) SetQuota(ctx context.Context, a Actor, ownerID string, quotaBytes int64) error {
	panic("archive: not implemented yet")
}

// PutDocumentType adds or replaces a catalogue entry (admin).
func (s *Service) PutDocumentType(ctx context.Context, a Actor, t DocumentType) (DocumentType, error) {
	panic("archive: not implemented yet")
}

// DocumentType returns one catalogue entry (anyone authenticated).
func (s *Service) DocumentType(ctx context.Context, a Actor, code string) (DocumentType, error) {
	panic("archive: not implemented yet")
}

// DocumentTypes lists the catalogue.
func (s *Service) DocumentTypes(ctx context.Context, a Actor) ([]DocumentType, error) {
	panic("archive: not implemented yet")
}

// PutProcedure adds or replaces a procedure's component mapping (admin);
// every type code it names must be in the catalogue.
func (s *Service) PutProcedure(ctx context.Context, a Actor, p Procedure) (Procedure, error) {
	panic("archive: not implemented yet")
}

// Procedure returns one procedure.
func (s *Service) Procedure(ctx context.Context, a Actor, code string) (Procedure, error) {
	panic("archive: not implemented yet")
}

// Procedures lists procedures.
func (s *Service) Procedures(ctx context.Context, a Actor) ([]Procedure, error) {
	panic("archive: not implemented yet")
}

// LoadCatalog reads a catalogue file (JSON: {"documentTypes": [...],
// "procedures": [...]}) and puts every entry (admin).
func (s *Service) LoadCatalog(ctx context.Context, a Actor, r io.Reader) (types, procedures int, err error) {
	panic("archive: not implemented yet")
}

// VerifyLedger walks every chain and reports changed, missing and
// reordered entries and chains cut short of their head.
func (s *Service) VerifyLedger(ctx context.Context) (AuditReport, error) {
	panic("archive: not implemented yet")
}

// CollectGarbage deletes blobs that no version references and that are
// older than the grace period; it returns how many it deleted.
func (s *Service) CollectGarbage(ctx context.Context) (int, error) {
	panic("archive: not implemented yet")
}
