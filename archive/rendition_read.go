package archive

import (
	"context"
	"io"

	"github.com/kho-vn/kho/internal/kerr"
)

// RenditionContent is an open rendition, ready to serve: its first Read
// that gets bytes records the download of the version it renders in the
// owner's ledger (as Content does).
type RenditionContent struct {
	Document  Document
	Rendition Rendition
	io.ReadSeekCloser
}

func errRenditionNotFound(key string) error {
	return kerr.New(kerr.NotFound, "rendition_not_found", "Không tìm thấy bản chuyển đổi của giấy tờ.", "no rendition %s", key)
}

// Renditions lists the renditions of a document, ordered by version then
// target: the owner lists their own papers' (NotFound for another's), staff
// and admin any, with a purpose, their listing recorded in the owner's
// ledger ("versions").
func (s *Service) Renditions(ctx context.Context, a Actor, id string, acc Access) ([]Rendition, error) {
	return docRecords(ctx, s, a, id, acc, ActionVersions, "list renditions", s.store.ListRenditions)
}

// OpenRendition opens the rendition of version n (0 = current) of a
// document as t, for download, under Open's rules: the owner their own
// (NotFound for another's), staff and admin with a purpose; the first Read
// that gets bytes records a "download" of the version. NotFound
// "rendition_not_found" when there is none.
func (s *Service) OpenRendition(ctx context.Context, a Actor, id string, n int, t Target, acc Access) (*RenditionContent, error) {
	d, v, acc, err := s.readVersion(ctx, a, id, n, acc)
	if err != nil {
		return nil, err
	}
	key := RenditionKey(d.ID, v.N, t)
	if !t.Valid() {
		return nil, errRenditionNotFound(key)
	}
	r, err := s.store.GetRendition(ctx, key)
	if kerr.IsKind(err, kerr.NotFound) {
		return nil, errRenditionNotFound(key)
	}
	if err != nil {
		return nil, storeErr("get rendition", err)
	}
	rs := &recordingReader{ctx: ctx, rs: s.blobs.NewReadSeeker(ctx, r.Blob, r.Size),
		record: func() error { return s.record(ctx, a, ActionDownload, d, v.N, acc) }}
	return &RenditionContent{Document: d, Rendition: r, ReadSeekCloser: rs}, nil
}

// StoredRendition returns the stored PDF rendition of an opened version —
// its PDF/A-2b, else its plain PDF — reading c's first byte before it is
// returned, so that the use is recorded in the owner's ledger as c's
// reader records it (c was opened by Open or OpenShared: the access rules
// were applied). ok is false, with nothing read, when there is none.
func (s *Service) StoredRendition(ctx context.Context, c *Content) (r Rendition, rs io.ReadSeekCloser, ok bool, err error) {
	for _, t := range []Target{TargetPDFA2b, TargetPDF} {
		r, err = s.store.GetRendition(ctx, RenditionKey(c.Document.ID, c.Version.N, t))
		if kerr.IsKind(err, kerr.NotFound) {
			continue
		}
		if err != nil {
			return Rendition{}, nil, false, storeErr("get rendition", err)
		}
		if _, err := c.Read(make([]byte, 1)); err != nil && err != io.EOF {
			return Rendition{}, nil, false, err
		}
		return r, s.blobs.NewReadSeeker(ctx, r.Blob, r.Size), true, nil
	}
	return Rendition{}, nil, false, nil
}
