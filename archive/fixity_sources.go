package archive

import "context"

// What a BlobUser that is not a document version is (BlobUser.Via).
const (
	// ViaRendition: a rendition of one of the document's versions
	// (RecordID is the rendition's key).
	ViaRendition = "rendition"
	// ViaPaperCopy: a paper copy of the document (RecordID is the copy's ID).
	ViaPaperCopy = "paper_copy"
	// ViaScan: a pending batch of digitisation for the owner's vault; it
	// has no document yet (RecordID is the batch's ID).
	ViaScan = "scan"
)

// FixitySourceStore is what fixity checking needs of the archive's
// records other than versions that reference blobs: renditions, paper
// copies and pending batches of digitisation. For each, the distinct
// blobs its records reference in hash order from a cursor, and the
// records that reference one blob, as BlobUser (Via and RecordID set).
// storage/sqlite and storage/mongo implement it; archivetest's
// FixitySources test is its conformance suite.
//
// Error kinds: Invalid for a limit out of 1..1000; Unavailable when the
// server cannot be reached; Internal otherwise.
type FixitySourceStore interface {
	// RenditionBlobs returns the distinct blobs of renditions whose hash
	// is greater than after, increasing, at most limit (1..1000), through
	// an index on the renditions' blob.
	RenditionBlobs(ctx context.Context, after string, limit int) ([]string, error)
	// RenditionBlobUsers returns the renditions whose blob is blob — the
	// document and owner each belongs to, Via ViaRendition, RecordID its
	// key — ordered by key, at most limit (1..1000), through the same index.
	RenditionBlobUsers(ctx context.Context, blob string, limit int) ([]BlobUser, error)
	// PaperCopyBlobs returns the distinct blobs of paper copies whose hash
	// is greater than after, increasing, at most limit (1..1000), through
	// an index on the copies' blob.
	PaperCopyBlobs(ctx context.Context, after string, limit int) ([]string, error)
	// PaperCopyBlobUsers returns the paper copies whose blob is blob — the
	// document and owner, Via ViaPaperCopy, RecordID the copy's ID —
	// ordered by ID, at most limit (1..1000), through the same index.
	PaperCopyBlobUsers(ctx context.Context, blob string, limit int) ([]BlobUser, error)
	// PendingScanBlobs returns the distinct PDFs of pending batches of
	// digitisation whose hash is greater than after, increasing, at most
	// limit (1..1000), through an index on (status, blob): a confirmed
	// batch's PDF is no longer kept for it (the signed paper's version
	// is), so it is not listed.
	PendingScanBlobs(ctx context.Context, after string, limit int) ([]string, error)
	// PendingScanBlobUsers returns the pending batches whose PDF is blob —
	// the owner, no document, Via ViaScan, RecordID the batch's ID —
	// ordered by ID, at most limit (1..1000), through the same index.
	PendingScanBlobUsers(ctx context.Context, blob string, limit int) ([]BlobUser, error)
}
