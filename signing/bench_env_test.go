package signing

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
)

// benchEnv is the test PKI for benchmarks. With KHO_BENCH_PKI=external its
// OCSP, CRL and TSA responders run in a separate process (the certs-test
// binary, built here), as a CA's are in production: with -cpu 1 the
// responders' RSA signing then does not share the measured core. Otherwise
// it is getEnv's in-process server.
func benchEnv(b *testing.B) *testEnv {
	b.Helper()
	if os.Getenv("KHO_BENCH_PKI") != "external" {
		return getEnv(b)
	}
	extOnce.Do(func() { extEnv, extErr = startExternalPKI() })
	if extErr != nil {
		b.Fatalf("external test PKI: %v", extErr)
	}
	return extEnv
}

var (
	extOnce sync.Once
	extEnv  *testEnv
	extErr  error
)

func startExternalPKI() (*testEnv, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	p, err := pki.Generate(pki.Options{BaseURL: "http://" + addr})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kho-bench-pki-")
	if err != nil {
		return nil, err
	}
	if err := p.WriteDir(dir); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "certs-test")
	build := exec.Command("go", "build", "-o", bin, "github.com/kho-vn/kho/certs-test")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=auto")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, &exec.Error{Name: "go build certs-test: " + string(out), Err: err}
	}
	srv := exec.Command(bin, "serve", "-dir", dir, "-addr", addr)
	srv.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} // dies with the benchmark
	if err := srv.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			srv.Process.Kill()
			os.RemoveAll(dir)
			return nil, os.ErrDeadlineExceeded
		}
	}
	// The server has loaded the PKI and runs from its binary in memory: the
	// folder is not needed any more.
	os.RemoveAll(dir)
	return &testEnv{pki: p, tsaURL: "http://" + addr + "/tsa"}, nil
}
