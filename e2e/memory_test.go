package e2e_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestLargeFileMemory is issue 2 item 9's memory goal: uploading a 500 MB
// file raises the server's resident memory by less than 64 MB, and so does
// downloading it back. It reads the server's peak resident set (VmHWM) from
// /proc before and after, so a short spike counts too.
func TestLargeFileMemory(t *testing.T) {
	testenv.Long(t, "moves 1 GB through the server")
	t.Run("embedded", func(t *testing.T) {
		data := []string{"--data", t.TempDir()}
		largeFileMemory(t, data, data)
	})
	t.Run("minio+ferretdb", func(t *testing.T) {
		s3 := testenv.S3(t)
		meta := []string{"--mongo-uri", testenv.MongoURI(t), "--mongo-db", testenv.UniqueName(t, "mem")}
		store := append([]string{
			"--s3-endpoint", s3.Endpoint, "--s3-bucket", testenv.UniqueName(t, "mem"),
			"--s3-access-key", s3.AccessKey, "--s3-secret-key", s3.SecretKey,
		}, meta...)
		largeFileMemory(t, store, meta)
	})
}

func largeFileMemory(t *testing.T, store, meta []string) {
	const size = 500 << 20
	const limit = 64 << 20
	srv := startServer(t, append([]string{"--max-upload", "600MB"}, store...)...)
	owner := "001099000777"
	c := &client{t: t, base: srv.url, token: createToken(t, meta, owner, "citizen")}

	// Warm the server up (first request, first upload, first download)
	// so that the baseline includes its steady-state buffers.
	warm := randomPDF(mrand.New(mrand.NewChaCha8([32]byte{1})), 2<<20)
	d, _, err := c.uploadRaw(owner, "KHAC", "khởi động", "warm.pdf", warm)
	if err != nil {
		t.Fatal(err)
	}
	c.download(d.ID)
	base := procStatus(t, srv.cmd.Process.Pid, "VmRSS")

	// Upload 500 MB streamed from a generator: never in the test's memory either.
	body, wantSHA := pdfStream(size)
	q := url.Values{"owner": {owner}, "type": {"KHAC"}, "name": {"Tệp lớn"}, "filename": {"lon.pdf"}}
	req, err := http.NewRequest(http.MethodPost, srv.url+"/api/v1/documents?"+q.Encode(), body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/pdf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload of 500 MB: %s: %s", resp.Status, msg)
	}
	if !strings.Contains(string(msg), wantSHA()) {
		t.Fatalf("the stored document does not name the SHA-256 of what was sent (%s): %s", wantSHA(), msg)
	}
	afterUp := procStatus(t, srv.cmd.Process.Pid, "VmHWM")
	t.Logf("resident memory: %d MB before, peak %d MB after the 500 MB upload", base>>20, afterUp>>20)
	if afterUp-base >= limit {
		t.Errorf("uploading 500 MB raised the server's peak resident memory by %d MB (goal < 64 MB)", (afterUp-base)>>20)
	}

	// Download it back, hashing as it streams.
	var doc struct{ ID string }
	if err := json.Unmarshal(msg, &doc); err != nil {
		t.Fatal(err)
	}
	resp, err = c.do(http.MethodGet, "/api/v1/documents/"+doc.ID+"/content", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || n != size {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA() {
		t.Fatalf("downloaded bytes hash to %s, want %s", got, wantSHA())
	}
	afterDown := procStatus(t, srv.cmd.Process.Pid, "VmHWM")
	t.Logf("peak resident memory after the download: %d MB", afterDown>>20)
	if afterDown-base >= limit {
		t.Errorf("downloading 500 MB raised the server's peak resident memory by %d MB (goal < 64 MB)", (afterDown-base)>>20)
	}
	srv.stop()
}

// pdfStream returns a reader of n bytes that the vault takes for a PDF and a
// function giving their SHA-256 once the reader has been read to the end.
func pdfStream(n int64) (io.Reader, func() string) {
	head, tail := pdfobj.Frame(n)
	rng := mrand.New(mrand.NewChaCha8([32]byte{7}))
	h := sha256.New()
	mid := &randReader{rng: rng, left: n - int64(len(head)) - int64(len(tail))}
	r := io.TeeReader(io.MultiReader(bytes.NewReader(head), mid, bytes.NewReader(tail)), h)
	return r, func() string { return hex.EncodeToString(h.Sum(nil)) }
}

type randReader struct {
	rng  *mrand.Rand
	left int64
}

func (r *randReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for i := 0; i < len(p); i += 8 {
		v := r.rng.Uint64()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	r.left -= int64(len(p))
	return len(p), nil
}

// procStatus returns a "kB" field of /proc/PID/status in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
