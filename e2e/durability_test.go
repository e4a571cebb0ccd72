package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestDurableBeforeAcknowledged is issue 9 item 1: on the embedded default,
// a 201 means the upload survives a power cut, not only a killed process
// (SIGKILL leaves the page cache, which a power cut loses).
//
// It records the system calls of a real `kho serve` with strace while a
// citizen uploads, then replays them (crashstate_test.go) and checks:
//
//   - when each 201 is written to the socket, (a) the blob file's bytes are
//     synced, (b) its name is, and every directory name above it, and (c)
//     the store opened from what was synced lists the document (the SQLite
//     commit is synced): the response comes after the syncs;
//   - at every sync and every response, in each of the crash states of
//     crashView, the store opens, lists every acknowledged upload whole,
//     lists nothing whose bytes are missing or cut, and its ledger
//     verifies.
//
// It fails if the embedded store goes back to synchronous=NORMAL: the WAL is
// then not synced at commit, and (c) fails for every upload.
func TestDurableBeforeAcknowledged(t *testing.T) {
	straceBin := testenv.Tool(t, "strace", "strace")
	base := t.TempDir()
	data := filepath.Join(base, "data")
	store := []string{"--data", data}
	token := createToken(t, store, citizenID, "citizen") // makes the store
	syscall.Sync()                                       // what is there now is durable
	root, err := filepath.EvalSymlinks(data)
	if err != nil {
		t.Fatal(err)
	}
	model, err := newFSModel(root)
	if err != nil {
		t.Fatal(err)
	}

	trace := filepath.Join(base, "strace.log")
	srv := startServerVia(t, append([]string{straceBin}, straceArgs(trace)...), store...)
	killTracee := func() {
		select {
		case <-srv.done:
			return
		default:
		}
		if pid := childOf(srv.cmd.Process.Pid); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-srv.done:
		case <-time.After(30 * time.Second):
			srv.cmd.Process.Kill()
			t.Fatal("strace did not end after its tracee was killed")
		}
	}
	t.Cleanup(killTracee) // before startServerVia's, which would kill only strace

	// Sequential uploads: one small, several that take more than one
	// 512 KiB write, and the first content again (a new document over the
	// blob that exists: the deduplicated path must be durable too).
	c := &client{t: t, base: srv.url, token: token}
	rng := rand.New(rand.NewPCG(9, 1))
	type upload struct {
		id, sha string
		size    int
	}
	var ups []upload
	var first []byte
	for i, size := range []int{3 << 10, 90 << 10, 700 << 10, 1<<20 + 7, 20 << 10, 0} {
		content := randomPDF(rng, size)
		if size == 0 {
			content = first
		} else if first == nil {
			first = content
		}
		d, _, err := c.uploadRaw("", typeCode, "Giấy tờ bền "+strconv.Itoa(i), "ben.pdf", content)
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		ups = append(ups, upload{d.ID, sha(content), len(content)})
	}
	killTracee()

	// Replay.
	ctx := t.Context()
	byID := map[string]int{}
	for i, u := range ups {
		byID[u.id] = i
	}
	var acked []upload
	ackLine := map[string]int{}
	seen := map[string]bool{}
	states, failed := 0, 0
	checkCut := func(line int, why string) {
		for _, v := range []crashView{viewSynced, viewWritten, viewMetaAhead} {
			fp := model.fingerprint(v) + "|" + strconv.Itoa(len(acked))
			if seen[fp] {
				continue
			}
			seen[fp] = true
			states++
			dir, err := os.MkdirTemp(base, "crash-")
			if err != nil {
				t.Fatal(err)
			}
			if err := model.materialize(v, dir); err != nil {
				t.Fatal(err)
			}
			ids := make([]string, len(acked))
			shas := make([]string, len(acked))
			for i, a := range acked {
				ids[i], shas[i] = a.id, a.sha
			}
			if problems := checkCrashState(ctx, dir, ids, shas); len(problems) > 0 {
				failed++
				if failed <= 5 {
					t.Errorf("power cut at trace line %d (%s), state %q: %s", line, why, v, strings.Join(problems, "; "))
				}
			}
			os.RemoveAll(dir)
		}
	}
	start := func(c *sysCall) error {
		model.syncStart(c)
		if c.name != "write" || len(c.args) < 2 {
			return nil
		}
		_, p, ok := fdArg(c.args[0])
		if !ok || !strings.HasPrefix(p, "socket:") {
			return nil
		}
		b, _, _ := strArg(c.args[1])
		if !bytes.HasPrefix(b, []byte("HTTP/1.1 201 ")) {
			return nil
		}
		_, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
		var d archive.Document
		if !ok || json.Unmarshal(body, &d) != nil {
			return fmt.Errorf("a 201 response not written whole in one write: %.200q", b)
		}
		i, ok := byID[d.ID]
		if !ok {
			return nil // not an upload of this test
		}
		u := ups[i]
		acked = append(acked, u)
		ackLine[u.id] = c.line
		blob := filepath.Join(root, "blobs", u.sha[0:2], u.sha[2:4], u.sha)
		n := model.lookup(blob)
		switch {
		case n == nil:
			t.Errorf("upload %d: the 201 (trace line %d) was sent before its blob file was named", i, c.line)
		case sha(n.synced) != u.sha:
			t.Errorf("upload %d: the 201 (trace line %d) was sent before the blob's bytes were synced (%d of %d bytes synced)", i, c.line, len(n.synced), u.size)
		case !model.durablePath(blob, n):
			t.Errorf("upload %d: the 201 (trace line %d) was sent before the blob's name (or a directory above it) was synced", i, c.line)
		}
		checkCut(c.line, fmt.Sprintf("the 201 of upload %d", i))
		return nil
	}
	syncs := 0
	end := func(c *sysCall) error {
		if (c.name == "fsync" || c.name == "fdatasync") && !c.failed() {
			if _, p, ok := fdArg(c.args[0]); ok {
				if _, in := model.inside(p); in {
					syncs++
					checkCut(c.end, c.name+" of "+strings.TrimPrefix(p, root+"/")+" not yet returned")
				}
			}
		}
		return model.apply(c)
	}
	if err := readTrace(trace, start, end); err != nil {
		t.Fatalf("replaying %s: %v", trace, err)
	}
	checkCut(-1, "the end of the trace")

	if len(acked) != len(ups) {
		t.Errorf("the trace shows %d of the %d 201 responses", len(acked), len(ups))
	}
	if diffs := model.diffWithDisk(); len(diffs) > 0 {
		t.Errorf("the replay does not end where the disk is (the model missed a call):\n%s", strings.Join(diffs, "\n"))
	}
	if failed > 5 {
		t.Errorf("… and %d more crash states failed", failed-5)
	}
	t.Logf("%d uploads, %d syncs in the data directory, %d distinct crash states checked, %d failed", len(ups), syncs, states, failed)
}

// checkCrashState opens the store in dir as the server would after a
// power cut and returns what is wrong: the store does not open, an
// acknowledged upload (ids[i] with blob shas[i]) is missing, a listed
// document's bytes are missing or cut, the ledger does not verify.
func checkCrashState(ctx context.Context, dir string, ids, shas []string) []string {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		return []string{"the store does not open: " + err.Error()}
	}
	defer st.Close(context.WithoutCancel(ctx))
	drv, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		return []string{"the blob directory does not open: " + err.Error()}
	}
	bucket := storage.NewBucket(drv)
	defer bucket.Close()

	var problems []string
	listed := map[string]archive.Document{}
	q := archive.DocQuery{OwnerID: citizenID, Limit: 1000}
	for {
		docs, more, err := st.ListDocuments(ctx, q)
		if err != nil {
			return append(problems, "listing fails: "+err.Error())
		}
		for _, d := range docs {
			listed[d.ID] = d
			rc, err := bucket.Open(ctx, d.Current.Blob)
			if err == nil {
				var n int64
				n, err = io.Copy(io.Discard, rc)
				rc.Close()
				if err == nil && n != d.Current.Size {
					err = fmt.Errorf("%d bytes, metadata says %d", n, d.Current.Size)
				}
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf("document %s is listed but its bytes are not whole: %v", d.ID, err))
			}
		}
		if !more || len(docs) == 0 {
			break
		}
		q.After = docs[len(docs)-1].ID
	}
	for i, id := range ids {
		d, ok := listed[id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("acknowledged upload %s is missing (the metadata commit was not synced before the 201)", id))
		case d.Current.Blob != shas[i]:
			problems = append(problems, fmt.Sprintf("acknowledged upload %s holds blob %s, not %s", id, d.Current.Blob, shas[i]))
		}
	}
	rep, err := archive.New(st, bucket, archive.Config{}, slog.New(slog.DiscardHandler), nil).VerifyLedger(ctx, archive.AuditOptions{})
	if err != nil {
		problems = append(problems, "ledger verification fails: "+err.Error())
	} else if len(rep.Problems) > 0 {
		problems = append(problems, fmt.Sprintf("ledger: %d problems, first %+v", len(rep.Problems), rep.Problems[0]))
	}
	return problems
}

// childOf returns the first child process of pid (0 if none).
func childOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// TestDataFileModes is issue 9 item 5: with umask 000 and a data directory
// that exists already with mode 0777, every file `kho serve` makes there
// (kho.db, -wal, -shm, drafts.key, blobs) is 0600 and every directory 0700.
func TestDataFileModes(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(data, 0o777); err != nil { // whatever the test's umask
		t.Fatal(err)
	}
	umask0 := []string{"sh", "-c", `umask 000 && exec "$0" "$@"`}
	srv := startServerVia(t, umask0, "--data", data)
	c := &client{t: t, base: srv.url, token: createToken(t, []string{"--data", data}, citizenID, "citizen")}
	if _, _, err := c.uploadRaw("", typeCode, "Quyền tệp", "quyen.pdf", tinyPDF("0600")); err != nil {
		t.Fatal(err)
	}
	var files []string
	err := filepath.WalkDir(data, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if e.IsDir() {
			want = 0o700
		} else {
			files = append(files, strings.TrimPrefix(p, data+"/"))
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", p, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kho.db", "kho.db-wal", "kho.db-shm", "drafts.key"} {
		if !slices.Contains(files, want) {
			t.Errorf("no %s among the files checked %q", want, files)
		}
	}
	if !slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(f, "blobs/") }) {
		t.Errorf("no blob among the files checked %q", files)
	}
}
