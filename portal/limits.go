package portal

import (
	"net/http"
	"slices"
)

// limitsJSON tells clients what the server accepts (2023 appendix II item 2.3).
type limitsJSON struct {
	MaxUploadBytes    int64    `json:"maxUploadBytes"`
	AllowedMediaTypes []string `json:"allowedMediaTypes"`
	// MaxVerifyBytes is the largest PDF /api/v1/signing/verify takes.
	MaxVerifyBytes int64 `json:"maxVerifyBytes"`
}

// limits reports the upload limit and accepted media types.
func (s *Server) limits(w http.ResponseWriter, r *http.Request) {
	types := slices.Clone(s.vault.Config().AllowedMediaTypes)
	if types == nil {
		types = []string{}
	}
	writeJSON(w, http.StatusOK, limitsJSON{MaxUploadBytes: s.cfg.MaxUploadBytes, AllowedMediaTypes: types, MaxVerifyBytes: s.cfg.MaxVerifyBytes})
}
