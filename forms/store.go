package forms

import (
	"context"
	"time"
)

// The store interfaces forms consumes. storage/sqlite and storage/mongo
// implement them; forms/formstest is the conformance suite both pass.
// Every method is one atomic change of one record; updates are guarded by
// a revision.
//
// Error kinds (internal/kerr): NotFound when the record does not exist;
// Conflict when an insert finds the key taken or a guarded update finds
// another revision; Unavailable when the server cannot be reached;
// Internal otherwise. Times come back in UTC truncated to milliseconds.

// Store is every store forms needs.
type Store interface {
	DraftStore
	DefinitionStore
}

// StoredDraft is a draft as it is kept: its identity and times in clear,
// the data sealed (see Drafts).
type StoredDraft struct {
	ID      string
	OwnerID string // who saved it: the caller's subject
	Form    string // the definition's code
	Version int    // the definition's version
	// Sealed is the draft's data encrypted with AES-256-GCM: a key ID
	// byte, the nonce, then the ciphertext and tag.
	Sealed    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
	Rev       int64
}

// DraftStore keeps drafts of filled forms.
type DraftStore interface {
	// CreateDraft inserts d (d.Rev 1). Conflict if d.ID exists.
	CreateDraft(ctx context.Context, d StoredDraft) error
	// GetDraft returns the draft with that ID, expired or not. NotFound if none.
	GetDraft(ctx context.Context, id string) (StoredDraft, error)
	// UpdateDraft replaces Version, Sealed, UpdatedAt and ExpiresAt of the
	// draft d.ID — only if the stored Rev is expectedRev; it then stores
	// Rev expectedRev+1. ID, OwnerID, Form and CreatedAt never change.
	// Conflict if the Rev differs, NotFound if no draft.
	UpdateDraft(ctx context.Context, d StoredDraft, expectedRev int64) error
	// ListDrafts returns the owner's drafts of a form (form "" = of every
	// form), expired ones included, ordered by ID.
	ListDrafts(ctx context.Context, ownerID, form string) ([]StoredDraft, error)
	// DeleteDraft removes a draft. NotFound if none.
	DeleteDraft(ctx context.Context, id string) error
	// DeleteExpiredDrafts removes at most limit drafts whose ExpiresAt is
	// at or before now and returns how many it removed.
	DeleteExpiredDrafts(ctx context.Context, now time.Time, limit int) (int, error)
}

// StoredDefinition is a published definition as it is kept: the JSON the
// registry wrote (json.Marshal of the checked Definition).
type StoredDefinition struct {
	Code      string
	Version   int
	Body      []byte
	CreatedAt time.Time
}

// DefinitionStore keeps the definitions published through the API, so
// that every process and every restart sees them.
type DefinitionStore interface {
	// PutDefinition inserts d. Conflict if d.Code and d.Version are taken,
	// whatever the body: a published version never changes.
	PutDefinition(ctx context.Context, d StoredDefinition) error
	// GetDefinition returns one version; version 0 is the highest stored.
	// NotFound if none.
	GetDefinition(ctx context.Context, code string, version int) (StoredDefinition, error)
	// ListDefinitions returns every stored definition ordered by code,
	// then version.
	ListDefinitions(ctx context.Context) ([]StoredDefinition, error)
}
