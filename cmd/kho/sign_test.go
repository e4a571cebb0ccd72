package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/testenv"
)

// minimalPDF is a one-page PDF with exact xref offsets.
func minimalPDF() []byte { return textPDF("") }

func TestSignCommand(t *testing.T) {
	e := newSignTestPKI(t)
	srv, dir, pw, in := e.srv, e.dir, e.pw, e.in
	out := filepath.Join(dir, "out.pdf")
	roots := filepath.Join(dir, "roots.pem")

	code, stdout, stderr := runKho(t, nil, "sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw,
		"--trust", roots, "--level", "B-T", "--tsa", srv.URL+"/tsa", "--reason", "Phê duyệt", in, "-o", out)
	if code != 0 || !strings.Contains(stdout, "OK") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkPdfsig(t, out, 1)

	// A second signer with a PEM key keeps the first signature valid.
	out2 := filepath.Join(dir, "out2.pdf")
	leaf, _ := os.ReadFile(filepath.Join(dir, "seal.crt"))
	chain, _ := os.ReadFile(filepath.Join(dir, "chain.pem"))
	os.WriteFile(filepath.Join(dir, "seal-chain.pem"), append(leaf, chain...), 0o644)
	code, stdout, stderr = runKho(t, nil, "sign", "--key", filepath.Join(dir, "seal.key"), "--cert", filepath.Join(dir, "seal-chain.pem"),
		"--trust", roots, out, "-o", out2)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkPdfsig(t, out2, 2)

	// Refusals: existing output, revoked and expired certificates, a bad password.
	code, _, stderr = runKho(t, nil, "sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw, "--trust", roots, in, "-o", out)
	if code != 1 || !strings.Contains(stderr, "output_exists") {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	for name, want := range map[string]string{"revoked": "cert_revoked", "expired": "cert_expired", "wrongusage": "cert_wrong_usage"} {
		o := filepath.Join(dir, name+".pdf")
		code, _, stderr = runKho(t, nil, "sign", "--key", filepath.Join(dir, name+".p12"), "--password-file", pw, "--trust", roots, in, "-o", o)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Fatalf("%s: exit %d, %s", name, code, stderr)
		}
		if _, err := os.Stat(o); err == nil {
			t.Fatalf("%s: output written", name)
		}
	}
	os.WriteFile(pw+"2", []byte("wrong\n"), 0o600)
	code, _, stderr = runKho(t, nil, "sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw+"2", "--trust", roots, in, "-o", out+"3")
	if code != 1 || !strings.Contains(stderr, "key_password_wrong") {
		t.Fatalf("exit %d, %s", code, stderr)
	}

	// A batch into a folder: the bad file fails, the others are signed.
	batch := filepath.Join(dir, "batch")
	os.Mkdir(batch, 0o755)
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, []byte("this is not a PDF file, only text"), 0o644)
	code, stdout, _ = runKho(t, nil, "sign", "--key", filepath.Join(dir, "ecdsa.p12"), "--password-file", pw, "--trust", roots, in, bad, out2, "-o", batch)
	if code != 1 || strings.Count(stdout, "OK") != 2 || !strings.Contains(stdout, "pdf_invalid") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	checkPdfsig(t, filepath.Join(batch, "in.pdf"), 1)
	checkPdfsig(t, filepath.Join(batch, "out2.pdf"), 3)
	entries, _ := os.ReadDir(batch)
	if len(entries) != 2 {
		t.Fatalf("batch folder holds %d files, want 2 (no temporary leftovers)", len(entries))
	}

	// Usage errors.
	if code, _, _ := runKho(t, nil, "sign", in, "-o", out); code != 2 {
		t.Fatalf("missing --key: exit %d", code)
	}
	if code, _, _ := runKho(t, nil, "sign", "--key", "k", "--level", "B-Q", in, "-o", out); code != 2 {
		t.Fatalf("bad level: exit %d", code)
	}
}

// checkPdfsig asserts that poppler's pdfsig finds n signatures in file, all valid.
func checkPdfsig(t *testing.T, file string, n int) {
	t.Helper()
	rep, _ := exec.Command(testenv.Tool(t, "pdfsig", "poppler-utils"), file).CombinedOutput()
	if got := strings.Count(string(rep), "Signature is Valid."); got != n || strings.Count(string(rep), "Signature #") != n {
		t.Fatalf("pdfsig: want %d valid signatures:\n%s", n, rep)
	}
}
