// Package portal is Kho's HTTP edge: the JSON API under /api/v1 (described
// by api/openapi.yaml), bearer-token authentication, and the one mapping of
// error kinds to HTTP statuses.
//
// The layout follows Miniflux's internal/api: one handler struct (Server),
// one file per action, and one routes file (routes.go) with the standard
// library's method patterns.
package portal

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/internal/statsexport"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// Config holds the portal's limits and timeouts. Zero values take the
// defaults given on each field.
type Config struct {
	// MaxUploadBytes is the largest file accepted and reported to clients
	// (default: the vault's MaxUploadBytes). A larger value than the vault's
	// is lowered to it: the vault refuses bigger files anyway.
	MaxUploadBytes int64
	// MaxJSONBytes bounds JSON request bodies (default 1 MiB).
	MaxJSONBytes int64
	// MaxCatalogBytes bounds a catalogue file posted to /api/v1/catalog
	// (default 8 MiB).
	MaxCatalogBytes int64
	// MaxMetadataBytes bounds an upload's metadata part (default 64 KiB).
	MaxMetadataBytes int64
	// RequestTimeout bounds the work of a JSON request (default 30 s).
	// Uploads and downloads are not bounded by it: they last as long as the
	// bytes take to move.
	RequestTimeout time.Duration
	// ReadHeaderTimeout is a hint for the http.Server that serves the
	// handler (default 10 s); see NewHTTPServer.
	ReadHeaderTimeout time.Duration
	// IdleTimeout is a hint for the http.Server that serves the handler
	// (default 120 s); see NewHTTPServer.
	IdleTimeout time.Duration
	// BodyMinRate is the slowest average pace, in bytes per second, at
	// which a client may send a request body (default 1 KiB/s); time the
	// server spends not reading does not count. See paceBodies.
	BodyMinRate int64
	// BodyIdleTimeout bounds each wait for the next bytes of a request
	// body (default 30 s).
	BodyIdleTimeout time.Duration
	// BodyGrace is the waiting a body may start with before BodyMinRate
	// applies (default: BodyIdleTimeout).
	BodyGrace time.Duration
	// ExposeInternalErrors puts the English detail of internal (500) errors
	// into responses. Off in production: the detail is then only logged,
	// with the request ID.
	ExposeInternalErrors bool
	// Verifier verifies PDFs posted to /api/v1/signing/verify (nil: that
	// endpoint answers 503 verifier_not_configured). The vault verifies
	// stored versions with its own (archive.Config.Verifier).
	Verifier archive.Verifier
	// MaxVerifyBytes bounds a PDF posted to /api/v1/signing/verify
	// (default: MaxUploadBytes).
	MaxVerifyBytes int64
	// Signing holds the server's signing keys for the signing API (nil:
	// the signing endpoints answer 503 signing_not_configured).
	Signing *Signing
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Location is the time zone of "today" for derived statuses (default
	// Asia/Ho_Chi_Minh, UTC+7).
	Location *time.Location
	// Forms holds the published eForm definitions (default: a registry
	// with the shipped definitions, forms/definitions).
	Forms *forms.Registry
	// Drafts keeps the callers' form drafts (nil: the draft endpoints
	// answer 503 drafts_not_configured).
	Drafts *forms.Drafts
	// Calendars keeps the working-time calendars (nil: the calendar
	// endpoints answer 503 calendar_not_configured).
	Calendars *calendar.Service
	// Notifications keeps the callers' in-app notifications (nil: the
	// notification endpoints answer 503 notifications_not_configured).
	Notifications *notify.Service
	// Workflow is the dossier lifecycle: the procedure catalogue with its
	// processes, the staff directory and dossiers (nil: those endpoints
	// answer 503 workflow_not_configured).
	Workflow *workflow.Service
	// EMC is the feed to the national monitoring system EMC, for its
	// admins' API (nil: 503 emc_not_configured) (Reports — EMC feed, st-emc).
	EMC EMCFeed
	// Pages serves every request outside the API (/api/ and /healthz): the
	// web pages (portal/web), with their own headers and error pages. nil:
	// those paths answer the API's JSON 404.
	Pages http.Handler

	// Archive — Paper copies (arc-paper).
	// PaperCopy configures the paper copies of electronic papers
	// (POST …/versions/{n}/paper-copy; nil: 503 paper_copies_not_configured).
	PaperCopy *archive.PaperCopyConfig

	// Archive — Digitisation (arc-digitise).
	// ArchivistKeys are the keys archivists sign digitised papers with, by
	// subject (POST /api/v1/scans/{id}/confirm; none: 503
	// archivist_key_missing).
	ArchivistKeys map[string]archive.ScanKey
	// OCR runs Tesseract on scanned pages (POST /api/v1/scans).
	OCR archive.Tesseract
	// MaxScanBatchBytes bounds the body of a batch of scanned pages
	// (default 1 GiB).
	MaxScanBatchBytes int64

	// Reports — Report templates, saved and periodic reports (st-templates).
	// Reports keeps report templates and their periodic runs (nil: the
	// /api/v1/report-templates and /api/v1/report-runs endpoints answer
	// 503 reports_not_configured).
	Reports *workflow.Reports
	// Reports — Exports and printing (st-export).
	// DossierStats answers GET /api/v1/stats/dossiers/export (nil:
	// Workflow, once it answers DossierStats; else 503).
	DossierStats statsexport.Source
	// ReportPrinter renders the PDF exports (Gotenberg; nil: the built-in
	// convert/basicpdf).
	ReportPrinter convert.Converter
}

// Server is the HTTP API: one handler struct whose methods are the actions.
type Server struct {
	cfg    Config
	vault  *archive.Service
	tokens auth.Store
	log    *slog.Logger
	mux    *http.ServeMux
}

// New returns the API server over the vault, authenticating callers with
// tokens. A nil log discards.
func New(cfg Config, vault *archive.Service, tokens auth.Store, log *slog.Logger) *Server {
	vc := vault.Config()
	if cfg.MaxUploadBytes <= 0 || (vc.MaxUploadBytes > 0 && cfg.MaxUploadBytes > vc.MaxUploadBytes) {
		cfg.MaxUploadBytes = vc.MaxUploadBytes
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 50 << 20
	}
	if cfg.MaxVerifyBytes <= 0 {
		cfg.MaxVerifyBytes = cfg.MaxUploadBytes
	}
	if cfg.MaxJSONBytes <= 0 {
		cfg.MaxJSONBytes = 1 << 20
	}
	if cfg.MaxCatalogBytes <= 0 {
		cfg.MaxCatalogBytes = 8 << 20
	}
	if cfg.MaxMetadataBytes <= 0 {
		cfg.MaxMetadataBytes = 64 << 10
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 120 * time.Second
	}
	if cfg.BodyMinRate <= 0 {
		cfg.BodyMinRate = defaultBodyMinRate
	}
	if cfg.BodyIdleTimeout <= 0 {
		cfg.BodyIdleTimeout = defaultBodyIdleTimeout
	}
	if cfg.BodyGrace <= 0 {
		cfg.BodyGrace = cfg.BodyIdleTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("ICT", 7*3600)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Forms == nil {
		reg, err := forms.NewShippedRegistry()
		if err != nil {
			log.Error("shipped form definitions do not load", "err", err.Error())
			reg = forms.NewRegistry()
		}
		cfg.Forms = reg
	}
	s := &Server{cfg: cfg, vault: vault, tokens: tokens, log: log}
	s.mux = s.routes()
	return s
}

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// Handler returns the HTTP handler of the whole API: request IDs, security
// headers, panic recovery, access logging and authentication around the
// routes.
//
// With Config.Pages, paths outside the API go to the pages instead.
func (s *Server) Handler() http.Handler {
	api := s.middleware(s.mux)
	if s.cfg.Pages == nil {
		return api
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPIPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		markHandled(r)
		s.cfg.Pages.ServeHTTP(w, r)
	})
}

// isAPIPath reports whether path belongs to the JSON API rather than to
// the pages.
func isAPIPath(path string) bool {
	return path == "/healthz" || path == "/api" || strings.HasPrefix(path, "/api/")
}

// maxHeaderBytes bounds a request's line and headers (http.Server adds
// 4 KiB of slack).
const maxHeaderBytes = 64 << 10

// NewHTTPServer returns an http.Server for addr serving Handler with the
// configured header and idle timeouts, and request bodies held to a pace
// (paceBodies: a slow client is dropped, a large upload still streams). It
// sets no WriteTimeout, which would cut long downloads. Serve it on
// Listener(LimitListener(ln, …)): LimitListener caps the connections, and
// Listener, outermost, makes the errors net/http answers itself JSON too
// (its ConnState and ConnContext hooks are set for that).
func (s *Server) NewHTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.paceBodies(s.Handler()),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnState:         connState,
		ConnContext:       connContext,
	}
}

// today is the current day in the configured time zone.
func (s *Server) today() archive.Date {
	return archive.DateOf(s.cfg.Now().In(s.cfg.Location))
}
