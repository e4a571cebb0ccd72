package convert

import (
	"context"
	"io"
	"mime/multipart"
	"strings"
)

// PDFToPDFA converts a PDF to PDF/A of the given level through Gotenberg's
// /forms/pdfengines/convert route (its PDF engines: LibreOffice, then
// qpdf). The PDF is streamed to the server as it is read from r. It is for
// unsigned PDFs only: the engine rewrites the file, which would break a
// signature (the caller refuses signed ones). Errors are post's: Invalid
// when the server refuses the file, Unavailable, TooLarge.
func (g *Gotenberg) PDFToPDFA(ctx context.Context, r io.Reader, level PDFA) (io.ReadCloser, error) {
	o := Options{PDFA: level}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if level == PDFANone {
		o.PDFA = PDFA2b
	}
	return g.post(ctx, "/forms/pdfengines/convert", func(w *multipart.Writer) error {
		if err := writeFields(w, [][2]string{{"pdfa", string(o.PDFA)}}); err != nil {
			return err
		}
		return writeFile(w, "document.pdf", r)
	})
}

// Archival adapts a Gotenberg client to what the archive's conversions
// need (archive.RenditionConverter): office files and PDFs to PDF or
// PDF/A, the level named by a string ("" = plain PDF).
type Archival struct {
	G *Gotenberg
}

// OfficeToPDF converts an office file (its type given by name's
// extension) to PDF, or to PDF/A of level pdfa.
func (a Archival) OfficeToPDF(ctx context.Context, name string, r io.Reader, pdfa string) (io.ReadCloser, error) {
	return a.G.OfficeToPDF(ctx, name, r, Options{PDFA: PDFA(pdfa)})
}

// PDFToPDFA converts an unsigned PDF to PDF/A of level pdfa.
func (a Archival) PDFToPDFA(ctx context.Context, r io.Reader, pdfa string) (io.ReadCloser, error) {
	return a.G.PDFToPDFA(ctx, r, PDFA(pdfa))
}

// Name says which converter made a rendition, for its record: the
// server's address is left out (it changes with the deployment).
func (a Archival) Name(pdfa string) string {
	if pdfa == "" {
		return "gotenberg/libreoffice"
	}
	return "gotenberg/libreoffice " + strings.ToLower(pdfa)
}
