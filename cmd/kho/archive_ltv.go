package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// renewBatch is how many due papers one batch of the renewal looks at.
const renewBatch = 50

// ltvJobInterval is how often `kho serve` runs the renewal job; each run
// is one bounded batch, continuing from the cursor it saved.
const ltvJobInterval = time.Hour

// ltvJobTimeout bounds one run of the renewal job.
const ltvJobTimeout = 20 * time.Minute

func archiveRenewCommand() *command {
	return &command{
		name:    "renew",
		usage:   "kho archive renew [--within DURATION] [--dry-run] --trust ROOTS.pem --tsa URL [store flags]",
		summary: "renew the long-term validation data (PAdES B-LTA) of the signed papers whose certificates expire soon",
		vi:      "Gia hạn chữ ký số (B-LTA) của các giấy tờ có chứng thư sắp hết hạn",
		help: `For every signed paper whose validation expires within --within (the
earliest expiry of the certificates it rests on: signers', time-stamp
authorities', and at B-LTA the last document time-stamp's), adds fresh
OCSP/CRL answers and a new document time-stamp from --tsa (signing.Extend at
B-LTA) and stores the result as a new version of the paper ("Gia hạn chữ ký
số (B-LTA)"). The previous version stays byte for byte and the original
signatures stay valid. One line per paper; a paper whose TSA or OCSP
responder does not answer gets its error and the others go on. The papers
are found through an index, in batches of 50. --dry-run lists them only.
The server does this by itself every hour (the "ltv-renew" job) when it
runs with --trust and --tsa.`,
		run: runArchiveRenew,
	}
}

func runArchiveRenew(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	within := fs.Duration("within", archive.DefaultRenewWithin, "renew the papers whose validation expires within this `DURATION`")
	dryRun := fs.Bool("dry-run", false, "list the papers due, renew nothing")
	trust := fs.String("trust", "", "PEM `FILE` of trust anchors (default: the system's roots)")
	tsa := fs.String("tsa", "", "RFC 3161 time-stamp authority `URL` of the new document time-stamps")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each OCSP, CRL or TSA request")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *within <= 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_duration", "Khoảng thời gian --within phải lớn hơn 0.", "--within %s", *within)}
	}
	if *tsa == "" && !*dryRun {
		return &usageError{kerr.New(kerr.Invalid, "tsa_required", "Cần địa chỉ máy chủ cấp dấu thời gian (--tsa) để gia hạn.", "--tsa is required unless --dry-run")}
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return err
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		vault := st.vault(renewalConfig(roots, *tsa, *timeout, *within), a.quietLog())
		rep, err := renewAll(ctx, vault, *within, *dryRun, func(line string) { fmt.Fprintln(a.stdout, line) })
		if err != nil {
			return err
		}
		if *dryRun {
			fmt.Fprintf(a.stdout, "Cần gia hạn: %d giấy tờ\n", rep.Due)
			return nil
		}
		fmt.Fprintf(a.stdout, "Đã gia hạn: %d; bỏ qua: %d; lỗi: %d\n", rep.Renewed, rep.Skipped, rep.Failed)
		if rep.Failed > 0 {
			return kerr.New(kerr.Unavailable, "renewal_incomplete", fmt.Sprintf("%d giấy tờ chưa gia hạn được; hãy chạy lại sau.", rep.Failed), "%d papers failed", rep.Failed)
		}
		return nil
	})
}

// renewalConfig is the vault's configuration for renewing: the signatures
// verified against roots (a renewed version is verified on store), and
// the renewal's checker and TSA.
func renewalConfig(roots *x509.CertPool, tsa string, timeout, within time.Duration) archive.Config {
	checker := &signing.Checker{Roots: roots, Timeout: timeout}
	return archive.Config{
		Verifier: archive.NewVerifier(signing.VerifyOptions{Roots: roots, Checker: checker}),
		Renewal:  archive.RenewalConfig{Checker: checker, TSAURL: tsa, TSATimeout: timeout, Within: within},
	}
}

// renewal is the renewal configuration of `kho serve`: its --trust and
// --tsa, the checker fetching through the same client as the verifier's.
// Without either, papers are found due but not renewed (and the job does
// not run).
func (c *serveSigning) renewal(log *slog.Logger) archive.RenewalConfig {
	if c.trust == "" || c.tsa == "" {
		return archive.RenewalConfig{}
	}
	roots, err := loadRoots(c.trust)
	if err != nil {
		log.Warn("Không gia hạn chữ ký số: không đọc được danh sách tin cậy", "err", err)
		return archive.RenewalConfig{}
	}
	return archive.RenewalConfig{Checker: &signing.Checker{Roots: roots, Timeout: c.timeout, HTTPClient: c.httpClient()}, TSAURL: c.tsa, TSATimeout: c.timeout}
}

// ltvCursor is the saved progress of the renewal job.
type ltvCursor struct {
	// After is where the next batch of due papers starts.
	After archive.RenewCursor `json:"after"`
	// Backfill is the last paper verified again for its expiry, and
	// BackfillDone says none is left.
	Backfill     string `json:"backfill,omitempty"`
	BackfillDone bool   `json:"backfillDone,omitempty"`
}

// decodeLTVCursor reads a saved cursor; an unreadable one starts over.
func decodeLTVCursor(s string) ltvCursor {
	var c ltvCursor
	if s != "" && json.Unmarshal([]byte(s), &c) != nil {
		return ltvCursor{}
	}
	return c
}

func (c ltvCursor) encode() string {
	b, _ := json.Marshal(c) // plain fields: never fails
	return string(b)
}

// renewAll renews (or, dry, lists) every paper due within, batch after
// batch, telling out one line per paper.
func renewAll(ctx context.Context, vault *archive.Service, within time.Duration, dry bool, out func(string)) (archive.RenewReport, error) {
	var total archive.RenewReport
	after := archive.RenewCursor{}
	for {
		rep, err := vault.RenewDue(ctx, archive.SystemRenewer, archive.RenewBatch{Within: within, After: after, Limit: renewBatch, DryRun: dry,
			OnPaper: func(it archive.RenewalItem, res archive.RenewResult, err error) { out(renewLine(it, res, err, dry)) }})
		total.Due += rep.Due
		total.Renewed += rep.Renewed
		total.Skipped += rep.Skipped
		total.Failed += rep.Failed
		if err != nil || !rep.More {
			return total, err
		}
		after = rep.Next
	}
}

// renewLine is the line said of one paper.
func renewLine(it archive.RenewalItem, res archive.RenewResult, err error, dry bool) string {
	day := func(t time.Time) string { return t.In(vietnam()).Format("02/01/2006") }
	switch {
	case dry:
		return fmt.Sprintf("CẦN  %s (chủ %s, %s): hết hạn xác thực %s", it.DocumentID, term(it.OwnerID), term(it.TypeCode), day(it.ExpiresAt))
	case err != nil && kerr.IsKind(err, kerr.Conflict):
		return fmt.Sprintf("BỎ QUA %s: giấy tờ vừa được thay đổi; lần sau sẽ xét lại", it.DocumentID)
	case err != nil:
		code, msg := kerr.Public(err)
		return fmt.Sprintf("LỖI %s: %s (%s)", it.DocumentID, msg, code)
	case !res.Renewed:
		return fmt.Sprintf("BỎ QUA %s: đã được gia hạn", it.DocumentID)
	}
	return fmt.Sprintf("OK   %s: phiên bản %d (%s), hạn xác thực %s → %s", it.DocumentID, res.Version, res.Level, day(res.Before), day(res.After))
}

// ltvJob is the leased renewal job of `kho serve`: each run renews one
// batch of due papers from the cursor it saved, and starts again from the
// earliest once it reaches the end. Signed papers without an expiry (kept
// before expiries were) are verified again first, a batch at a time, from
// their own cursor.
func ltvJob(vault *archive.Service, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "ltv-renew", Every: ltvJobInterval, Timeout: ltvJobTimeout, Run: func(ctx context.Context, r *jobs.Run) error {
		cur := decodeLTVCursor(r.Cursor())
		if !cur.BackfillDone {
			next, n, err := vault.BackfillExpiry(ctx, cur.Backfill, renewBatch)
			if err != nil {
				return err
			}
			if n > 0 {
				log.Info("Đã tính hạn xác thực của các giấy tờ đã ký trước đây", "papers", n)
			}
			cur.Backfill, cur.BackfillDone = next, next == cur.Backfill
		}
		rep, err := vault.RenewDue(ctx, archive.SystemRenewer, archive.RenewBatch{After: cur.After, Limit: renewBatch,
			OnPaper: func(it archive.RenewalItem, res archive.RenewResult, err error) {
				if err != nil && !kerr.IsKind(err, kerr.Conflict) {
					log.Warn("Chưa gia hạn được chữ ký số của giấy tờ", "document", it.DocumentID, "err", err)
				} else if res.Renewed {
					log.Info("Đã gia hạn chữ ký số", "document", it.DocumentID, "version", res.Version, "until", res.After)
				}
			}})
		if err != nil {
			return err
		}
		cur.After = archive.RenewCursor{}
		if rep.More {
			cur.After = rep.Next
		}
		return r.Save(ctx, cur.encode())
	}}
}
