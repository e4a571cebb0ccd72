package main

// Reports — EMC feed (st-emc): the flags of kho serve that switch the
// feed to the national monitoring system EMC on, the workflow's notifier
// that records each dossier event, and the feed's leased jobs.

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/workflow"
)

// The environment variables of the EMC flags.
const (
	envEMCURL    = "KHO_EMC_URL"
	envEMCSiteID = "KHO_EMC_SITE_ID"
	envEMCToken  = "KHO_EMC_TOKEN"
)

// defaultEMCInterval is how often the outbox is delivered and the
// catch-up runs.
const defaultEMCInterval = 30 * time.Second

// serveEMC is the EMC feed's configuration; svc is built by seam when a
// URL is given (nil: the feed is off).
type serveEMC struct {
	url, siteID, token string
	interval, maxAge   time.Duration
	svc                *emc.Service
}

func (c *serveEMC) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.url, "emc-url", getenv(envEMCURL), "`URL` of the national monitoring system EMC that each dossier event is POSTed to (none: the feed is off) [$"+envEMCURL+"]")
	fs.StringVar(&c.siteID, "emc-site-id", getenv(envEMCSiteID), "this system's `CODE` at EMC (SiteId of each event) [$"+envEMCSiteID+"]")
	fs.StringVar(&c.token, "emc-token", getenv(envEMCToken), "bearer `TOKEN` EMC gave this system (prefer the environment variable: a flag shows in the process list) [$"+envEMCToken+"]")
	fs.DurationVar(&c.interval, "emc-interval", defaultEMCInterval, "how often queued EMC events are sent and missed ones looked for")
	fs.DurationVar(&c.maxAge, "emc-max-age", 72*time.Hour, "how long an EMC event is retried before it is given up for an admin to retry")
}

func emcConfigErr(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "invalid_emc_config", "Cấu hình kết nối Hệ thống EMC không hợp lệ.", detail, args...)
}

// validate checks the flags: an absolute http(s) URL (plain http only to
// a loopback address), a site ID with it, positive durations.
func (c *serveEMC) validate() error {
	if c.url == "" {
		return nil
	}
	u, err := url.Parse(c.url)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return emcConfigErr("--emc-url %q: want an absolute http or https URL", c.url)
	}
	if u.Scheme == "http" {
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return emcConfigErr("--emc-url %q: plain http only to a loopback address", c.url)
		}
	}
	if c.siteID == "" || len(c.siteID) > 100 {
		return emcConfigErr("--emc-site-id: required with --emc-url, at most 100 characters")
	}
	if c.interval <= 0 || c.maxAge <= 0 {
		return emcConfigErr("--emc-interval and --emc-max-age must be positive")
	}
	return nil
}

// build makes the service over meta: with no URL it sends nothing and
// records nothing, but admins still read the log kept from before.
func (c *serveEMC) build(meta metaStore, clock func() time.Time, log *slog.Logger) {
	if c == nil {
		return
	}
	c.svc = emc.New(emc.Config{Store: meta, Procedures: meta, URL: c.url, SiteID: c.siteID, Token: c.token,
		MaxAge: c.maxAge, Now: clock, Log: log})
}

// seam adds the feed to the workflow's notifier (after the one set
// before it): each transition's event is recorded as it is stored.
func (c *serveEMC) seam() func(*workflow.Config) {
	return func(cfg *workflow.Config) {
		if c != nil && c.svc != nil && c.url != "" {
			cfg.Notifier = bothNotifiers{cfg.Notifier, c.svc}
		}
	}
}

// jobs are the feed's leased jobs (none when it is off).
func (c *serveEMC) jobs() []jobs.Job {
	switch {
	case c == nil || c.svc == nil:
		return nil
	case c.url == "":
		// Off: only the log's pruning, so that it still ends after 400 days.
		return c.svc.Jobs(c.interval)[2:]
	}
	return c.svc.Jobs(c.interval)
}

// feed is the service for the admins' API (nil when there is none).
func (c *serveEMC) feed() portal.EMCFeed {
	if c == nil || c.svc == nil {
		return nil
	}
	return c.svc
}

// bothNotifiers tells both notifiers (a nil one is skipped) of each
// event, the second even when the first fails.
type bothNotifiers [2]workflow.Notifier

func (b bothNotifiers) Notify(ctx context.Context, e workflow.Event) error {
	var errs []error
	for _, n := range b {
		if n != nil {
			errs = append(errs, n.Notify(ctx, e))
		}
	}
	return errors.Join(errs...)
}
