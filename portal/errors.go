package portal

import (
	"errors"
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/edge"
	"github.com/kho-vn/kho/portal/internal/input"
)

// errorBody is the JSON of every error response.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Detail    string `json:"detail,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// statusOf is the one mapping from errors to HTTP statuses: by kind, with
// the few codes HTTP has its own status for.
func statusOf(err error) int {
	code, _ := kerr.Public(err)
	switch code {
	case "unsupported_content_type":
		return http.StatusUnsupportedMediaType
	case "method_not_allowed":
		return http.StatusMethodNotAllowed
	case "range_not_satisfiable":
		return http.StatusRequestedRangeNotSatisfiable
	case "precondition_failed":
		return http.StatusPreconditionFailed
	case "headers_too_large":
		return http.StatusRequestHeaderFieldsTooLarge
	case "pdf_damaged":
		return http.StatusUnprocessableEntity
	}
	return edge.StatusOfKind(kerr.KindOf(err))
}

// writeError writes err as the JSON error body with its status. Internal
// errors are logged with the request ID; their English detail reaches the
// client only when ExposeInternalErrors is set.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	var fe archive.FieldErrors
	if status == http.StatusBadRequest && errors.As(err, &fe) && len(fe) > 0 {
		// A document's typed fields refused by its type's schema: one
		// entry per value, as the forms API answers.
		status = http.StatusUnprocessableEntity
	}
	code, msg := kerr.Public(err)
	detail := err.Error()
	if ke := kerr.Outer(err); ke != nil && ke.Err == nil && ke.Detail != "" {
		detail = ke.Detail
	}
	id := infoOf(r).id
	if status >= 500 {
		s.log.Error("request failed", "requestId", id, "method", r.Method, "path", r.URL.Path,
			"status", status, "code", code, "err", err.Error())
		if !s.cfg.ExposeInternalErrors {
			detail = ""
		}
	} else {
		s.log.Debug("request refused", "requestId", id, "status", status, "code", code, "err", err.Error())
	}
	if status == http.StatusRequestEntityTooLarge || status == http.StatusServiceUnavailable {
		// Tell proxies and clients not to reuse a connection whose request
		// body may not have been read.
		if status == http.StatusRequestEntityTooLarge {
			w.Header().Set("Connection", "close")
		} else {
			w.Header().Set("Retry-After", "5")
		}
	}
	body := errorJSON{Code: code, Message: msg, Detail: detail, RequestID: id}
	if status == http.StatusUnprocessableEntity && len(fe) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, formErrorsJSON{Error: body, FieldErrors: fe})
		return
	}
	writeJSON(w, status, errorBody{Error: body})
}

// fileTooLarge is the error for an upload over the limit.
func fileTooLarge(limit int64) error {
	return kerr.New(kerr.TooLarge, "file_too_large", "Tệp vượt quá dung lượng tối đa "+input.HumanBytes(limit)+".",
		"the file is larger than the limit of %d bytes", limit)
}
