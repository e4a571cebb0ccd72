package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// The document types and eForms of the administration.
const (
	// PathAdminTypes lists the vault's document types; GET …/{code} is
	// one with the form renaming it, POST …/{code} saves it.
	PathAdminTypes = PathAdmin + "/loai-giay-to"
	// PathAdminForms lists the published eForm definitions with the form
	// publishing one (POST, multipart); GET …/{code}?phien-ban=N shows a
	// version (none: the latest).
	PathAdminForms = PathAdmin + "/bieu-mau"
)

// typesPage is the document types' list.
type typesPage struct{ Types []archive.DocumentType }

// typePage is one document type with its form.
type typePage struct {
	Type   archive.DocumentType
	Rev    int64
	Form   adminForm
	Fields []adminField
	Done   string
	// Schema says where the type's fields are defined.
	Schema string
}

// adminVault is adminReady over the vault.
func (h *Handler) adminVault(w http.ResponseWriter, r *http.Request, post bool) (archive.Actor, *archive.Service, bool) {
	a, ok := h.adminReady(w, r, post, h.cfg.Vault == nil, errVaultOff)
	return a, h.cfg.Vault, ok
}

// adminTypes is GET /quan-tri/loai-giay-to.
func (h *Handler) adminTypes(w http.ResponseWriter, r *http.Request) {
	a, v, ok := h.adminVault(w, r, false)
	if !ok {
		return
	}
	ts, err := v.DocumentTypes(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_types", "Loại giấy tờ", "admin", typesPage{Types: ts})
}

// adminType is GET /quan-tri/loai-giay-to/{code}.
func (h *Handler) adminType(w http.ResponseWriter, r *http.Request) {
	a, v, ok := h.adminVault(w, r, false)
	if !ok {
		return
	}
	p := &typePage{}
	if r.URL.Query().Get("da") == "luu" {
		p.Done = "Đã lưu loại giấy tờ."
	}
	h.showType(w, r, a, v, http.StatusOK, p)
}

func (h *Handler) showType(w http.ResponseWriter, r *http.Request, a archive.Actor, v *archive.Service, status int, p *typePage) {
	t, err := v.DocumentType(r.Context(), a, r.PathValue("code"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Type = t
	if p.Rev == 0 {
		p.Rev = archive.TypeRev(t)
	}
	if p.Form.Values == nil {
		p.Form.Values = url.Values{"name": {t.Name}, "description": {t.Description}}
	}
	switch {
	case t.SchemaRef != nil:
		p.Schema = "Biểu mẫu " + t.SchemaRef.Code
		if t.SchemaRef.Version > 0 {
			p.Schema += ", phiên bản " + strconv.Itoa(t.SchemaRef.Version)
		}
	case len(t.Schema) > 0:
		p.Schema = "Lược đồ riêng của loại giấy tờ"
	default:
		p.Schema = "Không có trường dữ liệu"
	}
	p.Fields = p.Form.fields(
		adminField{ID: "lg-name", Name: "name", Label: "Tên loại giấy tờ", Kind: "text", Required: true, Max: 300},
		adminField{ID: "lg-description", Name: "description", Label: "Mô tả", Kind: "textarea"},
	)
	h.render(w, r, status, "admin_type", t.Name, "admin", p)
}

// adminSaveType is POST /quan-tri/loai-giay-to/{code}: renames the type
// over the revision the form carries.
func (h *Handler) adminSaveType(w http.ResponseWriter, r *http.Request) {
	a, v, ok := h.adminVault(w, r, true)
	if !ok {
		return
	}
	code := r.PathValue("code")
	rev := formRev(r.PostForm)
	_, err := v.RenameDocumentType(r.Context(), a, code, strings.TrimSpace(r.PostForm.Get("name")), strings.TrimSpace(r.PostForm.Get("description")), rev)
	if err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		form := refuse(r.PostForm, "lg-name", err)
		p := &typePage{Form: form, Rev: rev}
		if kerr.IsKind(err, kerr.Conflict) {
			// The type as stored now, with the notice.
			p = &typePage{Form: adminForm{Errors: form.Errors}}
		}
		h.showType(w, r, a, v, statusOf(err), p)
		return
	}
	http.Redirect(w, r, PathAdminTypes+"/"+url.PathEscape(code)+"?da=luu", http.StatusSeeOther)
}

// formsPage is the eForms' list with the publish form.
type formsPage struct {
	Forms  []forms.Summary
	Load   adminForm
	Fields []adminField
	Done   string
}

// formPage is one eForm definition.
type formPage struct {
	Def      *forms.Definition
	Versions []forms.Summary
	// JSON is the definition as published, indented.
	JSON string
}

// adminForms is GET /quan-tri/bieu-mau.
func (h *Handler) adminForms(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminReady(w, r, false, h.cfg.Forms == nil, errFormsOff)
	if ok {
		h.showForms(w, r, a, http.StatusOK, &formsPage{})
	}
}

// errFormsOff answers the eForm pages of a server without a registry.
var errFormsOff = kerr.New(kerr.Unavailable, "forms_not_configured", "Máy chủ chưa được cấu hình biểu mẫu điện tử.", "web.Config.Forms is nil")

func (h *Handler) showForms(w http.ResponseWriter, r *http.Request, _ archive.Actor, status int, p *formsPage) {
	list, err := h.cfg.Forms.ListContext(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Forms = list
	p.Fields = p.Load.fields(adminField{ID: "bm-file", Name: "file", Label: "Tệp định nghĩa biểu mẫu (JSON)",
		Hint: "Mã và phiên bản nằm trong tệp. Một phiên bản đã công bố không thay đổi được: hãy tăng số phiên bản. Tối đa 1 MiB.", Kind: "file", Required: true})
	h.render(w, r, status, "admin_forms", "Biểu mẫu điện tử", "admin", p)
}

// adminPublishForm is POST /quan-tri/bieu-mau: publishes an uploaded
// definition (multipart; CSRF checked before it is parsed).
func (h *Handler) adminPublishForm(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminReady(w, r, false, h.cfg.Forms == nil, errFormsOff)
	if !ok {
		return
	}
	file, ok := h.adminUpload(w, r, int64(forms.MaxDefinitionBytes)+64<<10,
		kerr.New(kerr.TooLarge, "form_definition_too_large", "Định nghĩa biểu mẫu quá lớn (tối đa 1 MiB).", "upload too large"),
		func(err error) { h.showForms(w, r, a, statusOf(err), &formsPage{Load: refuse(nil, "bm-file", err)}) })
	if !ok {
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, int64(forms.MaxDefinitionBytes)+1))
	var d *forms.Definition
	if err == nil {
		d, err = forms.Parse(data)
	}
	var created bool
	if err == nil {
		created, err = h.cfg.Forms.PutContext(r.Context(), d)
	}
	if err != nil {
		if !shownAgain(err) && !kerr.IsKind(err, kerr.TooLarge) {
			h.renderError(w, r, err)
			return
		}
		h.showForms(w, r, a, statusOf(err), &formsPage{Load: refuse(nil, "bm-file", err)})
		return
	}
	done := "Đã công bố biểu mẫu " + d.Code + " phiên bản " + strconv.Itoa(d.Version) + "."
	if !created {
		done = "Biểu mẫu " + d.Code + " phiên bản " + strconv.Itoa(d.Version) + " đã được công bố với đúng nội dung này; không có gì thay đổi."
	}
	h.showForms(w, r, a, http.StatusOK, &formsPage{Done: done})
}

// adminUpload reads a multipart form of at most limit bytes, checks its
// CSRF token, and returns its file "file"; a refusal the person can fix
// (no file) goes to refused, one they cannot to the error page (ok false:
// the answer is written).
func (h *Handler) adminUpload(w http.ResponseWriter, r *http.Request, limit int64, tooLarge error, refused func(error)) (io.ReadCloser, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.renderError(w, r, tooLarge)
			return nil, false
		}
		h.renderError(w, r, kerr.Wrap(err, kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ."))
		return nil, false
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		_ = r.MultipartForm.RemoveAll()
		h.renderError(w, r, err)
		return nil, false
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		_ = r.MultipartForm.RemoveAll()
		refused(kerr.New(kerr.Invalid, "file_required", "Hãy chọn tệp để tải lên.", "no file: %v", err))
		return nil, false
	}
	return multipartFile{f, r}, true
}

// multipartFile is an uploaded file whose Close also removes the form's
// temporary files.
type multipartFile struct {
	io.ReadCloser
	r *http.Request
}

func (f multipartFile) Close() error {
	err := f.ReadCloser.Close()
	_ = f.r.MultipartForm.RemoveAll()
	return err
}

// adminFormDef is GET /quan-tri/bieu-mau/{code}?phien-ban=N: one version of
// an eForm (none: the latest) and the list of its versions.
func (h *Handler) adminFormDef(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.adminReady(w, r, false, h.cfg.Forms == nil, errFormsOff); !ok {
		return
	}
	code := r.PathValue("code")
	version := 0
	if s := r.URL.Query().Get("phien-ban"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			h.renderError(w, r, kerr.New(kerr.Invalid, "invalid_version", "Số phiên bản không hợp lệ.", "version %q", s))
			return
		}
		version = n
	}
	d, err := h.cfg.Forms.GetContext(r.Context(), code, version)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &formPage{Def: d}
	if list, err := h.cfg.Forms.ListContext(r.Context()); err == nil {
		for _, s := range list {
			if s.Code == code {
				p.Versions = append(p.Versions, s)
			}
		}
	}
	raw, err := json.Marshal(d)
	var buf bytes.Buffer
	if err == nil && json.Indent(&buf, raw, "", "  ") == nil {
		p.JSON = buf.String()
	}
	h.render(w, r, http.StatusOK, "admin_form", d.Title, "admin", p)
}
