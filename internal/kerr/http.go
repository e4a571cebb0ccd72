package kerr

import "net/http"

// kindStatus is the one table between error kinds and HTTP statuses:
// the API and the pages answer a kind with its status, and the CLI reads
// a status back as its kind. Integrity, Internal and unknown kinds are
// 500.
var kindStatus = []struct {
	kind Kind
	// status is the answer to the kind; also are other statuses a client
	// reads as the same kind (from proxies or the standard library).
	status int
	also   []int
}{
	{Invalid, http.StatusBadRequest, []int{http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}},
	{Unauthenticated, http.StatusUnauthorized, nil},
	{Permission, http.StatusForbidden, nil},
	{NotFound, http.StatusNotFound, nil},
	{Conflict, http.StatusConflict, []int{http.StatusPreconditionFailed}},
	{TooLarge, http.StatusRequestEntityTooLarge, nil},
	{Unavailable, http.StatusServiceUnavailable, []int{http.StatusBadGateway, http.StatusGatewayTimeout}},
}

// HTTPStatus is the HTTP status that answers an error of kind k.
func HTTPStatus(k Kind) int {
	for _, r := range kindStatus {
		if r.kind == k {
			return r.status
		}
	}
	return http.StatusInternalServerError
}

// KindOfHTTPStatus is the kind of error an HTTP error status means to a
// client: the inverse of HTTPStatus, with the statuses proxies give.
// Any other status is Internal.
func KindOfHTTPStatus(status int) Kind {
	for _, r := range kindStatus {
		if r.status == status {
			return r.kind
		}
		for _, s := range r.also {
			if s == status {
				return r.kind
			}
		}
	}
	return Internal
}
