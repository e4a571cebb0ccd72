package signing

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kho-vn/kho/internal/pdfobj"
)

// makePDF returns a minimal valid PDF 1.7 with the given number of pages,
// each showing one line of text, with a classic xref table whose offsets are
// exact.
func makePDF(pages int) []byte {
	// 1: catalog, 2: pages, 3: font, then page/content pairs.
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>"}
	kids := ""
	for i := 0; i < pages; i++ {
		kids += fmt.Sprintf("%d 0 R ", 4+2*i)
	}
	objs = append(objs, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := 0; i < pages; i++ {
		text := fmt.Sprintf("BT /F1 18 Tf 72 760 Td (Kho test page %d of %d) Tj ET", i+1, pages)
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
	}
	return assemblePDF(objs)
}

// assemblePDF writes objs as objects 1, 2, … of a PDF 1.7 file whose
// catalog is object 1, with a classic xref table whose offsets are exact.
func assemblePDF(objs []string) []byte {
	return pdfobj.Assemble("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", objs...)
}

// makeEncryptedPDF returns a one-page PDF whose trailer names a Standard
// security handler (RC4, 40-bit) with a user password that is not empty.
func makeEncryptedPDF() []byte {
	pdf := makePDF(1)
	hex32 := "<" + strings.Repeat("5a", 32) + ">"
	enc := "/Encrypt << /Filter /Standard /V 1 /R 2 /O " + hex32 + " /U " + hex32 + " /P -4 >> /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] /Root"
	return bytes.Replace(pdf, []byte("/Root"), []byte(enc), 1)
}
