package archive

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	_ "image/jpeg" // image.DecodeConfig of JPEG scans
	_ "image/png"  // and of PNG
	"io"
	"strings"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	_ "golang.org/x/image/tiff" // and of TIFF

	"github.com/kho-vn/kho/internal/kerr"
)

// The limits an office file must keep before it is sent to the converter.
const (
	// maxZipEntries bounds the entries of a zip-based office file (a .docx
	// has about 15, a large workbook a few hundred).
	maxZipEntries = 10000
	// maxZipBytes bounds the sum of the entries' uncompressed sizes, as
	// declared and as inflated.
	maxZipBytes = 256 << 20
	// maxZipRatio bounds an entry's uncompressed to compressed size, for
	// entries over zipRatioFloor uncompressed (XML compresses 5–30 times).
	maxZipRatio   = 200
	zipRatioFloor = 1 << 20
	// maxManifestBytes bounds an ODF manifest read for its encryption.
	maxManifestBytes = 1 << 20
	// maxImagePixels bounds an image converted by pdfcpu, which decodes it
	// whole (50 megapixels: an A3 page at 600 dpi is 35).
	maxImagePixels = 50_000_000
)

// The refusals of office files and images.
func errPasswordProtected(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "office_password_protected",
		"Tệp được bảo vệ bằng mật khẩu (mã hoá) nên không chuyển đổi được; vui lòng bỏ mật khẩu rồi tải lại.", detail, args...)
}

func errZipBomb(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "office_zip_bomb",
		"Tệp văn phòng có cấu trúc nén bất thường (quá nhiều thành phần hoặc dung lượng giải nén quá lớn) nên không được chuyển đổi.", detail, args...)
}

func errOfficeDamaged(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "office_damaged",
		"Tệp văn phòng bị hỏng hoặc không đúng định dạng nên không chuyển đổi được.", detail, args...)
}

// cfbMagic starts an OLE compound file (.doc, .xls, and an encrypted
// OOXML file).
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// checkOffice checks an office file of size bytes with extension ext
// before anything is sent to the converter: a zip-based file (OOXML, ODF)
// must keep the zip limits (entries, declared and inflated sizes, ratio)
// and, for ODF, not be encrypted; an OLE compound file must not be an
// encrypted OOXML package, an encrypted .doc (its FIB says so) or an
// encrypted .xls (a FILEPASS record after its first BOF). It never reads
// more than the limits allow and allocates in proportion to them.
func checkOffice(r io.ReaderAt, size int64, ext string) error {
	head := make([]byte, 8)
	if n, _ := r.ReadAt(head, 0); n < 4 {
		return errOfficeDamaged("office file of %d bytes", size)
	}
	switch {
	case bytes.Equal(head, cfbMagic):
		return checkCFB(r, size, ext)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return checkZip(r, size)
	case ext == ".docx" || ext == ".xlsx" || ext == ".odt" || ext == ".ods":
		return errOfficeDamaged("%s file is neither a zip nor an OLE compound file (starts % x)", ext, head)
	}
	return nil // .rtf and other text-based files: nothing packed inside
}

// checkZip checks a zip-based office file's entries.
func checkZip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		var ce *contentReadErr
		if asContentErr(err, &ce) {
			return ce
		}
		return errOfficeDamaged("zip: %v", err)
	}
	if len(zr.File) > maxZipEntries {
		return errZipBomb("zip of %d entries, over %d", len(zr.File), maxZipEntries)
	}
	var declared uint64
	var manifest *zip.File
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > maxZipBytes {
			return errZipBomb("zip entries declare over %d bytes uncompressed", maxZipBytes)
		}
		if f.UncompressedSize64 > zipRatioFloor && f.UncompressedSize64 > maxZipRatio*max(f.CompressedSize64, 1) {
			return errZipBomb("entry %q: %d bytes from %d compressed", f.Name, f.UncompressedSize64, f.CompressedSize64)
		}
		if f.Name == "META-INF/manifest.xml" {
			manifest = f
		}
		if f.Flags&0x1 != 0 {
			return errPasswordProtected("zip entry %q is encrypted", f.Name)
		}
	}
	// Inflate every entry within the budget: a header may lie about its
	// size, the converter would not stop at it.
	budget := int64(maxZipBytes)
	for _, f := range zr.File {
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return errOfficeDamaged("entry %q uses compression method %d", f.Name, f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			return errOfficeDamaged("entry %q: %v", f.Name, err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, min(budget, int64(f.UncompressedSize64))+1))
		rc.Close()
		if err != nil {
			var ce *contentReadErr
			if asContentErr(err, &ce) {
				return ce
			}
			return errOfficeDamaged("entry %q: %v", f.Name, err)
		}
		if n > int64(f.UncompressedSize64) {
			return errZipBomb("entry %q inflates past its declared %d bytes", f.Name, f.UncompressedSize64)
		}
		budget -= n
	}
	if manifest != nil {
		rc, err := manifest.Open()
		if err != nil {
			return errOfficeDamaged("manifest: %v", err)
		}
		body, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes))
		rc.Close()
		if err != nil {
			return errOfficeDamaged("manifest: %v", err)
		}
		if bytes.Contains(body, []byte("encryption-data")) {
			return errPasswordProtected("ODF manifest has encryption-data")
		}
	}
	return nil
}

func asContentErr(err error, target **contentReadErr) bool {
	for err != nil {
		if ce, ok := err.(*contentReadErr); ok {
			*target = ce
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// The bounds of the walk of an OLE compound file.
const (
	cfbMaxDirSectors = 4096
	cfbFreeSect      = 0xFFFFFFFF
	cfbEndOfChain    = 0xFFFFFFFE
)

// cfbEntry is a stream of a compound file's directory.
type cfbEntry struct {
	start uint32
	size  uint64
}

// checkCFB looks in an OLE compound file for the marks of encryption.
func checkCFB(r io.ReaderAt, size int64, ext string) error {
	hdr := make([]byte, 512)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return errOfficeDamaged("compound file header: %v", err)
	}
	shift := binary.LittleEndian.Uint16(hdr[0x1E:])
	if shift != 9 && shift != 12 {
		return errOfficeDamaged("compound file sector shift %d", shift)
	}
	secSize := int64(1) << shift
	sector := func(id uint32) int64 { return (int64(id) + 1) * secSize }
	// The FAT: the sectors the header's DIFAT names (109 at most; a file
	// needing more is over 6.8 MB of 512-byte sectors and still walked
	// only as far as those reach).
	nFAT := binary.LittleEndian.Uint32(hdr[0x2C:])
	if int64(nFAT)*secSize > size {
		return errOfficeDamaged("compound file claims %d FAT sectors in %d bytes", nFAT, size)
	}
	var fat []uint32
	buf := make([]byte, secSize)
	for i := 0; i < 109 && i < int(nFAT); i++ {
		id := binary.LittleEndian.Uint32(hdr[0x4C+4*i:])
		if id >= cfbEndOfChain || sector(id)+secSize > size {
			return errOfficeDamaged("compound file FAT sector %d out of the file", id)
		}
		if _, err := r.ReadAt(buf, sector(id)); err != nil {
			return errOfficeDamaged("compound file FAT: %v", err)
		}
		for j := int64(0); j < secSize; j += 4 {
			fat = append(fat, binary.LittleEndian.Uint32(buf[j:]))
		}
	}
	// chain reads up to n bytes of the chain of sectors from start, in the
	// file (mini false) or in the mini stream (mini true), through fat.
	var miniFAT []uint32
	var root cfbEntry
	chain := func(start uint32, n int, mini bool) ([]byte, error) {
		var out []byte
		step := secSize
		if mini {
			step = 64
		}
		for id, hops := start, 0; id < cfbEndOfChain && len(out) < n; hops++ {
			if hops > cfbMaxDirSectors*8 {
				return nil, errOfficeDamaged("compound file chain too long")
			}
			piece := make([]byte, step)
			if mini {
				// Mini sector id lies in the root's stream, itself a chain.
				off := int64(id) * 64
				sec := root.start
				for k := int64(0); k < off/secSize; k++ {
					if int(sec) >= len(fat) {
						return nil, errOfficeDamaged("mini stream beyond the FAT")
					}
					sec = fat[sec]
				}
				if sec >= cfbEndOfChain || sector(sec)+secSize > size {
					return nil, errOfficeDamaged("mini stream sector out of the file")
				}
				if _, err := r.ReadAt(piece, sector(sec)+off%secSize); err != nil {
					return nil, errOfficeDamaged("mini stream: %v", err)
				}
				out = append(out, piece...)
				if int(id) >= len(miniFAT) {
					break
				}
				id = miniFAT[id]
				continue
			}
			if sector(id)+secSize > size {
				return nil, errOfficeDamaged("stream sector out of the file")
			}
			if _, err := r.ReadAt(piece, sector(id)); err != nil {
				return nil, errOfficeDamaged("stream: %v", err)
			}
			out = append(out, piece...)
			if int(id) >= len(fat) {
				break
			}
			id = fat[id]
		}
		return out[:min(len(out), n)], nil
	}
	streams := map[string]cfbEntry{}
	dir := binary.LittleEndian.Uint32(hdr[0x30:])
	for n := 0; dir < cfbEndOfChain; n++ {
		if n >= cfbMaxDirSectors || sector(dir)+secSize > size {
			return errOfficeDamaged("compound file directory chain broken at sector %d", dir)
		}
		if _, err := r.ReadAt(buf, sector(dir)); err != nil {
			return errOfficeDamaged("compound file directory: %v", err)
		}
		for off := int64(0); off+128 <= secSize; off += 128 {
			e := buf[off : off+128]
			nameLen := int(binary.LittleEndian.Uint16(e[0x40:]))
			if e[0x42] == 5 {
				root = cfbEntry{start: binary.LittleEndian.Uint32(e[0x74:]), size: binary.LittleEndian.Uint64(e[0x78:]) & 0xFFFFFFFF}
			}
			if e[0x42] != 2 || nameLen < 2 || nameLen > 64 {
				continue
			}
			u := make([]uint16, (nameLen-2)/2)
			for i := range u {
				u[i] = binary.LittleEndian.Uint16(e[2*i:])
			}
			streams[string(utf16.Decode(u))] = cfbEntry{start: binary.LittleEndian.Uint32(e[0x74:]), size: binary.LittleEndian.Uint64(e[0x78:]) & 0xFFFFFFFF}
		}
		if int(dir) >= len(fat) {
			break // the rest of the chain is beyond the FAT read: stop
		}
		dir = fat[dir]
	}
	if _, ok := streams["EncryptedPackage"]; ok {
		return errPasswordProtected("compound file holds an EncryptedPackage stream (encrypted OOXML)")
	}
	if _, ok := streams["EncryptionInfo"]; ok {
		return errPasswordProtected("compound file holds an EncryptionInfo stream")
	}
	// The mini FAT (small streams live in the root's mini stream), read
	// only as far as the header's first mini FAT sectors reach.
	if mf := binary.LittleEndian.Uint32(hdr[0x3C:]); mf < cfbEndOfChain {
		b, err := chain(mf, int(min(int64(binary.LittleEndian.Uint32(hdr[0x40:])), 64)*secSize), false)
		if err != nil {
			return err
		}
		for j := 0; j+4 <= len(b); j += 4 {
			miniFAT = append(miniFAT, binary.LittleEndian.Uint32(b[j:]))
		}
	}
	const miniCutoff = 4096
	head := func(e cfbEntry, n int) ([]byte, error) {
		return chain(e.start, min(n, int(e.size)), e.size < miniCutoff)
	}
	if e, ok := streams["WordDocument"]; ok {
		fib, err := head(e, 12)
		if err != nil {
			return err
		}
		if len(fib) < 12 {
			return errOfficeDamaged("WordDocument stream of %d bytes", e.size)
		}
		if binary.LittleEndian.Uint16(fib[0x0A:])&0x0100 != 0 {
			return errPasswordProtected("Word FIB has fEncrypted set")
		}
	}
	for _, name := range []string{"Workbook", "Book"} {
		e, ok := streams[name]
		if !ok {
			continue
		}
		// The globals substream: BOF, then FILEPASS when encrypted.
		buf, err := head(e, 512)
		if err != nil {
			return err
		}
		for off := 0; off+4 <= len(buf); {
			typ := binary.LittleEndian.Uint16(buf[off:])
			n := int(binary.LittleEndian.Uint16(buf[off+2:]))
			if typ == 0x002F {
				return errPasswordProtected("Excel workbook has a FILEPASS record")
			}
			if off > 0 && typ != 0x00E1 && typ != 0x00C1 && typ != 0x0042 && typ != 0x005C {
				break // past the records that may come before FILEPASS
			}
			off += 4 + n
		}
	}
	if ext == ".docx" || ext == ".xlsx" {
		return errOfficeDamaged("%s in an OLE compound file without OOXML encryption streams", ext)
	}
	return nil
}

// checkImage checks an image's dimensions from its header before pdfcpu
// decodes it whole.
func checkImage(r io.ReaderAt, size int64, mediaType string) error {
	cfg, format, err := image.DecodeConfig(io.NewSectionReader(r, 0, size))
	if err != nil {
		var ce *contentReadErr
		if asContentErr(err, &ce) {
			return ce
		}
		return kerr.New(kerr.Invalid, "image_damaged", "Ảnh bị hỏng hoặc không đúng định dạng nên không chuyển đổi được.",
			"%s: %v", mediaType, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return kerr.New(kerr.Invalid, "image_too_large", "Ảnh quá lớn để chuyển đổi (tối đa 50 triệu điểm ảnh).",
			"%s image %d×%d, over %d pixels", format, cfg.Width, cfg.Height, maxImagePixels)
	}
	return nil
}

// imageToPDF writes a PDF of one A4 page holding the image (pdfcpu's
// import, the image fitted to the page).
func imageToPDF(r io.Reader, w io.Writer) error {
	imp := pdfcpu.DefaultImportConfig()
	imp.Scale = 1
	conf := model.NewDefaultConfiguration()
	if err := api.ImportImages(nil, w, []io.Reader{r}, imp, conf); err != nil {
		var ce *contentReadErr
		if asContentErr(err, &ce) {
			return ce
		}
		msg := strings.TrimSpace(err.Error())
		return kerr.New(kerr.Invalid, "image_damaged", "Ảnh bị hỏng hoặc không đúng định dạng nên không chuyển đổi được.",
			"pdfcpu import: %s", msg)
	}
	return nil
}
