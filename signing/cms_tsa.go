package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/kho-vn/kho/internal/kerr"
)

// maxTSAResponse bounds a time-stamp response read from a TSA.
const maxTSAResponse = 1 << 20

// requestTimestamp asks the RFC 3161 TSA at url for a time-stamp token over
// the SHA-256 digest of data (a signature value) and returns the token (a
// CMS ContentInfo). The response's signature, imprint and nonce are checked.
// Failures are kerr Unavailable tsa_unavailable.
func requestTimestamp(ctx context.Context, url string, timeout time.Duration, data []byte) ([]byte, error) {
	digest := sha256.Sum256(data)
	return requestTimestampDigest(ctx, url, timeout, digest[:])
}

// requestTimestampDigest is requestTimestamp for an already computed
// SHA-256 digest (a document time-stamp's imprint over byte ranges).
func requestTimestampDigest(ctx context.Context, url string, timeout time.Duration, digest []byte) ([]byte, error) {
	fail := func(err error) error {
		if ctx.Err() != nil {
			return kerr.Wrap(ctx.Err(), kerr.Unavailable, "signing_cancelled", "Việc ký đã bị hủy.")
		}
		return kerr.Wrap(err, kerr.Unavailable, "tsa_unavailable", "Máy chủ cấp dấu thời gian (TSA) không trả lời hợp lệ; chưa ký, vui lòng thử lại sau.")
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, fail(err)
	}
	req := timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return nil, fail(err)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(tctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fail(err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail(fmt.Errorf("TSA answered HTTP %s", resp.Status))
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	if err != nil {
		return nil, fail(err)
	}
	if len(raw) > maxTSAResponse {
		return nil, fail(fmt.Errorf("TSA response over %d bytes", maxTSAResponse))
	}
	ts, err := timestamp.ParseResponse(raw) // checks the TSA's signature when it sends its certificate
	if err != nil {
		return nil, fail(err)
	}
	switch {
	case len(ts.Certificates) == 0:
		err = errors.New("the response has no TSA certificate")
	case ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, digest):
		err = errors.New("the response's message imprint is not the one requested")
	case ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0:
		err = errors.New("the response's nonce is not the one sent")
	}
	if err != nil {
		return nil, fail(err)
	}
	return ts.RawToken, nil
}
