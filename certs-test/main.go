// Command certs-test writes Kho's test PKI to a directory and serves its
// OCSP, CRL, CA-certificate and RFC 3161 time-stamp responders.
//
//	go run ./certs-test -out DIR [-base-url URL]
//	go run ./certs-test serve -dir DIR [-addr HOST:PORT]
//
// For tests and demos only; see certs-test/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/kho-vn/kho/certs-test/pki"
)

// passwordFile is the file in the output directory that holds the
// PKCS#12 password.
const passwordFile = "password"

const usage = `certs-test — Kho's test PKI (for tests and demos only, never trust it)

Usage:
  go run ./certs-test -out DIR [-base-url URL]
      Generate a fresh PKI (root and intermediate CAs, TSA, OCSP responder,
      end entities: personal, seal, ecdsa, expired, notyet, revoked,
      wrongusage, criticalext) and write it to DIR: <name>.crt, <name>.key, <name>.p12
      (password %q, also in DIR/password for --password-file), roots.pem,
      chain.pem, root.crl, intermediate.crl and manifest.json. The certificates name URL (default %s) for OCSP, CA
      issuers and CRLs.

  go run ./certs-test serve -dir DIR [-addr HOST:PORT]
      Load DIR and serve its responders: POST /ocsp and GET /ocsp/{base64},
      GET /crl/root.crl and /crl/intermediate.crl, GET /ca/root.crt and
      /ca/intermediate.crt, POST /tsa (RFC 3161), and a remote signing
      service (Cloud Signature Consortium API v2) under /csc/v2/ whose
      credentials are the signers (token kho-test-token, PIN 1234). -addr
      defaults to the host and port of the base URL in DIR/manifest.json.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "certs-test:", err)
		}
		os.Exit(2)
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, usage, pki.TestPassword, pki.DefaultBaseURL)
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "serve" {
		return serve(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("certs-test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(stderr) }
	out := fs.String("out", "", "directory to write the PKI to (required)")
	base := fs.String("base-url", pki.DefaultBaseURL, "base URL the certificates name for OCSP, CA issuers and CRLs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		printUsage(stderr)
		return errors.New("-out DIR is required")
	}
	p, err := pki.Generate(pki.Options{BaseURL: *base})
	if err != nil {
		return err
	}
	if err := p.WriteDir(*out); err != nil {
		return err
	}
	// The PKCS#12 password as a file, for kho's --password-file and
	// --sign-key-password-file flags.
	if err := os.WriteFile(filepath.Join(*out, passwordFile), []byte(pki.TestPassword+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the test PKI to %s (base URL %s, PKCS#12 password %q)\n", *out, p.BaseURL, pki.TestPassword)
	return nil
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("certs-test serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(stderr) }
	dir := fs.String("dir", "", "directory written by certs-test -out (required)")
	addr := fs.String("addr", "", "HOST:PORT to listen on (default: from the manifest's base URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() > 0 {
		printUsage(stderr)
		return errors.New("-dir DIR is required")
	}
	p, err := pki.LoadDir(*dir, pki.Options{})
	if err != nil {
		return err
	}
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return fmt.Errorf("manifest base URL %q: %w", p.BaseURL, err)
	}
	if *addr == "" {
		*addr = u.Host
	} else if *addr != u.Host {
		fmt.Fprintf(stderr, "warning: listening on %s but the certificates name %s\n", *addr, p.BaseURL)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	srv := p.Serve(ln)
	fmt.Fprintf(stdout, "serving the test PKI from %s on %s (OCSP /ocsp, CRLs /crl/, CA certificates /ca/, TSA /tsa)\n", *dir, srv.URL)
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return srv.Close()
}
