package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kho-vn/kho/storage"
)

// Issue 9 item 1: on S3 the answer comes only after the PUT or the
// multipart completion is acknowledged. Why it holds: Commit makes the
// final request itself — the conditional PUT of a small blob, or the
// completion of the conditional multipart copy of a big one (after the
// completion of the temporary upload) — and returns its result; minio-go
// returns from PutObject and CompleteMultipartUpload only once it has
// the service's answer, and reads a completion's 200 body for the
// <Error> S3 may send there. Bucket.Put returns only after Commit.
//
// The tests put a proxy between the driver and the real MinIO that holds,
// or spoils, the service's answer to that final request.

// commitProxy forwards to the S3 service at target and lets a test hold or
// replace the answer to the request that commits a blob.
type commitProxy struct {
	srv     *httptest.Server
	held    chan struct{} // closed when the commit's answer is being held
	release chan struct{} // closed by letGo to let it go
	once    sync.Once
	spoil   func(*http.Response) error
	mu      sync.Mutex
	commits []string // the commit requests seen: "PUT" or "POST?uploadId"
}

// isCommit reports whether r makes a blob under blobs/ exist: a PUT of
// the whole object, or the completion of a multipart upload.
func isCommit(r *http.Request) string {
	if !strings.Contains(r.URL.Path, "/blobs/") {
		return ""
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && !q.Has("uploadId") && !q.Has("partNumber"):
		return "PUT"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "POST?uploadId"
	}
	return ""
}

func newCommitProxy(t *testing.T, target string) *commitProxy {
	p := &commitProxy{held: make(chan struct{}), release: make(chan struct{})}
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the Host header the client signed
	rp.ModifyResponse = func(resp *http.Response) error {
		kind := isCommit(resp.Request)
		if kind == "" {
			return nil
		}
		p.mu.Lock()
		p.commits = append(p.commits, kind)
		p.mu.Unlock()
		if p.spoil != nil {
			return p.spoil(resp)
		}
		close(p.held)
		select {
		case <-p.release:
		case <-time.After(time.Minute):
		}
		return nil
	}
	p.srv = httptest.NewServer(rp)
	t.Cleanup(p.srv.Close)
	t.Cleanup(p.letGo) // first: Close waits for the held answer
	return p
}

// letGo lets the held answer go.
func (p *commitProxy) letGo() { p.once.Do(func() { close(p.release) }) }

func (p *commitProxy) addr() string { return strings.TrimPrefix(p.srv.URL, "http://") }

func (p *commitProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.commits...)
}

// ackCases are a blob small enough for one PUT and one that goes through
// the multipart upload and the conditional multipart copy (PartSize is
// MinPartSize in testConfig).
var ackCases = []struct {
	name string
	size int
	want string // the commit request
}{
	{"put", 3 << 10, "PUT"},
	{"multipart", 2*MinPartSize + 123, "POST?uploadId"},
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPutWaitsForTheAcknowledgement: while the service's answer to the
// commit is held, the blob is on the service but Put has not returned;
// it returns once the answer reaches the driver.
func TestPutWaitsForTheAcknowledgement(t *testing.T) {
	for _, tc := range ackCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			newDriver(t, cfg) // makes the bucket
			p := newCommitProxy(t, cfg.Endpoint)
			via := cfg
			via.Endpoint = p.addr()
			b := storage.NewBucket(newDriver(t, via))
			content := randomBytes(t, tc.size)
			sum := sha256.Sum256(content)
			want := hex.EncodeToString(sum[:])

			type result struct {
				hash string
				err  error
			}
			done := make(chan result, 1)
			go func() {
				h, _, err := b.Put(context.Background(), bytes.NewReader(content), -1)
				done <- result{h, err}
			}()
			select {
			case <-p.held:
			case r := <-done:
				t.Fatalf("Put returned (%v) without a commit request reaching the service", r.err)
			case <-time.After(time.Minute):
				t.Fatal("no commit request within a minute")
			}
			// The service has answered; the driver has not seen the answer.
			if _, err := rawClient(t, cfg).StatObject(context.Background(), cfg.Bucket, "blobs/"+want, minio.StatObjectOptions{}); err != nil {
				t.Errorf("the blob is not on the service while its answer is held: %v", err)
			}
			select {
			case r := <-done:
				t.Fatalf("Put returned %v before the service's acknowledgement reached the driver", r)
			case <-time.After(300 * time.Millisecond):
			}
			p.letGo()
			r := <-done
			if r.err != nil || r.hash != want {
				t.Fatalf("Put = %s, %v after the acknowledgement; want %s", r.hash, r.err, want)
			}
			if got := p.seen(); len(got) == 0 || got[len(got)-1] != tc.want {
				t.Errorf("commit requests %v, want the last to be %s", got, tc.want)
			}
		})
	}
}

// TestPutFailsWithoutTheAcknowledgement: when the answer to the commit is
// an error — a 500, or for a multipart completion a 200 whose body is an
// <Error>, as S3 may send — Put fails, although the service may have
// stored the bytes: the upload is not acknowledged.
func TestPutFailsWithoutTheAcknowledgement(t *testing.T) {
	for _, tc := range ackCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MaxRetries = 1 // no retries: each would be spoilt too
			newDriver(t, cfg)
			p := newCommitProxy(t, cfg.Endpoint)
			const errXML = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`
			p.spoil = func(resp *http.Response) error {
				resp.Body.Close()
				if tc.want == "PUT" {
					resp.StatusCode, resp.Status = http.StatusInternalServerError, "500 Internal Server Error"
				}
				resp.Body = io.NopCloser(strings.NewReader(errXML))
				resp.ContentLength = int64(len(errXML))
				resp.Header.Set("Content-Length", strconv.Itoa(len(errXML)))
				resp.Header.Del("ETag")
				return nil
			}
			via := cfg
			via.Endpoint = p.addr()
			b := storage.NewBucket(newDriver(t, via))
			h, _, err := b.Put(context.Background(), bytes.NewReader(randomBytes(t, tc.size)), -1)
			if err == nil {
				t.Fatalf("Put = %s, nil although the service answered the commit with an error", h)
			}
			if got := p.seen(); len(got) == 0 || got[len(got)-1] != tc.want {
				t.Errorf("commit requests %v, want the last to be %s", got, tc.want)
			}
		})
	}
}
