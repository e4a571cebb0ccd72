package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestCrashSafety is issue item 8: uploads acknowledged before a SIGKILL
// survive it whole, and nothing half-made appears after the restart.
func TestCrashSafety(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		store := []string{"--data", t.TempDir()}
		crashSafety(t, store, store, true)
	})
	t.Run("minio+ferretdb", func(t *testing.T) {
		s3 := testenv.S3(t)
		meta := []string{"--mongo-uri", testenv.MongoURI(t), "--mongo-db", testenv.UniqueName(t, "crash")}
		store := append([]string{
			"--s3-endpoint", s3.Endpoint, "--s3-bucket", testenv.UniqueName(t, "crash"),
			"--s3-access-key", s3.AccessKey, "--s3-secret-key", s3.SecretKey,
		}, meta...)
		// Token and audit commands need only the metadata flags.
		crashSafety(t, store, meta, false)
	})
}

// ack is an upload the server acknowledged with 201.
type ack struct {
	id, owner, sha string
	size           int
}

// crashSafety runs the crash test on the stores that store (serve's flags)
// and meta (the metadata-only commands' flags) name; local says blobs are
// in the data directory.
func crashSafety(t *testing.T, store, meta []string, local bool) {
	owners := []string{"001099000001", "079088000002"}
	srv := startServer(t, store...)
	admin := &client{t: t, base: srv.url, token: createToken(t, meta, "admin-crash", "admin")}
	for _, o := range owners {
		registerOwner(t, admin, o)
	}
	tokens := map[string]string{}
	for _, o := range owners {
		tokens[o] = createToken(t, meta, o, "citizen")
	}

	// Eight uploaders send random files of 1 KB to 2 MB until the server
	// dies; every 201 is recorded with the SHA-256 of what was sent.
	var (
		mu       sync.Mutex
		acks     []ack
		attempts atomic.Int64
		stopping atomic.Bool
		wg       sync.WaitGroup
	)
	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport, Timeout: time.Minute}
	for i := range 8 {
		owner := owners[i%len(owners)]
		c := &client{t: t, base: srv.url, token: tokens[owner]}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for !stopping.Load() {
				content := randomPDF(rng, 1<<10+rng.IntN(2<<20-1<<10+1))
				attempts.Add(1)
				d, status, err := postRaw(hc, c, owner, content)
				if err != nil {
					if stopping.Load() {
						return
					}
					t.Errorf("upload before the kill failed: %v", err)
					return
				}
				if status != http.StatusCreated {
					t.Errorf("upload answered %d", status)
					return
				}
				if d.Current.Blob != sha(content) || d.Current.Size != int64(len(content)) || d.OwnerID != owner {
					t.Errorf("201 body does not describe the upload: %+v", d.Current)
				}
				mu.Lock()
				acks = append(acks, ack{d.ID, owner, sha(content), len(content)})
				mu.Unlock()
			}
		})
	}

	// Kill after ~1.5 s of traffic (later if nothing was acknowledged yet).
	deadline := time.Now().Add(30 * time.Second)
	time.Sleep(1500 * time.Millisecond)
	for {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopping.Store(true)
	if code, _ := srv.signal(syscall.SIGKILL, 10*time.Second); code != -1 {
		t.Fatalf("SIGKILL: exit status %d, want death by signal", code)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(acks) == 0 {
		t.Fatalf("no upload was acknowledged before the kill (%d attempted)", attempts.Load())
	}
	t.Logf("%d uploads acknowledged, %d attempted before SIGKILL", len(acks), attempts.Load())

	if local {
		// Orphans of the cut uploads may be collected with no grace while
		// the server is down; that must not touch any document's bytes.
		mustKho(t, append([]string{"gc", "--grace", "0"}, store...)...)
	}

	srv = startServer(t, store...)
	admin.base = srv.url
	seen := map[string]bool{}
	for _, o := range owners {
		for _, d := range admin.listAll(o) {
			seen[d.ID] = true
			got, etag := admin.download(d.ID)
			if sha(got) != d.Current.Blob || int64(len(got)) != d.Current.Size || etag != `"`+d.Current.Blob+`"` {
				t.Errorf("document %s is half-made: %d bytes hashing to %s, metadata says %d bytes, %s",
					d.ID, len(got), sha(got), d.Current.Size, d.Current.Blob)
			}
		}
	}
	for _, a := range acks {
		if !seen[a.id] {
			t.Errorf("acknowledged upload %s (owner %s) is missing after the restart", a.id, a.owner)
			continue
		}
		var d archive.Document
		admin.getJSON("/api/v1/documents/"+a.id, url.Values{"purpose": {"kiểm thử đầu cuối"}}, &d)
		if d.Current.Blob != a.sha || d.Current.Size != int64(a.size) {
			t.Errorf("acknowledged upload %s: stored %s/%d, sent %s/%d", a.id, d.Current.Blob, d.Current.Size, a.sha, a.size)
		}
	}
	t.Logf("%d documents listed after the restart", len(seen))
	srv.stop()

	r := kho(t, append([]string{"audit", "verify"}, meta...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "problems: 0") {
		t.Fatalf("audit verify after the crash: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// postRaw uploads content with its own client (so the test goroutines share
// no state) and returns the decoded document and the status.
func postRaw(hc *http.Client, c *client, owner string, content []byte) (archive.Document, int, error) {
	cc := *c
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
		cc.base+"/api/v1/documents?type="+typeCode+"&name=crash&filename=crash.pdf&owner="+owner, bytes.NewReader(content))
	if err != nil {
		return archive.Document{}, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+cc.token)
	req.Header.Set("Content-Type", "application/pdf")
	resp, err := hc.Do(req)
	if err != nil {
		return archive.Document{}, 0, err
	}
	defer resp.Body.Close()
	var d archive.Document
	if resp.StatusCode == http.StatusCreated {
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
			// The server died while writing the 201: not acknowledged.
			return d, 0, errors.Join(err, net.ErrClosed)
		}
	}
	return d, resp.StatusCode, nil
}
