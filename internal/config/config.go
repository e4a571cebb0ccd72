// Package config holds the validated configuration of the kho binary: where
// metadata and blobs live, and how `kho serve` runs. cmd/kho binds flags and
// environment variables to these structs (flags win over the environment),
// calls Validate, and passes the values to constructors. Nothing here is
// global.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Getenv looks up an environment variable ("" when unset); os.Getenv in
// production, a map in tests.
type Getenv func(key string) string

// The environment variables the binary reads. A flag given on the command
// line always wins over its variable.
const (
	EnvAddr        = "KHO_ADDR"
	EnvData        = "KHO_DATA"
	EnvMongoURI    = "KHO_MONGO_URI"
	EnvMongoDB     = "KHO_MONGO_DB"
	EnvS3Endpoint  = "KHO_S3_ENDPOINT"
	EnvS3Bucket    = "KHO_S3_BUCKET"
	EnvS3AccessKey = "KHO_S3_ACCESS_KEY"
	EnvS3SecretKey = "KHO_S3_SECRET_KEY"
	EnvS3Region    = "KHO_S3_REGION"
	EnvS3Secure    = "KHO_S3_SECURE"
	EnvS3Prefix    = "KHO_S3_PREFIX"
	EnvMaxUpload   = "KHO_MAX_UPLOAD"
	EnvCatalog     = "KHO_CATALOG"
	EnvServer      = "KHO_SERVER"
	EnvToken       = "KHO_TOKEN"
)

// Defaults.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultMongoDB         = "kho"
	DefaultS3Bucket        = "kho"
	DefaultMaxUpload       = 50 << 20
	DefaultShutdownTimeout = 30 * time.Second
	DefaultGCInterval      = time.Hour
	DefaultServer          = "http://127.0.0.1:8080"
	// SQLiteFile and BlobDir are the names of the embedded store's file and
	// the local blob folder inside the data directory.
	SQLiteFile = "kho.db"
	BlobDir    = "blobs"
)

// S3 says how to reach an S3 service for blobs.
type S3 struct {
	Endpoint  string // host:port
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	Prefix    string
	Secure    bool // https
}

// Enabled reports whether blobs go to S3.
func (s S3) Enabled() bool { return s.Endpoint != "" }

// Store says where metadata and blobs live. With neither Mongo nor S3 the
// embedded default applies: SQLite at DataDir/kho.db and blobs in
// DataDir/blobs. Either part can be moved out on its own.
type Store struct {
	DataDir  string
	MongoURI string
	MongoDB  string
	S3       S3
	// MetadataOnly says the command needs no blobs (token administration,
	// ledger audit): the blob settings are then ignored, and with MongoDB
	// no data directory is needed.
	MetadataOnly bool

	errs []error // bad environment values found while binding
}

// UsesMongo reports whether metadata goes to MongoDB.
func (s *Store) UsesMongo() bool { return s.MongoURI != "" }

// NeedsDataDir reports whether some part lives in the data directory.
func (s *Store) NeedsDataDir() bool {
	return !s.UsesMongo() || (!s.MetadataOnly && !s.S3.Enabled())
}

// SQLitePath is the embedded metadata file.
func (s *Store) SQLitePath() string { return filepath.Join(s.DataDir, SQLiteFile) }

// BlobPath is the local blob folder.
func (s *Store) BlobPath() string { return filepath.Join(s.DataDir, BlobDir) }

// Describe says in a few words where things live, for logs.
func (s *Store) Describe() (metadata, blobs string) {
	if s.UsesMongo() {
		metadata = "mongodb " + RedactURI(s.MongoURI) + " db=" + s.MongoDB
	} else {
		metadata = "sqlite " + s.SQLitePath()
	}
	if s.S3.Enabled() {
		blobs = "s3 " + s.S3.Endpoint + "/" + s.S3.Bucket
		if s.S3.Prefix != "" {
			blobs += "/" + s.S3.Prefix
		}
	} else {
		blobs = "localfs " + s.BlobPath()
	}
	return metadata, blobs
}

// Bind registers the store flags on fs with defaults taken from the
// environment, so that a flag given on the command line wins.
func (s *Store) Bind(fs *flag.FlagSet, getenv Getenv) {
	fs.StringVar(&s.DataDir, "data", getenv(EnvData), "data `DIR` of the embedded store (sqlite DIR/kho.db, blobs DIR/blobs) [$"+EnvData+"]")
	fs.StringVar(&s.MongoURI, "mongo-uri", getenv(EnvMongoURI), "MongoDB `URI` for metadata instead of sqlite [$"+EnvMongoURI+"]")
	fs.StringVar(&s.MongoDB, "mongo-db", or(getenv(EnvMongoDB), DefaultMongoDB), "MongoDB database `NAME` [$"+EnvMongoDB+"]")
	fs.StringVar(&s.S3.Endpoint, "s3-endpoint", getenv(EnvS3Endpoint), "S3 endpoint `HOST:PORT` for blobs instead of DIR/blobs [$"+EnvS3Endpoint+"]")
	fs.StringVar(&s.S3.Bucket, "s3-bucket", or(getenv(EnvS3Bucket), DefaultS3Bucket), "S3 `BUCKET` (created if missing) [$"+EnvS3Bucket+"]")
	fs.StringVar(&s.S3.AccessKey, "s3-access-key", getenv(EnvS3AccessKey), "S3 access `KEY` [$"+EnvS3AccessKey+"]")
	fs.StringVar(&s.S3.SecretKey, "s3-secret-key", getenv(EnvS3SecretKey), "S3 secret `KEY` (prefer the environment variable) [$"+EnvS3SecretKey+"]")
	fs.StringVar(&s.S3.Region, "s3-region", getenv(EnvS3Region), "S3 `REGION` [$"+EnvS3Region+"]")
	fs.StringVar(&s.S3.Prefix, "s3-prefix", getenv(EnvS3Prefix), "key `PREFIX` inside the S3 bucket [$"+EnvS3Prefix+"]")
	secure, err := envBool(getenv, EnvS3Secure)
	if err != nil {
		s.errs = append(s.errs, err)
	}
	fs.BoolVar(&s.S3.Secure, "s3-secure", secure, "use https for S3 [$"+EnvS3Secure+"]")
}

// Validate checks that the store settings are complete and consistent.
func (s *Store) Validate() error {
	if len(s.errs) > 0 {
		return s.errs[0]
	}
	s.DataDir = strings.TrimSpace(s.DataDir)
	if s.NeedsDataDir() && s.DataDir == "" {
		return kerr.New(kerr.Invalid, "data_dir_required",
			"Cần chỉ rõ thư mục dữ liệu.",
			"pass --data DIR or set %s (or give both --mongo-uri and --s3-endpoint)", EnvData)
	}
	if s.UsesMongo() {
		if !strings.HasPrefix(s.MongoURI, "mongodb://") && !strings.HasPrefix(s.MongoURI, "mongodb+srv://") {
			return kerr.New(kerr.Invalid, "invalid_mongo_uri",
				"Địa chỉ MongoDB không hợp lệ.",
				"--mongo-uri must start with mongodb:// or mongodb+srv://")
		}
		if !validDBName(s.MongoDB) {
			return kerr.New(kerr.Invalid, "invalid_mongo_db",
				"Tên cơ sở dữ liệu MongoDB không hợp lệ.",
				"--mongo-db %q: 1-63 characters, letters, digits, '_' or '-'", s.MongoDB)
		}
	}
	if s.S3.Enabled() && !s.MetadataOnly {
		if _, _, err := net.SplitHostPort(s.S3.Endpoint); err != nil || strings.Contains(s.S3.Endpoint, "/") {
			return kerr.New(kerr.Invalid, "invalid_s3_endpoint",
				"Địa chỉ máy chủ S3 không hợp lệ.",
				"--s3-endpoint %q must be HOST:PORT without a scheme", s.S3.Endpoint)
		}
		if s.S3.Bucket == "" || s.S3.AccessKey == "" || s.S3.SecretKey == "" {
			return kerr.New(kerr.Invalid, "s3_config_incomplete",
				"Thiếu thông tin kết nối S3.",
				"--s3-endpoint needs --s3-bucket, --s3-access-key and --s3-secret-key (or %s, %s)", EnvS3AccessKey, EnvS3SecretKey)
		}
	}
	return nil
}

// Serve is the configuration of `kho serve`.
type Serve struct {
	Addr  string
	Store Store
	// MaxUploadBytes is the largest file accepted.
	MaxUploadBytes int64
	// CatalogFile, if set, is a catalogue JSON file loaded at start-up.
	CatalogFile string
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// GCInterval is how often orphan blobs are collected (0 = never).
	GCInterval time.Duration
	// BlobGrace is how old an unreferenced blob must be to be collected
	// (0 = the vault's default).
	BlobGrace time.Duration
	// Limits protects the server from hostile clients and files.
	Limits Limits

	errs []error
}

// Limits are the serve settings that keep hostile clients and files from
// taking the server down.
type Limits struct {
	// MaxConns caps the connections open at once (0 = no cap).
	MaxConns int
	// MaxConnsPerClient caps the connections open at once from one IP
	// address (0 = no cap).
	MaxConnsPerClient int
	// ConnLimitExempt are the addresses (CIDR or IP, e.g. the load
	// balancer's) MaxConnsPerClient does not apply to.
	ConnLimitExempt []netip.Prefix
	// TrustedProxies are the reverse proxies (CIDR or IP) whose
	// X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// BodyMinRate is the slowest average pace of a request body, in bytes
	// per second.
	BodyMinRate int64
	// BodyIdleTimeout bounds each wait for more bytes of a request body.
	BodyIdleTimeout time.Duration
	// PDFMemory is the memory all PDF parses of the process may be
	// estimated to hold at once (verification, signing).
	PDFMemory int64
	// PDFTime bounds one parse of a PDF.
	PDFTime time.Duration
}

// Defaults of Limits.
const (
	DefaultMaxConns          = 4096
	DefaultMaxConnsPerClient = 128
	DefaultBodyMinRate       = 1 << 10
	DefaultBodyIdleTimeout   = 30 * time.Second
	DefaultPDFMemory         = 1 << 30
	DefaultPDFTime           = 2 * time.Minute
)

// Bind registers the limit flags of `kho serve` on fs.
func (l *Limits) Bind(fs *flag.FlagSet) {
	fs.IntVar(&l.MaxConns, "max-conns", DefaultMaxConns, "most connections open at once; more are answered 503 and closed (0 = no cap)")
	fs.IntVar(&l.MaxConnsPerClient, "max-conns-per-client", DefaultMaxConnsPerClient, "most connections open at once from one IP address (0 = no cap; behind a proxy see --conn-limit-exempt)")
	fs.Func("conn-limit-exempt", "`CIDR`s or IPs, comma-separated, that --max-conns-per-client does not apply to (a load balancer, a proxy)", func(v string) error {
		return addPrefixes(&l.ConnLimitExempt, "conn-limit-exempt", v)
	})
	fs.Func("trusted-proxies", "`CIDR`s or IPs, comma-separated, of the reverse proxies in front of kho serve: from them, the client's address (sign-in throttling, sessions) is read from X-Forwarded-For", func(v string) error {
		return addPrefixes(&l.TrustedProxies, "trusted-proxies", v)
	})
	l.BodyMinRate = DefaultBodyMinRate
	fs.Var((*sizeFlag)(&l.BodyMinRate), "body-min-rate", "slowest average pace of a request body per second, e.g. 1KB; slower clients are dropped")
	fs.DurationVar(&l.BodyIdleTimeout, "body-idle-timeout", DefaultBodyIdleTimeout, "longest wait for the next bytes of a request body")
	l.PDFMemory = DefaultPDFMemory
	fs.Var((*sizeFlag)(&l.PDFMemory), "pdf-memory", "memory all PDF parses (verification, signing) may be estimated to hold at once, e.g. 1GB")
	fs.DurationVar(&l.PDFTime, "pdf-time", DefaultPDFTime, "longest time one PDF parse may take")
}

// Validate checks the limits.
func (l *Limits) Validate() error {
	if l.MaxConns < 0 || l.MaxConnsPerClient < 0 || l.BodyMinRate <= 0 || l.BodyIdleTimeout <= 0 || l.PDFMemory < 1<<20 || l.PDFTime <= 0 {
		return kerr.New(kerr.Invalid, "invalid_limit", "Giới hạn không hợp lệ (số kết nối không được âm; tốc độ, thời gian và bộ nhớ phải lớn hơn 0).",
			"--max-conns and --max-conns-per-client must not be negative; --body-min-rate, --body-idle-timeout and --pdf-time must be positive; --pdf-memory at least 1MB")
	}
	return nil
}

// Bind registers the flags of `kho serve` on fs, defaults from the environment.
func (c *Serve) Bind(fs *flag.FlagSet, getenv Getenv) {
	fs.StringVar(&c.Addr, "addr", or(getenv(EnvAddr), DefaultAddr), "listen address `HOST:PORT` (port 0 = any free port) [$"+EnvAddr+"]")
	c.Store.Bind(fs, getenv)
	c.MaxUploadBytes = DefaultMaxUpload
	if v := getenv(EnvMaxUpload); v != "" {
		n, err := ParseSize(v)
		if err != nil {
			c.errs = append(c.errs, err)
		}
		c.MaxUploadBytes = n
	}
	fs.Var((*sizeFlag)(&c.MaxUploadBytes), "max-upload", "largest accepted file, e.g. 50MB, 1GB [$"+EnvMaxUpload+"]")
	fs.StringVar(&c.CatalogFile, "catalog", getenv(EnvCatalog), "catalogue JSON `FILE` loaded at start-up [$"+EnvCatalog+"]")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", DefaultShutdownTimeout, "how long in-flight requests may run after SIGINT/SIGTERM")
	fs.DurationVar(&c.GCInterval, "gc-interval", DefaultGCInterval, "how often unreferenced blobs are collected (0 = never)")
	fs.DurationVar(&c.BlobGrace, "blob-grace", 0, "minimum age of an unreferenced blob before collection (0 = default 24h)")
	c.Limits.Bind(fs)
}

// Validate checks the serve configuration.
func (c *Serve) Validate() error {
	if len(c.errs) > 0 {
		return c.errs[0]
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return kerr.New(kerr.Invalid, "invalid_addr",
			"Địa chỉ lắng nghe không hợp lệ.",
			"--addr %q must be HOST:PORT", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return kerr.New(kerr.Invalid, "invalid_addr",
			"Địa chỉ lắng nghe không hợp lệ.",
			"--addr %q: port must be 0-65535", c.Addr)
	}
	if err := c.Store.Validate(); err != nil {
		return err
	}
	if c.MaxUploadBytes <= 0 {
		return kerr.New(kerr.Invalid, "invalid_max_upload",
			"Dung lượng tải lên tối đa phải lớn hơn 0.",
			"--max-upload must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		return kerr.New(kerr.Invalid, "invalid_shutdown_timeout",
			"Thời gian chờ tắt máy chủ phải lớn hơn 0.",
			"--shutdown-timeout must be positive")
	}
	if c.GCInterval < 0 || c.BlobGrace < 0 {
		return kerr.New(kerr.Invalid, "invalid_duration",
			"Khoảng thời gian không được âm.",
			"--gc-interval and --blob-grace must not be negative")
	}
	return c.Limits.Validate()
}

// ParseSize parses a byte size such as "50MB", "1.5GB", "512KiB" or "1024".
// Units are binary (1 KB = 1024 bytes), as operators of file limits expect.
func ParseSize(s string) (int64, error) {
	bad := func() (int64, error) {
		return 0, kerr.New(kerr.Invalid, "invalid_size",
			"Dung lượng không hợp lệ (ví dụ: 50MB).",
			"size %q: want a number with an optional unit B, KB, MB, GB, TB", s)
	}
	t := strings.ToUpper(strings.TrimSpace(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if num == "" {
		return bad()
	}
	var mult float64
	switch strings.TrimSuffix(strings.TrimSuffix(unit, "IB"), "B") {
	case "":
		mult = 1
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	case "T":
		mult = 1 << 40
	default:
		return bad()
	}
	if unit == "IB" {
		return bad()
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || f*mult > 1<<62 {
		return bad()
	}
	return int64(f * mult), nil
}

// FormatSize writes n bytes for people: "512 B", "1.5 KB", "50 MB".
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + [...]string{"KB", "MB", "GB", "TB"}[exp]
}

// RedactURI hides the password of a URI for logs.
func RedactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@")
	if at < 0 {
		return uri
	}
	user, _, hasPw := strings.Cut(rest[:at], ":")
	if !hasPw {
		return uri
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

type sizeFlag int64

func (s *sizeFlag) String() string {
	if s == nil {
		return ""
	}
	return FormatSize(int64(*s))
}

func (s *sizeFlag) Set(v string) error {
	n, err := ParseSize(v)
	if err != nil {
		return errors.New("want a size such as 50MB")
	}
	*s = sizeFlag(n)
	return nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func envBool(getenv Getenv, key string) (bool, error) {
	v := getenv(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, kerr.New(kerr.Invalid, "invalid_env",
			"Biến môi trường không hợp lệ.",
			"%s=%q: want true or false", key, v)
	}
	return b, nil
}

func validDBName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// addPrefixes appends to ps the comma-separated CIDRs or IPs of v, the
// value of --flag.
func addPrefixes(ps *[]netip.Prefix, flag, v string) error {
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return kerr.New(kerr.Invalid, "invalid_cidr", "Địa chỉ hoặc dải địa chỉ không hợp lệ.", "--%s %q: %v", flag, part, err)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		*ps = append(*ps, p.Masked())
	}
	return nil
}
