package testenv

import (
	"regexp"
	"strings"
	"testing"
)

var validName = regexp.MustCompile(`^[a-z0-9]([a-z0-9]|-[a-z0-9])*$`)

func TestUniqueName(t *testing.T) {
	tests := []struct {
		prefix string
		want   string // expected start of the name
	}{
		{"blobs", "blobs-testuniquename-"},
		{"Kho_Vault!!", "kho-vault-testuniquename-"},
		{"Tài liệu Đất đai", "tai-lieu-dat-dai-"},
		{"", "t-testuniquename-"},
		{"---", "t-testuniquename-"},
		{"xn--bucket", "xn-bucket-"},
		{strings.Repeat("a", 200), strings.Repeat("a", 20) + "-testuniquename-"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		for i := 0; i < 200; i++ {
			name := UniqueName(t, tt.prefix)
			if len(name) < 3 || len(name) > 63 || !validName.MatchString(name) {
				t.Fatalf("UniqueName(%q) = %q: not a valid bucket/database name", tt.prefix, name)
			}
			if !strings.HasPrefix(name, tt.want) {
				t.Fatalf("UniqueName(%q) = %q, want prefix %q", tt.prefix, name, tt.want)
			}
			if seen[name] {
				t.Fatalf("UniqueName(%q) returned %q twice", tt.prefix, name)
			}
			seen[name] = true
		}
	}
}

func TestUniqueNameLongSubtest(t *testing.T) {
	t.Run(strings.Repeat("Một bài kiểm tra rất dài/", 10), func(t *testing.T) {
		name := UniqueName(t, "Mongo DB")
		if len(name) > 63 || !validName.MatchString(name) || !strings.HasPrefix(name, "mongo-db-testuniquenamelongsubtest-mot-bai") {
			t.Fatalf("UniqueName = %q (%d chars)", name, len(name))
		}
	})
}

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvS3Endpoint, "127.0.0.1:9000")
	t.Setenv(EnvS3AccessKey, "ak")
	t.Setenv(EnvS3SecretKey, "sk")
	t.Setenv(EnvMongoURI, "mongodb://127.0.0.1:27017/")
	t.Setenv(EnvGotenbergURL, "http://127.0.0.1:3000/")
	t.Setenv(EnvOIDCIssuer, "http://127.0.0.1:4000/")
	t.Setenv(EnvOIDCClientID, "kho-test")
	t.Setenv(EnvOIDCClientSecret, "s")
	if got, want := OIDCProvider(t), (OIDCProviderServer{"http://127.0.0.1:4000", "kho-test", "s"}); got != want {
		t.Errorf("OIDCProvider = %+v, want %+v", got, want)
	}
	if got, want := S3(t), (S3Config{"127.0.0.1:9000", "ak", "sk"}); got != want {
		t.Errorf("S3 = %+v, want %+v", got, want)
	}
	if got := MongoURI(t); got != "mongodb://127.0.0.1:27017/" {
		t.Errorf("MongoURI = %q", got)
	}
	if got := Gotenberg(t); got != "http://127.0.0.1:3000" {
		t.Errorf("Gotenberg = %q", got)
	}
}
