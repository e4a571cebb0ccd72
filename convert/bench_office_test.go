package convert

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkOfficeToPDFA converts the same small .docx (the archive's
// fixture, Vietnamese text) to PDF/A-2b, warm on both sides, in the same
// run (item 9 of issue 12):
//
//   - gotenberg: through this package's client to the test Gotenberg,
//     whose LibreOffice is already running (one warm-up conversion
//     first); Gotenberg drives it with Debian's unoconv (testenv's
//     unoconverter), one unoconv process per conversion;
//   - libreoffice-direct: LibreOffice "directly" — one soffice started
//     here and kept listening on a loopback socket (warmed by one
//     conversion), driven by Debian's unoconv client (`unoconv -n -c …
//     -f pdf -e SelectPdfVersion=2`), one unoconv process per
//     conversion, as Gotenberg does.
//
// The difference is Gotenberg's own cost: the HTTP multipart request and
// answer, its work directory and its queue. One conversion at a time on
// each side (Gotenberg's LibreOffice converts one document at a time).
func BenchmarkOfficeToPDFA(b *testing.B) {
	docx, err := os.ReadFile(filepath.Join("..", "archive", "testdata", "convert", "van-ban.docx"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("gotenberg", func(b *testing.B) {
		g := gotenberg(b)
		convert := func() int64 {
			rc, err := g.OfficeToPDF(ctxT(b), "van-ban.docx", bytes.NewReader(docx), Options{PDFA: PDFA2b})
			if err != nil {
				b.Fatal(err)
			}
			defer rc.Close()
			n, err := io.Copy(io.Discard, rc)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
		convert() // warm
		for b.Loop() {
			b.SetBytes(convert())
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "conv/min")
	})
	b.Run("libreoffice-direct", func(b *testing.B) {
		conn := startSoffice(b)
		dir := b.TempDir()
		in := filepath.Join(dir, "van-ban.docx")
		if err := os.WriteFile(in, docx, 0o600); err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(dir, "van-ban.pdf")
		convert := func() int64 {
			os.Remove(out)
			cmd := exec.Command("/usr/bin/python3", "/usr/bin/unoconv", "-n", "-c", conn, "-f", "pdf", "-e", "SelectPdfVersion=2", "-o", out, in)
			if msg, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("unoconv: %v: %s", err, msg)
			}
			st, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			return st.Size()
		}
		convert() // warm
		for b.Loop() {
			b.SetBytes(convert())
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "conv/min")
	})
}

// startSoffice starts one headless LibreOffice listening on a free
// loopback port, with its own profile, stopped (its process group) when b
// ends; it returns the UNO connection string.
func startSoffice(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conn := fmt.Sprintf("socket,host=127.0.0.1,port=%d;urp;StarOffice.ComponentContext", port)
	profile := b.TempDir()
	cmd := exec.Command("/usr/bin/soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
		"-env:UserInstallation=file://"+profile, "--accept="+conn)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return conn
		}
		if time.Now().After(deadline) {
			b.Fatalf("soffice did not listen on %d within 60 s", port)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
