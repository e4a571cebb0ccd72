package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow/calendar"
)

// authPurgeInterval is how often the leased auth-purge job deletes expired
// sessions, counts of failed sign-ins and used challenge tokens.
const authPurgeInterval = 10 * time.Minute

// Timeouts of the server's own work, outside requests.
const (
	startTimeout = time.Minute      // opening stores and loading the catalogue
	closeTimeout = 15 * time.Second // closing stores after the HTTP server stopped
	gcTimeout    = 30 * time.Minute // one orphan-blob collection
	tempGrace    = time.Hour        // age of a staged blob write left by a crash before it is removed
)

func serveCommand() *command {
	return &command{
		name:    "serve",
		usage:   "kho serve [flags]",
		summary: "run the vault's HTTP API and web pages",
		vi:      "Chạy máy chủ Kho (API HTTP)",
		help: `Without --mongo-uri and --s3-endpoint everything lives in the data folder:
metadata in DIR/kho.db (SQLite) and file contents in DIR/blobs. Either part
can be moved to MongoDB or an S3 service (MinIO) on its own; several
servers can then share them. Every flag can also come from the environment
variable shown in brackets; a flag on the command line wins.

At start-up the starter catalogue of document types is loaded into an
empty catalogue, then --catalog FILE if given; the shipped procedure
catalogue (agencies, procedures and their processes: birth registration,
business-household registration, construction permit) is loaded when the
store has no procedure yet. Unreferenced blobs are
collected every --gc-interval.

The access ledger is checkpointed every --checkpoint-interval: the heads
of its hash chains go into a Merkle log whose root is signed with the key
of --ledger-key-file (embedded: DIR/ledger.key, made on first start),
time-stamped by --tsa if given, and kept as a write-once blob
(DIR/ledger-checkpoints, or the S3 prefix ledger-checkpoints/). Every
process of a deployment needs the same key; with --mongo-uri and no key
file the server runs without checkpoints and says so at start. SIGINT or SIGTERM stops the server
gracefully: no new connections, in-flight requests get --shutdown-timeout
to finish, then background work stops and the stores are closed.

With --trust ROOTS.pem the vault verifies the signatures of every PDF it
stores (revocation by OCSP, then CRL, each request bounded by
--revocation-timeout; a verifier that cannot reach them gives
INDETERMINATE/TRY_LATER, never a failed upload) and anyone may verify a
PDF at POST /api/v1/signing/verify. --sign-key NAME=SPEC (repeatable)
gives the signing API a key that staff may sign with: a key file
(NAME=FILE.p12 with --sign-key-password-file NAME=FILE), a key on a PKCS#11
token (NAME='pkcs11:token=LABEL;object=KEY?module-path=LIB' with
--sign-key-pin-file NAME=FILE), or a credential on a remote signing service
(NAME=csc:https://HOST/csc/v2#CREDENTIAL with --sign-key-token-file and
--sign-key-pin-file). --tsa URL is the time-stamp authority for B-T and
above. --result-leader-key SUBJECT=NAME and --result-seal-key CODE=NAME
name the keys that sign dossiers' results: the leader's personal key, then
the agency's seal (docs/deployment.md). --archivist-key SUBJECT=NAME
names the key an archivist signs digitised papers with, as certified
electronic copies (/luu-tru/so-hoa).

The shipped eForm definitions are published at start-up, then every
*.json definition of --forms DIR; a file that does not parse stops the
start. An admin may publish more through PUT /api/v1/forms/{code}; those
are kept in the metadata store, so every server and restart sees them.

Form drafts are encrypted with AES-256-GCM under the key of
--drafts-key-file; with the embedded store and no key file, a key is made
in DIR/drafts.key on first start (keep it: without it the drafts cannot be
read). The same drafts keep a dossier's half-filled eForm saved with
"Lưu nháp" on the pages. With --mongo-uri and no key file, drafts are
off. A draft expires --drafts-ttl after its last save; expired drafts are
removed every --gc-interval.

Notifications: in-app ones are kept in the metadata store. E-mail goes
through the SMTP server of --smtp-addr (STARTTLS required; --smtp-tls tls
for port 465; --smtp-insecure only to a loopback address), as
--smtp-from, logging in as --smtp-user with the password of
--smtp-password-file or $KHO_SMTP_PASSWORD (never on the command line).
--sms-provider log writes text messages to the log. Queued e-mail and SMS
are sent by a leased job every --notify-interval, retried with backoff,
and given up after 10 attempts (docs/deployment.md).

The web pages are served at / beside the API (--web=false: the API
only): the home page, the public dossier lookup (/tra-cuu) and the public
verifier (/xac-thuc). Their header and footer name the portal and its
owning agency: --web-portal-name, --web-agency, --web-address, --web-phone,
--web-email, --web-licence.

Sign-in to the pages (/dang-nhap, /dang-xuat, /tai-khoan/phien) uses the
local accounts of kho admin user and a session cookie; the API keeps its
bearer tokens only. --auth-key-file signs the CSRF and challenge tokens
(embedded: DIR/auth.key, made on first start; with --mongo-uri every
process needs the same file, or sign-in is off). --max-sessions limits
one account's sessions (the oldest ends). --cookie-secure auto marks the
cookie Secure unless --addr is loopback (plain HTTP for tests and the
demo); set true behind a TLS proxy on loopback. --oidc-issuer,
--oidc-client-id, --oidc-client-secret-file and --oidc-citizen-claim add
OpenID Connect sign-in (as VNeID) by the citizen ID claim, the account
made on first sign-in; --oidc-redirect-url is the callback registered at
the provider (default: the loopback listen address).

--demo (make run) seeds a fresh data folder, once, with a demo: a demo CA
"KHO DEMO – KHÔNG DÙNG THẬT" (trusted, its CRL answered from DIR/demo),
a leader's key and the ward's seal wired as the result keys, accounts for
each role with random passwords (printed at every start, kept in
DIR/demo/state.json), the ward's staff and papers in the citizens' vaults.
A data folder that holds anything else is refused. Without --gotenberg-url
the demo prints slips and results with a built-in converter (basicpdf: a
simple PDF, NOT PDF/A, for trying Kho only; office files stay unrendered).`,
		run: runServe,
	}
}

func runServe(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cfg config.Serve
	cfg.Bind(fs.FlagSet, a.getenv)
	var sig serveSigning
	sig.bind(fs.FlagSet, a.getenv)
	var fm serveForms
	fm.bind(fs.FlagSet, a.getenv)
	var ledger serveLedger
	ledger.bind(fs.FlagSet, a.getenv)
	var nt serveNotify
	nt.bind(fs.FlagSet, a.getenv)
	var docs serveConvert
	docs.bind(fs.FlagSet, a.getenv)
	var results serveResults
	results.bind(fs.FlagSet, a.getenv)
	var tc serveTestClock
	tc.bind(fs.FlagSet, a.getenv)
	var pages serveWeb
	pages.bind(fs.FlagSet, a.getenv)
	var fixity serveFixity // Archive — Fixity (arc-fixity)
	fixity.bind(fs.FlagSet, a.getenv)
	var archivists serveArchivists // the archive's digitisation (arc-digitise)
	archivists.bind(fs.FlagSet)
	pages.archivists = &archivists
	var demo serveDemo
	demo.bind(fs.FlagSet)
	var emcFeed serveEMC // Reports — EMC feed (st-emc)
	emcFeed.bind(fs.FlagSet, a.getenv)
	pages.emc = &emcFeed
	logLevel := fs.String("log-level", "info", "log `LEVEL`: debug, info, warn, error")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return &usageError{kerr.New(kerr.Invalid, "invalid_log_level", "Mức ghi nhật ký không hợp lệ.", "--log-level %q: want debug, info, warn or error", *logLevel)}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	if err := demo.prepare(&cfg.Store, &sig, &results, log); err != nil {
		return err
	}
	demo.footer(&pages.body)
	if err := sig.validate(); err != nil {
		return &usageError{err}
	}
	if err := nt.validate(); err != nil {
		return &usageError{err}
	}
	if err := fixity.validate(); err != nil {
		return &usageError{err}
	}
	if err := results.validate(&sig); err != nil {
		return &usageError{err}
	}
	if err := archivists.validate(&sig); err != nil {
		return &usageError{err}
	}
	if err := emcFeed.validate(); err != nil {
		return &usageError{err}
	}
	clock, err := tc.clock(log)
	if err != nil {
		return &usageError{err}
	}
	return serve(ctx, a, &cfg, &sig, &fm, &ledger, &nt, &docs, &results, &pages, &demo, &fixity, clock, log)
}

// serve runs the server until ctx is cancelled (by SIGINT/SIGTERM in main),
// then shuts down gracefully: HTTP first, then background work, then stores.
func serve(ctx context.Context, a *app, cfg *config.Serve, sig *serveSigning, fm *serveForms, lg *serveLedger, nt *serveNotify, dc *serveConvert, rs *serveResults, pg *serveWeb, demo *serveDemo, fixity *serveFixity, clock func() time.Time, log *slog.Logger) (err error) {
	startCtx, cancelStart := context.WithTimeout(ctx, startTimeout)
	defer cancelStart()
	// One pool for every PDF parse of the process: their estimated memory
	// together stays within --pdf-memory.
	budget := signing.ParseBudget{Memory: cfg.Limits.PDFMemory, Time: cfg.Limits.PDFTime, Pool: signing.NewMemoryPool(cfg.Limits.PDFMemory)}
	verifier, signingCfg, closeKeys, err := sig.build(startCtx, budget)
	if err != nil {
		return err
	}
	defer closeKeys()
	formReg, err := fm.build(log)
	if err != nil {
		return err
	}
	email, sms, err := nt.senders(log)
	if err != nil {
		return err
	}
	// The converter and templates print the dossiers' slips and results.
	docs, err := dc.build(startCtx, log, demo.enabled)
	if err != nil {
		return err
	}
	st, err := openStores(startCtx, &cfg.Store, mayCreate, log)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		if cerr := st.close(cctx); cerr != nil {
			log.Error("đóng kho dữ liệu lỗi", "err", cerr)
			if err == nil {
				err = kerr.Wrap(cerr, kerr.Internal, "close_failed", "Không đóng được kho dữ liệu đúng cách.")
			}
		}
	}()

	formReg.SetStore(st.meta)
	draftsDir := ""
	if !cfg.Store.UsesMongo() {
		draftsDir = cfg.Store.DataDir
	}
	drafts, err := fm.drafts(st.meta, draftsDir, log)
	if err != nil {
		return err
	}

	notes := notify.New(notify.Config{Store: st.meta, Email: email, SMS: sms, Log: log})

	ledgerSigning, closeCheckpoints, err := lg.signing(startCtx, &cfg.Store, sig.tsa, sig.timeout, log)
	if err != nil {
		return err
	}
	defer closeCheckpoints()
	vault := st.vault(archive.Config{MaxUploadBytes: cfg.MaxUploadBytes, BlobGrace: cfg.BlobGrace, Verifier: verifier, PDFBudget: budget, Ledger: ledgerSigning,
		OnPaper: paperNotifier(notes, log), Renewal: sig.renewal(log), Converter: archivalConverter(docs)}, log)
	if err := loadCatalogs(startCtx, vault, cfg.CatalogFile, log); err != nil {
		return err
	}
	// The national calendar is stored once, so that every process counts
	// deadlines with the same days whatever calendar its version ships.
	calendars := calendar.NewService(st.meta)
	if _, err := calendars.LoadShipped(startCtx); err != nil {
		return err
	}
	pg.emc.build(st.meta, clock, log) // Reports — EMC feed (st-emc)
	wf, err := serveWorkflow(startCtx, st.meta, vault, formReg, log, printerSeam(docs), resultsSeam(rs.build(docs, signingCfg, vault, log)), deadlineSeams(calendars, notes), clockSeam(clock), pg.emc.seam())
	if err != nil {
		return err
	}
	vault.SetLeaderCheck(vaultLeaders(wf)) // Reports — Vault statistics (st-vault): who sees /bao-cao/kho
	if err := demo.seed(startCtx, st.meta, vault, wf, formReg, log); err != nil {
		return err
	}
	cancelStart()

	// Listening first: the OpenID Connect callback names the port (--addr :0).
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "listen_failed", "Không mở được cổng lắng nghe.")
	}
	var signIn *auth.Service
	if pg.enabled {
		if signIn, err = pg.auth.service(st.meta, cfg, log); err != nil {
			ln.Close()
			return err
		}
	}
	pg.trusted = cfg.Limits.TrustedProxies
	if !docs.basic { // the demo's basicpdf renders no office files: their renditions stay off
		pg.converter = docs.converter
	}
	pg.forms, pg.calendars = formReg, calendars // the admin pages publish eForms and edit holidays (web-admin)
	// The draft page keeps a half-filled eForm as its applicant's draft (web-draft).
	pg.drafts = drafts
	pg.paper = docs.paperCopy() // the archivists' paper copies (arc-paper)
	// The archivists sign digitised papers with their keys (arc-digitise).
	pg.scanKeys = pg.archivists.build(signingCfg)
	reports := serveReports(st.meta, wf, notes, clock) // Reports — report templates (st-templates)
	pg.reports = reports
	pages, err := pg.pages(vault, wf, verifier, cfg.MaxUploadBytes, signIn, ln.Addr().String(), log)
	if err != nil {
		ln.Close()
		return err
	}
	api := portal.New(portal.Config{Pages: pages, MaxUploadBytes: cfg.MaxUploadBytes, Verifier: verifier, Signing: signingCfg, Forms: formReg, Drafts: drafts, Calendars: calendars, Workflow: wf,
		Notifications: notes, PaperCopy: docs.paperCopy(), ArchivistKeys: pg.scanKeys, Reports: reports, EMC: pg.emc.feed(), ReportPrinter: docs.converter,
		BodyMinRate: cfg.Limits.BodyMinRate, BodyIdleTimeout: cfg.Limits.BodyIdleTimeout}, vault, st.meta, log)
	ln = portal.LimitListener(ln, portal.ConnLimits{Total: cfg.Limits.MaxConns, PerClient: cfg.Limits.MaxConnsPerClient, Exempt: cfg.Limits.ConnLimitExempt})
	srv := api.NewHTTPServer(cfg.Addr)

	metaAt, blobsAt := cfg.Store.Describe()
	log.Info("Kho đang chạy",
		"url", "http://"+ln.Addr().String(),
		"metadata", metaAt, "blobs", blobsAt,
		"maxUpload", config.FormatSize(api.Config().MaxUploadBytes),
		"verifySignatures", verifier != nil,
		"signKeys", strings.Join(sig.keyNames(), ","),
		"forms", len(formReg.List()),
		"converter", docs.converter != nil, "basicPDF", docs.basic,
		"templates", len(docs.templates.List()),
		"ledgerCheckpoints", ledgerSigning.Signer != nil,
		"email", email != nil, "sms", nt.smsName(),
		"pid", os.Getpid())
	demo.announce(a.stdout, "http://"+ln.Addr().String(), docs.converter != nil, docs.basic)

	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Go(func() {
		bgJobs := append(backgroundJobs(vault, drafts, cfg, lg, fixity, log), nt.outboxJob(notes), wf.DeadlineJob(deadlineScanInterval), wf.StatsJob(statsJobInterval),
			auth.PurgeJob(st.meta, nil, authPurgeInterval))
		bgJobs = append(bgJobs, reportPeriodicJobs(reports)...) // Reports — report templates (st-templates)
		bgJobs = append(bgJobs, pg.emc.jobs()...)               // Reports — EMC feed (st-emc)
		runBackground(bgCtx, bgJobs, st, log)
	})

	served := make(chan error, 1)
	go func() { served <- srv.Serve(api.Listener(ln)) }()

	select {
	case err := <-served:
		stopBackground()
		bg.Wait()
		return kerr.Wrap(err, kerr.Unavailable, "serve_failed", "Máy chủ HTTP dừng bất thường.")
	case <-ctx.Done():
	}

	// A second signal now kills the process at once.
	if a.resetSignals != nil {
		a.resetSignals()
	}
	log.Info("Đang dừng Kho: chờ các yêu cầu đang chạy", "timeout", cfg.ShutdownTimeout)
	shutCtx, cancelShut := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancelShut()
	shutErr := srv.Shutdown(shutCtx)
	if shutErr != nil {
		log.Warn("Hết thời gian chờ; đóng các kết nối còn lại", "err", shutErr)
		srv.Close()
	}
	<-served // http.ErrServerClosed
	stopBackground()
	bg.Wait()
	// Let the settling of the last finished uploads end before the stores
	// close; what it cuts short the collector finishes.
	wctx, cancelWait := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	if err := vault.Wait(wctx); err != nil {
		log.Warn("Chưa hoàn tất việc dọn các lần tải lên", "err", err)
	}
	cancelWait()
	if shutErr != nil {
		return kerr.Wrap(shutErr, kerr.Unavailable, "shutdown_timeout",
			"Một số yêu cầu chưa xong khi hết thời gian chờ tắt máy chủ.")
	}
	log.Info("Kho đã dừng")
	return nil
}

// loadCatalogs loads the starter catalogue into an empty catalogue, then
// the operator's file if given.
func loadCatalogs(ctx context.Context, vault *archive.Service, file string, log *slog.Logger) error {
	types, err := vault.DocumentTypes(ctx, systemActor())
	if err != nil {
		return err
	}
	if len(types) == 0 {
		nt, np, err := vault.LoadCatalog(ctx, systemActor(), bytes.NewReader(archive.DefaultCatalog()))
		if err != nil {
			return err
		}
		log.Info("Đã nạp danh mục giấy tờ mặc định", "types", nt, "procedures", np)
	}
	if file == "" {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return kerr.Wrap(err, kerr.Invalid, "catalog_unreadable", "Không đọc được tệp danh mục.")
	}
	defer f.Close()
	nt, np, err := vault.LoadCatalog(ctx, systemActor(), f)
	if err != nil {
		return err
	}
	log.Info("Đã nạp danh mục", "file", file, "types", nt, "procedures", np)
	return nil
}

// runBackground removes staged writes a crash left behind (each process
// its own, in a local data directory), then runs the shared background jobs
// under leases in the metadata store until ctx is cancelled: however many
// processes share the store, one at a time runs each job, once per its
// interval in all. Jobs with no interval (0) do not run.
func runBackground(ctx context.Context, all []jobs.Job, st *stores, log *slog.Logger) {
	if st.local != nil {
		n, err := st.local.CleanTemp(ctx, tempGrace)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("Dọn tệp tạm lỗi", "err", err)
		case n > 0:
			log.Info("Đã dọn tệp tạm còn sót", "files", n)
		}
	}
	poll := 30 * time.Second
	var run []jobs.Job
	for _, j := range all {
		if j.Every > 0 {
			run = append(run, j)
			poll = min(poll, j.Every)
		}
	}
	if len(run) == 0 {
		return
	}
	runner := jobs.NewRunner(st.meta, log, jobs.WithPoll(poll))
	runner.Loop(ctx, run...)
}

// backgroundJobs are the leased jobs of `kho serve`: orphan blobs, expired
// drafts, and — when the server has a checkpoint key — ledger checkpoints.
func backgroundJobs(vault *archive.Service, drafts *forms.Drafts, cfg *config.Serve, lg *serveLedger, fixity *serveFixity, log *slog.Logger) []jobs.Job {
	js := []jobs.Job{
		{Name: "blob-gc", Every: cfg.GCInterval, Timeout: gcTimeout, Run: func(ctx context.Context, _ *jobs.Run) error {
			rep, err := vault.CollectGarbageWith(ctx, archive.GCOptions{})
			if rep != (archive.GCReport{}) {
				log.Info("Đã hoàn tất các lần tải lên bị gián đoạn và thu gom tệp không còn dùng",
					"uploads", rep.Uploads, "abandoned", rep.Abandoned, "blobs", rep.Deleted, "restored", rep.Restored)
			}
			return err
		}},
		{Name: "draft-sweep", Every: cfg.GCInterval, Timeout: gcTimeout, Run: func(ctx context.Context, _ *jobs.Run) error {
			return sweepDrafts(ctx, drafts, log)
		}},
	}
	if vault.LedgerVerifierKey() != "" {
		js = append(js, checkpointJob(vault, lg.interval, log))
	}
	// The archive's leased jobs, one section for each part.
	// Archive — Conversion (arc-convert).

	// Archive — Digitisation (arc-digitise).
	js = append(js, scanExpiryJob(vault, cfg.GCInterval))

	// Archive — Paper copies (arc-paper).

	// Archive — Retention, legal holds, disposal (arc-retention).
	js = append(js, retentionJob(vault, log))

	// Archive — Fixity (arc-fixity).
	js = append(js, fixity.job(vault))

	// Archive — Transfer: BagIt export and import (arc-bagit).

	// Archive — Long-term validation renewal (arc-ltv).
	if vault.RenewalConfigured() {
		js = append(js, ltvJob(vault, log))
	}

	// Reports and statistics (issue 13), one section for each part.
	// Reports — Dossier statistics engine (st-engine).

	// Reports — Vault statistics (st-vault).
	js = append(js, vault.VaultStatsJob(vaultStatsInterval))

	// Reports — EMC feed (st-emc).

	// Reports — Report templates, saved and periodic reports (st-templates).

	return js
}
