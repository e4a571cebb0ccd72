package portal

import (
	"net/http"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// draftJSON is a draft as the API shows it, with the fields dropped when
// it was saved.
type draftJSON struct {
	forms.Draft
	Warnings []forms.FieldError `json:"warnings,omitempty"`
}

// draftsJSON lists drafts without their data.
type draftsJSON struct {
	Drafts []forms.Draft `json:"drafts"`
}

// drafts returns the configured drafts, or Unavailable.
func (s *Server) drafts() (*forms.Drafts, error) {
	if s.cfg.Drafts == nil {
		return nil, kerr.New(kerr.Unavailable, "drafts_not_configured", "Máy chủ chưa được cấu hình để lưu bản nháp.", "no drafts store or key")
	}
	return s.cfg.Drafts, nil
}

// draftBody reads what creating or saving a draft needs: the drafts, the
// definition (?version=, latest by default) and the body.
func (s *Server) draftBody(w http.ResponseWriter, r *http.Request) (*forms.Drafts, *forms.Definition, []byte, error) {
	ds, err := s.drafts()
	if err != nil {
		return nil, nil, nil, err
	}
	d, _, err := s.formQuery(r)
	if err != nil {
		return nil, nil, nil, err
	}
	data, err := readJSONBody(w, r, forms.DefaultMaxDataBytes)
	return ds, d, data, err
}

// draftsPlain returns the drafts for a route without query parameters.
func (s *Server) draftsPlain(r *http.Request) (*forms.Drafts, error) {
	ds, err := s.drafts()
	if err != nil {
		return nil, err
	}
	_, err = input.Query(r)
	return ds, err
}

// createDraft saves filled data, valid or not, as a new draft of the
// caller's: 201 with the draft and a warning per field dropped.
func (s *Server) createDraft(w http.ResponseWriter, r *http.Request) {
	ds, d, data, err := s.draftBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dr, warnings, err := ds.Create(r.Context(), actorOf(r).Subject, d, data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/forms/"+dr.Form+"/drafts/"+dr.ID)
	writeJSON(w, http.StatusCreated, draftJSON{Draft: dr, Warnings: warnings})
}

// saveDraft replaces the data of one of the caller's drafts.
func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) {
	ds, d, data, err := s.draftBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dr, warnings, err := ds.Save(r.Context(), actorOf(r).Subject, r.PathValue("id"), d, data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, draftJSON{Draft: dr, Warnings: warnings})
}

// getDraft returns one of the caller's drafts with its data.
func (s *Server) getDraft(w http.ResponseWriter, r *http.Request) {
	ds, err := s.draftsPlain(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dr, err := ds.Get(r.Context(), actorOf(r).Subject, r.PathValue("code"), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, draftJSON{Draft: dr})
}

// listDrafts lists the caller's unexpired drafts of the form.
func (s *Server) listDrafts(w http.ResponseWriter, r *http.Request) {
	ds, err := s.draftsPlain(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := ds.List(r.Context(), actorOf(r).Subject, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, draftsJSON{Drafts: list})
}

// deleteDraft removes one of the caller's drafts: 204.
func (s *Server) deleteDraft(w http.ResponseWriter, r *http.Request) {
	ds, err := s.draftsPlain(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := ds.Delete(r.Context(), actorOf(r).Subject, r.PathValue("code"), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
