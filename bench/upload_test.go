package bench_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/pdfobj"
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
	j := newUploadJob(b, s, uploadOwner, token, size)
	before := countBlobs(b, s.bucket)

	api, raw := alternate(b, func() error { return j.upload() }, j.write)
	checkNoDedup(b, s, before, 2*(len(api)+1))
	reportRates(b, float64(size), median(api), median(raw))
}

// alternate times api and raw once per iteration of b's loop, in
// alternating order so that both share the machine's noise, after one
// untimed warm-up call of each (first connection, first writes).
func alternate(b *testing.B, api, raw func() error) (apiTimes, rawTimes []time.Duration) {
	timed := func(f func() error) time.Duration {
		t0 := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	timed(api)
	timed(raw)
	for b.Loop() {
		if len(apiTimes)%2 == 0 {
			apiTimes = append(apiTimes, timed(api))
			rawTimes = append(rawTimes, timed(raw))
		} else {
			rawTimes = append(rawTimes, timed(raw))
			apiTimes = append(apiTimes, timed(api))
		}
	}
	return apiTimes, rawTimes
}

// uploadJob uploads through the API and writes raw to the driver, each
// time new content of the same size.
type uploadJob struct {
	s                *stack
	owner, token     string
	target           string
	apiData, rawData []byte
	nonce            [8]byte
	seq              uint64
}

// newUploadJob prepares uploads of size bytes for owner (whose citizen
// token is token). Each job has a random nonce, so no two jobs' contents
// are equal either.
func newUploadJob(b *testing.B, s *stack, owner, token string, size int) *uploadJob {
	j := &uploadJob{s: s, owner: owner, token: token, apiData: pdfBytes(1, size), rawData: pdfBytes(2, size)}
	if _, err := rand.Read(j.nonce[:]); err != nil {
		b.Fatal(err)
	}
	copy(j.apiData[64:], j.nonce[:])
	copy(j.rawData[64:], j.nonce[:])
	q := url.Values{"owner": {owner}, "type": {"KHAC"}, "name": {"Bản sao giấy tờ đo hiệu năng"}, "filename": {"giay-to.pdf"}}
	j.target = s.srv.URL + "/api/v1/documents?" + q.Encode()
	return j
}

// upload stores new content through the API as the owner.
func (j *uploadJob) upload() error {
	j.seq++
	binary.LittleEndian.PutUint64(j.apiData[72:], j.seq)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, j.target, bytes.NewReader(j.apiData))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/pdf")
	status, body, err := j.s.do(req, j.token)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if status != http.StatusCreated {
		return fmt.Errorf("upload: status %d, want 201: %s", status, truncate(body))
	}
	return nil
}

// write stores new content of the same size straight to the driver:
// Stage, Write in the storage benchmarks' chunks, Commit.
func (j *uploadJob) write() error {
	ctx := context.Background()
	j.seq++
	binary.LittleEndian.PutUint64(j.rawData[72:], j.seq)
	st, err := j.s.driver.Stage(ctx)
	if err != nil {
		return err
	}
	for p := j.rawData; len(p) > 0; {
		n := min(len(p), storagetest.WriteChunk)
		if _, err := st.Write(p[:n]); err != nil {
			_ = st.Abort(ctx)
			return err
		}
		p = p[n:]
	}
	// The key is any fresh valid key: the driver does not hash.
	return st.Commit(ctx, storagetest.SHA256(append(j.nonce[:], strconv.FormatUint(j.seq, 10)...)))
}

// checkNoDedup fails b unless the bucket holds want more blobs than before:
// every upload and raw write stored a blob of its own.
func checkNoDedup(b *testing.B, s *stack, before, want int) {
	if got := countBlobs(b, s.bucket) - before; got != want {
		b.Fatalf("%d new blobs after %d uploads and raw writes: some content was deduplicated", got, want)
	}
}

// reportRates reports api-MB/s and raw-MB/s (10^6 bytes over the median
// time of one operation or round) and their ratio.
func reportRates(b *testing.B, bytes float64, api, raw time.Duration) {
	mb := bytes / 1e6
	apiRate, rawRate := mb/api.Seconds(), mb/raw.Seconds()
	b.ReportMetric(apiRate, "api-MB/s")
	b.ReportMetric(rawRate, "raw-MB/s")
	b.ReportMetric(apiRate/rawRate, "ratio")
}

// uploadClients is how many uploads BenchmarkUploadConcurrent keeps in
// flight.
const uploadClients = 4

// BenchmarkUploadConcurrent is BenchmarkUpload with uploadClients citizens
// uploading at once, as a server sees them, against as many raw driver
// writes at once. Each iteration runs a round of uploadClients concurrent
// uploads (one per citizen, each their own document owner) and a round of
// as many concurrent raw writes, in alternating order; the rates are the
// bytes of a round over the median round time.
func BenchmarkUploadConcurrent(b *testing.B) {
	for _, dep := range deployments {
		b.Run(dep.name, func(b *testing.B) {
			s := newStack(b, dep)
			if t, ok := s.client.Transport.(*http.Transport); ok {
				t.MaxIdleConnsPerHost = uploadClients
			}
			jobs := make([]*uploadJob, uploadClients)
			for _, us := range uploadSizes {
				b.Run(us.name, func(b *testing.B) {
					for i := range jobs {
						owner := fmt.Sprintf("0010990009%02d", i)
						jobs[i] = newUploadJob(b, s, owner, s.token(b, owner, archive.RoleCitizen), us.size)
					}
					benchUploadConcurrent(b, s, jobs, us.size)
				})
			}
		})
	}
}

func benchUploadConcurrent(b *testing.B, s *stack, jobs []*uploadJob, size int) {
	round := func(op func(*uploadJob) error) error {
		var wg sync.WaitGroup
		errs := make([]error, len(jobs))
		for i, j := range jobs {
			wg.Go(func() { errs[i] = op(j) })
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	before := countBlobs(b, s.bucket)
	api, raw := alternate(b,
		func() error { return round(func(j *uploadJob) error { return j.upload() }) },
		func() error { return round(func(j *uploadJob) error { return j.write() }) })
	checkNoDedup(b, s, before, 2*len(jobs)*(len(api)+1))
	reportRates(b, float64(size*len(jobs)), median(api), median(raw))
}

// median returns the median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// pdfBytes returns a valid PDF of n bytes whose bulk is random data, the
// data of one stream (pdfobj.Frame); bytes 64 to 80 are in that data, left
// for a nonce and a counter.
func pdfBytes(seed uint64, n int) []byte {
	head, tail := pdfobj.Frame(int64(n))
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
