package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// staffCommand is 'kho admin staff': the staff directory.
func staffCommand() *command {
	return &command{
		name:    "staff",
		usage:   "kho admin staff COMMAND [flags]",
		summary: "put and list entries of the staff directory (who works where, in which positions)",
		vi:      "Cập nhật và liệt kê danh bạ cán bộ xử lý hồ sơ",
		sub: []*command{
			{
				name:    "put",
				usage:   "kho admin staff put [flags] FILE|-",
				summary: "add or replace directory entries from a JSON file (- for standard input)",
				vi:      "Thêm hoặc thay thế cán bộ trong danh bạ từ tệp JSON",
				help: `FILE holds one entry, as PUT /api/v1/staff/{subject} takes it with its
subject, or a JSON array of them:
  {"subject":"motcua01","name":"Lê Văn Một","agency":"000.00.31.H29",
   "department":"MOT_CUA","positions":["desk"],"active":true}
The positions are desk, appraiser, head, leader; the agency and its
department must be in the catalogue ('kho admin procedures load'). Every
entry is checked before any is stored: one error stores none. A staff
token's subject is the entry's subject ('kho admin token create --role
staff'). Works on the store directly.`,
				run: runStaffPut,
			},
			{
				name:    "ls",
				usage:   "kho admin staff ls [flags]",
				summary: "list the directory, or one agency's staff",
				vi:      "Liệt kê danh bạ cán bộ",
				run:     runStaffList,
			},
		},
	}
}

// proceduresCommand is 'kho admin procedures': the workflow catalogue.
func proceduresCommand() *command {
	return &command{
		name:    "procedures",
		usage:   "kho admin procedures COMMAND [flags]",
		summary: "load and list the procedure catalogue (agencies, procedures, processes)",
		vi:      "Nạp và liệt kê danh mục thủ tục hành chính",
		sub: []*command{
			{
				name:    "load",
				usage:   "kho admin procedures load [flags] FILE|-",
				summary: "load a catalogue file (JSON, - for standard input)",
				vi:      "Nạp danh mục thủ tục (cơ quan, loại giấy tờ, thủ tục, quy trình) từ tệp JSON",
				help: `FILE is a catalogue in the format of workflow/catalog/default.json
(docs/workflow.md): agencies with their departments, document types,
procedures and their processes. Agencies, types and procedures are added
or replaced; a process that differs from its latest version becomes a new
version (running dossiers keep theirs). Everything is checked before
anything is stored. The eForms procedures name must be shipped or
published. Works on the store directly.`,
				run: runProceduresLoad,
			},
			{
				name:    "ls",
				usage:   "kho admin procedures ls [flags]",
				summary: "list the procedures with their agency, resolution time and process version",
				vi:      "Liệt kê các thủ tục hành chính",
				run:     runProceduresList,
			},
		},
	}
}

// adminActor is who a change made through the CLI is recorded as.
func (a *app) adminActor() archive.Actor {
	return archive.Actor{Subject: a.calendarActor(), Role: archive.RoleAdmin}
}

// withWorkflow opens the store and runs fn with the workflow service
// over it: the vault's catalogue without blobs, the shipped and
// published eForms. A command that may create the store (mode
// mayCreate) first loads the vault's starter catalogue into an empty one.
func (a *app) withWorkflow(ctx context.Context, cfg *config.Store, mode openMode, fn func(ctx context.Context, wf *workflow.Service) error) error {
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		return err
	}
	return a.withStore(ctx, cfg, mode, func(ctx context.Context, st *stores) error {
		reg.SetStore(st.meta)
		log := a.quietLog()
		vault := st.vault(archive.Config{}, log)
		if mode == mayCreate {
			// As kho serve does: the starter document types the shipped
			// procedures refer to, into an empty catalogue.
			if err := loadCatalogs(ctx, vault, "", log); err != nil {
				return err
			}
		}
		return fn(ctx, workflow.New(workflow.Config{Store: st.meta, Vault: vault, Forms: reg, Log: log}))
	})
}

// fileArg parses the store flags and the one FILE|- argument of cmd and
// opens the file; a nil file with a nil error: help was printed.
func (a *app) fileArg(cmd *command, args []string) (*config.Store, io.ReadCloser, error) {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return nil, nil, helpOK(err)
	}
	f, err := a.readAdminFile(pos[0])
	return cfg, f, err
}

func runStaffPut(ctx context.Context, a *app, cmd *command, args []string) error {
	cfg, f, err := a.fileArg(cmd, args)
	if f == nil {
		return err
	}
	defer f.Close()
	ms, err := workflow.ParseStaffList(f)
	if err != nil {
		return err
	}
	return a.withWorkflow(ctx, cfg, mustExist, func(ctx context.Context, wf *workflow.Service) error {
		got, err := wf.PutStaffList(ctx, a.adminActor(), ms)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Đã cập nhật %d cán bộ trong danh bạ.\n", len(got))
		return nil
	})
}

func runStaffList(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	agency := fs.String("agency", "", "only the staff of the agency `CODE` (e.g. 000.00.31.H29)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *agency != "" && !workflow.ValidAgencyCode(*agency) {
		return &usageError{kerr.New(kerr.Invalid, "invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "--agency %q", *agency)}
	}
	return a.withWorkflow(ctx, cfg, mustExist, func(ctx context.Context, wf *workflow.Service) error {
		ms, err := wf.ListStaff(ctx, a.adminActor(), *agency)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(a.stdout, ms)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SUBJECT\tNAME\tAGENCY\tDEPARTMENT\tPOSITIONS\tSTATE")
		for _, m := range ms {
			ps := make([]string, len(m.Positions))
			for i, p := range m.Positions {
				ps[i] = string(p)
			}
			state := "active"
			if !m.Active {
				state = "inactive"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", term(m.Subject), clip(term(oneLine(m.Name)), 30), term(m.Agency), term(m.Department),
				term(strings.Join(ps, ",")), state)
		}
		return tw.Flush()
	})
}

func runProceduresLoad(ctx context.Context, a *app, cmd *command, args []string) error {
	cfg, f, err := a.fileArg(cmd, args)
	if f == nil {
		return err
	}
	defer f.Close()
	return a.withWorkflow(ctx, cfg, mayCreate, func(ctx context.Context, wf *workflow.Service) error {
		n, err := wf.LoadCatalog(ctx, a.adminActor(), f)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Đã nạp danh mục: %d cơ quan, %d loại giấy tờ, %d thủ tục, %d phiên bản quy trình mới.\n",
			n.Agencies, n.DocumentTypes, n.Procedures, n.Processes)
		return nil
	})
}

func runProceduresList(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withWorkflow(ctx, cfg, mustExist, func(ctx context.Context, wf *workflow.Service) error {
		ps, err := wf.Procedures(ctx, a.adminActor())
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(a.stdout, ps)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tNAME\tAGENCY\tFIELD\tLEVEL\tRESOLUTION\tPROCESS")
		for _, p := range ps {
			version := "-"
			switch pr, err := wf.Process(ctx, a.adminActor(), p.Code, 0); {
			case err == nil:
				version = fmt.Sprintf("v%d", pr.Version)
			case !kerr.IsKind(err, kerr.NotFound):
				return err
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", term(p.Code), clip(term(oneLine(p.Name)), 40), term(p.Agency),
				clip(term(oneLine(p.Field)), 20), term(string(p.Level)), resolutionText(p.Resolution), version)
		}
		return tw.Flush()
	})
}

// resolutionText is a resolution time for people: "15 ngày làm việc",
// "8 giờ", or "không quy định".
func resolutionText(r workflow.ResolutionTime) string {
	var parts []string
	if r.WorkingDays > 0 {
		parts = append(parts, fmt.Sprintf("%d ngày làm việc", r.WorkingDays))
	}
	if r.Hours > 0 {
		parts = append(parts, fmt.Sprintf("%d giờ", r.Hours))
	}
	if len(parts) == 0 {
		return "không quy định"
	}
	return strings.Join(parts, " ")
}

// readAdminFile opens FILE ("-": standard input) for a command.
func (a *app) readAdminFile(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(a.stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "file_unreadable", "Không đọc được tệp "+term(filepath.Base(path))+".")
	}
	return f, nil
}
