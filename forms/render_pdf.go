package forms

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/kho-vn/kho/internal/fonts"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// pdfDocument is a laid-out form ready to write as a PDF file.
type pdfDocument struct {
	title       string
	created     time.Time
	pages       []*renderPage
	font        *fonts.Font
	pdfa        bool
	attachments []attachment
}

// attachment is a file embedded in the PDF as an associated file.
type attachment struct {
	name, mime, desc string
	data             []byte
}

// objects numbers the indirect objects of a file being written; it is
// the fonts package's ObjectAdder.
type objects struct{ bodies [][]byte }

var _ pdfobj.ObjectAdder = (*objects)(nil)

// AddObject adds an object and returns its number.
func (o *objects) AddObject(body []byte) (uint32, error) {
	o.bodies = append(o.bodies, body)
	return uint32(len(o.bodies)), nil
}

func (o *objects) add(body []byte) uint32 {
	n, _ := o.AddObject(body) // adding to memory does not fail
	return n
}

// reserve takes a number for an object written later with set.
func (o *objects) reserve() uint32 { return o.add(nil) }

func (o *objects) set(n uint32, body []byte) { o.bodies[n-1] = body }

func (o *objects) addf(format string, args ...any) uint32 {
	return o.add(fmt.Appendf(nil, format, args...))
}

// write writes the document: a classic cross-reference table, one
// revision, no encryption, no object streams (so that the PAdES signer and
// every reader take it).
func (d *pdfDocument) write(w io.Writer) error {
	var texts [][]fonts.Shaped
	for _, p := range d.pages {
		for _, t := range p.texts {
			texts = append(texts, t.shaped)
		}
	}
	pf, err := d.font.NewPDFFont(texts...)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, renderErrCode, renderErrMessageText)
	}
	o := &objects{}
	catalog := o.reserve()
	pagesID := o.reserve()
	fontID, err := pf.Embed(o)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, renderErrCode, renderErrMessageText)
	}
	kids := make([]string, len(d.pages))
	for i, p := range d.pages {
		content := o.add(pdfobj.FlateStream("", pageContent(p, pf)))
		page := o.addf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>",
			pagesID, num(pageW), num(pageH), fontID, content)
		kids[i] = strconv.FormatUint(uint64(page), 10) + " 0 R"
	}
	o.set(pagesID, fmt.Appendf(nil, "<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.pages)))

	pdfDate := d.created.Format("D:20060102150405") + "+07'00'"
	info := o.addf("<< /Title %s /Producer (Kho) /Creator (Kho) /CreationDate (%s) /ModDate (%s) >>",
		textString(d.title), pdfDate, pdfDate)
	cat := fmt.Sprintf("/Type /Catalog /Pages %d 0 R /Lang (vi-VN) /ViewerPreferences << /DisplayDocTitle true >>", pagesID)
	if d.pdfa {
		cat += d.pdfaEntries(o, pdfDate)
	}
	o.set(catalog, []byte("<< "+cat+" >>"))
	return writePDFFile(w, o, catalog, info)
}

// pageContent is a page's content stream: rules, then text in the subset
// font; bold is the regular face filled and stroked (DejaVu Sans Bold is
// not embedded, one font keeps the files small).
func pageContent(p *renderPage, pf *fonts.PDFFont) []byte {
	var b bytes.Buffer
	b.WriteString("0 G 0 g\n")
	for _, ln := range p.lines {
		fmt.Fprintf(&b, "%s w %s %s m %s %s l S\n", num(ln.width), num(ln.x1), num(ln.y1), num(ln.x2), num(ln.y2))
	}
	for _, t := range p.texts {
		mode := "0 Tr"
		if t.style&bold != 0 {
			mode = "2 Tr " + num(t.size*boldStroke) + " w"
		}
		slant := "0"
		if t.style&italic != 0 {
			slant = "0.2"
		}
		fmt.Fprintf(&b, "BT %s /F1 %s Tf 1 0 %s 1 %s %s Tm %s Tj ET\n", mode, num(t.size), slant, num(t.x), num(t.y), pf.Hex(t.shaped))
	}
	return b.Bytes()
}

// num writes a coordinate with at most two decimals.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// textString is a PDF text string: UTF-16BE with a byte-order mark, as
// hex, so any Unicode text (and any byte a value holds) is safe.
func textString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteByte('>')
	return b.String()
}

// writePDFFile writes the header, the objects, the cross-reference table and
// the trailer. The file ID is a hash of the objects, so the same form
// renders to the same bytes.
func writePDFFile(w io.Writer, o *objects, root, info uint32) error {
	bw := bufio.NewWriter(w)
	cw := &countWriter{w: bw}
	h := sha256.New()
	io.WriteString(cw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int64, len(o.bodies))
	for i, body := range o.bodies {
		offsets[i] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n", i+1)
		cw.Write(body)
		io.WriteString(cw, "\nendobj\n")
		h.Write(body)
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", len(o.bodies)+1)
	for _, off := range offsets {
		fmt.Fprintf(cw, "%010d 00000 n \n", off)
	}
	id := fmt.Sprintf("%X", h.Sum(nil)[:16])
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(o.bodies)+1, root, info, id, id, xref)
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

// countWriter counts the bytes written and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
