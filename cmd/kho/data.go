package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

func signDataCommand() *command {
	return &command{
		name:    "sign-data",
		usage:   "kho sign-data --key FILE.p12 --password-file F [--tsa URL] DATA [-o DATA.p7s]",
		summary: "sign data (eForm JSON or XML, any file) with a detached CMS/CAdES signature (.p7s)",
		vi:      "Ký số dữ liệu (JSON, XML của biểu mẫu điện tử) bằng chữ ký CMS tách rời (.p7s)",
		help: `The signature is a detached CMS SignedData in DER (CAdES-BES: content-type,
message-digest, signing-time and signing-certificate-v2 signed attributes;
with --tsa an RFC 3161 signature time-stamp, CAdES-T). It covers the exact
bytes of DATA: JSON and XML are not canonicalised, so keep the file as it
was signed. The key and the pre-signing checks are those of kho sign
(validity, key usage, chain to --trust, OCSP then CRL). The output, by
default DATA.p7s, is written only when signing succeeded. OpenSSL checks it
with: openssl cms -verify -binary -inform DER -in DATA.p7s -content DATA -CAfile ROOTS.pem`,
		run: runSignData,
	}
}

func runSignData(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	kf := addKeyFlags(fs)
	tsa := fs.String("tsa", "", "RFC 3161 time-stamp authority `URL` (adds a signature time-stamp)")
	out := fs.String("o", "", "output `FILE` (default: DATA.p7s)")
	force := fs.Bool("force", false, "replace an existing output file")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if *kf.key == "" {
		return &usageError{kerr.New(kerr.Invalid, "key_required", "Thiếu tệp khóa ký (--key).", "--key is required")}
	}
	if *out == "" {
		*out = pos[0] + ".p7s"
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return kerr.New(kerr.Conflict, "output_exists", "Tệp chữ ký đã tồn tại; dùng --force để ghi đè.", "%s exists", *out)
	}
	key, checker, err := kf.load()
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return kerr.Wrap(err, kerr.NotFound, "input_unreadable", "Không mở được tệp dữ liệu cần ký.")
	}
	defer f.Close()
	sig, err := signing.SignData(ctx, key, f, signing.DataOptions{Checker: checker, TSAURL: *tsa, TSATimeout: *kf.timeout, Now: a.now})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, sig); err != nil {
		return err
	}
	level := "CAdES-BES"
	if *tsa != "" {
		level = "CAdES-T"
	}
	fmt.Fprintf(a.stdout, "OK   %s -> %s (%s, %s)\n", pos[0], *out, level, key.Certificate().Subject.CommonName)
	return nil
}

// keyFlags are the flags that choose a signing key and how its certificate
// is checked before signing (the same as kho sign's).
type keyFlags struct {
	key, cert, password, trust *string
	noRevocation               *bool
	timeout                    *time.Duration
}

func addKeyFlags(fs *flagSet) keyFlags {
	return keyFlags{
		key:          fs.String("key", "", "signing key: a PKCS#12 `FILE` (.p12/.pfx) or a PEM private key"),
		cert:         fs.String("cert", "", "PEM `FILE` with the certificate and its issuer chain (with a PEM --key)"),
		password:     fs.String("password-file", "", "`FILE` holding the PKCS#12 password (first line)"),
		trust:        fs.String("trust", "", "PEM `FILE` of trust anchors (default: the system's roots)"),
		noRevocation: fs.Bool("no-revocation", false, "skip the OCSP/CRL revocation check (offline demos only)"),
		timeout:      fs.Duration("timeout", 10*time.Second, "timeout of each OCSP, CRL or TSA request"),
	}
}

// load reads the key and builds the pre-signing Checker.
func (k keyFlags) load() (signing.KeySource, *signing.Checker, error) {
	key, err := loadKey(*k.key, *k.cert, *k.password)
	if err != nil {
		return nil, nil, err
	}
	roots, err := loadRoots(*k.trust)
	if err != nil {
		return nil, nil, err
	}
	checker := &signing.Checker{Roots: roots, Timeout: *k.timeout}
	if *k.noRevocation {
		checker.Revocation = signing.RevocationSkip
	}
	return key, checker, nil
}

// writeFileAtomic writes b to a temporary file beside path and renames it into place.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kho-sign-*.p7s")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_unwritable", "Không tạo được tệp chữ ký.")
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp chữ ký.")
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp chữ ký.")
	}
	if err := tmp.Close(); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp chữ ký.")
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp chữ ký.")
	}
	return nil
}

func verifyDataCommand() *command {
	return &command{
		name:    "verify-data",
		usage:   "kho verify-data --trust ROOTS.pem [--json] DATA [DATA.p7s]",
		summary: "verify a detached CMS signature over data (verdict as ETSI EN 319 102-1)",
		vi:      "Kiểm tra chữ ký CMS tách rời của dữ liệu (JSON, XML)",
		help: `The signature file defaults to DATA.p7s. The checks and verdicts are those of
kho verify: the data's digest (HASH_FAILURE when the data changed, even by
one byte or a reformatting), the signature value, the chain to --trust at
the time-stamp's time (or now), revocation (OCSP, then the CRL;
--no-revocation skips it) and the time-stamp. The exit status is 0 only
when the verdict is TOTAL-PASSED, 1 otherwise, 2 for usage errors.`,
		run: runVerifyData,
	}
}

func runVerifyData(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	noRev := fs.Bool("no-revocation", false, "do not check revocation (OCSP/CRL)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each OCSP or CRL request")
	pos, err := parse(fs, args, 1, 2)
	if err != nil {
		return helpOK(err)
	}
	if *trust == "" {
		return &usageError{kerr.New(kerr.Invalid, "trust_required", "Thiếu tệp chứng thư gốc tin cậy (--trust).", "--trust is required")}
	}
	sigFile := pos[0] + ".p7s"
	if len(pos) == 2 {
		sigFile = pos[1]
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return err
	}
	sf, err := os.Open(sigFile)
	if err != nil {
		return kerr.Wrap(err, kerr.NotFound, "signature_unreadable", "Không mở được tệp chữ ký.")
	}
	defer sf.Close()
	var sig bytes.Buffer
	if _, err := io.Copy(&sig, io.LimitReader(sf, signing.MaxDataSignatureSize+1)); err != nil {
		return kerr.Wrap(err, kerr.Invalid, "signature_unreadable", "Không đọc được tệp chữ ký.")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return kerr.Wrap(err, kerr.NotFound, "input_unreadable", "Không mở được tệp dữ liệu cần kiểm tra.")
	}
	defer f.Close()
	opts := signing.VerifyOptions{Roots: roots, Now: a.now}
	if !*noRev {
		opts.Checker = &signing.Checker{Roots: roots, Timeout: *timeout}
	}
	rep, err := signing.VerifyData(ctx, f, sig.Bytes(), opts)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(a.stdout, rep); err != nil {
			return kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được báo cáo.")
		}
	} else {
		printDataSummary(a, pos[0], rep)
	}
	if rep.Verdict != signing.TotalPassed {
		return &exitError{code: 1, err: kerr.New(kerr.Integrity, "signature_not_passed", "Chữ ký của dữ liệu không đạt.", "verdict %s/%s", rep.Verdict, rep.SubIndication)}
	}
	return nil
}

// printDataSummary writes a short Vietnamese summary of a data signature.
func printDataSummary(a *app, name string, rep *signing.DataReport) {
	who := "(không rõ người ký)"
	if s := rep.Signer; s != nil {
		who = s.CommonName
		if s.Organization != "" && s.Organization != who {
			who += " – " + s.Organization
		}
	}
	fmt.Fprintf(a.stdout, "%s (%d byte): %s: %s [%s", term(name), rep.Size, signing.VerdictVI(rep.Verdict), term(who), rep.Verdict)
	if rep.SubIndication != "" {
		fmt.Fprintf(a.stdout, "/%s", rep.SubIndication)
	}
	fmt.Fprintln(a.stdout, "]")
	if !rep.SigningTime.IsZero() {
		fmt.Fprintf(a.stdout, "   Thời điểm ký: %s", rep.SigningTime.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04:05"))
		if rep.SigningTimeSource == "timestamp" {
			fmt.Fprint(a.stdout, " (theo dấu thời gian)")
		}
		fmt.Fprintln(a.stdout)
	}
	if r := rep.ReasonVI(); r != "" {
		fmt.Fprintf(a.stdout, "   Lý do: %s\n", term(r))
	}
}
