package storagetest

// Results (go test -bench . -benchtime 2s -count 3; median MB/s of 3; MiB
// sizes), 2026-11-23, shared VM, 2 vCPU Intel Xeon with SHA-NI, 24 GB, virtio
// disk, Go 1.27, MinIO on the same machine (single drive, loopback). The
// machine's load average was 10-12 from other builds during the run, so
// these numbers are noisy (runs varied 2x); rerun on a quiet machine before
// drawing conclusions.
//
//	                 DriverWrite/1MB  /20MB   BucketPut/1MB  /20MB
//	storage/localfs        80          227          76        124
//	storage/s3             49           29          35         38
//	storage/memory        292          439         873        307

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"testing"

	"github.com/kho-vn/kho/storage"
)

// benchSizes are the blob sizes of the benchmarks, by sub-benchmark name.
// Other benchmarks divide by these, so the names stay as they are.
var benchSizes = []struct {
	name string
	size int
}{
	{"1MB", 1 << 20},
	{"20MB", 20 << 20},
}

// WriteChunk is the size of the writes BenchmarkDriverWrite makes: the
// Bucket's own copy buffer, so that the two benchmarks differ only by what
// the Bucket adds (hashing, limit checks, key handling).
const WriteChunk = 512 << 10

// BenchmarkDriverWrite measures the raw write throughput of d: Stage, Write
// in WriteChunk pieces, Commit under a fresh key; sub-benchmarks "1MB" and
// "20MB" (MiB, really), with b.SetBytes. Blobs written are deleted after
// the timed loop.
func BenchmarkDriverWrite(b *testing.B, d storage.Driver) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			ctx := context.Background()
			data := Random(99, bs.size)
			nonce := newNonce()
			var keys []string
			b.SetBytes(int64(bs.size))
			for i := 0; b.Loop(); i++ {
				key := benchKey(nonce, i)
				st, err := d.Stage(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for p := data; len(p) > 0; {
					n := min(len(p), WriteChunk)
					if _, err := st.Write(p[:n]); err != nil {
						b.Fatal(err)
					}
					p = p[n:]
				}
				if err := st.Commit(ctx, key); err != nil {
					b.Fatal(err)
				}
				keys = append(keys, key)
			}
			for _, k := range keys {
				if err := d.Delete(ctx, k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBucketPut measures Bucket.Put over d with the sizes of
// BenchmarkDriverWrite; each put has new content (a counter in the first
// bytes) so that none is deduplicated.
func BenchmarkBucketPut(b *testing.B, d storage.Driver) {
	bucket := storage.NewBucket(d)
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			ctx := context.Background()
			data := Random(98, bs.size)
			nonce := newNonce()
			copy(data, nonce[:])
			var hashes []string
			b.SetBytes(int64(bs.size))
			for i := 0; b.Loop(); i++ {
				binary.LittleEndian.PutUint64(data[8:], uint64(i))
				hash, _, err := bucket.Put(ctx, bytes.NewReader(data), int64(len(data)))
				if err != nil {
					b.Fatal(err)
				}
				hashes = append(hashes, hash)
			}
			for _, h := range hashes {
				if err := bucket.Delete(ctx, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func newNonce() (n [8]byte) {
	_, _ = rand.Read(n[:])
	return n
}

// benchKey is a valid key made of a nonce and a counter.
func benchKey(nonce [8]byte, i int) string {
	var p [16]byte
	copy(p[:], nonce[:])
	binary.LittleEndian.PutUint64(p[8:], uint64(i))
	return SHA256(p[:])
}
