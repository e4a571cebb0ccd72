package bench_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/storagetest"
)

// uploadSizes are the file sizes of BenchmarkUpload (MiB, named as the
// storage driver benchmarks name theirs).
var uploadSizes = []struct {
	name string
	size int
}{
	{"1MB", 1 << 20},
	{"20MB", 20 << 20},
}

// uploadOwner is the citizen who uploads.
const uploadOwner = "001099000888"

// BenchmarkUpload is issue 2 item 9's upload goal: storing a PDF through the
// HTTP API (raw upload form, Content-Length set, into the vault over the
// real stores) reaches at least 0.7 of the throughput of writing the same
// bytes straight to the blob driver (Stage, Write, Commit).
//
// Each iteration does one API upload and one raw driver write of the same
// size, in alternating order, so both share the machine's noise. Every
// upload and every raw write has new content, so deduplication never
// short-cuts an upload. It reports api-MB/s and raw-MB/s (10^6 bytes over
// the median time of one operation: on a shared machine a single stalled
// fsync would otherwise dominate a mean) and ratio = api/raw; ns/op is the
// mean time of the pair.
func BenchmarkUpload(b *testing.B) {
	for _, dep := range deployments {
		b.Run(dep.name, func(b *testing.B) {
			s := newStack(b, dep)
			token := s.token(b, uploadOwner, archive.RoleCitizen)
			for _, us := range uploadSizes {
				b.Run(us.name, func(b *testing.B) { benchUpload(b, s, token, us.size) })
			}
		})
	}
}

func benchUpload(b *testing.B, s *stack, token string, size int) {
	ctx := context.Background()
	apiData := pdfBytes(1, size)
	rawData := pdfBytes(2, size)
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	copy(apiData[16:], nonce[:])
	copy(rawData[16:], nonce[:])
	q := url.Values{"owner": {uploadOwner}, "type": {"KHAC"}, "name": {"Bản sao tài liệu đo hiệu năng"}, "filename": {"tai-lieu.pdf"}}
	target := s.srv.URL + "/api/v1/documents?" + q.Encode()

	seq := uint64(0)
	upload := func() {
		seq++
		binary.LittleEndian.PutUint64(apiData[24:], seq)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(apiData))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/pdf")
		status, body, err := s.do(req, token)
		if err != nil {
			b.Fatalf("upload: %v", err)
		}
		if status != http.StatusCreated {
			b.Fatalf("upload: status %d, want 201: %s", status, truncate(body))
		}
	}
	write := func() {
		seq++
		binary.LittleEndian.PutUint64(rawData[24:], seq)
		st, err := s.driver.Stage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for p := rawData; len(p) > 0; {
			n := min(len(p), storagetest.WriteChunk)
			if _, err := st.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		// The key is any fresh valid key: the driver does not hash.
		if err := st.Commit(ctx, storagetest.SHA256(append(nonce[:], strconv.FormatUint(seq, 10)...))); err != nil {
			b.Fatal(err)
		}
	}
	before := countBlobs(b, s.bucket)

	// Warm up both paths (first connection, first writes) outside the timing.
	upload()
	write()
	var api, raw []time.Duration
	for b.Loop() {
		if len(api)%2 == 0 {
			t0 := time.Now()
			upload()
			t1 := time.Now()
			write()
			api, raw = append(api, t1.Sub(t0)), append(raw, time.Since(t1))
		} else {
			t0 := time.Now()
			write()
			t1 := time.Now()
			upload()
			raw, api = append(raw, t1.Sub(t0)), append(api, time.Since(t1))
		}
	}
	n := len(api)
	// Every upload and write stored a blob of its own: nothing was deduplicated.
	if got, want := countBlobs(b, s.bucket)-before, 2*(n+1); got != want {
		b.Fatalf("%d new blobs after %d uploads and %d raw writes: some content was deduplicated", got, n+1, n+1)
	}
	mb := float64(size) / 1e6
	apiRate, rawRate := mb/median(api).Seconds(), mb/median(raw).Seconds()
	b.ReportMetric(apiRate, "api-MB/s")
	b.ReportMetric(rawRate, "raw-MB/s")
	b.ReportMetric(apiRate/rawRate, "ratio")
}

// median returns the median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// pdfBytes returns n bytes that the vault detects as a PDF: a PDF header,
// random bytes (bytes 16 to 32 are left for a nonce and a counter) and an
// end-of-file marker.
func pdfBytes(seed uint64, n int) []byte {
	const head, tail = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "\n%%EOF\n"
	p := storagetest.Random(seed, n)
	copy(p, head)
	copy(p[n-len(tail):], tail)
	return p
}

// countBlobs returns the number of blobs in the bucket.
func countBlobs(b *testing.B, bucket *storage.Bucket) int {
	b.Helper()
	n := 0
	if err := bucket.List(context.Background(), func(string, int64, time.Time) error { n++; return nil }); err != nil {
		b.Fatalf("list blobs: %v", err)
	}
	return n
}
