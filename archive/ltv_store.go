package archive

import (
	"context"
	"time"
)

// RenewCursor is a position in DueForRenewal's order: the last paper of
// the previous page (zero: from the earliest).
type RenewCursor struct {
	ExpiresAt time.Time `json:"expiresAt"`
	ID        string    `json:"id"`
}

// LTVStore finds the signed papers whose long-term validation data must be
// renewed (ltv.go). Both lists are served by an index on the current
// version's Signature.ExpiresAt (whole seconds, UTC), never by a scan.
// Errors: Invalid when limit is outside 1..1000; Unavailable, Internal.
type LTVStore interface {
	// DueForRenewal returns at most limit documents whose current version's
	// Signature.ExpiresAt is set and not after before, ordered by ExpiresAt
	// then ID, starting after the cursor.
	DueForRenewal(ctx context.Context, before time.Time, after RenewCursor, limit int) ([]Document, error)
	// SignedWithoutExpiry returns at most limit documents whose current
	// version's Signature is Signed and has no ExpiresAt (summaries made
	// before expiries were kept, or whose chains the verifier could not
	// build), ordered by ID, with ID > after.
	SignedWithoutExpiry(ctx context.Context, after string, limit int) ([]Document, error)
}
