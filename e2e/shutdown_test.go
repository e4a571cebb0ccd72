package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestGracefulShutdown sends SIGTERM while a slow download and a slow
// upload are in flight: the server stops taking connections, lets both
// finish, closes the store cleanly and exits 0.
func TestGracefulShutdown(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, "--data", data)
	tok := createToken(t, []string{"--data", data}, citizenID, "citizen")
	c := &client{t: t, base: srv.url, token: tok}
	rng := rand.New(rand.NewPCG(1, 2))

	// Large enough that socket buffers cannot hold it: the handler is
	// still writing when the signal comes.
	big := randomPDF(rng, 24<<20)
	stored, _, err := c.uploadRaw("", typeCode, "Tệp lớn", "big.pdf", big)
	if err != nil {
		t.Fatal(err)
	}

	dl, err := c.do(http.MethodGet, "/api/v1/documents/"+stored.ID+"/content", nil, nil, nil)
	if err != nil || dl.StatusCode != http.StatusOK {
		t.Fatalf("download: %v %v", err, dl)
	}
	defer dl.Body.Close()
	dlHash := sha256.New()
	if _, err := io.CopyN(dlHash, dl.Body, 256<<10); err != nil {
		t.Fatal(err)
	}

	small := randomPDF(rng, 4<<20)
	pr, pw := io.Pipe()
	type upResult struct {
		status int
		body   []byte
		err    error
	}
	upDone := make(chan upResult, 1)
	go func() {
		resp, err := c.do(http.MethodPost, "/api/v1/documents",
			map[string][]string{"type": {typeCode}, "name": {"Tải lên chậm"}, "filename": {"slow.pdf"}}, pr,
			map[string]string{"Content-Type": "application/pdf", "Content-Length": strconv.Itoa(len(small))})
		if err != nil {
			upDone <- upResult{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		upDone <- upResult{resp.StatusCode, b, err}
	}()
	if _, err := pw.Write(small[:256<<10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)

	signalled := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)

	// No new connections once shutting down.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if resp, err := fresh.Get(srv.url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new connection during shutdown got %s, want it refused", resp.Status)
	}

	// Both transfers go on, slowly, and complete.
	go func() {
		for off := 256 << 10; off < len(small); off += 64 << 10 {
			end := min(off+64<<10, len(small))
			if _, err := pw.Write(small[off:end]); err != nil {
				pw.CloseWithError(err)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		pw.Close()
	}()
	for {
		n, err := io.CopyN(dlHash, dl.Body, 512<<10)
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			t.Fatalf("download cut during graceful shutdown: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if got := hex.EncodeToString(dlHash.Sum(nil)); got != sha(big) {
		t.Fatalf("download during shutdown: sha256 %s, want %s", got, sha(big))
	}
	up := <-upDone
	if up.err != nil || up.status != http.StatusCreated {
		t.Fatalf("upload during shutdown: status %d, err %v, body %s", up.status, up.err, up.body)
	}
	var upDoc archive.Document
	if err := json.Unmarshal(up.body, &upDoc); err != nil || upDoc.Current.Blob != sha(small) {
		t.Fatalf("upload during shutdown stored %+v (%v)", upDoc.Current, err)
	}

	select {
	case <-srv.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("kho serve still running 15s after SIGTERM with nothing in flight\n%s", srv.logs.String())
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0\n%s", code, srv.logs.String())
	}
	t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
	if !strings.Contains(srv.logs.String(), "Kho đã dừng") {
		t.Errorf("no shutdown log line:\n%s", srv.logs.String())
	}
	// A cleanly closed SQLite store has checkpointed its write-ahead log.
	if st, err := os.Stat(filepath.Join(data, "kho.db-wal")); err == nil && st.Size() > 0 {
		t.Errorf("kho.db-wal holds %d bytes after a graceful exit: the store was not closed", st.Size())
	}

	// Everything is there after a restart, and the ledger is intact.
	mustKho(t, "audit", "verify", "--data", data)
	srv = startServer(t, "--data", data)
	c.base = srv.url
	if got, _ := c.download(upDoc.ID); !bytes.Equal(got, small) {
		t.Fatal("the upload finished during shutdown is not readable after a restart")
	}
	srv.stop()
}

// TestIdleShutdown: SIGINT with nothing in flight stops the server at once.
func TestIdleShutdown(t *testing.T) {
	srv := startServer(t, "--data", t.TempDir())
	code, took := srv.signal(syscall.SIGINT, 10*time.Second)
	if code != 0 || took > 5*time.Second {
		t.Fatalf("SIGINT on an idle server: exit %d after %v", code, took)
	}
}
