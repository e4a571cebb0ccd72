package archive

import (
	"context"
	"strings"
	"time"
)

// The streams of records the vault-stats job counts (VaultAgg.Stream).
const (
	// StreamDocuments counts papers as they are stored, walking documents
	// by ID (DocumentsAfter).
	StreamDocuments = "documents"
	// StreamReuses counts reuses, walking reuse records by ID (ReusesAfter).
	StreamReuses = "reuses"
)

// VaultAgg is one aggregate of the vault statistics: the counters of one
// stream for one month (Vietnam time) and the stream's cursor — the ID of
// the last record counted. The counters and the cursor are one record,
// written in one guarded update, so a batch is counted exactly once: a
// run that crashes before its write counted nothing and moved nothing,
// a run that lost the race to another process gets Conflict and writes
// nothing.
type VaultAgg struct {
	// Key is VaultAggKey(Stream, Month).
	Key    string `json:"key"`
	Stream string `json:"stream"`
	// Month is "YYYY-MM" in Vietnam time: the month of the records' IDs.
	Month string `json:"month"`
	// Cursor is the ID of the last record counted (of this month or, for
	// a month that has just begun, of an earlier one).
	Cursor string `json:"cursor"`
	// AsOf is the time up to which the stream is counted: the horizon of
	// the last run that found nothing more to count, else the time of the
	// last record counted.
	AsOf time.Time `json:"asOf"`
	// Records is how many records were counted into this aggregate.
	Records int64 `json:"records"`
	// Counts are the counters, one per group, ordered by group.
	Counts    []VaultCount `json:"counts"`
	UpdatedAt time.Time    `json:"updatedAt"`
	Rev       int64        `json:"rev"`
}

// VaultCount is the counters of one group of one month: the papers of
// one type, issued by one agency (or stored by their owners: Agency ""),
// through one procedure ("" when none is known).
type VaultCount struct {
	// Agency is the agency that issued the papers (IssuedBy.Agency); ""
	// for papers the owners stored themselves.
	Agency string `json:"agency,omitempty"`
	// Kind is IssuedBy.Kind ("" for papers the owners stored).
	Kind     IssueKind `json:"kind,omitempty"`
	TypeCode string    `json:"typeCode"`
	// Procedure is the procedure of the dossier the paper was issued in
	// (documents) or reused into (reuses).
	Procedure string `json:"procedure,omitempty"`
	// Papers is the papers stored (documents) or the reuses (reuses).
	Papers int64 `json:"papers"`
	// Bytes is the size of the papers' current versions when counted
	// (documents only).
	Bytes int64 `json:"bytes,omitempty"`
}

// VaultAggKey is the key of a stream's aggregate of one month: keys of
// one stream sort by month.
func VaultAggKey(stream, month string) string { return stream + "/" + month }

// SizeBand is a range of used bytes, [Min, Max) (Max 0: no upper bound).
type SizeBand struct {
	Min int64 `json:"min"`
	Max int64 `json:"max,omitempty"`
}

// VaultStatsStore keeps the vault statistics' aggregates and answers the
// indexed reads they need. Error kinds (internal/kerr): NotFound when the
// aggregate does not exist; Conflict when an insert finds the key taken
// or a guarded update finds another Rev; Invalid for a limit outside
// 1..1000; Unavailable when the server cannot be reached; Internal
// otherwise.
type VaultStatsStore interface {
	// PutVaultAgg inserts g (Rev 1) when expectedRev is 0, else replaces
	// the aggregate whose Rev is expectedRev, storing Rev expectedRev+1:
	// one atomic change of one record. Conflict if it exists (insert) or
	// its Rev differs.
	PutVaultAgg(ctx context.Context, g VaultAgg, expectedRev int64) error
	// LatestVaultAgg returns the aggregate of stream with the highest
	// Month (one indexed read). NotFound if the stream has none.
	LatestVaultAgg(ctx context.Context, stream string) (VaultAgg, error)
	// VaultAggs returns the aggregates of stream with Month from..to
	// (inclusive, "YYYY-MM"), in Month order: one range of the key.
	VaultAggs(ctx context.Context, stream, from, to string) ([]VaultAgg, error)
	// ReusesAfter returns at most limit reuse records (all documents)
	// with ID > after, in ID order, through the reuses' primary key.
	ReusesAfter(ctx context.Context, after string, limit int) ([]ReuseRecord, error)
	// TopOwners returns the limit owners with the most UsedBytes, most
	// first (ties by ID), through an index on UsedBytes.
	TopOwners(ctx context.Context, limit int) ([]Owner, error)
	// CountOwnersBySize returns how many owners have UsedBytes in band:
	// a count over one range of the same index.
	CountOwnersBySize(ctx context.Context, band SizeBand) (int64, error)
}

// idTime is the creation time NewID wrote into id (to the millisecond);
// false when id is not one of NewID's.
func idTime(id string) (time.Time, bool) {
	if !ValidID(id) {
		return time.Time{}, false
	}
	// The first 10 digits carry 50 bits: two zero bits, then the 48 bits
	// of milliseconds.
	var ms int64
	for i := 0; i < 10; i++ {
		ms = ms<<5 | int64(strings.IndexByte(idAlphabet, id[i]))
	}
	return time.UnixMilli(ms).UTC(), true
}

// monthOf is t's month in Vietnam time, "YYYY-MM".
func monthOf(t time.Time) string { return t.In(vietnam).Format("2006-01") }
