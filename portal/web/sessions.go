package web

import (
	"net/http"

	"github.com/kho-vn/kho/portal/auth"
)

// sessionsPage is the list of one's sessions.
type sessionsPage struct {
	Sessions []auth.SessionInfo
	// Done is the notice after a revocation ("" for none).
	Done string
}

// sessions is GET /tai-khoan/phien: the signed-in account's live
// sessions, oldest first, this one marked.
func (h *Handler) sessions(w http.ResponseWriter, r *http.Request) {
	p, ok := h.signedInSession(w, r, PathSessions)
	if !ok {
		return
	}
	list, err := h.cfg.Auth.ListSessions(r.Context(), p)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	page := sessionsPage{Sessions: list}
	switch r.URL.Query().Get("da") {
	case "thu-hoi":
		page.Done = "Đã kết thúc phiên đăng nhập đã chọn."
	case "thu-hoi-khac":
		page.Done = "Đã kết thúc mọi phiên đăng nhập khác."
	}
	h.render(w, r, http.StatusOK, "sessions", "Phiên đăng nhập", "", page)
}

// revokeSession is POST /tai-khoan/phien/thu-hoi: ends the session id of
// one's own account (another account's is session_not_found, 404).
// Ending this very session signs out.
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request) {
	p, ok := h.signedInSession(w, r, PathSessions)
	if !ok || !h.postForm(w, r) {
		return
	}
	id := r.PostForm.Get("id")
	if err := h.cfg.Auth.RevokeSession(r.Context(), p, id); err != nil {
		h.renderError(w, r, err)
		return
	}
	if p.Session != nil && id == p.Session.ID {
		http.SetCookie(w, h.cfg.Auth.ClearCookie())
		http.Redirect(w, r, PathHome, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, PathSessions+"?da=thu-hoi", http.StatusSeeOther)
}

// revokeOtherSessions is POST /tai-khoan/phien/thu-hoi-khac: ends every
// session of the account but this one.
func (h *Handler) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	p, ok := h.signedInSession(w, r, PathSessions)
	if !ok || !h.postForm(w, r) {
		return
	}
	if _, err := h.cfg.Auth.RevokeOtherSessions(r.Context(), p); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, PathSessions+"?da=thu-hoi-khac", http.StatusSeeOther)
}
