package archive

import (
	"context"
	"time"
)

// ScanStatus is where a digitised batch stands.
type ScanStatus string

// The states of a batch: pending until the archivist confirms it (or it
// expires and is deleted), then confirmed, for good.
const (
	ScanPending   ScanStatus = "pending"
	ScanConfirmed ScanStatus = "confirmed"
)

// ScanPage is one page image of a batch as the record keeps it: the
// file's name, the SHA-256 of its bytes (hex) and what its header says
// (format, pixels, pages, DPI).
type ScanPage struct {
	FileName string `json:"fileName"`
	SHA256   string `json:"sha256"`
	PageImage
}

// ScanPageError is a file of a batch that was left out, with the error's
// code and its Vietnamese message.
type ScanPageError struct {
	FileName string `json:"fileName"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// Scan is a batch of scanned pages made into one searchable PDF (the
// blob Blob, Size bytes, PageCount pages) for the vault of OwnerID: who
// scanned it (Operator, for the agency Agency), on which device, why
// (Purpose, optional), every page image's hash and resolution, the files
// left out, the OCR text (at most 1 MiB) and the key fields read from it. Pending, it waits for
// the archivist's review until ExpiresAt; confirmed, DocumentID is the
// signed paper committed into the vault. Rev counts its changes.
type Scan struct {
	ID          string          `json:"id"`
	Rev         int64           `json:"rev"`
	Status      ScanStatus      `json:"status"`
	OwnerID     string          `json:"ownerId"`
	TypeCode    string          `json:"typeCode"`
	Agency      Agency          `json:"agency"`
	Operator    string          `json:"operator"`
	Device      string          `json:"device"`
	Purpose     string          `json:"purpose,omitempty"`
	Blob        string          `json:"blob"`
	Size        int64           `json:"size"`
	PageCount   int             `json:"pageCount"`
	Pages       []ScanPage      `json:"pages"`
	Errors      []ScanPageError `json:"errors,omitempty"`
	Text        string          `json:"text"`
	Fields      []ScanField     `json:"fields"`
	CreatedAt   time.Time       `json:"createdAt"`
	ExpiresAt   time.Time       `json:"expiresAt"`
	DocumentID  string          `json:"documentId,omitempty"`
	ConfirmedBy string          `json:"confirmedBy,omitempty"`
	ConfirmedAt time.Time       `json:"confirmedAt,omitzero"`
}

// ScanStore keeps the batches of digitisation (Scan). A batch is inserted
// once, changed once (confirmed) by a revision-guarded update, and a
// pending one is deleted when it expires.
type ScanStore interface {
	// PutScan inserts s. Conflict if a batch s.ID exists.
	PutScan(ctx context.Context, s Scan) error
	// GetScan returns the batch id. NotFound if none.
	GetScan(ctx context.Context, id string) (Scan, error)
	// ConfirmScan marks pending batch id confirmed — DocumentID, by and
	// at set, Rev one more — in one atomic change, when its Rev is rev and
	// it is pending; it returns the batch as stored. Conflict when it is
	// not (another confirmed it or it changed), NotFound if none.
	ConfirmScan(ctx context.Context, id string, rev int64, documentID, by string, at time.Time) (Scan, error)
	// DeleteScan removes batch id if it is pending with Rev rev. Conflict
	// when it is not, NotFound if none.
	DeleteScan(ctx context.Context, id string, rev int64) error
	// ExpiredScans returns at most limit (1..1000) pending batches whose
	// ExpiresAt is before before, oldest first. It is served by an index
	// on (status, expiry).
	ExpiredScans(ctx context.Context, before time.Time, limit int) ([]Scan, error)
	// ScanBlobPending reports whether a pending batch's PDF is the blob
	// hash. It is served by an index on the blob.
	ScanBlobPending(ctx context.Context, hash string) (bool, error)
}
