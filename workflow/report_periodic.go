package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/report"
)

// ReportRun is one stored run of a periodic template: the figures of one
// closed period, as computed then (2025 item 24.4, "chế độ báo cáo định
// kỳ"). It holds the statistics' JSON only — a few kilobytes, no blob.
type ReportRun struct {
	// ID is RunID(Template, Period): one run per template and period.
	ID       string        `json:"id"`
	Template string        `json:"template"`
	Name     string        `json:"name"`
	Scope    TemplateScope `json:"scope"`
	// Owner is who the run is for (the template's owner).
	Owner    string       `json:"owner"`
	Period   Period       `json:"period"`
	Measures []Measure    `json:"measures"`
	Stats    DossierStats `json:"stats"`
	MadeAt   time.Time    `json:"madeAt"`
}

// RunID is the ID of template's run of p: the template's ID, the day after
// the period's last (YYYYMMDD, Vietnam time) and its kind's letter, so
// that runs sort by period in ID order.
func RunID(template string, p Period) string {
	_, to := p.Bounds(time.Time{})
	return fmt.Sprintf("%s-%s%c", template, to.In(Vietnam).Format("20060102"), string(p.Kind)[0])
}

// validRunID reports whether id has the shape RunID gives.
func validRunID(id string) bool {
	tpl, rest, ok := strings.Cut(id, "-")
	if !ok || !validTemplateID(tpl) || len(rest) != 9 {
		return false
	}
	for _, c := range rest[:8] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return strings.ContainsRune("mqy", rune(rest[8]))
}

// Table is the run's figures as a report.Table: the engine's table of
// its statistics (DossierStats.Table: the same headings, notes and
// figures as the statistics page and its exports), titled with the
// template's name, with the group-by columns and the run's measures in
// their order.
func (r ReportRun) Table() report.Table {
	t := r.Stats.Table()
	t.Title = r.Name
	cols := make([]int, 0, len(t.Columns))
	for i := range r.Stats.Query.GroupBy {
		cols = append(cols, i)
	}
	for _, m := range r.Measures {
		if i := slices.IndexFunc(t.Columns, func(c report.Column) bool { return c.Key == string(m) }); i >= 0 {
			cols = append(cols, i)
		}
	}
	pick := func(row report.Row) report.Row {
		out := report.Row{Cells: make([]report.Cell, 0, len(cols))}
		for _, i := range cols {
			if i < len(row.Cells) {
				out.Cells = append(out.Cells, row.Cells[i])
			}
		}
		return out
	}
	columns := make([]report.Column, len(cols))
	for k, i := range cols {
		columns[k] = t.Columns[i]
	}
	t.Columns = columns
	for k, row := range t.Rows {
		t.Rows[k] = pick(row)
	}
	if t.Total != nil {
		total := pick(*t.Total)
		t.Total = &total
	}
	return t
}

// visibleRun reports whether c may read run r of template t (t zero when
// the template was deleted): the owner of a personal one; for a shared
// one, admins, and staff when the figures are of their agency.
func (c reportsCaller) visibleRun(r ReportRun) bool {
	if r.Scope == ScopePersonal {
		return r.Owner == c.Subject
	}
	return c.Role == archive.RoleAdmin || (c.agency != "" && r.Stats.Query.Agency == c.agency)
}

// Runs returns at most limit (1..100) runs of template id the caller may
// see, the latest first, before the run ID before ("": from the latest).
func (r *Reports) Runs(ctx context.Context, a archive.Actor, id, before string, limit int) ([]ReportRun, bool, error) {
	c, err := r.caller(ctx, a)
	if err != nil {
		return nil, false, err
	}
	if _, err := r.visibleTemplate(ctx, c, id); err != nil {
		return nil, false, err
	}
	if limit < 1 || limit > 100 {
		return nil, false, invalid("invalid_limit", "Số kỳ báo cáo mỗi trang phải từ 1 đến 100.", "limit %d", limit)
	}
	if before != "" && !validRunID(before) {
		return nil, false, invalid("invalid_cursor", "Vị trí trang không hợp lệ.", "before %q", before)
	}
	var out []ReportRun
	for {
		runs, more, err := r.store.ListReportRuns(ctx, id, before, limit)
		if err != nil {
			return nil, false, storeErr("list report runs", err)
		}
		for _, run := range runs {
			if c.visibleRun(run) {
				out = append(out, run)
			}
			before = run.ID
			if len(out) == limit {
				return out, more || run.ID != runs[len(runs)-1].ID, nil
			}
		}
		if !more {
			return out, false, nil
		}
	}
}

// Run returns one run the caller may see.
func (r *Reports) Run(ctx context.Context, a archive.Actor, id string) (ReportRun, error) {
	c, err := r.caller(ctx, a)
	if err != nil {
		return ReportRun{}, err
	}
	if !validRunID(id) {
		return ReportRun{}, errRunNotFound(id)
	}
	run, err := r.store.GetReportRun(ctx, id)
	if kerr.IsKind(err, kerr.NotFound) || (err == nil && !c.visibleRun(run)) {
		return ReportRun{}, errRunNotFound(id)
	}
	if err != nil {
		return ReportRun{}, storeErr("get report run", err)
	}
	return run, nil
}

// KindReportRun is the kind of the notice that a periodic report is ready.
const KindReportRun notify.Kind = "report_run"

// PeriodicBatch is how many scheduled templates one run of the periodic
// job visits (from its saved cursor).
const PeriodicBatch = 200

// PeriodicResult is what one pass of the periodic job did.
type PeriodicResult struct {
	Visited int    // scheduled templates read
	Made    int    // runs stored by this pass
	Failed  int    // templates whose run could not be made (logged, retried next visit)
	Cursor  string // where the next pass starts ("" = from the first)
}

// RunPeriodic visits at most limit scheduled templates after cursor (in
// ID order) and makes, for each, the run of the last period of its
// schedule closed at now, unless it exists. The figures are computed as
// the template's owner would see them. A run's insert is keyed by
// template and period, so two processes, or a pass repeated after a
// crash, store it once; its notice is keyed by the run, so it is sent
// once. A template whose figures cannot be computed (its owner left the
// directory) is counted in Failed and left to its next visit; the pass
// goes on. The pass costs limit templates, never the whole store.
func (r *Reports) RunPeriodic(ctx context.Context, now time.Time, cursor string, limit int) (PeriodicResult, error) {
	if r.stats == nil {
		return PeriodicResult{}, kerr.New(kerr.Unavailable, "stats_unavailable", "Chưa có dịch vụ thống kê.", "Reports has no StatsSource")
	}
	ts, err := r.store.ScheduledReportTemplates(ctx, cursor, limit)
	if err != nil {
		return PeriodicResult{Cursor: cursor}, storeErr("scheduled report templates", err)
	}
	res := PeriodicResult{Visited: len(ts)}
	var errs []error
	for _, t := range ts {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		made, err := r.periodicRun(ctx, t, now)
		if err != nil {
			res.Failed++
			errs = append(errs, fmt.Errorf("template %s: %w", t.ID, err))
		}
		if made {
			res.Made++
		}
		res.Cursor = t.ID
	}
	if len(ts) < limit {
		res.Cursor = ""
	}
	if len(errs) > 0 && res.Made == 0 && res.Failed == res.Visited {
		return res, errors.Join(errs...)
	}
	return res, nil
}

// periodicRun makes t's run of its last closed period, if missing, and
// (again, idempotently) its notice.
func (r *Reports) periodicRun(ctx context.Context, t ReportTemplate, now time.Time) (bool, error) {
	p, err := t.Schedule.LastClosed(now)
	if err != nil {
		return false, err
	}
	id := RunID(t.ID, p)
	run, err := r.store.GetReportRun(ctx, id)
	made := false
	switch {
	case kerr.IsKind(err, kerr.NotFound):
		q, err := t.StatsQuery(now)
		if err != nil {
			return false, err
		}
		q.Period = p
		owner := archive.Actor{Subject: t.Owner, Role: t.OwnerRole, Agency: t.Agency}
		st, err := r.stats.DossierStats(ctx, owner, q)
		if err != nil {
			return false, err
		}
		run = ReportRun{ID: id, Template: t.ID, Name: t.Name, Scope: t.Scope, Owner: t.Owner, Period: p,
			Measures: t.Measures, Stats: st, MadeAt: now.UTC().Truncate(time.Millisecond)}
		err = r.store.CreateReportRun(ctx, run)
		switch {
		case kerr.IsKind(err, kerr.Conflict):
			// Another process stored it first: its notice is ours too.
		case err != nil:
			return false, storeErr("create report run", err)
		default:
			made = true
		}
	case err != nil:
		return false, storeErr("get report run", err)
	}
	if r.outbox == nil {
		return made, nil
	}
	return made, r.notifyRun(ctx, t, run)
}

// notifyRun tells the template's owner that run is ready: in-app, and by
// e-mail to the template's NotifyEmail when set. Keyed by the run.
func (r *Reports) notifyRun(ctx context.Context, t ReportTemplate, run ReportRun) error {
	label := run.Stats.PeriodLabel
	if label == "" {
		label = run.Period.Label(run.MadeAt)
	}
	text := fmt.Sprintf("Báo cáo định kỳ «%s» kỳ %s đã có số liệu: đã tiếp nhận %d, đã giải quyết %d (đúng hạn %d, quá hạn %d), đang xử lý %d.",
		t.Name, label, run.Stats.Total.Received, run.Stats.Total.Resolved, run.Stats.Total.OnTime, run.Stats.Total.Late, run.Stats.Total.InProgress)
	m := notify.Message{Key: "report-run/" + run.ID, Kind: KindReportRun,
		To:       notify.Recipient{Subject: t.Owner, Email: t.NotifyEmail},
		Channels: []notify.Channel{notify.InApp},
		Subject:  "Báo cáo định kỳ: " + t.Name + " — " + label,
		Text:     text, Link: r.link(run.ID), Ref: run.ID}
	if t.NotifyEmail != "" {
		m.Channels = append(m.Channels, notify.Email)
	}
	_, err := r.outbox.Enqueue(ctx, m)
	return err
}

// PeriodicJobName is the lease name of the periodic reports' job.
const PeriodicJobName = "report-periodic"

// periodicBatches bounds the batches of one run of the job: the run
// stops there, or when it has visited every scheduled template.
const periodicBatches = 10

// PeriodicJob is the leased job (internal/jobs: one process at a time)
// that makes the runs of periodic templates every interval, resuming from
// the cursor the last run saved: at most periodicBatches batches of
// PeriodicBatch templates per run.
func (r *Reports) PeriodicJob(every time.Duration) jobs.Job {
	return jobs.Job{Name: PeriodicJobName, Every: every, RetryAfter: min(every, time.Minute),
		Run: func(ctx context.Context, run *jobs.Run) error {
			_, err := r.PeriodicPass(ctx, run.Cursor(), run.Save)
			return err
		}}
}

// PeriodicPass runs RunPeriodic at the clock's now from cursor, batch
// after batch, calling save with each batch's cursor (save may be nil),
// until it has visited every scheduled template or periodicBatches
// batches. It returns the sums of the batches.
func (r *Reports) PeriodicPass(ctx context.Context, cursor string, save func(ctx context.Context, cursor string) error) (PeriodicResult, error) {
	var sum PeriodicResult
	now := r.now()
	for range periodicBatches {
		res, err := r.RunPeriodic(ctx, now, cursor, PeriodicBatch)
		sum.Visited += res.Visited
		sum.Made += res.Made
		sum.Failed += res.Failed
		sum.Cursor = res.Cursor
		if err != nil {
			return sum, err
		}
		if save != nil {
			if err := save(ctx, res.Cursor); err != nil {
				return sum, err
			}
		}
		if res.Cursor == "" {
			break
		}
		cursor = res.Cursor
	}
	return sum, nil
}
