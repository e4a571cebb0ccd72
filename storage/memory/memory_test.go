package memory

import (
	"testing"

	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver { return New() })
}

func TestCorruption(t *testing.T) {
	d := New()
	storagetest.RunCorruption(t, d, func(t *testing.T, key string) {
		if err := d.Corrupt(key); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkDriverWrite(b *testing.B) { storagetest.BenchmarkDriverWrite(b, New()) }

func BenchmarkBucketPut(b *testing.B) { storagetest.BenchmarkBucketPut(b, New()) }
