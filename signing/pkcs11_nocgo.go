//go:build !cgo

package signing

import (
	"context"

	"github.com/kho-vn/kho/internal/kerr"
)

// PKCS11Key is a KeySource whose private key stays on a PKCS#11 token. This
// build has no cgo, so there is no PKCS#11 support: OpenPKCS11 always fails.
type PKCS11Key struct{ KeySource }

// OpenPKCS11 needs a build with cgo (PKCS#11 modules are C libraries); here
// it always returns kerr Unavailable (pkcs11_unsupported).
func OpenPKCS11(ctx context.Context, cfg PKCS11Config) (*PKCS11Key, error) {
	return nil, kerr.New(kerr.Unavailable, "pkcs11_unsupported", "Bản Kho này được dựng không có cgo nên không dùng được token ký số PKCS#11.", "built with CGO_ENABLED=0")
}

// Close does nothing.
func (k *PKCS11Key) Close() error { return nil }
