//go:build cgo

package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/ThalesGroup/crypto11"
)

// SoftHSM token defaults used by WriteSoftHSMToken.
const (
	SoftHSMTokenLabel = "kho-test"
	SoftHSMPIN        = "1234"
	SoftHSMSOPIN      = "5678"
)

// SoftHSMToken is a SoftHSM2 token holding test identities.
type SoftHSMToken struct {
	Module string // the PKCS#11 library
	Conf   string // the SOFTHSM2_CONF file naming the private token folder
	Label  string // token label
	PIN    string // user PIN
	Slot   int    // slot number SoftHSM gave the token
	// IDs maps each imported identity name to the CKA_ID of its key pair and
	// certificate; the CKA_LABEL of both is the identity name.
	IDs map[string][]byte
}

// WriteSoftHSMToken makes a SoftHSM2 token in a fresh token folder under dir
// and imports the named identities: each private key with softhsm2-util
// --import (PKCS#8), and each certificate, followed by the intermediate and
// root CA certificates, as certificate objects (C_CreateObject). module is
// the path of libsofthsm2.so; softhsm2-util must be on PATH.
//
// It sets SOFTHSM2_CONF in the process environment to the new configuration
// file: SoftHSM reads it when the library is initialised, which is once per
// process until every user has closed it. Tests using it must therefore share
// one token per test binary.
func (p *PKI) WriteSoftHSMToken(dir, module string, names ...string) (*SoftHSMToken, error) {
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		return nil, fmt.Errorf("softhsm2-util not found (Debian package softhsm2): %w", err)
	}
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return nil, err
	}
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return nil, err
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(util, append(args, "--module", module)...)
		cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("softhsm2-util %v: %w: %s", args[0], err, out)
		}
		return string(out), nil
	}
	tok := &SoftHSMToken{Module: module, Conf: conf, Label: SoftHSMTokenLabel, PIN: SoftHSMPIN, IDs: map[string][]byte{}}
	out, err := run("--init-token", "--free", "--label", tok.Label, "--pin", tok.PIN, "--so-pin", SoftHSMSOPIN)
	if err != nil {
		return nil, err
	}
	// "The token has been initialized and is reassigned to slot 1234"
	m := regexp.MustCompile(`reassigned to slot (\d+)`).FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("softhsm2-util --init-token: no slot number in %q", out)
	}
	tok.Slot, _ = strconv.Atoi(m[1])
	for i, name := range names {
		id := p.Identity(name)
		if id == nil {
			return nil, fmt.Errorf("no identity %q", name)
		}
		der, err := x509.MarshalPKCS8PrivateKey(id.Key)
		if err != nil {
			return nil, err
		}
		keyFile := filepath.Join(dir, name+".key")
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
		ckaID := []byte{0x4b, byte(i + 1)}
		_, err = run("--import", keyFile, "--token", tok.Label, "--pin", tok.PIN, "--label", name, "--id", fmt.Sprintf("%x", ckaID))
		os.Remove(keyFile)
		if err != nil {
			return nil, err
		}
		tok.IDs[name] = ckaID
	}

	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: tok.Label, Pin: tok.PIN})
	if err != nil {
		return nil, fmt.Errorf("open the new token: %w", err)
	}
	defer ctx.Close()
	for _, name := range names {
		if err := ctx.ImportCertificateWithLabel(tok.IDs[name], []byte(name), p.Identity(name).Cert); err != nil {
			return nil, fmt.Errorf("import the certificate of %s: %w", name, err)
		}
	}
	for i, ca := range []string{Intermediate, Root} {
		if err := ctx.ImportCertificateWithLabel([]byte{0xca, byte(i + 1)}, []byte(ca), p.Identity(ca).Cert); err != nil {
			return nil, fmt.Errorf("import the certificate of %s: %w", ca, err)
		}
	}
	return tok, nil
}
