package archive_test

import (
	"context"
	"io"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/papertest"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/convert"
)

// BenchmarkPaperCopy measures one paper copy of a signed 10-page result
// ("print": verification, the frame through Gotenberg, the stamping, the
// blob, the record, the ledger) against its largest part measured alone
// in the same run ("frame": the template rendered by Gotenberg).
//
//	go test -run '^$' -bench PaperCopy -benchtime 5x -count 3 ./archive
func BenchmarkPaperCopy(b *testing.B) {
	ctx := context.Background()
	v := newVault(b, archive.Config{Verifier: papertest.Verifier(b)})
	cfg := papertest.Config(b)
	pc, err := archive.NewPaperCopier(v.Service, cfg)
	if err != nil {
		b.Fatal(err)
	}
	signed := papertest.Sign(b, pki.Seal, papertest.Document(b, 10))
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "51/2026/KS", signed))
	if err != nil {
		b.Fatal(err)
	}
	pages := make([]int, 10)
	for i := range pages {
		pages[i] = i + 1
	}
	b.Run("frame", func(b *testing.B) {
		for b.Loop() {
			rc, err := cfg.Templates.PDF(ctx, cfg.Converter, convert.TemplatePaperCopy, convert.PaperCopyData{Pages: pages, Code: "ABCD2345EF", Verdict: "Hợp lệ"})
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, rc)
			rc.Close()
		}
	})
	b.Run("print", func(b *testing.B) {
		for b.Loop() {
			_, rc, err := pc.Print(ctx, archivist, archive.PaperCopyRequest{DocumentID: d.ID, Officer: officer})
			if err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
	})
}
