package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"golang.org/x/image/tiff"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

// convertTypes are the vault's default types plus the older office
// formats, which an archive that converts them accepts.
var convertTypes = []string{
	"application/pdf", "image/png", "image/jpeg", "image/tiff",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/msword", "application/vnd.ms-excel", "text/rtf", "application/x-ole-storage", "application/zip",
}

var convertArchivist = archive.Actor{Subject: "luutru.mot", Role: archive.RoleStaff, Agency: agencyA}

var convertAccess = archive.Access{Purpose: "chuyển đổi hồ sơ lưu trữ"}

// gotenbergConverter is the converter over the test Gotenberg.
func gotenbergConverter(t testing.TB, timeout time.Duration) archive.RenditionConverter {
	t.Helper()
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return convert.Archival{G: g}
}

// converterAt is a converter whose server is at addr (a fake).
func converterAt(t testing.TB, addr string, timeout time.Duration) archive.RenditionConverter {
	t.Helper()
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: "http://" + addr, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return convert.Archival{G: g}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "convert", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// putPaper stores data as citizen A's paper named name (type KHAC).
func putPaper(t *testing.T, v *vault, name string, data []byte) archive.Document {
	t.Helper()
	d, err := v.Put(context.Background(), citizenA, archive.NewDocument{OwnerID: citizenA.Subject,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Tệp " + name}, Upload: upload(name, data)})
	if err != nil {
		t.Fatalf("Put %s: %v", name, err)
	}
	return d
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// readAll reads a blob back.
func (v *vault) readBlob(t *testing.T, hash string) []byte {
	t.Helper()
	rc, err := v.bucket.OpenRange(context.Background(), hash, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkPDFA checks a PDF/A-2b rendition: pdfcpu validates it, its XMP says
// pdfaid:part 2 and conformance B, and pdftotext finds want in it.
func checkPDFA(t *testing.T, pdf []byte, want string) {
	t.Helper()
	if err := api.Validate(bytes.NewReader(pdf), model.NewDefaultConfiguration()); err != nil {
		t.Errorf("pdfcpu does not validate the rendition: %v", err)
	}
	if !regexp.MustCompile(`pdfaid:part(>|=")2`).Match(pdf) || !regexp.MustCompile(`pdfaid:conformance(>|=")B`).Match(pdf) {
		t.Errorf("the rendition's XMP does not say PDF/A-2b (pdfaid:part 2, conformance B)")
	}
	if want != "" {
		if got := pdfText(t, pdf); !strings.Contains(got, want) {
			t.Errorf("pdftotext does not find %q in the rendition; it reads %q", want, got)
		}
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestConvertOffice: real .docx, .xlsx, .odt files — and .doc, .xls, .ods,
// .rtf — made by LibreOffice with Vietnamese text become PDF/A-2b through
// the running Gotenberg: pdfcpu validates each, its XMP says PDF/A-2b,
// pdftotext finds the text. The original stays byte for byte; converting
// again returns the stored rendition and stores nothing; the owner lists
// and opens the rendition, another citizen gets nothing; the archivist's
// read is in the owner's ledger with the conversion as its purpose.
func TestConvertOffice(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{AllowedMediaTypes: convertTypes, Converter: gotenbergConverter(t, 0)})
	for _, c := range []struct{ file, text string }{
		{"van-ban.docx", "Nguyễn Thị Hồng Nhung"},
		{"bang-tinh.xlsx", "Trần Văn Đức"},
		{"van-ban.odt", "Ủy ban nhân dân phường Bến Nghé"},
		{"van-ban.doc", "Nguyễn Thị Hồng Nhung"},
		{"bang-tinh.xls", "Trần Văn Đức"},
		{"bang-tinh.ods", "Xã Hoà Phước"},
		{"van-ban.rtf", "Nguyễn Thị Hồng Nhung"},
	} {
		t.Run(c.file, func(t *testing.T) {
			src := fixture(t, c.file)
			d := putPaper(t, v, c.file, src)
			res, err := v.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDFA2b, convertAccess)
			wantCode(t, err, "")
			r := res.Rendition
			if r == nil || res.Existing || r.Version != 1 || r.Source != sha(src) || r.Target != archive.TargetPDFA2b ||
				r.OwnerID != citizenA.Subject || r.CreatedBy != convertArchivist.Subject || r.MediaType != "application/pdf" || r.Size <= 0 {
				t.Fatalf("result %+v, rendition %+v", res, r)
			}
			pdf := v.readBlob(t, r.Blob)
			if sha(pdf) != r.Blob || int64(len(pdf)) != r.Size {
				t.Fatalf("rendition blob does not match its record")
			}
			checkPDFA(t, pdf, c.text)

			// The original, byte for byte.
			got, err := v.Get(ctx, citizenA, d.ID, archive.Access{})
			wantCode(t, err, "")
			if got.VersionCount != 1 || got.Current.Blob != sha(src) || !bytes.Equal(v.readBlob(t, got.Current.Blob), src) {
				t.Fatalf("the original changed: %+v", got.Current)
			}

			// Again: the stored rendition, nothing converted or stored.
			blobs := v.blobCount(t)
			again, err := v.Convert(ctx, convertArchivist, d.ID, 1, archive.TargetPDFA2b, convertAccess)
			wantCode(t, err, "")
			if !again.Existing || again.Rendition == nil || again.Rendition.Blob != r.Blob || v.blobCount(t) != blobs {
				t.Fatalf("second conversion %+v; blobs %d → %d", again, blobs, v.blobCount(t))
			}

			// The owner lists and downloads it; another citizen sees nothing.
			rs, err := v.Renditions(ctx, citizenA, d.ID, archive.Access{})
			wantCode(t, err, "")
			if len(rs) != 1 || rs[0].Key != r.Key {
				t.Fatalf("owner's renditions %+v", rs)
			}
			rc, err := v.OpenRendition(ctx, citizenA, d.ID, 1, archive.TargetPDFA2b, archive.Access{})
			wantCode(t, err, "")
			body, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(body, pdf) {
				t.Fatalf("owner's download of the rendition: %d bytes, %v", len(body), err)
			}
			_, err = v.Renditions(ctx, citizenB, d.ID, archive.Access{})
			wantCode(t, err, "document_not_found")
			_, err = v.OpenRendition(ctx, citizenB, d.ID, 1, archive.TargetPDFA2b, archive.Access{})
			wantCode(t, err, "document_not_found")
			_, err = v.Convert(ctx, citizenA, d.ID, 1, archive.TargetPDF, archive.Access{})
			wantCode(t, err, "staff_only")
		})
	}
	// The ledger names the archivist's conversion reads.
	es, _, err := v.Ledger(ctx, citizenA, citizenA.Subject, "", "", 1000, archive.Access{})
	wantCode(t, err, "")
	n := 0
	for _, e := range es {
		if e.Action == archive.ActionDownload && e.Actor == convertArchivist.Subject && strings.HasPrefix(e.Purpose, "chuyển đổi sang PDF/A-2b: chuyển đổi hồ sơ lưu trữ") {
			n++
		}
	}
	if n != 7 {
		t.Errorf("%d conversion reads in the owner's ledger, want 7 (one per file, none for the repeats)", n)
	}
	// A staff member must say why.
	_, err = v.Convert(ctx, convertArchivist, NewDocID(t, v), 0, archive.TargetPDF, archive.Access{})
	wantCode(t, err, "purpose_required")
}

// NewDocID is the ID of a fresh paper of citizen A.
func NewDocID(t *testing.T, v *vault) string {
	return putPaper(t, v, "khac.docx", fixture(t, "van-ban.docx")).ID
}

// scanPNG is a small real PNG (a grey page with a dark band).
func scanPNG(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 420, 594))
	for y := range 594 {
		for x := range 420 {
			c := uint8(235)
			if y > 100 && y < 140 && x > 40 && x < 380 {
				c = 30
			}
			img.SetGray(x, y, color.Gray{Y: c})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestConvertImage: a PNG becomes a PDF through pdfcpu (no converter
// needed) and a PDF/A-2b through pdfcpu then Gotenberg; pdfcpu validates
// both; the original stays.
func TestConvertImage(t *testing.T) {
	ctx := context.Background()
	src := scanPNG(t)

	plain := newVault(t, archive.Config{})
	// JPEG and TIFF too, to plain PDF through pdfcpu alone.
	img, err := png.Decode(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	var jb, tb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tb, img, nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"ban-quet.jpg": jb.Bytes(), "ban-quet.tif": tb.Bytes()} {
		d := putPaper(t, plain, name, data)
		res, err := plain.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDF, convertAccess)
		wantCode(t, err, "")
		if n, err := api.PageCount(bytes.NewReader(plain.readBlob(t, res.Rendition.Blob)), nil); err != nil || n != 1 {
			t.Errorf("%s: PDF of %d pages (%v)", name, n, err)
		}
	}
	d := putPaper(t, plain, "ban-quet.png", src)
	res, err := plain.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDF, convertAccess)
	wantCode(t, err, "")
	pdf := plain.readBlob(t, res.Rendition.Blob)
	if err := api.Validate(bytes.NewReader(pdf), model.NewDefaultConfiguration()); err != nil {
		t.Errorf("pdfcpu does not validate the image's PDF: %v", err)
	}
	if n, err := api.PageCount(bytes.NewReader(pdf), nil); err != nil || n != 1 {
		t.Errorf("image's PDF has %d pages (%v), want 1", n, err)
	}
	if res.Rendition.Converter != "pdfcpu" || res.Rendition.FileName != "ban-quet.pdf" {
		t.Errorf("rendition %+v", res.Rendition)
	}
	_, err = plain.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDFA2b, convertAccess)
	wantCode(t, err, "converter_unavailable")

	v := newVault(t, archive.Config{Converter: gotenbergConverter(t, 0)})
	d = putPaper(t, v, "ban-quet.png", src)
	res, err = v.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDFA2b, convertAccess)
	wantCode(t, err, "")
	checkPDFA(t, v.readBlob(t, res.Rendition.Blob), "")
	if !bytes.Equal(v.readBlob(t, d.Current.Blob), src) {
		t.Fatal("the original image changed")
	}
}

// cfbWith is an OLE compound file (512-byte sectors) holding empty
// streams of the given names: the container an encrypted OOXML file is
// (EncryptionInfo, EncryptedPackage), without real encryption.
func cfbWith(names ...string) []byte {
	const sec = 512
	hdr := make([]byte, sec)
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(hdr[0x18:], 0x3E)
	binary.LittleEndian.PutUint16(hdr[0x1A:], 3)
	binary.LittleEndian.PutUint16(hdr[0x1C:], 0xFFFE)
	binary.LittleEndian.PutUint16(hdr[0x1E:], 9)
	binary.LittleEndian.PutUint16(hdr[0x20:], 6)
	binary.LittleEndian.PutUint32(hdr[0x2C:], 1)          // one FAT sector
	binary.LittleEndian.PutUint32(hdr[0x30:], 1)          // directory at sector 1
	binary.LittleEndian.PutUint32(hdr[0x38:], 4096)       // mini stream cutoff
	binary.LittleEndian.PutUint32(hdr[0x3C:], 0xFFFFFFFE) // no mini FAT
	binary.LittleEndian.PutUint32(hdr[0x44:], 0xFFFFFFFE) // no DIFAT sectors
	for i := range 109 {
		binary.LittleEndian.PutUint32(hdr[0x4C+4*i:], 0xFFFFFFFF)
	}
	binary.LittleEndian.PutUint32(hdr[0x4C:], 0) // the FAT is sector 0
	fat := make([]byte, sec)
	for i := 0; i < sec; i += 4 {
		binary.LittleEndian.PutUint32(fat[i:], 0xFFFFFFFF)
	}
	binary.LittleEndian.PutUint32(fat[0:], 0xFFFFFFFD) // FAT sector
	binary.LittleEndian.PutUint32(fat[4:], 0xFFFFFFFE) // directory: one sector
	dir := make([]byte, sec)
	entry := func(i int, name string, typ byte) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			binary.LittleEndian.PutUint16(e[2*j:], c)
		}
		binary.LittleEndian.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = typ
		binary.LittleEndian.PutUint32(e[0x74:], 0xFFFFFFFE)
	}
	entry(0, "Root Entry", 5)
	for i, n := range names {
		entry(i+1, n, 2)
	}
	return append(append(hdr, fat...), dir...)
}

// zipOf is a zip of the given entries (name → content), [Content_Types].xml
// and word/ first so that it is detected as a .docx.
func zipOf(t testing.TB, entries ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombDocx is a .docx whose document.xml inflates to 100 MB of zeros
// (about 100 KB compressed): under the total limit, over the ratio.
func bombDocx(t testing.TB) []byte {
	return zipOf(t, [2]string{"[Content_Types].xml", `<?xml version="1.0"?><Types/>`},
		[2]string{"word/document.xml", strings.Repeat("\x00", 100<<20)})
}

// TestConvertBadOffice: each bad file gets its own error with a stable
// code and nothing is stored — no rendition, no blob — and nothing
// reaches the converter for the files refused before sending:
// password-protected .doc, .xls and .odt made by LibreOffice, an encrypted
// OOXML container, a zip bomb by ratio and one by entry count, a damaged
// zip; a signed PDF is never re-rendered; a file the converter refuses
// gets the converter's refusal.
func TestConvertBadOffice(t *testing.T) {
	ctx := context.Background()
	many := [][2]string{{"[Content_Types].xml", `<?xml version="1.0"?><Types/>`}, {"word/document.xml", "<w/>"}}
	for i := range 10001 {
		many = append(many, [2]string{"word/media/p" + strconv.Itoa(i) + ".xml", ""})
	}
	docx := fixture(t, "van-ban.docx")
	signed := append(pdfBytes("signed"), []byte("\n% /Type /Sig /ByteRange [0 10 20 30]\n")...)
	for _, c := range []struct {
		name, file string
		data       []byte
		target     archive.Target
		code       string
		sent       bool // the converter is reached
	}{
		{"password .doc", "mat-khau.doc", fixture(t, "mat-khau.doc"), archive.TargetPDFA2b, "office_password_protected", false},
		{"password .xls", "mat-khau.xls", fixture(t, "mat-khau.xls"), archive.TargetPDFA2b, "office_password_protected", false},
		{"password .odt", "mat-khau.odt", fixture(t, "mat-khau.odt"), archive.TargetPDFA2b, "office_password_protected", false},
		{"encrypted OOXML", "mat-khau.docx", cfbWith("EncryptionInfo", "EncryptedPackage"), archive.TargetPDF, "office_password_protected", false},
		{"zip bomb (ratio)", "bom.docx", bombDocx(t), archive.TargetPDFA2b, "office_zip_bomb", false},
		{"zip bomb (entries)", "nhieu.docx", zipOf(t, many...), archive.TargetPDFA2b, "office_zip_bomb", false},
		{"damaged zip", "hong.docx", docx[:len(docx)/2], archive.TargetPDFA2b, "office_damaged", false},
		{"signed PDF", "da-ky.pdf", signed, archive.TargetPDFA2b, "signed_pdf_not_converted", false},
		{"PDF to PDF", "thuong.pdf", pdfBytes("plain"), archive.TargetPDF, "already_pdf", false},
		{"huge image", "lon.png", hugePNG(), archive.TargetPDF, "image_too_large", false},
		{"not office", "ghi-chu.txt", []byte("ghi chú thường\n"), archive.TargetPDF, "not_convertible", false},
		{"refused by the converter", "rac.docx", zipOf(t, [2]string{"[Content_Types].xml", "không phải XML"}, [2]string{"word/document.xml", "\x01\x02 rác"}), archive.TargetPDFA2b, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			counter := &countingConverter{RenditionConverter: gotenbergConverter(t, 0)}
			v := newVault(t, archive.Config{AllowedMediaTypes: append(convertTypes, "text/plain"), Converter: counter})
			d := putPaper(t, v, c.file, c.data)
			blobs := v.blobCount(t)
			_, err := v.Convert(ctx, convertArchivist, d.ID, 0, c.target, convertAccess)
			if c.code != "" {
				wantCode(t, err, c.code)
			} else if ke := kerr.Outer(err); ke == nil || (ke.Code != "conversion_refused" && ke.Code != "converter_failed") {
				t.Fatalf("converter's refusal: %v, want conversion_refused or converter_failed", err)
			} else {
				t.Logf("the converter's refusal: %s: %s", ke.Code, ke.Detail)
			}
			if (counter.calls > 0) != c.sent {
				t.Errorf("converter called %d times", counter.calls)
			}
			rs, err := v.Renditions(ctx, citizenA, d.ID, archive.Access{})
			if err != nil || len(rs) != 0 {
				t.Errorf("renditions after a refusal: %+v, %v", rs, err)
			}
			if n := v.blobCount(t); n != blobs {
				t.Errorf("blobs %d → %d after a refusal", blobs, n)
			}
			if !bytes.Equal(v.readBlob(t, d.Current.Blob), c.data) {
				t.Error("the original changed")
			}
		})
	}
}

// hugePNG is a PNG whose header says 60,000 × 60,000 pixels.
func hugePNG() []byte {
	b := bytes.Clone(pngBytes)
	binary.BigEndian.PutUint32(b[16:], 60000)
	binary.BigEndian.PutUint32(b[20:], 60000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// countingConverter counts the calls that reach the converter.
type countingConverter struct {
	archive.RenditionConverter
	calls int
}

func (c *countingConverter) OfficeToPDF(ctx context.Context, name string, r io.Reader, pdfa string) (io.ReadCloser, error) {
	c.calls++
	return c.RenditionConverter.OfficeToPDF(ctx, name, r, pdfa)
}

func (c *countingConverter) PDFToPDFA(ctx context.Context, r io.Reader, pdfa string) (io.ReadCloser, error) {
	c.calls++
	return c.RenditionConverter.PDFToPDFA(ctx, r, pdfa)
}

// TestConvertHangAndCrash: a converter that accepts the connection and
// never answers ends in a timeout (converter_timeout), one that cuts the
// connection after reading the request in converter_unavailable — real
// loopback TCP servers — and nothing is stored; the next file of the
// batch is still converted by the real Gotenberg.
func TestConvertHangAndCrash(t *testing.T) {
	ctx := context.Background()
	hang := listen(t, func(c net.Conn) {
		io.Copy(io.Discard, c) // reads forever, answers nothing
	})
	crash := listen(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		c.Read(buf)
		c.(*net.TCPConn).SetLinger(0)
		c.Close() // a reset mid-request
	})
	for _, c := range []struct {
		name, addr, code string
	}{
		{"hangs", hang, "converter_timeout"},
		{"crashes", crash, "converter_unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newVault(t, archive.Config{AllowedMediaTypes: convertTypes, Converter: converterAt(t, c.addr, 2*time.Second)})
			d := putPaper(t, v, "van-ban.docx", fixture(t, "van-ban.docx"))
			blobs := v.blobCount(t)
			start := time.Now()
			_, err := v.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDFA2b, convertAccess)
			wantCode(t, err, c.code)
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("the conversion took %s, the converter's timeout is 2 s", el)
			}
			if n := v.blobCount(t); n != blobs {
				t.Errorf("blobs %d → %d", blobs, n)
			}
			if rs, _ := v.Renditions(ctx, citizenA, d.ID, archive.Access{}); len(rs) != 0 {
				t.Errorf("renditions %+v", rs)
			}
		})
	}
}

// listen serves each connection of a loopback listener with serve.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				go func() { <-done; c.Close() }()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestConvertBatch: an owner's convertible papers are planned (the plain
// text is not), converted one after another, a bad file getting its own
// error while the batch goes on; planned again, only the failed ones are
// left.
func TestConvertBatch(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{AllowedMediaTypes: append(convertTypes, "text/plain"), Converter: gotenbergConverter(t, 0)})
	good1 := putPaper(t, v, "van-ban.docx", fixture(t, "van-ban.docx"))
	bomb := putPaper(t, v, "bom.docx", bombDocx(t))
	putPaper(t, v, "ghi-chu.txt", []byte("ghi chú\n"))
	good2 := putPaper(t, v, "bang-tinh.xlsx", fixture(t, "bang-tinh.xlsx"))
	locked := putPaper(t, v, "mat-khau.odt", fixture(t, "mat-khau.odt"))

	plan, err := v.ConvertPlan(ctx, convertArchivist, citizenA.Subject, archive.TargetPDFA2b, convertAccess)
	wantCode(t, err, "")
	var ids []string
	for _, it := range plan {
		ids = append(ids, it.DocumentID)
	}
	want := []string{locked.ID, good2.ID, bomb.ID, good1.ID}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("plan %v, want %v", ids, want)
	}
	var seen []string
	res, failed := v.ConvertAll(ctx, convertArchivist, plan, archive.TargetPDFA2b, convertAccess, func(r archive.ConvertResult) {
		seen = append(seen, r.DocumentID)
	})
	if failed != 2 || len(res) != 4 || len(seen) != 4 {
		t.Fatalf("%d failed of %d (%d reported)", failed, len(res), len(seen))
	}
	codes := map[string]string{}
	for _, r := range res {
		if r.Err != nil {
			codes[r.DocumentID] = kerr.Outer(r.Err).Code
		} else if r.Rendition == nil {
			t.Errorf("%s: no error and no rendition", r.DocumentID)
		} else {
			codes[r.DocumentID] = "ok"
		}
	}
	if codes[good1.ID] != "ok" || codes[good2.ID] != "ok" || codes[bomb.ID] != "office_zip_bomb" || codes[locked.ID] != "office_password_protected" {
		t.Fatalf("results %v", codes)
	}
	plan, err = v.ConvertPlan(ctx, convertArchivist, citizenA.Subject, archive.TargetPDFA2b, convertAccess)
	wantCode(t, err, "")
	if len(plan) != 2 {
		t.Fatalf("second plan %+v, want the two that failed", plan)
	}
	_, err = v.ConvertPlan(ctx, citizenA, citizenA.Subject, archive.TargetPDFA2b, archive.Access{})
	wantCode(t, err, "staff_only")
}

// TestConvertGC: the collector keeps a rendition's blob however old, as it
// keeps a version's.
func TestConvertGC(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d := putPaper(t, v, "ban-quet.png", scanPNG(t))
	res, err := v.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDF, convertAccess)
	wantCode(t, err, "")
	if err := v.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	v.clock.Set(time.Now().Add(72 * time.Hour))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.bucket.Stat(ctx, res.Rendition.Blob); err != nil {
		t.Fatalf("the rendition's blob was collected: %v", err)
	}
	if _, err := v.bucket.Stat(ctx, d.Current.Blob); err != nil {
		t.Fatalf("the version's blob was collected: %v", err)
	}
}

// TestConvertOutputBounded: a PDF over the converter's bound is refused
// while it is read (TooLarge conversion_too_large) and nothing is stored.
func TestConvertOutputBounded(t *testing.T) {
	ctx := context.Background()
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), MaxPDFBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	v := newVault(t, archive.Config{Converter: convert.Archival{G: g}})
	d := putPaper(t, v, "van-ban.docx", fixture(t, "van-ban.docx"))
	blobs := v.blobCount(t)
	_, err = v.Convert(ctx, convertArchivist, d.ID, 0, archive.TargetPDFA2b, convertAccess)
	wantCode(t, err, "conversion_too_large")
	if !kerr.IsKind(err, kerr.TooLarge) {
		t.Errorf("kind %v, want TooLarge", kerr.KindOf(err))
	}
	if n := v.blobCount(t); n != blobs {
		t.Errorf("blobs %d → %d", blobs, n)
	}
	if rs, _ := v.Renditions(ctx, citizenA, d.ID, archive.Access{}); len(rs) != 0 {
		t.Errorf("renditions %+v", rs)
	}
}
