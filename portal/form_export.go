package portal

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// exportFormats are the files exportForm makes, with their media type and
// file extension.
var exportFormats = map[string]struct{ mediaType, ext string }{
	"pdf":  {"application/pdf", ".pdf"},
	"pdfa": {"application/pdf", ".pdf"},
	"json": {"application/json; charset=utf-8", ".json"},
	"xml":  {"application/xml; charset=utf-8", ".xml"},
}

// exportForm validates filled data like validateForm and returns it as a
// file: the printable PDF, the PDF/A-3 with the data attached, the
// canonical JSON (the bytes that are signed) or the XML. Field errors are
// 422 as for validation. Nothing is stored; any caller may export (the
// data is the caller's own).
func (s *Server) exportForm(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, withAccess("version", "format", "owner")...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := q.Get("format")
	if format == "" {
		format = "pdf"
	}
	kind, ok := exportFormats[format]
	if !ok {
		s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_parameter", "Định dạng xuất phải là pdf, pdfa, json hoặc xml.", "format %q", input.Printable(format)))
		return
	}
	version, err := input.IntParam(q, "version", 0, 1, 1_000_000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.cfg.Forms.Get(r.PathValue("code"), int(version))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vals, ok := s.checkFormData(w, r, d, q)
	if !ok {
		return
	}
	var out bytes.Buffer
	switch format {
	case "json":
		var js []byte
		if js, err = vals.CanonicalJSON(); err == nil {
			out.Write(js)
		}
	case "xml":
		err = vals.WriteXML(&out, d)
	default:
		err = forms.Render(r.Context(), d, vals, &out, forms.RenderOptions{PDFA: format == "pdfa", Now: s.cfg.Now})
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", kind.mediaType)
	h.Set("Content-Length", strconv.Itoa(out.Len()))
	h.Set("Content-Disposition", attachment(strings.ToLower(d.Code)+"-v"+strconv.Itoa(d.Version)+kind.ext))
	w.WriteHeader(http.StatusOK)
	_, _ = out.WriteTo(w)
}

// checkFormData reads filled data from the request body and validates it
// against d; with an owner in q it also checks the pre-filled fields
// against that owner's vault, as on submission
// (forms.Checker.ValidatePrefilled), with q's purpose and dossier. On
// refusal it has answered (the owner's, the query's, the body's or the
// vault's error, or 422 with one entry per refused field) and reports false.
func (s *Server) checkFormData(w http.ResponseWriter, r *http.Request, d *forms.Definition, q url.Values) (forms.Values, bool) {
	owner := q.Get("owner")
	if owner != "" {
		// An owner the caller may not act for is refused whatever the
		// data, as every operation that names an owner refuses it.
		if err := archive.MayActFor(actorOf(r), owner); err != nil {
			s.writeError(w, r, err)
			return forms.Values{}, false
		}
	}
	acc, err := accessOf(q)
	if err != nil {
		s.writeError(w, r, err)
		return forms.Values{}, false
	}
	data, err := readJSONBody(w, r, forms.DefaultMaxDataBytes)
	if err != nil {
		s.writeError(w, r, err)
		return forms.Values{}, false
	}
	c := forms.Checker{Now: s.cfg.Now}
	var (
		vals forms.Values
		errs []forms.FieldError
	)
	if owner != "" {
		if vals, errs, err = c.ValidatePrefilled(r.Context(), d, data, owner, s.vault.FormSource(actorOf(r), acc)); err != nil {
			s.writeError(w, r, err)
			return forms.Values{}, false
		}
	} else {
		vals, errs = c.Validate(d, data)
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, formErrorsJSON{
			Error: errorJSON{Code: "form_data_invalid", RequestID: infoOf(r).id,
				Message: "Dữ liệu biểu mẫu chưa hợp lệ: " + strconv.Itoa(len(errs)) + " lỗi; xem từng trường."},
			FieldErrors: errs,
		})
		return forms.Values{}, false
	}
	return vals, true
}
