package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
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

// TestServeSigning runs `kho serve --trust --sign-key --tsa` in-process:
// staff sign through the API with the configured key, anyone verifies, and
// the vault verifies what it stores.
func TestServeSigning(t *testing.T) {
	pkiSrv := httptest.NewServer(nil)
	defer pkiSrv.Close()
	p, err := pki.Generate(pki.Options{BaseURL: pkiSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	pkiSrv.Config.Handler = p.Handler()
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "password")
	os.WriteFile(pw, []byte(pki.TestPassword+"\n"), 0o600)
	data := filepath.Join(dir, "data")
	env := map[string]string{"KHO_DATA": data}

	// Bad key settings are refused before anything starts.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sign-key", "canbo"}, "invalid_arguments"},
		{[]string{"--sign-key-password-file", "khac=" + pw}, "sign_key_unknown"},
		{[]string{"--sign-key", "canbo=" + filepath.Join(dir, "personal.p12"), "--sign-key", "canbo=x.p12"}, "invalid_arguments"},
		{[]string{"--sign-key", "hsm=pkcs11:token=kho"}, "key_source_unsupported"},
		{[]string{"--sign-key", "canbo=" + filepath.Join(dir, "personal.p12")}, "password_file_required"},
		{[]string{"--trust", filepath.Join(dir, "nothing.pem")}, "trust_file_unreadable"},
	} {
		code, _, errs := runKho(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("serve %v: exit %d, %s", tc.args, code, errs)
		}
	}

	code, out, errs := runKho(t, env, "admin", "token", "create", "--subject", "canbo01", "--role", "staff", "--name", "Cán bộ")
	if code != 0 {
		t.Fatalf("token: %d %s", code, errs)
	}
	staff := strings.TrimSpace(out)

	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs, getenv: func(k string) string { return env[k] }, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- a.run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--trust", filepath.Join(dir, "roots.pem"),
			"--tsa", pkiSrv.URL + "/tsa", "--sign-key", "canbo=" + filepath.Join(dir, "personal.p12"),
			"--sign-key-password-file", "canbo=" + pw})
	}()
	defer func() {
		cancel()
		<-done
	}()
	var base string
	urlRE := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		}
		select {
		case c := <-done:
			t.Fatalf("serve exited %d:\n%s", c, logs.String())
		default:
		}
	}
	if base == "" {
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "verifySignatures=true") || !strings.Contains(logs.String(), "signKeys=canbo") {
		t.Errorf("start-up log: %s", logs.String())
	}

	// Sign through the API.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="options"`)
	h.Set("Content-Type", "application/json")
	pw1, _ := mw.CreatePart(h)
	pw1.Write([]byte(`{"level":"B-T","reason":"Phê duyệt"}`))
	fw, _ := mw.CreateFormFile("file", "to-trinh.pdf")
	fw.Write(minimalPDF())
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/signing/sign", &body)
	req.Header.Set("Authorization", "Bearer "+staff)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Signature-Level") != "B-T" {
		t.Fatalf("sign: %d %s", resp.StatusCode, signed)
	}

	// Anyone verifies it.
	resp, err = http.Post(base+"/api/v1/signing/verify", "application/pdf", bytes.NewReader(signed))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Signatures []struct {
			Verdict string `json:"verdict"`
		} `json:"signatures"`
	}
	json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != "TOTAL-PASSED" {
		t.Fatalf("verify: %d %+v", resp.StatusCode, rep)
	}

	// The vault verifies what it stores.
	req, _ = http.NewRequest("POST", base+"/api/v1/documents?owner=001099012345&type=KHAC&name=Quyet-dinh&filename=qd.pdf", bytes.NewReader(signed))
	req.Header.Set("Authorization", "Bearer "+staff)
	req.Header.Set("Content-Type", "application/pdf")
	reg, _ := http.NewRequest("POST", base+"/api/v1/owners", strings.NewReader(`{"kind":"individual","identityNumber":"001099012345"}`))
	reg.Header.Set("Authorization", "Bearer "+staff)
	reg.Header.Set("Content-Type", "application/json")
	if r, err := http.DefaultClient.Do(reg); err != nil || r.StatusCode != 201 {
		t.Fatalf("register owner: %v %v", err, r)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Signature *struct {
			Signed  bool     `json:"signed"`
			Verdict string   `json:"verdict"`
			Signers []string `json:"signers"`
		} `json:"signature"`
	}
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if resp.StatusCode != 201 || d.Signature == nil || !d.Signature.Signed || d.Signature.Verdict != "TOTAL-PASSED" ||
		len(d.Signature.Signers) != 1 || d.Signature.Signers[0] != p.Identity(pki.Personal).Cert.Subject.CommonName {
		t.Fatalf("stored: %d %+v", resp.StatusCode, d.Signature)
	}
}
