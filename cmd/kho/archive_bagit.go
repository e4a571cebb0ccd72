package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// archiveBagitCommands are `kho archive export` and `kho archive import`:
// an owner's vault or a dossier as a BagIt bag (RFC 8493) and back.
func archiveBagitCommands() []*command {
	return []*command{
		{
			name:    "export",
			usage:   "kho archive export (--owner ID | --dossier CODE) -o FILE.tar [flags]",
			summary: "write an owner's vault or a dossier's papers as a BagIt bag (a tar)",
			vi:      "Xuất kho dữ liệu của một chủ kho hoặc giấy tờ của một hồ sơ thành gói BagIt (tệp tar)",
			help: `The bag holds every version's bytes of every paper under data/, each
paper's record and versions as JSON under kho/documents/, the signature
verification reports under kho/reports/, and SHA-256 manifests of all of
it. Each paper exported is recorded in its owner's access ledger as a
download, with --purpose. The file is written beside FILE and renamed
into place once complete and synced: a failed export leaves no FILE.`,
			run: runArchiveExport,
		},
		{
			name:    "import",
			usage:   "kho archive import FILE [--owner ID] [flags]",
			summary: "read a BagIt bag (Kho's own or another tool's) into a vault",
			vi:      "Nhập gói BagIt (của Kho hoặc công cụ khác) vào kho dữ liệu",
			help: `The whole bag is checked first (manifests, hashes, Payload-Oxum, Kho's
records); a bad bag is refused and nothing is stored. A bag Kho exported
goes back losslessly, by default into the vault it came from (registered
from the bag when absent); --owner names another. A bag of another tool
gives one paper of type KHAC ("Giấy tờ khác") for each payload file, and
--owner is required. Importing the same bag again stores nothing new.
Prints one line for each paper: imported, already (there before) or
refused, with the reason.`,
			run: runArchiveImport,
		},
	}
}

func runArchiveExport(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	owner := fs.String("owner", "", "the owner `ID` whose vault is exported")
	dossier := fs.String("dossier", "", "the dossier `CODE` whose papers are exported")
	out := fs.String("o", "", "the bag `FILE` to write (a tar)")
	purpose := fs.String("purpose", "Chuyển giao lưu trữ", "the purpose recorded in the owners' ledgers")
	org := fs.String("source-organization", "", "bag-info's Source-Organization (default Kho)")
	progressOn := fs.Bool("progress", a.progressDefault(), "report progress on standard error")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if (*owner == "") == (*dossier == "") || *out == "" {
		return &usageError{kerr.New(kerr.Invalid, "invalid_arguments", "Cần chỉ rõ --owner hoặc --dossier (một trong hai) và -o TỆP.",
			"give exactly one of --owner and --dossier, and -o FILE")}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		vault := st.vault(archive.Config{}, a.quietLog())
		acc := archive.Access{Purpose: *purpose, Dossier: *dossier}
		name := filepath.Base(*out)
		var prog *progress
		opt := archive.ExportOptions{SourceOrganization: *org, Progress: func(done, total int64) {
			if prog == nil {
				prog = a.newProgress(*progressOn, "Đang xuất", name, total)
			}
			if prog != nil {
				prog.add(int(done - prog.n))
			}
		}}
		return writeFileAtomically(*out, func(f *os.File) error {
			var sum archive.ExportSummary
			var err error
			if *owner != "" {
				sum, err = vault.ExportOwner(ctx, systemActor(), *owner, acc, f, opt)
			} else {
				sum, err = exportDossier(ctx, st, vault, *dossier, acc, f, opt)
			}
			if err != nil {
				return err
			}
			prog.done()
			fmt.Fprintf(a.stdout, "papers: %d\nversions: %d\nfiles: %d\nbytes: %d\n", sum.Documents, sum.Versions, sum.Files, sum.Bytes)
			return nil
		})
	})
}

// exportDossier writes a dossier's papers (workflow.DossierPapers) with
// the dossier's record as kho/dossier.json.
func exportDossier(ctx context.Context, st *stores, vault *archive.Service, code string, acc archive.Access, f *os.File, opt archive.ExportOptions) (archive.ExportSummary, error) {
	d, err := st.meta.GetDossier(ctx, code)
	if err != nil {
		return archive.ExportSummary{}, err
	}
	ids, err := workflow.DossierPapers(ctx, st.meta, d)
	if err != nil {
		return archive.ExportSummary{}, err
	}
	rec, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return archive.ExportSummary{}, kerr.Wrap(err, kerr.Internal, "bag_json", "Không tạo được gói BagIt.")
	}
	return vault.ExportDocuments(ctx, systemActor(), code, ids, acc, map[string][]byte{"kho/dossier.json": rec}, f, opt)
}

// writeFileAtomically writes path through a temporary file beside it,
// synced and renamed into place only when write succeeds.
func writeFileAtomically(path string, write func(f *os.File) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "output_failed", "Không ghi được tệp kết quả.")
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return kerr.Wrap(err, kerr.Unavailable, "output_failed", "Không ghi được tệp kết quả.")
	}
	if err := f.Close(); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "output_failed", "Không ghi được tệp kết quả.")
	}
	if err := os.Rename(tmp, path); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "output_failed", "Không ghi được tệp kết quả.")
	}
	if err := durable.SyncDir(dir); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "output_failed", "Không ghi được tệp kết quả.")
	}
	return nil
}

func runArchiveImport(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	owner := fs.String("owner", "", "the owner `ID` whose vault receives the papers (default: the bag's owner, for a vault Kho exported)")
	progressOn := fs.Bool("progress", a.progressDefault(), "report progress on standard error")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return &usageError{kerr.Wrap(err, kerr.Invalid, "input_unreadable", "Không đọc được tệp gói BagIt.")}
	}
	defer f.Close()
	st0, err := f.Stat()
	if err != nil {
		return kerr.Wrap(err, kerr.Invalid, "input_unreadable", "Không đọc được tệp gói BagIt.")
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		prog := a.newProgress(*progressOn, "Đang đọc", filepath.Base(pos[0]), st0.Size())
		var in = prog.Reader(f)
		if prog == nil {
			in = f
		}
		rep, err := st.vault(archive.Config{}, a.quietLog()).ImportBag(ctx, systemActor(), *owner, in, archive.ImportOptions{})
		if err != nil {
			return err
		}
		prog.done()
		for _, r := range rep.Results {
			line := fmt.Sprintf("%s\t%s\t%s", r.Outcome, r.DocumentID, term(r.Path))
			if r.OriginalID != "" {
				line += "\t(original " + r.OriginalID + ")"
			}
			if r.Code != "" {
				line += "\t" + r.Code + ": " + term(r.Message)
			}
			fmt.Fprintln(a.stdout, strings.TrimRight(line, "\t"))
		}
		fmt.Fprintf(a.stdout, "bag: %s (%s)\nimported: %d\nalready: %d\nrefused: %d\n", rep.Kind, term(rep.ExternalIdentifier), rep.Stored, rep.Already, rep.Refused)
		return nil
	})
}
