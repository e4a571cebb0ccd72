package main

import (
	"flag"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// serveWeb is the web pages' part of kho serve: on or off, and the agency
// the header and footer name (the 2023 circular's appendix III).
type serveWeb struct {
	enabled bool
	body    web.Body
	auth    serveAuth
	// trusted are the reverse proxies whose X-Forwarded-For names the
	// client (--trusted-proxies).
	trusted []netip.Prefix
	// converter shows office files through their PDF rendition (web-share).
	converter convert.Converter
	// forms are the published eForms (set by serve), for the admin pages.
	forms     *forms.Registry
	calendars *calendar.Service
	// drafts keep a dossier's half-filled eForm (set by serve; nil: off).
	drafts *forms.Drafts
	// paper configures the paper copies (set by serve; nil: off) (arc-paper).
	paper *archive.PaperCopyConfig
	// archivists are the archivists' keys (--archivist-key), built into
	// scanKeys by serve (arc-digitise).
	archivists *serveArchivists
	scanKeys   map[string]archive.ScanKey
	// reports are the report templates (set by serve) (st-templates).
	reports *workflow.Reports
	// emc is the EMC feed (--emc-url...), its admin page and API (st-emc).
	emc *serveEMC
}

func (c *serveWeb) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.BoolVar(&c.enabled, "web", true, "serve the web pages at / beside the API (--web=false: the API only)")
	c.auth.bind(fs, getenv)
	str := func(p *string, name, env, usage string) {
		fs.StringVar(p, name, getenv(env), usage+" [$"+env+"]")
	}
	str(&c.body.PortalName, "web-portal-name", "KHO_WEB_PORTAL_NAME", "the portal's full `NAME` in the pages' header (default: "+web.DefaultBody.PortalName+")")
	str(&c.body.Agency, "web-agency", "KHO_WEB_AGENCY", "the owning agency (cơ quan chủ quản) `NAME` in the pages' footer")
	str(&c.body.Address, "web-address", "KHO_WEB_ADDRESS", "the owning agency's `ADDRESS` in the pages' footer")
	str(&c.body.Phone, "web-phone", "KHO_WEB_PHONE", "the support `PHONE` line in the pages' footer")
	str(&c.body.Email, "web-email", "KHO_WEB_EMAIL", "the owning agency's e-mail `ADDRESS` in the pages' footer")
	str(&c.body.Licence, "web-licence", "KHO_WEB_LICENCE", "the licence `LINE` in the pages' footer (giấy phép …)")
}

// pages builds the web pages' handler; nil with --web=false.
// Signed-in pages go through signIn's sessions (nil: sign-in is off).
// The OpenID Connect client (--oidc-issuer) calls back to listen's
// address unless --oidc-redirect-url says otherwise.
func (c *serveWeb) pages(vault *archive.Service, wf *workflow.Service, verifier archive.Verifier, maxVerify int64, signIn *auth.Service, listen string, log *slog.Logger) (http.Handler, error) {
	if !c.enabled {
		return nil, nil
	}
	oc, err := c.auth.oidcClient(listen)
	if err != nil {
		return nil, err
	}
	cfg := web.Config{Body: c.body, Vault: vault, Workflow: wf, Verifier: verifier, MaxVerifyBytes: maxVerify, Auth: signIn, OIDC: oc}
	cfg.TrustedProxies = c.trusted
	// Citizen dossiers (web-dossier, web-follow).
	cfg.Drafts = c.drafts

	// Sharing, storage and renditions (web-share).
	cfg.Converter = c.converter

	// Staff signing and digitising (web-sign).

	// Archive — Digitisation (arc-digitise).
	cfg.ArchivistKeys = c.scanKeys

	// Administration (web-admin).
	cfg.Forms, cfg.Calendars = c.forms, c.calendars

	// Archive — Paper copies (arc-paper).
	if c.paper != nil {
		if cfg.PaperCopies, err = archive.NewPaperCopier(vault, *c.paper); err != nil {
			return nil, err
		}
	}

	// Reports — Report templates, saved and periodic reports (st-templates).
	cfg.Reports = c.reports
	// Reports — EMC feed (st-emc).
	if f := c.emc.feed(); f != nil {
		cfg.EMC = f
	}

	return web.New(cfg, log)
}
