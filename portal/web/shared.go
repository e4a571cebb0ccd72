package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// Sharing, the grantee's side: "Được chia sẻ với tôi", the active shares
// to the signed-in person (a citizen as themselves, staff and admin as
// their agency), and each shared paper. The vault decides who is the
// grantee and whether the share is still usable (archive.SharedDocument,
// OpenShared): anyone else gets the 404 of a share that does not exist,
// and a share revoked or past its last day is refused with the day it
// ended. Each view of a shared paper and each read of its file is
// appended to the owner's ledger, with the share's purpose.

// PathShared lists the shares to the signed-in person; PathShared/{id}
// shows one shared paper, …/tep its file (?tai=1 as a download) and …/pdf
// an office file's PDF rendition.
const PathShared = "/duoc-chia-se"

// sharedPage is "Được chia sẻ với tôi".
type sharedPage struct {
	Shares []sharedRow
	Next   string
	First  string
}

// sharedRow is one share as its grantee reads it.
type sharedRow struct {
	URL, Paper, TypeName, Owner, Purpose, Until, Created string
}

// grantee is the signed-in person of a grantee's page: anyone signed in
// (the vault tells whether they may see anything); a visitor is sent to
// sign in.
func (h *Handler) grantee(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if ok && h.cfg.Vault == nil {
		h.renderError(w, r, errVaultOff)
		return a, false
	}
	return a, ok
}

// typeNames maps the catalogue's codes to names, as a reads them.
func (h *Handler) typeNames(ctx context.Context, a archive.Actor) (map[string]string, error) {
	types, err := h.cfg.Vault.DocumentTypes(ctx, a)
	return typeNames(types), err
}

// sharedURL is the address of shared paper id.
func sharedURL(id string) string { return PathShared + "/" + url.PathEscape(id) }

// sharedWithMe is GET /duoc-chia-se: the shares to the signed-in person
// that are active today, the soonest to end first.
func (h *Handler) sharedWithMe(w http.ResponseWriter, r *http.Request) {
	a, ok := h.grantee(w, r)
	if !ok {
		return
	}
	ctx, after := r.Context(), r.URL.Query().Get("sau")
	page, err := h.cfg.Vault.SharesReceived(ctx, a, after, sharePageSize)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	names, err := h.typeNames(ctx, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &sharedPage{}
	for _, sh := range page.Shares {
		row := sharedRow{URL: sharedURL(sh.ID), Paper: sh.DocumentName, TypeName: names[sh.TypeCode], Owner: sh.OwnerID,
			Purpose: sh.Purpose, Until: sh.ValidUntil.Vietnamese(), Created: Date(sh.CreatedAt)}
		if row.TypeName == "" {
			row.TypeName = sh.TypeCode
		}
		p.Shares = append(p.Shares, row)
	}
	if page.Next != "" {
		p.Next = PathShared + "?sau=" + url.QueryEscape(page.Next)
	}
	if after != "" {
		p.First = PathShared
	}
	h.render(w, r, http.StatusOK, "shared", "Được chia sẻ với tôi", "shared", p)
}

// sharedPaperPage is one shared paper as its grantee sees it: the shared
// version's metadata, the paper's status today and the share.
type sharedPaperPage struct {
	Name       string
	TypeName   string
	Number     string
	Issuer     string
	IssueDate  string
	ValidFrom  string
	ValidUntil string
	Permanent  bool
	Status     archive.Status
	Label      string
	Owner      string
	Grantee    string
	Purpose    string
	Until      string
	Version    int
	FileName   string
	ViewURL    string // the PDF in the page
	Rendition  string // an office file's PDF rendition
	Office     bool
	Download   string
}

// sharedPaper is GET /duoc-chia-se/{id}: the shared paper, recorded in
// the owner's ledger as a read through the share.
func (h *Handler) sharedPaper(w http.ResponseWriter, r *http.Request) {
	a, ok := h.grantee(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	sd, err := h.cfg.Vault.SharedDocument(ctx, a, id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	names, err := h.typeNames(ctx, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	v, m, sh := sd.Version, sd.Version.Meta, sd.Share
	p := &sharedPaperPage{Name: m.Name, TypeName: names[m.TypeCode], Number: m.Number, Issuer: m.Issuer,
		IssueDate: dateOf(m.IssueDate), ValidFrom: dateOf(m.ValidFrom), ValidUntil: dateOf(m.ValidUntil), Permanent: m.Permanent, Status: sd.Status,
		Label: workflow.PaperStatusLabel(sd.Status), Owner: sd.OwnerID, Grantee: granteeLabel(sh.GranteeKind, sh.Grantee),
		Purpose: sh.Purpose, Until: sh.ValidUntil.Vietnamese(), Version: v.N, FileName: v.FileName}
	if p.TypeName == "" {
		p.TypeName = m.TypeCode
	}
	if p.Issuer == "" && sd.IssuedBy != nil {
		p.Issuer = sd.IssuedBy.AgencyName
	}
	file := sharedURL(sh.ID) + "/tep"
	p.Download = file + "?tai=1"
	switch {
	case v.MediaType == "application/pdf":
		p.ViewURL = file
	case officeTypes[v.MediaType]:
		p.Office = true
		if h.renders(v) {
			p.Rendition = renditionURL(sharedURL(sh.ID))
		}
	}
	w.Header().Set("Content-Security-Policy", PaperContentSecurityPolicy)
	h.render(w, r, http.StatusOK, "shared_paper", m.Name, "shared", p)
}

// sharedContent is GET /duoc-chia-se/{id}/tep: the shared version's bytes
// (archive.OpenShared records the read in the owner's ledger).
func (h *Handler) sharedContent(w http.ResponseWriter, r *http.Request) {
	h.withShared(w, r, h.serveContent)
}

// sharedRendition is GET /duoc-chia-se/{id}/pdf: the PDF rendition of a
// shared office file, under the share's rules.
func (h *Handler) sharedRendition(w http.ResponseWriter, r *http.Request) {
	h.withShared(w, r, h.serveRendition)
}

// withShared opens share {id}'s version for the signed-in grantee and
// serves it with serve.
func (h *Handler) withShared(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request, *archive.Content)) {
	a, ok := h.grantee(w, r)
	if !ok {
		return
	}
	c, err := h.cfg.Vault.OpenShared(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	defer c.Close()
	serve(w, r, c)
}
