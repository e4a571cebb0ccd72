package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
	"github.com/kho-vn/kho/storage/sqlite"
)

// The benchmark's vault: benchDocs documents spread evenly over benchOwners
// owners, created interleaved in time as a real office's would be.
const (
	benchOwners = 1000
	benchDocs   = 100_000
)

var bench struct {
	once   sync.Once
	dir    string
	store  *sqlite.Store
	owners []string
	err    error
	seeded time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.store != nil {
		bench.store.Close(context.Background())
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

var benchTypes = []string{"KS", "CCCD", "GPLX", "BANG.DH", "HK", "SO.DO", "KH", "HD.LD"}

var benchNames = []string{
	"Giấy khai sinh", "Căn cước công dân", "Giấy phép lái xe hạng B2", "Bằng tốt nghiệp đại học",
	"Sổ hộ khẩu", "Giấy chứng nhận quyền sử dụng đất", "Giấy chứng nhận kết hôn", "Hợp đồng lao động",
}

// benchStore returns the seeded store, seeding it on first use (once per process).
func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	bench.once.Do(func() {
		start := time.Now()
		bench.dir, bench.err = os.MkdirTemp("", "kho-sqlite-bench-")
		if bench.err != nil {
			return
		}
		ctx := context.Background()
		bench.store, bench.err = sqlite.Open(ctx, filepath.Join(bench.dir, "kho.db"))
		if bench.err != nil {
			return
		}
		for i := 0; i < benchOwners; i++ {
			bench.owners = append(bench.owners, fmt.Sprintf("0010900%05d", i))
		}
		rng := rand.New(rand.NewPCG(1, 2))
		base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		docs := make([]archive.Document, 0, 1000)
		for i := 0; i < benchDocs; i++ {
			docs = append(docs, benchDoc(rng, base.Add(time.Duration(i)*time.Minute), bench.owners[i%benchOwners]))
			if len(docs) == cap(docs) || i == benchDocs-1 {
				if bench.err = sqlite.CreateDocuments(ctx, bench.store, docs); bench.err != nil {
					return
				}
				docs = docs[:0]
			}
		}
		bench.seeded = time.Since(start)
	})
	if bench.err != nil {
		b.Fatalf("seeding the benchmark store: %v", bench.err)
	}
	return bench.store
}

// benchDoc is a plausible document of ownerID created at at.
func benchDoc(rng *rand.Rand, at time.Time, ownerID string) archive.Document {
	k := rng.IntN(len(benchTypes))
	return archivetest.SampleDocument(rng, at, ownerID, benchTypes[k], benchNames[k])
}

// BenchmarkListDocuments measures one page (50) of an owner's documents in
// a vault of 100,000 documents over 1,000 owners, and reports the p50 and
// p99 latency of ListDocuments. The goal is p99 < 20 ms.
func BenchmarkListDocuments(b *testing.B) {
	s := benchStore(b)
	b.Logf("seeded %d documents over %d owners in %v", benchDocs, benchOwners, bench.seeded.Round(time.Millisecond))
	cases := []struct {
		name string
		q    func(rng *rand.Rand, owner string) archive.DocQuery
	}{
		{"FirstPage", func(rng *rand.Rand, owner string) archive.DocQuery {
			return archive.DocQuery{OwnerID: owner, Limit: 50}
		}},
		{"SecondPage", func(rng *rand.Rand, owner string) archive.DocQuery {
			return archive.DocQuery{OwnerID: owner, Limit: 50, After: archive.NewID(time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC))}
		}},
		{"Type", func(rng *rand.Rand, owner string) archive.DocQuery {
			return archive.DocQuery{OwnerID: owner, TypeCodes: []string{benchTypes[rng.IntN(len(benchTypes))]}, Limit: 50}
		}},
		// Word searches carry SearchVersion, as the vault's do.
		{"ValidWords", func(rng *rand.Rand, owner string) archive.DocQuery {
			return archive.DocQuery{OwnerID: owner, Status: archive.StatusValid, ValidOn: archive.Date{Year: 2021, Month: 6, Day: 1},
				Words: []string{"ban chinh", "phuong"}, SearchVersion: archive.SearchTextVersion, Limit: 50}
		}},
		{"NoMatch", func(rng *rand.Rand, owner string) archive.DocQuery {
			return archive.DocQuery{OwnerID: owner, Words: []string{"khong co"}, SearchVersion: archive.SearchTextVersion, Limit: 50}
		}},
		{"TypedField", func(rng *rand.Rand, owner string) archive.DocQuery {
			return archive.DocQuery{OwnerID: owner, Words: []string{"nguyen van", "an"}, SearchVersion: archive.SearchTextVersion, Limit: 50}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 4))
			lat := make([]time.Duration, 0, 1024)
			for b.Loop() {
				q := c.q(rng, bench.owners[rng.IntN(len(bench.owners))])
				t0 := time.Now()
				docs, _, err := s.ListDocuments(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if c.name == "FirstPage" && len(docs) != 50 {
					b.Fatalf("a page of %d documents, want 50", len(docs))
				}
			}
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
