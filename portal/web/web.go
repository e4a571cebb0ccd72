package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/oidc"
	"github.com/kho-vn/kho/portal/internal/edge"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// Body is the agency that runs the portal, shown in the header and the
// footer as the 2023 circular's appendix III asks (items 1 and 8): the
// portal's full name beside the emblem, the owning agency, its address,
// support line and e-mail, and the licence line.
type Body struct {
	// PortalName is the portal's full name in the header (default
	// "Kho dữ liệu điện tử của tổ chức, cá nhân").
	PortalName string
	// Agency is the owning agency (cơ quan chủ quản).
	Agency string
	// Address is the agency's address.
	Address string
	// Phone is the support line (tổng đài hỗ trợ).
	Phone string
	// Email is the agency's e-mail.
	Email string
	// Licence is the licence line (giấy phép …); "" shows none.
	Licence string
}

// DefaultBody is the footer of a portal whose operator configured none.
var DefaultBody = Body{
	PortalName: "Kho dữ liệu điện tử của tổ chức, cá nhân",
	Agency:     "Cơ quan chủ quản: chưa cấu hình (kho serve --web-agency)",
	Address:    "Chưa cấu hình địa chỉ (kho serve --web-address)",
	Phone:      "",
	Email:      "",
}

// Config holds what the pages need. Nil services turn their pages into a
// Vietnamese "not available" answer (503), never a crash.
type Config struct {
	// Body is the agency shown in the header and footer; empty fields take
	// DefaultBody's.
	Body Body
	// Vault is the vault (the verifier's status of issued papers).
	Vault *archive.Service
	// Workflow is the dossier lifecycle (public lookup, results).
	Workflow *workflow.Service
	// Verifier verifies uploaded PDFs (nil: the verifier page says it is
	// not configured).
	Verifier archive.Verifier
	// MaxVerifyBytes bounds a PDF uploaded to the verifier (default 50 MiB).
	MaxVerifyBytes int64
	// RequestTimeout bounds a page's work (default 30 s).
	RequestTimeout time.Duration
	// Identify tells who is signed in, for the header ("Đăng nhập" or the
	// person's name); nil: nobody is. portal/auth's session middleware
	// plugs in here.
	Identify func(*http.Request) (archive.Actor, bool)
	// Challenge checks the anti-spam challenge of a public form (the
	// verifier's upload) before any work is done; nil: no challenge.
	// portal/auth's public-form challenge plugs in here. Its error is a
	// kerr error shown as the page's error.
	Challenge func(*http.Request) error
	// CSRF guards the POST forms (nil: Auth's sessions when Auth is set,
	// else no check and an empty token).
	CSRF CSRF
	// Auth is the sign-in service: with it the pages are served through
	// its session middleware, Identify and CSRF default to its session,
	// and the sign-in, sign-out and sessions pages work (nil: they answer
	// 503).
	Auth *auth.Service
	// OIDC is the OpenID Connect provider (as VNeID) the sign-in page
	// offers beside the password (nil: none). It needs Auth.
	OIDC *oidc.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (sign-in throttling, the sessions list); from anyone else
	// the peer's address is the client's.
	TrustedProxies []netip.Prefix

	// Citizen dossiers (web-dossier, web-follow).
	// Drafts keep a dossier's eForm that does not validate yet as its
	// applicant's draft, shown again on the draft page until it is stored
	// in the dossier (nil: what was typed is shown once and then lost).
	Drafts *forms.Drafts

	// Sharing, storage and renditions (web-share).

	// Converter renders an office version (.doc, .docx, .xls, .xlsx, .rtf)
	// to PDF so that it shows in the browser (nil: the page offers the
	// file as a download only). Gotenberg's client (convert.Gotenberg).
	Converter convert.Converter
	// MaxRenditionBytes bounds the office file sent to the converter
	// (default 20 MiB): a larger one is offered as a download only.
	MaxRenditionBytes int64
	// RenditionTimeout bounds one conversion (default 20 s).
	RenditionTimeout time.Duration
	// RenditionCacheBytes bounds the in-process cache of renditions, keyed
	// by the version's hash (default 64 MiB).
	RenditionCacheBytes int64

	// Staff signing and digitising (web-sign).
	// MaxScanBytes bounds the body of a scan digitised for a citizen
	// (default 100 MiB; the vault's upload limit applies too).
	MaxScanBytes int64

	// Administration (web-admin).
	// Forms are the published eForm definitions the admin pages list and
	// publish to (nil: those pages answer 503).
	Forms *forms.Registry
	// Calendars are the working-time calendars whose holidays the admin
	// pages edit (nil: that page answers 503).
	Calendars *calendar.Service

	// Archive — Paper copies (arc-paper).
	// PaperCopies prints paper copies of electronic papers and answers
	// their public verification (nil: the page answers 503, and the
	// verifier's ?ban-sao= link that nothing is found).
	PaperCopies *archive.PaperCopier

	// Archive — Digitisation (arc-digitise).
	// ArchivistKeys are the keys archivists sign digitised papers with as
	// certified electronic copies, by the archivist's subject (none: the
	// review page says so and confirming answers 503).
	ArchivistKeys map[string]archive.ScanKey
	// OCR runs Tesseract on scanned pages.
	OCR archive.Tesseract
	// MaxScanBatchBytes bounds the body of a batch of scanned pages
	// (default 1 GiB).
	MaxScanBatchBytes int64

	// Reports — Report templates, saved and periodic reports (st-templates).
	// Reports keeps report templates and their periodic runs (nil: the
	// pages under PathReportTemplates answer 503).
	Reports *workflow.Reports
	// Reports — Charts, leaders' dashboard, public statistics (st-dash).
	// Stats answers the statistics of the dashboard and the public page
	// (nil: Workflow, when it answers them; else those pages answer 503).
	Stats StatsSource
	// PublicStatsTTL is how long the public page keeps an answer in
	// memory (default DefaultPublicStatsTTL; negative: not kept).
	PublicStatsTTL time.Duration
	// Reports — EMC feed (st-emc).
	// EMC is the feed to the national monitoring system EMC, for its
	// admins' page (nil: the page answers 503).
	EMC EMCFeed
	// Reports — Exports and printing (st-export).
	// DossierStats answers the dossier statistics page and its exports
	// (nil: Workflow, once it answers DossierStats).
	DossierStats DossierStatsSource
}

// Actor is who is signed in, as the vault knows callers.
type Actor = archive.Actor

// Handler serves the pages: one handler struct whose methods are the pages.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	assets *assets
	pages  *pages
	mux    *http.ServeMux
	// inner is mux behind Auth's middleware when there is one.
	inner http.Handler
	// renditions caches office files' PDF renditions (web-share).
	renditions renditionCache
	// publicStats caches the public statistics page's answers (st-dash).
	statsCache *publicStatsCache
}

// New parses the embedded templates and hashes the assets. A nil log
// discards. It fails only if the embedded templates do not parse (a build
// defect).
func New(cfg Config, log *slog.Logger) (*Handler, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxVerifyBytes <= 0 {
		cfg.MaxVerifyBytes = 50 << 20
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Body = cfg.Body.withDefaults()
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	ps, err := parsePages(as)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: log, assets: as, pages: ps, statsCache: newPublicStatsCache(cfg.PublicStatsTTL)}
	h.mux = h.routes()
	h.inner = h.mux
	if cfg.Auth != nil {
		h.inner = cfg.Auth.Middleware(h.mux)
		if h.cfg.Identify == nil {
			h.cfg.Identify = sessionActor
		}
		if h.cfg.CSRF == nil {
			h.cfg.CSRF = authCSRF{cfg.Auth}
		}
	}
	if h.cfg.CSRF == nil {
		h.cfg.CSRF = noCSRF{}
	}
	return h, nil
}

// withDefaults fills b's empty fields from DefaultBody.
func (b Body) withDefaults() Body {
	d := DefaultBody
	for _, f := range []struct{ dst, v *string }{{&d.PortalName, &b.PortalName}, {&d.Agency, &b.Agency}, {&d.Address, &b.Address},
		{&d.Phone, &b.Phone}, {&d.Email, &b.Email}, {&d.Licence, &b.Licence}} {
		if *f.v != "" {
			*f.dst = *f.v
		}
	}
	return d
}

// ctxKey keys the request-scoped values of the pages.
type ctxKey int

const keyRequestID ctxKey = iota

// requestID is the request's ID: the one the API's middleware gave it
// (X-Request-Id already on the response) or one made here.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

// ContentSecurityPolicy is the pages' policy: scripts, styles, images and
// fonts from the portal only — no inline script or style —, forms posted
// to the portal only, never framed. media-src blob: lets the QR scanner
// show the camera.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; media-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the API's security headers with the pages' policy.
func securityHeaders(h http.Header) {
	edge.SecurityHeaders(h, ContentSecurityPolicy)
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	// same-origin, not the API's no-referrer: under no-referrer a browser
	// sends "Origin: null" with every form POST, which the CSRF check
	// (auth.CheckOrigin) must refuse. Other sites still get no referrer.
	h.Set("Referrer-Policy", "same-origin")
}

// ServeHTTP serves the pages with request IDs, security headers, panic
// recovery (the 500 page) and the access log.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	hd := w.Header()
	id := hd.Get("X-Request-Id")
	if id == "" {
		id = edge.NewRequestID()
		hd.Set("X-Request-Id", id)
	}
	securityHeaders(hd)
	if r.TLS != nil {
		hd.Set("Strict-Transport-Security", "max-age=63072000")
	}
	sw := &edge.StatusWriter{ResponseWriter: w}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), keyRequestID, id), h.cfg.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("panic serving page", "requestId", id, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if sw.Status != 0 {
				panic(http.ErrAbortHandler)
			}
			h.renderError(sw, r, errInternal)
		}
		level := slog.LevelInfo
		if sw.Status >= 500 {
			level = slog.LevelError
		}
		h.log.LogAttrs(r.Context(), level, "page", slog.String("requestId", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.Status), slog.Duration("duration", time.Since(start)))
	}()
	h.inner.ServeHTTP(sw, r)
}
