package main

import (
	"context"
	"encoding/json"
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
		rep, err = st.vault(archive.Config{}, a.quietLog()).VerifyLedger(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		if rep.Problems == nil {
			rep.Problems = []archive.AuditProblem{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "chains: %d\nentries: %d\nproblems: %d\n", rep.Chains, rep.Entries, len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(a.stdout, "PROBLEM chain=%s seq=%d reason=%q\n", p.Chain, p.Seq, p.Reason)
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
		summary: "delete unreferenced blobs older than the grace period, once",
		vi:      "Thu gom các tệp nội dung không còn giấy tờ nào dùng",
		help: `The server does this every --gc-interval by itself; this runs it once, e.g.
from cron when the server runs with --gc-interval 0.`,
		run: runGC,
	}
}

func runGC(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	grace := fs.Duration("grace", 0, "minimum age of an unreferenced blob (0 = default 24h)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *grace < 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_duration", "Khoảng thời gian không được âm.", "--grace must not be negative")}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		n, err := st.vault(archive.Config{BlobGrace: *grace}, a.quietLog()).CollectGarbage(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "deleted: %d\n", n)
		return nil
	})
}
