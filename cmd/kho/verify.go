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

func verifyCommand() *command {
	return &command{
		name:    "verify",
		usage:   "kho verify --trust ROOTS.pem [--json] [--html FILE] FILE.pdf",
		summary: "verify the signatures of a PDF file (verdict per signature, ETSI EN 319 102-1)",
		vi:      "Kiểm tra các chữ ký số của tệp PDF",
		help: `Every signature gets a verdict: TOTAL-PASSED, INDETERMINATE (with its
sub-indication) or TOTAL-FAILED. The checks: integrity of the signed bytes,
the signature value, the chain to the trust anchors (--trust) at the
time-stamp's time (or now, without a time-stamp), revocation (OCSP, then the
CRL; --no-revocation skips it), the time-stamp, whether the signature covers
the whole document and what was appended after it. Revocation data kept in
the document's DSS (B-LT, B-LTA) is used before asking OCSP/CRL servers, so
such a file verifies offline. Document time-stamps are verified as entries
of their own. Later signatures, DSS updates, document time-stamps and form
filling (within the DocMDP and FieldMDP permissions) after a signature are
allowed; other changes give INDETERMINATE.
The exit status is 0 only when the file has at least one signature and all
are TOTAL-PASSED, 1 otherwise, 2 for usage errors.`,
		run: runVerify,
	}
}

func runVerify(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	htmlOut := fs.String("html", "", "also write the Vietnamese report as HTML to `FILE`")
	noRev := fs.Bool("no-revocation", false, "do not check revocation (OCSP/CRL)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each OCSP or CRL request")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if *trust == "" {
		return &usageError{kerr.New(kerr.Invalid, "trust_required", "Thiếu tệp chứng thư gốc tin cậy (--trust).", "--trust is required")}
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return err
	}
	f, size, err := openInput(pos[0], "kiểm tra")
	if err != nil {
		return err
	}
	defer f.Close()
	var opts signing.VerifyOptions
	opts.Roots, opts.Now = roots, a.now
	if !*noRev {
		opts.Checker = &signing.Checker{Roots: roots, Timeout: *timeout}
	}
	rep, err := signing.Verify(ctx, f, size, opts)
	if err != nil {
		return err
	}
	if *htmlOut != "" {
		if err := writeHTMLReport(rep, *htmlOut); err != nil {
			return err
		}
	}
	if *asJSON {
		if err := printJSON(a.stdout, rep); err != nil {
			return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được báo cáo.")
		}
	} else {
		printSummary(a, pos[0], rep)
	}
	if len(rep.Signatures) == 0 {
		return &exitError{code: 1, err: kerr.New(kerr.Invalid, "pdf_not_signed", "Tệp PDF không có chữ ký số nào.", "%s has no signature", pos[0])}
	}
	failed := 0
	for _, s := range rep.Signatures {
		if s.Verdict != signing.TotalPassed {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: kerr.New(kerr.Integrity, "signatures_not_passed",
			fmt.Sprintf("%d trong %d chữ ký không đạt.", failed, len(rep.Signatures)), "%d of %d signatures are not TOTAL-PASSED", failed, len(rep.Signatures))}
	}
	return nil
}

// printSummary writes a short Vietnamese summary, one block per signature.
func printSummary(a *app, name string, rep *signing.Report) {
	fmt.Fprintf(a.stdout, "%s: %d chữ ký\n", term(name), len(rep.Signatures))
	ict := time.FixedZone("ICT", 7*3600)
	for i, s := range rep.Signatures {
		who := "(không rõ người ký)"
		if s.Signer != nil {
			who = s.Signer.CommonName
			if s.Signer.Organization != "" && s.Signer.Organization != who {
				who += " – " + s.Signer.Organization
			}
		}
		what := ""
		if s.Kind == signing.KindDocTimestamp {
			what = "Dấu thời gian của tệp, cấp bởi "
		}
		fmt.Fprintf(a.stdout, "#%d %s: %s%s [%s", i+1, signing.VerdictVI(s.Verdict), what, term(who), s.Verdict)
		if s.SubIndication != "" {
			fmt.Fprintf(a.stdout, "/%s", s.SubIndication)
		}
		if s.Level != "" {
			fmt.Fprintf(a.stdout, ", PAdES %s", s.Level)
		}
		fmt.Fprintln(a.stdout, "]")
		if !s.SigningTime.IsZero() {
			fmt.Fprintf(a.stdout, "   Thời điểm ký: %s", s.SigningTime.In(ict).Format("02/01/2006 15:04:05"))
			if s.SigningTimeSource == "timestamp" {
				fmt.Fprint(a.stdout, " (theo dấu thời gian)")
			}
			fmt.Fprintln(a.stdout)
		}
		switch s.RevocationSource {
		case "dss":
			fmt.Fprintln(a.stdout, "   Trạng thái thu hồi: theo dữ liệu lưu kèm tệp PDF (DSS)")
		case "dss+online":
			fmt.Fprintln(a.stdout, "   Trạng thái thu hồi: theo dữ liệu lưu kèm tệp PDF (DSS) và máy chủ OCSP/CRL")
		}
		if r := s.ReasonVI(); r != "" {
			fmt.Fprintf(a.stdout, "   Lý do: %s\n", term(r))
		}
		if s.ModifiedAfterSigning {
			allowed := true
			for _, c := range s.Changes {
				allowed = allowed && c.Allowed
			}
			if allowed {
				fmt.Fprintln(a.stdout, "   Tệp PDF có phần bổ sung được phép sau chữ ký này (chữ ký sau, dữ liệu kiểm tra, dấu thời gian, điền biểu mẫu).")
			} else {
				fmt.Fprintln(a.stdout, "   Tệp PDF có phần bổ sung sau chữ ký này.")
			}
		}
	}
}

// writeHTMLReport writes the HTML report through a temporary file.
func writeHTMLReport(rep *signing.Report, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kho-verify-*.html")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_unwritable", "Không tạo được tệp báo cáo.")
	}
	defer os.Remove(tmp.Name())
	if err := rep.WriteHTML(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp báo cáo.")
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp báo cáo.")
	}
	return nil
}

// openInput opens a file to read and returns its size; what ("kiểm tra")
// completes the Vietnamese message "Không mở được tệp cần …".
func openInput(path, what string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, kerr.Wrap(err, kerr.NotFound, "input_unreadable", "Không mở được tệp cần "+what+".")
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, kerr.Wrap(err, kerr.Invalid, "input_unreadable", "Không đọc được tệp cần "+what+".")
	}
	return f, st.Size(), nil
}
