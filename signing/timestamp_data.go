package signing

import (
	"context"
	"time"
)

// TimestampData asks the RFC 3161 TSA at url for a time-stamp token over
// the SHA-256 digest of data, each request bounded by timeout, and returns
// the token (a CMS ContentInfo) after checking the response's signature,
// imprint and nonce. The vault time-stamps its ledger checkpoints with it.
// Failures are kerr Unavailable "tsa_unavailable".
func TimestampData(ctx context.Context, url string, timeout time.Duration, data []byte) ([]byte, error) {
	return requestTimestamp(ctx, url, timeout, data)
}
