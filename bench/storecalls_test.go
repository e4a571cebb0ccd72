package bench_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/auth"
)

// BenchmarkStoreCalls explains BenchmarkUpload's 1 MB ratio: it runs the
// same 1 MB upload benchmark with the metadata store wrapped in a timer and
// reports the median time of each store call an upload makes ("<Call>-ms"),
// and their sum weighted by calls per upload ("meta-ms"): what one upload
// spends in the metadata store. The ledger calls (LastLedger, AppendLedger)
// record the upload in the owner's access ledger.
func BenchmarkStoreCalls(b *testing.B) {
	for _, dep := range deployments {
		b.Run(dep.name, func(b *testing.B) {
			d, st := dep.open(b)
			ts := newTimedStore(st)
			s, err := assemble(d, ts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				if err := s.close(true); err != nil {
					b.Error(err)
				}
			})
			token := s.token(b, uploadOwner, archive.RoleCitizen)
			b.Run("1MB", func(b *testing.B) {
				ts.reset()
				benchUpload(b, s, token, 1<<20)
				var total float64
				for _, name := range uploadCalls {
					ms := ts.median(name)
					// Calls per upload: LastLedger runs only when the
					// process has no tail hint for the owner's chain.
					total += ms * float64(ts.count(name)) / float64(b.N)
					b.ReportMetric(ms, name+"-ms")
				}
				b.ReportMetric(total, "meta-ms")
			})
		})
	}
}

// uploadCalls are the store calls of one upload through the API. The
// upload's intent (archive.UploadIntent): BeginUpload (the intent) and
// ChargeUpload (the quota charge) run while the body streams in, ClaimBlob
// between the last byte and the blob's commit, KeepUploads and
// DeleteUploads after the answer, once per owner for the uploads that
// finished within 100 ms. On SQLite the intent, the charge, the document
// and the settlement are deferred writes (archive.DeferredSyncer) that the
// ledger entry's commit, or Sync before the answer, makes durable.
var uploadCalls = []string{"TokenByHash", "GetDocumentType", "GetOwner", "BeginUpload", "ChargeUpload", "ClaimBlob", "CreateDocument",
	"LastLedger", "AppendLedger", "Sync", "KeepUploads", "DeleteUploads"}

// timedStore is a metaStore that times the calls of an upload, its
// deferred writes (Deferred) included.
type timedStore struct {
	metaStore
	*timings
}

// timings are the times of the calls, by name.
type timings struct {
	mu    sync.Mutex
	times map[string][]time.Duration
}

func newTimedStore(st metaStore) *timedStore {
	return &timedStore{metaStore: st, timings: &timings{times: map[string][]time.Duration{}}}
}

// Deferred is the store's deferred writes (archive.DeferredSyncer), timed
// under the same names, so that the vault writes as it does over the
// store itself.
func (s *timedStore) Deferred() archive.Store {
	ds, ok := s.metaStore.(archive.DeferredSyncer)
	if !ok {
		return s
	}
	return &timedStore{metaStore: deferredMeta{ds.Deferred(), s.metaStore}, timings: s.timings}
}

// deferredMeta is a deferred archive.Store with the tokens of auth.Store.
type deferredMeta struct {
	archive.Store
	tokens auth.Store
}

func (d deferredMeta) CreateToken(ctx context.Context, t auth.Token) error {
	return d.tokens.CreateToken(ctx, t)
}

func (d deferredMeta) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	return d.tokens.TokenByHash(ctx, hash)
}

func (d deferredMeta) RevokeToken(ctx context.Context, id string) error {
	return d.tokens.RevokeToken(ctx, id)
}

func (d deferredMeta) ListTokens(ctx context.Context) ([]auth.Token, error) {
	return d.tokens.ListTokens(ctx)
}

// Sync is the store's (archive.DeferredSyncer), timed; nothing for a store
// whose writes are all durable.
func (s *timedStore) Sync(ctx context.Context) error {
	defer s.done("Sync", time.Now())
	if ds, ok := s.metaStore.(archive.DeferredSyncer); ok {
		return ds.Sync(ctx)
	}
	return nil
}

func (s *timedStore) done(name string, t0 time.Time) {
	d := time.Since(t0)
	s.mu.Lock()
	s.times[name] = append(s.times[name], d)
	s.mu.Unlock()
}

func (s *timedStore) reset() {
	s.mu.Lock()
	clear(s.times)
	s.mu.Unlock()
}

// count returns how many times a call was made.
func (s *timedStore) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.times[name])
}

// median returns the median time of a call in milliseconds (0 if never
// made).
func (s *timedStore) median(name string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.times[name]) == 0 {
		return 0
	}
	return float64(median(s.times[name])) / float64(time.Millisecond)
}

func (s *timedStore) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	defer s.done("TokenByHash", time.Now())
	return s.metaStore.TokenByHash(ctx, hash)
}

func (s *timedStore) GetDocumentType(ctx context.Context, code string) (archive.DocumentType, error) {
	defer s.done("GetDocumentType", time.Now())
	return s.metaStore.GetDocumentType(ctx, code)
}

func (s *timedStore) GetOwner(ctx context.Context, id string) (archive.Owner, error) {
	defer s.done("GetOwner", time.Now())
	return s.metaStore.GetOwner(ctx, id)
}

func (s *timedStore) BeginUpload(ctx context.Context, in archive.UploadIntent, limit int64) error {
	defer s.done("BeginUpload", time.Now())
	return s.metaStore.BeginUpload(ctx, in, limit)
}

func (s *timedStore) ChargeUpload(ctx context.Context, owner, id string, bytes, docs, limit int64) error {
	defer s.done("ChargeUpload", time.Now())
	return s.metaStore.ChargeUpload(ctx, owner, id, bytes, docs, limit)
}

func (s *timedStore) ClaimBlob(ctx context.Context, id, hash string) error {
	defer s.done("ClaimBlob", time.Now())
	return s.metaStore.ClaimBlob(ctx, id, hash)
}

func (s *timedStore) KeepUploads(ctx context.Context, owner string, ids []string) error {
	defer s.done("KeepUploads", time.Now())
	return s.metaStore.KeepUploads(ctx, owner, ids)
}

func (s *timedStore) DeleteUploads(ctx context.Context, ids ...string) error {
	defer s.done("DeleteUploads", time.Now())
	return s.metaStore.DeleteUploads(ctx, ids...)
}

func (s *timedStore) CreateDocument(ctx context.Context, d archive.Document) error {
	defer s.done("CreateDocument", time.Now())
	return s.metaStore.CreateDocument(ctx, d)
}

func (s *timedStore) LastLedger(ctx context.Context, chain, lane string) (archive.LedgerEntry, error) {
	defer s.done("LastLedger", time.Now())
	return s.metaStore.LastLedger(ctx, chain, lane)
}

func (s *timedStore) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	defer s.done("AppendLedger", time.Now())
	return s.metaStore.AppendLedger(ctx, e)
}
