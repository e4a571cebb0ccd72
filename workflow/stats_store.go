package workflow

import (
	"context"
	"slices"
	"strings"
	"time"
)

// StatsStore keeps what dossier statistics are answered from: a flag on
// every dossier changed since it was last counted (set by CreateDossier
// and UpdateDossier in the same record, so no change is ever missed),
// and the aggregate buckets the statistics job (RunStatsOnce) writes.
//
// A bucket holds the counted facts of the dossiers of one competent
// agency (HandlingAgency) received in one month (Vietnam time): one
// record per bucket, replaced whole, so writing it again is harmless.
// Dossiers not yet received belong to no bucket.
//
// Error kinds: Invalid for a limit outside 1..1000; NotFound where said;
// Unavailable when the server cannot be reached; Internal otherwise.
type StatsStore interface {
	// PendingStats returns at most limit dossiers changed since they were
	// last counted, the longest waiting first, each with the bucket it
	// was last counted in ("" if none): read from an index of the pending
	// flag only.
	PendingStats(ctx context.Context, limit int) ([]StatsPending, error)
	// OldestStatsPending returns the change time of the longest waiting
	// pending dossier; ok false when none waits.
	OldestStatsPending(ctx context.Context) (at time.Time, ok bool, err error)
	// BucketDossiers returns at most limit dossiers of a bucket (competent
	// agency, month "YYYY-MM" of reception) whose code sorts after after,
	// in code order, from an index of (agency, month).
	BucketDossiers(ctx context.Context, agency, month, after string, limit int) ([]Dossier, error)
	// PutStatsBucket inserts or replaces the bucket (b.Agency, b.Month).
	PutStatsBucket(ctx context.Context, b StatsBucket) error
	// StatsBuckets returns the buckets of agency ("" = every agency)
	// whose month is in [from, before) — and, when openAt is not "", also
	// those whose month is before before and whose OpenThrough is at or
	// after openAt — ordered by agency and month, from indexes.
	StatsBuckets(ctx context.Context, agency, from, before, openAt string) ([]StatsBucket, error)
	// MarkStatsCounted records that dossier code is now counted in bucket
	// (StatsBucketID; "" for none).
	MarkStatsCounted(ctx context.Context, code, bucket string) error
	// ClearStatsPending clears the pending flag of dossier code only if
	// its Rev is still rev; false (no error) when it changed meanwhile or
	// is gone.
	ClearStatsPending(ctx context.Context, code string, rev int64) (bool, error)
	// MarkStatsPending sets the pending flag of at most limit dossiers
	// whose code sorts after after, in code order, and returns the last
	// code marked ("" when none remain): kho report stats-rebuild.
	MarkStatsPending(ctx context.Context, after string, limit int) (string, error)
}

// StatsPending is a dossier waiting to be counted, with the bucket it
// was last counted in ("" if none).
type StatsPending struct {
	Dossier Dossier
	Counted string
}

// StatsBucket is the aggregate of one bucket: the counted facts of its
// dossiers, each distinct tuple once with its count.
type StatsBucket struct {
	Agency string `json:"agency"`
	Month  string `json:"month"`
	// OpenThrough is the latest month any of its dossiers ended in
	// (StatsFact.Ended), "9999-12" when one is still open: a bucket
	// counts in progress at the start of month m only if OpenThrough >= m.
	OpenThrough string      `json:"openThrough"`
	Rows        []StatsFact `json:"rows"`
	At          time.Time   `json:"at"`
}

// ID is the bucket's key: StatsBucketID(b.Agency, b.Month).
func (b StatsBucket) ID() string { return StatsBucketID(b.Agency, b.Month) }

// StatsBucketID is the key of the bucket of agency and month.
func StatsBucketID(agency, month string) string { return agency + "|" + month }

// openMonth is OpenThrough of a bucket with an open dossier.
const openMonth = "9999-12"

// StatsFact is what statistics count of a dossier: its value of every
// Dimension now, its months of reception, resolution and end ("YYYY-MM",
// Vietnam time) and the outcome; N is how many dossiers of the bucket
// share the tuple.
type StatsFact struct {
	Agency          string       `json:"agency"`
	ReceivingAgency string       `json:"receivingAgency"`
	Procedure       string       `json:"procedure"`
	Field           string       `json:"field"`
	Level           ServiceLevel `json:"level"`
	Channel         Channel      `json:"channel"`
	Status          Status       `json:"status"`
	Stage           Stage        `json:"stage,omitempty"`
	Officer         string       `json:"officer,omitempty"`
	Received        string       `json:"received"`
	// Resolved is the month it reached "Đã xử lý xong" ("" if not);
	// Ended the month it was resolved or otherwise ended (refused,
	// stopped, withdrawn, stopped by the applicant), "" while open.
	Resolved string `json:"resolved,omitempty"`
	Ended    string `json:"ended,omitempty"`
	// OnTime: resolved no later than its appointment (StatsAppointment).
	OnTime bool  `json:"onTime,omitempty"`
	N      int64 `json:"n"`
}

// MergeStatsBuckets drops repeated buckets (by ID) and orders the rest
// by agency and month: for drivers answering StatsBuckets with two
// index reads.
func MergeStatsBuckets(bs []StatsBucket) []StatsBucket {
	seen := map[string]bool{}
	out := bs[:0]
	for _, b := range bs {
		if !seen[b.ID()] {
			seen[b.ID()] = true
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b StatsBucket) int {
		if a.Agency != b.Agency {
			return strings.Compare(a.Agency, b.Agency)
		}
		return strings.Compare(a.Month, b.Month)
	})
	return out
}
