package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

// BenchmarkLargePDFMemory is issue 3 item 12's memory goal: signing and
// verifying a 200 MB PDF raise resident memory by less than 64 MB. It runs
// `kho sign` (B-B, and B-LTA with the test TSA) and `kho verify` as processes on a one-page PDF (the baseline)
// and on a generated 200 MB PDF (one page whose content stream is 200 MB),
// and reports each process's peak resident set (getrusage ru_maxrss, which
// is VmHWM at exit) and the increase over the baseline, in MB. Run it once:
//
//	go test -run '^$' -bench LargePDFMemory -benchtime 1x ./e2e
func BenchmarkLargePDFMemory(b *testing.B) {
	srv, err := pki.StartServer(context.Background(), pki.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	dir := b.TempDir()
	if err := srv.PKI.WriteDir(dir); err != nil {
		b.Fatal(err)
	}
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(pki.TestPassword+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	small, large := filepath.Join(dir, "small.pdf"), filepath.Join(dir, "large.pdf")
	if err := writeBigPDF(small, 1<<10); err != nil {
		b.Fatal(err)
	}
	if err := writeBigPDF(large, 200<<20); err != nil {
		b.Fatal(err)
	}
	roots := filepath.Join(dir, "roots.pem")
	// peak runs kho with args and returns its peak resident set in bytes.
	peak := func(args ...string) int64 {
		b.Helper()
		cmd := exec.Command(khoBin, args...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("kho %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	}
	sign := func(in, out string, extra ...string) int64 {
		os.Remove(out)
		args := append([]string{"sign", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw, "--trust", roots}, extra...)
		return peak(append(args, in, "-o", out)...)
	}
	lta := []string{"--level", "B-LTA", "--tsa", srv.URL + "/tsa"}
	for b.Loop() {
		baseSign := sign(small, small+".signed")
		bigSign := sign(large, large+".signed")
		baseLTA := sign(small, small+".lta", lta...)
		bigLTA := sign(large, large+".lta", lta...)
		baseVerify := peak("verify", "--trust", roots, small+".signed")
		bigVerify := peak("verify", "--trust", roots, large+".signed")
		b.ReportMetric(float64(baseSign)/1e6, "sign-1KB-peak-MB")
		b.ReportMetric(float64(bigSign)/1e6, "sign-200MB-peak-MB")
		b.ReportMetric(float64(bigSign-baseSign)/1e6, "sign-increase-MB")
		b.ReportMetric(float64(bigLTA-baseLTA)/1e6, "sign-LTA-increase-MB")
		b.ReportMetric(float64(baseVerify)/1e6, "verify-1KB-peak-MB")
		b.ReportMetric(float64(bigVerify)/1e6, "verify-200MB-peak-MB")
		b.ReportMetric(float64(bigVerify-baseVerify)/1e6, "verify-increase-MB")
		b.Logf("peak RSS: sign %d MB (1 KB PDF) → %d MB (200 MB PDF); B-LTA %d MB → %d MB; verify %d MB → %d MB; goal: increase < 64 MB",
			baseSign>>20, bigSign>>20, baseLTA>>20, bigLTA>>20, baseVerify>>20, bigVerify>>20)
	}
}

// writeBigPDF writes a valid one-page PDF of about size bytes to path,
// streaming: the page's content stream is size bytes of drawing operators.
func writeBigPDF(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var off int64
	var offsets []int64
	write := func(s string) {
		n, _ := w.WriteString(s)
		off += int64(n)
	}
	obj := func(body string) {
		offsets = append(offsets, off)
		write(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offsets), body))
	}
	write("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>")
	const line = "0.5 w 10 10 m 585 832 l S\n" // 26 bytes
	n := size / int64(len(line))
	offsets = append(offsets, off)
	write(fmt.Sprintf("4 0 obj\n<< /Length %d >>\nstream\n", n*int64(len(line))))
	for i := int64(0); i < n; i++ {
		write(line)
	}
	write("\nendstream\nendobj\n")
	xref := off
	write(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1))
	for _, o := range offsets {
		write(fmt.Sprintf("%010d 00000 n \n", o))
	}
	write(fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref))
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
