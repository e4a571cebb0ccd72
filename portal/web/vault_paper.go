package web

import (
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
	"github.com/kho-vn/kho/portal/internal/edge"
)

// paperPage is one of the citizen's papers: its fields, its versions with
// a download of each, and the current PDF shown in the page.
type paperPage struct {
	paperRow
	Summary    string
	IssueDate  string
	ValidFrom  string
	ValidUntil string
	Permanent  bool
	Fields     []field
	Versions   []versionRow
	ViewURL    string // the current version inline, when it is a PDF
	Download   string // the current version as a download
	Office     bool   // an office file: offered as a download, and shown through Rendition when set
	Rendition  string // the office file's PDF rendition, when a converter is configured
	FileName   string
	Change     *archive.StatusChange
	ChangeDate string
	Sharing    *shareSection // the paper's shares and the form to share it (share.go)
}

// field is one typed field of a paper: its label and value.
type field struct{ Label, Value string }

// versionRow is one version of a paper.
type versionRow struct {
	N        int
	FileName string
	Size     string
	At       string
	Machine  string
	Change   string
	Signed   bool
	Download string
}

// changeLabels say what made a version.
var changeLabels = map[string]string{"create": "Lưu lần đầu", "content": "Thay tệp mới", "metadata": "Sửa thông tin", "sign": "Ký số",
	archive.ChangeLTV: "Gia hạn chữ ký số (B-LTA)"}

// officeTypes are the office files the portal shows through their PDF
// rendition where a converter is configured (rendition.go), and offers as
// a download otherwise.
var officeTypes = map[string]bool{
	"application/msword": true, "application/vnd.openxmlformats-officedocument.wordprocessingml.document": true,
	"application/vnd.ms-excel": true, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": true,
	"application/rtf": true, "text/rtf": true,
}

// PaperContentSecurityPolicy is a paper's page policy: the pages' policy,
// and frames from the portal only, for the PDF shown in the page.
const PaperContentSecurityPolicy = ContentSecurityPolicy + "; frame-src 'self'"

// contentPolicy is the policy of a paper's bytes served inline: nothing
// loads, and only the portal's own pages may frame them.
const contentPolicy = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"

// myPaper shows one paper of the signed-in citizen. A paper that is not
// theirs is the vault's NotFound: the same 404 as one that does not exist.
func (h *Handler) myPaper(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok {
		return
	}
	h.showPaper(w, r, a, r.PathValue("id"), http.StatusOK, nil)
}

// showPaper renders paper id of citizen a with status; form is a share
// form refused (its values and errors), nil for a fresh one.
func (h *Handler) showPaper(w http.ResponseWriter, r *http.Request, a archive.Actor, id string, status int, form *shareForm) {
	ctx := r.Context()
	d, err := h.cfg.Vault.Get(ctx, a, id, archive.Access{})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	vs, err := h.cfg.Vault.Versions(ctx, a, id, archive.Access{})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	types, err := h.cfg.Vault.DocumentTypes(ctx, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &paperPage{paperRow: rowOf(&d, typeNames(types), archive.DateOf(h.cfg.Now().In(Vietnam))), Summary: d.Summary,
		Permanent: d.Permanent, FileName: d.Current.FileName, Change: d.StatusChange}
	p.IssueDate, p.ValidFrom, p.ValidUntil = dateOf(d.IssueDate), dateOf(d.ValidFrom), dateOf(d.ValidUntil)
	if d.StatusChange != nil {
		p.ChangeDate = Date(d.StatusChange.At)
	}
	p.Fields = fieldsOf(d, types)
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		lbl := changeLabels[v.Change]
		if v.Source == archive.SourceResult {
			lbl = changeLabels["sign"]
		}
		p.Versions = append(p.Versions, versionRow{N: v.N, FileName: v.FileName, Size: byteSize(v.Size), At: DateTime(v.CreatedAt),
			Machine: MachineTime(v.CreatedAt), Change: lbl, Signed: verifiedSigned(v), Download: contentURL(d.ID, v.N, true)})
	}
	p.Download = contentURL(d.ID, d.Current.N, true)
	switch mt := d.Current.MediaType; {
	case mt == "application/pdf":
		p.ViewURL = contentURL(d.ID, d.Current.N, false)
	case officeTypes[mt]:
		p.Office = true
		if h.renders(d.Current) {
			p.Rendition = renditionURL(contentURL(d.ID, d.Current.N, false))
		}
	}
	if p.Sharing, err = h.shareSection(ctx, a, d, form); err != nil {
		h.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Security-Policy", PaperContentSecurityPolicy)
	h.render(w, r, status, "vault_paper", d.Name, "vault", p)
}

// fieldsOf is d's typed fields, labelled and ordered as its type defines
// them; a field the type no longer defines shows under its key, after.
func fieldsOf(d archive.Document, types []archive.DocumentType) []field {
	var out []field
	seen := map[string]bool{}
	for _, t := range types {
		if t.Code != d.TypeCode {
			continue
		}
		for _, f := range t.Fields {
			if v, ok := d.Fields[f.Name]; ok {
				out = append(out, field{f.Label, fieldValue(f.Type, v)})
				seen[f.Name] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Fields)) {
		if !seen[k] {
			out = append(out, field{k, fieldValue("", d.Fields[k])})
		}
	}
	return out
}

// fieldValue is a typed field's value as a person reads it: a date as
// DD/MM/YYYY, a yes/no as Có/Không, a number without an exponent.
func fieldValue(t archive.FieldType, v any) string {
	switch x := v.(type) {
	case string:
		if d, err := time.Parse(time.DateOnly, x); err == nil && (t == archive.FieldDate || t == "") {
			return d.Format("02/01/2006")
		}
		return x
	case bool:
		if x {
			return "Có"
		}
		return "Không"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// dateOf is a vault date as DD/MM/YYYY; "" for none.
func dateOf(d archive.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
}

// contentURL is the address of version n of paper id: shown in the page
// (inline) or downloaded.
func contentURL(id string, n int, download bool) string {
	u := PathMyVault + "/" + url.PathEscape(id) + "/phien-ban/" + strconv.Itoa(n)
	if download {
		u += "?tai=1"
	}
	return u
}

// myPaperContent serves version {n} of the citizen's paper: inline (for
// the PDF in the page, framed by the portal only) or, with ?tai=1, as a
// download. The vault records the download in the ledger when bytes are
// read (archive.Service.Open).
func (h *Handler) myPaperContent(w http.ResponseWriter, r *http.Request) {
	h.withMyVersion(w, r, h.serveContent)
}

// withMyVersion opens version {n} of the citizen's paper {id} and serves
// it with serve; a paper not theirs is the vault's NotFound.
func (h *Handler) withMyVersion(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request, *archive.Content)) {
	a, ok := h.citizen(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		h.renderError(w, r, kerr.New(kerr.NotFound, "version_not_found", "Không tìm thấy phiên bản giấy tờ.", "version %q", r.PathValue("n")))
		return
	}
	c, err := h.cfg.Vault.Open(r.Context(), a, r.PathValue("id"), n, archive.Access{})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	defer c.Close()
	serve(w, r, c)
}

// serveContent serves c's bytes: inline when a PDF (framed by the portal
// only) unless ?tai=1 asks for a download, and the error page, not an
// empty file, when they cannot be read or the ledger entry not written.
func (h *Handler) serveContent(w http.ResponseWriter, r *http.Request, c *archive.Content) {
	v := c.Version
	disp := "attachment"
	hd := w.Header()
	if r.URL.Query().Get("tai") == "" && v.MediaType == "application/pdf" {
		disp = "inline"
		hd.Set("Content-Security-Policy", contentPolicy)
		hd.Set("X-Frame-Options", "SAMEORIGIN")
	}
	hd.Set("Content-Type", v.MediaType)
	hd.Set("Content-Disposition", disposition(disp, archive.FileNameFor(v.FileName, v.MediaType)))
	hd.Set("ETag", `"`+v.Blob+`"`)
	hd.Set("Cache-Control", "private, no-cache")
	// A 200 or 206 is held back until the first byte: a blob that cannot
	// be read, or a ledger entry that cannot be written, is the error page
	// rather than an empty file (see archive.Service.Open).
	hw := &edge.HeldWriter{ResponseWriter: w}
	body := &edge.FirstError{R: c}
	http.ServeContent(hw, r, "", v.CreatedAt, body)
	if hw.Held == 0 {
		return
	}
	if body.Err == nil {
		w.WriteHeader(hw.Held) // a HEAD
		return
	}
	if r.Context().Err() != nil {
		return
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges"} {
		hd.Del(k)
	}
	securityHeaders(hd)
	h.renderError(w, r, body.Err)
}

// disposition is a Content-Disposition of kind with the file's name, its
// control and bidirectional characters replaced (RFC 2231 encoding for
// names outside ASCII).
func disposition(kind, name string) string {
	name = textrule.Replace(strings.TrimSpace(name), '_')
	if name == "" {
		name = "giay-to"
	}
	if s := mime.FormatMediaType(kind, map[string]string{"filename": name}); s != "" {
		return s
	}
	return kind
}
