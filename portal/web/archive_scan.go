package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// PathArchiveScan is the archivists' digitisation: GET the upload form,
// POST a batch of scanned pages (multipart), then GET
// PathArchiveScan/{id} the review of the pending batch and POST it to
// confirm; GET PathArchiveScan/{id}/tep is the batch's PDF.
const PathArchiveScan = PathArchive + "/so-hoa"

// defaultMaxScanBatchBytes bounds a batch's body when
// Config.MaxScanBatchBytes is not set: 300 pages of a few MB each.
const defaultMaxScanBatchBytes = 1 << 30

// scanUploadPage is the upload form with what was typed and the errors.
type scanUploadPage struct {
	Types  []archive.DocumentType
	Values url.Values
	Errors []formError
	Self   string
}

// scanReviewPage is the review of a pending (or confirmed) batch.
type scanReviewPage struct {
	Scan     archive.Scan
	Type     archive.DocumentType
	Inputs   []scanInput
	Errors   []formError
	Saved    bool
	Self     string
	PDF      string
	NoKey    bool
	Created  string
	Expires  string
	Document string
	// TextLines are the OCR text's lines.
	TextLines []string
}

// scanInput is one control of the review: its value prefilled from the
// OCR, the confidence of what was read (-1: not read), its choices.
type scanInput struct {
	ID, Label, Kind, Value, Error, Text string
	Confidence                          int
	Required                            bool
	Options                             []scanOption
}

type scanOption struct {
	Value, Label string
	Selected     bool
}

// archivistScanActor is the archivist acting for their agency: staff of
// it (an admin has no agency to digitise for: the error page).
func (h *Handler) archivistScanActor(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, m, ok := h.archivistActor(w, r)
	if !ok {
		return a, false
	}
	if m.Agency == "" {
		h.renderError(w, r, kerr.New(kerr.Permission, "not_agency_staff", "Số hoá giấy tờ dành cho cán bộ lưu trữ của một cơ quan.",
			"%s %q acts for no agency", a.Role, a.Subject))
		return a, false
	}
	a.Agency = m.Agency
	return a, true
}

// archiveScanForm is GET /luu-tru/so-hoa.
func (h *Handler) archiveScanForm(w http.ResponseWriter, r *http.Request) {
	a, ok := h.archivistScanActor(w, r)
	if !ok {
		return
	}
	h.scanUpload(w, r, a, http.StatusOK, url.Values{}, nil)
}

func (h *Handler) scanUpload(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, vals url.Values, errs []formError) {
	types, err := h.cfg.Vault.DocumentTypes(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, status, "archive_scan", "Số hoá giấy tờ bản giấy", "archive",
		&scanUploadPage{Types: types, Values: vals, Errors: errs, Self: PathArchiveScan})
}

// archiveScan is POST /luu-tru/so-hoa: the CSRF token (the first part) is
// checked before anything else is read; the text fields (owner, type,
// scanner) come next, then the page images, each spooled to a temporary
// file (the body bounded by MaxScanBatchBytes); the batch is recognised
// (archive.ScanBatch) and kept pending: 303 to its review. A refused
// batch shows the form again with the error on its control.
func (h *Handler) archiveScan(w http.ResponseWriter, r *http.Request) {
	a, ok := h.archivistScanActor(w, r)
	if !ok {
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		h.renderError(w, r, kerr.New(kerr.Invalid, "multipart_required", "Biểu mẫu gửi lên không đúng; hãy tải lại trang và thử lại.", "content type %q", r.Header.Get("Content-Type")))
		return
	}
	limit := h.cfg.MaxScanBatchBytes
	if limit <= 0 {
		limit = defaultMaxScanBatchBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+(256<<10))
	mr, err := r.MultipartReader()
	if err != nil {
		h.renderError(w, r, badForm(err))
		return
	}
	dir, err := os.MkdirTemp("", "kho-scan-upload-")
	if err != nil {
		h.renderError(w, r, kerr.Wrap(err, kerr.Internal, "scan_temp", "Không nhận được lô trang quét; vui lòng thử lại."))
		return
	}
	defer os.RemoveAll(dir)
	vals := url.Values{}
	var files []archive.ScanFile
	checked := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.renderError(w, r, h.scanBodyErr(err))
			return
		}
		if !checked {
			checked = true
			token, err := h.tokenFirst(r, part)
			if err != nil {
				h.renderError(w, r, err)
				return
			}
			if token {
				continue
			}
		}
		if part.FormName() != "trang" {
			if err := h.readFormPart(part, vals, 20); err != nil {
				h.renderError(w, r, err)
				return
			}
			continue
		}
		fileName := cleanFileName(part.FileName())
		if fileName == "" && len(files) == 0 {
			continue // no file chosen
		}
		if len(files) == archive.MaxScanPages {
			h.scanUpload(w, r, a, http.StatusRequestEntityTooLarge, vals, []formError{{Field: "trang",
				Message: fmt.Sprintf("Lô trang quét quá nhiều tệp (tối đa %d).", archive.MaxScanPages)}})
			return
		}
		path := filepath.Join(dir, strconv.Itoa(len(files)))
		f, err := os.Create(path)
		if err != nil {
			h.renderError(w, r, kerr.Wrap(err, kerr.Internal, "scan_temp", "Không nhận được lô trang quét; vui lòng thử lại."))
			return
		}
		_, err = io.Copy(f, part)
		f.Close()
		if err != nil {
			h.renderError(w, r, h.scanBodyErr(err))
			return
		}
		files = append(files, archive.ScanFile{FileName: fileName, Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	if !checked {
		if err := h.cfg.CSRF.Check(r); err != nil {
			h.renderError(w, r, err)
			return
		}
	}
	for _, c := range []struct{ field, msg string }{
		{"chu-kho", "Hãy nhập số định danh của công dân (chủ kho)."},
		{"loai", "Hãy chọn loại giấy tờ."},
		{"may-quet", "Hãy nhập tên máy quét."},
	} {
		if strings.TrimSpace(vals.Get(c.field)) == "" {
			h.scanUpload(w, r, a, http.StatusBadRequest, vals, []formError{{Field: c.field, Message: c.msg}})
			return
		}
	}
	if len(files) == 0 {
		h.scanUpload(w, r, a, http.StatusBadRequest, vals, []formError{{Field: "trang", Message: "Hãy chọn ít nhất một ảnh trang quét."}})
		return
	}
	ag, err := h.cfg.Workflow.StaffAgency(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	sc, err := h.cfg.Vault.ScanBatch(r.Context(), a, archive.ScanRequest{Owner: strings.TrimSpace(vals.Get("chu-kho")), Agency: ag,
		TypeCode: vals.Get("loai"), Device: vals.Get("may-quet"), Files: files, OCR: h.cfg.OCR})
	if err != nil {
		if k := kerr.KindOf(err); k == kerr.Permission || k == kerr.Unavailable || k == kerr.Internal {
			h.renderError(w, r, err)
			return
		}
		_, msg := kerr.Public(err)
		h.scanUpload(w, r, a, statusOf(err), vals, []formError{{Field: scanErrField(err), Message: msg}})
		return
	}
	http.Redirect(w, r, PathArchiveScan+"/"+url.PathEscape(sc.ID), http.StatusSeeOther)
}

// tokenFirst checks the CSRF token of a multipart form whose first part
// is the token, before any other part is read; it reports whether part
// (the first) was the token.
func (h *Handler) tokenFirst(r *http.Request, part *multipart.Part) (bool, error) {
	token := part.FormName() == CSRFField
	if token {
		b, _ := io.ReadAll(io.LimitReader(part, maxFormFieldBytes))
		r.PostForm = url.Values{CSRFField: {string(b)}}
	}
	return token, h.cfg.CSRF.Check(r)
}

// readFormPart reads a text part of a multipart form into vals: TooLarge
// past maxFormFieldBytes or past max fields, a failed read as scanBodyErr.
func (h *Handler) readFormPart(part *multipart.Part, vals url.Values, max int) error {
	name := part.FormName()
	b, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes+1))
	if err != nil {
		return h.scanBodyErr(err)
	}
	if len(b) > maxFormFieldBytes || len(vals) > max {
		return kerr.New(kerr.TooLarge, "field_too_long", "Một trường thông tin quá dài.", "field %q over %d bytes", name, maxFormFieldBytes)
	}
	vals.Set(name, string(b))
	return nil
}

// scanErrField is the upload form's control a refusal is about.
func scanErrField(err error) string {
	code, _ := kerr.Public(err)
	switch code {
	case "owner_required", "owner_not_found", "invalid_owner":
		return "chu-kho"
	case "type_required", "unknown_document_type":
		return "loai"
	case "scan_device_required", "scan_device_too_long":
		return "may-quet"
	}
	return "trang"
}

// archiveScanReview is GET /luu-tru/so-hoa/{id}.
func (h *Handler) archiveScanReview(w http.ResponseWriter, r *http.Request) {
	a, ok := h.archivistScanActor(w, r)
	if !ok {
		return
	}
	sc, err := h.cfg.Vault.GetScan(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.scanReview(w, r, a, http.StatusOK, sc, nil, nil)
}

// scanReview renders the review of sc: vals (nil: the OCR's reading)
// and errs.
func (h *Handler) scanReview(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, sc archive.Scan, vals url.Values, errs []formError) {
	t, err := h.cfg.Vault.DocumentType(r.Context(), a, sc.TypeCode)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	self := PathArchiveScan + "/" + url.PathEscape(sc.ID)
	p := &scanReviewPage{Scan: sc, Type: t, Errors: errs, Self: self, PDF: self + "/tep", Saved: r.URL.Query().Get(savedParam) == "1",
		Created: DateTime(sc.CreatedAt), Expires: DateTime(sc.ExpiresAt), Document: sc.DocumentID, TextLines: strings.Split(sc.Text, "\n")}
	_, p.NoKey = h.cfg.ArchivistKeys[a.Subject]
	p.NoKey = !p.NoKey
	read := map[string]archive.ScanField{}
	for _, f := range sc.Fields {
		read[f.Code] = f
	}
	val := func(id, ocr string) string {
		if vals != nil {
			return vals.Get(id)
		}
		return ocr
	}
	num := read[""]
	p.Inputs = []scanInput{
		{ID: "ten", Label: "Tên giấy tờ", Kind: "text", Required: true, Value: val("ten", t.Name+" (bản số hoá)"), Confidence: -1},
		{ID: "so-hieu", Label: "Số hiệu", Kind: "text", Value: val("so-hieu", num.Value), Text: num.Text, Confidence: confidenceOf(num)},
		{ID: "noi-cap", Label: "Cơ quan cấp giấy tờ", Kind: "text", Value: val("noi-cap", ""), Confidence: -1},
		{ID: "trich-yeu", Label: "Trích yếu (chữ nhận dạng được, để tìm kiếm)", Kind: "textarea", Value: val("trich-yeu", archive.ScanTextPreview(sc.Text, 2000)), Confidence: -1},
	}
	for _, f := range t.Fields {
		rf := read[f.Name]
		in := scanInput{ID: "f-" + f.Name, Label: f.Label, Kind: "text", Required: f.Required, Value: val("f-"+f.Name, rf.Value),
			Text: rf.Text, Confidence: confidenceOf(rf)}
		switch {
		case f.Type == archive.FieldDate:
			in.Kind = "date"
		case f.Type == archive.FieldNumber:
			in.Kind = "number"
		}
		if opts := fieldOptions(t, f.Name); len(opts) > 0 {
			in.Kind = "select"
			for _, o := range opts {
				in.Options = append(in.Options, scanOption{Value: o.Value, Label: o.Label, Selected: o.Value == in.Value})
			}
		}
		p.Inputs = append(p.Inputs, in)
	}
	for i := range p.Inputs {
		for _, e := range errs {
			if e.Field == p.Inputs[i].ID {
				p.Inputs[i].Error = e.Message
			}
		}
	}
	h.render(w, r, status, "archive_scan_review", "Kiểm tra bản số hoá", "archive", p)
}

func confidenceOf(f archive.ScanField) int {
	if !f.Found {
		return -1
	}
	return f.Confidence
}

// fieldOptions are the choices of a radio or dropdown field of t's schema.
func fieldOptions(t archive.DocumentType, code string) []scanOption {
	var def forms.Definition
	if len(t.Schema) == 0 || json.Unmarshal(t.Schema, &def) != nil {
		return nil
	}
	var out []scanOption
	var walk func(fs []forms.Field)
	walk = func(fs []forms.Field) {
		for _, f := range fs {
			if f.Code == code && (f.Type == forms.TypeRadio || f.Type == forms.TypeDropdown) {
				for _, o := range f.Options {
					out = append(out, scanOption{Value: o.Value, Label: o.Label})
				}
			}
			walk(f.Fields)
		}
	}
	walk(def.Fields)
	return out
}

// archiveScanPDF is GET /luu-tru/so-hoa/{id}/tep: the batch's PDF, to
// compare the reading with the pages.
func (h *Handler) archiveScanPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := h.archivistScanActor(w, r)
	if !ok {
		return
	}
	sc, rc, err := h.cfg.Vault.OpenScan(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.FormatInt(sc.Size, 10))
	w.Header().Set("Content-Disposition", `inline; filename="ban-quet-`+sc.ID+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.Copy(w, rc)
}

// archiveScanConfirm is POST /luu-tru/so-hoa/{id}: the archivist's values
// are checked and the batch is signed with their key and committed into
// the owner's vault (archive.ConfirmScan): 303 to the review with a
// notice. Refused: the review again with what was typed and the error.
func (h *Handler) archiveScanConfirm(w http.ResponseWriter, r *http.Request) {
	a, ok := h.archivistScanActor(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, badForm(err))
		return
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	sc, err := h.cfg.Vault.GetScan(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	key, ok := h.cfg.ArchivistKeys[a.Subject]
	if !ok {
		h.renderError(w, r, kerr.New(kerr.Unavailable, "archivist_key_missing",
			"Chưa cấu hình khóa ký của cán bộ lưu trữ này (kho serve --archivist-key); chưa ký được bản sao điện tử.", "no key for %q", a.Subject))
		return
	}
	rev, _ := strconv.ParseInt(r.PostForm.Get("rev"), 10, 64)
	t, err := h.cfg.Vault.DocumentType(r.Context(), a, sc.TypeCode)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	m := archive.Metadata{Name: strings.TrimSpace(r.PostForm.Get("ten")), Number: strings.TrimSpace(r.PostForm.Get("so-hieu")),
		Issuer: strings.TrimSpace(r.PostForm.Get("noi-cap")), Summary: strings.TrimSpace(r.PostForm.Get("trich-yeu"))}
	fields := map[string]any{}
	for _, f := range t.Fields {
		if v := strings.TrimSpace(r.PostForm.Get("f-" + f.Name)); v != "" {
			fields[f.Name] = v
		}
	}
	if len(fields) > 0 {
		m.Fields = fields
	}
	_, err = h.cfg.Vault.ConfirmScan(r.Context(), a, archive.ScanConfirmation{ID: sc.ID, Rev: rev, Metadata: m, Key: key})
	if err != nil {
		if k := kerr.KindOf(err); k == kerr.Permission || k == kerr.Unavailable || k == kerr.Internal || k == kerr.NotFound {
			h.renderError(w, r, err)
			return
		}
		_, msg := kerr.Public(err)
		field := "ten"
		var fe archive.FieldErrors
		if errors.As(err, &fe) && len(fe) > 0 {
			field = "f-" + fe[0].Field
		}
		h.scanReview(w, r, a, statusOf(err), sc, r.PostForm, []formError{{Field: field, Message: msg}})
		return
	}
	http.Redirect(w, r, PathArchiveScan+"/"+url.PathEscape(sc.ID)+"?"+savedParam+"=1", http.StatusSeeOther)
}
