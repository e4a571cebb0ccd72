package mongo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage/mongo"
)

// The benchmark's vault: 100,000 documents over 1,000 owners, seeded once
// per process into its own database and dropped by TestMain.
const (
	benchOwners = 1000
	benchDocs   = 100_000
)

var bench struct {
	once  sync.Once
	store *mongo.Store
	db    string
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = bench.store.Drop(ctx)
		_ = bench.store.Close(ctx)
		cancel()
	}
	os.Exit(code)
}

func benchOwner(i int) string { return fmt.Sprintf("%012d", 79_000_000_000+i) }

// seedBench opens the benchmark database and fills it (once per process).
func seedBench(b *testing.B) *mongo.Store {
	bench.once.Do(func() {
		uri := os.Getenv("KHO_TEST_MONGO_URI")
		if uri == "" {
			bench.err = fmt.Errorf("KHO_TEST_MONGO_URI not set: run `make test-servers` and source its env file")
			return
		}
		ctx := context.Background()
		bench.db = fmt.Sprintf("mongo-bench-%d", time.Now().UnixNano())
		s, err := mongo.Open(ctx, uri, bench.db)
		if err != nil {
			bench.err = err
			return
		}
		bench.store = s
		start := time.Now()
		if err := seedVault(ctx, s); err != nil {
			bench.err = err
			return
		}
		fmt.Fprintf(os.Stderr, "seeded %d documents over %d owners in %v\n", benchDocs, benchOwners, time.Since(start).Round(time.Millisecond))
		if os.Getenv("KHO_BENCH_FERRETDB_GIN") == "1" {
			bench.err = ferretGIN(ctx, s)
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.store
}

// seedVault fills s with benchDocs documents over benchOwners owners.
func seedVault(ctx context.Context, s *mongo.Store) error {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{"GKS", "CCCD", "GPLX", "HN", "BANGTN", "SOHK", "GCNQSDD", "HD"}
	names := []string{"Giấy khai sinh", "Căn cước công dân", "Giấy phép lái xe", "Giấy chứng nhận kết hôn",
		"Bằng tốt nghiệp", "Sổ hộ khẩu", "Giấy chứng nhận quyền sử dụng đất", "Hợp đồng lao động"}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]archive.Document, 0, 10_000)
	for i := range benchDocs {
		ownerID := benchOwner(rng.IntN(benchOwners))
		k := rng.IntN(len(types))
		at := t0.Add(time.Duration(i) * time.Minute)
		meta := archive.Metadata{TypeCode: types[k], Name: names[k], Summary: fmt.Sprintf("Bản sao số %d cấp tại UBND quận %d", i, k+1),
			Number: fmt.Sprintf("%d/QĐ", i), Issuer: "UBND quận 1", IssueDate: archive.DateOf(at), Status: archive.StatusValid,
			Fields: map[string]any{"soHieu": fmt.Sprint(i), "trang": float64(rng.IntN(20) + 1)}}
		v := archive.Version{N: 1, Blob: fmt.Sprintf("%064x", i), Size: int64(50_000 + rng.IntN(2_000_000)), MediaType: "application/pdf",
			FileName: "ban-sao.pdf", Change: "create", CreatedBy: ownerID, CreatedAt: at, Meta: meta}
		docs = append(docs, archive.Document{ID: archive.NewID(at), OwnerID: ownerID, Source: archive.SourceUpload, Metadata: meta,
			Current: v, VersionCount: 1, SearchText: archive.Fold(meta.Name + " " + meta.Summary),
			CreatedBy: ownerID, CreatedAt: at, UpdatedAt: at, Rev: 1})
		if len(docs) == cap(docs) || i == benchDocs-1 {
			if err := mongo.SeedDocuments(ctx, s, docs, 1000); err != nil {
				return err
			}
			docs = docs[:0]
		}
	}
	return nil
}

// BenchmarkListDocuments lists a page of 50 of a random owner's documents
// (the first page, or the page after it) and reports the latency
// percentiles of the calls.
//
// Results, 2 vCPU Xeon shared with other builds (load average 6–10),
// FerretDB 1.24 on PostgreSQL 15, 100,000 documents / 1,000 owners:
//
//	2026-11-23  200x  p50 1092 ms  p99 4742 ms
//	2026-11-23  100x  p50  647 ms  p99 1076 ms
//
// The goal (p99 < 50 ms) is out of reach on this server, whatever the
// document shape: FerretDB 1.24 pushes an equality filter down to
// PostgreSQL as `_jsonb->'ownerId' @> '"…"'`, which no btree expression
// index serves, so every query is a sequential scan of the collection
// (EXPLAIN ANALYZE: 280–510 ms for 100,000 rows; the same query written
// with `=` uses the {ownerId, _id} index and takes 0.5 ms). Dropping the
// embedded history from the rows saved under half of that. With
// KHO_BENCH_FERRETDB_GIN=1 (the GIN expression indexes of `kho admin
// ferretdb-indexes`) p99 falls to 100–130 ms on a quiet machine, and to
// ≈ 73 ms (p50 ≈ 46 ms) with FerretDB run with GOGC=400 as
// scripts/testenv.sh now does; the rest is FerretDB decoding and sorting
// the owner's rows in Go (docs/benchmarks.md). On MongoDB the
// {ownerId: 1, _id: -1} index serves the query and its sort (the index of
// each query shape: indexesListing in migrate.go).
func BenchmarkListDocuments(b *testing.B) {
	s := seedBench(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := archive.DocQuery{OwnerID: benchOwner(rng.IntN(benchOwners)), Limit: 50}
		start := time.Now()
		docs, _, err := s.ListDocuments(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 1 && len(docs) == 50 {
			q.After = docs[49].ID
			start = time.Now()
			if _, _, err := s.ListDocuments(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// ferretGIN adds, when KHO_BENCH_FERRETDB_GIN=1, the GIN expression
// indexes that `kho admin ferretdb-indexes` makes on the PostgreSQL tables
// behind FerretDB 1.24 (docs/deployment.md). FerretDB pushes an equality
// down as `_jsonb->'f' @> '"v"'`, which a btree index cannot serve and a GIN
// index on `(_jsonb->'f')` can: this measures the Mongo-driver listing with
// an index that the server actually uses, as MongoDB's {ownerId: 1, _id: -1}
// would be. It needs KHO_TEST_POSTGRES_URL (scripts/testenv.sh exports it).
func ferretGIN(ctx context.Context, s *mongo.Store) error {
	pg := os.Getenv("KHO_TEST_POSTGRES_URL")
	if pg == "" {
		return fmt.Errorf("KHO_BENCH_FERRETDB_GIN=1 needs KHO_TEST_POSTGRES_URL")
	}
	start := time.Now()
	ixs, err := s.CreateFerretDBIndexes(ctx, pg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "GIN indexes %v in %v\n", ixs, time.Since(start).Round(time.Millisecond))
	return nil
}
