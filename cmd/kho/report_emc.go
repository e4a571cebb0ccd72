package main

// Reports — EMC feed (st-emc): `kho report emc`, the feed's state and the
// retry of the events given up. The `kho report` group is registered by
// the statistics engine's part (st-engine) in main.go; this file only
// makes the subcommand (reportEMCCommand), for that group's list.

import (
	"context"
	"fmt"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/internal/kerr"
)

func reportEMCCommand() *command {
	return &command{
		name:    "emc",
		usage:   "kho report emc [flags]",
		summary: "the feed to the national monitoring system EMC: events pending and given up; --retry-failed sends the given-up ones again",
		vi:      "Kết nối Hệ thống EMC: sự kiện chờ gửi, gửi không thành công; --retry-failed gửi lại",
		help: `Each dossier event is recorded in an outbox and POSTed to EMC by the server
(kho serve --emc-url ...), retried with backoff and given up after
--emc-max-age. This prints how many events are pending and given up, and
each event given up (ID, dossier, attempts, last error). With
--retry-failed it puts every event given up back in the queue, due now,
with its attempts counted afresh; the server sends them at its next run,
in order within each dossier. It exits with status 1 while events are
given up (after --retry-failed: none is).`,
		run: runReportEMC,
	}
}

// maxRetryFailed bounds the events one --retry-failed puts back.
const maxRetryFailed = 100_000

func runReportEMC(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	retry := fs.Bool("retry-failed", false, "put every event given up back in the queue")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	st, err := openStores(ctx, cfg, mustExist, a.quietLog())
	if err != nil {
		return err
	}
	defer st.close(context.WithoutCancel(ctx))
	svc := emc.New(emc.Config{Store: st.meta, Procedures: st.meta, Now: a.now})
	admin := systemActor()
	if *retry {
		n := 0
		for n < maxRetryFailed {
			page, err := svc.Failed(ctx, admin, "", 200)
			if err != nil {
				return err
			}
			if len(page.Events) == 0 {
				break
			}
			for _, e := range page.Events {
				// Retry puts back the later events of the dossier too: one
				// of those may be gone from the list by now.
				if _, err := svc.Retry(ctx, admin, e.ID); err != nil && !kerr.IsKind(err, kerr.Conflict) {
					return err
				}
				n++
			}
		}
		fmt.Fprintf(a.stderr, "EMC: đã đưa %d sự kiện gửi không thành công vào hàng đợi gửi lại.\n", n)
	}
	status, err := svc.Status(ctx, admin)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "pending: %d\nfailed: %d\n", status.Pending, status.Failed)
	before := ""
	for {
		page, err := svc.Failed(ctx, admin, before, 200)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			fmt.Fprintf(a.stdout, "failed %s dossier %s attempts %d since %s: %s\n", e.ID, e.Dossier, e.Attempts, showTime(e.NextAt), e.LastError)
		}
		if page.Next == "" {
			break
		}
		before = page.Next
	}
	if status.Failed > 0 {
		return &exitError{code: 1, err: kerr.New(kerr.Unavailable, "emc_events_failed",
			fmt.Sprintf("Có %d sự kiện chưa gửi được tới Hệ thống EMC; chạy lại với --retry-failed để gửi lại.", status.Failed),
			"emc: %d events given up", status.Failed)}
	}
	return nil
}
