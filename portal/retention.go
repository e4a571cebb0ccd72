package portal

import (
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// The retention API (archive/retention*.go): a paper's retention record
// and its legal hold, the disposal lists and their four-eyes decision.
// Every operation is for archivists — staff holding the archivist
// position in the staff directory — and admins; anyone else gets 403
// archivist_only before anything named is looked up.

// archivist returns the caller when they may manage retention.
func (s *Server) archivist(r *http.Request) (archive.Actor, error) {
	a := actorOf(r)
	switch a.Role {
	case archive.RoleAdmin:
		return a, nil
	case archive.RoleStaff:
		if s.cfg.Workflow != nil {
			m, err := s.cfg.Workflow.StaffMember(r.Context(), a, a.Subject)
			if err == nil && m.Active && m.Holds(workflow.RoleArchivist) {
				return a, nil
			}
			if err != nil && !kerr.IsKind(err, kerr.NotFound) {
				return a, err
			}
		}
	}
	return a, kerr.New(kerr.Permission, "archivist_only", "Chỉ cán bộ lưu trữ hoặc quản trị viên được thực hiện thao tác này.",
		"%s %q is not an archivist", a.Role, a.Subject)
}

// getRetention is GET /api/v1/retention/documents/{id}.
func (s *Server) getRetention(w http.ResponseWriter, r *http.Request) {
	s.retentionDoc(w, r, false, func(a archive.Actor, id string, _ holdRequest) (archive.RetentionRecord, error) {
		return s.vault.RetentionOf(r.Context(), a, id)
	})
}

// placeHold is POST /api/v1/retention/documents/{id}/hold.
func (s *Server) placeHold(w http.ResponseWriter, r *http.Request) {
	s.retentionDoc(w, r, true, func(a archive.Actor, id string, req holdRequest) (archive.RetentionRecord, error) {
		return s.vault.PlaceHold(r.Context(), a, id, req.Reason, req.Reference)
	})
}

// liftHold is POST /api/v1/retention/documents/{id}/release.
func (s *Server) liftHold(w http.ResponseWriter, r *http.Request) {
	s.retentionDoc(w, r, true, func(a archive.Actor, id string, req holdRequest) (archive.RetentionRecord, error) {
		return s.vault.LiftHold(r.Context(), a, id, req.Reason)
	})
}

type holdRequest struct {
	Reason    string `json:"reason"`
	Reference string `json:"reference,omitempty"`
}

func (s *Server) retentionDoc(w http.ResponseWriter, r *http.Request, body bool, fn func(archive.Actor, string, holdRequest) (archive.RetentionRecord, error)) {
	a, err := s.archivist(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req holdRequest
	if body {
		if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	rec, err := fn(a, id, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// listHolds is GET /api/v1/retention/holds: the papers under a legal hold.
func (s *Server) listHolds(w http.ResponseWriter, r *http.Request) {
	a, err := s.archivist(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.vault.HeldPapers(r.Context(), a, r.URL.Query().Get("after"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rs == nil {
		rs = []archive.RetentionRecord{}
	}
	writeJSON(w, http.StatusOK, struct {
		Records []archive.RetentionRecord `json:"records"`
	}{rs})
}

// pageLimit reads ?limit= (1..1000, default 100).
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", "limit %q is not within 1..1000", v)
	}
	return n, nil
}

// listDisposalLists is GET /api/v1/disposal-lists.
func (s *Server) listDisposalLists(w http.ResponseWriter, r *http.Request) {
	a, err := s.archivist(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ls, more, err := s.vault.DisposalLists(r.Context(), a, r.URL.Query().Get("before"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ls == nil {
		ls = []archive.DisposalList{}
	}
	writeJSON(w, http.StatusOK, struct {
		Lists []archive.DisposalList `json:"lists"`
		More  bool                   `json:"more"`
	}{ls, more})
}

// getDisposalList is GET /api/v1/disposal-lists/{id}.
func (s *Server) getDisposalList(w http.ResponseWriter, r *http.Request) {
	s.disposalAction(w, r, "show")
}

// submitDisposalList is POST /api/v1/disposal-lists/{id}/submit.
func (s *Server) submitDisposalList(w http.ResponseWriter, r *http.Request) {
	s.disposalAction(w, r, "submit")
}

// decideDisposalList is POST /api/v1/disposal-lists/{id}/decision.
func (s *Server) decideDisposalList(w http.ResponseWriter, r *http.Request) {
	s.disposalAction(w, r, "decide")
}

// executeDisposalList is POST /api/v1/disposal-lists/{id}/execute.
func (s *Server) executeDisposalList(w http.ResponseWriter, r *http.Request) {
	s.disposalAction(w, r, "execute")
}

// disposalRequest is the body of submit and decision: the list's
// revision as read (0: any), and the decision.
type disposalRequest struct {
	Rev     int64  `json:"rev"`
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}

func (s *Server) disposalAction(w http.ResponseWriter, r *http.Request, action string) {
	a, err := s.archivist(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if !archive.ValidID(id) {
		s.writeError(w, r, kerr.New(kerr.NotFound, "disposal_list_not_found", "Không tìm thấy danh mục hủy.", "no disposal list %q", id))
		return
	}
	var req disposalRequest
	if action == "submit" || action == "decide" {
		if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var l archive.DisposalList
	switch action {
	case "show":
		l, err = s.vault.DisposalList(r.Context(), a, id)
	case "submit":
		l, err = s.vault.SubmitDisposal(r.Context(), a, id, req.Rev)
	case "decide":
		l, err = s.vault.DecideDisposal(r.Context(), a, id, req.Rev, req.Approve, req.Reason)
	case "execute":
		l, err = s.vault.ExecuteDisposal(r.Context(), a, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}
