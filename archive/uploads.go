package archive

import (
	"context"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// UploadIntent is the record of a write that has not finished: an upload of
// a new document or of a new version, or a re-verification storing its
// report. It is inserted when the write starts (while the body streams in),
// names each blob before the write commits it or relies on a stored copy
// (Blobs), and is deleted once the write is over. An intent that stays
// behind is the trace of a write that died — a crash, a lost connection to
// the store — and the collector (collectGarbage) finishes it: it gives back
// what the write charged to the owner unless the write was committed, and
// deletes the blobs it named that nothing references. So orphans are found
// among intents, never by listing the bucket.
type UploadIntent struct {
	ID      string `json:"id"` // NewID at the start; also the key of its charge
	OwnerID string `json:"ownerId"`
	// DocumentID is the document the write creates (NewDocument) or changes.
	DocumentID  string `json:"documentId"`
	NewDocument bool   `json:"newDocument,omitempty"`
	// Actor is who writes: the CreatedBy of the version it would make.
	Actor string `json:"actor"`
	// Bytes and Docs are what the write charges (or will charge) to the
	// owner's usage; the charge itself is recorded in the owner's record.
	Bytes int64 `json:"bytes"`
	Docs  int64 `json:"docs"`
	// Blobs are the hashes of the blobs the write stores or relies on, each
	// recorded before the blob is committed or touched (ClaimBlob).
	Blobs     []string  `json:"blobs,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// upload is one write in progress and its intent.
type upload struct {
	s  *Service
	in UploadIntent

	recorded  chan struct{} // closed when the intent is recorded (or failed to be)
	recordErr error         // its error, mapped for people
	begun     chan struct{} // closed when the charge is made too (or failed)
	beginErr  error         // the first error of the two, mapped for people

	mu       sync.Mutex
	claimed  bool  // a blob was claimed: the intent must stay until it is settled
	claimErr error // the error the last claim returned
}

// beginUpload records in, then charges in.Bytes and in.Docs within limit
// when they are not 0, on a goroutine, so that a request body can stream
// in meanwhile. A claim waits only for the record, and the charge runs on
// while the blob is claimed and committed (on FerretDB a charge takes
// three round trips: it is not hidden behind a 1 MB body); wait waits for
// both, before the metadata commit. A charge the quota refuses (a race
// with another upload: the declared size was checked before) thus comes
// after the blob is stored, as for an upload of unknown size: the intent
// names the blob, for the collector.
func (s *Service) beginUpload(ctx context.Context, in UploadIntent, o Owner, limit int64) *upload {
	u := &upload{s: s, in: in, recorded: make(chan struct{}), begun: make(chan struct{})}
	go func() {
		defer close(u.begun)
		// Deferred: the claim's durable write makes them durable before a
		// blob is committed under the intent, the metadata commit's sync
		// before the answer; a write that fails before its claim charged
		// nothing that must survive a crash.
		rec := in
		rec.Bytes, rec.Docs = 0, 0
		u.recordErr = s.chargeErr(ctx, o, 0, limit, s.deferred.BeginUpload(ctx, rec, 0))
		close(u.recorded)
		u.beginErr = u.recordErr
		if u.recordErr == nil && (in.Bytes != 0 || in.Docs != 0) {
			err := s.deferred.ChargeUpload(ctx, in.OwnerID, in.ID, in.Bytes, in.Docs, max(limit, 0))
			u.beginErr = s.chargeErr(ctx, o, in.Bytes, limit, err)
		}
	}()
	return u
}

// newIntent is the intent of a write by a to document docID of ownerID,
// started now, adding docs documents.
func (s *Service) newIntent(a Actor, ownerID, docID string, docs int64) UploadIntent {
	now := s.nowUTC()
	return UploadIntent{ID: NewID(now), OwnerID: ownerID, DocumentID: docID, Actor: a.Subject, Docs: docs, CreatedAt: now}
}

// record returns the error of recording the intent.
func (u *upload) record() error {
	<-u.recorded
	return u.recordErr
}

// wait returns the error of recording the intent or of its charge.
func (u *upload) wait() error {
	<-u.begun
	return u.beginErr
}

// claim records hash in the intent; the blob store calls it before it
// commits the blob or relies on a stored copy (storage.Bucket.PutClaimed).
func (u *upload) claim(ctx context.Context, hash string) error {
	err := u.record()
	if err == nil {
		if err = u.s.store.ClaimBlob(ctx, u.in.ID, hash); err != nil {
			err = storeErr("claim blob", err)
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.claimErr = err
	if err == nil {
		u.claimed = true
	}
	return err
}

// failedClaim is the error of the last claim, if it failed: the blob
// store's error is then only its echo.
func (u *upload) failedClaim() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.claimErr
}

// charge charges bytes and docs under the intent (for an upload whose size
// was not known at the start).
func (u *upload) charge(ctx context.Context, o Owner, bytes, docs, limit int64) error {
	err := u.s.store.ChargeUpload(ctx, o.ID, u.in.ID, bytes, docs, max(limit, 0))
	return u.s.chargeErr(ctx, o, bytes, limit, err)
}

// chargeErr maps the store's error of a charge.
func (s *Service) chargeErr(ctx context.Context, o Owner, bytes, limit int64, err error) error {
	switch {
	case err == nil:
		return nil
	case kerr.IsKind(err, kerr.TooLarge):
		used := o.UsedBytes
		if cur, gerr := s.store.GetOwner(ctx, o.ID); gerr == nil {
			used = cur.UsedBytes
		}
		return errQuotaExceeded(used, bytes, limit)
	case kerr.IsKind(err, kerr.NotFound):
		return errOwnerNotFound(o.ID)
	}
	return storeErr("begin upload", err)
}

// fresh refuses to commit a write older than half the grace period: the
// collector takes an intent older than the grace period for the trace of a
// dead write, gives back its charge and deletes its blobs, so a write must
// never commit that late. The margin covers clock differences between
// processes and pauses.
func (u *upload) fresh() error {
	age := u.s.now().Sub(u.in.CreatedAt)
	if age <= u.s.cfg.BlobGrace/2 {
		return nil
	}
	return kerr.New(kerr.Unavailable, "upload_expired", "Quá trình tải lên kéo dài quá lâu nên đã bị hủy; vui lòng tải lại.",
		"the write started %s ago; writes must commit within half the blob grace period (%s)", age, u.s.cfg.BlobGrace/2)
}

// fail ends a write that did not commit. When it surely did not (the
// error came before the metadata commit, or the commit refused it), the
// charge is given back now and, unless it named a blob, the intent goes
// too; an intent that named a blob stays for the collector, which deletes
// the blob unless something else references it. When the commit's outcome
// is unknown (the store did not answer), everything stays for the
// collector, which looks whether the write was committed.
func (u *upload) fail(ctx context.Context, surely bool) {
	if !surely {
		return
	}
	if u.record() != nil {
		// Nothing was recorded, or it is unknown: the collector settles
		// what is left.
		return
	}
	u.wait() // a charge still running must not land after the settlement
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := u.s.store.SettleUpload(ctx, u.in.OwnerID, u.in.ID, true); err != nil {
		u.s.log.ErrorContext(ctx, "usage not released after a failed write; the collector will",
			"owner", u.in.OwnerID, "upload", u.in.ID, "err", err)
		return
	}
	u.mu.Lock()
	claimed := u.claimed
	u.mu.Unlock()
	if !claimed {
		u.s.deleteIntent(ctx, u.in.ID)
	}
}

// done ends a write that committed: after the answer its charge becomes
// plain usage and its intent is deleted, batched with the other finished
// writes of the owner (settleLater). Both steps are idempotent, and an
// intent left by a crash before them is settled by the collector the same
// way.
func (u *upload) done() {
	u.s.settleLater(u.in.OwnerID, u.in.ID)
}

func (s *Service) deleteIntent(ctx context.Context, id string) {
	if err := s.store.DeleteUploads(ctx, id); err != nil {
		s.log.WarnContext(ctx, "upload intent not deleted; the collector will", "upload", id, "err", err)
	}
}

// settleDelay is how long a finished write waits to be settled, so that
// the writes of an owner that finish together are settled together.
const settleDelay = 100 * time.Millisecond

// settler settles finished writes in batches: per owner one change of the
// owner's record (KeepUploads) and one deletion of intents (DeleteUploads)
// per settleDelay, however many writes finished meanwhile. On a store
// whose updates of one record are serialised (FerretDB) a settlement per
// upload would also wait for the owner's record behind the next upload's
// charge.
type settler struct {
	mu      sync.Mutex
	pending map[string][]string // owner → finished writes
	armed   bool                // a batch is waiting to run
	kick    chan struct{}       // runs the waiting batch now
}

// settleLater queues the finished write id of owner for the next batch.
func (s *Service) settleLater(owner, id string) {
	st := &s.settle
	st.mu.Lock()
	if st.pending == nil {
		st.pending = map[string][]string{}
	}
	st.pending[owner] = append(st.pending[owner], id)
	start := !st.armed
	st.armed = true
	st.mu.Unlock()
	if start {
		s.cleanups.Go(s.settleBatch)
	}
}

// settleBatch waits settleDelay (or a kick), then settles what is queued.
func (s *Service) settleBatch() {
	st := &s.settle
	t := time.NewTimer(settleDelay)
	select {
	case <-t.C:
	case <-st.kick:
		t.Stop()
	}
	st.mu.Lock()
	batch := st.pending
	st.pending, st.armed = nil, false
	st.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Deferred: a settlement a crash loses is redone by the collector.
	for owner, ids := range batch {
		if err := s.deferred.KeepUploads(ctx, owner, ids); err != nil {
			s.log.WarnContext(ctx, "finished uploads not settled; the collector will", "owner", owner, "uploads", len(ids), "err", err)
			continue
		}
		if err := s.deferred.DeleteUploads(ctx, ids...); err != nil {
			s.log.WarnContext(ctx, "finished uploads' intents not deleted; the collector will", "owner", owner, "uploads", len(ids), "err", err)
		}
	}
}

// Wait settles the finished uploads still queued and waits until that is
// done, or ctx ends. A server calls it before closing the stores; what it
// cuts short the collector finishes later. Call it when no upload runs.
func (s *Service) Wait(ctx context.Context) error {
	select {
	case s.settle.kick <- struct{}{}:
	default:
	}
	done := make(chan struct{})
	go func() { s.cleanups.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// surely reports whether a commit's error means that it did not happen:
// a refusal (Conflict, NotFound, Invalid …) rather than a store that did
// not answer, after which the write may or may not have been applied.
func surely(err error) bool {
	k := kerr.KindOf(err)
	return k != kerr.Unavailable && k != kerr.Internal
}
