package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// vietnam is the time zone dates are shown in (UTC+7, no daylight saving).
func vietnam() *time.Location { return time.FixedZone("ICT", 7*3600) }

func auditCommand() *command {
	return &command{
		name:    "audit",
		usage:   "kho audit COMMAND [flags]",
		summary: "check the integrity of the access ledger",
		vi:      "Kiểm tra tính toàn vẹn của sổ nhật ký truy cập",
		sub: []*command{{
			name:    "verify",
			usage:   "kho audit verify [flags]",
			summary: "walk every ledger chain and report changed, missing or extra entries",
			vi:      "Kiểm tra toàn bộ chuỗi nhật ký truy cập; báo mục bị sửa, bị xóa hoặc thêm",
			help: `Exit status 0 when every chain is intact, 1 when any problem is found (each
is printed with its chain, sequence number and reason) or the check could
not run.`,
			run: runAuditVerify,
		}},
	}
}

func runAuditVerify(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	var rep archive.AuditReport
	err := a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		var err error
		rep, err = st.vault(archive.Config{}, a.quietLog()).VerifyLedger(ctx, archive.AuditOptions{})
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		if rep.Problems == nil {
			rep.Problems = []archive.AuditProblem{}
		}
		if err := printJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "chains: %d\nentries: %d\nproblems: %d\n", rep.Chains, rep.Entries, len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(a.stdout, "PROBLEM chain=%s seq=%d reason=%q\n", term(p.Chain), p.Seq, p.Reason)
		}
	}
	if len(rep.Problems) > 0 {
		first := rep.Problems[0]
		return &exitError{code: 1, err: kerr.New(kerr.Integrity, "ledger_broken",
			fmt.Sprintf("Sổ nhật ký truy cập có %d vấn đề.", len(rep.Problems)),
			"first: chain %s seq %d: %s", first.Chain, first.Seq, first.Reason)}
	}
	fmt.Fprintln(a.stderr, "Sổ nhật ký truy cập toàn vẹn.")
	return nil
}

func gcCommand() *command {
	return &command{
		name:    "gc",
		usage:   "kho gc [flags]",
		summary: "finish uploads that died and delete the blobs nothing uses, once",
		vi:      "Hoàn tất các lần tải lên bị gián đoạn và thu gom tệp nội dung không còn dùng",
		help: `The server does this every --gc-interval by itself (the "blob-gc" job, one
process at a time); this runs it once, e.g. from cron when the servers run
with --gc-interval 0. It reads the intents of uploads that did not finish
and are older than --grace: it gives back what they charged to their
owner's quota unless they were committed, and deletes the blobs they left
that no version references. Its cost follows the number of such uploads,
not the size of the store.

--full also walks the whole bucket and deletes every blob older than
--grace that no version references and no upload in progress claims: the
orphans made before upload intents existed. It costs in proportion to the
store (a listing of every blob and two metadata queries for each old one):
run it once after upgrading, at a quiet hour.

It may run while servers run (it does not take the job's lease): a blob is
moved out of sight before its last check and put back when an upload claims
it meanwhile, and every step is idempotent, so a concurrent collection only
repeats work. A --grace shorter than the servers' --blob-grace is safe only
while no server runs: uploads in progress would be taken for dead.`,
		run: runGC,
	}
}

func runGC(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	grace := fs.Duration("grace", 0, "age after which an unfinished upload is taken for dead, and minimum age of a blob a --full scan deletes (0 = default 24h)")
	full := fs.Bool("full", false, "also scan the whole bucket for unreferenced blobs (costs in proportion to the store)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *grace < 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_duration", "Khoảng thời gian không được âm.", "--grace must not be negative")}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		rep, err := st.vault(archive.Config{BlobGrace: *grace}, a.quietLog()).CollectGarbageWith(ctx, archive.GCOptions{Full: *full})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "uploads: %d\nabandoned: %d\ndeleted: %d\nrestored: %d\n", rep.Uploads, rep.Abandoned, rep.Deleted, rep.Restored)
		if *full {
			fmt.Fprintf(a.stdout, "scanned: %d\n", rep.Scanned)
		}
		return nil
	})
}
