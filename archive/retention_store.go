package archive

import "context"

// RetentionStore keeps retention records (one per agency record, keyed by
// document ID) and disposal lists, and removes disposed documents. Every
// change is one atomic update of one record guarded by its Rev.
//
// Error kinds (internal/kerr): NotFound when the record, list or document
// does not exist; Conflict when an insert finds the key taken or a guarded
// update finds another Rev; Invalid for a limit outside 1..1000;
// Unavailable when the server cannot be reached; Internal otherwise.
type RetentionStore interface {
	// PutRetention inserts r (Rev 1) when expectedRev is 0, else replaces
	// the record whose Rev is expectedRev, storing Rev expectedRev+1.
	// Conflict if it exists (insert) or its Rev differs.
	PutRetention(ctx context.Context, r RetentionRecord, expectedRev int64) error
	// GetRetention returns a document's record. NotFound if none.
	GetRetention(ctx context.Context, documentID string) (RetentionRecord, error)
	// DueRetention returns at most limit records in state RetentionKept,
	// not Permanent, with RetainUntil on or before day, after the cursor
	// in (RetainUntil, DocumentID) order: one range of the index
	// (state, retainUntil, documentId).
	DueRetention(ctx context.Context, day Date, after DueCursor, limit int) ([]RetentionRecord, error)
	// RetentionByState returns at most limit records in state st with
	// DocumentID > after, in DocumentID order (the archivist's list of held
	// papers; tombstones), through the same index's state prefix.
	RetentionByState(ctx context.Context, st RetentionState, after string, limit int) ([]RetentionRecord, error)
	// DocumentsAfter returns at most limit documents (all owners) with ID >
	// after, in ID order — the retention job's walk, through the
	// documents' primary key. Versions are not filled but Current.
	DocumentsAfter(ctx context.Context, after string, limit int) ([]Document, error)
	// DeleteDocument removes a document and all its versions. Deleting a
	// document that is not there succeeds (it is idempotent).
	DeleteDocument(ctx context.Context, id string) error

	// CreateDisposalList inserts l (Rev 1). Conflict if l.ID exists.
	CreateDisposalList(ctx context.Context, l DisposalList) error
	// GetDisposalList returns one list. NotFound if none.
	GetDisposalList(ctx context.Context, id string) (DisposalList, error)
	// UpdateDisposalList replaces the list whose Rev is expectedRev,
	// storing Rev expectedRev+1. Conflict if the Rev differs.
	UpdateDisposalList(ctx context.Context, l DisposalList, expectedRev int64) error
	// ListDisposalLists returns at most limit lists with ID < before ("":
	// from the newest), newest first, and whether more follow.
	ListDisposalLists(ctx context.Context, before string, limit int) ([]DisposalList, bool, error)
	// OpenDisposalDraft returns the newest list in state DisposalDraft.
	// NotFound if none.
	OpenDisposalDraft(ctx context.Context) (DisposalList, error)
}
