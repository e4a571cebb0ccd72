package archive

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Target is what a version is converted to.
type Target string

// The conversion targets.
const (
	TargetPDF    Target = "pdf"     // a PDF
	TargetPDFA2b Target = "pdfa-2b" // PDF/A-2b, for long-term keeping
)

// Valid reports whether t is a known target.
func (t Target) Valid() bool { return t == TargetPDF || t == TargetPDFA2b }

// Label is the target's name for people.
func (t Target) Label() string {
	if t == TargetPDFA2b {
		return "PDF/A-2b"
	}
	return "PDF"
}

// pdfaLevel is the converter's name of the target's PDF/A level ("" for a
// plain PDF).
func (t Target) pdfaLevel() string {
	if t == TargetPDFA2b {
		return "PDF/A-2b"
	}
	return ""
}

// Rendition is a linked conversion of one version of a document: a PDF or
// PDF/A made from the version's blob and kept as a blob of its own. The
// version itself is never changed (a signature stays byte for byte).
// One rendition exists per (document, version, target): converting again
// returns it.
type Rendition struct {
	// Key is RenditionKey(DocumentID, Version, Target).
	Key        string `json:"key"`
	DocumentID string `json:"documentId"`
	OwnerID    string `json:"ownerId"`
	Version    int    `json:"version"`
	// Source is the SHA-256 of the version's blob it was made from.
	Source string `json:"source"`
	Target Target `json:"target"`
	// Blob is the SHA-256 of the rendition's PDF, Size its length.
	Blob      string `json:"blob"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType"`
	FileName  string `json:"fileName"`
	// Converter names what made it, e.g. "gotenberg/libreoffice pdf/a-2b"
	// or "pdfcpu".
	Converter string    `json:"converter"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
}

// RenditionKey is the key of the rendition of version n of a document to t.
func RenditionKey(documentID string, n int, t Target) string {
	return documentID + "/" + strconv.Itoa(n) + "/" + string(t)
}

// RenditionStore keeps renditions. Records are never changed; a blob a
// rendition references is kept by the collector.
//
// Error kinds: NotFound (GetRendition), Unavailable, Internal.
type RenditionStore interface {
	// AddRendition inserts r unless a rendition with r.Key exists; it
	// returns the stored record — r, or the one that was there — and
	// whether it inserted r. Concurrent adds of one key store exactly one.
	AddRendition(ctx context.Context, r Rendition) (Rendition, bool, error)
	// GetRendition returns the rendition with that key. NotFound if none.
	GetRendition(ctx context.Context, key string) (Rendition, error)
	// ListRenditions returns a document's renditions ordered by Key (at
	// most 1000), served by an index on the document.
	ListRenditions(ctx context.Context, documentID string) ([]Rendition, error)
	// RenditionBlobReferenced reports whether a rendition's Blob is blob,
	// served by an index on the blob.
	RenditionBlobReferenced(ctx context.Context, blob string) (bool, error)
}

// RenditionConverter is what conversions need of the converter service
// (convert.Archival over Gotenberg satisfies it). pdfa names a PDF/A level
// ("PDF/A-2b"), or is "" for a plain PDF.
//
// Errors are *kerr.Error: Invalid when the converter refuses the file,
// Unavailable when it cannot be reached, times out or fails, TooLarge when
// its answer is over its limit; the returned reader may fail with the same
// kinds while it is read.
type RenditionConverter interface {
	// OfficeToPDF converts an office file whose type name's extension gives.
	OfficeToPDF(ctx context.Context, name string, r io.Reader, pdfa string) (io.ReadCloser, error)
	// PDFToPDFA converts an unsigned PDF to PDF/A.
	PDFToPDFA(ctx context.Context, r io.Reader, pdfa string) (io.ReadCloser, error)
	// Name says which converter made a rendition of level pdfa.
	Name(pdfa string) string
}

// renditionFileName is the file name of a rendition of a version named
// name: its stem with ".pdf".
func renditionFileName(name string, t Target) string {
	stem := name
	if i := strings.LastIndexByte(stem, '.'); i > 0 {
		stem = stem[:i]
	}
	if stem == "" {
		stem = "giay-to"
	}
	if t == TargetPDFA2b {
		return stem + ".pdfa.pdf"
	}
	return stem + ".pdf"
}

// errConverterMissing is the refusal of a conversion when no converter is
// configured.
func errConverterMissing() error {
	return kerr.New(kerr.Unavailable, "converter_unavailable",
		"Dịch vụ chuyển đổi tệp chưa được cấu hình; vui lòng báo quản trị viên.",
		"no converter configured (kho serve --gotenberg-url)")
}
