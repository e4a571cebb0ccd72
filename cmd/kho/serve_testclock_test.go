package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeTestClock: $KHO_TEST_NOW moves the workflow's clock only with
// --test-clock — without the flag it is ignored (the real time) — and
// the flag without a valid time stops the start with invalid_test_clock.
func TestServeTestClock(t *testing.T) {
	const at = "2026-08-28T09:00:00+07:00"
	start, _ := time.Parse(time.RFC3339, at)
	env := map[string]string{envTestNow: at}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	off := serveTestClock{enabled: false, getenv: func(k string) string { return env[k] }}
	if c, err := off.clock(log); err != nil || c != nil {
		t.Fatalf("without --test-clock: clock %v, err %v; want the real time", c != nil, err)
	}
	on := serveTestClock{enabled: true, getenv: func(k string) string { return env[k] }}
	c, err := on.clock(log)
	if err != nil || c == nil {
		t.Fatalf("with --test-clock: %v", err)
	}
	first := c()
	if first.Before(start) || first.Sub(start) > time.Minute {
		t.Fatalf("test clock reads %v, want just after %v", first, start)
	}
	if second := c(); second.Before(first) {
		t.Fatalf("the test clock ran back: %v then %v", first, second)
	}
	if !strings.Contains(logs.String(), "Đồng hồ kiểm thử") {
		t.Errorf("no warning in the log: %s", logs.String())
	}

	dataEnv := map[string]string{"KHO_DATA": filepath.Join(t.TempDir(), "data")}
	for _, v := range []string{"", "28/08/2026", "2026-08-28"} {
		dataEnv[envTestNow] = v
		code, _, errs := runKho(t, dataEnv, "serve", "--addr", "127.0.0.1:0", "--test-clock")
		if code != 2 || !strings.Contains(errs, "invalid_test_clock") {
			t.Errorf("--test-clock with %s=%q: exit %d, %s", envTestNow, v, code, errs)
		}
	}
}
