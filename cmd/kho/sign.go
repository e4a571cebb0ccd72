package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

func signCommand() *command {
	return &command{
		name:    "sign",
		usage:   "kho sign [flags] IN.pdf... -o OUT",
		summary: "sign PDF files with a PAdES baseline signature (B-B, B-T, B-LT or B-LTA)",
		vi:      "Ký số tệp PDF theo chuẩn PAdES (mức B-B, B-T, B-LT hoặc B-LTA)",
		help: `The key is a PKCS#12 file (--key FILE.p12 --password-file F) or a PEM
private key with its certificate chain (--key KEY.pem --cert CHAIN.pem),
or a key on a PKCS#11 token (--pkcs11-module LIB --pkcs11-token LABEL
--pkcs11-key LABEL --pin-file F; the certificate and its chain are read from
the token unless --cert gives them), or a remote signing service speaking
the Cloud Signature Consortium API v2 (--csc-url URL --csc-credential ID
--csc-token-file F [--pin-file F] [--otp-file F]; only the hash is sent).
Before signing, the certificate's validity period, key usage, chain to the
trust anchors (--trust, default: the system's roots) and revocation status
(OCSP, then the CRL) are checked; signing is refused with the reason when
one fails. Each signature is an incremental update, so earlier signatures
stay valid. With one input, -o is the output file; with several, -o is a
folder and each signed file keeps its name. A result is written to a
temporary file and renamed into place only when signing succeeded.
A visible signature (--visible-rect or --visible-anchor) shows the
signature image and the signer's name (--visible-kind personal), or the
agency seal with the agency and signing time (--visible-kind seal), as
Decree 30/2020/NĐ-CP describes; see docs/cli.md.
B-T, B-LT and B-LTA need --tsa. B-LT then appends the validation data (the
certificates, OCSP responses and CRLs of the signer's and the TSA's chains,
fetched even with --no-revocation) in a DSS; B-LTA then adds a document
time-stamp over it all. kho extend does the same later for signed files.`,
		run: runSign,
	}
}

func runSign(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	keyFile := fs.String("key", "", "signing key: a PKCS#12 `FILE` (.p12/.pfx) or a PEM private key")
	certFile := fs.String("cert", "", "PEM `FILE` with the certificate and its issuer chain (with a PEM --key)")
	passFile := fs.String("password-file", "", "`FILE` holding the PKCS#12 password (first line)")
	keySource := addKeySourceFlags(fs.FlagSet)
	levelName := fs.String("level", "B-B", "PAdES `LEVEL`: B-B, B-T, B-LT or B-LTA")
	tsa := fs.String("tsa", "", "RFC 3161 time-stamp authority `URL` (required for B-T, B-LT, B-LTA)")
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (default: the system's roots)")
	noRev := fs.Bool("no-revocation", false, "skip the OCSP/CRL revocation check (offline demos only)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each OCSP, CRL or TSA request")
	reason := fs.String("reason", "", "reason for signing, recorded in the signature")
	location := fs.String("location", "", "place of signing, recorded in the signature")
	contact := fs.String("contact", "", "signer's contact, recorded in the signature")
	name := fs.String("name", "", "signer name (default: the certificate's common name)")
	certify := fs.String("certify", "none", "certification signature `MODE`: none, no-changes, form-filling, annotations")
	out := fs.String("o", "", "output `FILE`, or folder when several inputs are given")
	force := fs.Bool("force", false, "replace existing output files")
	visible := addVisibleFlags(fs.FlagSet)
	in, err := parse(fs, args, 1, -1)
	if err != nil {
		return helpOK(err)
	}
	usage := func(code, msg, detail string, args ...any) error {
		return &usageError{kerr.New(kerr.Invalid, code, msg, detail, args...)}
	}
	if *keyFile == "" && !keySource.set() {
		return usage("key_required", "Thiếu khóa ký (--key, --pkcs11-module hoặc --csc-url).", "--key, --pkcs11-module or --csc-url is required")
	}
	if *out == "" {
		return usage("output_required", "Thiếu nơi ghi tệp đã ký (-o).", "-o is required")
	}
	level, err := signing.ParseLevel(*levelName)
	if err != nil {
		return &usageError{err}
	}
	certification, ok := map[string]signing.Certification{
		"none": signing.CertifyNone, "no-changes": signing.CertifyNoChanges,
		"form-filling": signing.CertifyFormFilling, "annotations": signing.CertifyFormAndAnnotation,
	}[*certify]
	if !ok {
		return usage("invalid_certify", "Giá trị --certify không hợp lệ.", "--certify must be none, no-changes, form-filling or annotations, not %q", *certify)
	}

	appearance, err := visible.appearance(fs.FlagSet)
	if err != nil {
		return err
	}

	key, closeKey, err := keySource.open(ctx, *keyFile, *certFile, *passFile)
	if err != nil {
		return err
	}
	defer closeKey()
	roots, err := loadRoots(*trust)
	if err != nil {
		return err
	}
	checker := &signing.Checker{Roots: roots, Timeout: *timeout}
	if *noRev {
		checker.Revocation = signing.RevocationSkip
	}
	signer, err := signing.New(key, signing.Options{
		Level: level, TSAURL: *tsa, TSATimeout: *timeout, Name: *name, Reason: *reason, Location: *location, Contact: *contact,
		Certification: certification, Checker: checker, Now: a.now, Visible: appearance,
	})
	if err != nil {
		return err
	}

	// Decide every output path, refuse existing ones, then open everything.
	outs := make([]string, len(in))
	if len(in) == 1 {
		if st, err := os.Stat(*out); err == nil && st.IsDir() {
			outs[0] = filepath.Join(*out, filepath.Base(in[0]))
		} else {
			outs[0] = *out
		}
	} else {
		st, err := os.Stat(*out)
		if err != nil || !st.IsDir() {
			return usage("output_not_folder", "Khi ký nhiều tệp, -o phải là một thư mục đã có.", "-o %q is not an existing folder", *out)
		}
		for i, p := range in {
			outs[i] = filepath.Join(*out, filepath.Base(p))
		}
	}
	seen := map[string]bool{}
	for _, o := range outs {
		if seen[o] {
			return usage("output_clash", "Hai tệp đầu vào trùng tên nên sẽ ghi đè nhau trong thư mục kết quả.", "two inputs map to %q", o)
		}
		seen[o] = true
		if _, err := os.Stat(o); err == nil && !*force {
			return kerr.New(kerr.Conflict, "output_exists", "Tệp kết quả đã tồn tại; dùng --force để ghi đè.", "%s exists", o)
		}
	}

	jobs := make([]signing.Job, len(in))
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
			if strings.Contains(filepath.Base(f.Name()), ".kho-sign-") {
				os.Remove(f.Name()) // a temporary output not renamed into place
			}
		}
	}()
	for i, p := range in {
		f, err := os.Open(p)
		if err != nil {
			return kerr.Wrap(err, kerr.NotFound, "input_unreadable", "Không mở được tệp cần ký.")
		}
		files = append(files, f)
		st, err := f.Stat()
		if err != nil {
			return kerr.Wrap(err, kerr.Invalid, "input_unreadable", "Không đọc được tệp cần ký.")
		}
		tmp, err := os.CreateTemp(filepath.Dir(outs[i]), ".kho-sign-*.pdf")
		if err != nil {
			return kerr.Wrap(err, kerr.Internal, "output_unwritable", "Không tạo được tệp kết quả.")
		}
		files = append(files, tmp)
		jobs[i] = signing.Job{Name: p, In: f, Size: st.Size(), Out: tmp}
	}

	results := signer.SignBatch(ctx, jobs)
	if len(results) == 1 && results[0].Err != nil {
		return results[0].Err
	}
	failed := 0
	for i, r := range results {
		tmp := jobs[i].Out.(*os.File)
		if r.Err == nil {
			if err := tmp.Sync(); err != nil {
				r.Err = kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp đã ký.")
			} else if err := os.Rename(tmp.Name(), outs[i]); err != nil {
				r.Err = kerr.Wrap(err, kerr.Internal, "output_write_failed", "Không ghi được tệp đã ký.")
			}
		}
		if r.Err != nil {
			failed++
			code, msg := kerr.Public(r.Err)
			fmt.Fprintf(a.stdout, "LỖI  %s: %s (%s: %s)\n", term(r.Name), term(msg), code, term(errorDetail(r.Err)))
			continue
		}
		fmt.Fprintf(a.stdout, "OK   %s -> %s (%s, %s)\n", term(r.Name), term(outs[i]), r.Result.Level, term(r.Result.Signer))
	}
	if failed == 0 {
		return nil
	}
	return kerr.New(kerr.Invalid, "sign_batch_failed", fmt.Sprintf("%d trong %d tệp không ký được.", failed, len(results)), "%d of %d documents failed", failed, len(results))
}

// loadKey reads a PKCS#12 file, or a PEM key with its PEM certificate chain.
func loadKey(keyFile, certFile, passFile string) (signing.KeySource, error) {
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "key_file_unreadable", "Không đọc được tệp khóa ký.")
	}
	if block, _ := pem.Decode(data); block != nil {
		if certFile == "" {
			return nil, &usageError{kerr.New(kerr.Invalid, "cert_required", "Khóa PEM cần kèm tệp chứng thư số (--cert).", "a PEM --key needs --cert")}
		}
		certs, err := os.ReadFile(certFile)
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Invalid, "cert_file_unreadable", "Không đọc được tệp chứng thư số.")
		}
		return signing.LoadPEM(certs, data)
	}
	if passFile == "" {
		return nil, &usageError{kerr.New(kerr.Invalid, "password_file_required", "Tệp PKCS#12 cần tệp mật khẩu (--password-file).", "a PKCS#12 --key needs --password-file")}
	}
	password, err := readFirstLine(passFile)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "password_file_unreadable", "Không đọc được tệp mật khẩu.")
	}
	return signing.LoadPKCS12(bytes.NewReader(data), password)
}

// loadRoots reads a PEM bundle of trust anchors, or the system's roots.
func loadRoots(file string) (*x509.CertPool, error) {
	if file == "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "trust_store_unavailable", "Không đọc được kho chứng thư gốc của hệ thống; hãy chỉ định --trust.")
		}
		return pool, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "trust_file_unreadable", "Không đọc được tệp chứng thư gốc tin cậy (--trust).")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, kerr.New(kerr.Invalid, "trust_file_invalid", "Tệp --trust không chứa chứng thư PEM nào.", "no PEM certificate in %s", file)
	}
	return pool, nil
}
