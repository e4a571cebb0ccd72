package portal

import (
	"maps"
	"net/http"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// issueParams are the query parameters of issueDocument: the upload's
// metadata without what the vault sets itself (issuer, issue date,
// source), and the issue's own.
var issueParams = []string{"owner", "kind", "dossier", "agencyName", "number", "type", "name", "summary", "issuedAt",
	"validFrom", "validUntil", "permanent", "validityScope", "fields", "filename"}

// issueDocument stores a paper in an owner's vault in the name of the
// caller's agency (archive.Service.Issue): the body is the file, streamed,
// the metadata in the query.
func (s *Server) issueDocument(w http.ResponseWriter, r *http.Request) {
	max := s.cfg.MaxUploadBytes
	if r.ContentLength > max {
		s.writeError(w, r, fileTooLarge(max))
		return
	}
	q, err := input.Query(r, issueParams...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The metadata the upload's parser knows; the issue's own apart.
	mq := maps.Clone(q)
	for _, k := range []string{"kind", "dossier", "agencyName", "issuedAt"} {
		delete(mq, k)
	}
	meta, err := input.ParseMetadataQuery(mq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var issuedAt time.Time
	if v := q.Get("issuedAt"); v != "" {
		if issuedAt, err = time.Parse(time.RFC3339, v); err != nil {
			s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_parameter", "Tham số issuedAt phải là thời điểm dạng RFC 3339 (ví dụ 2026-12-07T09:30:00+07:00).",
				"issuedAt=%q is not RFC 3339", input.Printable(v)))
			return
		}
	}
	name := meta.FileName
	if name == "" {
		if name, err = input.DispositionFileName(r.Header.Get("Content-Disposition")); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, max+1)}
	r.Body = body
	a := actorOf(r)
	d, err := s.vault.Issue(r.Context(), a, archive.IssueRequest{
		Owner:         meta.OwnerID,
		Kind:          archive.IssueKind(q.Get("kind")),
		TypeCode:      meta.TypeCode,
		Name:          meta.Name,
		Summary:       meta.Summary,
		Number:        meta.Number,
		IssuedAt:      issuedAt,
		ValidFrom:     meta.ValidFrom,
		ValidUntil:    meta.ValidUntil,
		Permanent:     meta.Permanent,
		ValidityScope: meta.ValidityScope,
		Fields:        meta.Fields,
		Agency:        archive.Agency{Code: a.Agency, Name: q.Get("agencyName")},
		Dossier:       q.Get("dossier"),
		Upload: archive.Upload{Body: body, Size: r.ContentLength, FileName: name,
			MediaType: input.DeclaredType(r.Header.Get("Content-Type"))},
	})
	if err != nil {
		s.writeError(w, r, s.uploadError(&upload{body: body}, err))
		return
	}
	h := w.Header()
	h.Set("Location", "/api/v1/documents/"+d.ID)
	h.Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusCreated, s.documentView(d))
}
