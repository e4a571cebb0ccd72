package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/sqlite"
)

// fixityBench is a store of n blobs of size bytes on local files, each
// the content of one document, and the blobs' files.
type fixityBench struct {
	vault *archive.Service
	files []string
	total int64
}

func newFixityBench(b *testing.B, n, size int) *fixityBench {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close(context.Background()) })
	drv, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	bucket := storage.NewBucket(drv)
	b.Cleanup(func() { bucket.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, size)
	fb := &fixityBench{vault: archive.New(st, bucket, archive.Config{}, nil, nil)}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range n {
		for j := 0; j < len(buf); j += 8 {
			v := rng.Uint64()
			for k := 0; k < 8 && j+k < len(buf); k++ {
				buf[j+k] = byte(v >> (8 * k))
			}
		}
		h, sz, err := bucket.Put(ctx, bytes.NewReader(buf), -1)
		if err != nil {
			b.Fatal(err)
		}
		d := archivetest.SampleDocument(rng, at, fmt.Sprintf("0010990%05d", i%97), "KS", "Giấy khai sinh")
		d.Current.Blob, d.Current.Size = h, sz
		if err := st.CreateDocument(ctx, d); err != nil {
			b.Fatal(err)
		}
		fb.files = append(fb.files, filepath.Join(dir, "blobs", h[0:2], h[2:4], h))
		fb.total += sz
	}
	return fb
}

// BenchmarkFixity: a whole fixity pass (CheckFixity: the references read
// through the store's index, each blob read and hashed) against
// sha256sum over the same files, in the same run; the files are in the
// page cache for both. b.SetBytes makes the MB/s comparable.
func BenchmarkFixity(b *testing.B) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		b.Fatal("sha256sum is needed for the comparison")
	}
	for _, c := range []struct {
		name    string
		n, size int
	}{{"64x4MiB", 64, 4 << 20}, {"2048x32KiB", 2048, 32 << 10}} {
		fb := newFixityBench(b, c.n, c.size)
		b.Run(c.name+"/kho", func(b *testing.B) {
			b.SetBytes(fb.total)
			for b.Loop() {
				run, _, err := fb.vault.CheckFixity(context.Background(), archive.FixityOptions{Trigger: "command"})
				if err != nil || run.Checked != c.n || run.Mismatches+run.Missing != 0 {
					b.Fatalf("run %+v: %v", run, err)
				}
			}
		})
		b.Run(c.name+"/sha256sum", func(b *testing.B) {
			b.SetBytes(fb.total)
			for b.Loop() {
				out, err := exec.Command("sha256sum", fb.files...).Output()
				if err != nil || bytes.Count(out, []byte("\n")) != c.n {
					b.Fatalf("sha256sum: %v", err)
				}
			}
		})
	}
}
