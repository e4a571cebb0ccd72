package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// renditionRequest is the body of a conversion.
type renditionRequest struct {
	// Target is "pdfa-2b" (default) or "pdf".
	Target archive.Target `json:"target,omitempty"`
}

// renditionJSON answers a conversion: the rendition, and whether it was
// there already.
type renditionJSON struct {
	Rendition archive.Rendition `json:"rendition"`
	Existing  bool              `json:"existing"`
}

type renditionsJSON struct {
	Renditions []archive.Rendition `json:"renditions"`
}

// createRendition converts version {n} (archive.Service.Convert): staff or
// admin, with a purpose; 201 with the new rendition, 200 with the one
// stored already.
func (s *Server) createRendition(w http.ResponseWriter, r *http.Request) {
	id, n, acc, err := versionAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req renditionRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req, 4<<10); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if req.Target == "" {
		req.Target = archive.TargetPDFA2b
	}
	res, err := s.vault.Convert(r.Context(), actorOf(r), id, n, req.Target, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Existing {
		status = http.StatusOK
	}
	writeJSON(w, status, renditionJSON{Rendition: *res.Rendition, Existing: res.Existing})
}

// listRenditions lists the renditions of version {n}: the owner their own
// papers', staff and admin with a purpose.
func (s *Server) listRenditions(w http.ResponseWriter, r *http.Request) {
	id, n, acc, err := versionAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.vault.Renditions(r.Context(), actorOf(r), id, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []archive.Rendition{}
	for _, x := range rs {
		if x.Version == n {
			out = append(out, x)
		}
	}
	writeJSON(w, http.StatusOK, renditionsJSON{Renditions: out})
}

// downloadRendition serves the rendition {target} of version {n} as a
// version's content is served (ranges, ETag, recorded on the first byte).
func (s *Server) downloadRendition(w http.ResponseWriter, r *http.Request) {
	id, n, acc, err := versionAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc, err := s.vault.OpenRendition(r.Context(), actorOf(r), id, n, archive.Target(r.PathValue("target")), acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	x := rc.Rendition
	s.serveContent(w, r, &archive.Content{Document: rc.Document, ReadSeekCloser: rc.ReadSeekCloser,
		Version: archive.Version{N: x.Version, Blob: x.Blob, Size: x.Size, MediaType: x.MediaType, FileName: x.FileName, CreatedAt: x.CreatedAt}})
}

// versionAccess reads the {id} and {n} of a version and the purpose and
// dossier of its read.
func versionAccess(r *http.Request) (string, int, archive.Access, error) {
	n, err := versionNumber(r)
	if err != nil {
		return "", 0, archive.Access{}, err
	}
	id, acc, err := documentAccess(r)
	return id, n, acc, err
}
