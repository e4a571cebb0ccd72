package web

import (
	"net/http"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// PathArchiveConvert is the archivists' conversion page.
const PathArchiveConvert = PathArchive + "/chuyen-doi"

// maxPageConversions bounds the conversions of one submission of the
// page: each may take up to the converter's timeout, and the answer must
// come within the request's. The rest are done by submitting again (the
// converted ones are skipped), or by `kho archive convert`.
const maxPageConversions = 10

// maxConvertFormBytes bounds the page's form.
const maxConvertFormBytes = 16 << 10

// convertRow is the outcome of one file on the page.
type convertRow struct {
	DocumentID, FileName string
	Version              int
	State                string // "xong", "da-co", "loi"
	Message              string
}

// convertPage is the conversion page: the form (owner, purpose,
// target), its errors, and the results of the last batch.
type convertPage struct {
	Owner, Purpose string
	Target         archive.Target
	Errors         []formError
	Done           bool
	Rows           []convertRow
	Failed, Left   int
}

// ErrorFor is the error message of field, "" when none.
func (p *convertPage) ErrorFor(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Max is how many files one submission converts at most.
func (p *convertPage) Max() int { return maxPageConversions }

// archiveConvertForm is GET /luu-tru/chuyen-doi.
func (h *Handler) archiveConvertForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := h.archivistActor(w, r); !ok {
		return
	}
	h.render(w, r, http.StatusOK, "archive_convert", "Chuyển đổi giấy tờ sang PDF/A", "archive", &convertPage{Target: archive.TargetPDFA2b})
}

// archiveConvert is POST /luu-tru/chuyen-doi: the CSRF token, then the
// owner's office files and images without a rendition as the target are
// converted (archive.Service.ConvertPlan, ConvertAll), at most
// maxPageConversions, each file's outcome shown; a bad file does not stop
// the others.
func (h *Handler) archiveConvert(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConvertFormBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, badForm(err))
		return
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &convertPage{Owner: strings.TrimSpace(r.PostForm.Get("chu-kho")), Purpose: strings.TrimSpace(r.PostForm.Get("muc-dich")),
		Target: archive.Target(r.PostForm.Get("dinh-dang"))}
	if p.Owner == "" {
		p.Errors = append(p.Errors, formError{Field: "chu-kho", Message: "Hãy nhập số định danh của chủ kho dữ liệu."})
	}
	if p.Purpose == "" {
		p.Errors = append(p.Errors, formError{Field: "muc-dich", Message: "Hãy ghi mục đích chuyển đổi (được ghi vào nhật ký truy cập của chủ kho)."})
	}
	if !p.Target.Valid() {
		p.Errors = append(p.Errors, formError{Field: "dinh-dang", Message: "Hãy chọn định dạng đích: PDF/A-2b hoặc PDF."})
		p.Target = archive.TargetPDFA2b
	}
	if len(p.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "archive_convert", "Chuyển đổi giấy tờ sang PDF/A", "archive", p)
		return
	}
	acc := archive.Access{Purpose: p.Purpose}
	items, err := h.cfg.Vault.ConvertPlan(r.Context(), a, p.Owner, p.Target, acc)
	if err != nil {
		if k := kerr.KindOf(err); k == kerr.Invalid || k == kerr.NotFound {
			_, msg := kerr.Public(err)
			field := "chu-kho"
			if c, _ := kerr.Public(err); c == "purpose_required" || c == "text_too_long" {
				field = "muc-dich"
			}
			p.Errors = []formError{{Field: field, Message: msg}}
			h.render(w, r, statusOf(err), "archive_convert", "Chuyển đổi giấy tờ sang PDF/A", "archive", p)
			return
		}
		h.renderError(w, r, err)
		return
	}
	if len(items) > maxPageConversions {
		p.Left = len(items) - maxPageConversions
		items = items[:maxPageConversions]
	}
	results, failed := h.cfg.Vault.ConvertAll(r.Context(), a, items, p.Target, acc, nil)
	p.Done, p.Failed = true, failed
	for _, res := range results {
		row := convertRow{DocumentID: res.DocumentID, FileName: res.FileName, Version: res.Version, State: "xong"}
		switch {
		case res.Err != nil:
			_, row.Message = kerr.Public(res.Err)
			row.State = "loi"
		case res.Existing:
			row.State = "da-co"
		}
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, http.StatusOK, "archive_convert", "Chuyển đổi giấy tờ sang PDF/A", "archive", p)
}
