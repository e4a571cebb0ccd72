package archive

import (
	"context"
	"time"
)

// The kinds of fixity finding.
const (
	// FixityMismatch: the blob's bytes do not hash to its name.
	FixityMismatch = "mismatch"
	// FixityMissing: the blob store has no object of that name.
	FixityMissing = "missing"
)

// MaxFixityUsers is how many of the documents that reference a failed
// blob a finding names (FixityFinding.Documents); the rest are counted
// only by MoreDocuments.
const MaxFixityUsers = 20

// BlobUser is a record that references a blob: a document's version, or
// (Via set) another record of the archive that belongs to the document or
// owner — a rendition, a paper copy, a pending batch of digitisation.
type BlobUser struct {
	// DocumentID is the document ("" for a pending batch, which has none
	// yet); OwnerID its owner.
	DocumentID string `json:"documentId"`
	OwnerID    string `json:"ownerId"`
	// Via is "" for a version, else ViaRendition, ViaPaperCopy or ViaScan;
	// RecordID names that record (the rendition's key, the copy's or the
	// batch's ID).
	Via      string `json:"via,omitempty"`
	RecordID string `json:"recordId,omitempty"`
}

// FixityFinding is a blob that failed its last fixity check. There is at
// most one finding per blob: a later failure updates it (LastSeen), a
// later pass removes it.
type FixityFinding struct {
	Blob string `json:"blob"`
	// Kind is FixityMismatch or FixityMissing.
	Kind string `json:"kind"`
	// Detail says what was found, in English (e.g. the hash the bytes
	// have), for operators.
	Detail string `json:"detail,omitempty"`
	// Size is how many bytes were read (0 for a missing blob).
	Size int64 `json:"size"`
	// Documents are the documents that referenced the blob when it was
	// last checked, at most MaxFixityUsers, ordered by document ID;
	// MoreDocuments tells that there were more.
	Documents     []BlobUser `json:"documents"`
	MoreDocuments bool       `json:"moreDocuments,omitempty"`
	// FirstSeen and LastSeen are when the failure was first and last found.
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// FixityRun is the summary of one run of fixity checks: a bounded stretch
// of a pass over every referenced blob, in hash order.
type FixityRun struct {
	ID string `json:"id"`
	// Trigger is "job" for the scheduled job, "command" for kho archive
	// fixity.
	Trigger string    `json:"trigger"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// From and To bound the hashes the run checked: after From ("" = the
	// start), up to and including To ("" = none checked).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Checked is how many blobs were read, Bytes how many bytes.
	Checked    int   `json:"checked"`
	Bytes      int64 `json:"bytes"`
	Mismatches int   `json:"mismatches"`
	Missing    int   `json:"missing"`
	// PassStart is when the pass this run belongs to began; PassDone is
	// true for the run that finished it.
	PassStart time.Time `json:"passStart"`
	PassDone  bool      `json:"passDone,omitempty"`
	// Error is why the run stopped early ("" when it did not).
	Error string `json:"error,omitempty"`
}

// Duration is how long the run took.
func (r FixityRun) Duration() time.Duration { return r.End.Sub(r.Start) }

// FixityStore is what fixity checking needs of a metadata store: the
// blobs document versions reference, in hash order, and the findings and
// run summaries. storage/sqlite and storage/mongo implement it;
// archivetest's Fixity* tests are its conformance suite.
//
// Times come back in UTC, truncated to milliseconds. Error kinds: Invalid
// for a limit out of range; Unavailable when the server cannot be
// reached; Internal otherwise.
type FixityStore interface {
	// ReferencedBlobs returns the distinct blobs that document versions
	// reference — their content and their signature report — whose hash
	// is greater than after, in increasing order, at most limit (1..1000).
	// It is served by an index on the versions' blob fields and costs in
	// proportion to limit, not to the store.
	ReferencedBlobs(ctx context.Context, after string, limit int) ([]string, error)
	// BlobUsers returns the documents whose versions reference blob (as
	// content or signature report), ordered by document ID, at most limit
	// (1..1000). It is served by the same index.
	BlobUsers(ctx context.Context, blob string, limit int) ([]BlobUser, error)
	// SaveFixityFinding stores f: a new finding, or when one of f.Blob
	// exists, that one with f's Kind, Detail, Size, Documents,
	// MoreDocuments and LastSeen (its FirstSeen kept), in one atomic
	// change. It reports whether the finding is new.
	SaveFixityFinding(ctx context.Context, f FixityFinding) (bool, error)
	// DeleteFixityFinding removes the finding of blob and reports whether
	// there was one.
	DeleteFixityFinding(ctx context.Context, blob string) (bool, error)
	// ListFixityFindings returns the findings whose blob is greater than
	// after and, when to is not "", at most to, in blob order, at most
	// limit (1..1000).
	ListFixityFindings(ctx context.Context, after, to string, limit int) ([]FixityFinding, error)
	// AddFixityRun stores a run's summary (r.ID is new).
	AddFixityRun(ctx context.Context, r FixityRun) error
	// ListFixityRuns returns run summaries newest first (by Start, then
	// ID), at most limit (1..1000); with passDone only the runs that
	// finished a pass. It is served by an index.
	ListFixityRuns(ctx context.Context, passDone bool, limit int) ([]FixityRun, error)
}
