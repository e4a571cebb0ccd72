package archive

import (
	"bytes"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
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
// validation (the mode pdfcpu defaults to, see checkPDF), no
// configuration directory.
func pdfcpuConf() *model.Configuration {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	return conf
}

// pageCount is the number of pages of the PDF, read by pdfcpu.
func pageCount(in io.ReadSeeker) (int, error) {
	n, err := api.PageCount(in, pdfcpuConf())
	if err != nil {
		return 0, kerr.Wrap(err, kerr.Invalid, "pdf_damaged",
			"Tệp PDF của bản gốc bị hỏng nên không chuyển đổi được sang bản giấy.")
	}
	return n, nil
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
