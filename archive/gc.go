package archive

import (
	"context"
	"slices"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

const (
	// gcPage is how many stale intents the collector reads at a time.
	gcPage = 100
	// trashGrace is how long a blob may sit in the trash before the
	// collector takes it for one left by a collector that stopped between
	// trashing it and deciding (a collection decides in milliseconds).
	trashGrace = 15 * time.Minute
)

// GCOptions says what a collection does.
type GCOptions struct {
	// Full also walks the whole bucket and collects every blob older than
	// the grace period that no version references and no write claims —
	// the orphans made before upload intents existed, or by an operator's
	// hand. It costs in proportion to the store: a one-off, not a job.
	Full bool
}

// GCReport is what a collection did.
type GCReport struct {
	// Uploads is how many stale intents (writes that did not finish) it
	// finished, and Abandoned how many of those had not committed: their
	// charge, if any, was given back.
	Uploads   int `json:"uploads"`
	Abandoned int `json:"abandoned"`
	// Deleted is how many blobs it deleted.
	Deleted int `json:"deleted"`
	// Restored is how many blobs it put back from the trash, where a
	// collector that stopped had left them.
	Restored int `json:"restored"`
	// Scanned is how many blobs a full collection looked at.
	Scanned int `json:"scanned,omitempty"`
}

// testHooks are seams for tests that force interleavings of a write and
// the collector; nil in production.
type testHooks struct {
	// beforeCommit runs when a write's blobs are stored (an existing copy
	// touched) and its metadata is not committed yet.
	beforeCommit func()
	// beforeCollect runs when the collector has found a blob unused and is
	// about to collect it.
	beforeCollect func(hash string)
}

func (h testHooks) commit() {
	if h.beforeCommit != nil {
		h.beforeCommit()
	}
}

func (h testHooks) collect(hash string) {
	if h.beforeCollect != nil {
		h.beforeCollect(hash)
	}
}

// CollectGarbageWith finishes the writes that died and deletes the blobs
// they left that nothing uses; with opts.Full it also scans the whole
// bucket. See collectGarbage.
func (s *Service) CollectGarbageWith(ctx context.Context, opts GCOptions) (GCReport, error) {
	return s.collectGarbage(ctx, opts)
}

// collectGarbage finishes the writes that died and collects their blobs.
//
// What it looks at. Orphan blobs arise only from writes that did not
// finish, and every write records an intent (UploadIntent) before it
// stores anything, so the collector reads the intents older than the grace
// period — oldest first, through an index on their creation time — and
// never lists the bucket nor asks about every stored blob: a run costs in
// proportion to the writes that died. For each such intent it:
//   - settles the charge: given back unless the write was committed (its
//     document exists, or its version does). The charge is recorded in the
//     owner's record under the intent's ID and removed in the same atomic
//     change that gives it back (UploadStore.SettleUpload), so a collector
//     that dies after giving it back and is run again gives nothing back
//     twice. A write never commits once its intent is older than half the
//     grace period (upload.fresh), so a write the collector takes for dead
//     does not come back to life;
//   - collects each blob the intent named, unless it is in use (inUse);
//   - deletes the intent.
//
// Why a blob it deletes is never one an acknowledged write references.
// The race: the collector finds a blob unused; meanwhile a write of the
// same content finds the blob stored, touches it and commits a version
// that references it; the collector then deletes the blob. Three choices
// were weighed. A delete conditioned on the blob's age would be one call
// on a file system, but S3 has no such delete: MinIO ignores If-Match,
// If-Unmodified-Since and x-amz-if-match-last-modified-time on DeleteObject
// (checked against the MinIO the tests run), and an object's ETag does not
// change when it is touched. A per-blob record in the metadata store that
// writes and the collector change by conditional update would add a
// guarded update to every upload's critical path and a second record to
// clean up after crashes. What is done instead is a Dekker-style handshake
// in which each side writes, then reads what the other wrote:
//   - a write records the blob's hash in its intent (ClaimBlob), then
//     commits the blob or relies on the stored copy (storage.Bucket.PutClaimed
//     calls the claim before either), then commits its version, and only
//     after that deletes its intent;
//   - the collector moves the blob out of sight first (Bucket.Collect:
//     a rename into the trash, or a copy and a delete on S3), then reads
//     the claims and the references, and restores the blob if there is one.
//
// Either the write's reliance on the blob came before the blob went to
// the trash — then its claim came before too and the collector's reading
// sees it (or, once the claim is gone, the version that references the
// blob: claims are read before references, and a write removes its claim
// only after its version is committed) — or it came after, and the write
// found no blob and committed its own copy, which the collector never
// touches. Uploads pay one write on their critical path (the claim, while
// the staged bytes are made durable) and nothing else; a collector that
// dies with a blob in the trash leaves it for SweepTrash, which decides in
// the same way. Collectors need not exclude each other for this to hold
// (the "blob-gc" job's lease only saves doing the work twice).
func (s *Service) collectGarbage(ctx context.Context, opts GCOptions) (GCReport, error) {
	var rep GCReport
	cutoff := s.now().Add(-s.cfg.BlobGrace)
	restored, deleted, err := s.blobs.SweepTrash(ctx, trashGrace, func(ctx context.Context, hash string) (bool, error) {
		return s.inUse(ctx, hash, cutoff)
	})
	rep.Restored, rep.Deleted = restored, deleted
	if err != nil {
		return rep, storeErr("sweep trash", err)
	}

	var after UploadCursor
	for {
		ins, err := s.store.ListUploads(ctx, cutoff, after, gcPage)
		if err != nil {
			return rep, storeErr("list uploads", err)
		}
		for _, in := range ins {
			if err := s.finishUpload(ctx, in, cutoff, &rep); err != nil {
				return rep, err
			}
			after = UploadCursor{CreatedAt: in.CreatedAt, ID: in.ID}
		}
		if len(ins) < gcPage {
			break
		}
	}

	if opts.Full {
		err := s.blobs.List(ctx, func(hash string, _ int64, mod time.Time) error {
			rep.Scanned++
			if !mod.Before(cutoff) {
				return nil
			}
			return s.collectBlob(ctx, hash, cutoff, &rep)
		})
		if err != nil {
			return rep, storeErr("scan blobs", err)
		}
	}
	return rep, nil
}

// finishUpload settles a stale intent: its charge, its blobs, itself.
func (s *Service) finishUpload(ctx context.Context, in UploadIntent, cutoff time.Time, rep *GCReport) error {
	done, err := s.committed(ctx, in)
	if err != nil {
		return storeErr("check upload", err)
	}
	if err := s.store.SettleUpload(ctx, in.OwnerID, in.ID, !done); err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return storeErr("settle upload", err)
	}
	for _, h := range in.Blobs {
		if err := s.collectBlob(ctx, h, cutoff, rep); err != nil {
			return err
		}
	}
	if err := s.store.DeleteUploads(ctx, in.ID); err != nil {
		return storeErr("delete upload", err)
	}
	rep.Uploads++
	if !done {
		rep.Abandoned++
		s.log.InfoContext(ctx, "finished an upload that did not complete", "upload", in.ID, "owner", in.OwnerID,
			"document", in.DocumentID, "bytes", in.Bytes, "started", in.CreatedAt)
	}
	return nil
}

// committed reports whether the write of in was committed: the document
// it creates exists, or the document it changes has a version made by
// in.Actor from one of in.Blobs since in.CreatedAt. (Two writes by one
// actor of the same content to one document at once, of which one died,
// cannot be told apart: the dead one then counts as committed and its
// charge stays.)
func (s *Service) committed(ctx context.Context, in UploadIntent) (bool, error) {
	if in.NewDocument {
		_, err := s.store.GetDocument(ctx, in.DocumentID)
		if kerr.IsKind(err, kerr.NotFound) {
			return false, nil
		}
		return err == nil, err
	}
	if len(in.Blobs) == 0 {
		return false, nil // a write commits only what it claimed
	}
	vs, err := s.store.ListVersions(ctx, in.DocumentID)
	if kerr.IsKind(err, kerr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, v := range vs {
		if v.Change != "metadata" && v.CreatedBy == in.Actor && !v.CreatedAt.Before(in.CreatedAt) && slices.Contains(in.Blobs, v.Blob) {
			return true, nil
		}
	}
	return false, nil
}

// collectBlob collects hash unless it is in use.
func (s *Service) collectBlob(ctx context.Context, hash string, cutoff time.Time, rep *GCReport) error {
	used, err := s.inUse(ctx, hash, cutoff)
	if err != nil {
		return storeErr("check blob", err)
	}
	if used {
		return nil
	}
	s.hooks.collect(hash)
	deleted, err := s.blobs.Collect(ctx, hash, func(ctx context.Context) (bool, error) {
		return s.inUse(ctx, hash, cutoff)
	})
	switch {
	case kerr.IsKind(err, kerr.NotFound):
		return nil // never stored, or collected already
	case err != nil:
		return storeErr("collect blob", err)
	case deleted:
		rep.Deleted++
		s.log.InfoContext(ctx, "collected unreferenced blob", "blob", hash)
	}
	return nil
}

// inUse reports whether hash must be kept: a write that is not stale (its
// intent created at or after since) claims it, or a version references
// it. The claims are read first: a write claims a blob before it commits
// the version that references it and removes its claim only after, so
// reading in this order cannot miss a write between the two reads.
func (s *Service) inUse(ctx context.Context, hash string, since time.Time) (bool, error) {
	claimed, err := s.store.BlobClaimed(ctx, hash, since)
	if err != nil || claimed {
		return claimed, err
	}
	// The archive's records that reference blobs too (renditions, scans,
	// paper copies, …), one section for each part; each returns true when
	// its records reference hash.
	// Archive — Conversion (arc-convert).
	if used, err := s.store.RenditionBlobReferenced(ctx, hash); err != nil || used {
		return used, err
	}

	// Archive — Digitisation (arc-digitise).
	if pending, err := s.store.ScanBlobPending(ctx, hash); err != nil || pending {
		return pending, err
	}

	// Archive — Paper copies (arc-paper).
	if used, err := s.store.PaperCopyBlobReferenced(ctx, hash); err != nil || used {
		return used, err
	}

	// Archive — Retention, legal holds, disposal (arc-retention).
	// A blob under an object lock that has not ended is kept: its delete
	// would be refused (retention_lock.go).
	if locked, err := s.blobLocked(ctx, hash); err != nil || locked {
		return locked, err
	}

	// Archive — Fixity (arc-fixity).

	// Archive — Transfer: BagIt export and import (arc-bagit).

	// Archive — Long-term validation renewal (arc-ltv).

	return s.store.BlobReferenced(ctx, hash)
}
