package main

import (
	"context"
	"encoding/hex"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// keySourceFlags are the flags of `kho sign` that choose a key held outside
// a key file: a PKCS#11 token, or a remote signing service (CSC API).
type keySourceFlags struct {
	module, token, keyLabel, keyID, pinFile *string
	slot                                    *int
	cscURL, cscCredential, cscTokenFile     *string
	otpFile                                 *string
	timeout                                 *time.Duration
}

func addKeySourceFlags(fs *flag.FlagSet) *keySourceFlags {
	return &keySourceFlags{
		module:   fs.String("pkcs11-module", "", "PKCS#11 library `PATH` of the signing token (e.g. /usr/lib/softhsm/libsofthsm2.so)"),
		token:    fs.String("pkcs11-token", "", "`LABEL` of the PKCS#11 token"),
		slot:     fs.Int("pkcs11-slot", -1, "slot `NUMBER` of the PKCS#11 token (instead of --pkcs11-token)"),
		keyLabel: fs.String("pkcs11-key", "", "`LABEL` of the signing key on the token"),
		keyID:    fs.String("pkcs11-key-id", "", "`HEX` ID (CKA_ID) of the signing key on the token"),
		pinFile:  fs.String("pin-file", "", "`FILE` holding the PIN of the token or remote credential (first line)"),

		cscURL:        fs.String("csc-url", "", "remote signing service `URL` (Cloud Signature Consortium API v2 root, ending in /csc/v2)"),
		cscCredential: fs.String("csc-credential", "", "credential `ID` of the signer on the remote signing service"),
		cscTokenFile:  fs.String("csc-token-file", "", "`FILE` holding the OAuth access token of the remote signing service (first line)"),
		otpFile:       fs.String("otp-file", "", "`FILE` holding the one-time password the remote service asks for (first line)"),
		timeout:       fs.Duration("csc-timeout", 30*time.Second, "timeout of each request to the remote signing service"),
	}
}

// set reports whether a token or a remote service was chosen.
func (f *keySourceFlags) set() bool { return *f.module != "" || *f.cscURL != "" }

// open returns the key: from the PKCS#11 token when --pkcs11-module is set,
// else from the key file. close releases it (the token's sessions).
func (f *keySourceFlags) open(ctx context.Context, keyFile, certFile, passFile string) (key signing.KeySource, close func(), err error) {
	if !f.set() {
		key, err := loadKey(keyFile, certFile, passFile)
		return key, func() {}, err
	}
	usage := func(code, msg, detail string) error {
		return &usageError{kerr.New(kerr.Invalid, code, msg, detail)}
	}
	if n := btoi(keyFile != "") + btoi(*f.module != "") + btoi(*f.cscURL != ""); n > 1 {
		return nil, nil, usage("key_source_conflict", "Chỉ chọn một nguồn khóa ký: --key, --pkcs11-module hoặc --csc-url.", "--key, --pkcs11-module and --csc-url exclude each other")
	}
	if *f.cscURL != "" {
		return f.openCSC(ctx, usage)
	}
	cfg := signing.PKCS11Config{Module: *f.module, TokenLabel: *f.token, KeyLabel: *f.keyLabel}
	if *f.slot >= 0 {
		cfg.Slot = f.slot
	}
	if *f.keyID != "" {
		if cfg.KeyID, err = hex.DecodeString(strings.TrimPrefix(*f.keyID, "0x")); err != nil {
			return nil, nil, usage("invalid_pkcs11_key_id", "--pkcs11-key-id phải là số thập lục phân.", "--pkcs11-key-id is not hex")
		}
	}
	if *f.pinFile == "" {
		return nil, nil, usage("pin_file_required", "Token ký số cần tệp mã PIN (--pin-file).", "--pkcs11-module needs --pin-file")
	}
	if cfg.PIN, err = readFirstLine(*f.pinFile); err != nil {
		return nil, nil, kerr.Wrap(err, kerr.Invalid, "pin_file_unreadable", "Không đọc được tệp mã PIN.")
	}
	if certFile != "" {
		if cfg.CertPEM, err = os.ReadFile(certFile); err != nil {
			return nil, nil, kerr.Wrap(err, kerr.Invalid, "cert_file_unreadable", "Không đọc được tệp chứng thư số.")
		}
	}
	k, err := signing.OpenPKCS11(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return k, func() { k.Close() }, nil
}

// readFirstLine returns the first line of a small secret file (a password
// or PIN), without its line ending.
func readFirstLine(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// openCSC connects to the remote signing service's credential.
func (f *keySourceFlags) openCSC(ctx context.Context, usage func(code, msg, detail string) error) (signing.KeySource, func(), error) {
	if *f.cscCredential == "" {
		return nil, nil, usage("csc_credential_required", "Thiếu mã chứng thư trên dịch vụ ký số từ xa (--csc-credential).", "--csc-url needs --csc-credential")
	}
	if *f.cscTokenFile == "" {
		return nil, nil, usage("csc_token_file_required", "Thiếu tệp mã truy cập dịch vụ ký số từ xa (--csc-token-file).", "--csc-url needs --csc-token-file")
	}
	token, err := readFirstLine(*f.cscTokenFile)
	if err != nil {
		return nil, nil, kerr.Wrap(err, kerr.Invalid, "csc_token_file_unreadable", "Không đọc được tệp mã truy cập dịch vụ ký số từ xa.")
	}
	var auth signing.CSCAuthorization
	if *f.pinFile != "" {
		if auth.PIN, err = readFirstLine(*f.pinFile); err != nil {
			return nil, nil, kerr.Wrap(err, kerr.Invalid, "pin_file_unreadable", "Không đọc được tệp mã PIN.")
		}
	}
	if *f.otpFile != "" {
		if auth.OTP, err = readFirstLine(*f.otpFile); err != nil {
			return nil, nil, kerr.Wrap(err, kerr.Invalid, "otp_file_unreadable", "Không đọc được tệp mã OTP.")
		}
	}
	k, err := signing.NewCSCClient(ctx, *f.cscURL, token, *f.cscCredential, signing.CSCOptions{
		Authorize: signing.StaticAuthorization(auth.PIN, auth.OTP), Timeout: *f.timeout,
	})
	if err != nil {
		return nil, nil, err
	}
	return k, func() {}, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
