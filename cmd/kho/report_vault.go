package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// vaultStatsInterval is how often the vault-stats job counts the papers
// and reuses stored since its last run (a bounded batch of each).
const vaultStatsInterval = 10 * time.Minute

// vaultLeaders tells the vault who is a leader: a staff member whose own
// entry in the workflow's staff directory is of their agency and holds
// the position of leader. Without an entry: not a leader.
func vaultLeaders(wf *workflow.Service) archive.LeaderCheck {
	return func(ctx context.Context, a archive.Actor) (bool, error) {
		m, err := wf.StaffMember(ctx, a, a.Subject)
		if kerr.IsKind(err, kerr.NotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return m.Active && m.Agency == a.Agency && m.Holds(workflow.RoleLeader), nil
	}
}

// reportVaultCommand is `kho report vault`: the vault statistics of
// /bao-cao/kho on standard output. The `kho report` group is st-engine's
// (cmd/kho/main.go); this is its vault subcommand.
func reportVaultCommand() *command {
	return &command{
		name:    "vault",
		usage:   "kho report vault [--from YYYY-MM] [--to YYYY-MM] [--agency CODE] [--owner ID] [--top N] [--count] [--json]",
		summary: "print the vault statistics: papers stored and reused per type, procedure and month; storage used",
		vi:      "Thống kê kho dữ liệu: giấy tờ lưu trữ, tái sử dụng; dung lượng sử dụng",
		help: `Prints the figures of /bao-cao/kho (2025 items 28.3 and 28.5) for the
months --from..--to (default: the twelve months to this one), as tab-separated
tables (one per view) or, with --json, as GET /api/v1/stats/vault answers.
Papers and reuses come from the monthly aggregates that the server's
vault-stats job keeps (every 10 minutes, a bounded batch of each stream); the
notes say up to when they are counted. With --count it first counts what the
job has not yet counted, batch after batch, until it has caught up (each
batch is one guarded write, as the job's: running it beside a server is safe).`,
		run: runReportVault,
	}
}

func runReportVault(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	from := fs.String("from", "", "first month, YYYY-MM")
	to := fs.String("to", "", "last month, YYYY-MM")
	agency := fs.String("agency", "", "only the papers this agency issued")
	owner := fs.String("owner", "", "also show this owner's storage")
	top := fs.Int("top", 10, "how many of the largest owners to list (1-100)")
	count := fs.Bool("count", false, "count what the vault-stats job has not yet counted, first")
	asJSON := fs.Bool("json", false, "print JSON (as GET /api/v1/stats/vault)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	st, err := openStores(ctx, cfg, mustExist, a.quietLog())
	if err != nil {
		return err
	}
	defer st.close(context.WithoutCancel(ctx))
	vault := st.vault(archive.Config{}, a.quietLog())
	if *count {
		total := 0
		for {
			n, err := vault.CountVaultStats(ctx, 0, 0)
			total += n
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
		fmt.Fprintf(a.stderr, "Thống kê kho: đã cộng dồn %d bản ghi mới.\n", total)
	}
	vs, err := vault.VaultStats(ctx, systemActor(), archive.VaultStatsQuery{From: *from, To: *to, Agency: *agency, Owner: *owner, Top: *top})
	if err != nil {
		return err
	}
	tables := vs.Tables()
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			archive.VaultStats
			Tables []report.Table `json:"tables"`
		}{vs, tables})
	}
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		writeTSV(a.stdout, t)
	}
	return nil
}

// writeTSV writes a report table as tab-separated text: the title and
// subtitle, the headings, the rows, the total, the notes.
func writeTSV(w io.Writer, t report.Table) {
	fmt.Fprintf(w, "# %s\n# %s\n", t.Title, t.Subtitle)
	labels := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		labels[i] = c.Label
	}
	fmt.Fprintln(w, strings.Join(labels, "\t"))
	line := func(r report.Row) {
		cells := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			if c.Text != "" || (i < len(t.Columns) && t.Columns[i].Kind == report.KindText) {
				cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c.Text)
			} else {
				cells[i] = strconv.FormatFloat(c.Number, 'f', -1, 64)
			}
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	for _, r := range t.Rows {
		line(r)
	}
	if t.Total != nil {
		line(*t.Total)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "# %s\n", n)
	}
}
