package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// Environment of the fixity job's flags.
const (
	envFixityInterval = "KHO_FIXITY_INTERVAL"
	envFixityBlobs    = "KHO_FIXITY_BLOBS"
	envFixityBytes    = "KHO_FIXITY_BYTES"
)

// defaultFixityInterval is how often the fixity job runs by default: each
// run checks at most --fixity-blobs blobs and --fixity-bytes bytes, so
// 24 runs a day re-hash up to 48,000 blobs or 48 GiB a day.
const defaultFixityInterval = time.Hour

// serveFixity is the fixity job's configuration in `kho serve`.
type serveFixity struct {
	interval time.Duration
	blobs    int
	bytes    int64
	err      error // an environment variable that does not parse
}

func (c *serveFixity) bind(fs *flag.FlagSet, getenv config.Getenv) {
	c.interval, c.blobs, c.bytes = defaultFixityInterval, archive.DefaultFixityBlobs, archive.DefaultFixityBytes
	if v := getenv(envFixityInterval); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			c.err = kerr.New(kerr.Invalid, "invalid_env", "Biến môi trường không hợp lệ.", "%s=%q: want a duration such as 1h or 0", envFixityInterval, v)
		}
		c.interval = d
	}
	if v := getenv(envFixityBlobs); v != "" {
		if _, err := fmt.Sscan(v, &c.blobs); err != nil || c.blobs < 1 {
			c.err = kerr.New(kerr.Invalid, "invalid_env", "Biến môi trường không hợp lệ.", "%s=%q: want a positive number", envFixityBlobs, v)
		}
	}
	if v := getenv(envFixityBytes); v != "" {
		n, err := config.ParseSize(v)
		if err != nil || n < 1 {
			c.err = kerr.New(kerr.Invalid, "invalid_env", "Biến môi trường không hợp lệ.", "%s=%q: want a size such as 2GB", envFixityBytes, v)
		}
		c.bytes = n
	}
	fs.DurationVar(&c.interval, "fixity-interval", c.interval, "how often the fixity job re-hashes the next stretch of stored blobs (0 = never) [$"+envFixityInterval+"]")
	fs.IntVar(&c.blobs, "fixity-blobs", c.blobs, "at most this many blobs per fixity run [$"+envFixityBlobs+"]")
	fs.Func("fixity-bytes", "about this many bytes per fixity run, e.g. 2GB (default 2GB) [$"+envFixityBytes+"]", func(v string) error {
		n, err := config.ParseSize(v)
		c.bytes = n
		return err
	})
}

func (c *serveFixity) validate() error {
	if c.err != nil {
		return c.err
	}
	if c.interval < 0 || c.blobs < 1 || c.bytes < 1 {
		return kerr.New(kerr.Invalid, "invalid_fixity_budget", "Cấu hình kiểm tra toàn vẹn không hợp lệ.",
			"--fixity-interval %v must not be negative, --fixity-blobs %d and --fixity-bytes %d must be positive", c.interval, c.blobs, c.bytes)
	}
	return nil
}

// job is the fixity job (Every 0: off).
func (c *serveFixity) job(vault *archive.Service) jobs.Job {
	return vault.FixityJob(c.interval, c.blobs, c.bytes)
}

func archiveFixityCommand() *command {
	return &command{
		name:    "fixity",
		usage:   "kho archive fixity [flags]",
		summary: "re-hash every stored blob the records reference, once, and report mismatches and missing ones",
		vi:      "Kiểm tra toàn vẹn: băm lại mọi tệp đã lưu, báo tệp sai lệch hoặc bị mất",
		help: `The server does this by itself, a stretch at a time (the "fixity" job, one
process at a time, every --fixity-interval, at most --fixity-blobs blobs and
--fixity-bytes bytes a run, its place kept between runs); this runs a whole
pass at once, from the first hash to the last, e.g. after restoring a backup.
It reads every blob that a version of a document references (its content
and its signature report) whole, once however many papers share it, and
checks its SHA-256. It prints what it found on standard output, one line
per blob with the documents and owners it affects, and exits with status 1
when a blob does not match its hash or is missing. The findings are stored,
shown at /luu-tru/toan-ven and GET /api/v1/archive/fixity, and cleared
when a later check passes.

It costs in proportion to the store (every blob is read): run it at a quiet
hour. It does not take the job's lease and does not move its place.`,
		run: runArchiveFixity,
	}
}

func runArchiveFixity(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	progressOn := fs.Bool("progress", a.progressDefault(), "report progress on standard error (default: when it is a terminal)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	// No time limit (withStore's is for short commands): a pass reads the
	// whole store; an interrupt stops it.
	st, err := openStores(ctx, cfg, mustExist, a.quietLog())
	if err != nil {
		return err
	}
	defer st.close(context.WithoutCancel(ctx))
	vault := st.vault(archive.Config{}, a.quietLog())
	p := a.newFixityProgress(*progressOn)
	run, _, err := vault.CheckFixity(ctx, archive.FixityOptions{Trigger: "command", Progress: p.update})
	if err != nil {
		return err
	}
	p.done(run)
	fmt.Fprintf(a.stdout, "checked: %d\nbytes: %d\nmismatches: %d\nmissing: %d\n", run.Checked, run.Bytes, run.Mismatches, run.Missing)
	after := ""
	for {
		fs, err := vault.FixityFindings(ctx, systemActor(), after, 500)
		if err != nil {
			return err
		}
		for _, f := range fs {
			printFinding(a.stdout, f)
		}
		if len(fs) < 500 {
			break
		}
		after = fs[len(fs)-1].Blob
	}
	took := run.Duration().Round(time.Millisecond)
	if run.Mismatches+run.Missing == 0 {
		fmt.Fprintf(a.stderr, "Toàn vẹn: đã kiểm tra %d tệp (%s) trong %s, tất cả khớp mã băm.\n", run.Checked, config.FormatSize(run.Bytes), took)
		return nil
	}
	return &exitError{code: 1, err: kerr.New(kerr.Integrity, "fixity_failed",
		fmt.Sprintf("Có %d tệp bị sai lệch và %d tệp bị mất trong %d tệp đã kiểm tra.", run.Mismatches, run.Missing, run.Checked),
		"fixity: %d mismatches, %d missing of %d blobs", run.Mismatches, run.Missing, run.Checked)}
}

// printFinding writes one line: kind, blob, size, then the documents.
func printFinding(w io.Writer, f archive.FixityFinding) {
	docs := make([]string, 0, len(f.Documents))
	for _, u := range f.Documents {
		doc := u.DocumentID
		if doc == "" {
			doc = "no document yet"
		}
		via := ""
		if u.Via != "" {
			via = ", " + strings.ReplaceAll(u.Via, "_", " ") + " " + u.RecordID
		}
		docs = append(docs, doc+" (owner "+u.OwnerID+via+")")
	}
	more := ""
	if f.MoreDocuments {
		more = ", …"
	}
	fmt.Fprintf(w, "%s %s %d bytes since %s: %s%s\n", f.Kind, f.Blob, f.Size, showTime(f.FirstSeen), strings.Join(docs, ", "), more)
}

// fixityProgress reports a pass on standard error: blobs and bytes so
// far, the rate, and — hashes being uniform, from the last hash checked —
// how much of the pass is done and how long the rest should take.
type fixityProgress struct {
	p *progress
}

func (a *app) newFixityProgress(on bool) *fixityProgress {
	return &fixityProgress{p: a.newProgress(on, "Đang kiểm tra toàn vẹn", "", -1)}
}

func (f *fixityProgress) update(r archive.FixityRun, c archive.FixityCursor) {
	p := f.p
	if p == nil {
		return
	}
	if t := p.now(); t.Sub(p.last) >= progressEvery {
		p.last = t
		f.report(r, c.Fraction(), false)
	}
}

func (f *fixityProgress) done(r archive.FixityRun) {
	if f.p == nil {
		return
	}
	f.report(r, 1, true)
}

func (f *fixityProgress) report(r archive.FixityRun, frac float64, final bool) {
	p := f.p
	elapsed := p.now().Sub(p.start)
	line := fmt.Sprintf("%s: %d tệp, %s", p.verb, r.Checked, config.FormatSize(r.Bytes))
	if secs := elapsed.Seconds(); secs > 0 {
		line += fmt.Sprintf(", %s/s", config.FormatSize(int64(float64(r.Bytes)/secs)))
	}
	line += fmt.Sprintf(", %d %%", int(frac*100))
	if !final && frac > 0 {
		left := time.Duration(float64(elapsed) * (1 - frac) / frac).Round(time.Second)
		line += ", còn khoảng " + left.String()
	}
	if n := r.Mismatches + r.Missing; n > 0 {
		line += fmt.Sprintf(", %d lỗi", n)
	}
	p.write(line, final)
}
