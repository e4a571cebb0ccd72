package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// CSCAuthorization is what the signer gives to authorize a signature
// (credentials/authorize): a PIN, an OTP, or both.
type CSCAuthorization struct {
	PIN string
	OTP string
}

// CSCOptions configure a CSC client.
type CSCOptions struct {
	// Authorize returns the PIN and OTP for each credentials/authorize call.
	// StaticAuthorization gives the same ones every time. Nil sends none
	// (a service in implicit mode authorizes by itself).
	Authorize func(ctx context.Context, credentialID string) (CSCAuthorization, error)
	// Timeout bounds each HTTP request (default 30 s) and, in NewCSCClient,
	// each whole signature (twice this).
	Timeout time.Duration
	// HTTPClient sends the requests (default: a client with Timeout).
	HTTPClient *http.Client
}

// StaticAuthorization returns an Authorize callback that always gives pin
// and otp.
func StaticAuthorization(pin, otp string) func(context.Context, string) (CSCAuthorization, error) {
	return func(context.Context, string) (CSCAuthorization, error) {
		return CSCAuthorization{PIN: pin, OTP: otp}, nil
	}
}

// CSC is a RemoteSigner speaking the Cloud Signature Consortium API v2 to
// one credential: credentials/info for the certificate chain, then for each
// signature credentials/authorize (PIN/OTP and the hashes, SCAL 2) and
// signatures/signHash with the SAD it returns.
type CSC struct {
	base, token, credentialID string
	opts                      CSCOptions
	client                    *http.Client

	mu  sync.Mutex
	pub crypto.PublicKey // the credential's key, once Credential has read it
}

var _ RemoteSigner = (*CSC)(nil)

// NewCSC returns a client for credentialID of the CSC service at baseURL,
// the API root (ending in /csc/v2), authenticating with the OAuth 2.0 access
// token (sent as a bearer token). It does no I/O.
func NewCSC(baseURL, token, credentialID string, opts CSCOptions) *CSC {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: opts.Timeout}
	}
	return &CSC{base: strings.TrimRight(baseURL, "/"), token: token, credentialID: credentialID, opts: opts, client: client}
}

// NewCSCClient connects to credentialID of the CSC service at baseURL and
// returns it as a KeySource: NewRemoteKey over NewCSC. Errors are those of
// RemoteSigner.
func NewCSCClient(ctx context.Context, baseURL, token, credentialID string, opts CSCOptions) (*RemoteKey, error) {
	c := NewCSC(baseURL, token, credentialID, opts)
	return NewRemoteKey(ctx, c, 2*c.opts.Timeout)
}

// maxCSCResponse bounds a CSC answer; a chain of certificates is a few kB.
const maxCSCResponse = 1 << 20

// call POSTs req as JSON to method and decodes the answer into resp.
func (c *CSC) call(ctx context.Context, method string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "csc_request_failed", "Không tạo được yêu cầu gửi dịch vụ ký số từ xa.")
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method, bytes.NewReader(body))
	if err != nil {
		return kerr.Wrap(err, kerr.Invalid, "csc_url_invalid", "Địa chỉ dịch vụ ký số từ xa không hợp lệ.")
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+c.token)
	hresp, err := c.client.Do(hreq)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return &kerr.Error{Kind: kerr.Unavailable, Code: "csc_timeout", Message: fmt.Sprintf("Dịch vụ ký số từ xa không trả lời trong %s.", c.opts.Timeout), Detail: method, Err: err}
		}
		return &kerr.Error{Kind: kerr.Unavailable, Code: "csc_unreachable", Message: "Không kết nối được dịch vụ ký số từ xa.", Detail: method, Err: err}
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, maxCSCResponse+1))
	if err != nil {
		if isTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
			return &kerr.Error{Kind: kerr.Unavailable, Code: "csc_timeout", Message: fmt.Sprintf("Dịch vụ ký số từ xa không trả lời trong %s.", c.opts.Timeout), Detail: method, Err: err}
		}
		return &kerr.Error{Kind: kerr.Unavailable, Code: "csc_unreachable", Message: "Mất kết nối với dịch vụ ký số từ xa.", Detail: method, Err: err}
	}
	if len(data) > maxCSCResponse {
		return kerr.New(kerr.Unavailable, "csc_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.", "%s: answer over %d bytes", method, maxCSCResponse)
	}
	if hresp.StatusCode != http.StatusOK {
		return c.httpError(method, hresp.StatusCode, data)
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return &kerr.Error{Kind: kerr.Unavailable, Code: "csc_bad_response", Message: "Dịch vụ ký số từ xa trả lời không hợp lệ.", Detail: method + ": malformed JSON", Err: err}
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// httpError turns a CSC error answer into a kerr error.
func (c *CSC) httpError(method string, status int, data []byte) error {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(data, &e) // a non-JSON error body leaves e empty
	detail := fmt.Sprintf("%s: HTTP %d %s: %s", method, status, e.Error, e.Description)
	switch {
	case status == http.StatusUnauthorized || e.Error == "invalid_token" || e.Error == "expired_token":
		return kerr.New(kerr.Unauthenticated, "csc_unauthorized", "Dịch vụ ký số từ xa từ chối mã truy cập (hết hạn hoặc không đúng); hãy đăng nhập lại dịch vụ.", "%s", detail)
	case e.Error == "invalid_pin":
		return kerr.New(kerr.Invalid, "csc_pin_wrong", "Mã PIN không đúng.", "%s", detail)
	case e.Error == "invalid_otp":
		return kerr.New(kerr.Invalid, "csc_otp_wrong", "Mã OTP không đúng hoặc đã hết hạn.", "%s", detail)
	case status == http.StatusForbidden || e.Error == "access_denied":
		return kerr.New(kerr.Permission, "csc_forbidden", "Dịch vụ ký số từ xa không cho phép ký bằng chứng thư này.", "%s", detail)
	case status == http.StatusTooManyRequests || status >= 500:
		return kerr.New(kerr.Unavailable, "csc_server_error", fmt.Sprintf("Dịch vụ ký số từ xa đang gặp lỗi (HTTP %d); hãy thử lại sau.", status), "%s", detail)
	case method == "credentials/info" && (status == http.StatusNotFound || strings.Contains(e.Description, "credentialID")):
		return kerr.New(kerr.NotFound, "csc_credential_not_found", "Dịch vụ ký số từ xa không có chứng thư "+c.credentialID+".", "%s", detail)
	}
	return kerr.New(kerr.Unavailable, "csc_request_refused", fmt.Sprintf("Dịch vụ ký số từ xa từ chối yêu cầu (HTTP %d).", status), "%s", detail)
}

// Credential reads the certificate chain with credentials/info.
func (c *CSC) Credential(ctx context.Context) (*RemoteCredential, error) {
	var resp struct {
		Key struct {
			Status string `json:"status"`
		} `json:"key"`
		Cert struct {
			Status       string   `json:"status"`
			Certificates []string `json:"certificates"`
		} `json:"cert"`
		AuthMode string `json:"authMode"`
	}
	req := map[string]any{"credentialID": c.credentialID, "certificates": "chain", "certInfo": false, "authInfo": true}
	if err := c.call(ctx, "credentials/info", req, &resp); err != nil {
		return nil, err
	}
	if resp.Key.Status == "disabled" {
		return nil, kerr.New(kerr.Permission, "csc_key_disabled", "Khóa ký của chứng thư "+c.credentialID+" trên dịch vụ ký số từ xa đang bị vô hiệu hóa.", "key status disabled")
	}
	if resp.AuthMode == "oauth2code" {
		return nil, kerr.New(kerr.Invalid, "csc_auth_mode_unsupported", "Chứng thư này cần xác thực OAuth2 cho từng chữ ký, Kho chưa hỗ trợ.", "authMode oauth2code")
	}
	var certs []*x509.Certificate
	for _, b64 := range resp.Cert.Certificates {
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, &kerr.Error{Kind: kerr.Unavailable, Code: "csc_bad_response", Message: "Dịch vụ ký số từ xa trả về chứng thư số không hợp lệ.", Detail: "certificate base64", Err: err}
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &kerr.Error{Kind: kerr.Unavailable, Code: "csc_bad_response", Message: "Dịch vụ ký số từ xa trả về chứng thư số không hợp lệ.", Detail: "certificate DER", Err: err}
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, kerr.New(kerr.Unavailable, "csc_bad_response", "Dịch vụ ký số từ xa không trả về chứng thư số của người ký.", "no certificates in credentials/info")
	}
	c.mu.Lock()
	c.pub = certs[0].PublicKey
	c.mu.Unlock()
	return &RemoteCredential{Certificate: certs[0], Chain: certs[1:]}, nil
}

var cscHashOIDs = map[crypto.Hash]string{crypto.SHA256: "2.16.840.1.101.3.4.2.1", crypto.SHA384: "2.16.840.1.101.3.4.2.2", crypto.SHA512: "2.16.840.1.101.3.4.2.3"}

// cscSignAlgo is the signAlgo OID for the credential's key and hash.
func cscSignAlgo(pub crypto.PublicKey, hash crypto.Hash) string {
	if _, ok := pub.(*ecdsa.PublicKey); ok {
		return map[crypto.Hash]string{crypto.SHA256: "1.2.840.10045.4.3.2", crypto.SHA384: "1.2.840.10045.4.3.3", crypto.SHA512: "1.2.840.10045.4.3.4"}[hash]
	}
	return "1.2.840.113549.1.1.1" // rsaEncryption, with hashAlgorithmOID: PKCS#1 v1.5
}

// SignHash authorizes the digests (credentials/authorize) and signs them
// (signatures/signHash). It needs the credential's key type, so it reads
// credentials/info first when Credential has not been called on c.
func (c *CSC) SignHash(ctx context.Context, hash crypto.Hash, digests [][]byte) ([][]byte, error) {
	hashOID, ok := cscHashOIDs[hash]
	if !ok {
		return nil, kerr.New(kerr.Invalid, "csc_hash_unsupported", "Thuật toán băm không được dịch vụ ký số từ xa hỗ trợ.", "hash %v", hash)
	}
	c.mu.Lock()
	pub := c.pub
	c.mu.Unlock()
	if pub == nil {
		cred, err := c.Credential(ctx)
		if err != nil {
			return nil, err
		}
		pub = cred.Certificate.PublicKey
	}
	hashes := make([]string, len(digests))
	for i, d := range digests {
		hashes[i] = base64.StdEncoding.EncodeToString(d)
	}
	var auth CSCAuthorization
	var err error
	if c.opts.Authorize != nil {
		if auth, err = c.opts.Authorize(ctx, c.credentialID); err != nil {
			return nil, err
		}
	}
	authReq := map[string]any{"credentialID": c.credentialID, "numSignatures": len(digests), "hashes": hashes, "hashAlgorithmOID": hashOID}
	if auth.PIN != "" {
		authReq["PIN"] = auth.PIN
	}
	if auth.OTP != "" {
		authReq["OTP"] = auth.OTP
	}
	var authResp struct {
		SAD string `json:"SAD"`
	}
	if err := c.call(ctx, "credentials/authorize", authReq, &authResp); err != nil {
		return nil, err
	}
	if authResp.SAD == "" {
		return nil, kerr.New(kerr.Unavailable, "csc_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.", "credentials/authorize: no SAD")
	}
	var signResp struct {
		Signatures []string `json:"signatures"`
	}
	signReq := map[string]any{"credentialID": c.credentialID, "SAD": authResp.SAD, "hashes": hashes,
		"hashAlgorithmOID": hashOID, "signAlgo": cscSignAlgo(pub, hash)}
	if err := c.call(ctx, "signatures/signHash", signReq, &signResp); err != nil {
		return nil, err
	}
	if len(signResp.Signatures) != len(digests) {
		return nil, kerr.New(kerr.Unavailable, "csc_bad_response", "Dịch vụ ký số từ xa trả lời không hợp lệ.", "signatures/signHash: %d signatures for %d hashes", len(signResp.Signatures), len(digests))
	}
	sigs := make([][]byte, len(digests))
	for i, s := range signResp.Signatures {
		if sigs[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, &kerr.Error{Kind: kerr.Unavailable, Code: "csc_bad_response", Message: "Dịch vụ ký số từ xa trả lời không hợp lệ.", Detail: "signature base64", Err: err}
		}
	}
	return sigs, nil
}
