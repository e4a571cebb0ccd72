package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// mmPerPoint converts PDF points to millimetres.
const mmPerPoint = 25.4 / 72

// a4HeightMM is the height of an A4 page.
const a4HeightMM = 297.0

// pdfcpuConf is pdfcpu's configuration for the paper copy: relaxed
// validation (the mode pdfcpu defaults to, see checkPDF), offline, with
// pdfcpu's resource limits.
func pdfcpuConf() *model.Configuration {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Offline = true
	conf.Limits = model.DefaultResourceLimits()
	conf.Limits.MaxDecodeBytes = 64 << 20
	return conf
}

// pageCount is the number of pages of the PDF, read by pdfcpu (cut short
// when ctx ends).
func pageCount(ctx context.Context, in io.ReadSeeker) (int, error) {
	pctx, err := pdfcpu.ReadWithContext(ctx, in, pdfcpuConf())
	if err == nil {
		err = pctx.EnsurePageCount()
	}
	switch {
	case ctx.Err() != nil:
		return 0, errPaperTimeout(ctx.Err())
	case err != nil:
		return 0, kerr.Wrap(err, kerr.Invalid, "pdf_damaged",
			"Tệp PDF của bản gốc bị hỏng nên không chuyển đổi được sang bản giấy.")
	}
	return pctx.PageCount, nil
}

// errPaperTimeout is the answer of a paper copy cut short by its time limit.
func errPaperTimeout(err error) error {
	return kerr.Wrap(err, kerr.Unavailable, "paper_copy_timeout",
		"Chưa chuyển đổi xong sang bản giấy trong thời gian cho phép; vui lòng thử lại sau.")
}

// stampWithin runs stampPaperCopy on a goroutine of its own and waits at
// most until ctx ends (pdfcpu's stamping takes no context): a hostile
// original cannot hold the request, only that goroutine, which ends with
// pdfcpu. The copy is returned only when it is whole.
func stampWithin(ctx context.Context, frame []byte, orig io.ReadSeeker, pages int) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var out bytes.Buffer
		_, err := guardPDF(func() (int, error) { return 0, stampPaperCopy(bytes.NewReader(frame), orig, pages, &out) })
		done <- result{out.Bytes(), err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		return nil, errPaperTimeout(ctx.Err())
	}
}

// stampPaperCopy writes the paper copy: the frame (convert's paper copy
// template, rendered: one page per page of the original, then the
// summary) with page i of the original stamped on frame page i, above
// the band, scaled to fit and centred. The original's pages are copied
// as form XObjects — their content only, not their annotations or the
// signature fields — into the frame, a new file: the original is read,
// never written.
func stampPaperCopy(frame, original io.ReadSeeker, pages int, w io.Writer) error {
	// Only the first pages: a multi-stamp repeats the original's last
	// page on the pages past its end (the summary).
	// pdfcpu's relative scale fits a portrait page's height (a landscape
	// page's width) to that fraction of the frame page's: the space
	// above the band.
	scale := (a4HeightMM - convert.PaperCopyBand - convert.PaperCopyTop) / a4HeightMM
	top := convert.PaperCopyTop / mmPerPoint
	desc := fmt.Sprintf("position:tc, offset:0 -%.1f, scalefactor:%.4f rel, rotation:0, opacity:1", top, scale)
	wm, err := api.PDFMultiWatermarkForReadSeeker(original, 1, 1, desc, true, false, types.POINTS)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "paper_copy_stamp_failed", "Không ghép được trang của bản gốc vào bản chuyển đổi.")
	}
	var out bytes.Buffer
	if err := api.AddWatermarks(frame, &out, []string{fmt.Sprintf("1-%d", pages)}, wm, pdfcpuConf()); err != nil {
		return kerr.Wrap(err, kerr.Invalid, "paper_copy_stamp_failed", "Không ghép được trang của bản gốc vào bản chuyển đổi.")
	}
	_, err = w.Write(out.Bytes())
	return err
}
