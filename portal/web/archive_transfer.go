package web

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// The transfer pages (issue 12 item 6): BagIt bags out of and into the
// vault.
//
//	GET  /luu-tru/chuyen-giao       the archivists' page: export an owner's
//	                                vault or a dossier, import a bag
//	POST /luu-tru/chuyen-giao/xuat  export (CSRF; chu-kho or ho-so, muc-dich):
//	                                the bag as a download
//	POST /luu-tru/chuyen-giao/nhap  import (multipart, CSRF first; chu-kho,
//	                                then the bag, goi): the page with the
//	                                result of each paper
//	GET  /kho-cua-toi/tai-goi       the signed-in citizen's own vault as a bag
const (
	PathTransfer       = PathArchive + "/chuyen-giao"
	PathTransferExport = PathTransfer + "/xuat"
	PathTransferImport = PathTransfer + "/nhap"
	PathMyVaultBag     = PathMyVault + "/tai-goi"
)

// maxBagBytes bounds a bag sent through the page.
const maxBagBytes = 2 << 30

// transferPage is the archivists' transfer page.
type transferPage struct {
	Values url.Values
	Errors []formError
	Report *archive.ImportReport
}

// transferForm is GET /luu-tru/chuyen-giao.
func (h *Handler) transferForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := h.archivistActor(w, r); !ok {
		return
	}
	h.renderTransfer(w, r, http.StatusOK, &transferPage{Values: url.Values{}})
}

func (h *Handler) renderTransfer(w http.ResponseWriter, r *http.Request, status int, p *transferPage) {
	h.render(w, r, status, "archive_transfer", "Chuyển giao hồ sơ, giấy tờ (BagIt)", "archive", p)
}

// transferExport is POST /luu-tru/chuyen-giao/xuat: the bag of an owner's
// vault or of a dossier, streamed as a download. What can be refused (no
// purpose, no such owner or dossier) is refused on the page before the
// first byte; a failure after it cuts the connection.
func (h *Handler) transferExport(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, badForm(err))
		return
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	vals := url.Values{}
	for _, k := range []string{"chu-kho", "ho-so", "muc-dich"} {
		vals.Set(k, strings.TrimSpace(r.PostForm.Get(k)))
	}
	owner, dossier, purpose := vals.Get("chu-kho"), vals.Get("ho-so"), vals.Get("muc-dich")
	var errs []formError
	if (owner == "") == (dossier == "") {
		errs = append(errs, formError{"chu-kho", "Nhập mã chủ kho dữ liệu hoặc mã hồ sơ (một trong hai)."})
	}
	if purpose == "" {
		errs = append(errs, formError{"muc-dich", "Nhập mục đích chuyển giao; mục đích được ghi vào nhật ký truy cập của chủ kho."})
	}
	if errs != nil {
		h.renderTransfer(w, r, http.StatusBadRequest, &transferPage{Values: vals, Errors: errs})
		return
	}
	acc := archive.Access{Purpose: purpose, Dossier: dossier}
	name := "kho-" + owner + ".tar"
	if dossier != "" {
		name = "ho-so-" + dossier + ".tar"
	}
	bw := &bagDownload{w: w, name: name}
	var err error
	if owner != "" {
		_, err = h.cfg.Vault.ExportOwner(r.Context(), a, owner, acc, bw, archive.ExportOptions{})
	} else {
		err = h.exportDossier(r.Context(), a, dossier, acc, bw)
	}
	if err == nil {
		return
	}
	if bw.started {
		h.log.Error("export cut off", "requestId", requestID(r), "err", err.Error())
		panic(http.ErrAbortHandler)
	}
	field := "chu-kho"
	if dossier != "" {
		field = "ho-so"
	}
	if code, _ := kerr.Public(err); code == "purpose_required" {
		field = "muc-dich"
	}
	if st := statusOf(err); st >= 500 {
		h.renderError(w, r, err)
		return
	}
	_, msg := kerr.Public(err)
	h.renderTransfer(w, r, statusOf(err), &transferPage{Values: vals, Errors: []formError{{field, msg}}})
}

// exportDossier writes the bag of a dossier the archivist may see: its
// record (kho/dossier.json) and its papers (workflow.DossierPapers; the
// papers its agencies issued as far as the archivist's agency lists them).
func (h *Handler) exportDossier(ctx context.Context, a archive.Actor, code string, acc archive.Access, w io.Writer) error {
	v, err := h.cfg.Workflow.Get(ctx, a, code)
	if err != nil {
		return err
	}
	ids, err := workflow.DossierPapers(ctx, issuedOf{h.cfg.Vault, a}, v.Dossier)
	if err != nil {
		return err
	}
	rec, err := json.MarshalIndent(v.Dossier, "", "  ")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "bag_json", "Không tạo được gói BagIt.")
	}
	_, err = h.cfg.Vault.ExportDocuments(ctx, a, code, ids, acc, map[string][]byte{"kho/dossier.json": rec}, w, archive.ExportOptions{})
	return err
}

// issuedOf lists a dossier's issued papers as the actor may (the vault's
// Issued: the actor's own agency's); another agency's list is empty.
type issuedOf struct {
	vault *archive.Service
	a     archive.Actor
}

func (i issuedOf) ListIssued(ctx context.Context, agency, dossier string) ([]archive.IssueRecord, error) {
	recs, err := i.vault.Issued(ctx, i.a, agency, dossier)
	if kerr.IsKind(err, kerr.Permission) {
		return nil, nil
	}
	return recs, err
}

// bagDownload sends a bag's download headers with its first bytes.
type bagDownload struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (b *bagDownload) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		h := b.w.Header()
		h.Set("Content-Type", "application/x-tar")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": b.name}))
		h.Set("Cache-Control", "no-store")
		b.w.WriteHeader(http.StatusOK)
	}
	return b.w.Write(p)
}

// transferImport is POST /luu-tru/chuyen-giao/nhap: the CSRF token (the
// first part) is checked before anything else, then the owner (chu-kho,
// empty: the bag's own owner), then the bag (goi, the last part) is
// streamed into archive.Service.ImportBag. The page shows the result of
// each paper, or the bag's error with nothing stored.
func (h *Handler) transferImport(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		h.renderError(w, r, kerr.New(kerr.Invalid, "multipart_required", "Biểu mẫu gửi lên không đúng; hãy tải lại trang và thử lại.", "content type %q", r.Header.Get("Content-Type")))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBagBytes+(64<<10))
	vals, part, err := h.multipartHead(r, "goi")
	if err != nil {
		if kerr.Outer(err) == nil {
			err = badForm(err)
		}
		h.renderError(w, r, err)
		return
	}
	for k := range vals {
		vals.Set(k, strings.TrimSpace(vals.Get(k)))
	}
	if part == nil {
		h.renderTransfer(w, r, http.StatusBadRequest, &transferPage{Values: vals, Errors: []formError{{"goi", "Hãy chọn tệp gói BagIt (.tar)."}}})
		return
	}
	rep, err := h.cfg.Vault.ImportBag(r.Context(), a, vals.Get("chu-kho"), part, archive.ImportOptions{})
	if err != nil {
		field := "goi"
		if code, _ := kerr.Public(err); kerr.IsKind(err, kerr.NotFound) || kerr.IsKind(err, kerr.Permission) || code == "owner_required" {
			field = "chu-kho-nhan"
		}
		if st := statusOf(err); st >= 500 {
			h.renderError(w, r, err)
			return
		}
		_, msg := kerr.Public(err)
		h.renderTransfer(w, r, statusOf(err), &transferPage{Values: vals, Errors: []formError{{field, msg}}})
		return
	}
	h.renderTransfer(w, r, http.StatusOK, &transferPage{Values: vals, Report: &rep})
}

// myVaultBag is GET /kho-cua-toi/tai-goi: the signed-in citizen's own
// vault as a bag (archive.Service.ExportOwner as the citizen: their own
// vault only).
func (h *Handler) myVaultBag(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok {
		return
	}
	bw := &bagDownload{w: w, name: "kho-cua-toi-" + a.Subject + ".tar"}
	if _, err := h.cfg.Vault.ExportOwner(r.Context(), a, a.Subject, archive.Access{}, bw, archive.ExportOptions{}); err != nil {
		if bw.started {
			h.log.Error("export cut off", "requestId", requestID(r), "err", err.Error())
			panic(http.ErrAbortHandler)
		}
		h.renderError(w, r, err)
	}
}
