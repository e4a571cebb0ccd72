package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzCheckOffice: any bytes under any office extension are accepted or
// refused with Invalid office_password_protected, office_zip_bomb or
// office_damaged — never a panic — in bounded time and memory (the zip
// and compound-file walks are bounded by the file and the limits). Seeds:
// the LibreOffice fixtures (plain and password-protected) and pieces of
// them.
func FuzzCheckOffice(f *testing.F) {
	for _, name := range []string{"van-ban.docx", "van-ban.doc", "bang-tinh.xls", "mat-khau.doc", "mat-khau.xls", "van-ban.rtf"} {
		b, err := os.ReadFile(filepath.Join("testdata", "convert", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b[:min(len(b), 1536)], uint8(1))
	}
	f.Add([]byte("PK\x03\x04"), uint8(2))
	f.Add(append(append([]byte{}, cfbMagic...), make([]byte, 600)...), uint8(3))
	exts := []string{".docx", ".doc", ".xls", ".xlsx", ".odt", ".ods", ".rtf"}
	f.Fuzz(func(t *testing.T, data []byte, e uint8) {
		ext := exts[int(e)%len(exts)]
		err := checkOffice(bytes.NewReader(data), int64(len(data)), ext)
		if err == nil {
			return
		}
		ke := kerr.Outer(err)
		if ke == nil || ke.Kind != kerr.Invalid {
			t.Fatalf("%s: %v, want an Invalid *kerr.Error", ext, err)
		}
		switch ke.Code {
		case "office_password_protected", "office_zip_bomb", "office_damaged":
		default:
			t.Fatalf("%s: code %q", ext, ke.Code)
		}
	})
}
