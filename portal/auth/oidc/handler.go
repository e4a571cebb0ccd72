package oidc

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
)

// The routes Handler serves.
const (
	LoginPath    = "/dang-nhap/oidc"
	CallbackPath = "/dang-nhap/oidc/callback"
	// ReturnParam is the query parameter of LoginPath naming the local
	// path to return to after sign-in ("tiep" = next).
	ReturnParam = "tiep"
)

// Handler serves the sign-in routes of one provider:
//
//	GET LoginPath?tiep=/path  → 302 to the provider, with the flow cookie set
//	GET CallbackPath          → OnSignIn(identity), then 302 to the path
//
// Pages are not its business: on failure it calls OnError, whose default
// answers the error as the API's JSON body; the web pages put their own
// page there.
type Handler struct {
	Client *Client
	// OnSignIn receives the verified person. It is the session layer's
	// seam: it matches the identity with an account, starts the session
	// and sets its cookie on w; it must not write the body or the status.
	// An error it returns is answered by OnError and no redirect follows.
	OnSignIn func(w http.ResponseWriter, r *http.Request, id Identity) error
	// OnError answers a failed sign-in (nil: JSON as the API answers).
	OnError func(w http.ResponseWriter, r *http.Request, err error)
	// Log receives failures (nil: slog.Default()).
	Log *slog.Logger
}

// Register adds the two routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+LoginPath, h.Login)
	mux.HandleFunc("GET "+CallbackPath, h.Callback)
}

// Login sends the browser to the provider.
func (h *Handler) Login(w http.ResponseWriter, r *http.Request) {
	u, ck, err := h.Client.Start(r.Context(), r.URL.Query().Get(ReturnParam))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.SetCookie(w, ck)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
}

// Callback completes the sign-in the provider sends the browser back with.
func (h *Handler) Callback(w http.ResponseWriter, r *http.Request) {
	// The flow is used once, whatever comes of it.
	http.SetCookie(w, h.Client.ClearCookie())
	w.Header().Set("Cache-Control", "no-store")
	id, returnTo, err := h.Client.Finish(r.Context(), r)
	if err == nil && h.OnSignIn != nil {
		err = h.OnSignIn(w, r, id)
	} else if err == nil {
		err = kerr.New(kerr.Internal, "oidc_no_session_layer",
			"Hệ thống chưa sẵn sàng cho đăng nhập bằng OpenID Connect.", "Handler.OnSignIn is nil")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	code, _ := kerr.Public(err)
	log.Warn("oidc sign-in failed", "code", code, "path", r.URL.Path, "err", err.Error())
	if h.OnError != nil {
		h.OnError(w, r, err)
		return
	}
	WriteJSONError(w, err)
}

// WriteJSONError answers err as the API's error body
// {"error": {"code", "message"}} with the status of its kind. The English
// detail stays in the log.
func WriteJSONError(w http.ResponseWriter, err error) {
	code, msg := kerr.Public(err)
	status := http.StatusInternalServerError
	switch kerr.KindOf(err) {
	case kerr.Invalid:
		status = http.StatusBadRequest
	case kerr.Unauthenticated:
		status = http.StatusUnauthorized
	case kerr.Permission:
		status = http.StatusForbidden
	case kerr.Unavailable:
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
