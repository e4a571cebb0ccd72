package archive

import (
	"context"
	"time"

	"github.com/kho-vn/kho/signing"
)

// PaperCopy records one paper copy of an electronic paper (Decree
// 45/2020/NĐ-CP art. 18): who printed which version of which paper, when,
// and the copy's own blob. Every print is a record of its own; two prints
// with the same bytes share the blob.
type PaperCopy struct {
	// ID is the record's ID (NewID: sorts by time).
	ID string `json:"id"`
	// Code is the copy's verification code, printed with its QR code:
	// 10 characters of PaperCodeAlphabet, unique.
	Code       string `json:"code"`
	OwnerID    string `json:"ownerId"`
	DocumentID string `json:"documentId"`
	Version    int    `json:"version"`
	// Original is the SHA-256 (hex) of the version's content.
	Original string `json:"original"`
	// Blob is the SHA-256 (hex) of the copy's PDF, Size its length.
	Blob  string `json:"blob"`
	Size  int64  `json:"size"`
	Pages int    `json:"pages"` // the original's pages
	// By is the subject of the staff member or admin who printed it.
	By      string       `json:"by"`
	ByRole  Role         `json:"byRole"`
	Officer PaperOfficer `json:"officer"`
	At      time.Time    `json:"at"`
	// Verdict is the verification of the original's signatures at print time.
	Verdict signing.Verdict `json:"verdict"`
}

// PaperOfficer names the officer who converted a paper, as the copy
// prints it.
type PaperOfficer struct {
	Name     string `json:"name"`
	Position string `json:"position,omitempty"`
	Agency   string `json:"agency,omitempty"`
}

// PaperCopyStore keeps the records of paper copies.
//
// Error kinds: Conflict when an insert finds its ID or Code taken;
// NotFound when no record matches; Unavailable when the server cannot be
// reached; Internal otherwise.
type PaperCopyStore interface {
	// AddPaperCopy inserts c. Conflict if c.ID or c.Code exists.
	AddPaperCopy(ctx context.Context, c PaperCopy) error
	// PaperCopyByCode returns the record with that Code (served by a
	// unique index). NotFound if none.
	PaperCopyByCode(ctx context.Context, code string) (PaperCopy, error)
	// PaperCopyBlobReferenced reports whether a record's Blob is blob
	// (served by an index).
	PaperCopyBlobReferenced(ctx context.Context, blob string) (bool, error)
}
