package config

import (
	"flag"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// EnvRevocationCache is the environment variable of --revocation-cache.
const EnvRevocationCache = "KHO_REVOCATION_CACHE"

// DefaultRevocationCache is how long `kho serve` reuses a successful check
// of a signer certificate before signing, unless told otherwise.
const DefaultRevocationCache = time.Minute

// MaxRevocationCache bounds --revocation-cache: the freshness tolerance on
// OCSP and CRL times (signing.MaxCacheFor).
const MaxRevocationCache = 5 * time.Minute

// RevocationCache is how long the checks made before signing — the chain
// of the signer certificate and a "good" OCSP answer about it — are reused
// (signing.Checker.CacheFor). A certificate revoked meanwhile is still
// accepted for signing until the cached answer is that old; "revoked"
// answers and failures are never cached, and verification always asks the
// OCSP responder or CRL afresh. Zero turns the cache off.
type RevocationCache struct {
	For time.Duration
	err error
}

// Bind registers --revocation-cache on fs, its default from the environment.
func (r *RevocationCache) Bind(fs *flag.FlagSet, getenv Getenv) {
	r.For = DefaultRevocationCache
	if v := getenv(EnvRevocationCache); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			r.err = kerr.New(kerr.Invalid, "invalid_env", "Biến môi trường không hợp lệ.", "%s=%q: want a duration such as 1m or 0", EnvRevocationCache, v)
		}
		r.For = d
	}
	fs.DurationVar(&r.For, "revocation-cache", r.For, "how long a successful check of a signer certificate (its chain and a \"good\" OCSP answer) is reused before signing, at most 5m; 0 = off. Revoked answers are never cached; verification always asks afresh [$"+EnvRevocationCache+"]")
}

// Validate checks the setting.
func (r *RevocationCache) Validate() error {
	if r.err != nil {
		return r.err
	}
	if r.For < 0 || r.For > MaxRevocationCache {
		return kerr.New(kerr.Invalid, "invalid_revocation_cache",
			"Thời gian ghi nhớ kết quả kiểm tra thu hồi phải từ 0 đến 5 phút.",
			"--revocation-cache %v: want 0 (off) to %v", r.For, MaxRevocationCache)
	}
	return nil
}

// CheckerCacheFor is the value of signing.Checker.CacheFor for the
// setting: the duration, or a negative value (off) for zero.
func (r *RevocationCache) CheckerCacheFor() time.Duration {
	if r.For == 0 {
		return -1
	}
	return r.For
}
