package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// reportPeriodicEvery is how often the periodic reports' job looks for
// periods that closed.
const reportPeriodicEvery = time.Hour

// serveReports is the report templates of kho serve: its periodic runs
// computed by wf's statistics engine and announced through notes.
func serveReports(meta workflow.Store, wf *workflow.Service, notes *notify.Service, now func() time.Time) *workflow.Reports {
	return workflow.NewReports(workflow.ReportsConfig{Store: meta, Stats: wf, Outbox: notes, Now: now, Link: web.ReportRunURL})
}

// reportPeriodicJobs is the leased report-periodic job.
func reportPeriodicJobs(rs *workflow.Reports) []jobs.Job {
	return []jobs.Job{rs.PeriodicJob(reportPeriodicEvery)}
}

// reportTemplateCommands are the subcommands of `kho report` of the
// report templates.
func reportTemplateCommands() []*command {
	return []*command{
		{name: "templates", usage: "kho report templates [flags] [--owner SUBJECT]",
			summary: "list the shared report templates and, with --owner, that person's saved reports",
			vi:      "Liệt kê mẫu báo cáo dùng chung và báo cáo cá nhân", run: runReportTemplates},
		{name: "run-periodic", usage: "kho report run-periodic [flags] --now | --at TIME",
			summary: "make the runs of periodic reports whose period has closed, once",
			vi:      "Lập các báo cáo định kỳ đã đến kỳ (một lần)",
			help: `Visits the scheduled templates as the report-periodic job does (at most
2,000 per call, from the first) and stores, for each, the run of the
last closed month, quarter or year that it does not have yet; the owner
is told in-app. A run is stored once per template and period, so this is
safe beside a running kho serve. --at computes as if it were TIME
(RFC 3339, e.g. 2027-01-01T00:05:00+07:00).`,
			run: runReportPeriodic},
	}
}

func runReportTemplates(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	owner := fs.String("owner", "", "also list the personal saved reports of this `SUBJECT`")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		keys := []string{string(workflow.ScopeShared)}
		if *owner != "" {
			keys = append(keys, workflow.PersonalScopeKey(*owner))
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPHẠM VI\tNGƯỜI LẬP\tĐỊNH KỲ\tTÊN")
		for _, k := range keys {
			for after := ""; ; {
				ts, more, err := st.meta.ListReportTemplates(ctx, k, after, 500)
				if err != nil {
					return err
				}
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Scope.Label(), term(t.Owner), t.Schedule.Label(), term(t.Name))
					after = t.ID
				}
				if !more {
					break
				}
			}
		}
		return tw.Flush()
	})
}

func runReportPeriodic(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	now := fs.Bool("now", false, "run now")
	at := fs.String("at", "", "run as if it were `TIME` (RFC 3339)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	clock := time.Now
	switch {
	case *at != "" && !*now:
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return &usageError{kerr.New(kerr.Invalid, "invalid_time", "Thời điểm --at không hợp lệ (ví dụ 2027-01-01T00:05:00+07:00).", "--at %q: %v", *at, err)}
		}
		clock = func() time.Time { return t }
	case *at == "" && *now:
	default:
		return &usageError{kerr.New(kerr.Invalid, "invalid_arguments", "Cần đúng một trong --now hoặc --at.", "give --now or --at TIME")}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		log := a.quietLog()
		wf := workflow.New(workflow.Config{Store: st.meta, Vault: st.vault(archive.Config{}, log), Log: log})
		notes := notify.New(notify.Config{Store: st.meta, Log: log})
		rs := workflow.NewReports(workflow.ReportsConfig{Store: st.meta, Stats: wf, Outbox: notes, Now: clock})
		res, err := rs.PeriodicPass(ctx, "", nil)
		fmt.Fprintf(a.stdout, "visited: %d\nmade: %d\nfailed: %d\n", res.Visited, res.Made, res.Failed)
		return err
	})
}
