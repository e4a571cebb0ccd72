package archive_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/signing"
)

// BenchmarkPutUnsignedPDF measures what verification on store costs an
// upload of an unsigned PDF: "unchecked" has no verifier, "verifier" has
// one (the scan for a signature mark runs while the bytes stream; the
// verifier itself never runs). Each iteration stores new content.
//
//	go test -run '^$' -bench PutUnsignedPDF -benchtime 40x -count 5 ./archive
func BenchmarkPutUnsignedPDF(b *testing.B) {
	for _, size := range []int{1 << 20, 4 << 20} {
		for _, mode := range []string{"unchecked", "verifier"} {
			b.Run(fmt.Sprintf("%s/%dMB", mode, size>>20), func(b *testing.B) {
				cfg := archive.Config{DefaultQuotaBytes: -1}
				if mode == "verifier" {
					cfg.Verifier = archive.NewVerifier(signing.VerifyOptions{})
				}
				v := newVault(b, cfg)
				data := append(pdfBytes("đo hiệu năng"), bytes.Repeat([]byte("0123456789 obj << /Length 42 >> stream\n"), size/40)...)
				ctx := context.Background()
				b.SetBytes(int64(len(data)))
				seq := uint64(0)
				for b.Loop() {
					seq++
					binary.LittleEndian.PutUint64(data[len(data)-8:], seq)
					nd := birthCert("", data)
					nd.Upload = upload("tai-lieu.pdf", data)
					d, err := v.Put(ctx, citizenA, nd)
					if err != nil {
						b.Fatal(err)
					}
					if mode == "verifier" && (d.Current.Signature == nil || d.Current.Signature.Signed) {
						b.Fatalf("signature = %+v", d.Current.Signature)
					}
				}
			})
		}
	}
}
