//go:build cgo

package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

// TestServeSigningPKCS11: `kho serve --sign-key NAME=pkcs11:…` signs
// through the API with a key on a real SoftHSM2 token, found by label or
// by slot and CKA_ID.
func TestServeSigningPKCS11(t *testing.T) {
	e := newSignTestPKI(t)
	module, tok, pin := e.softHSMToken(t, pki.Seal)
	env := map[string]string{"KHO_DATA": filepath.Join(e.dir, "data")}
	staff := staffToken(t, env)
	id := ""
	for _, b := range tok.IDs[pki.Seal] {
		id += "%" + strconv.FormatUint(uint64(b)|0x100, 16)[1:]
	}
	k := startServe(t, env, "--trust", e.roots,
		"--sign-key", "dau=pkcs11:token="+tok.Label+";object="+pki.Seal+"?module-path="+module, "--sign-key-pin-file", "dau="+pin,
		"--sign-key", "dau2=pkcs11:slot-id="+strconv.Itoa(tok.Slot)+";id="+id+"?module-path="+module+"&pin-source=file:"+pin)
	for _, key := range []string{"dau", "dau2"} {
		signed, _ := k.sign(t, staff, `{"key":"`+key+`","certification":"form-filling"}`, minimalPDF())
		verdicts, names := k.verify(t, signed)
		if strings.Join(verdicts, ",") != "TOTAL-PASSED" || names[0] != e.pki.Identity(pki.Seal).Cert.Subject.CommonName {
			t.Errorf("%s: %v %v", key, verdicts, names)
		}
	}
}
