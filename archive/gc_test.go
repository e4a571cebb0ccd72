package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/s3"
	"github.com/kho-vn/kho/storage/storagetest"
)

// seams holds the functions the vault's test hooks call; they can be
// changed while the vault runs.
type seams struct {
	mu      sync.Mutex
	commit  func()
	collect func(hash string)
}

func installSeams(v *vault) *seams {
	sm := &seams{}
	archive.SetTestHooks(v.Service, func() {
		sm.mu.Lock()
		f := sm.commit
		sm.mu.Unlock()
		if f != nil {
			f()
		}
	}, func(h string) {
		sm.mu.Lock()
		f := sm.collect
		sm.mu.Unlock()
		if f != nil {
			f(h)
		}
	})
	return sm
}

func (sm *seams) onCommit(f func())          { sm.mu.Lock(); sm.commit = f; sm.mu.Unlock() }
func (sm *seams) onCollect(f func(h string)) { sm.mu.Lock(); sm.collect = f; sm.mu.Unlock() }

// crashBeforeCommit runs write until its blobs are stored and charged and
// stops it there as a killed process stops: the goroutine ends
// (runtime.Goexit) and no clean-up of the write runs.
func crashBeforeCommit(sm *seams, write func()) {
	sm.onCommit(runtime.Goexit)
	done := make(chan struct{})
	go func() { defer close(done); write() }()
	<-done
	sm.onCommit(nil)
}

// deadPuts makes, at the vault's current time, one new-document upload
// by citizenA of each content that is killed before its metadata commit.
func deadPuts(v *vault, sm *seams, contents ...[]byte) {
	for _, c := range contents {
		crashBeforeCommit(sm, func() { v.Put(context.Background(), citizenA, birthCert("", c)) })
	}
}

// numbered returns n distinct PDF contents named by prefix.
func numbered(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = pdfBytes(prefix + " " + string(rune('a'+i)))
	}
	return out
}

// usageOf sums what an owner's usage should be: the sizes of their
// versions that stored content (a metadata-only version points at its
// predecessor's blob and is not charged) and their number of documents.
func usageOf(t *testing.T, v *vault, owner string) (bytes, docs int64) {
	t.Helper()
	ctx := context.Background()
	q := archive.ListQuery{OwnerID: owner, Limit: 1000}
	for {
		p, err := v.List(ctx, staff, q, archive.Access{Purpose: "kiểm tra"})
		wantCode(t, err, "")
		for _, d := range p.Documents {
			docs++
			vs, err := v.Versions(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
			wantCode(t, err, "")
			for _, ver := range vs {
				if ver.Change != "metadata" {
					bytes += ver.Size
				}
			}
		}
		if p.Next == "" {
			return bytes, docs
		}
		q.Cursor = p.Next
	}
}

// wantUsageTrue checks that owner's UsedBytes and DocumentCount equal
// usageOf.
func wantUsageTrue(t *testing.T, v *vault, owner string) {
	t.Helper()
	b, d := usageOf(t, v, owner)
	o, err := v.Owner(context.Background(), staff, owner, archive.Access{Purpose: "kiểm tra"})
	wantCode(t, err, "")
	if o.UsedBytes != b || o.DocumentCount != d {
		t.Fatalf("owner %s: usage %d bytes, %d documents; the stored versions sum to %d bytes, %d documents",
			owner, o.UsedBytes, o.DocumentCount, b, d)
	}
}

// intents returns every intent in the store.
func intents(t *testing.T, v *vault) []archive.UploadIntent {
	t.Helper()
	if err := v.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ins, err := v.store.ListUploads(context.Background(), time.Now().Add(100*24*time.Hour), archive.UploadCursor{}, 1000)
	wantCode(t, err, "")
	return ins
}

// flakyStore fails chosen calls with Unavailable, as a store that stops
// answering (or a process killed at that point) would.
type flakyStore struct {
	archive.Store
	failSettle atomic.Bool  // SettleUpload and KeepUploads fail
	failDelete atomic.Int32 // the next n DeleteUploads calls fail
}

var errDown = kerr.New(kerr.Unavailable, "store_unavailable", "Máy chủ cơ sở dữ liệu tạm thời không truy cập được.", "test: the store is down")

func (s *flakyStore) SettleUpload(ctx context.Context, owner, id string, release bool) error {
	if s.failSettle.Load() {
		return errDown
	}
	return s.Store.SettleUpload(ctx, owner, id, release)
}

func (s *flakyStore) DeleteUploads(ctx context.Context, ids ...string) error {
	if s.failDelete.Add(-1) >= 0 {
		return errDown
	}
	return s.Store.DeleteUploads(ctx, ids...)
}

func (s *flakyStore) KeepUploads(ctx context.Context, owner string, ids []string) error {
	if s.failSettle.Load() {
		return errDown
	}
	return s.Store.KeepUploads(ctx, owner, ids)
}

// TestUsageTrueAfterCrash (issue 9 item 5): writes stopped at every point
// leave the owner's usage wrong; one collection after the grace period
// makes it equal again to the sum of the stored versions — giving back
// what the dead writes charged and keeping what the committed ones did —
// and running the collection again after it died half-way gives nothing
// back twice.
func TestUsageTrueAfterCrash(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	sm := installSeams(v)
	owner := citizenA.Subject
	start := time.Now()
	v.clock.Set(start.Add(-2 * time.Hour))

	kept, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("kept")))
	wantCode(t, err, "")
	_, err = v.AddVersion(ctx, citizenA, kept.ID, 0, upload("v2.pdf", pdfBytes("kept, second version")))
	wantCode(t, err, "")
	_, err = v.UpdateMetadata(ctx, citizenA, kept.ID, 0, archive.MetadataPatch{Summary: ptr("sửa trích yếu")})
	wantCode(t, err, "")
	wantUsageTrue(t, v, owner)

	// Writes killed after their blobs were stored and charged, before
	// their metadata: a new document (declared and undeclared size) and a
	// new version.
	crashBeforeCommit(sm, func() { v.Put(ctx, citizenA, birthCert("", pdfBytes("killed put"))) })
	nd := birthCert("", nil)
	body := pdfBytes("killed chunked put")
	nd.Upload = archive.Upload{Body: bytes.NewReader(body), Size: -1, FileName: "chunked.pdf"}
	crashBeforeCommit(sm, func() { v.Put(ctx, citizenA, nd) })
	crashBeforeCommit(sm, func() {
		v.AddVersion(ctx, citizenA, kept.ID, 0, upload("v3.pdf", pdfBytes("killed version")))
	})
	// Writes that committed but were killed before settling: the store
	// stops answering for their clean-up.
	flaky := &flakyStore{Store: v.store}
	flaky.failSettle.Store(true)
	other := archive.New(flaky, v.bucket, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
	committed, err := other.Put(ctx, citizenA, birthCert("", pdfBytes("committed, not settled")))
	wantCode(t, err, "")
	_, err = other.AddVersion(ctx, citizenA, committed.ID, 0, upload("c2.pdf", pdfBytes("committed version, not settled")))
	wantCode(t, err, "")
	if err := other.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	b, d := usageOf(t, v, owner)
	o, _ := v.Owner(ctx, staff, owner, archive.Access{Purpose: "kiểm tra"})
	if o.UsedBytes <= b || o.DocumentCount != d+2 {
		t.Fatalf("after the kills usage is %d/%d for %d/%d stored: the kills should have left it too high", o.UsedBytes, o.DocumentCount, b, d)
	}
	if n := len(intents(t, v)); n != 5 {
		t.Fatalf("%d intents left by the kills, want 5", n)
	}

	// Within the grace period nothing is settled.
	v.clock.Set(start.Add(-90 * time.Minute))
	rep, err := v.CollectGarbageWith(ctx, archive.GCOptions{})
	wantCode(t, err, "")
	if rep.Uploads != 0 || len(intents(t, v)) != 5 {
		t.Fatalf("a collection within the grace period finished %d uploads", rep.Uploads)
	}

	// The collector dies after giving the charges back, before deleting
	// the intents; then a collection runs again.
	v.clock.Set(start)
	flaky.failSettle.Store(false)
	flaky.failDelete.Store(1)
	_, err = other.CollectGarbageWith(ctx, archive.GCOptions{})
	if !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("collection with the store down: %v", err)
	}
	rep, err = v.CollectGarbageWith(ctx, archive.GCOptions{})
	wantCode(t, err, "")
	if rep.Uploads != 5 || rep.Abandoned != 3 {
		t.Fatalf("collection report %+v; want 5 uploads finished, 3 of them abandoned", rep)
	}
	for _, dead := range [][]byte{pdfBytes("killed put"), body, pdfBytes("killed version")} {
		if _, err := v.bucket.Stat(ctx, storagetest.SHA256(dead)); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("blob of a dead write still there: %v", err)
		}
	}
	wantUsageTrue(t, v, owner)
	if n := len(intents(t, v)); n != 0 {
		t.Fatalf("%d intents left after the collection", n)
	}
	for _, id := range []string{kept.ID, committed.ID} {
		c, err := v.Open(ctx, citizenA, id, 0, archive.Access{})
		wantCode(t, err, "")
		readAll(t, c)
	}
	// And once more: nothing changes.
	rep, err = v.CollectGarbageWith(ctx, archive.GCOptions{})
	wantCode(t, err, "")
	if rep != (archive.GCReport{}) {
		t.Fatalf("a second collection did %+v", rep)
	}
	wantUsageTrue(t, v, owner)
}

func ptr[T any](v T) *T { return &v }

// blobDrivers are the blob drivers of the collector-versus-upload test:
// memory, the local file system, and MinIO.
func blobDrivers(t *testing.T) map[string]func(t *testing.T) storage.Driver {
	return map[string]func(t *testing.T) storage.Driver{
		"memory": func(t *testing.T) storage.Driver { return memory.New() },
		"localfs": func(t *testing.T) storage.Driver {
			d, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		"s3": func(t *testing.T) storage.Driver {
			env := testenv.S3(t)
			d, err := s3.New(context.Background(), s3.Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
				Bucket: testenv.UniqueName(t, "gc"), CreateBucket: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { emptyBucket(t, d) })
			return d
		},
	}
}

// emptyBucket deletes every blob and trashed blob of d.
func emptyBucket(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	var keys, trash []string
	_ = d.List(ctx, func(a storage.Attrs) error { keys = append(keys, a.Key); return nil })
	_ = d.ListTrash(ctx, func(n string) error { trash = append(trash, n); return nil })
	for _, k := range keys {
		if err := d.Delete(ctx, k); err != nil {
			t.Error(err)
		}
	}
	for _, n := range trash {
		if err := d.Purge(ctx, n); err != nil {
			t.Error(err)
		}
	}
}

// TestCollectorVersusUpload (issue 9 item 1): the collector and an upload
// of the same content as a dead write's blob, forced into the two
// interleavings in which today's collector deleted the bytes of an
// acknowledged upload, on every blob driver. In each the upload is
// acknowledged and its bytes are whole after the collection.
func TestCollectorVersusUpload(t *testing.T) {
	for name, newDriver := range blobDrivers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			v := newVaultOn(t, archive.Config{BlobGrace: time.Hour}, newDriver(t))
			sm := installSeams(v)
			start := time.Now()

			// Dead writes, two hours ago, of the contents the uploads send
			// again: their intents are stale, their blobs unreferenced.
			contentA, contentB := pdfBytes("same content, upload during the collection"), pdfBytes("same content, upload touched before the trash")
			v.clock.Set(start.Add(-2 * time.Hour))
			deadPuts(v, sm, contentA, contentB)
			v.clock.Set(start)
			hashA, hashB := storagetest.SHA256(contentA), storagetest.SHA256(contentB)

			// A: the collector has found blob A unused (no claim, no
			// reference); before it collects it, an upload of the same
			// content finds the blob, touches it, commits and is answered.
			var ackA archive.Document
			// B: the collector has found blob B unused; an upload of the same
			// content claims it and touches it, and is still before its
			// metadata commit while the collector collects; it commits after.
			touched, release := make(chan struct{}), make(chan struct{})
			var ackB archive.Document
			var errB error
			uploaded := make(chan struct{})
			sm.onCollect(func(h string) {
				switch h {
				case hashA:
					if ackA.ID == "" {
						d, err := v.Put(ctx, citizenB, birthCert("", contentA))
						if err != nil {
							t.Errorf("upload during the collection: %v", err)
						}
						ackA = d
					}
				case hashB:
					sm.onCommit(func() { close(touched); <-release })
					go func() {
						defer close(uploaded)
						ackB, errB = v.Put(ctx, citizenB, birthCert("", contentB))
					}()
					<-touched
					sm.onCommit(nil)
				}
			})
			rep, err := v.CollectGarbageWith(ctx, archive.GCOptions{})
			wantCode(t, err, "")
			close(release)
			<-uploaded
			wantCode(t, errB, "")
			if ackA.ID == "" || ackB.ID == "" {
				t.Fatalf("the interleavings did not happen (acknowledged: %q, %q)", ackA.ID, ackB.ID)
			}
			for _, ack := range []struct {
				d    archive.Document
				want []byte
			}{{ackA, contentA}, {ackB, contentB}} {
				c, err := v.Open(ctx, citizenB, ack.d.ID, 0, archive.Access{})
				wantCode(t, err, "")
				got, err := io.ReadAll(c)
				c.Close()
				if err != nil {
					t.Fatalf("acknowledged upload %s: reading its bytes: %v", ack.d.ID, err)
				}
				if !bytes.Equal(got, ack.want) {
					t.Fatalf("acknowledged upload %s: %d bytes back, want its %d", ack.d.ID, len(got), len(ack.want))
				}
			}
			if rep.Uploads != 2 || rep.Deleted != 0 {
				t.Fatalf("collection %+v; want 2 dead writes finished and no blob deleted", rep)
			}
			wantUsageTrue(t, v, citizenA.Subject)
			wantUsageTrue(t, v, citizenB.Subject)
		})
	}
}

// countingBlobs counts the bucket walks a collection makes.
type countingBlobs struct {
	archive.Blobs
	lists atomic.Int32
}

func (b *countingBlobs) List(ctx context.Context, fn func(string, int64, time.Time) error) error {
	b.lists.Add(1)
	return b.Blobs.List(ctx, fn)
}

// countingStore counts the reference checks a collection makes.
type countingStore struct {
	archive.Store
	refs atomic.Int32
}

func (s *countingStore) BlobReferenced(ctx context.Context, h string) (bool, error) {
	s.refs.Add(1)
	return s.Store.BlobReferenced(ctx, h)
}

// TestCollectGarbageScales (issue 9 item 1): a collection looks at the
// writes that died, not at the store: with hundreds of blobs in the bucket
// and two dead writes, it walks no bucket and checks two blobs. The orphans
// that no intent names (made before intents existed) are the full scan's,
// which walks the bucket once and keeps what is referenced.
func TestCollectGarbageScales(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	sm := installSeams(v)
	start := time.Now()
	v.clock.Set(start.Add(-2 * time.Hour))
	kept, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("kept")))
	wantCode(t, err, "")
	deadPuts(v, sm, numbered("dead", 2)...)
	const orphans = 300
	for i := range orphans {
		if _, _, err := v.bucket.Put(ctx, bytes.NewReader([]byte{byte(i), byte(i >> 8), 'o'}), -1); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.blobCount(t); n != orphans+3 {
		t.Fatalf("%d blobs, want %d", n, orphans+3)
	}
	if err := v.Wait(ctx); err != nil { // the finished upload is settled
		t.Fatal(err)
	}

	blobs := &countingBlobs{Blobs: v.bucket}
	st := &countingStore{Store: v.store}
	v.clock.Set(start)
	gc := archive.New(st, blobs, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
	rep, err := gc.CollectGarbageWith(ctx, archive.GCOptions{})
	wantCode(t, err, "")
	if rep.Deleted != 2 || blobs.lists.Load() != 0 || st.refs.Load() > 4 {
		t.Fatalf("collection deleted %d blobs with %d bucket walks and %d reference checks; want 2, 0, at most 4",
			rep.Deleted, blobs.lists.Load(), st.refs.Load())
	}
	if n := v.blobCount(t); n != orphans+1 {
		t.Fatalf("%d blobs after the collection, want %d", n, orphans+1)
	}

	// The full scan takes the old orphans once they are older than the
	// grace period, and keeps the referenced blob.
	rep, err = gc.CollectGarbageWith(ctx, archive.GCOptions{Full: true})
	wantCode(t, err, "")
	if rep.Deleted != 0 || rep.Scanned != orphans+1 {
		t.Fatalf("full scan of young orphans: %+v", rep)
	}
	v.clock.Set(start.Add(2 * time.Hour))
	rep, err = gc.CollectGarbageWith(ctx, archive.GCOptions{Full: true})
	wantCode(t, err, "")
	if rep.Deleted != orphans || blobs.lists.Load() != 2 || v.blobCount(t) != 1 {
		t.Fatalf("full scan: %+v, %d walks, %d blobs left; want %d deleted, 1 left", rep, blobs.lists.Load(), v.blobCount(t), orphans)
	}
	c, err := v.Open(ctx, citizenA, kept.ID, 0, archive.Access{})
	wantCode(t, err, "")
	if !bytes.Equal(readAll(t, c), pdfBytes("kept")) {
		t.Fatal("referenced blob damaged")
	}
}

// TestUploadIntentLifecycle: a finished upload leaves no intent and no
// charge record behind; a refused one neither, whether it was refused
// before or after its blob was stored (then the intent stays for the
// collector, which deletes the blob).
func TestUploadIntentLifecycle(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("one")))
	wantCode(t, err, "")
	_, err = v.AddVersion(ctx, citizenA, d.ID, 0, upload("two.pdf", pdfBytes("two")))
	wantCode(t, err, "")
	if ins := intents(t, v); len(ins) != 0 {
		t.Fatalf("finished uploads left %d intents: %+v", len(ins), ins)
	}
	wantUsageTrue(t, v, citizenA.Subject)

	// Refused by the quota after the blob was stored (size not declared).
	o, _ := v.Owner(ctx, staff, citizenA.Subject, archive.Access{Purpose: "kiểm tra"})
	wantCode(t, v.SetQuota(ctx, admin, citizenA.Subject, o.UsedBytes+10), "")
	nd := birthCert("", nil)
	big := pdfBytes("too big for the quota")
	nd.Upload = archive.Upload{Body: bytes.NewReader(big), Size: -1, FileName: "big.pdf"}
	_, err = v.Put(ctx, citizenA, nd)
	wantCode(t, err, "quota_exceeded")
	wantUsageTrue(t, v, citizenA.Subject)
	ins := intents(t, v)
	if len(ins) != 1 || len(ins[0].Blobs) != 1 || ins[0].Blobs[0] != storagetest.SHA256(big) {
		t.Fatalf("intents after a refusal past the blob: %+v; want one naming the blob", ins)
	}
	// Refused before (declared size): nothing stays.
	_, err = v.Put(ctx, citizenA, birthCert("", big))
	wantCode(t, err, "quota_exceeded")
	if n := len(intents(t, v)); n != 1 {
		t.Fatalf("%d intents, want still 1", n)
	}
	v.clock.Set(time.Now().Add(2 * time.Hour))
	n, err := v.CollectGarbage(ctx)
	wantCode(t, err, "")
	if n != 1 || len(intents(t, v)) != 0 {
		t.Fatalf("collected %d blobs, %d intents left", n, len(intents(t, v)))
	}
	if _, err := v.bucket.Stat(ctx, storagetest.SHA256(big)); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("refused upload's blob: %v", err)
	}
	wantUsageTrue(t, v, citizenA.Subject)
}

// TestUploadTooSlowIsRefused: a write whose intent is older than half the
// grace period does not commit, so the collector may take it for dead.
func TestUploadTooSlowIsRefused(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	sm := installSeams(v)
	start := time.Now()
	sm.onCommit(func() { v.clock.Set(start.Add(31 * time.Minute)) })
	v.clock.Set(start)
	_, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("slow")))
	wantCode(t, err, "upload_expired")
	sm.onCommit(nil)
	wantUsageTrue(t, v, citizenA.Subject)
}

// TestConcurrentCollectors: collections need not exclude each other (the
// "blob-gc" lease only saves repeating work, and `kho gc` does not take
// it): three collectors at once over the same dead writes, while uploads
// of a dead write's content keep coming, give back each charge once,
// delete each dead blob, and lose no acknowledged upload.
func TestConcurrentCollectors(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	sm := installSeams(v)
	start := time.Now()
	v.clock.Set(start.Add(-2 * time.Hour))
	shared := pdfBytes("content of three dead writes, uploaded again meanwhile")
	dead := numbered("dead write", 10)
	deadPuts(v, sm, dead...)
	deadPuts(v, sm, shared, shared, shared)
	v.clock.Set(start)

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 3 {
		gc := archive.New(v.store, v.bucket, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
		wg.Go(func() {
			if _, err := gc.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
				errs <- err
			}
		})
	}
	var acked []string
	var mu sync.Mutex
	for range 4 {
		wg.Go(func() {
			d, err := v.Put(ctx, citizenB, birthCert("", shared))
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			acked = append(acked, d.ID)
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("collector or upload: %v", err)
	}
	// Whatever a collector left for a later run (none expected), one more
	// run finishes.
	if _, err := v.CollectGarbage(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range acked {
		c, err := v.Open(ctx, citizenB, id, 0, archive.Access{})
		wantCode(t, err, "")
		if !bytes.Equal(readAll(t, c), shared) {
			t.Fatalf("acknowledged upload %s lost its bytes", id)
		}
	}
	for _, c := range dead {
		if _, err := v.bucket.Stat(ctx, storagetest.SHA256(c)); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("dead write's blob still there: %v", err)
		}
	}
	if n := len(intents(t, v)); n != 0 {
		t.Fatalf("%d intents left", n)
	}
	wantUsageTrue(t, v, citizenA.Subject)
	wantUsageTrue(t, v, citizenB.Subject)
}

// TestOneCollectionAtATime: the "blob-gc" job under two runners (two
// processes) over one store: one takes the lease and collects, the other
// finds it held and does not run.
func TestOneCollectionAtATime(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	sm := installSeams(v)
	start := time.Now()
	v.clock.Set(start.Add(-2 * time.Hour))
	deadPuts(v, sm, numbered("dead", 3)...)
	v.clock.Set(start)
	var running, most, runs atomic.Int32
	sm.onCollect(func(string) {
		n := running.Add(1)
		if n > most.Load() {
			most.Store(n)
		}
		time.Sleep(20 * time.Millisecond) // long enough for the other runner to try
		running.Add(-1)
	})
	job := jobs.Job{Name: "blob-gc", Every: time.Hour, Run: func(ctx context.Context, _ *jobs.Run) error {
		runs.Add(1)
		_, err := v.CollectGarbageWith(ctx, archive.GCOptions{})
		return err
	}}
	leases := v.store.(jobs.Store)
	var wg sync.WaitGroup
	ran := make([]bool, 2)
	for i := range 2 {
		r := jobs.NewRunner(leases, nil, jobs.WithHolder(fmt.Sprintf("process-%d", i)))
		wg.Go(func() {
			var err error
			ran[i], err = r.RunOnce(ctx, job)
			if err != nil {
				t.Errorf("runner %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if runs.Load() != 1 || ran[0] == ran[1] || most.Load() != 1 {
		t.Fatalf("runs %d (ran %v), at most %d collecting at once; want one run, one collector", runs.Load(), ran, most.Load())
	}
	if n := len(intents(t, v)); n != 0 {
		t.Fatalf("%d intents left", n)
	}
}
