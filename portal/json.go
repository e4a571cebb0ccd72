package portal

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/portal/internal/input"
)

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Đã xảy ra lỗi hệ thống; vui lòng thử lại sau."}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// decodeJSON reads one JSON value of at most max bytes from r's body into
// v, refusing unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64, types ...string) error {
	if err := input.CheckJSONType(r, types...); err != nil {
		return err
	}
	body := http.MaxBytesReader(w, r.Body, max)
	return input.DecodeStrict(body, v, max)
}
