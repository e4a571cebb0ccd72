package web

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/internal/kerr"
)

// maxHeadFields bounds the text fields before a form's file part.
const maxHeadFields = 200

// multipartHead reads a multipart form up to its file part named file:
// the CSRF token, which must come first, is checked before anything else
// is read; the text fields after it (each at most maxFormFieldBytes, at
// most maxHeadFields) are returned with the file part, nil when the form
// ends without one. A refused token or field is a kerr error; a failed
// read of the body is returned as it came, for the caller to classify.
func (h *Handler) multipartHead(r *http.Request, file string) (url.Values, *multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, badForm(err)
	}
	vals := url.Values{}
	checked := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return vals, nil, nil
		}
		if err != nil {
			return vals, nil, err
		}
		name := part.FormName()
		if !checked {
			if name == CSRFField {
				b, _ := io.ReadAll(io.LimitReader(part, maxFormFieldBytes))
				r.PostForm = url.Values{CSRFField: {string(b)}}
			}
			if err := h.cfg.CSRF.Check(r); err != nil {
				return vals, nil, err
			}
			checked = true
			if name == CSRFField {
				continue
			}
		}
		if name == file {
			return vals, part, nil
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes+1))
		if err != nil {
			return vals, nil, err
		}
		if len(b) > maxFormFieldBytes || len(vals) > maxHeadFields {
			return vals, nil, kerr.New(kerr.TooLarge, "field_too_long", "Một trường thông tin quá dài.", "field %q over %d bytes", name, maxFormFieldBytes)
		}
		vals.Set(name, string(b))
	}
}
