package sqlite

import (
	"context"

	"github.com/kho-vn/kho/archive"
)

// migrationFixitySources indexes the pending batches of digitisation by
// their PDF's blob, so that fixity walks them in hash order without
// reading the confirmed ones (PendingScanBlobs). Appended to migrations
// as one self-contained entry.
const migrationFixitySources = `
CREATE INDEX scans_pending_blob ON scans (status, blob);
`

// The queries of fixity over the archive's other records
// (archive.FixitySourceStore; TestFixitySourcesUseIndexes).
const (
	qRenditionBlobs     = `SELECT DISTINCT blob FROM renditions WHERE blob > ?1 ORDER BY blob LIMIT ?2`
	qRenditionBlobUsers = `SELECT body FROM renditions WHERE blob = ?1 ORDER BY key LIMIT ?2`
	qPaperCopyBlobs     = `SELECT DISTINCT blob FROM paper_copies WHERE blob > ?1 ORDER BY blob LIMIT ?2`
	qPaperCopyBlobUsers = `SELECT body FROM paper_copies WHERE blob = ?1 ORDER BY id LIMIT ?2`
	qPendingScanBlobs   = `SELECT DISTINCT blob FROM scans WHERE status = 'pending' AND blob > ?1 ORDER BY blob LIMIT ?2`
	qPendingScanUsers   = `SELECT body FROM scans WHERE status = 'pending' AND blob = ?1 ORDER BY id LIMIT ?2`
)

// blobPage runs one of the blob walks above: distinct hashes after after,
// increasing, at most limit.
func (s *Store) blobPage(ctx context.Context, op, q, after string, limit int) ([]string, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// blobRecords runs one of the users' queries above and turns each record's
// body into a BlobUser.
func blobRecords[T any](ctx context.Context, s *Store, op, q, blob string, limit int, user func(T) archive.BlobUser) ([]archive.BlobUser, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, blob, limit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	recs, err := jsonRows[T](s, rows, op, op)
	if err != nil {
		return nil, err
	}
	out := make([]archive.BlobUser, len(recs))
	for i, r := range recs {
		out[i] = user(r)
	}
	return out, nil
}

// RenditionBlobs walks renditions_blob.
func (s *Store) RenditionBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return s.blobPage(ctx, "rendition blobs", qRenditionBlobs, after, limit)
}

// RenditionBlobUsers reads a blob's renditions through renditions_blob
// (which holds the key).
func (s *Store) RenditionBlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	return blobRecords(ctx, s, "rendition blob users", qRenditionBlobUsers, blob, limit, func(r archive.Rendition) archive.BlobUser {
		return archive.BlobUser{DocumentID: r.DocumentID, OwnerID: r.OwnerID, Via: archive.ViaRendition, RecordID: r.Key}
	})
}

// PaperCopyBlobs walks paper_copies_blob.
func (s *Store) PaperCopyBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return s.blobPage(ctx, "paper copy blobs", qPaperCopyBlobs, after, limit)
}

// PaperCopyBlobUsers reads a blob's paper copies through paper_copies_blob.
func (s *Store) PaperCopyBlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	return blobRecords(ctx, s, "paper copy blob users", qPaperCopyBlobUsers, blob, limit, func(c archive.PaperCopy) archive.BlobUser {
		return archive.BlobUser{DocumentID: c.DocumentID, OwnerID: c.OwnerID, Via: archive.ViaPaperCopy, RecordID: c.ID}
	})
}

// PendingScanBlobs walks scans_pending_blob.
func (s *Store) PendingScanBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	return s.blobPage(ctx, "pending scan blobs", qPendingScanBlobs, after, limit)
}

// PendingScanBlobUsers reads a blob's pending batches through
// scans_pending_blob.
func (s *Store) PendingScanBlobUsers(ctx context.Context, blob string, limit int) ([]archive.BlobUser, error) {
	return blobRecords(ctx, s, "pending scan blob users", qPendingScanUsers, blob, limit, func(sc archive.Scan) archive.BlobUser {
		return archive.BlobUser{OwnerID: sc.OwnerID, Via: archive.ViaScan, RecordID: sc.ID}
	})
}
