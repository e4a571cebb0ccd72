package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// quotaJSON is the body of PUT /owners/{id}/quota.
type quotaJSON struct {
	QuotaBytes *int64 `json:"quotaBytes"`
}

// setQuota sets an owner's storage quota (admin) and returns the owner.
func (s *Server) setQuota(w http.ResponseWriter, r *http.Request) {
	var in quotaJSON
	if err := decodeJSON(w, r, &in, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.QuotaBytes == nil {
		s.writeError(w, r, kerr.New(kerr.Invalid, "quota_required", "Cần nhập hạn mức dung lượng (quotaBytes).", "quotaBytes is required"))
		return
	}
	id, a := r.PathValue("id"), actorOf(r)
	if err := s.vault.SetQuota(r.Context(), a, id, *in.QuotaBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The answer shows the owner's record: the admin's read of it is
	// recorded like any other, for the change just made.
	o, err := s.vault.Owner(r.Context(), a, id, archive.Access{Purpose: "Điều chỉnh hạn mức lưu trữ"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}
