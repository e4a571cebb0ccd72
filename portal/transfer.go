package portal

import (
	"net/http"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// exportOwner streams an owner's vault as a BagIt bag (a tar): the owner
// themselves, or staff and admin with a purpose. Everything that can be
// refused is refused before the first byte (the vault checks the actor,
// the purpose and the owner first); a failure once bytes have gone
// aborts the connection, so that a client never takes a cut-off bag for
// a whole one (a whole one ends with its manifests and the tar's end).
func (s *Server) exportOwner(w http.ResponseWriter, r *http.Request) {
	acc, err := queryAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	bw := &bagResponse{w: w, name: "kho-" + id + ".tar"}
	if _, err := s.vault.ExportOwner(r.Context(), actorOf(r), id, acc, bw, archive.ExportOptions{}); err != nil {
		if !bw.started {
			s.writeError(w, r, err)
			return
		}
		s.log.ErrorContext(r.Context(), "export cut off", "owner", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// bagResponse sends the headers of a bag with its first bytes.
type bagResponse struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (b *bagResponse) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		h := b.w.Header()
		h.Set("Content-Type", "application/x-tar")
		h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(b.name, `"`, "")+`"`)
		h.Set("Cache-Control", "no-store")
		b.w.WriteHeader(http.StatusOK)
	}
	return b.w.Write(p)
}

// importOwner reads a BagIt bag (a tar, the request body) into an
// owner's vault: staff and admin only. The answer is the import's report,
// one result for each paper; a bad bag is 400 with its code and nothing
// stored.
func (s *Server) importOwner(w http.ResponseWriter, r *http.Request) {
	if a := actorOf(r); a.Role != archive.RoleStaff && a.Role != archive.RoleAdmin {
		s.writeError(w, r, kerr.New(kerr.Permission, "staff_only", "Chỉ cán bộ hoặc quản trị viên được nhập gói BagIt vào kho.", "role %q may not import", a.Role))
		return
	}
	rep, err := s.vault.ImportBag(r.Context(), actorOf(r), r.PathValue("id"), r.Body, archive.ImportOptions{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
