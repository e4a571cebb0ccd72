package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestServeConvert: the flags (and variables) of the converter, the
// templates and the public URL reach what serve builds; no Gotenberg gives
// a nil converter; a bad value or a broken template stops the start.
func TestServeConvert(t *testing.T) {
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "receipt.html"), []byte("{{.Nope}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	build := func(args []string, env map[string]string) (*documents, string, error) {
		var c serveConvert
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.bind(fs, func(k string) string { return env[k] })
		if err := fs.Parse(args); err != nil {
			return nil, "", err
		}
		var logs bytes.Buffer
		d, err := c.build(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), false)
		return d, logs.String(), err
	}

	d, logs, err := build(nil, nil)
	if err != nil || d.converter != nil || d.templates == nil {
		t.Fatalf("no flags: %+v, %v", d, err)
	}
	if !strings.Contains(logs, "--gotenberg-url") || !strings.Contains(logs, "--public-url") {
		t.Errorf("no warning of the missing converter and public URL:\n%s", logs)
	}

	url := testenv.Gotenberg(t)
	d, logs, err = build([]string{"--gotenberg-timeout", "30s"}, map[string]string{envGotenbergURL: url, envPublicURL: "https://dvc.example.vn"})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := d.converter.(*convert.Gotenberg); !ok || g.URL() != url || !strings.Contains(g.String(), "timeout 30s") {
		t.Errorf("converter %v, want Gotenberg at %s with a 30 s timeout", d.converter, url)
	}
	// (Gotenberg may be restarting LibreOffice for another test: a warning
	// that it is unhealthy is not checked here.)
	if d.publicURL != "https://dvc.example.vn" || strings.Contains(logs, "--public-url") || strings.Contains(logs, "--gotenberg-url") {
		t.Errorf("public URL %q; logs:\n%s", d.publicURL, logs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := d.templates.PDF(ctx, d.converter, convert.TemplateEvaluation, convert.SlipData{Code: "BN-261207-0001", Procedure: "Đăng ký khai sinh"})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("printed through the configured converter: %v", err)
	}

	for _, tc := range []struct {
		args []string
		code string
	}{
		{[]string{"--gotenberg-url", "127.0.0.1:3000"}, "invalid_gotenberg_url"},
		{[]string{"--public-url", "dvc.example.vn"}, "invalid_public_url"},
		{[]string{"--templates", broken}, "template_invalid"},
		{[]string{"--templates", filepath.Join(broken, "none")}, "templates_unreadable"},
		{[]string{"--gotenberg-timeout", "0s"}, "invalid_duration"},
	} {
		_, _, err := build(tc.args, nil)
		if code, _ := kerr.Public(err); code != tc.code {
			t.Errorf("%v: %v, want %s", tc.args, err, tc.code)
		}
	}
	if _, _, err := build([]string{"--gotenberg-max-pdf", "lots"}, nil); err == nil || !strings.Contains(err.Error(), "gotenberg-max-pdf") {
		t.Errorf("--gotenberg-max-pdf lots: %v", err)
	}

	// The command refuses a broken template before starting.
	code, _, errs := runKho(t, map[string]string{"KHO_DATA": t.TempDir()}, "serve", "--addr", "127.0.0.1:0", "--templates", broken)
	if code == 0 || !strings.Contains(errs, "template_invalid") || !strings.Contains(errs, "receipt.html") {
		t.Fatalf("serve --templates BROKEN: exit %d, %s", code, errs)
	}
}
