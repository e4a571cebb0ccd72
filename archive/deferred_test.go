package archive_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// syncCountingStore is the vault's store with its DeferredSyncer methods
// passed through, counting the syncs and failing them on demand.
type syncCountingStore struct {
	archive.Store
	ds    archive.DeferredSyncer
	syncs atomic.Int32
	fail  atomic.Bool
}

func (s *syncCountingStore) Deferred() archive.Store { return s.ds.Deferred() }

func (s *syncCountingStore) Sync(ctx context.Context) error {
	s.syncs.Add(1)
	if s.fail.Load() {
		return errors.New("the disk went away")
	}
	return s.ds.Sync(ctx)
}

// TestPutSyncsTheDocument: on a store whose writes can be deferred, an
// upload syncs after writing its document and before answering; when the
// sync fails the upload fails, its outcome unknown, and the intent it
// leaves is settled by the collector like that of any write whose commit
// went unanswered (the document was committed: its charge is kept).
func TestPutSyncsTheDocument(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	ds, ok := v.store.(archive.DeferredSyncer)
	if !ok {
		t.Fatal("the SQLite store is not a DeferredSyncer")
	}
	st := &syncCountingStore{Store: v.store, ds: ds}
	w := archive.New(st, v.bucket, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
	if _, err := w.Put(ctx, citizenA, birthCert("", pdfBytes("synced"))); err != nil {
		t.Fatal(err)
	}
	if n := st.syncs.Load(); n != 1 {
		t.Fatalf("%d syncs for one upload, want 1", n)
	}
	st.fail.Store(true)
	_, err := w.Put(ctx, citizenA, birthCert("", pdfBytes("sync fails")))
	if err == nil || kerr.KindOf(err) != kerr.Internal {
		t.Fatalf("upload with a failing sync: %v; want an internal store error", err)
	}
	if err := w.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(intents(t, v)); n != 1 {
		t.Fatalf("%d intents after an upload whose sync failed, want its own", n)
	}
	v.clock.Set(time.Now().Add(2 * time.Hour))
	rep, err := v.CollectGarbageWith(ctx, archive.GCOptions{})
	wantCode(t, err, "")
	if rep.Uploads != 1 || rep.Abandoned != 0 || len(intents(t, v)) != 0 {
		t.Fatalf("collection %+v, %d intents left; want the upload finished as committed", rep, len(intents(t, v)))
	}
	wantUsageTrue(t, v, citizenA.Subject)
}
