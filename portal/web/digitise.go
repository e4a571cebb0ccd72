package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// PathDigitise is the staff page that digitises a citizen's paper: GET the
// form (?loai=TYPE: with that type's fields), POST it (multipart: the
// fields, then the scan, streamed into the citizen's vault).
const PathDigitise = PathStaff + "/so-hoa"

// Query parameters of the digitise page.
const (
	typeParam  = "loai"
	savedParam = "da-luu"
)

// digitisePage is the digitise form: the document types to choose from,
// and once one is chosen the controls — the citizen, the paper's
// metadata, the type's fields and the scan, last — with what was typed
// and the errors of a refused scan.
type digitisePage struct {
	Types  []archive.DocumentType
	Type   *archive.DocumentType
	Inputs []digitiseField
	Values url.Values
	Errors []formError
	Saved  bool
	Self   string
}

// digitiseField is one control of the form.
type digitiseField struct {
	ID, Name, Label, Kind, Hint, Value, Error string
	Required                                  bool
}

// digitiseForm is GET /can-bo/so-hoa.
func (h *Handler) digitiseForm(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffActor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	vals := url.Values{"loai": {q.Get(typeParam)}}
	p, err := h.digitisePageOf(r, a, vals, nil)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Saved = q.Get(savedParam) == "1"
	h.render(w, r, http.StatusOK, "digitise", "Số hoá giấy tờ cho công dân", "digitise", p)
}

// digitisePageOf is the form for vals and errs.
func (h *Handler) digitisePageOf(r *http.Request, a archive.Actor, vals url.Values, errs []formError) (*digitisePage, error) {
	if h.cfg.Vault == nil {
		return nil, errVaultOff
	}
	types, err := h.cfg.Vault.DocumentTypes(r.Context(), a)
	if err != nil {
		return nil, err
	}
	p := &digitisePage{Types: types, Values: vals, Errors: errs, Self: PathDigitise}
	if code := vals.Get("loai"); code != "" {
		for i := range types {
			if types[i].Code == code {
				p.Type = &types[i]
			}
		}
		if p.Type == nil {
			p.Errors = append(p.Errors, formError{Field: "chon-loai", Message: "Hãy chọn loại giấy tờ trong danh sách."})
		}
	}
	if p.Type != nil {
		p.Inputs = []digitiseField{
			{Name: "chu-kho", Label: "Số định danh cá nhân của công dân (chủ kho)", Kind: "text", Required: true,
				Hint: "12 chữ số; hoặc mã số của tổ chức."},
			{Name: "ten", Label: "Tên giấy tờ", Kind: "text", Required: true},
			{Name: "so-hieu", Label: "Số hiệu", Kind: "text"},
			{Name: "noi-cap", Label: "Cơ quan cấp giấy tờ", Kind: "text"},
			{Name: "ngay-cap", Label: "Ngày cấp", Kind: "date"},
			{Name: "hieu-luc-den", Label: "Có hiệu lực đến", Kind: "date"},
		}
		for _, f := range p.Type.Fields {
			kind := "text"
			switch f.Type {
			case archive.FieldDate:
				kind = "date"
			case archive.FieldNumber:
				kind = "number"
			}
			p.Inputs = append(p.Inputs, digitiseField{Name: "f-" + f.Name, Label: f.Label, Kind: kind, Required: f.Required})
		}
		p.Inputs = append(p.Inputs, digitiseField{Name: "tep", Label: "Tệp bản quét", Kind: "file", Required: true,
			Hint: "Tệp PDF, JPEG hoặc PNG."})
		for i := range p.Inputs {
			in := &p.Inputs[i]
			in.ID = in.Name
			if in.Kind != "file" {
				in.Value = vals.Get(in.Name)
			}
			for _, e := range errs {
				if e.Field == in.ID {
					in.Error = e.Message
				}
			}
		}
	}
	return p, nil
}

// defaultMaxScanBytes bounds a digitise form's body when
// Config.MaxScanBytes is not set (the vault's own limit applies too).
const defaultMaxScanBytes = 100 << 20

// scanTypes are the media types a scan may be sent as, by extension when
// the browser says only application/octet-stream.
var scanTypes = map[string]string{".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}

// digitise is POST /can-bo/so-hoa: the CSRF token (the form's first
// part) is checked before anything else, the text fields are read (each
// at most maxFormFieldBytes), and the scan — the last part — is streamed
// into the citizen's vault (workflow.Service.Digitise) in the name of the
// officer's agency. Done: 303 back to the form with a notice; refused:
// the form again with what was typed and the error, focus on it.
func (h *Handler) digitise(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffActor(w, r)
	if !ok {
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		h.renderError(w, r, kerr.New(kerr.Invalid, "multipart_required", "Biểu mẫu gửi lên không đúng; hãy tải lại trang và thử lại.", "content type %q", r.Header.Get("Content-Type")))
		return
	}
	limit := h.cfg.MaxScanBytes
	if limit <= 0 {
		limit = defaultMaxScanBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+(256<<10))
	vals, part, err := h.multipartHead(r, "tep")
	if err != nil {
		if kerr.Outer(err) == nil {
			err = h.scanBodyErr(err)
		}
		h.renderError(w, r, err)
		return
	}
	if part == nil {
		h.digitiseRefused(w, r, a, vals, kerr.New(kerr.Invalid, "scan_required", "Hãy chọn tệp bản quét của giấy tờ.", "no file part"), "tep")
		return
	}
	req, field, err := h.digitiseRequest(r, a, vals, part)
	if err != nil {
		h.digitiseRefused(w, r, a, vals, err, field)
		return
	}
	if _, err := h.cfg.Workflow.Digitise(r.Context(), a, req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = h.scanBodyErr(err)
		}
		h.digitiseRefused(w, r, a, vals, err, fieldOfDigitiseErr(err))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	http.Redirect(w, r, PathDigitise+"?"+typeParam+"="+url.QueryEscape(vals.Get("loai"))+"&"+savedParam+"=1", http.StatusSeeOther)
}

// digitiseRequest is the request the form makes with the scan part:
// Invalid for a malformed date or number, with its control.
func (h *Handler) digitiseRequest(r *http.Request, a archive.Actor, vals url.Values, part io.Reader) (archive.DigitiseRequest, string, error) {
	fileName := ""
	mediaType := ""
	if p, ok := part.(interface {
		FileName() string
	}); ok {
		fileName = cleanFileName(p.FileName())
	}
	if p, ok := part.(interface{ Header() map[string][]string }); ok {
		mediaType = http.Header(p.Header()).Get("Content-Type")
	}
	if mt, _, _ := mime.ParseMediaType(mediaType); mt == "" || mt == "application/octet-stream" {
		mediaType = scanTypes[strings.ToLower(path.Ext(fileName))]
	}
	if fileName == "" {
		return archive.DigitiseRequest{}, "tep", kerr.New(kerr.Invalid, "scan_required", "Hãy chọn tệp bản quét của giấy tờ.", "no file chosen")
	}
	req := archive.DigitiseRequest{Owner: strings.TrimSpace(vals.Get("chu-kho")), Metadata: archive.Metadata{TypeCode: vals.Get("loai"),
		Name: strings.TrimSpace(vals.Get("ten")), Number: strings.TrimSpace(vals.Get("so-hieu")), Issuer: strings.TrimSpace(vals.Get("noi-cap"))},
		Upload: archive.Upload{Body: part, Size: -1, FileName: fileName, MediaType: mediaType}}
	if req.Owner == "" {
		return req, "chu-kho", kerr.New(kerr.Invalid, "owner_required", "Hãy nhập số định danh của công dân (chủ kho).", "no owner")
	}
	for _, d := range []struct {
		field string
		to    *archive.Date
	}{{"ngay-cap", &req.IssueDate}, {"hieu-luc-den", &req.ValidUntil}} {
		if s := strings.TrimSpace(vals.Get(d.field)); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return req, d.field, kerr.New(kerr.Invalid, "invalid_date", "Ngày không hợp lệ (ngày/tháng/năm).", "%s %q", d.field, s)
			}
			*d.to = archive.DateOf(t)
		}
	}
	if req.TypeCode == "" {
		return req, "chon-loai", kerr.New(kerr.Invalid, "type_required", "Hãy chọn loại giấy tờ.", "no type")
	}
	t, err := h.cfg.Vault.DocumentType(r.Context(), a, req.TypeCode)
	if err != nil {
		return req, "chon-loai", err
	}
	fields := map[string]any{}
	for _, f := range t.Fields {
		v := strings.TrimSpace(vals.Get("f-" + f.Name))
		if v == "" {
			continue
		}
		fields[f.Name] = v
		if f.Type == archive.FieldNumber {
			n := json.Number(v)
			if _, err := n.Float64(); err != nil {
				return req, "f-" + f.Name, kerr.New(kerr.Invalid, "invalid_number", "«"+f.Label+"» phải là một số.", "%s %q", f.Name, v)
			}
			fields[f.Name] = n
		}
	}
	if len(fields) > 0 {
		req.Fields = fields
	}
	return req, "", nil
}

// fieldOfDigitiseErr is the control a refusal of the vault is about.
func fieldOfDigitiseErr(err error) string {
	ke := kerr.Outer(err)
	if ke == nil {
		return "tep"
	}
	switch ke.Code {
	case "owner_not_found", "owner_required", "not_own_vault":
		return "chu-kho"
	case "type_required", "document_type_not_found", "unknown_document_type":
		return "chon-loai"
	case "name_required", "name_too_long":
		return "ten"
	}
	if strings.HasPrefix(ke.Code, "document_fields") || strings.HasPrefix(ke.Code, "field") {
		return "f"
	}
	return "tep"
}

// digitiseRefused shows the form again with what was typed and err on
// field (focus moves to the summary that links to it). An error of the
// officer's standing (staff only, another agency) is the error page.
func (h *Handler) digitiseRefused(w http.ResponseWriter, r *http.Request, a archive.Actor, vals url.Values, err error, field string) {
	if k := kerr.KindOf(err); k == kerr.Permission || k == kerr.Unavailable || k == kerr.Internal {
		h.renderError(w, r, err)
		return
	}
	_, msg := kerr.Public(err)
	if field == "f" {
		field = "ten"
		var fe archive.FieldErrors
		if errors.As(err, &fe) && len(fe) > 0 {
			field = "f-" + fe[0].Field
		}
	}
	p, perr := h.digitisePageOf(r, a, vals, []formError{{Field: field, Message: msg}})
	if perr != nil {
		h.renderError(w, r, perr)
		return
	}
	h.render(w, r, statusOf(err), "digitise", "Số hoá giấy tờ cho công dân", "digitise", p)
}

// scanBodyErr classifies a failed read of the digitise form's body.
func (h *Handler) scanBodyErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return kerr.New(kerr.TooLarge, "file_too_large", "Tệp bản quét vượt quá dung lượng cho phép.", "request body over %d bytes", mbe.Limit)
	}
	return badForm(err)
}

// digitisedBy says who digitised d for its owner — "Số hoá bởi" the staff
// member, their agency and the day — or "" when staff did not.
func digitisedBy(d *archive.Document) string {
	ib := d.IssuedBy
	if ib == nil || ib.Kind != archive.IssueDigitised {
		return ""
	}
	return "Số hoá bởi cán bộ " + ib.By + ", " + ib.AgencyName + ", ngày " + Date(ib.IssuedAt)
}
