package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/s3"
	"github.com/kho-vn/kho/storage/sqlite"
)

// logRecords keeps the records logged at error level.
type logRecords struct {
	mu   sync.Mutex
	errs []slog.Record
}

func (l *logRecords) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.errs = append(l.errs, r)
	l.mu.Unlock()
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// blobs logged as failed, in order.
func (l *logRecords) blobs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.errs {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "blob" {
				out = append(out, a.Value.String())
			}
			return true
		})
	}
	return out
}

// fixityVault is a vault on local blobs under dir, with its error log.
type fixityVault struct {
	*vault
	dir  string
	logs *logRecords
}

func newFixityVault(t *testing.T) *fixityVault {
	t.Helper()
	return newFixityVaultWith(t, archive.Config{})
}

// newFixityVaultWith is newFixityVault with the vault's configuration cfg.
func newFixityVaultWith(t *testing.T, cfg archive.Config) *fixityVault {
	t.Helper()
	dir := t.TempDir()
	d, err := localfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	v := newVaultOn(t, cfg, d)
	logs := &logRecords{}
	v.Service = archive.New(v.store, v.bucket, cfg, slog.New(logs), v.clock.Now)
	return &fixityVault{vault: v, dir: dir, logs: logs}
}

// file is the path of a blob's file (storage/localfs's layout).
func (v *fixityVault) file(hash string) string {
	return filepath.Join(v.dir, hash[0:2], hash[2:4], hash)
}

func findingsOf(t *testing.T, v *vault) map[string]archive.FixityFinding {
	t.Helper()
	fs, err := v.store.ListFixityFindings(context.Background(), "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]archive.FixityFinding{}
	for _, f := range fs {
		m[f.Blob] = f
	}
	return m
}

// TestCheckFixity: a blob rewritten on disk and a blob deleted are found,
// each once, with the documents and owners they affect (a blob two
// owners share is read once); a later pass clears the finding of the
// repaired blob and keeps the other's FirstSeen; each new finding is
// logged at error level, once.
func TestCheckFixity(t *testing.T) {
	ctx := context.Background()
	v := newFixityVault(t)
	shared := pdfBytes("shared")
	a, err := v.Put(ctx, citizenA, birthCert("", shared))
	wantCode(t, err, "")
	b, err := v.Put(ctx, citizenB, birthCert("", shared))
	wantCode(t, err, "")
	c, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("c")))
	wantCode(t, err, "")
	d, err := v.Put(ctx, citizenB, birthCert("", pdfBytes("d, kept whole")))
	wantCode(t, err, "")
	d2, err := v.AddVersion(ctx, citizenB, d.ID, d.Rev, upload("v2.pdf", pdfBytes("d, version 2")))
	wantCode(t, err, "")

	run, cur, err := v.CheckFixity(ctx, archive.FixityOptions{Trigger: "command"})
	wantCode(t, err, "")
	if run.Checked != 4 || run.Mismatches != 0 || run.Missing != 0 || !run.PassDone || cur != (archive.FixityCursor{}) {
		t.Fatalf("clean pass: %+v, cursor %+v; want 4 checked, nothing wrong, pass done", run, cur)
	}
	wantBytes := int64(len(shared) + len(pdfBytes("c")) + len(pdfBytes("d, kept whole")) + len(pdfBytes("d, version 2")))
	if run.Bytes != wantBytes {
		t.Errorf("read %d bytes, want %d", run.Bytes, wantBytes)
	}

	// Damage: one byte of the shared blob changed in place, c's blob gone.
	sharedHash, cHash := a.Current.Blob, c.Current.Blob
	bad := bytes.Clone(shared)
	bad[len(bad)/2] ^= 1
	if err := os.WriteFile(v.file(sharedHash), bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(v.file(cHash)); err != nil {
		t.Fatal(err)
	}
	first := v.clock.Now()
	run, _, err = v.CheckFixity(ctx, archive.FixityOptions{Trigger: "command"})
	wantCode(t, err, "")
	if run.Checked != 4 || run.Mismatches != 1 || run.Missing != 1 || !run.PassDone {
		t.Fatalf("damaged pass: %+v; want 4 checked, 1 mismatch, 1 missing", run)
	}
	fs := findingsOf(t, v.vault)
	if len(fs) != 2 {
		t.Fatalf("findings %v, want 2", fs)
	}
	users := []archive.BlobUser{{DocumentID: a.ID, OwnerID: citizenA.Subject}, {DocumentID: b.ID, OwnerID: citizenB.Subject}}
	slices.SortFunc(users, func(x, y archive.BlobUser) int { return strings.Compare(x.DocumentID, y.DocumentID) })
	if f := fs[sharedHash]; f.Kind != archive.FixityMismatch || !slices.Equal(f.Documents, users) || f.Size != int64(len(shared)) ||
		!strings.Contains(f.Detail, "hash to") {
		t.Errorf("shared blob's finding %+v; want a mismatch naming %v", f, users)
	}
	if f := fs[cHash]; f.Kind != archive.FixityMissing || !slices.Equal(f.Documents, []archive.BlobUser{{DocumentID: c.ID, OwnerID: citizenA.Subject}}) {
		t.Errorf("c's finding %+v; want missing, naming c", f)
	}
	if _, ok := fs[d2.Current.Blob]; ok {
		t.Error("a whole blob has a finding")
	}
	logged := v.logs.blobs()
	slices.Sort(logged)
	want := []string{sharedHash, cHash}
	slices.Sort(want)
	if !slices.Equal(logged, want) {
		t.Errorf("logged at error level %v, want %v", logged, want)
	}

	// The shared blob repaired; c still missing an hour later.
	if err := os.WriteFile(v.file(sharedHash), shared, 0o600); err != nil {
		t.Fatal(err)
	}
	v.clock.Set(first.Add(time.Hour))
	run, _, err = v.CheckFixity(ctx, archive.FixityOptions{Trigger: "command"})
	wantCode(t, err, "")
	if run.Mismatches != 0 || run.Missing != 1 {
		t.Fatalf("third pass %+v; want only the missing blob", run)
	}
	fs = findingsOf(t, v.vault)
	if len(fs) != 1 {
		t.Fatalf("findings after repair %v; want c's only", fs)
	}
	if f := fs[cHash]; !f.FirstSeen.Equal(first.UTC().Truncate(time.Millisecond)) || !f.LastSeen.Equal(first.Add(time.Hour).UTC().Truncate(time.Millisecond)) {
		t.Errorf("c's finding first %v last %v; want %v and an hour later", f.FirstSeen, f.LastSeen, first)
	}
	if n := len(v.logs.blobs()); n != 2 {
		t.Errorf("%d error lines after the third pass, want still 2 (a known finding is not logged again)", n)
	}

	st, err := v.Fixity(ctx, staff, 10, 10)
	wantCode(t, err, "")
	if len(st.Runs) != 3 || st.LastPass == nil || st.LastPass.ID != run.ID || len(st.Findings) != 1 || st.Findings[0].Blob != cHash {
		t.Errorf("status %+v", st)
	}
	_, err = v.Fixity(ctx, citizenA, 10, 10)
	if !kerr.IsKind(err, kerr.Permission) {
		t.Errorf("a citizen reads the fixity status: %v", err)
	}
}

// TestCheckFixityBounded: runs bounded to 2 blobs walk the pass from the
// saved cursor, each blob once, the last run finishing the pass; a blob
// whose documents are gone loses its finding when its stretch is checked.
func TestCheckFixityBounded(t *testing.T) {
	ctx := context.Background()
	v := newFixityVault(t)
	var hashes []string
	for i := range 5 {
		d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes(fmt.Sprintf("bounded %d", i))))
		wantCode(t, err, "")
		hashes = append(hashes, d.Current.Blob)
	}
	slices.Sort(hashes)
	// A stale finding of a blob nothing references, between two that are.
	stale := hashes[2][:63] + "0"
	if stale == hashes[2] {
		stale = hashes[2][:63] + "1"
	}
	if _, err := v.store.SaveFixityFinding(ctx, archive.FixityFinding{Blob: stale, Kind: archive.FixityMissing, FirstSeen: v.clock.Now(), LastSeen: v.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var saves int
	cur := archive.FixityCursor{}
	var passStart time.Time
	for i := range 3 {
		run, next, err := v.CheckFixity(ctx, archive.FixityOptions{Trigger: "job", Cursor: cur, MaxBlobs: 2,
			Save:     func(context.Context, archive.FixityCursor) error { saves++; return nil },
			Progress: func(r archive.FixityRun, c archive.FixityCursor) { seen = append(seen, c.After) }})
		wantCode(t, err, "")
		if i == 0 {
			passStart = run.PassStart
		} else if !run.PassStart.Equal(passStart) {
			t.Errorf("run %d belongs to the pass of %v, want %v", i, run.PassStart, passStart)
		}
		if run.From != cur.After {
			t.Errorf("run %d from %q, want the cursor %q", i, run.From, cur.After)
		}
		if last := i == 2; run.PassDone != last || (last != (next == archive.FixityCursor{})) {
			t.Errorf("run %d: pass done %v, next cursor %+v", i, run.PassDone, next)
		}
		cur = next
	}
	if !slices.Equal(seen, hashes) {
		t.Errorf("checked %v, want each of %v once, in order", seen, hashes)
	}
	if saves != 2 {
		t.Errorf("cursor saved %d times, want after each of the two runs that did not end the pass", saves)
	}
	if fs := findingsOf(t, v.vault); len(fs) != 0 {
		t.Errorf("findings %v; the stale one should be gone", fs)
	}
	v.clock.Set(v.clock.Now().Add(time.Minute))
	run, _, err := v.CheckFixity(ctx, archive.FixityOptions{Cursor: cur, MaxBlobs: 2})
	wantCode(t, err, "")
	if run.From != "" || run.Checked != 2 || run.PassStart.Equal(passStart) {
		t.Errorf("the run after the pass %+v; want a new pass from the start", run)
	}
}

// fixityProcesses are two "processes" over one metadata store and one
// blob store: each its own store connection, blob driver and vault.
type fixityProcesses struct {
	vaults [2]*archive.Service
	leases [2]jobs.Store
	store  archive.Store
	// clock is the vaults' clock.
	clock *clock
}

// TestFixityJobOnce: the fixity job under two runners over two
// connections to one store (two processes) — SQLite on local files, and
// FerretDB on MinIO: one run happens, it is recorded once, and the next
// due run of the other process continues from the cursor the first one
// saved in the lease, to the end of the pass.
func TestFixityJobOnce(t *testing.T) {
	t.Run("sqlite+localfs", func(t *testing.T) {
		ctx := context.Background()
		v := newFixityVault(t)
		other, err := sqlite.Open(ctx, v.path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = other.Close(context.Background()) })
		d2, err := localfs.New(v.dir)
		if err != nil {
			t.Fatal(err)
		}
		v2 := archive.New(other, storage.NewBucket(d2), archive.Config{}, nil, v.clock.Now)
		testFixityJobOnce(t, fixityProcesses{vaults: [2]*archive.Service{v.Service, v2},
			leases: [2]jobs.Store{v.store.(jobs.Store), other}, store: v.store, clock: v.clock})
	})
	t.Run("ferretdb+minio", func(t *testing.T) {
		p := ferretProcesses(t, "fixityjob")
		if _, _, err := p.vaults[0].LoadCatalog(context.Background(), admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
			t.Fatal(err)
		}
		testFixityJobOnce(t, p)
	})
}

// ferretProcesses opens two vaults (two processes) over one new FerretDB
// database and one new MinIO bucket named after name, both removed after
// the test.
func ferretProcesses(t *testing.T, name string) fixityProcesses {
	ctx := context.Background()
	uri, env := testenv.MongoURI(t), testenv.S3(t)
	db, bucket := testenv.UniqueName(t, name), testenv.UniqueName(t, name)
	p := fixityProcesses{clock: &clock{t: time.Now()}}
	for i := range 2 {
		m, err := mongo.Open(ctx, uri, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if i == 0 {
				_ = m.Drop(context.Background())
			}
			_ = m.Close(context.Background())
		})
		d, err := s3.New(ctx, s3.Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey, Bucket: bucket, CreateBucket: true})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			t.Cleanup(func() { emptyBucket(t, d) })
		}
		p.vaults[i] = archive.New(m, storage.NewBucket(d), archive.Config{}, nil, p.clock.Now)
		p.leases[i], p.store = m, m
	}
	return p
}

func testFixityJobOnce(t *testing.T, p fixityProcesses) {
	ctx := context.Background()
	for i := range 5 {
		_, err := p.vaults[i%2].Put(ctx, citizenA, birthCert("", pdfBytes(fmt.Sprintf("job %d", i))))
		wantCode(t, err, "")
	}
	var runners [2]*jobs.Runner
	for i := range runners {
		runners[i] = jobs.NewRunner(p.leases[i], nil, jobs.WithHolder(fmt.Sprintf("process-%d", i)), jobs.WithClock(p.clock.Now))
	}
	job := func(i int) jobs.Job { return p.vaults[i].FixityJob(time.Hour, 3, 0) }
	var wg sync.WaitGroup
	var ran [2]bool
	for i := range 2 {
		wg.Go(func() {
			var err error
			ran[i], err = runners[i].RunOnce(ctx, job(i))
			if err != nil {
				t.Errorf("runner %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	runs, err := p.store.ListFixityRuns(ctx, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	if ran[0] == ran[1] || len(runs) != 1 || runs[0].Checked != 3 {
		t.Fatalf("ran %v, runs %+v; want one run of 3 blobs", ran, runs)
	}
	l, err := p.leases[0].GetLease(ctx, archive.FixityJobName)
	if err != nil || archive.ParseFixityCursor(l.Cursor).After != runs[0].To {
		t.Fatalf("lease %+v, %v; want the cursor at %s", l, err, runs[0].To)
	}
	// Not due again before an hour.
	for i := range 2 {
		if ok, _ := runners[i].RunOnce(ctx, job(i)); ok {
			t.Fatalf("runner %d ran again before the job was due", i)
		}
	}
	p.clock.Set(p.clock.Now().Add(time.Hour + time.Second))
	loser := 0
	if ran[0] {
		loser = 1
	}
	if ok, err := runners[loser].RunOnce(ctx, job(loser)); !ok || err != nil {
		t.Fatalf("the other process's run when due: %v, %v", ok, err)
	}
	runs, _ = p.store.ListFixityRuns(ctx, false, 10)
	if len(runs) != 2 || runs[0].From != runs[1].To || runs[0].Checked != 2 || !runs[0].PassDone {
		t.Fatalf("second run %+v; want the last 2 blobs from the first run's cursor, finishing the pass", runs[0])
	}
	if l, _ := p.leases[0].GetLease(ctx, archive.FixityJobName); l.Cursor != "" {
		t.Errorf("cursor after the pass %q, want a new pass next", l.Cursor)
	}
}

// unreachable is a bucket whose reads of one blob fail as an S3 server
// that does not answer fails.
type unreachable struct {
	*storage.Bucket
	hash string
}

func (u unreachable) OpenRange(ctx context.Context, hash string, off, length int64) (io.ReadCloser, error) {
	if hash == u.hash {
		return nil, kerr.New(kerr.Unavailable, "blob_store_unavailable", "Không kết nối được kho lưu tệp.", "dial tcp: connection refused")
	}
	return u.Bucket.OpenRange(ctx, hash, off, length)
}

// TestCheckFixityUnavailable: a blob store that does not answer is not a
// missing blob: the run stops with Unavailable and records why, no
// finding is made, and the cursor stays before the blob it could not read.
func TestCheckFixityUnavailable(t *testing.T) {
	ctx := context.Background()
	v := newFixityVault(t)
	var hashes []string
	for i := range 3 {
		d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes(fmt.Sprintf("unavailable %d", i))))
		wantCode(t, err, "")
		hashes = append(hashes, d.Current.Blob)
	}
	slices.Sort(hashes)
	svc := archive.New(v.store, unreachable{v.bucket, hashes[1]}, archive.Config{}, slog.New(v.logs), v.clock.Now)
	var saved []archive.FixityCursor
	run, cur, err := svc.CheckFixity(ctx, archive.FixityOptions{Trigger: "job",
		Save: func(_ context.Context, c archive.FixityCursor) error { saved = append(saved, c); return nil }})
	if !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("err %v, want Unavailable", err)
	}
	if run.Missing != 0 || run.PassDone || run.Error == "" || run.Checked != 1 || cur.After != hashes[0] || len(saved) != 0 {
		t.Errorf("run %+v, cursor %+v, saved %v; want a stop after the first blob, nothing missing", run, cur, saved)
	}
	if fs := findingsOf(t, v.vault); len(fs) != 0 {
		t.Errorf("findings %v, want none", fs)
	}
	runs, _ := v.store.ListFixityRuns(ctx, false, 5)
	if len(runs) != 1 || runs[0].Error == "" {
		t.Errorf("recorded runs %+v, want the stopped one with its error", runs)
	}
}
