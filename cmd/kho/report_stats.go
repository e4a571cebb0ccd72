package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// statsJobInterval is how often `kho serve` counts the dossiers changed
// since the last run (the leased job "dossier-stats"): the statistics
// lag the dossiers by about this much (DossierStats.AsOf says exactly).
const statsJobInterval = 30 * time.Second

// reportStatsCommands are `kho report stats` and `kho report stats-rebuild`.
func reportStatsCommands() []*command {
	return []*command{
		{
			name:    "stats",
			usage:   "kho report stats [--period year --year 2026 | --period month --year 2026 --n 3] [--agency CODE] [--group-by field,level] [--filter dim=value ...]",
			summary: "print the dossier statistics of a period (as admin), as the server's job last counted them",
			vi:      "In thống kê tình hình tiếp nhận và giải quyết hồ sơ của một kỳ",
			help: `The figures come from the aggregates the server's "dossier-stats" job keeps
(every 30 s); the note "Số liệu tính đến" says up to when every change is
counted. After an upgrade, run kho report stats-rebuild once. Dimensions:
agency, receivingAgency, procedure, field, level, channel, status, stage,
officer, month, quarter (month and quarter only in --group-by).`,
			run: runReportStats,
		},
		{
			name:    "stats-rebuild",
			usage:   "kho report stats-rebuild [--batch 500]",
			summary: "mark every dossier to be counted again by the statistics job (after an upgrade)",
			vi:      "Đánh dấu mọi hồ sơ để tác vụ thống kê đếm lại (sau khi nâng cấp)",
			help: `Marks every dossier pending, in code order, a batch at a time, printing a
progress line per batch; the running server's "dossier-stats" job then
counts them a bounded batch per run. Safe to run again or to interrupt.`,
			run: runReportStatsRebuild,
		},
	}
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runReportStats(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	period := fs.String("period", "ytd", "month, quarter, year or ytd")
	year := fs.Int("year", a.now().In(workflow.Vietnam).Year(), "the period's year")
	n := fs.Int("n", 0, "the month (1..12) or quarter (1..4)")
	agency := fs.String("agency", "", "the competent agency's code (default: every agency)")
	groupBy := fs.String("group-by", "", "at most two dimensions, comma-separated")
	var filters multiFlag
	fs.Var(&filters, "filter", "dim=value: keep the dossiers whose dimension has the value (repeatable)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	v := url.Values{"period": {*period}, "year": {strconv.Itoa(*year)}}
	if *n != 0 {
		v.Set("n", strconv.Itoa(*n))
	}
	if *agency != "" {
		v.Set("agency", *agency)
	}
	if *groupBy != "" {
		v.Set("groupBy", *groupBy)
	}
	for _, f := range filters {
		dim, val, ok := strings.Cut(f, "=")
		if !ok {
			return &usageError{kerr.New(kerr.Invalid, "invalid_stats_query", "Điều kiện lọc phải có dạng chiều=giá trị.", "--filter %q: want dim=value", f)}
		}
		v.Add("f."+dim, val)
	}
	q, err := workflow.ParseStatsQuery(v, a.now())
	if err != nil {
		return &usageError{err}
	}
	return a.withWorkflow(ctx, cfg, mustExist, func(ctx context.Context, wf *workflow.Service) error {
		out, err := wf.DossierStats(ctx, systemActor(), q)
		if err != nil {
			return err
		}
		writeTextTable(a.stdout, out.Table())
		return nil
	})
}

func runReportStatsRebuild(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	batch := fs.Int("batch", 500, "dossiers per batch (1..1000)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *batch < 1 || *batch > 1000 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_limit", "Số hồ sơ mỗi lượt phải từ 1 đến 1000.", "--batch %d is outside 1..1000", *batch)}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		after, total := "", 0
		for {
			last, err := st.meta.MarkStatsPending(ctx, after, *batch)
			if err != nil {
				return err
			}
			if last == "" {
				break
			}
			total += *batch
			fmt.Fprintf(a.stderr, "Đã đánh dấu đến hồ sơ %s (khoảng %d hồ sơ)\n", last, total)
			after = last
		}
		fmt.Fprintf(a.stdout, "Đã đánh dấu mọi hồ sơ để thống kê lại; tác vụ dossier-stats của máy chủ sẽ đếm lại.\n")
		return nil
	})
}

// writeTextTable prints t as aligned text: title, subtitle, a row of
// headings, the rows, the total and the notes.
func writeTextTable(w io.Writer, t report.Table) {
	cell := func(c report.Column, v report.Cell) string {
		switch c.Kind {
		case report.KindText:
			return v.Text
		case report.KindPercent:
			return strconv.FormatFloat(v.Number, 'f', 1, 64) + "%"
		}
		return strconv.FormatFloat(v.Number, 'f', 0, 64)
	}
	rows := [][]string{}
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Label
	}
	rows = append(rows, head)
	all := append([]report.Row{}, t.Rows...)
	if t.Total != nil {
		all = append(all, *t.Total)
	}
	for _, r := range all {
		line := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			if i < len(r.Cells) {
				line[i] = cell(c, r.Cells[i])
			}
		}
		rows = append(rows, line)
	}
	width := make([]int, len(t.Columns))
	for _, r := range rows {
		for i, s := range r {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	fmt.Fprintln(w, t.Title)
	if t.Subtitle != "" {
		fmt.Fprintln(w, t.Subtitle)
	}
	for _, r := range rows {
		var b strings.Builder
		for i, s := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			if i > 0 {
				b.WriteString("  ")
			}
			if t.Columns[i].Kind == report.KindText {
				b.WriteString(s + pad)
			} else {
				b.WriteString(pad + s)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	for _, n := range t.Notes {
		fmt.Fprintln(w, n)
	}
}
