package config_test

import (
	"flag"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
)

func env(m map[string]string) config.Getenv { return func(k string) string { return m[k] } }

func parseServe(t *testing.T, e map[string]string, args ...string) (*config.Serve, error) {
	t.Helper()
	var c config.Serve
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Bind(fs, env(e))
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return &c, c.Validate()
}

func TestServeDefaultsAndEnv(t *testing.T) {
	c, err := parseServe(t, nil, "--data", "/tmp/x")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != config.DefaultAddr || c.MaxUploadBytes != 50<<20 || c.ShutdownTimeout != 30*time.Second || c.GCInterval != time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Store.UsesMongo() || c.Store.S3.Enabled() || c.Store.SQLitePath() != "/tmp/x/kho.db" || c.Store.BlobPath() != "/tmp/x/blobs" {
		t.Fatalf("embedded default: %+v", c.Store)
	}

	e := map[string]string{
		"KHO_ADDR": "0.0.0.0:9000", "KHO_DATA": "/env", "KHO_MAX_UPLOAD": "1GB",
		"KHO_MONGO_URI": "mongodb://u:secret@h:27017/", "KHO_S3_ENDPOINT": "h:9000",
		"KHO_S3_ACCESS_KEY": "a", "KHO_S3_SECRET_KEY": "s", "KHO_S3_SECURE": "true",
	}
	c, err = parseServe(t, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.Store.DataDir != "/env" || c.MaxUploadBytes != 1<<30 || !c.Store.S3.Secure || c.Store.MongoDB != "kho" {
		t.Fatalf("from env: %+v", c)
	}
	if c.Store.NeedsDataDir() {
		t.Fatal("mongo+s3 should not need a data dir")
	}
	meta, blobs := c.Store.Describe()
	if meta != "mongodb mongodb://u:xxxxx@h:27017/ db=kho" || blobs != "s3 h:9000/kho" {
		t.Fatalf("describe: %q %q", meta, blobs)
	}

	// Flags win over the environment.
	c, err = parseServe(t, e, "--addr", "127.0.0.1:0", "--data", "/flag", "--max-upload", "2MB", "--s3-secure=false")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:0" || c.Store.DataDir != "/flag" || c.MaxUploadBytes != 2<<20 || c.Store.S3.Secure {
		t.Fatalf("flags must win: %+v", c)
	}
}

func TestServeValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code string
	}{
		{"no data dir", nil, nil, "data_dir_required"},
		{"mongo without s3 still needs data", nil, []string{"--mongo-uri", "mongodb://h/"}, "data_dir_required"},
		{"bad addr", nil, []string{"--data", "d", "--addr", "nope"}, "invalid_addr"},
		{"bad port", nil, []string{"--data", "d", "--addr", "h:70000"}, "invalid_addr"},
		{"bad mongo uri", nil, []string{"--data", "d", "--mongo-uri", "http://h"}, "invalid_mongo_uri"},
		{"bad mongo db", nil, []string{"--data", "d", "--mongo-uri", "mongodb://h/", "--mongo-db", "a b"}, "invalid_mongo_db"},
		{"s3 scheme", nil, []string{"--data", "d", "--s3-endpoint", "http://h:9000", "--s3-access-key", "a", "--s3-secret-key", "s"}, "invalid_s3_endpoint"},
		{"s3 no keys", nil, []string{"--data", "d", "--s3-endpoint", "h:9000"}, "s3_config_incomplete"},
		{"zero upload", nil, []string{"--data", "d", "--max-upload", "0"}, "invalid_max_upload"},
		{"bad env size", map[string]string{"KHO_MAX_UPLOAD": "lots"}, []string{"--data", "d"}, "invalid_size"},
		{"bad env bool", map[string]string{"KHO_S3_SECURE": "maybe"}, []string{"--data", "d"}, "invalid_env"},
		{"negative gc", nil, []string{"--data", "d", "--gc-interval", "-1s"}, "invalid_duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseServe(t, tc.env, tc.args...)
			ke := kerr.Outer(err)
			if ke == nil || ke.Code != tc.code || ke.Message == "" {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestBadSizeFlag(t *testing.T) {
	if _, err := parseServe(t, nil, "--data", "d", "--max-upload", "12XB"); err == nil {
		t.Fatal("a bad --max-upload must fail to parse")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1024": 1024, "50MB": 50 << 20, "50mb": 50 << 20, "50 MB": 50 << 20, "1.5KB": 1536,
		"2MiB": 2 << 20, "1G": 1 << 30, "3gb": 3 << 30, "1TB": 1 << 40, "7B": 7,
	} {
		got, err := config.ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "1XB", "1.2.3MB", "1iB", "99999999999TB"} {
		if _, err := config.ParseSize(in); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("ParseSize(%q): want Invalid, got %v", in, err)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1 KB", 1536: "1.5 KB", 50 << 20: "50 MB", 3 << 30: "3 GB"} {
		if got := config.FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRedactURI(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://h:1/":           "mongodb://h:1/",
		"mongodb://u@h/":           "mongodb://u@h/",
		"mongodb://u:p@h/db?x=a@b": "mongodb://u:xxxxx@h/db?x=a@b",
		"mongodb+srv://u:p:q@h/":   "mongodb+srv://u:xxxxx@h/",
		"not a uri":                "not a uri",
	} {
		if got := config.RedactURI(in); got != want {
			t.Errorf("RedactURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMetadataOnly(t *testing.T) {
	s := config.Store{MongoURI: "mongodb://h/", MongoDB: "kho", MetadataOnly: true}
	if err := s.Validate(); err != nil || s.NeedsDataDir() {
		t.Fatalf("metadata-only on MongoDB needs no data dir: %v", err)
	}
	s.MetadataOnly = false
	if err := s.Validate(); kerr.Outer(err) == nil || kerr.Outer(err).Code != "data_dir_required" {
		t.Fatalf("with blobs it does: %v", err)
	}
	s = config.Store{DataDir: "d", MetadataOnly: true, S3: config.S3{Endpoint: "h:1"}}
	if err := s.Validate(); err != nil {
		t.Fatalf("incomplete S3 settings do not matter without blobs: %v", err)
	}
}

// TestProxyFlags: --conn-limit-exempt and --trusted-proxies take CIDRs
// and single IPs (IPv4-mapped ones read as IPv4), comma-separated and
// repeatable; anything else is refused with invalid_cidr.
func TestProxyFlags(t *testing.T) {
	c, err := parseServe(t, nil, "--data", "/tmp/x", "--trusted-proxies", "10.0.0.5, 10.0.1.0/24", "--trusted-proxies", "::ffff:192.0.2.1",
		"--conn-limit-exempt", "2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32"), netip.MustParsePrefix("10.0.1.0/24"), netip.MustParsePrefix("192.0.2.1/32")}
	if !slices.Equal(c.Limits.TrustedProxies, want) || !slices.Equal(c.Limits.ConnLimitExempt, []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}) {
		t.Fatalf("trusted %v, exempt %v", c.Limits.TrustedProxies, c.Limits.ConnLimitExempt)
	}
	for _, flag := range []string{"--trusted-proxies", "--conn-limit-exempt"} {
		if _, err := parseServe(t, nil, "--data", "/tmp/x", flag, "10.0.0.1,proxy.local"); err == nil || !strings.Contains(err.Error(), "proxy.local") {
			t.Errorf("%s with a host name: %v", flag, err)
		}
	}
}
