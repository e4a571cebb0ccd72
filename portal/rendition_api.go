package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
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
	target, err := readTarget(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.vault.Convert(r.Context(), actorOf(r), id, n, target, acc)
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

// maxBatchConversions bounds the conversions of one batch request (each
// may take up to the converter's timeout); the rest are left for the next
// request, which skips the converted ones.
const maxBatchConversions = 10

// batchResultJSON is one file of a batch: its rendition, or its error.
type batchResultJSON struct {
	DocumentID string             `json:"documentId"`
	Version    int                `json:"version"`
	FileName   string             `json:"fileName,omitempty"`
	Rendition  *archive.Rendition `json:"rendition,omitempty"`
	Existing   bool               `json:"existing,omitempty"`
	Error      *batchErrorJSON    `json:"error,omitempty"`
}

type batchErrorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type batchJSON struct {
	Results []batchResultJSON `json:"results"`
	Failed  int               `json:"failed"`
	Left    int               `json:"left"`
}

// convertOwner converts the owner's convertible papers that have no
// rendition as the target yet (archive.Service.ConvertPlan, ConvertAll),
// at most maxBatchConversions: staff or admin with a purpose. A file that
// fails has its own error in the answer and the batch goes on; 200 with
// every file's outcome and how many are left.
func (s *Server) convertOwner(w http.ResponseWriter, r *http.Request) {
	acc, err := queryAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	target, err := readTarget(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	items, err := s.vault.ConvertPlan(r.Context(), a, r.PathValue("id"), target, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := batchJSON{Results: []batchResultJSON{}}
	if len(items) > maxBatchConversions {
		out.Left = len(items) - maxBatchConversions
		items = items[:maxBatchConversions]
	}
	results, failed := s.vault.ConvertAll(r.Context(), a, items, target, acc, nil)
	out.Failed = failed
	for _, res := range results {
		b := batchResultJSON{DocumentID: res.DocumentID, Version: res.Version, FileName: res.FileName, Rendition: res.Rendition, Existing: res.Existing}
		if res.Err != nil {
			code, msg := kerr.Public(res.Err)
			b.Error = &batchErrorJSON{Code: code, Message: msg}
		}
		out.Results = append(out.Results, b)
	}
	writeJSON(w, http.StatusOK, out)
}

// readTarget reads a conversion's body (optional): its target, by default
// PDF/A-2b.
func readTarget(w http.ResponseWriter, r *http.Request) (archive.Target, error) {
	var req renditionRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req, 4<<10); err != nil {
			return "", err
		}
	}
	if req.Target == "" {
		return archive.TargetPDFA2b, nil
	}
	return req.Target, nil
}
