package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
)

// clientFlags are the flags every API client command takes.
type clientFlags struct {
	server string
	token  string
}

func (c *clientFlags) bind(fs *flag.FlagSet, getenv config.Getenv) {
	server := getenv(config.EnvServer)
	if server == "" {
		server = config.DefaultServer
	}
	fs.StringVar(&c.server, "server", server, "base `URL` of the Kho server [$"+config.EnvServer+"]")
	fs.StringVar(&c.token, "token", getenv(config.EnvToken), "API `TOKEN` (from 'kho admin token create') [$"+config.EnvToken+"]")
}

// client returns an API client for the flags, or an Invalid error.
func (c *clientFlags) client() (*apiClient, error) {
	u, err := url.Parse(strings.TrimRight(c.server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kerr.New(kerr.Invalid, "invalid_server_url",
			"Địa chỉ máy chủ không hợp lệ.", "--server %q must be an http:// or https:// URL", c.server)
	}
	if c.token == "" {
		return nil, kerr.New(kerr.Invalid, "token_required",
			"Cần mã truy cập (token).", "pass --token or set %s", config.EnvToken)
	}
	return &apiClient{
		base:  u,
		token: c.token,
		// No overall timeout: downloads and uploads of large files take as
		// long as they take; the caller's context cancels them.
		hc: &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 5 * time.Minute,
			IdleConnTimeout:       30 * time.Second,
		}},
	}, nil
}

// apiClient speaks Kho's JSON API (/api/v1).
type apiClient struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// request builds a request for path (below the base URL) with query q.
func (c *apiClient) request(ctx context.Context, method, path string, q url.Values, body io.Reader) (*http.Request, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "invalid_request", "Không tạo được yêu cầu gửi máy chủ.")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kho-cli")
	return req, nil
}

// do sends req and returns the response when its status is want; otherwise
// it returns the server's error as a *kerr.Error.
func (c *apiClient) do(req *http.Request, want ...int) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, kerr.Wrap(ctxErr, kerr.Unavailable, "interrupted", "Thao tác đã bị hủy.")
		}
		return nil, kerr.Wrap(err, kerr.Unavailable, "server_unreachable",
			"Không kết nối được với máy chủ Kho.")
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return resp, nil
		}
	}
	defer resp.Body.Close()
	return nil, responseError(resp)
}

// getJSON GETs path and decodes the 200 response into v.
func (c *apiClient) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	req, err := c.request(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeJSON(resp.Body, v)
}

func decodeJSON(r io.Reader, v any) error {
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(v); err != nil {
		return kerr.Wrap(err, kerr.Internal, "bad_server_response",
			"Máy chủ trả lời không đúng định dạng.")
	}
	return nil
}

// responseError turns an error response ({"error":{code,message,detail}})
// into a *kerr.Error of the kind its status implies.
func responseError(resp *http.Response) error {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	kind := kerr.KindOfHTTPStatus(resp.StatusCode)
	if err := json.Unmarshal(raw, &body); err == nil && body.Error.Code != "" {
		msg := body.Error.Message
		if msg == "" {
			_, msg = kerr.Public(kerr.New(kind, "", "", ""))
		}
		detail := body.Error.Detail
		if detail == "" {
			detail = "HTTP " + resp.Status
		}
		if id := resp.Header.Get("X-Request-Id"); id != "" {
			detail += " [request " + id + "]"
		}
		return kerr.New(kind, body.Error.Code, msg, "%s", detail)
	}
	_, msg := kerr.Public(kerr.New(kind, "", "", ""))
	text := strings.TrimSpace(string(raw))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return kerr.New(kind, fmt.Sprintf("http_%d", resp.StatusCode), msg, "HTTP %s from %s: %s", resp.Status, resp.Request.URL.Redacted(), text)
}
