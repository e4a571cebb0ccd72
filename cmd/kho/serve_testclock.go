package main

import (
	"flag"
	"log/slog"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// envTestNow is the start time of the dossier lifecycle's clock in tests,
// read only when --test-clock is given.
const envTestNow = "KHO_TEST_NOW"

// serveTestClock is the clock override of end-to-end tests: with
// --test-clock, the dossier lifecycle's clock starts at $KHO_TEST_NOW
// (RFC 3339) and runs from there at the real pace, so that a test can
// receive a dossier on a chosen day (before a holiday) and read the due
// date the working-time calendar gives. Without the flag the variable is
// ignored: a production server never runs on a set clock by accident of
// its environment. Only the workflow's clock moves; the vault, tokens,
// signatures and the access ledger keep the real time.
type serveTestClock struct {
	enabled bool
	getenv  config.Getenv
}

func (c *serveTestClock) bind(fs *flag.FlagSet, getenv config.Getenv) {
	c.getenv = getenv
	fs.BoolVar(&c.enabled, "test-clock", false, "FOR TESTS ONLY: the dossier lifecycle's clock starts at $"+envTestNow+" (RFC 3339, e.g. 2026-08-28T09:00:00+07:00) and runs on from it; without this flag the variable is ignored")
}

// clock returns the workflow's clock: nil (the real time) unless the
// flag is given, then one that starts at $KHO_TEST_NOW. A missing or
// malformed time with the flag is a usage error.
func (c *serveTestClock) clock(log *slog.Logger) (func() time.Time, error) {
	if !c.enabled {
		return nil, nil
	}
	v := c.getenv(envTestNow)
	start, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, kerr.New(kerr.Invalid, "invalid_test_clock", "Thời điểm bắt đầu của đồng hồ kiểm thử không hợp lệ.",
			"--test-clock needs $%s as an RFC 3339 time, got %q", envTestNow, v)
	}
	log.Warn("Đồng hồ kiểm thử: thời gian xử lý hồ sơ không phải giờ thật", "start", start.Format(time.RFC3339))
	base := time.Now()
	return func() time.Time { return start.Add(time.Since(base)) }, nil
}

// clockSeam gives the workflow the clock (nil: leaves the real time).
func clockSeam(clock func() time.Time) func(*workflow.Config) {
	return func(c *workflow.Config) {
		if clock != nil {
			c.Now = clock
		}
	}
}
