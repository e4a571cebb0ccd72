package archive

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage"
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
	// Verifier, when set, verifies the signatures of every PDF version
	// stored and keeps a summary with the version (see SignatureSummary).
	// Nil: versions are stored unchecked (Signature nil).
	Verifier Verifier
	// PDFBudget bounds the check of every PDF stored (checkPDF) as it bounds
	// a verification: its Pool is shared with the verifier's.
	PDFBudget signing.ParseBudget
	// VerifyTimeout bounds one verification on store (default 20 s); a
	// verification cut short gives INDETERMINATE/TRY_LATER, never a
	// failed upload.
	VerifyTimeout time.Duration
	// Ledger signs the ledger's checkpoints (checkpoint.go); zero: none.
	Ledger LedgerSigning
	// OnPaper, when set, is told after an agency issued, revoked or
	// superseded a paper, so that the owner can be notified (the hook of
	// issue 10's notifications). It runs on the caller's goroutine once
	// the change is durable; it must not block for long, and what it does
	// cannot undo the change.
	OnPaper func(ctx context.Context, e PaperEvent)
	// Renewal configures the renewal of long-term validation data
	// (ltv.go); zero: papers are found due but not renewed.
	Renewal RenewalConfig
	// Converter makes the renditions of office files and PDF/A (Convert);
	// nil: only images become (plain) PDF, other conversions answer
	// Unavailable "converter_unavailable".
	Converter RenditionConverter
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
	TypeCode      *string      `json:"typeCode,omitempty"`
	Name          *string      `json:"name,omitempty"`
	Summary       *string      `json:"summary,omitempty"`
	Number        *string      `json:"number,omitempty"`
	Issuer        *string      `json:"issuer,omitempty"`
	IssueDate     *Date        `json:"issueDate,omitempty"`
	ValidFrom     *Date        `json:"validFrom,omitempty"`
	ValidUntil    *Date        `json:"validUntil,omitempty"`
	Permanent     *bool        `json:"permanent,omitempty"`
	ValidityScope *string      `json:"validityScope,omitempty"`
	Status        *Status      `json:"status,omitempty"`
	Fields        *FieldValues `json:"fields,omitempty"`
}

// ListQuery is a caller's search of one owner's vault.
type ListQuery struct {
	OwnerID  string
	TypeCode string
	// Status may be valid, superseded, revoked or expired (derived).
	Status Status
	// Text is free words; each must occur in the search text (name,
	// summary, number, issuer, free-text typed fields: see SearchText),
	// ignoring case and Vietnamese diacritics.
	Text    string
	ValidOn Date
	// Signed, when set, keeps documents whose current version is (true)
	// or is not (false) known to be signed.
	Signed *bool
	Cursor string // from the previous Page.Next
	Limit  int    // default 50, at most 1000
}

// Page is one page of documents; Next is "" on the last page. A page may
// hold fewer documents than asked while Next is set (a word search that
// meets documents indexed by older rules, see Service.List).
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
// Its first Read that gets bytes records the download in the owner's
// ledger before returning them; when that fails it returns the error and
// no bytes (see Service.Open).
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
	// Procedure is the code of the dossier's procedure, when the caller
	// knows it (workflow does): kept in the reuse record for the vault
	// statistics (reuses per procedure, 2025 item 28.3).
	Procedure string `json:"-"`
	// Owner, when set, is whose paper it must be: the dossier's applicant
	// (Invalid "document_of_another_owner" otherwise, before anything is
	// recorded).
	Owner string `json:"-"`
	// TypeCodes, when set, are the types the paper must be of: the
	// component's (Invalid "document_type_mismatch" otherwise, before
	// anything is recorded).
	TypeCodes []string `json:"-"`
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

// AuditReport is the outcome of checking the ledger.
type AuditReport struct {
	Chains  int   `json:"chains"` // owners
	Lanes   int   `json:"lanes"`
	Entries int64 `json:"entries"`
	// Checkpoint is the latest checkpoint the ledger was checked against
	// (nil: none, or no key to check it with).
	Checkpoint *CheckpointInfo `json:"checkpoint,omitempty"`
	// LogSize is the number of leaves in the Merkle log.
	LogSize int64 `json:"logSize"`
	// Unanchored counts the entries newer than the checkpoint's lane heads:
	// only their hash chains protect them until the next checkpoint.
	Unanchored int64          `json:"unanchored"`
	Problems   []AuditProblem `json:"problems"`
}

// AuditProblem is one broken link: a changed, missing or extra entry, a
// lane gone, or a log that no longer matches a signed checkpoint (Chain
// "(checkpoint)", Seq the checkpoint's size).
type AuditProblem struct {
	Chain string `json:"chain"`
	Lane  string `json:"lane"`
	Seq   int64  `json:"seq"`
	// Reason in English: "hash mismatch", "missing entry", "prevHash
	// mismatch", "reordered entry", "differs from the checkpoint", "lane
	// deleted (covered by the checkpoint)", "log root differs from the
	// signed checkpoint", ...
	Reason string `json:"reason"`
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
	// PutClaimed is Put that calls claim with the hash before the blob is
	// committed or an existing copy is relied on; claim's error aborts it.
	PutClaimed(ctx context.Context, r io.Reader, max int64, claim func(ctx context.Context, hash string) error) (hash string, size int64, err error)
	// PutWith is PutClaimed that also hands the staged bytes to
	// hooks.Staged before it commits them, when the driver can read them
	// back (storage.PutHooks).
	PutWith(ctx context.Context, r io.Reader, max int64, hooks storage.PutHooks) (hash string, size int64, err error)
	// Collect deletes a blob unless keep, asked once the blob is out of
	// sight, says to keep it; it reports whether it deleted it. NotFound if
	// absent.
	Collect(ctx context.Context, hash string, keep func(ctx context.Context) (bool, error)) (bool, error)
	// SweepTrash settles the blobs a collector that stopped left out of
	// sight for longer than olderThan: restored if keep says so, else
	// deleted.
	SweepTrash(ctx context.Context, olderThan time.Duration, keep func(ctx context.Context, hash string) (bool, error)) (restored, deleted int, err error)
	// OpenRange reads length bytes from off (length < 0: to the end).
	OpenRange(ctx context.Context, hash string, off, length int64) (io.ReadCloser, error)
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
	// deferred is store with writes that return before they are durable,
	// and sync makes them durable (DeferredSyncer); without it, store and
	// a sync that does nothing.
	deferred Store
	sync     func(ctx context.Context) error
	blobs    Blobs
	cfg      Config
	log      *slog.Logger
	now      Clock

	lanes   *lanes // this process's ledger lanes and their tails
	schemas schemaCache

	leaders LeaderCheck // who is a leader, for the vault statistics (SetLeaderCheck)

	cleanups sync.WaitGroup // settling of finished uploads, after the answer
	settle   settler
	hooks    testHooks
}

// New returns the vault over store and blobs. A nil log discards; a nil
// clock is time.Now.
func New(store Store, blobs Blobs, cfg Config, log *slog.Logger, now Clock) *Service {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 50 << 20
	}
	if cfg.DefaultQuotaBytes == 0 {
		cfg.DefaultQuotaBytes = 5 << 30
	}
	if cfg.BlobGrace <= 0 {
		cfg.BlobGrace = 24 * time.Hour
	}
	if len(cfg.AllowedMediaTypes) == 0 {
		cfg.AllowedMediaTypes = defaultMediaTypes
	}
	cfg.AllowedMediaTypes = slices.Clone(cfg.AllowedMediaTypes)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	s := &Service{store: store, deferred: store, sync: func(context.Context) error { return nil },
		blobs: blobs, cfg: cfg, log: log, now: now, settle: settler{kick: make(chan struct{}, 1)}, lanes: newLanes()}
	if ds, ok := store.(DeferredSyncer); ok {
		s.deferred, s.sync = ds.Deferred(), ds.Sync
	}
	return s
}

// Config returns the effective configuration (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

// RegisterOwner creates an owner (staff/admin, or a citizen registering
// themselves). Invalid "invalid_identity_number" for a malformed personal ID;
// Conflict "owner_exists" if present.
func (s *Service) RegisterOwner(ctx context.Context, a Actor, in OwnerInput) (Owner, error) {
	if err := checkActor(a); err != nil {
		return Owner{}, err
	}
	id, err := OwnerKey(in)
	if err != nil {
		return Owner{}, err
	}
	if a.Role == RoleCitizen && id != a.Subject {
		return Owner{}, kerr.New(kerr.Permission, "not_own_vault", msgNotOwnVault,
			"a citizen may register only themselves (%q), not %q", a.Subject, id)
	}
	if err := checkDate("idIssueDate", in.IDIssueDate); err != nil {
		return Owner{}, err
	}
	if in.BirthYear != 0 && (in.BirthYear < 1800 || in.BirthYear > 9999) {
		return Owner{}, invalid("invalid_birth_year", "Năm sinh không hợp lệ.", "birth year %d out of range", in.BirthYear)
	}
	o := Owner{
		ID:             id,
		Kind:           in.Kind,
		IdentityNumber: strings.TrimSpace(in.IdentityNumber),
		Name:           strings.TrimSpace(in.Name),
		BirthYear:      in.BirthYear,
		IDIssueDate:    in.IDIssueDate,
		IDIssuer:       strings.TrimSpace(in.IDIssuer),
		CreatedAt:      s.nowUTC(),
		Rev:            1,
	}
	if err := checkText("name", o.Name, maxNameRunes, "name_too_long", "Họ tên hoặc tên tổ chức quá dài (tối đa 300 ký tự)."); err != nil {
		return Owner{}, err
	}
	if err := checkText("idIssuer", o.IDIssuer, maxShortRunes, "issuer_too_long", "Nơi cấp quá dài (tối đa 300 ký tự)."); err != nil {
		return Owner{}, err
	}
	if err := s.store.CreateOwner(ctx, o); err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			return Owner{}, kerr.New(kerr.Conflict, "owner_exists", "Chủ kho dữ liệu đã được đăng ký.", "owner %q exists", id)
		}
		return Owner{}, storeErr("create owner", err)
	}
	return o, nil
}

// Owner returns an owner's record; a staff or admin read is recorded in
// the owner's ledger ("profile") with acc's purpose, which it must give.
func (s *Service) Owner(ctx context.Context, a Actor, id string, acc Access) (Owner, error) {
	acc, err := readOwner(a, id, acc)
	if err != nil {
		return Owner{}, err
	}
	o, err := s.getOwner(ctx, id)
	if err != nil {
		return Owner{}, err
	}
	if err := s.recordView(ctx, a, ActionProfile, id, "", acc); err != nil {
		return Owner{}, err
	}
	return o, nil
}

// Put stores a new document: validates metadata (type code known, typed
// fields match the type, dates consistent, name present), checks the quota,
// streams the content into the blob store (refusing empty, oversize,
// mismatched or cut-off content) while charging it to the quota, then
// writes the metadata, then the ledger. A citizen's own owner record is
// created on first use (it is read while the type is looked up, so it is
// made even when the upload is then refused; it holds no document).
func (s *Service) Put(ctx context.Context, a Actor, nd NewDocument) (Document, error) {
	if err := checkActor(a); err != nil {
		return Document{}, err
	}
	ownerID := strings.TrimSpace(nd.OwnerID)
	if ownerID == "" && a.Role == RoleCitizen {
		ownerID = a.Subject
	}
	if err := canOwner(a, ownerID); err != nil {
		return Document{}, err
	}
	if nd.Source == "" {
		nd.Source = SourceUpload
	}
	if !nd.Source.Valid() {
		return Document{}, invalid("invalid_source", "Nguồn giấy tờ không hợp lệ.", "source %q is not known", nd.Source)
	}
	// The catalogue entry and the owner are independent reads: fetch them
	// at once (on a remote metadata store each is a round trip).
	var (
		owner    Owner
		ownerErr error
		fetched  = make(chan struct{})
	)
	go func() {
		defer close(fetched)
		owner, ownerErr = s.ensureOwner(ctx, a, ownerID)
	}()
	t, def, err := s.docType(ctx, nd.TypeCode)
	<-fetched
	if ownerErr != nil {
		return Document{}, ownerErr
	}
	if err != nil {
		return Document{}, err
	}
	meta, err := validateMetadata(nd.Metadata, t)
	if err != nil {
		return Document{}, err
	}
	if meta.Fields, err = validateFields(meta.Fields, def, s.now); err != nil {
		return Document{}, err
	}
	fileName, err := s.checkUploadHead(nd.Upload)
	if err != nil {
		return Document{}, err
	}
	limit := s.effectiveQuota(owner)
	if limit > 0 && nd.Size >= 0 && owner.UsedBytes+nd.Size > limit {
		return Document{}, errQuotaExceeded(owner.UsedBytes, nd.Size, limit)
	}
	return s.commitNew(ctx, a, newDoc{id: NewID(s.nowUTC()), owner: owner, limit: limit, source: nd.Source,
		meta: meta, def: def, up: nd.Upload, fileName: fileName, action: ActionCreate})
}

// newDoc is a validated new document for commitNew.
type newDoc struct {
	id       string
	owner    Owner
	limit    int64 // the owner's quota (effectiveQuota); -1: unlimited
	source   Source
	meta     Metadata
	def      *forms.Definition
	up       Upload
	fileName string
	issued   *IssuedBy
	// action and acc are the ledger entry that records the document.
	action Action
	acc    Access
	// claim, when set, runs once the content is stored and checked, just
	// before the metadata is written: an error, or a document it returns
	// (one stored already), ends the write with it.
	claim func(ctx context.Context) (*Document, error)
}

// commitNew streams p's content into the blob store under an intent,
// writes the document, then the ledger entry that records it (see Put).
func (s *Service) commitNew(ctx context.Context, a Actor, p newDoc) (Document, error) {
	in := s.newIntent(a, p.owner.ID, p.id, 1)
	in.NewDocument = true
	u, blob, sig, err := s.storeForCommit(ctx, in, p.owner, p.limit, p.up, p.fileName)
	if err != nil {
		return Document{}, err
	}
	if p.claim != nil {
		existing, err := p.claim(ctx)
		if err != nil || existing != nil {
			u.fail(ctx, true)
			if err != nil {
				return Document{}, err
			}
			return *existing, nil
		}
	}
	meta := p.meta
	now := s.nowUTC()
	d := Document{
		ID:       p.id,
		OwnerID:  p.owner.ID,
		Source:   p.source,
		Metadata: meta,
		Current: Version{
			N:         1,
			Blob:      blob.Hash,
			Size:      blob.Size,
			MediaType: blob.MediaType,
			FileName:  blob.FileName,
			Change:    "create",
			CreatedBy: a.Subject,
			CreatedAt: now,
			Meta:      meta,
			Signature: sig,
		},
		VersionCount: 1,
		CreatedBy:    a.Subject,
		CreatedAt:    now,
		UpdatedAt:    now,
		Rev:          1,
		IssuedBy:     p.issued,
	}
	indexText(&d, p.def)
	// The document is written deferred and made durable by the durable
	// write of the ledger entry that records it (the store's log is synced
	// in order): one wait for the disk instead of two. Only when no entry
	// was written does the upload sync by itself — so a store that stopped
	// syncing its commits (synchronous=NORMAL) still fails the durability
	// test instead of being covered up here.
	if err := s.deferred.CreateDocument(ctx, d); err != nil {
		u.fail(ctx, surely(err))
		if p.claim != nil && kerr.IsKind(err, kerr.Conflict) {
			// A concurrent retry of the same claim wrote it first.
			if got, gerr := s.store.GetDocument(ctx, d.ID); gerr == nil {
				return got, nil
			}
		}
		return Document{}, storeErr("create document", err)
	}
	if err := s.record(ctx, a, p.action, d, 1, p.acc); err != nil {
		s.log.ErrorContext(ctx, "ledger entry for a stored change not written",
			"action", string(p.action), "owner", d.OwnerID, "document", d.ID, "version", 1, "err", err)
		if err := s.sync(ctx); err != nil {
			u.fail(ctx, false) // committed, but perhaps not durable: the collector looks
			return Document{}, storeErr("sync the new document", err)
		}
	}
	u.done()
	return d, nil
}

// AddVersion stores new content for a document as a new version.
// expectedRev 0 means "whatever is current" (retried on conflict).
func (s *Service) AddVersion(ctx context.Context, a Actor, id string, expectedRev int64, up Upload) (Document, error) {
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	return s.addVersion(ctx, a, d, expectedRev, up, "content", "")
}

// addVersion stores up as a new version of d (loaded for a): change and
// source are the new version's.
func (s *Service) addVersion(ctx context.Context, a Actor, d Document, expectedRev int64, up Upload, change string, source Source) (Document, error) {
	if d.IssuedBy != nil {
		return Document{}, errIssuedLocked(d.ID)
	}
	if expectedRev != 0 && d.Rev != expectedRev {
		return Document{}, errChanged(d.ID, expectedRev, d.Rev)
	}
	fileName, err := s.checkUploadHead(up)
	if err != nil {
		return Document{}, err
	}
	owner, err := s.getOwner(ctx, d.OwnerID)
	if err != nil {
		return Document{}, err
	}
	limit := s.effectiveQuota(owner)
	if limit > 0 && up.Size >= 0 && owner.UsedBytes+up.Size > limit {
		return Document{}, errQuotaExceeded(owner.UsedBytes, up.Size, limit)
	}
	return s.storeVersion(ctx, a, d, expectedRev, owner, limit, up, fileName, change, source, Access{})
}

// storeVersion stores up (its head checked: fileName) under an intent,
// charged to owner within limit (0: none), and commits it as the next
// version of d guarded by expectedRev (0: retried on a conflict); the
// owner's ledger records the new version with acc.
func (s *Service) storeVersion(ctx context.Context, a Actor, d Document, expectedRev int64, owner Owner, limit int64, up Upload, fileName, change string, source Source, acc Access) (Document, error) {
	u, blob, sig, err := s.storeForCommit(ctx, s.newIntent(a, d.OwnerID, d.ID, 0), owner, limit, up, fileName)
	if err != nil {
		return Document{}, err
	}
	d, err = s.commitVersion(ctx, d, expectedRev, func(cur Document, now time.Time) (Document, error) {
		next := cur
		next.VersionCount = cur.VersionCount + 1
		next.Current = Version{
			N:         next.VersionCount,
			Blob:      blob.Hash,
			Size:      blob.Size,
			MediaType: blob.MediaType,
			FileName:  blob.FileName,
			Change:    change,
			CreatedBy: a.Subject,
			CreatedAt: now,
			Meta:      cur.Metadata,
			Source:    source,
			Signature: sig,
		}
		next.UpdatedAt = now
		return next, nil
	})
	if err != nil {
		u.fail(ctx, surely(err))
		return Document{}, err
	}
	u.done()
	s.recordChange(ctx, a, ActionVersion, d, d.VersionCount, acc)
	return d, nil
}

// UpdateMetadata applies p as a new (metadata) version.
func (s *Service) UpdateMetadata(ctx context.Context, a Actor, id string, expectedRev int64, p MetadataPatch) (Document, error) {
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	if expectedRev != 0 && d.Rev != expectedRev {
		return Document{}, errChanged(id, expectedRev, d.Rev)
	}
	if p == (MetadataPatch{}) {
		return Document{}, invalid("empty_patch", "Không có thông tin nào được thay đổi.", "the patch sets no field")
	}
	if d.IssuedBy != nil && !p.labelsOnly() {
		return Document{}, errIssuedLocked(d.ID)
	}
	d, err = s.commitVersion(ctx, d, expectedRev, func(cur Document, now time.Time) (Document, error) {
		m := applyPatch(cur.Metadata, p)
		t, def, err := s.docType(ctx, m.TypeCode)
		if err != nil {
			return Document{}, err
		}
		m, err = validateMetadata(m, t)
		if err != nil {
			return Document{}, err
		}
		// The typed fields are checked against the type's schema when the
		// patch sets them or changes the type. Otherwise they stay as
		// stored: they passed the schema of their time, and a status
		// change (revoking a paper) must not wait on a newer schema.
		if p.Fields != nil || m.TypeCode != cur.TypeCode {
			if m.Fields, err = validateFields(m.Fields, def, s.now); err != nil {
				return Document{}, err
			}
		}
		next := cur
		next.Metadata = m
		indexText(&next, def)
		next.VersionCount = cur.VersionCount + 1
		next.Current = cur.Current
		next.Current.N = next.VersionCount
		next.Current.Change = "metadata"
		next.Current.CreatedBy = a.Subject
		next.Current.CreatedAt = now
		next.Current.Meta = m
		next.UpdatedAt = now
		return next, nil
	})
	if err != nil {
		return Document{}, err
	}
	s.recordChange(ctx, a, ActionUpdate, d, d.VersionCount, Access{})
	return d, nil
}

// readDoc loads a document a may read, after checking the Access the
// read carries into the ledger (readAccess); the refusals are loadDoc's.
func (s *Service) readDoc(ctx context.Context, a Actor, id string, acc Access) (Document, Access, error) {
	if err := checkActor(a); err != nil {
		return Document{}, acc, err
	}
	acc, err := readAccess(a, acc)
	if err != nil {
		return Document{}, acc, err
	}
	d, err := s.loadDoc(ctx, a, id)
	return d, acc, err
}

// readVersion is readDoc and then version n (0 = current) of the document.
func (s *Service) readVersion(ctx context.Context, a Actor, id string, n int, acc Access) (Document, Version, Access, error) {
	d, acc, err := s.readDoc(ctx, a, id, acc)
	if err != nil {
		return Document{}, Version{}, acc, err
	}
	v, err := s.version(ctx, d, n)
	return d, v, acc, err
}

// Get returns a document's metadata and records a "read" in the ledger,
// for every reader, the owner included. Staff and admin must give a
// purpose (Invalid "purpose_required").
func (s *Service) Get(ctx context.Context, a Actor, id string, acc Access) (Document, error) {
	d, acc, err := s.readDoc(ctx, a, id, acc)
	if err != nil {
		return Document{}, err
	}
	if err := s.record(ctx, a, ActionRead, d, d.VersionCount, acc); err != nil {
		return Document{}, err
	}
	return d, nil
}

// Open opens version n (0 = current) for download. Nothing is recorded
// until bytes are read: the first Read that gets bytes from the blob
// appends a "download" to the owner's ledger, for every reader, the owner
// included, before it hands them out (see Content). Seeking, a read that
// fails, or no read at all (a conditional request answered 304, a range
// that cannot be satisfied) record nothing. Staff and admin must give a
// purpose (Invalid "purpose_required").
func (s *Service) Open(ctx context.Context, a Actor, id string, n int, acc Access) (*Content, error) {
	d, v, acc, err := s.readVersion(ctx, a, id, n, acc)
	if err != nil {
		return nil, err
	}
	rs := &recordingReader{ctx: ctx, rs: s.blobs.NewReadSeeker(ctx, v.Blob, v.Size),
		record: func() error { return s.record(ctx, a, ActionDownload, d, v.N, acc) }}
	return &Content{Document: d, Version: v, ReadSeekCloser: rs}, nil
}

// Versions lists every version of a document, oldest first; a staff or
// admin read is recorded ("versions") with acc's purpose, which it must
// give.
func (s *Service) Versions(ctx context.Context, a Actor, id string, acc Access) ([]Version, error) {
	d, acc, err := s.readDoc(ctx, a, id, acc)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListVersions(ctx, id)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return nil, errDocNotFound(id)
		}
		return nil, storeErr("list versions", err)
	}
	if err := s.recordView(ctx, a, ActionVersions, d.OwnerID, d.ID, acc); err != nil {
		return nil, err
	}
	if vs == nil {
		vs = []Version{}
	}
	return vs, nil
}

// List searches one owner's documents. The words of q.Text must each
// occur in a document's SearchText; documents indexed by older rules are
// reindexed as the search meets them (listDocuments). A staff or admin
// listing is recorded in the owner's ledger ("list", one entry per page)
// with acc's purpose, which it must give.
func (s *Service) List(ctx context.Context, a Actor, q ListQuery, acc Access) (Page, error) {
	acc, err := readOwner(a, q.OwnerID, acc)
	if err != nil {
		return Page{}, err
	}
	dq := DocQuery{OwnerID: q.OwnerID, ValidOn: q.ValidOn, Signed: q.Signed}
	if err := checkDate("validOn", q.ValidOn); err != nil {
		return Page{}, err
	}
	if tc := strings.TrimSpace(q.TypeCode); tc != "" {
		dq.TypeCodes = []string{tc}
	}
	switch q.Status {
	case "":
	case StatusExpired:
		dq.Status, dq.ExpiredOn = StatusValid, s.today()
	case StatusValid:
		// "valid" is the effective status: stored valid and not expired.
		dq.Status = StatusValid
		if dq.ValidOn.IsZero() {
			dq.ValidOn = s.today()
		}
	case StatusSuperseded, StatusRevoked:
		dq.Status = q.Status
	default:
		return Page{}, invalid("invalid_status", "Trạng thái giấy tờ không hợp lệ.", "status %q is not known", q.Status)
	}
	words, err := searchWords(q.Text)
	if err != nil {
		return Page{}, err
	}
	dq.Words = words
	if q.Cursor != "" {
		after, err := decodeCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		dq.After = after
	}
	dq.Limit = pageLimit(q.Limit, 50)
	docs, next, err := s.listDocuments(ctx, dq)
	if err != nil {
		return Page{}, err
	}
	if err := s.recordView(ctx, a, ActionList, q.OwnerID, "", acc); err != nil {
		return Page{}, err
	}
	p := Page{Documents: docs}
	if p.Documents == nil {
		p.Documents = []Document{}
	}
	if next != "" {
		p.Next = encodeCursor(next)
	}
	return p, nil
}

// FindReusable returns the owner's documents that are valid on day (zero =
// today) and of typeCode — or, when typeCode names a procedure component as
// "PROCEDURE/COMPONENT", of any type mapped to it (2025 items 28.2, 29.1).
// A staff or admin search is recorded in the owner's ledger ("reusable")
// with acc's purpose, which it must give.
func (s *Service) FindReusable(ctx context.Context, a Actor, ownerID, typeCode string, day Date, acc Access) ([]Document, error) {
	acc, err := readOwner(a, ownerID, acc)
	if err != nil {
		return nil, err
	}
	docs, err := s.findReusable(ctx, ownerID, typeCode, day)
	if err != nil {
		return nil, err
	}
	if err := s.recordView(ctx, a, ActionReusable, ownerID, "", acc); err != nil {
		return nil, err
	}
	return docs, nil
}

// findReusable is FindReusable after the caller's right was checked,
// recording nothing (auto-fill records the one paper it then reads).
func (s *Service) findReusable(ctx context.Context, ownerID, typeCode string, day Date) ([]Document, error) {
	if err := checkDate("day", day); err != nil {
		return nil, err
	}
	if day.IsZero() {
		day = s.today()
	}
	codes, err := s.resolveTypeCodes(ctx, typeCode)
	if err != nil {
		return nil, err
	}
	out := []Document{}
	q := DocQuery{OwnerID: ownerID, TypeCodes: codes, Status: StatusValid, ValidOn: day, Limit: 1000}
	for page := 0; page < maxReusablePages; page++ {
		docs, more, err := s.store.ListDocuments(ctx, q)
		if err != nil {
			return nil, storeErr("list documents", err)
		}
		out = append(out, docs...)
		if !more || len(docs) == 0 {
			break
		}
		q.After = docs[len(docs)-1].ID
	}
	return out, nil
}

// Reuse records that a document is reused in a dossier, counts it, and
// appends a "reuse" ledger entry. Refuses documents that are not valid.
func (s *Service) Reuse(ctx context.Context, a Actor, id string, r ReuseRequest) (ReuseRecord, error) {
	rec, _, err := s.ReuseVersion(ctx, a, id, r)
	return rec, err
}

// ReuseVersion is Reuse that also returns the version reused, with what
// the vault knows of its signatures (Version.Signature), for the dossier
// to keep. With r.Owner set, a paper of another owner is refused (Invalid
// "document_of_another_owner") before anything is recorded.
func (s *Service) ReuseVersion(ctx context.Context, a Actor, id string, r ReuseRequest) (ReuseRecord, Version, error) {
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return ReuseRecord{}, Version{}, err
	}
	if r.Owner != "" && d.OwnerID != r.Owner {
		return ReuseRecord{}, Version{}, invalid("document_of_another_owner",
			"Giấy tờ không thuộc kho dữ liệu của người nộp hồ sơ nên không thể dùng cho hồ sơ này.",
			"document %s belongs to %s, not to %s", d.ID, d.OwnerID, r.Owner)
	}
	if len(r.TypeCodes) > 0 && !slices.Contains(r.TypeCodes, d.TypeCode) {
		return ReuseRecord{}, Version{}, invalid("document_type_mismatch",
			"Loại giấy tờ không đúng với thành phần hồ sơ cần nộp.",
			"document %s is of type %s, not one of %v", d.ID, d.TypeCode, r.TypeCodes)
	}
	dossier := strings.TrimSpace(r.Dossier)
	purpose := strings.TrimSpace(r.Purpose)
	if dossier == "" {
		return ReuseRecord{}, Version{}, invalid("dossier_required", "Cần ghi mã hồ sơ sử dụng lại giấy tờ.", "reuse needs a dossier")
	}
	if err := checkAccess(Access{Purpose: purpose, Dossier: dossier}); err != nil {
		return ReuseRecord{}, Version{}, err
	}
	// A paper that is expired, revoked, superseded or not yet in force is
	// refused with Conflict "document_not_reusable": the request is well
	// formed, the document's state is what stands in the way.
	today := s.today()
	if st := d.EffectiveStatus(today); st != StatusValid || (!d.ValidFrom.IsZero() && today.Before(d.ValidFrom)) {
		return ReuseRecord{}, Version{}, notReusable(d, st, today)
	}
	v, err := s.version(ctx, d, r.Version)
	if err != nil {
		return ReuseRecord{}, Version{}, err
	}
	now := s.nowUTC()
	rec := ReuseRecord{
		ID:         NewID(now),
		DocumentID: d.ID,
		OwnerID:    d.OwnerID,
		TypeCode:   d.TypeCode,
		Version:    v.N,
		Dossier:    dossier,
		Purpose:    purpose,
		Procedure:  strings.TrimSpace(r.Procedure),
		By:         a.Subject,
		At:         now,
	}
	if err := s.store.AddReuse(ctx, rec); err != nil {
		return ReuseRecord{}, Version{}, storeErr("add reuse", err)
	}
	if err := s.store.IncReuse(ctx, d.ID); err != nil {
		return ReuseRecord{}, Version{}, storeErr("count reuse", err)
	}
	s.recordChange(ctx, a, ActionReuse, d, v.N, Access{Purpose: purpose, Dossier: dossier})
	return rec, v, nil
}

// Reuses lists a document's reuse records; a staff or admin read is
// recorded ("reuses") with acc's purpose, which it must give.
func (s *Service) Reuses(ctx context.Context, a Actor, id string, acc Access) ([]ReuseRecord, error) {
	return docRecords(ctx, s, a, id, acc, ActionReuses, "list reuses", s.store.ListReuses)
}

// docRecords reads the records list keeps of a document a may read
// (readDoc), recording a staff or admin read as action; never nil.
func docRecords[T any](ctx context.Context, s *Service, a Actor, id string, acc Access, action Action, op string,
	list func(ctx context.Context, id string) ([]T, error)) ([]T, error) {
	d, acc, err := s.readDoc(ctx, a, id, acc)
	if err != nil {
		return nil, err
	}
	rs, err := list(ctx, d.ID)
	if err != nil {
		return nil, storeErr(op, err)
	}
	if err := s.recordView(ctx, a, action, d.OwnerID, d.ID, acc); err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []T{}
	}
	return rs, nil
}

// Ledger lists an owner's ledger entries (documentID "" = all), every
// lane merged in time order, after the cursor after ("" = from the start;
// else LedgerKey of the last entry of the previous page). A staff or
// admin read is itself recorded ("ledger", after the page it read) with
// acc's purpose, which it must give.
func (s *Service) Ledger(ctx context.Context, a Actor, ownerID, documentID, after string, limit int, acc Access) ([]LedgerEntry, bool, error) {
	acc, err := readOwner(a, ownerID, acc)
	if err != nil {
		return nil, false, err
	}
	es, more, err := s.store.ListLedger(ctx, LedgerQuery{
		Chain:      ownerID,
		DocumentID: strings.TrimSpace(documentID),
		After:      after,
		Limit:      pageLimit(limit, 100),
	})
	if err != nil {
		return nil, false, storeErr("list ledger", err)
	}
	if err := s.recordView(ctx, a, ActionLedger, ownerID, "", acc); err != nil {
		return nil, false, err
	}
	if es == nil {
		es = []LedgerEntry{}
	}
	return es, more, nil
}

// Stats returns one owner's statistics (they show what kinds of papers
// the owner holds); a staff or admin read is recorded ("stats") with acc's
// purpose, which it must give.
func (s *Service) Stats(ctx context.Context, a Actor, ownerID string, acc Access) (OwnerStats, error) {
	acc, err := readOwner(a, ownerID, acc)
	if err != nil {
		return OwnerStats{}, err
	}
	o, err := s.store.GetOwner(ctx, ownerID)
	switch {
	case err == nil:
	case kerr.IsKind(err, kerr.NotFound) && a.Role == RoleCitizen:
		// A citizen who has stored nothing yet has an empty vault.
		o = Owner{ID: ownerID}
	case kerr.IsKind(err, kerr.NotFound):
		return OwnerStats{}, errOwnerNotFound(ownerID)
	default:
		return OwnerStats{}, storeErr("get owner", err)
	}
	by, err := s.store.TypeStats(ctx, ownerID)
	if err != nil {
		return OwnerStats{}, storeErr("type stats", err)
	}
	if by == nil {
		by = []TypeStat{}
	}
	st := OwnerStats{
		OwnerID:       ownerID,
		UsedBytes:     o.UsedBytes,
		QuotaBytes:    s.effectiveQuota(o),
		DocumentCount: o.DocumentCount,
		ByType:        by,
	}
	for _, t := range by {
		st.Reuses += t.Reuses
	}
	if err := s.recordView(ctx, a, ActionStats, ownerID, "", acc); err != nil {
		return OwnerStats{}, err
	}
	return st, nil
}

// SystemStats returns per-type counts over all owners (staff/admin).
func (s *Service) SystemStats(ctx context.Context, a Actor) ([]TypeStat, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	if a.Role == RoleCitizen {
		return nil, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "system statistics need staff or admin")
	}
	by, err := s.store.TypeStats(ctx, "")
	if err != nil {
		return nil, storeErr("type stats", err)
	}
	if by == nil {
		by = []TypeStat{}
	}
	return by, nil
}

// SetQuota sets an owner's quota (admin).
func (s *Service) SetQuota(ctx context.Context, a Actor, ownerID string, quotaBytes int64) error {
	if err := checkAdmin(a); err != nil {
		return err
	}
	if strings.TrimSpace(ownerID) == "" {
		return invalid("owner_required", "Cần chỉ rõ chủ kho dữ liệu.", "no owner ID")
	}
	if quotaBytes < 0 {
		return invalid("invalid_quota", "Hạn mức lưu trữ phải là số không âm (0 = mặc định).", "quota %d is negative", quotaBytes)
	}
	if err := s.store.SetQuota(ctx, ownerID, quotaBytes); err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return errOwnerNotFound(ownerID)
		}
		return storeErr("set quota", err)
	}
	return nil
}

// PutDocumentType adds or replaces a catalogue entry (admin).
func (s *Service) PutDocumentType(ctx context.Context, a Actor, t DocumentType) (DocumentType, error) {
	if err := checkAdmin(a); err != nil {
		return DocumentType{}, err
	}
	t, err := validateDocumentType(t)
	if err != nil {
		return DocumentType{}, err
	}
	t.UpdatedAt = s.nowUTC()
	if err := s.store.PutDocumentType(ctx, t); err != nil {
		return DocumentType{}, storeErr("put document type", err)
	}
	return t, nil
}

// DocumentType returns one catalogue entry (anyone authenticated).
func (s *Service) DocumentType(ctx context.Context, a Actor, code string) (DocumentType, error) {
	if err := checkActor(a); err != nil {
		return DocumentType{}, err
	}
	notFound := kerr.New(kerr.NotFound, "document_type_not_found", "Không tìm thấy loại giấy tờ trong danh mục.", "no document type %q", code)
	if !catalogCode.MatchString(code) {
		return DocumentType{}, notFound
	}
	t, err := s.store.GetDocumentType(ctx, code)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return DocumentType{}, notFound
		}
		return DocumentType{}, storeErr("get document type", err)
	}
	return legacyType(t), nil
}

// DocumentTypes lists the catalogue.
func (s *Service) DocumentTypes(ctx context.Context, a Actor) ([]DocumentType, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	ts, err := s.store.ListDocumentTypes(ctx)
	if err != nil {
		return nil, storeErr("list document types", err)
	}
	if ts == nil {
		ts = []DocumentType{}
	}
	for i := range ts {
		ts[i] = legacyType(ts[i])
	}
	return ts, nil
}

// PutProcedure adds or replaces a procedure's component mapping (admin);
// every type code it names must be in the catalogue.
func (s *Service) PutProcedure(ctx context.Context, a Actor, p Procedure) (Procedure, error) {
	if err := checkAdmin(a); err != nil {
		return Procedure{}, err
	}
	p, err := validateProcedure(p, func(code string) (bool, error) { return s.typeExists(ctx, code) })
	if err != nil {
		return Procedure{}, err
	}
	p.UpdatedAt = s.nowUTC()
	if err := s.store.PutProcedure(ctx, p); err != nil {
		return Procedure{}, storeErr("put procedure", err)
	}
	return p, nil
}

// Procedure returns one procedure.
func (s *Service) Procedure(ctx context.Context, a Actor, code string) (Procedure, error) {
	if err := checkActor(a); err != nil {
		return Procedure{}, err
	}
	return s.getProcedure(ctx, code)
}

// Procedures lists procedures.
func (s *Service) Procedures(ctx context.Context, a Actor) ([]Procedure, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	ps, err := s.store.ListProcedures(ctx)
	if err != nil {
		return nil, storeErr("list procedures", err)
	}
	if ps == nil {
		ps = []Procedure{}
	}
	return ps, nil
}

// LoadCatalog reads a catalogue file (JSON: {"documentTypes": [...],
// "procedures": [...]}) and puts every entry (admin).
func (s *Service) LoadCatalog(ctx context.Context, a Actor, r io.Reader) (types, procedures int, err error) {
	if err := checkAdmin(a); err != nil {
		return 0, 0, err
	}
	return s.loadCatalog(ctx, r)
}

// VerifyLedger walks every lane and reports changed, missing and
// reordered entries; with opt.Verifier it also checks the latest
// checkpoint's signature, recomputes the Merkle log's root against it
// (and against opt.Exported), and reports lanes cut short, rewritten or
// deleted below the heads the checkpoint covers.
func (s *Service) VerifyLedger(ctx context.Context, opt AuditOptions) (AuditReport, error) {
	return s.verifyLedger(ctx, opt)
}

// CollectGarbage finishes the writes that died (their intents older than
// the grace period): it gives back what they charged and deletes the blobs
// they left that nothing uses. It returns how many blobs it deleted; see
// collectGarbage for how, and CollectGarbageWith for a full scan.
func (s *Service) CollectGarbage(ctx context.Context) (int, error) {
	rep, err := s.collectGarbage(ctx, GCOptions{})
	return rep.Deleted, err
}
