package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// TestServeEMCFlags: the feed is off without a URL; with one it needs an
// https URL (plain http only to loopback), a site ID and positive
// durations.
func TestServeEMCFlags(t *testing.T) {
	ok := serveEMC{interval: time.Minute, maxAge: time.Hour, siteID: "000.00.00.H29"}
	for _, c := range []struct {
		url, site string
		interval  time.Duration
		valid     bool
	}{
		{"", "", 0, true},
		{"https://emc.example.vn/api/events", "000.00.00.H29", time.Minute, true},
		{"http://127.0.0.1:9000/", "000.00.00.H29", time.Minute, true},
		{"http://localhost:9000/", "000.00.00.H29", time.Minute, true},
		{"http://emc.example.vn/", "000.00.00.H29", time.Minute, false},
		{"ftp://emc.example.vn/", "000.00.00.H29", time.Minute, false},
		{"emc.example.vn", "000.00.00.H29", time.Minute, false},
		{"https://emc.example.vn/", "", time.Minute, false},
		{"https://emc.example.vn/", "000.00.00.H29", 0, false},
	} {
		f := ok
		f.url, f.siteID, f.interval = c.url, c.site, c.interval
		err := f.validate()
		if (err == nil) != c.valid || err != nil && !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("--emc-url %q --emc-site-id %q --emc-interval %v: %v", c.url, c.site, c.interval, err)
		}
	}
	var off serveEMC
	if off.jobs() != nil || off.feed() != nil {
		t.Error("an unbuilt feed has jobs or a feed")
	}
}

// countingNotifier counts its calls and fails with err.
type countingNotifier struct {
	n   *int
	err error
}

func (c countingNotifier) Notify(context.Context, workflow.Event) error { *c.n++; return c.err }

// TestBothNotifiers: the feed is told of each event even when the
// notification outbox before it fails, and the failure is reported.
func TestBothNotifiers(t *testing.T) {
	var first, second int
	boom := errors.New("outbox down")
	b := bothNotifiers{countingNotifier{&first, boom}, countingNotifier{&second, nil}}
	if err := b.Notify(context.Background(), workflow.Event{}); !errors.Is(err, boom) || first != 1 || second != 1 {
		t.Fatalf("err %v, calls %d %d", err, first, second)
	}
	if err := (bothNotifiers{nil, countingNotifier{&second, nil}}).Notify(context.Background(), workflow.Event{}); err != nil || second != 2 {
		t.Fatalf("with no first notifier: %v, %d", err, second)
	}
}
