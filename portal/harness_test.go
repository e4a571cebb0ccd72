package portal_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/kho-vn/kho/api"
	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// The owners of the test vaults: two citizens with valid identity numbers.
const (
	ownerA = "001099012345"
	ownerB = "079088000123"
)

// env is a real API server over a real vault: sqlite metadata and local
// filesystem blobs in temporary directories.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	server  *portal.Server
	vault   *archive.Service
	store   *sqlite.Store
	wf      *workflow.Service
	blobDir string
	client  *http.Client
	logs    *logSink

	admin, staff, citizenA, citizenB string
	// issuer and issuerB are staff of two agencies (Token.Agency): they
	// issue, revoke and supersede papers in their agency's name.
	issuer, issuerB string
}

// The agencies of the issuer tokens.
const (
	agencyA = "000.00.31.H29"
	agencyB = "000.00.32.H29"
)

type envOptions struct {
	vault  archive.Config
	portal portal.Config
	// blobs, when set, wraps the bucket the vault reads and writes.
	blobs func(*storage.Bucket) archive.Blobs
	// printer prints the dossiers' slips (none: converter_unavailable).
	printer workflow.Printer
	// results, when set, gives the workflow's Results over the vault.
	results func(*archive.Service) *workflow.Results
}

// newEnv starts the server with the default catalogue loaded and tokens for
// an admin, a staff member and citizens A and B.
func newEnv(t *testing.T, opts ...func(*envOptions)) *env {
	t.Helper()
	var o envOptions
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	blobDir := filepath.Join(dir, "blobs")
	drv, err := localfs.New(blobDir)
	if err != nil {
		t.Fatalf("localfs: %v", err)
	}
	bucket := storage.NewBucket(drv)
	t.Cleanup(func() { bucket.Close() })
	logs := &logSink{}
	log := slog.New(logs)
	var blobs archive.Blobs = bucket
	if o.blobs != nil {
		blobs = o.blobs(bucket)
	}
	vault := archive.New(store, blobs, o.vault, log, nil)
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, _, err := vault.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatalf("load catalogue: %v", err)
	}
	if o.portal.Forms == nil {
		if o.portal.Forms, err = forms.NewShippedRegistry(); err != nil {
			t.Fatal(err)
		}
		o.portal.Forms.SetStore(store)
	}
	if o.portal.Workflow == nil {
		var results *workflow.Results
		if o.results != nil {
			results = o.results(vault)
		}
		o.portal.Workflow = workflow.New(workflow.Config{Store: store, Vault: vault, Forms: o.portal.Forms, Printer: o.printer, Log: log, Results: results})
		if _, err := o.portal.Workflow.LoadCatalog(ctx, admin, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
			t.Fatalf("load the workflow catalogue: %v", err)
		}
	}
	if o.portal.Drafts == nil {
		key := make([]byte, forms.DraftKeySize)
		_, _ = rand.Read(key)
		if o.portal.Drafts, err = forms.NewDrafts(store, key, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	if o.portal.Calendars == nil {
		o.portal.Calendars = calendar.NewService(store)
	}
	if o.portal.Notifications == nil {
		o.portal.Notifications = notify.New(notify.Config{Store: store, Log: log})
	}
	// Reports — Report templates, saved and periodic reports (st-templates).
	if o.portal.Reports == nil {
		o.portal.Reports = workflow.NewReports(workflow.ReportsConfig{Store: store, Outbox: o.portal.Notifications})
	}
	s := portal.New(o.portal, vault, store, log)
	// Served as kho serve serves it: its http.Server on its Listener.
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = s.NewHTTPServer("")
	srv.Listener = s.Listener(srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, server: s, vault: vault, store: store, blobDir: blobDir, logs: logs, wf: o.portal.Workflow}
	e.client = &http.Client{Transport: &checkingTransport{t: t, v: specValidator(t), base: srv.Client().Transport}}
	e.admin = e.token("quantri", archive.RoleAdmin, time.Time{})
	e.staff = e.token("canbo01", archive.RoleStaff, time.Time{})
	e.citizenA = e.token(ownerA, archive.RoleCitizen, time.Time{})
	e.citizenB = e.token(ownerB, archive.RoleCitizen, time.Time{})
	e.issuer = e.agencyToken("canbo.ubnd", agencyA)
	e.issuerB = e.agencyToken("canbo.dakao", agencyB)
	return e
}

// agencyToken stores a new staff token acting for agency and returns its secret.
func (e *env) agencyToken(subject, agency string) string {
	e.t.Helper()
	secret, tok, err := auth.Generate(subject, archive.RoleStaff, "test", time.Now())
	if err == nil {
		tok, err = tok.ForAgency(agency)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.CreateToken(context.Background(), tok); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// token stores a new token and returns its secret.
func (e *env) token(subject string, role archive.Role, expires time.Time) string {
	e.t.Helper()
	secret, tok, err := auth.Generate(subject, role, "test", time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	tok.ExpiresAt = expires
	if err := e.store.CreateToken(context.Background(), tok); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

var (
	specOnce sync.Once
	specDoc  libopenapi.Document
	specErr  error
)

func specValidator(t *testing.T) validator.Validator {
	t.Helper()
	specOnce.Do(func() { specDoc, specErr = libopenapi.NewDocument([]byte(api.OpenAPI())) })
	if specErr != nil {
		t.Fatal(specErr)
	}
	v, errs := validator.NewValidator(specDoc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	return v
}

// expectation says what the OpenAPI validator must make of a request.
type expectation int

const (
	specValid   expectation = iota // the request must conform to api/openapi.yaml
	specInvalid                    // the request must NOT conform: the spec itself forbids it
	specSkip                       // the request is outside the spec (unknown route or method)
)

type expectKey struct{}

// checkingTransport validates every request and response against
// api/openapi.yaml and checks the headers every response must carry.
type checkingTransport struct {
	t    *testing.T
	v    validator.Validator
	base http.RoundTripper
	mu   sync.Mutex
}

func (c *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	exp, _ := req.Context().Value(expectKey{}).(expectation)
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	clone := func() *http.Request {
		r := req.Clone(req.Context())
		if req.Body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		return r
	}
	what := req.Method + " " + req.URL.RequestURI()
	if exp != specSkip {
		c.mu.Lock() // the validator's caches are shared
		ok, errs := c.v.ValidateHttpRequestSync(clone())
		c.mu.Unlock()
		switch {
		case exp == specValid && !ok:
			for _, e := range errs {
				c.t.Errorf("%s: request does not match openapi.yaml: %v", what, e)
			}
		case exp == specInvalid && ok:
			c.t.Errorf("%s: request should break openapi.yaml but the validator accepts it", what)
		}
	}
	resp, err := c.base.RoundTrip(clone())
	if err != nil {
		return nil, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if exp != specSkip {
		vr := *resp
		vr.Body = io.NopCloser(bytes.NewReader(rb))
		c.mu.Lock()
		ok, errs := c.v.ValidateHttpResponse(clone(), &vr)
		c.mu.Unlock()
		if !ok {
			for _, e := range errs {
				c.t.Errorf("%s → %d: response does not match openapi.yaml: %v\n%s", what, resp.StatusCode, e, truncate(rb))
			}
		}
	}
	h := resp.Header
	if h.Get("X-Request-Id") == "" {
		c.t.Errorf("%s → %d: no X-Request-Id", what, resp.StatusCode)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		c.t.Errorf("%s → %d: security headers missing: %v", what, resp.StatusCode, h)
	}
	if ct := h.Get("Content-Type"); strings.Contains(ct, "json") && ct != "application/json; charset=utf-8" {
		c.t.Errorf("%s → %d: JSON with Content-Type %q", what, resp.StatusCode, ct)
	}
	// Every error is the JSON error body (a HEAD answer has no body).
	if resp.StatusCode >= 400 && req.Method != http.MethodHead {
		checkErrorBody(c.t, what, resp.StatusCode, rb)
	}
	return resp, nil
}

// checkErrorBody checks the shape every error has: a stable code and a
// Vietnamese message.
func checkErrorBody(t *testing.T, what string, status int, b []byte) {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error.Code == "" {
		t.Errorf("%s → %d: not a JSON error body: %s", what, status, truncate(b))
		return
	}
	if !vietnamese(eb.Error.Message) {
		t.Errorf("%s → %d: message %q is not Vietnamese", what, status, eb.Error.Message)
	}
}

// vietnamese reports whether s has a letter only Vietnamese uses here: a
// non-ASCII Latin letter (ế, ả, đ, …).
func vietnamese(s string) bool {
	for _, r := range s {
		if r > 0x7f && unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Detail    string `json:"detail"`
		RequestID string `json:"requestId"`
	} `json:"error"`
}

// call is one request.
type call struct {
	method, path string
	token        string
	body         []byte
	contentType  string
	header       map[string]string
	expect       expectation
	chunked      bool // send the body without Content-Length
}

// result is a response, read whole.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(c call) result {
	e.t.Helper()
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	ctx := context.WithValue(context.Background(), expectKey{}, c.expect)
	req, err := http.NewRequestWithContext(ctx, c.method, e.srv.URL+c.path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if c.chunked {
		req.ContentLength = -1
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// json decodes the body into v.
func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", truncate(r.body), err)
	}
}

func (r result) code(t *testing.T) string {
	t.Helper()
	var eb errorBody
	_ = json.Unmarshal(r.body, &eb)
	return eb.Error.Code
}

// want checks the status (and, for errors, the code).
func (r result) want(t *testing.T, status int, code string) result {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, truncate(r.body))
	}
	if code != "" {
		if got := r.code(t); got != code {
			t.Fatalf("code %q, want %q: %s", got, code, truncate(r.body))
		}
	}
	return r
}

// logSink is a slog.Handler that keeps the records and lets tests wait for
// the access-log line of a request.
type logSink struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	return nil
}
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logSink) WithGroup(string) slog.Handler      { return l }

// find returns the attributes of records with message msg.
func (l *logSink) find(msg string) []map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]string
	for _, r := range l.records {
		if r.Message != msg {
			continue
		}
		m := map[string]string{}
		r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
		out = append(out, m)
	}
	return out
}

// waitRequest waits until the access log has a line for method and path.
func (l *logSink) waitRequest(t *testing.T, method, path string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range l.find("request") {
			if m["method"] == method && m["path"] == path {
				return m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no access-log line for %s %s", method, path)
	return nil
}
