package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

func extendCommand() *command {
	return &command{
		name:    "extend",
		usage:   "kho extend --level B-LT|B-LTA [--tsa URL] --trust ROOTS.pem IN.pdf -o OUT.pdf",
		summary: "raise a signed PDF to PAdES B-LT (validation data in a DSS) or B-LTA (plus a document time-stamp)",
		vi:      "Nâng tệp PDF đã ký lên mức PAdES B-LT hoặc B-LTA để kiểm tra được lâu dài",
		help: `For every signature and document time-stamp of the file, the certificates
of the signer's and the TSA's chains (to --trust) and an OCSP response or a
CRL for each are fetched and appended in a DSS dictionary as an incremental
update; the signatures stay valid. B-LTA then adds a document time-stamp
from --tsa over everything. Run it again later (for instance before the
time-stamp authority's certificate expires) to add fresh data and a new
document time-stamp. The result is written to a temporary file and renamed
to -o only on success.`,
		run: runExtend,
	}
}

func runExtend(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	levelName := fs.String("level", "B-LTA", "target PAdES `LEVEL`: B-LT or B-LTA")
	tsa := fs.String("tsa", "", "RFC 3161 time-stamp authority `URL` (required for B-LTA)")
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (default: the system's roots)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each OCSP, CRL or TSA request")
	out := fs.String("o", "", "output `FILE`")
	force := fs.Bool("force", false, "replace an existing output file")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if *out == "" {
		return &usageError{kerr.New(kerr.Invalid, "output_required", "Thiếu nơi ghi tệp kết quả (-o).", "-o is required")}
	}
	level, err := signing.ParseLevel(*levelName)
	if err != nil {
		return &usageError{err}
	}
	if level != signing.LevelBLT && level != signing.LevelBLTA {
		return &usageError{kerr.New(kerr.Invalid, "level_unsupported", "Chỉ nâng được lên mức B-LT hoặc B-LTA.", "--level %s", level)}
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return kerr.New(kerr.Conflict, "output_exists", "Tệp kết quả đã tồn tại; dùng --force để ghi đè.", "%s exists", *out)
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return err
	}
	f, size, err := openInput(pos[0], "nâng mức")
	if err != nil {
		return err
	}
	defer f.Close()
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".kho-extend-*.pdf")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_unwritable", "Không tạo được tệp kết quả.")
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	res, err := signing.Extend(ctx, f, size, tmp, level, signing.ExtendOptions{
		Checker: &signing.Checker{Roots: roots, Timeout: *timeout}, TSAURL: *tsa, TSATimeout: *timeout, Now: a.now,
	})
	if err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp kết quả.")
	}
	fmt.Fprintf(a.stdout, "OK   %s -> %s (%s; %d chữ ký; thêm %d chứng thư, %d OCSP, %d CRL)\n", pos[0], *out, res.Level, res.Signatures, res.Certs, res.OCSPs, res.CRLs)
	return nil
}
