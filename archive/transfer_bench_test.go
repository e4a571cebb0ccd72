package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/bagit"
)

// benchVault is a vault (SQLite, memory blobs) with papers text papers of
// size bytes each, for citizenA.
func benchVault(b *testing.B, papers, size int) *vault {
	b.Helper()
	v := newVault(b, archive.Config{})
	line := "Biên bản bàn giao hồ sơ lưu trữ số %06d — nội dung giấy tờ.\n"
	for i := range papers {
		var body strings.Builder
		for n := 0; body.Len() < size; n++ {
			fmt.Fprintf(&body, line, i*100000+n)
		}
		text := body.String()[:size]
		if _, err := v.Put(context.Background(), citizenA, archive.NewDocument{OwnerID: citizenA.Subject,
			Metadata: archive.Metadata{TypeCode: "KHAC", Name: fmt.Sprintf("Giấy tờ %d", i)},
			Upload:   archive.Upload{Body: strings.NewReader(text), Size: int64(len(text)), FileName: "giay.txt"}}); err != nil {
			b.Fatal(err)
		}
	}
	return v
}

// BenchmarkTransferExport writes a vault of 20 papers of 256 KiB as a bag
// (ExportOwner), against the floor: the same blobs read from the same
// bucket into a bare tar with their SHA-256, in the same run.
func BenchmarkTransferExport(b *testing.B) {
	const papers, size = 20, 256 << 10
	v := benchVault(b, papers, size)
	ctx := context.Background()
	b.Run("kho", func(b *testing.B) {
		b.SetBytes(papers * size)
		for b.Loop() {
			if _, err := v.ExportOwner(ctx, citizenA, citizenA.Subject, archive.Access{}, io.Discard, archive.ExportOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tar+sha256", func(b *testing.B) {
		b.SetBytes(papers * size)
		docs, _, err := v.store.ListDocuments(ctx, archive.DocQuery{OwnerID: citizenA.Subject, Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			tw := tar.NewWriter(io.Discard)
			for _, d := range docs {
				rc, err := v.bucket.Open(ctx, d.Current.Blob)
				if err != nil {
					b.Fatal(err)
				}
				_ = tw.WriteHeader(&tar.Header{Name: "data/" + d.ID, Size: d.Current.Size, Mode: 0o644, Typeflag: tar.TypeReg})
				h := sha256.New()
				if _, err := io.Copy(tw, io.TeeReader(rc, h)); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
			_ = tw.Close()
		}
	})
}

// BenchmarkTransferImport reads that bag into a new vault (ImportBag:
// spool, check, store), against checking it alone (bagit.Unpack and
// Validate), in the same run.
func BenchmarkTransferImport(b *testing.B) {
	const papers, size = 20, 256 << 10
	v := benchVault(b, papers, size)
	var bag bytes.Buffer
	if _, err := v.ExportOwner(context.Background(), citizenA, citizenA.Subject, archive.Access{}, &bag, archive.ExportOptions{}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("kho", func(b *testing.B) {
		b.SetBytes(int64(bag.Len()))
		for b.Loop() {
			b.StopTimer()
			dst := newVault(b, archive.Config{})
			b.StartTimer()
			rep, err := dst.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(bag.Bytes()), archive.ImportOptions{TempDir: b.TempDir()})
			if err != nil || rep.Stored != papers {
				b.Fatalf("%+v %v", rep, err)
			}
		}
	})
	b.Run("check-only", func(b *testing.B) {
		b.SetBytes(int64(bag.Len()))
		for b.Loop() {
			bg, err := bagit.Unpack(ctx, bytes.NewReader(bag.Bytes()), b.TempDir(), bagit.Limits{})
			if err != nil {
				b.Fatal(err)
			}
			if err := bg.Validate(ctx); err != nil {
				b.Fatal(err)
			}
			bg.Close()
		}
	})
}
