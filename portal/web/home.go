package web

import "net/http"

// home is the public home page: what Kho is, and the ways in.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "home", "Trang chủ", "home", nil)
}
