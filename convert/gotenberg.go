package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Defaults of GotenbergConfig.
const (
	DefaultTimeout     = 2 * time.Minute
	DefaultMaxPDFBytes = 64 << 20
	dialTimeout        = 5 * time.Second
	// maxErrorBody bounds what is read of a refusal's explanation.
	maxErrorBody = 4 << 10
)

// GotenbergConfig says how to reach a Gotenberg 8 server.
type GotenbergConfig struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:3000 (a user and
	// password in it are sent as HTTP basic authentication, as Gotenberg's
	// --api-enable-basic-auth expects).
	URL string
	// Timeout bounds one conversion from the request to the last byte of
	// the PDF (default DefaultTimeout).
	Timeout time.Duration
	// MaxPDFBytes bounds the size of a PDF read back (default
	// DefaultMaxPDFBytes).
	MaxPDFBytes int64
	// Client is the HTTP client (default: one that dials within 5 s, uses
	// no proxy and follows no redirect).
	Client *http.Client
}

// Gotenberg is the Converter backed by a Gotenberg 8 server: HTML through
// /forms/chromium/convert/html, office files through
// /forms/libreoffice/convert, PDF/A through the pdfa field. The request
// body is streamed (multipart written while it is sent); the answer is
// bounded in time and size.
type Gotenberg struct {
	base        string // without trailing slash
	user, pass  string
	hasAuth     bool
	timeout     time.Duration
	maxPDFBytes int64
	hc          *http.Client
}

var _ Converter = (*Gotenberg)(nil)

// NewGotenberg returns a client of the Gotenberg server of cfg. It does not
// contact the server (see Health).
func NewGotenberg(cfg GotenbergConfig) (*Gotenberg, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, kerr.New(kerr.Invalid, "invalid_gotenberg_url", "Địa chỉ dịch vụ chuyển đổi tệp (Gotenberg) không hợp lệ.",
			"Gotenberg URL %q: want http(s)://HOST:PORT[/ROOT]", redactURL(cfg.URL))
	}
	g := &Gotenberg{timeout: cfg.Timeout, maxPDFBytes: cfg.MaxPDFBytes, hc: cfg.Client}
	if u.User != nil {
		g.user = u.User.Username()
		g.pass, _ = u.User.Password()
		g.hasAuth = true
		u.User = nil
	}
	g.base = strings.TrimRight(u.String(), "/")
	if g.timeout <= 0 {
		g.timeout = DefaultTimeout
	}
	if g.maxPDFBytes <= 0 {
		g.maxPDFBytes = DefaultMaxPDFBytes
	}
	if g.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
		g.hc = &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return g, nil
}

// URL is the server's base URL (without credentials).
func (g *Gotenberg) URL() string { return g.base }

// Health asks the server whether its modules (Chromium, LibreOffice) are up.
// It returns nil, or an Unavailable error.
func (g *Gotenberg) Health(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, min(g.timeout, 10*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+"/health", nil)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "converter_request", msgUnavailable)
	}
	g.auth(req)
	resp, err := g.hc.Do(req)
	if err != nil {
		return g.unreachable(ctx, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"status":"up"`)) {
		return kerr.New(kerr.Unavailable, "converter_unhealthy", msgUnavailable,
			"Gotenberg %s/health: %s %q", g.base, resp.Status, body)
	}
	return nil
}

// HTMLToPDF implements Converter: an A4 page (or the page of the HTML's
// own CSS @page rule) printed by Chromium with its backgrounds. A file the
// page refers to and was not sent fails the conversion (Invalid).
func (g *Gotenberg) HTMLToPDF(ctx context.Context, html []byte, assets map[string][]byte, opts Options) (io.ReadCloser, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(assets))
	for name := range assets {
		if err := checkAssetName(name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	m := DefaultMargins
	if opts.Margins != nil {
		m = *opts.Margins
	}
	fields := [][2]string{
		{"paperWidth", "210mm"}, {"paperHeight", "297mm"},
		{"marginTop", mm(m.Top)}, {"marginRight", mm(m.Right)}, {"marginBottom", mm(m.Bottom)}, {"marginLeft", mm(m.Left)},
		{"preferCssPageSize", "true"},
		{"printBackground", "true"},
		{"failOnResourceLoadingFailed", "true"},
		{"failOnConsoleExceptions", "true"},
	}
	if opts.Landscape {
		fields = append(fields, [2]string{"landscape", "true"})
	}
	if opts.PDFA != PDFANone {
		fields = append(fields, [2]string{"pdfa", string(opts.PDFA)})
	}
	return g.post(ctx, "/forms/chromium/convert/html", func(w *multipart.Writer) error {
		if err := writeFile(w, "index.html", bytes.NewReader(html)); err != nil {
			return err
		}
		for _, name := range names {
			if err := writeFile(w, name, bytes.NewReader(assets[name])); err != nil {
				return err
			}
		}
		return writeFields(w, fields)
	})
}

// OfficeToPDF implements Converter. The file is streamed to the server as
// it is read from r; it is sent under a fixed name with name's extension.
func (g *Gotenberg) OfficeToPDF(ctx context.Context, name string, r io.Reader, opts Options) (io.ReadCloser, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	ext, err := officeExt(name)
	if err != nil {
		return nil, err
	}
	var fields [][2]string
	if opts.Landscape {
		fields = append(fields, [2]string{"landscape", "true"})
	}
	if opts.PDFA != PDFANone {
		fields = append(fields, [2]string{"pdfa", string(opts.PDFA)})
	}
	return g.post(ctx, "/forms/libreoffice/convert", func(w *multipart.Writer) error {
		if err := writeFields(w, fields); err != nil {
			return err
		}
		return writeFile(w, "document"+ext, r)
	})
}

// The Vietnamese messages of the converter's errors.
const (
	msgUnavailable = "Dịch vụ chuyển đổi tệp tạm thời không khả dụng, vui lòng thử lại sau."
	msgTimeout     = "Chuyển đổi tệp quá thời gian cho phép, vui lòng thử lại sau."
	msgBusy        = "Dịch vụ chuyển đổi tệp đang quá tải, vui lòng thử lại sau."
	msgRefused     = "Không chuyển đổi được tệp sang PDF: tệp bị hỏng, dùng định dạng hoặc nội dung không được hỗ trợ."
	msgTooLarge    = "Tệp PDF sau chuyển đổi vượt quá dung lượng cho phép."
	msgBadAnswer   = "Dịch vụ chuyển đổi tệp trả về kết quả không hợp lệ."
	msgFailed      = "Không chuyển đổi được tệp sang PDF: tệp có thể bị hỏng, hoặc dịch vụ chuyển đổi đang gặp sự cố; vui lòng kiểm tra tệp rồi thử lại."
)

// writeFile adds a file part named files (Gotenberg's field for inputs).
func writeFile(w *multipart.Writer, name string, r io.Reader) error {
	part, err := w.CreateFormFile("files", name)
	if err != nil {
		return err
	}
	_, err = io.Copy(part, r)
	return err
}

func writeFields(w *multipart.Writer, fields [][2]string) error {
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// errSource marks an error of the caller's document reader, to tell it
// from a network error.
type errSource struct{ err error }

func (e *errSource) Error() string { return e.err.Error() }
func (e *errSource) Unwrap() error { return e.err }

// post sends a multipart form written by write while it is sent, and
// returns the PDF of a 200 answer.
func (g *Gotenberg) post(ctx context.Context, route string, write func(*multipart.Writer) error) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var srcErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		err := write(mw)
		if err == nil {
			err = mw.Close()
		}
		if err != nil && !errors.Is(err, io.ErrClosedPipe) {
			srcErr = err
			err = &errSource{err}
		}
		pw.CloseWithError(err)
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+route, pr)
	if err != nil {
		cancel()
		pr.Close()
		wg.Wait()
		return nil, kerr.Wrap(err, kerr.Internal, "converter_request", msgUnavailable)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	g.auth(req)
	resp, err := g.hc.Do(req)
	pr.Close() // the writer stops if the body was not all sent
	wg.Wait()
	if err != nil {
		err = g.unreachable(ctx, err)
		cancel()
		if srcErr != nil {
			return nil, fmt.Errorf("convert: reading the document: %w", srcErr)
		}
		return nil, err
	}
	trace := resp.Header.Get("Gotenberg-Trace")
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, g.refusal(route, resp.StatusCode, strings.TrimSpace(string(msg)), trace)
	}
	if resp.ContentLength > g.maxPDFBytes {
		resp.Body.Close()
		cancel()
		return nil, kerr.New(kerr.TooLarge, "conversion_too_large", msgTooLarge,
			"Gotenberg %s: PDF of %d bytes, over the limit of %d (trace %s)", route, resp.ContentLength, g.maxPDFBytes, trace)
	}
	body := &pdfBody{rc: resp.Body, ctx: ctx, cancel: cancel, left: g.maxPDFBytes, limit: g.maxPDFBytes, route: route, trace: trace}
	// The answer must be a PDF: read its first bytes now.
	head := make([]byte, 5)
	if _, err := io.ReadFull(body, head); err != nil || string(head) != "%PDF-" {
		body.Close()
		if ke := kerr.Outer(err); ke != nil {
			return nil, err
		}
		return nil, kerr.New(kerr.Unavailable, "converter_bad_answer", msgBadAnswer,
			"Gotenberg %s: answer is not a PDF (starts %q, %v; trace %s)", route, head, err, trace)
	}
	return &headBody{head: head, pdfBody: body}, nil
}

func (g *Gotenberg) auth(req *http.Request) {
	if g.hasAuth {
		req.SetBasicAuth(g.user, g.pass)
	}
}

// unreachable classifies an error of a request that got no answer.
func (g *Gotenberg) unreachable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return kerr.Wrap(err, kerr.Unavailable, "converter_timeout", msgTimeout)
	}
	return &kerr.Error{Kind: kerr.Unavailable, Code: "converter_unavailable", Message: msgUnavailable,
		Detail: "Gotenberg at " + g.base + " cannot be reached", Err: err}
}

// refusal maps a non-200 answer of Gotenberg to an error.
func (g *Gotenberg) refusal(route string, status int, msg, trace string) error {
	detail := fmt.Sprintf("Gotenberg %s: %d %s: %q (trace %s)", route, status, http.StatusText(status), msg, trace)
	switch {
	case status == http.StatusBadRequest || status == http.StatusConflict:
		// 409: Chromium could not render the page as it is (a file it
		// refers to is missing, a script fails).
		return kerr.New(kerr.Invalid, "conversion_refused", msgRefused, "%s", detail)
	case status == http.StatusRequestEntityTooLarge:
		return kerr.New(kerr.TooLarge, "conversion_input_too_large", "Tệp cần chuyển đổi vượt quá dung lượng dịch vụ chuyển đổi chấp nhận.", "%s", detail)
	case status == http.StatusTooManyRequests:
		return kerr.New(kerr.Unavailable, "converter_busy", msgBusy, "%s", detail)
	case status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return kerr.New(kerr.Unavailable, "converter_timeout", msgTimeout, "%s", detail)
	case status >= 500:
		// Gotenberg cannot tell a damaged office file from LibreOffice
		// failing (its issue 1588): both come back 500.
		return kerr.New(kerr.Unavailable, "converter_failed", msgFailed, "%s", detail)
	}
	// 401, 404…: Kho is not configured for this server.
	return kerr.New(kerr.Internal, "converter_misconfigured", msgUnavailable, "%s (check --gotenberg-url)", detail)
}

// pdfBody is the PDF of an answer, bounded in size; its reads fail past
// the limit, and when the conversion's time is up.
type pdfBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelFunc
	left   int64
	limit  int64
	route  string
	trace  string
	err    error
}

func (b *pdfBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		// One byte past the limit: the PDF is too large. The bytes up to
		// the limit are given; the next read fails too.
		n = int(b.left)
		b.err = kerr.New(kerr.TooLarge, "conversion_too_large", msgTooLarge,
			"Gotenberg %s: PDF over the limit of %d bytes (trace %s)", b.route, b.limit, b.trace)
		b.left = 0
		return n, b.err
	}
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		if b.ctx.Err() != nil {
			err = kerr.Wrap(err, kerr.Unavailable, "converter_timeout", msgTimeout)
		} else {
			err = kerr.Wrap(err, kerr.Unavailable, "converter_cut_off", msgUnavailable)
		}
		b.err = err
	}
	return n, err
}

func (b *pdfBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// headBody gives back the bytes read to check the answer, then the rest.
type headBody struct {
	head []byte
	*pdfBody
}

func (b *headBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	return b.pdfBody.Read(p)
}

// redactURL hides a password in a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// String describes the client for logs.
func (g *Gotenberg) String() string {
	return "gotenberg " + g.base + " (timeout " + g.timeout.String() + ", max PDF " + strconv.FormatInt(g.maxPDFBytes>>20, 10) + " MB)"
}

// NewConverter returns the Converter of cfg: a Gotenberg client, or nil
// (and no error) when cfg.URL is empty — no converter is configured, and
// the features that need one answer 503 converter_unavailable.
func NewConverter(cfg GotenbergConfig) (Converter, error) {
	if strings.TrimSpace(cfg.URL) == "" {
		return nil, nil
	}
	g, err := NewGotenberg(cfg)
	if err != nil {
		return nil, err
	}
	return g, nil
}
