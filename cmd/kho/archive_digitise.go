package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/signing"
)

// scanExts are the page images a folder given to `kho archive digitise`
// contributes, in the order of their names.
var scanExts = []string{".jpg", ".jpeg", ".png", ".tif", ".tiff"}

func archiveDigitiseCommand() *command {
	return &command{
		name:    "digitise",
		usage:   "kho archive digitise [flags] FILE|FOLDER...",
		summary: "digitise a batch of scanned pages: OCR into one searchable PDF, key fields read; with --confirm signed into the owner's vault",
		vi:      "Số hoá lô trang quét: nhận dạng chữ thành một PDF tìm kiếm được, đọc các trường chính; với --confirm ký và lưu vào kho của chủ giấy tờ",
		help: `The pages are the files given, in order; a folder gives its JPEG, PNG and
TIFF files in the order of their names. Each page is checked from its
header, hashed and recognised by Tesseract (vie+eng); a file that is
refused is reported on its own line and the batch goes on with the rest.
The batch is kept pending for review on the archivists' page
/luu-tru/so-hoa/ID, for --operator of --agency (what the web page does for
a signed-in archivist).

With --confirm (bulk work) the values read are taken as they are and the
batch is signed as a certified electronic copy ("Bản sao điện tử được
chứng thực từ bản chính") with the archivist's key (--key/--cert, or
--pkcs11-module, or --csc-url, as kho sign) and committed into the owner's
vault; a batch with a refused file is left pending instead (exit 1).`,
		run: runArchiveDigitise,
	}
}

func runArchiveDigitise(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	owner := fs.String("owner", "", "the owner's personal identity number or organisation code")
	typ := fs.String("type", "", "the document type `CODE` (e.g. KHAI_SINH)")
	device := fs.String("device", "", "the scanner's `NAME`")
	agency := fs.String("agency", "", "the agency `CODE` the archivist works for (e.g. 000.00.31.H29)")
	agencyName := fs.String("agency-name", "", "the agency's `NAME`")
	operator := fs.String("operator", "", "the archivist's staff `SUBJECT`")
	confirm := fs.Bool("confirm", false, "sign the batch with the archivist's key and commit it into the owner's vault")
	name := fs.String("name", "", "the paper's name with --confirm (default: the type's name, \"(bản số hoá)\")")
	keyFile := fs.String("key", "", "the archivist's signing key with --confirm: a PKCS#12 `FILE` or a PEM private key")
	certFile := fs.String("cert", "", "PEM `FILE` with the certificate and its issuer chain (with a PEM --key)")
	passFile := fs.String("password-file", "", "`FILE` holding the PKCS#12 password (first line)")
	keySource := addKeySourceFlags(fs.FlagSet)
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (default: the system's roots)")
	noRev := fs.Bool("no-revocation", false, "skip the OCSP/CRL revocation check (offline demos only)")
	timeout := fs.Duration("page-timeout", 2*time.Minute, "time allowed to recognise one page")
	in, err := parse(fs, args, 1, -1)
	if err != nil {
		return helpOK(err)
	}
	for _, f := range []struct{ v, flag string }{{*owner, "owner"}, {*typ, "type"}, {*device, "device"}, {*agency, "agency"}, {*agencyName, "agency-name"}, {*operator, "operator"}} {
		if strings.TrimSpace(f.v) == "" {
			return &usageError{kerr.New(kerr.Invalid, "flag_required", "Thiếu --"+f.flag+".", "--%s is required", f.flag)}
		}
	}
	if *confirm && *keyFile == "" && !keySource.set() {
		return &usageError{kerr.New(kerr.Invalid, "key_required", "Cần khóa ký của cán bộ lưu trữ (--key, --pkcs11-module hoặc --csc-url) với --confirm.", "--confirm needs a key")}
	}
	files, err := scanInputs(in)
	if err != nil {
		return err
	}
	var key archive.ScanKey
	if *confirm {
		k, closeKey, err := keySource.open(ctx, *keyFile, *certFile, *passFile)
		if err != nil {
			return err
		}
		defer closeKey()
		roots, err := loadRoots(*trust)
		if err != nil {
			return err
		}
		key = archive.ScanKey{Key: k, Checker: &signing.Checker{Roots: roots, Timeout: 10 * time.Second}}
		if *noRev {
			key.Checker.Revocation = signing.RevocationSkip
		}
	}
	actor := archive.Actor{Subject: *operator, Role: archive.RoleStaff, Agency: *agency}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		vault := st.vault(archive.Config{}, a.quietLog())
		sc, err := vault.ScanBatch(ctx, actor, archive.ScanRequest{Owner: *owner, Agency: archive.Agency{Code: *agency, Name: *agencyName},
			TypeCode: *typ, Device: *device, Files: files, OCR: archive.Tesseract{PageTimeout: *timeout},
			Progress: func(p archive.ScanProgress) {
				if p.Err != nil {
					_, msg := kerr.Public(p.Err)
					fmt.Fprintf(a.stderr, "[%d/%d] %s: lỗi: %s\n", p.Index+1, p.Files, term(p.File), msg)
					return
				}
				fmt.Fprintf(a.stderr, "[%d/%d] %s: xong (%d trang)\n", p.Index+1, p.Files, term(p.File), p.Pages)
			}})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "scan: %s\npages: %d\nrefused: %d\n", sc.ID, sc.PageCount, len(sc.Errors))
		for _, f := range sc.Fields {
			if f.Found {
				fmt.Fprintf(a.stdout, "field %s (%s): %q, confidence %d\n", orNumber(f.Code), f.Label, f.Value, f.Confidence)
			}
		}
		if !*confirm {
			fmt.Fprintf(a.stdout, "review: /luu-tru/so-hoa/%s\n", sc.ID)
			return nil
		}
		if len(sc.Errors) > 0 {
			return kerr.New(kerr.Invalid, "scan_not_confirmed", "Có tệp không dùng được; lô trang quét chưa được ký, chờ kiểm tra tại /luu-tru/so-hoa/"+sc.ID+".",
				"%d file(s) refused", len(sc.Errors))
		}
		m := archive.Metadata{Name: *name, Summary: archive.ScanTextPreview(sc.Text, 2000)}
		fields := map[string]any{}
		for _, f := range sc.Fields {
			switch {
			case !f.Found || f.Value == "":
			case f.Code == "":
				m.Number = f.Value
			default:
				fields[f.Code] = f.Value
			}
		}
		if len(fields) > 0 {
			m.Fields = fields
		}
		if m.Name == "" {
			t, err := vault.DocumentType(ctx, actor, sc.TypeCode)
			if err != nil {
				return err
			}
			m.Name = t.Name + " (bản số hoá)"
		}
		d, err := vault.ConfirmScan(ctx, actor, archive.ScanConfirmation{ID: sc.ID, Rev: sc.Rev, Metadata: m, Key: key})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "document: %s\n", d.ID)
		return nil
	})
}

func orNumber(code string) string {
	if code == "" {
		return "so"
	}
	return code
}

// scanInputs are the page files of the arguments: files as given, each
// folder's images by name.
func scanInputs(args []string) ([]archive.ScanFile, error) {
	var out []archive.ScanFile
	add := func(path string) {
		out = append(out, archive.ScanFile{FileName: filepath.Base(path), Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	for _, p := range args {
		st, err := os.Stat(p)
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "file_not_found", "Không mở được "+p+".")
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		es, err := os.ReadDir(p)
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "file_not_found", "Không đọc được thư mục "+p+".")
		}
		for _, e := range es {
			if !e.IsDir() && slices.Contains(scanExts, strings.ToLower(filepath.Ext(e.Name()))) {
				add(filepath.Join(p, e.Name()))
			}
		}
	}
	if len(out) == 0 {
		return nil, &usageError{kerr.New(kerr.Invalid, "scan_no_files", "Không có ảnh trang quét nào (JPEG, PNG, TIFF).", "no page images")}
	}
	return out, nil
}

// serveArchivists says which of the server's signing keys (--sign-key)
// each archivist signs digitised papers with (--archivist-key).
type serveArchivists struct {
	keys namedValues // staff subject → key name
}

func (c *serveArchivists) bind(fs *flag.FlagSet) {
	fs.Var(&c.keys, "archivist-key", "the key (a --sign-key NAME) the archivist SUBJECT signs digitised papers with as certified electronic copies, `SUBJECT=NAME`; repeatable")
}

// validate checks that every key named is a --sign-key.
func (c *serveArchivists) validate(sig *serveSigning) error {
	for _, who := range c.keys.names {
		if _, ok := sig.keys.values[c.keys.values[who]]; !ok {
			return kerr.New(kerr.Invalid, "sign_key_unknown", "Không có khóa ký tên "+c.keys.values[who]+" (--sign-key "+c.keys.values[who]+"=…).",
				"--archivist-key %s names key %q, which --sign-key does not define", who, c.keys.values[who])
		}
	}
	return nil
}

// build is the archivists' keys for the pages (nil without sc).
func (c *serveArchivists) build(sc *portal.Signing) map[string]archive.ScanKey {
	if c == nil || sc == nil || len(c.keys.names) == 0 {
		return nil
	}
	out := map[string]archive.ScanKey{}
	for _, who := range c.keys.names {
		out[who] = archive.ScanKey{Key: sc.Keys[c.keys.values[who]], Checker: sc.Checker, TSAURL: sc.TSAURL, Budget: sc.Budget}
	}
	return out
}

// scanExpiryJob is the leased job that deletes abandoned digitisation
// batches past their expiry, at most 500 a run (ExpireScans: through the
// index on expiry, never a scan of the store).
func scanExpiryJob(vault *archive.Service, every time.Duration) jobs.Job {
	return jobs.Job{Name: "scan-expiry", Every: every, Timeout: gcTimeout, Run: func(ctx context.Context, _ *jobs.Run) error {
		_, err := vault.ExpireScans(ctx, 500)
		return err
	}}
}
