package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// createDocument stores a new document: multipart/form-data (a JSON
// "metadata" part, then the "file" part) or the raw file as the body with
// metadata in the query. The file streams straight into the vault.
func (s *Server) createDocument(w http.ResponseWriter, r *http.Request) {
	up, err := s.readUpload(w, r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer up.close()
	a := actorOf(r)
	owner, err := ownerFor(a, up.meta.OwnerID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if a.Role == archive.RoleCitizen && up.meta.Source != "" && up.meta.Source != archive.SourceUpload {
		s.writeError(w, r, kerr.New(kerr.Permission, "source_not_allowed", "Công dân chỉ có thể tải lên giấy tờ với nguồn \"upload\".",
			"citizens may only store documents with source upload, not %q", up.meta.Source))
		return
	}
	d, err := s.vault.Put(r.Context(), a, archive.NewDocument{
		OwnerID:  owner,
		Source:   up.meta.Source,
		Metadata: up.meta.Metadata(),
		Upload:   up.file,
	})
	if err != nil {
		s.writeError(w, r, s.uploadError(up, err))
		return
	}
	h := w.Header()
	h.Set("Location", "/api/v1/documents/"+d.ID)
	h.Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusCreated, s.documentView(d))
}
