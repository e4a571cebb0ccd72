package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	// retentionEvery is how often the retention job runs.
	retentionEvery = time.Hour
	// retentionBatch is how many documents one step of the job walks, and
	// how many due papers it proposes at most per run.
	retentionBatch = 500
	// retentionSteps bounds the walk of one run (retentionSteps batches).
	retentionSteps = 20
	// retentionTimeout bounds one run.
	retentionTimeout = 10 * time.Minute
)

// retentionJob is the leased "archive-retention" job: it walks the
// documents from its saved cursor in bounded batches, giving each agency
// record its retention record (and its blobs an object lock where the
// bucket has one), then proposes the papers that are due and not held
// into the open draft disposal list. One process runs it at a time.
func retentionJob(vault *archive.Service, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "archive-retention", Every: retentionEvery, Timeout: retentionTimeout,
		Run: func(ctx context.Context, r *jobs.Run) error {
			rep, err := retentionStep(ctx, vault, r.Cursor(), func(cursor string) error { return r.Save(ctx, cursor) })
			if rep.indexed > 0 || rep.proposed > 0 {
				log.Info("Đã cập nhật thời hạn lưu trữ và đề xuất hủy giấy tờ hết hạn",
					"walked", rep.walked, "indexed", rep.indexed, "proposed", rep.proposed, "list", rep.list)
			}
			return err
		}}
}

type retentionRun struct {
	walked, indexed, proposed int
	list, cursor              string
}

// retentionStep is one run of the retention job from cursor; save is
// called with the cursor after each batch.
func retentionStep(ctx context.Context, vault *archive.Service, cursor string, save func(string) error) (retentionRun, error) {
	run := retentionRun{cursor: cursor}
	for range retentionSteps {
		rep, err := vault.IndexRetention(ctx, run.cursor, retentionBatch)
		if err != nil {
			return run, err
		}
		run.walked += rep.Walked
		run.indexed += rep.Indexed
		if rep.Next != run.cursor {
			run.cursor = rep.Next
			if err := save(run.cursor); err != nil {
				return run, err
			}
		}
		if rep.Walked < retentionBatch {
			break
		}
	}
	prop, err := vault.ProposeDisposal(ctx, retentionBatch)
	run.proposed, run.list = prop.Proposed, prop.List
	return run, err
}

func retentionCommands() []*command {
	return []*command{
		{
			name:    "retention",
			usage:   "kho archive retention COMMAND [flags]",
			summary: "retention periods of document types, legal holds, the retention job",
			vi:      "Thời hạn lưu trữ theo loại giấy tờ, phong tỏa pháp lý",
			sub: []*command{
				{name: "set", usage: "kho archive retention set [flags] TYPE (--years N | --permanent)",
					summary: "set the retention period of a document type", vi: "Đặt thời hạn lưu trữ của một loại giấy tờ",
					run: runRetentionSet},
				{name: "run", usage: "kho archive retention run [flags]",
					summary: "run the retention job once: index new agency records, propose what is due",
					vi:      "Chạy một lần việc cập nhật thời hạn lưu trữ và đề xuất hủy",
					run:     runRetentionRun},
				{name: "show", usage: "kho archive retention show [flags] DOCID",
					summary: "show a paper's retention record", vi: "Xem thông tin lưu trữ của một giấy tờ",
					run: runRetentionShow},
				{name: "hold", usage: "kho archive retention hold [flags] DOCID --reason TEXT [--reference NO]",
					summary: "place a legal hold on a paper", vi: "Phong tỏa pháp lý một giấy tờ",
					run: runRetentionHold},
				{name: "hold-owner", usage: "kho archive retention hold-owner [flags] OWNER --reason TEXT [--reference NO]",
					summary: "place a legal hold on every agency record of an owner's vault", vi: "Phong tỏa pháp lý mọi hồ sơ lưu trữ trong kho của một chủ kho",
					run: runRetentionHoldOwner},
				{name: "release", usage: "kho archive retention release [flags] DOCID --reason TEXT",
					summary: "lift a paper's legal hold", vi: "Gỡ phong tỏa một giấy tờ",
					run: runRetentionRelease},
			},
		},
		{
			name:    "disposal",
			usage:   "kho archive disposal COMMAND [flags]",
			summary: "disposal lists: review, submit, approve or reject (four eyes), execute",
			vi:      "Danh mục hủy giấy tờ hết thời hạn lưu trữ",
			sub: []*command{
				{name: "list", usage: "kho archive disposal list [flags]", summary: "list the disposal lists, newest first",
					vi: "Liệt kê các danh mục hủy", run: runDisposalList},
				{name: "show", usage: "kho archive disposal show [flags] LIST", summary: "show one disposal list",
					vi: "Xem một danh mục hủy", run: disposalAction("show")},
				{name: "submit", usage: "kho archive disposal submit [flags] LIST", summary: "submit a draft list for approval",
					vi: "Trình phê duyệt danh mục hủy", run: disposalAction("submit")},
				{name: "approve", usage: "kho archive disposal approve [flags] LIST", summary: "approve a submitted list (not its submitter)",
					vi: "Phê duyệt danh mục hủy", run: disposalAction("approve")},
				{name: "reject", usage: "kho archive disposal reject [flags] LIST --reason TEXT", summary: "reject a submitted list",
					vi: "Từ chối danh mục hủy", run: disposalAction("reject")},
				{name: "execute", usage: "kho archive disposal execute [flags] LIST", summary: "dispose of the papers of an approved list",
					vi: "Thực hiện hủy theo danh mục đã phê duyệt", run: disposalAction("execute")},
			},
		},
	}
}

// bindActor binds --as: the archivist a change through the CLI is
// recorded as (default cli:$USER). The four-eyes rule compares these
// names: the operator running the CLI is trusted to give their own.
func bindActor(fs *flagSet, a *app) *string {
	return fs.String("as", a.calendarActor(), "the `SUBJECT` (archivist's account) the change is recorded as")
}

func staffActor(subject string) archive.Actor {
	return archive.Actor{Subject: subject, Role: archive.RoleStaff}
}

func runRetentionSet(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	years := fs.Int("years", 0, "keep the type's papers `N` years from their issue date")
	perm := fs.Bool("permanent", false, "keep them for ever")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	var r *archive.Retention
	switch {
	case *perm && *years != 0, !*perm && *years == 0:
		return &usageError{kerr.New(kerr.Invalid, "invalid_arguments", "Cần đúng một trong --years hoặc --permanent.", "give --years N or --permanent")}
	case *perm:
		r = &archive.Retention{Permanent: true}
	default:
		r = &archive.Retention{Years: *years}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		t, err := st.vault(archive.Config{}, a.quietLog()).SetRetention(ctx, a.adminActor(), pos[0], r)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", term(t.Code), t.Retention.Label())
		return nil
	})
}

func runRetentionRun(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	after := fs.String("after", "", "walk the documents after this `ID` (default: from the first)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		run, err := retentionStep(ctx, st.vault(archive.Config{}, a.quietLog()), *after, func(string) error { return nil })
		fmt.Fprintf(a.stdout, "walked: %d\nindexed: %d\nproposed: %d\nlist: %s\ncursor: %s\n", run.walked, run.indexed, run.proposed, run.list, run.cursor)
		return err
	})
}

func runRetentionShow(ctx context.Context, a *app, cmd *command, args []string) error {
	return retentionDoc(ctx, a, cmd, args, false, func(ctx context.Context, v *archive.Service, who archive.Actor, id, _, _ string) (archive.RetentionRecord, error) {
		return v.RetentionOf(ctx, who, id)
	})
}

func runRetentionHold(ctx context.Context, a *app, cmd *command, args []string) error {
	return retentionDoc(ctx, a, cmd, args, true, func(ctx context.Context, v *archive.Service, who archive.Actor, id, reason, ref string) (archive.RetentionRecord, error) {
		return v.PlaceHold(ctx, who, id, reason, ref)
	})
}

func runRetentionRelease(ctx context.Context, a *app, cmd *command, args []string) error {
	return retentionDoc(ctx, a, cmd, args, true, func(ctx context.Context, v *archive.Service, who archive.Actor, id, reason, _ string) (archive.RetentionRecord, error) {
		return v.LiftHold(ctx, who, id, reason)
	})
}

// retentionDoc runs one action on one paper's retention and prints the
// record as JSON.
func retentionDoc(ctx context.Context, a *app, cmd *command, args []string, change bool,
	fn func(ctx context.Context, v *archive.Service, who archive.Actor, id, reason, ref string) (archive.RetentionRecord, error)) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	as := bindActor(fs, a)
	var reason, ref *string
	if change {
		reason = fs.String("reason", "", "why (required)")
		ref = fs.String("reference", "", "the `NUMBER` of the decision that orders the hold")
	} else {
		reason, ref = new(string), new(string)
	}
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		r, err := fn(ctx, st.vault(archive.Config{}, a.quietLog()), staffActor(*as), pos[0], *reason, *ref)
		if err != nil {
			return err
		}
		return printJSON(a.stdout, r)
	})
}

func runDisposalList(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	as := bindActor(fs, a)
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		ls, _, err := st.vault(archive.Config{}, a.quietLog()).DisposalLists(ctx, staffActor(*as), "", 100)
		if err != nil {
			return err
		}
		for _, l := range ls {
			fmt.Fprintf(a.stdout, "%s\t%s\t%d\t%s\n", l.ID, l.State, len(l.Items), strconv.Quote(term(l.State.Label())))
		}
		return nil
	})
}

// disposalAction is `kho archive disposal show|submit|approve|reject|execute LIST`.
func disposalAction(action string) func(ctx context.Context, a *app, cmd *command, args []string) error {
	return func(ctx context.Context, a *app, cmd *command, args []string) error {
		fs := a.flags(cmd)
		cfg := bindStore(fs, a, action != "execute")
		as := bindActor(fs, a)
		reason := fs.String("reason", "", "the reason of a decision (required to reject)")
		pos, err := parse(fs, args, 1, 1)
		if err != nil {
			return helpOK(err)
		}
		return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
			v, who, id := st.vault(archive.Config{}, a.quietLog()), staffActor(*as), pos[0]
			var l archive.DisposalList
			var err error
			switch action {
			case "show":
				l, err = v.DisposalList(ctx, who, id)
			case "submit":
				l, err = v.SubmitDisposal(ctx, who, id, 0)
			case "approve", "reject":
				l, err = v.DecideDisposal(ctx, who, id, 0, action == "approve", *reason)
			case "execute":
				l, err = v.ExecuteDisposal(ctx, who, id)
			}
			if err != nil {
				return err
			}
			return printJSON(a.stdout, l)
		})
	}
}

func runRetentionHoldOwner(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	as := bindActor(fs, a)
	reason := fs.String("reason", "", "why (required)")
	ref := fs.String("reference", "", "the `NUMBER` of the decision that orders the hold")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		v := st.vault(archive.Config{}, a.quietLog())
		var total archive.OwnerHolds
		for after := ""; ; {
			rep, err := v.HoldOwner(ctx, staffActor(*as), pos[0], *reason, *ref, after, 500)
			total.Held, total.Already = total.Held+rep.Held, total.Already+rep.Already
			if err != nil {
				return err
			}
			if after = rep.Next; after == "" {
				break
			}
		}
		fmt.Fprintf(a.stdout, "held: %d\nalready: %d\n", total.Held, total.Already)
		return nil
	})
}
