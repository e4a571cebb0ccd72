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
// passed through, counting the syncs and failing them on demand, and
// failing ledger appends on demand.
type syncCountingStore struct {
	archive.Store
	ds         archive.DeferredSyncer
	syncs      atomic.Int32
	fail       atomic.Bool
	failLedger atomic.Bool
}

func (s *syncCountingStore) Deferred() archive.Store { return s.ds.Deferred() }

func (s *syncCountingStore) Sync(ctx context.Context) error {
	s.syncs.Add(1)
	if s.fail.Load() {
		return errors.New("the disk went away")
	}
	return s.ds.Sync(ctx)
}

func (s *syncCountingStore) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	if s.failLedger.Load() {
		return kerr.New(kerr.Unavailable, "", "", "test: the ledger is unavailable")
	}
	return s.Store.AppendLedger(ctx, e)
}

// TestPutSyncsTheDocument: on a store whose writes can be deferred, an
// upload writes its document deferred and relies on the durable write of
// its ledger entry to make it durable (e2e TestDurableBeforeAcknowledged
// shows that it is); when no entry could be written, it syncs by itself
// before answering; when that sync fails the upload fails, its outcome
// unknown, and the intent it leaves is settled by the collector like that
// of any write whose commit went unanswered (the document was committed:
// its charge is kept).
func TestPutSyncsTheDocument(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	ds, ok := v.store.(archive.DeferredSyncer)
	if !ok {
		t.Fatal("the SQLite store is not a DeferredSyncer")
	}
	st := &syncCountingStore{Store: v.store, ds: ds}
	w := archive.New(st, v.bucket, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
	if _, err := w.Put(ctx, citizenA, birthCert("", pdfBytes("synced by its ledger entry"))); err != nil {
		t.Fatal(err)
	}
	if n := st.syncs.Load(); n != 0 {
		t.Fatalf("%d syncs for an upload whose ledger entry was written, want 0", n)
	}
	st.failLedger.Store(true)
	if _, err := w.Put(ctx, citizenA, birthCert("", pdfBytes("synced by itself"))); err != nil {
		t.Fatal(err)
	}
	if n := st.syncs.Load(); n != 1 {
		t.Fatalf("%d syncs for an upload whose ledger entry was not written, want 1", n)
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
