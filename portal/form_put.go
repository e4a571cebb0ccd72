package portal

import (
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// putForm publishes an eForm definition (admin): 201 when new, 200 when
// the same definition was already published, 409 when another one has the
// same code and version.
func (s *Server) putForm(w http.ResponseWriter, r *http.Request) {
	if actorOf(r).Role != archive.RoleAdmin {
		s.writeError(w, r, kerr.New(kerr.Permission, "admin_only", "Chỉ quản trị viên được công bố biểu mẫu.", "putting a form definition needs the admin role"))
		return
	}
	data, err := readJSONBody(w, r, forms.MaxDefinitionBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := forms.Parse(data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := pathCode(r, d.Code); err != nil {
		s.writeError(w, r, err)
		return
	}
	created, err := s.cfg.Forms.PutContext(r.Context(), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/forms/"+d.Code+"?version="+strconv.Itoa(d.Version))
		s.log.Info("form published", "requestId", infoOf(r).id, "actor", actorOf(r).Subject, "form", d.Code, "version", d.Version)
	}
	writeJSON(w, status, d)
}
