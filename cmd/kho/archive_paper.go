package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// archivePaperCommand is `kho archive paper-copy`: a paper copy of a
// signed electronic paper (Decree 45/2020/NĐ-CP art. 18), printed from
// the store as the portal's archivists print it.
func archivePaperCommand() *command {
	return &command{
		name:    "paper-copy",
		usage:   "kho archive paper-copy --officer NAME --gotenberg-url URL --public-url URL [--trust ROOTS.pem] [--version N] DOCID -o OUT.pdf",
		summary: "print a paper copy of a signed electronic paper (Decree 45/2020 art. 18)",
		vi:      "In bản giấy từ văn bản điện tử có chữ ký số",
		help: `The copy carries on every page the mark "Bản chuyển đổi từ văn bản điện tử",
the officer (--officer, --position, --agency), the time, the verification of
the original's signatures (against --trust, OCSP then CRL) and a QR code of
--public-url/xac-thuc?ban-sao=CODE; a last page sums the verification up.
The original is not changed. The copy is stored and recorded in the store
and the owner's access ledger (with --purpose), like a print from the portal.`,
		run: runArchivePaper,
	}
}

func runArchivePaper(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	version := fs.Int("version", 0, "version `N` to print (default: the current one)")
	out := fs.String("o", "", "output `FILE`")
	force := fs.Bool("force", false, "replace an existing output file")
	officer := fs.String("officer", "", "full `NAME` of the officer converting the paper (printed on it)")
	position := fs.String("position", "Cán bộ lưu trữ", "the officer's `POSITION`")
	agency := fs.String("agency", "", "the officer's agency `NAME`")
	purpose := fs.String("purpose", "", "why, for the owner's access ledger (default: chuyển đổi sang bản giấy)")
	gotenberg := fs.String("gotenberg-url", a.getenv(envGotenbergURL), "`URL` of the Gotenberg 8 server [$"+envGotenbergURL+"]")
	publicURL := fs.String("public-url", a.getenv(envPublicURL), "public `URL` of the portal the QR code opens [$"+envPublicURL+"]")
	templates := fs.String("templates", a.getenv(envTemplates), "`DIR` of the agency's templates (paper-copy.html overrides the copy's frame) [$"+envTemplates+"]")
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (default: the system's roots)")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long the print may take")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if *out == "" {
		return &usageError{kerr.New(kerr.Invalid, "output_required", "Thiếu nơi ghi tệp kết quả (-o).", "-o is required")}
	}
	if *version < 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_version", "Số phiên bản không hợp lệ.", "--version %d", *version)}
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return kerr.New(kerr.Conflict, "output_exists", "Tệp kết quả đã tồn tại; dùng --force để ghi đè.", "%s exists", *out)
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return err
	}
	ts, err := convert.LoadTemplates(*templates)
	if err != nil {
		return err
	}
	var conv convert.Converter
	if *gotenberg != "" {
		if conv, err = convert.NewGotenberg(convert.GotenbergConfig{URL: *gotenberg}); err != nil {
			return err
		}
	}
	verifier := archive.NewVerifier(signing.VerifyOptions{Roots: roots, Checker: &signing.Checker{Roots: roots, Timeout: 10 * time.Second}})
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		vault := st.vault(archive.Config{Verifier: verifier}, a.quietLog())
		pc, err := archive.NewPaperCopier(vault, archive.PaperCopyConfig{Templates: ts, Converter: conv, PublicURL: *publicURL, Timeout: *timeout})
		if err != nil {
			return err
		}
		c, rc, err := pc.Print(ctx, a.adminActor(), archive.PaperCopyRequest{DocumentID: pos[0], Version: *version,
			Officer: archive.PaperOfficer{Name: *officer, Position: *position, Agency: *agency}, Purpose: *purpose})
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := writeSynced(*out, rc); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "OK   %s phiên bản %d -> %s (%d trang, mã xác thực %s)\n%s\n", c.DocumentID, c.Version, *out, c.Pages+1, c.Code, pc.VerifyURL(c.Code))
		return nil
	})
}

// writeSynced writes r to path through a synced temporary file renamed
// into place: a half-written copy is never left under path.
func writeSynced(path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kho-paper-*.pdf")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_unwritable", "Không tạo được tệp kết quả.")
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, r); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	if err := tmp.Sync(); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	return nil
}
