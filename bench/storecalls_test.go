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
// spends in the metadata store. The ledger calls (LastLedger, AppendLedger,
// AdvanceLedgerHead) record the upload in the owner's access ledger.
func BenchmarkStoreCalls(b *testing.B) {
	for _, dep := range deployments {
		b.Run(dep.name, func(b *testing.B) {
			d, st := dep.open(b)
			ts := &timedStore{metaStore: st, times: map[string][]time.Duration{}}
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

// uploadCalls are the store calls of one upload through the API.
var uploadCalls = []string{"TokenByHash", "GetDocumentType", "GetOwner", "AddUsage", "CreateDocument",
	"LastLedger", "AppendLedger", "AdvanceLedgerHead"}

// timedStore is a metaStore that times the calls of an upload.
type timedStore struct {
	metaStore
	mu    sync.Mutex
	times map[string][]time.Duration
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

func (s *timedStore) AddUsage(ctx context.Context, id string, bytes, docs, limit int64) error {
	defer s.done("AddUsage", time.Now())
	return s.metaStore.AddUsage(ctx, id, bytes, docs, limit)
}

func (s *timedStore) CreateDocument(ctx context.Context, d archive.Document) error {
	defer s.done("CreateDocument", time.Now())
	return s.metaStore.CreateDocument(ctx, d)
}

func (s *timedStore) LastLedger(ctx context.Context, chain string) (archive.LedgerEntry, error) {
	defer s.done("LastLedger", time.Now())
	return s.metaStore.LastLedger(ctx, chain)
}

func (s *timedStore) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	defer s.done("AppendLedger", time.Now())
	return s.metaStore.AppendLedger(ctx, e)
}

func (s *timedStore) AdvanceLedgerHead(ctx context.Context, h archive.LedgerHead) error {
	defer s.done("AdvanceLedgerHead", time.Now())
	return s.metaStore.AdvanceLedgerHead(ctx, h)
}
