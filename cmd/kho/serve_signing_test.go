package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
)

// lockedBuffer is a bytes.Buffer safe to read while serve writes its log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servedKho is `kho serve` running in-process.
type servedKho struct {
	base string
	logs *lockedBuffer
}

// startServe runs `kho serve --addr 127.0.0.1:0 args...` with env until the
// test ends, and waits for its URL.
func startServe(t *testing.T, env map[string]string, args ...string) *servedKho {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, getenv: func(k string) string { return env[k] }, now: time.Now}
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	urlRE := regexp.MustCompile(`msg="Kho đang chạy" url=(http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(logs.String()); m != nil {
			return &servedKho{base: m[1], logs: logs}
		}
		select {
		case c := <-done:
			t.Fatalf("serve exited %d:\n%s", c, logs.String())
		default:
		}
	}
	t.Fatalf("serve did not start:\n%s", logs.String())
	return nil
}

// sign signs pdf through POST /api/v1/signing/sign with the options and
// returns the signed PDF and the level made.
func (k *servedKho) sign(t *testing.T, token, options string, pdf []byte) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="options"`)
	h.Set("Content-Type", "application/json")
	ow, _ := mw.CreatePart(h)
	ow.Write([]byte(options))
	fw, _ := mw.CreateFormFile("file", "to-trinh.pdf")
	fw.Write(pdf)
	mw.Close()
	req, _ := http.NewRequest("POST", k.base+"/api/v1/signing/sign", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	signed, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("sign %s: %d %s", options, resp.StatusCode, signed)
	}
	return signed, resp.Header.Get("X-Signature-Level")
}

// verify verifies pdf through the public endpoint and returns the signers'
// verdicts and names.
func (k *servedKho) verify(t *testing.T, pdf []byte) (verdicts, names []string) {
	t.Helper()
	resp, err := http.Post(k.base+"/api/v1/signing/verify", "application/pdf", bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep struct {
		Signatures []struct {
			Verdict string `json:"verdict"`
			Signer  struct {
				CommonName string `json:"commonName"`
			} `json:"signer"`
		} `json:"signatures"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != 200 {
		t.Fatalf("verify: %d %v", resp.StatusCode, err)
	}
	for _, s := range rep.Signatures {
		verdicts, names = append(verdicts, s.Verdict), append(names, s.Signer.CommonName)
	}
	return verdicts, names
}

// staffToken makes a staff token in the data directory of env.
func staffToken(t *testing.T, env map[string]string) string {
	t.Helper()
	code, out, errs := runKho(t, env, "admin", "token", "create", "--subject", "canbo01", "--role", "staff", "--name", "Cán bộ")
	if code != 0 {
		t.Fatalf("token: %d %s", code, errs)
	}
	return strings.TrimSpace(out)
}

// TestServeSigning runs `kho serve --trust --sign-key --tsa` in-process
// with a key file and a remote (CSC) key: staff sign through the API with
// either, anyone verifies, and the vault verifies what it stores.
func TestServeSigning(t *testing.T) {
	e := newSignTestPKI(t)
	p, dir, pw := e.pki, e.dir, e.pw
	data := filepath.Join(dir, "data")
	env := map[string]string{"KHO_DATA": data}
	cscToken := filepath.Join(dir, "csc-token")
	os.WriteFile(cscToken, []byte(pki.CSCTestToken+"\n"), 0o600)
	pin := filepath.Join(dir, "csc-pin")
	os.WriteFile(pin, []byte(pki.CSCTestPIN+"\n"), 0o600)
	csc := "csc:" + e.srv.URL + "/csc/v2#"

	// Bad key settings are refused before anything starts.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sign-key", "canbo"}, "invalid_arguments"},
		{[]string{"--sign-key-password-file", "khac=" + pw}, "sign_key_unknown"},
		{[]string{"--sign-key", "canbo=" + filepath.Join(dir, "personal.p12"), "--sign-key", "canbo=x.p12"}, "invalid_arguments"},
		{[]string{"--sign-key", "hsm=ftp:token=kho"}, "key_source_unsupported"},
		{[]string{"--sign-key", "hsm=pkcs11:token=kho;object=canbo", "--sign-key-pin-file", "hsm=" + pin}, "invalid_pkcs11_uri"},
		{[]string{"--sign-key", "hsm=pkcs11:token=kho;object=canbo?module-path=/nonexistent.so"}, "pin_file_required"},
		{[]string{"--sign-key", "hsm=pkcs11:token=kho;colour=red?module-path=/x.so"}, "invalid_pkcs11_uri"},
		{[]string{"--sign-key", "esign=" + csc + pki.Personal}, "csc_token_file_required"},
		{[]string{"--sign-key", "esign=csc:" + e.srv.URL + "/csc/v2", "--sign-key-token-file", "esign=" + cscToken}, "invalid_csc_key"},
		{[]string{"--sign-key", "esign=" + csc + "nobody", "--sign-key-token-file", "esign=" + cscToken}, "csc_credential_not_found"},
		{[]string{"--sign-key", "canbo=" + filepath.Join(dir, "personal.p12")}, "password_file_required"},
		{[]string{"--trust", filepath.Join(dir, "nothing.pem")}, "trust_file_unreadable"},
		{[]string{"--sign-key-image", "khac=" + pw}, "sign_key_unknown"},
		{[]string{"--sign-key", "canbo=" + filepath.Join(dir, "personal.p12"), "--sign-key-password-file", "canbo=" + pw, "--sign-key-image", "canbo=" + filepath.Join(dir, "none.png")}, "sign_key_image_unreadable"},
	} {
		code, _, errs := runKho(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("serve %v: exit %d, %s", tc.args, code, errs)
		}
	}

	staff := staffToken(t, env)
	img := filepath.Join(dir, "chu-ky.png")
	os.WriteFile(img, redDiscPNG(t), 0o644)
	k := startServe(t, env, "--trust", e.roots, "--tsa", e.srv.URL+"/tsa",
		"--sign-key", "canbo="+filepath.Join(dir, "personal.p12"), "--sign-key-password-file", "canbo="+pw, "--sign-key-image", "canbo="+img,
		"--sign-key", "esign="+csc+pki.ECDSA, "--sign-key-token-file", "esign="+cscToken, "--sign-key-pin-file", "esign="+pin)
	if logs := k.logs.String(); !strings.Contains(logs, "verifySignatures=true") || !strings.Contains(logs, "signKeys=canbo,esign") {
		t.Errorf("start-up log: %s", logs)
	}

	// Sign through the API with the key file, then countersign remotely.
	signed, level := k.sign(t, staff, `{"key":"canbo","level":"B-T","reason":"Phê duyệt"}`, minimalPDF())
	if level != "B-T" {
		t.Errorf("level %q", level)
	}
	twice, _ := k.sign(t, staff, `{"key":"esign"}`, signed)
	verdicts, names := k.verify(t, twice)
	if strings.Join(verdicts, ",") != "TOTAL-PASSED,TOTAL-PASSED" || names[0] != p.Identity(pki.Personal).Cert.Subject.CommonName ||
		names[1] != p.Identity(pki.ECDSA).Cert.Subject.CommonName {
		t.Fatalf("verify: %v %v", verdicts, names)
	}

	// A visible signature with the key's image.
	visible, _ := k.sign(t, staff, `{"key":"canbo","visible":{"page":1,"rect":[300,60,470,130]}}`, minimalPDF())
	if verdicts, _ := k.verify(t, visible); strings.Join(verdicts, ",") != "TOTAL-PASSED" || !bytes.Contains(visible, []byte("/Subtype /Image")) {
		t.Errorf("visible signature: %v", verdicts)
	}

	// The vault verifies what it stores.
	reg, _ := http.NewRequest("POST", k.base+"/api/v1/owners", strings.NewReader(`{"kind":"individual","identityNumber":"001099012345"}`))
	reg.Header.Set("Authorization", "Bearer "+staff)
	reg.Header.Set("Content-Type", "application/json")
	if r, err := http.DefaultClient.Do(reg); err != nil || r.StatusCode != 201 {
		t.Fatalf("register owner: %v %v", err, r)
	}
	req, _ := http.NewRequest("POST", k.base+"/api/v1/documents?owner=001099012345&type=KHAC&name=Quyet-dinh&filename=qd.pdf", bytes.NewReader(twice))
	req.Header.Set("Authorization", "Bearer "+staff)
	req.Header.Set("Content-Type", "application/pdf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Signature *struct {
			Signed  bool     `json:"signed"`
			Count   int      `json:"count"`
			Verdict string   `json:"verdict"`
			Signers []string `json:"signers"`
		} `json:"signature"`
	}
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if resp.StatusCode != 201 || d.Signature == nil || !d.Signature.Signed || d.Signature.Count != 2 || d.Signature.Verdict != "TOTAL-PASSED" ||
		len(d.Signature.Signers) != 2 || d.Signature.Signers[0] != names[0] {
		t.Fatalf("stored: %d %+v", resp.StatusCode, d.Signature)
	}
}
