package web

import (
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/oidc"
)

// oidcHandler is the OpenID Connect sign-in (GET /dang-nhap/oidc and its
// callback): the provider's verified citizen ID becomes a citizen's
// session (auth.OpenExternalSession, the account made on first sign-in);
// failures are shown as the error page.
func (h *Handler) oidcHandler() *oidc.Handler {
	return &oidc.Handler{Client: h.cfg.OIDC, Log: h.log,
		OnSignIn: func(w http.ResponseWriter, r *http.Request, id oidc.Identity) error {
			if h.cfg.Auth == nil {
				return errNoAuth
			}
			if id.CitizenID == "" {
				return kerr.New(kerr.Permission, "oidc_no_citizen_id",
					"Tài khoản định danh không cho biết số định danh cá nhân, nên chưa đăng nhập được vào Kho.",
					"the ID token of %s has no citizen ID claim", id.Subject)
			}
			in, err := h.cfg.Auth.OpenExternalSession(r.Context(), auth.ExternalCitizen{CitizenID: id.CitizenID, DisplayName: id.Name,
				IP: h.clientIP(r), UserAgent: r.UserAgent()})
			if err != nil {
				return err
			}
			http.SetCookie(w, in.Cookie)
			return nil
		},
		OnError: h.renderError,
	}
}
