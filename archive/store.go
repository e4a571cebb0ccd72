package archive

import (
	"context"
	"time"
)

// The store interfaces the vault consumes. storage/sqlite and storage/mongo
// implement all of them; archive/archivetest is the conformance suite both
// pass. Stores have no multi-document transactions: every method is one
// atomic change of one record (or an idempotent insert), and updates are
// guarded by a revision field.
//
// Error kinds (internal/kerr): NotFound when the record does not exist;
// Conflict when an insert finds the key taken or a guarded update finds
// another revision; TooLarge (code "quota_exceeded") from AddUsage;
// Unavailable when the server cannot be reached; Internal otherwise.
// Stores return times in UTC truncated to milliseconds.

// OwnerStore keeps owners and their usage counters.
type OwnerStore interface {
	// CreateOwner inserts o (Rev 1). Conflict if o.ID exists.
	CreateOwner(ctx context.Context, o Owner) error
	// GetOwner returns the owner with that ID. NotFound if none.
	GetOwner(ctx context.Context, id string) (Owner, error)
	// SetQuota sets QuotaBytes (0 = service default). NotFound if no owner.
	SetQuota(ctx context.Context, id string, quotaBytes int64) error
	// AddUsage atomically adds bytes to UsedBytes and docs to DocumentCount.
	// When limit > 0 and bytes > 0 it applies only if UsedBytes+bytes <= limit,
	// else it changes nothing and returns TooLarge with code "quota_exceeded".
	// Negative values release usage. NotFound if no owner.
	AddUsage(ctx context.Context, id string, bytes, docs, limit int64) error
}

// CatalogStore keeps the document-type catalogue and the procedures'
// component-to-type mapping.
type CatalogStore interface {
	// PutDocumentType inserts or replaces the type with t.Code.
	PutDocumentType(ctx context.Context, t DocumentType) error
	// GetDocumentType returns one type. NotFound if none.
	GetDocumentType(ctx context.Context, code string) (DocumentType, error)
	// ListDocumentTypes returns all types ordered by Code.
	ListDocumentTypes(ctx context.Context) ([]DocumentType, error)
	// PutProcedure inserts or replaces the procedure with p.Code.
	PutProcedure(ctx context.Context, p Procedure) error
	// GetProcedure returns one procedure. NotFound if none.
	GetProcedure(ctx context.Context, code string) (Procedure, error)
	// ListProcedures returns all procedures ordered by Code.
	ListProcedures(ctx context.Context) ([]Procedure, error)
}

// DocQuery selects an owner's documents. Results are ordered newest first
// (by ID descending: IDs sort by creation time).
type DocQuery struct {
	OwnerID   string   // required
	TypeCodes []string // any of these; empty = all
	Status    Status   // stored status; "" = any (StatusExpired is not given here: see ExpiredOn)
	// Words must each occur as a substring of SearchText (already folded).
	Words []string
	// SearchVersion, with Words, also selects the documents whose stored
	// SearchVersion is below it, whatever their SearchText: their text was
	// made by older rules, and the caller recomputes it and stores it with
	// SetSearchText. 0: Words alone decide.
	SearchVersion int
	// ValidOn, when set, keeps documents whose validity period contains the
	// day: ValidFrom zero or <= day, and Permanent or ValidUntil zero or >= day.
	ValidOn Date
	// ExpiredOn, when set, keeps documents that are not Permanent and whose
	// ValidUntil is set and before the day.
	ExpiredOn Date
	// Signed, when set, keeps documents whose current version's Signature
	// is set with Signed equal to it; with false, also those whose current
	// version has no Signature (not checked).
	Signed *bool
	// After is the ID of the last document of the previous page ("" = first page).
	After string
	// Limit is the page size (1..1000).
	Limit int
}

// SearchTextUpdate is a document's search text recomputed from the
// document at revision Rev (DocumentStore.SetSearchText).
type SearchTextUpdate struct {
	ID      string
	Rev     int64
	Text    string
	Version int
}

// DocumentStore keeps documents and their versions.
type DocumentStore interface {
	// CreateDocument inserts d (with d.Rev 1, d.VersionCount 1) and its first
	// version d.Current, with d.IssuedBy and d.StatusChange. Conflict if d.ID exists.
	CreateDocument(ctx context.Context, d Document) error
	// GetDocument returns a document with its current version. NotFound if none.
	GetDocument(ctx context.Context, id string) (Document, error)
	// UpdateDocument replaces the document's metadata, Status, StatusChange
	// and Current with d's (IssuedBy, like Source, stays as created) and appends d.Current as a new version when d.VersionCount is
	// greater than the stored one — only if the stored Rev is expectedRev;
	// it then stores Rev expectedRev+1. Conflict if the Rev differs,
	// NotFound if no document. d.Current.N must equal d.VersionCount.
	UpdateDocument(ctx context.Context, d Document, expectedRev int64) error
	// ListVersions returns every version of a document, oldest first.
	// NotFound if no document.
	ListVersions(ctx context.Context, id string) ([]Version, error)
	// GetVersion returns version n. NotFound if no such document or version.
	GetVersion(ctx context.Context, id string, n int) (Version, error)
	// ListDocuments returns at most q.Limit documents and whether more follow.
	ListDocuments(ctx context.Context, q DocQuery) (docs []Document, more bool, err error)
	// IncReuse atomically adds 1 to the document's ReuseCount (not guarded
	// by Rev, and does not change Rev). NotFound if no document.
	IncReuse(ctx context.Context, id string) error
	// BlobReferenced reports whether any version of any document points at
	// blob, as its content or as its signature report (Signature.Report).
	BlobReferenced(ctx context.Context, blob string) (bool, error)
	// SetSearchText stores each update's Text and Version as the
	// document's SearchText and SearchVersion, without changing Rev — it is
	// derived data, not an edit — but only where the document's Rev is
	// still u.Rev and its SearchVersion is below u.Version; other documents
	// (changed since, indexed already, or gone) are left alone without an
	// error. Each update applies atomically on its own.
	SetSearchText(ctx context.Context, updates []SearchTextUpdate) error
	// SetSignature replaces the Signature of version n (and of Current when
	// n is the current version) without changing Rev — a re-verification
	// is not an edit. NotFound if no such document or version.
	SetSignature(ctx context.Context, id string, n int, sig *SignatureSummary) error
}

// TypeStat counts the documents of one type: in one owner's vault or in all.
type TypeStat struct {
	TypeCode  string `json:"typeCode"`
	Documents int64  `json:"documents"`
	Bytes     int64  `json:"bytes"`  // sum of the current versions' sizes
	Reuses    int64  `json:"reuses"` // sum of ReuseCount
}

// StatsStore computes statistics.
type StatsStore interface {
	// TypeStats returns per-type counts, ordered by TypeCode, for one owner
	// (ownerID != "") or for all owners.
	TypeStats(ctx context.Context, ownerID string) ([]TypeStat, error)
}

// ReuseStore keeps reuse records.
type ReuseStore interface {
	// AddReuse inserts r. Conflict if r.ID exists.
	AddReuse(ctx context.Context, r ReuseRecord) error
	// ListReuses returns a document's reuse records, oldest first.
	ListReuses(ctx context.Context, documentID string) ([]ReuseRecord, error)
}

// LedgerQuery selects entries of one owner's ledger, all lanes merged, in
// LedgerKey order (time order).
type LedgerQuery struct {
	Chain      string
	DocumentID string // "" = all documents
	After      string // entries with LedgerKey > After ("" = from the start)
	Limit      int    // 1..1000
}

// LedgerStore keeps the access ledger's entries.
type LedgerStore interface {
	// AppendLedger inserts e: one insert, whatever the lane's length.
	// Conflict if (e.Chain, e.Lane, e.Seq) exists.
	AppendLedger(ctx context.Context, e LedgerEntry) error
	// LastLedger returns the entry with the highest Seq in the lane of
	// chain (an indexed read of one entry). NotFound if the lane is empty.
	LastLedger(ctx context.Context, chain, lane string) (LedgerEntry, error)
	// ListLedger returns entries of q.Chain (every lane) in LedgerKey order
	// after q.After, at most q.Limit, and whether more follow. Invalid if
	// Limit is outside 1..1000.
	ListLedger(ctx context.Context, q LedgerQuery) ([]LedgerEntry, bool, error)
	// LedgerSince returns at most limit entries of every owner with
	// LedgerKey > afterKey, in LedgerKey order: what the checkpoint job
	// reads of what was appended since its last run.
	LedgerSince(ctx context.Context, afterKey string, limit int) ([]LedgerEntry, error)
	// ScanLedger calls fn for every entry, ordered by Chain, Lane, then
	// Seq, and stops at fn's first error, returning it.
	ScanLedger(ctx context.Context, fn func(LedgerEntry) error) error
}

// LogLeaf is one record of the ledger's Merkle log (checkpoint.go): a
// lane's head when a checkpoint job saw it. N counts from 0.
type LogLeaf struct {
	N int64
	LaneHead
	// Hashes are the hashes of the log's tree that leaf N completes
	// (golang.org/x/mod/sumdb/tlog's stored hashes for record N), in
	// order: Hashes[0] is the leaf's own hash.
	Hashes [][]byte
}

// Checkpoint is a signed statement of the Merkle log's size and root.
type Checkpoint struct {
	Size int64     `json:"size"`
	Root []byte    `json:"root"`
	At   time.Time `json:"at"`
	// Note is the signed checkpoint (a golang.org/x/mod/sumdb/note signed
	// note over the transparency-dev checkpoint text: origin, size, root).
	Note string `json:"note"`
	// Timestamp is an RFC 3161 time-stamp token over Note, when a TSA is
	// configured.
	Timestamp []byte `json:"timestamp,omitempty"`
	// Blob is the SHA-256 of the write-once copy kept in the checkpoint bucket.
	Blob string `json:"blob,omitempty"`
}

// LedgerLogStore keeps the Merkle log of lane heads and its checkpoints.
// Both are append-only: nothing is ever updated or deleted.
type LedgerLogStore interface {
	// AppendLogLeaves inserts leaves (consecutive N, ascending) in order.
	// Conflict if a leaf with one of their N exists; the leaves before it
	// may then be stored.
	AppendLogLeaves(ctx context.Context, leaves []LogLeaf) error
	// LogSize returns the number of leaves (the highest N + 1; 0 when empty).
	LogSize(ctx context.Context) (int64, error)
	// LogLeaves returns the leaves with the given N, in N order; N not
	// stored are left out.
	LogLeaves(ctx context.Context, ns []int64) ([]LogLeaf, error)
	// ScanLogLeaves calls fn for every leaf in N order and stops at fn's
	// first error, returning it.
	ScanLogLeaves(ctx context.Context, fn func(LogLeaf) error) error
	// LaneLeaves returns, for each lane of chain, the leaf with the
	// highest Seq among those with N < below, ordered by Lane.
	LaneLeaves(ctx context.Context, chain string, below int64) ([]LogLeaf, error)
	// AddCheckpoint inserts c. Conflict if a checkpoint of c.Size exists.
	AddCheckpoint(ctx context.Context, c Checkpoint) error
	// LatestCheckpoint returns the checkpoint with the highest Size.
	// NotFound if there is none.
	LatestCheckpoint(ctx context.Context) (Checkpoint, error)
	// Checkpoints returns at most limit checkpoints with Size > afterSize,
	// in Size order.
	Checkpoints(ctx context.Context, afterSize int64, limit int) ([]Checkpoint, error)
}

// UploadCursor is a position in ListUploads' order: the last intent of
// the previous page (zero: from the oldest).
type UploadCursor struct {
	CreatedAt time.Time
	ID        string
}

// UploadStore keeps the intents of unfinished uploads and the charges they
// hold on their owners' usage (see UploadIntent and collectGarbage).
//
// A charge is recorded in the owner's record, under the intent's ID, in the
// same atomic change that adds it to UsedBytes and DocumentCount, and it is
// removed in the same atomic change that gives it back: so a charge is
// never given back twice, whoever settles it and however often. Intents are
// changed only by their own upload, one call at a time (ClaimBlob), and
// deleted by it or by the collector.
type UploadStore interface {
	// BeginUpload inserts in and then, when in.Bytes or in.Docs is not 0,
	// charges them to in.OwnerID under in.ID within limit, as ChargeUpload.
	// When the charge is refused the intent is removed again and the
	// charge's error is returned (TooLarge "quota_exceeded", NotFound). A
	// crash between the two steps can leave the intent without its charge,
	// never the charge without its intent. Conflict if in.ID exists.
	BeginUpload(ctx context.Context, in UploadIntent, limit int64) error
	// ChargeUpload atomically adds bytes to UsedBytes and docs to
	// DocumentCount and records them as the charge of upload id, unless a
	// charge of id is recorded already: then it changes nothing and returns
	// nil. The limit is AddUsage's (TooLarge "quota_exceeded", nothing
	// changed). NotFound if no owner.
	ChargeUpload(ctx context.Context, ownerID, id string, bytes, docs, limit int64) error
	// SettleUpload removes the charge of upload id from the owner's record
	// and, with release, subtracts it from the usage, in one atomic change.
	// Without a charge of id it changes nothing and returns nil: settling
	// twice is settling once. NotFound if no owner.
	SettleUpload(ctx context.Context, ownerID, id string, release bool) error
	// KeepUploads removes the charges of the uploads ids from the owner's
	// record without changing the usage (they were committed), in one
	// atomic change; ids without a charge are skipped. NotFound if no owner.
	KeepUploads(ctx context.Context, ownerID string, ids []string) error
	// ClaimBlob adds hash to the Blobs of intent id (nothing if it is
	// there). NotFound if no intent id.
	ClaimBlob(ctx context.Context, id, hash string) error
	// DeleteUploads removes the intents ids; those that do not exist are
	// skipped.
	DeleteUploads(ctx context.Context, ids ...string) error
	// ListUploads returns at most limit (1..1000) intents created before
	// before, ordered by CreatedAt then ID, starting after the cursor. It is
	// served by an index on (CreatedAt, ID).
	ListUploads(ctx context.Context, before time.Time, after UploadCursor, limit int) ([]UploadIntent, error)
	// BlobClaimed reports whether an intent created at or after since has
	// hash in its Blobs.
	BlobClaimed(ctx context.Context, hash string, since time.Time) (bool, error)
}

// IssueStore keeps the register of papers agencies issued into vaults
// (IssueRecord). Records are never changed or deleted.
type IssueStore interface {
	// ClaimIssue inserts r unless a record with r.Key exists; it returns
	// the stored record — r, or the one that was there — and whether it
	// inserted r. Concurrent claims of one key store exactly one record.
	ClaimIssue(ctx context.Context, r IssueRecord) (IssueRecord, bool, error)
	// GetIssue returns the record with that key. NotFound if none.
	GetIssue(ctx context.Context, key string) (IssueRecord, error)
	// ListIssued returns the records of one dossier of one agency (their
	// keys start with IssueKeyPrefix(agency, dossier)), ordered by Key, at
	// most 1000. It is served by an index.
	ListIssued(ctx context.Context, agency, dossier string) ([]IssueRecord, error)
}

// Store is everything the vault needs from a metadata store.
type Store interface {
	OwnerStore
	CatalogStore
	DocumentStore
	StatsStore
	ReuseStore
	LedgerStore
	UploadStore
	LedgerLogStore
	IssueStore
	ShareStore
	// The archive's stores, one section for each part.
	// Archive — Conversion (arc-convert).
	RenditionStore

	// Archive — Digitisation (arc-digitise).
	ScanStore

	// Archive — Paper copies (arc-paper).
	PaperCopyStore

	// Archive — Retention, legal holds, disposal (arc-retention).
	RetentionStore

	// Archive — Fixity (arc-fixity).
	FixityStore
	FixitySourceStore

	// Archive — Transfer: BagIt export and import (arc-bagit).
	TransferStore

	// Archive — Long-term validation renewal (arc-ltv).
	LTVStore

	// Reports and statistics (issue 13).
	// Reports — Vault statistics (st-vault).
	VaultStatsStore

	// Ping checks that the server answers.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close(ctx context.Context) error
}

// DeferredSyncer is a Store whose writes can return before they are
// durable (storage/sqlite: a commit, then one sync of the log for several).
// The vault uses it for writes whose durability can wait for the next
// durable write or a Sync before the answer: the intent of an upload
// (made durable by its claim), the document an upload creates (by the
// ledger entry that records it, or Sync), the settlement after the answer
// (the collector redoes a lost one). A Store without it writes durably
// every time.
type DeferredSyncer interface {
	// Deferred returns the store whose writes return once applied, before
	// they are durable; each becomes durable with the next durable write of
	// the store, or Sync.
	Deferred() Store
	// Sync makes every write applied so far durable.
	Sync(ctx context.Context) error
}

// Clock tells the time; tests pass a fixed one.
type Clock func() time.Time
