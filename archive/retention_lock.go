package archive

import (
	"context"
	"errors"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// BlobLocker is a Blobs that can put blobs under an object lock (S3 WORM
// retention): storage.Bucket implements it, and answers
// storage.ErrLockUnsupported when its driver has no object lock (the
// local file system, a bucket made without object locking).
type BlobLocker interface {
	// Retain keeps hash from deletion and overwrite until until; a blob
	// retained until later keeps its later date. Unsupported without
	// object lock (ErrLockUnsupported); NotFound if absent.
	Retain(ctx context.Context, hash string, until time.Time) error
	// RetainedUntil returns hash's retention date (zero if none).
	// Unsupported without object lock; NotFound if absent.
	RetainedUntil(ctx context.Context, hash string) (time.Time, error)
}

// lockUntil is the object-lock date of a record: the end of its last day
// (Vietnam), or permanentLockYears ahead for a permanent paper.
func (s *Service) lockUntil(r RetentionRecord) time.Time {
	if r.Permanent {
		return s.now().UTC().AddDate(permanentLockYears, 0, 0).Truncate(time.Millisecond)
	}
	u := r.RetainUntil
	return time.Date(u.Year, u.Month, u.Day+1, 0, 0, 0, 0, vietnam).UTC()
}

// lockBlobs puts every blob of d's versions (and their signature reports)
// under an object lock until r's date, when the bucket supports it; it
// returns the date set (zero when unsupported).
func (s *Service) lockBlobs(ctx context.Context, d Document, r RetentionRecord) (time.Time, error) {
	lk, ok := s.blobs.(BlobLocker)
	if !ok {
		return time.Time{}, nil
	}
	vs, err := s.store.ListVersions(ctx, d.ID)
	if err != nil {
		return time.Time{}, storeErr("list versions", err)
	}
	until := s.lockUntil(r)
	if !until.After(time.Now()) {
		return time.Time{}, nil // due already (the service's clock is the real one)
	}
	var hashes []string
	for _, v := range vs {
		hashes = appendUnique(hashes, v.Blob)
		if v.Signature != nil && v.Signature.Report != "" {
			hashes = appendUnique(hashes, v.Signature.Report)
		}
	}
	for _, h := range hashes {
		err := lk.Retain(ctx, h, until)
		switch {
		case errors.Is(err, storage.ErrLockUnsupported):
			return time.Time{}, nil
		case kerr.IsKind(err, kerr.NotFound):
			s.log.WarnContext(ctx, "retention: a version's blob is missing", "document", d.ID, "blob", h)
		case err != nil:
			return time.Time{}, storeErr("lock blob", err)
		}
	}
	return until, nil
}

// blobLocked reports whether hash is under an object lock that has not
// ended: the collector keeps it (a delete would be refused).
func (s *Service) blobLocked(ctx context.Context, hash string) (bool, error) {
	lk, ok := s.blobs.(BlobLocker)
	if !ok {
		return false, nil
	}
	until, err := lk.RetainedUntil(ctx, hash)
	switch {
	case errors.Is(err, storage.ErrLockUnsupported), kerr.IsKind(err, kerr.NotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return until.After(time.Now()), nil
}
