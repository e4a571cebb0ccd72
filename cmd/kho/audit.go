package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
)

// vietnam is the time zone dates are shown in (UTC+7, no daylight saving).
func vietnam() *time.Location { return time.FixedZone("ICT", 7*3600) }

// showTime formats t for people: DD/MM/YYYY hh:mm:ss, Vietnam time.
func showTime(t time.Time) string { return t.In(vietnam()).Format("02/01/2006 15:04:05") }

// maxProofFile bounds a proof or checkpoint file read by the CLI.
const maxProofFile = 256 << 20

func auditCommand() *command {
	return &command{
		name:    "audit",
		usage:   "kho audit COMMAND [flags]",
		summary: "check the integrity of the access ledger, make and check its checkpoints and proofs",
		vi:      "Kiểm tra tính toàn vẹn của sổ nhật ký truy cập; điểm chốt và bằng chứng",
		sub: []*command{{
			name:    "verify",
			usage:   "kho audit verify [flags]",
			summary: "check every ledger lane and the Merkle log against the signed checkpoints",
			vi:      "Kiểm tra toàn bộ nhật ký truy cập với điểm chốt đã ký; báo mục bị sửa, bị xóa, chuỗi bị xóa",
			help: `Every lane (hash chain) of every owner's ledger is walked; with the
checkpoint key (--ledger-public-key, --ledger-key-file, or DIR/ledger.key of
the embedded store) the latest checkpoint's signature is checked, the
Merkle log's root is recomputed from its leaves and compared with it and
with each --checkpoint FILE (exported copies kept outside the database),
and every lane must still hold an intact chain up to the head the
checkpoint covers: entries cut from the end, a lane deleted or rewritten
are reported. Entries newer than the checkpoint are protected only by
their chains until the next checkpoint; the report counts them.

Exit status 0 when nothing is wrong, 1 when any problem is found (each is
printed with its owner, lane, sequence number and reason) or the check
could not run.`,
			run: runAuditVerify,
		}, {
			name:    "checkpoint",
			usage:   "kho audit checkpoint [flags]",
			summary: "checkpoint the ledger now (the server does it every --checkpoint-interval)",
			vi:      "Chốt nhật ký truy cập ngay",
			run:     runAuditCheckpoint,
		}, {
			name:    "checkpoints",
			usage:   "kho audit checkpoints export [flags] DIR",
			summary: "export the signed checkpoints",
			vi:      "Xuất các điểm chốt đã ký",
			sub: []*command{{
				name:    "export",
				usage:   "kho audit checkpoints export [flags] DIR",
				summary: "write every signed checkpoint not yet in DIR as DIR/checkpoint-SIZE.json",
				vi:      "Ghi các điểm chốt đã ký ra thư mục (để lưu bản sao ở nơi khác)",
				help: `Keep the copies outside the database and the server (another machine, a
write-once medium): kho audit verify --checkpoint FILE then detects a
database writer who deleted the newest checkpoints with the entries they
covered.`,
				run: runCheckpointsExport,
			}},
		}, {
			name:    "key",
			usage:   "kho audit key create [--name NAME] FILE",
			summary: "make checkpoint signing keys",
			vi:      "Tạo khóa ký điểm chốt nhật ký",
			sub: []*command{{
				name:    "create",
				usage:   "kho audit key create [--name NAME] FILE",
				summary: "make a new Ed25519 checkpoint key in FILE (mode 0600) and print its public key",
				vi:      "Tạo khóa ký điểm chốt mới và in khóa công khai",
				run:     runKeyCreate,
			}},
		}, {
			name:    "proof",
			usage:   "kho audit proof [flags] -o FILE",
			summary: "download the inclusion proof of an owner's ledger and the ledger itself",
			vi:      "Tải bằng chứng nhật ký truy cập đã được chốt, kèm nhật ký",
			run:     runAuditProof,
		}, {
			name:    "check-proof",
			usage:   "kho audit check-proof --key KEY FILE",
			summary: "check a proof (and the ledger in it) with the server's public key, without trusting the server",
			vi:      "Kiểm tra bằng chứng nhật ký bằng khóa công khai, không cần tin máy chủ",
			help: `FILE is what kho audit proof wrote (or the JSON of GET
/api/v1/owners/{id}/ledger/proof). --key is the server's public key
(GET /api/v1/ledger/key), best obtained once, out of band. Checked: the
checkpoint's signature, its RFC 3161 time-stamp token if any, each lane's
inclusion proof, and that the ledger entries in FILE chain from the first
entry of each lane up to the proven head. Exit status 1 when anything
does not hold.`,
			run: runCheckProof,
		}},
	}
}

// ledgerKeyFlags are how a command finds the checkpoint key.
type ledgerKeyFlags struct {
	keyFile   string
	publicKey string
}

func (k *ledgerKeyFlags) bind(fs *flag.FlagSet, getenv config.Getenv) {
	bindLedgerKeyFile(fs, getenv, &k.keyFile)
	fs.StringVar(&k.publicKey, "ledger-public-key", "", "the checkpoints' public `KEY` (NAME+HASH+KEY, as GET /api/v1/ledger/key answers) or a file holding it")
}

// bindLedgerKeyFile binds the audit commands' --ledger-key-file to p.
func bindLedgerKeyFile(fs *flag.FlagSet, getenv config.Getenv, p *string) {
	fs.StringVar(p, "ledger-key-file", getenv(envLedgerKeyFile), "the checkpoint signing key `FILE` (default DIR/"+ledgerKeyName+" of the embedded store) [$"+envLedgerKeyFile+"]")
}

// verifier returns the checkpoint verifier the flags name, or the
// embedded store's ledger.key; nil when there is none.
func (k *ledgerKeyFlags) verifier(dataDir string, embedded bool) (note.Verifier, error) {
	switch {
	case k.publicKey != "":
		return readVerifier(k.publicKey)
	case k.keyFile != "":
		return verifierOfKeyFile(k.keyFile)
	case embedded:
		p := filepath.Join(dataDir, ledgerKeyName)
		if _, err := os.Stat(p); err == nil {
			return verifierOfKeyFile(p)
		}
	}
	return nil, nil
}

func verifierOfKeyFile(path string) (note.Verifier, error) {
	k, err := readLedgerKey(path)
	if err != nil {
		return nil, err
	}
	_, v, _, err := archive.ParseLedgerKey(k)
	return v, err
}

// readVerifier reads a public key given as text or as a file holding it.
func readVerifier(s string) (note.Verifier, error) {
	if b, err := os.ReadFile(s); err == nil {
		s = string(b)
	}
	return archive.ParseLedgerVerifier(s)
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// readJSONFile decodes a JSON file of at most maxProofFile bytes.
func readJSONFile(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return kerr.Wrap(err, kerr.Invalid, "file_unreadable", "Không đọc được tệp "+filepath.Base(path)+".")
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxProofFile {
		return kerr.New(kerr.TooLarge, "file_too_large", "Tệp quá lớn.", "%s: %d bytes > %d", path, st.Size(), maxProofFile)
	}
	dec := json.NewDecoder(f)
	if err := dec.Decode(v); err != nil {
		return kerr.Wrap(err, kerr.Invalid, "file_not_json", "Tệp "+filepath.Base(path)+" không đúng định dạng JSON mong đợi.")
	}
	return nil
}

func runAuditVerify(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var keys ledgerKeyFlags
	keys.bind(fs.FlagSet, a.getenv)
	var exported stringList
	fs.Var(&exported, "checkpoint", "an exported checkpoint `FILE` the log must still match (repeatable)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	verifier, err := keys.verifier(cfg.DataDir, !cfg.UsesMongo())
	if err != nil {
		return err
	}
	opt := archive.AuditOptions{Verifier: verifier}
	for _, f := range exported {
		var c archive.Checkpoint
		if err := readJSONFile(f, &c); err != nil {
			return err
		}
		opt.Exported = append(opt.Exported, c)
	}
	if len(opt.Exported) > 0 && verifier == nil {
		return &usageError{kerr.New(kerr.Invalid, "ledger_key_required", "Cần khóa công khai (--ledger-public-key) để kiểm tra điểm chốt.", "--checkpoint needs --ledger-public-key or --ledger-key-file")}
	}
	var rep archive.AuditReport
	err = a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		var err error
		rep, err = st.vault(archive.Config{}, a.quietLog()).VerifyLedger(ctx, opt)
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
		fmt.Fprintf(a.stdout, "chains: %d\nlanes: %d\nentries: %d\nlog: %d\n", rep.Chains, rep.Lanes, rep.Entries, rep.LogSize)
		if c := rep.Checkpoint; c != nil {
			fmt.Fprintf(a.stdout, "checkpoint: %d (%s", c.Size, showTime(c.At))
			if !c.Stamped.IsZero() {
				fmt.Fprintf(a.stdout, ", TSA %s", showTime(c.Stamped))
			}
			fmt.Fprintln(a.stdout, ")")
		}
		fmt.Fprintf(a.stdout, "unanchored: %d\nproblems: %d\n", rep.Unanchored, len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(a.stdout, "PROBLEM chain=%s lane=%q seq=%d reason=%q\n", term(p.Chain), term(p.Lane), p.Seq, p.Reason)
		}
	}
	switch {
	case verifier == nil:
		fmt.Fprintln(a.stderr, "Chưa có khóa kiểm tra điểm chốt (--ledger-public-key): chỉ kiểm tra các chuỗi băm; mục bị xóa ở cuối chuỗi hoặc cả chuỗi bị xóa sẽ không bị phát hiện.")
	case rep.Checkpoint == nil:
		fmt.Fprintln(a.stderr, "Nhật ký chưa có điểm chốt nào: chỉ kiểm tra được các chuỗi băm.")
	case rep.Unanchored > 0:
		fmt.Fprintf(a.stderr, "%d mục mới hơn điểm chốt gần nhất: chỉ được chuỗi băm bảo vệ cho đến lần chốt sau.\n", rep.Unanchored)
	}
	if len(rep.Problems) > 0 {
		first := rep.Problems[0]
		return &exitError{code: 1, err: kerr.New(kerr.Integrity, "ledger_broken",
			fmt.Sprintf("Sổ nhật ký truy cập có %d vấn đề.", len(rep.Problems)),
			"first: chain %s lane %q seq %d: %s", first.Chain, first.Lane, first.Seq, first.Reason)}
	}
	fmt.Fprintln(a.stderr, "Sổ nhật ký truy cập toàn vẹn.")
	return nil
}

func runAuditCheckpoint(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	var lg serveLedger
	bindLedgerKeyFile(fs.FlagSet, a.getenv, &lg.keyFile)
	tsa := fs.String("tsa", a.getenv(envTSA), "RFC 3161 time-stamp authority `URL` [$"+envTSA+"]")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		ls, closeBlobs, err := lg.signing(ctx, cfg, *tsa, 10*time.Second, a.quietLog())
		if err != nil {
			return err
		}
		defer closeBlobs()
		if ls.Signer == nil {
			return kerr.New(kerr.Invalid, "ledger_key_required", "Cần khóa ký điểm chốt (--ledger-key-file).", "no checkpoint key")
		}
		// Go on from where the server's job stopped (its lease's cursor),
		// without moving it: the job reads a little again, nothing else.
		cursor := ""
		if l, err := st.meta.GetLease(ctx, "ledger-checkpoint"); err == nil {
			cursor = l.Cursor
		}
		run, err := st.vault(archive.Config{Ledger: ls}, a.quietLog()).Checkpoint(ctx, cursor)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "read: %d\nleaves: %d\ncheckpoint: %d\n", run.Read, run.Leaves, run.Latest.Size)
		return nil
	})
}

func runCheckpointsExport(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	dir := pos[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return kerr.Wrap(err, kerr.Invalid, "export_dir_unusable", "Không tạo được thư mục xuất điểm chốt.")
	}
	written, kept := 0, 0
	err = a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		v := st.vault(archive.Config{}, a.quietLog())
		after := int64(0)
		for {
			cs, err := v.Checkpoints(ctx, after, 1000)
			if err != nil {
				return err
			}
			for _, c := range cs {
				path := filepath.Join(dir, fmt.Sprintf("checkpoint-%012d.json", c.Size))
				if _, err := os.Stat(path); err == nil {
					kept++
					continue
				}
				b, err := json.MarshalIndent(c, "", "  ")
				if err != nil {
					return err
				}
				if err := writeFileAtomic(path, append(b, '\n')); err != nil {
					return kerr.Wrap(err, kerr.Internal, "export_failed", "Không ghi được tệp điểm chốt.")
				}
				written++
			}
			if len(cs) < 1000 {
				return nil
			}
			after = cs[len(cs)-1].Size
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "written: %d\nalready there: %d\n", written, kept)
	return nil
}

func runKeyCreate(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	name := fs.String("name", ledgerKeyDefaultName, "the key's `NAME`, also the checkpoints' origin line (e.g. the server's host name)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	skey, err := writeLedgerKey(pos[0], *name)
	if errors.Is(err, iofs.ErrExist) {
		return kerr.New(kerr.Conflict, "file_exists", "Tệp khóa đã có; không ghi đè.", "%s exists", pos[0])
	}
	if err != nil {
		return err
	}
	_, _, vkey, err := archive.ParseLedgerKey(skey)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, vkey)
	return nil
}

// proofBundle is what `kho audit proof` writes: the proof and the owner's
// ledger as the server listed it.
type proofBundle struct {
	Proof   archive.LedgerProof   `json:"proof"`
	Entries []archive.LedgerEntry `json:"entries"`
}

func runAuditProof(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cf clientFlags
	cf.bind(fs.FlagSet, a.getenv)
	owner := fs.String("owner", "", "the owner `ID` whose ledger to prove (a citizen: their own identity number)")
	var acc accessFlags
	acc.bind(fs.FlagSet, "the ledger read")
	out := fs.String("o", "", "write the proof and the ledger to `FILE`")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *out == "" {
		return &usageError{kerr.New(kerr.Invalid, "output_required", "Cần tệp ghi kết quả (-o FILE).", "-o FILE is required")}
	}
	c, err := cf.client()
	if err != nil {
		return &usageError{err}
	}
	id := *owner
	if id == "" {
		return &usageError{kerr.New(kerr.Invalid, "owner_required", "Cần mã chủ kho (--owner).", "--owner is required")}
	}
	q := acc.query()
	var b proofBundle
	base := "/api/v1/owners/" + url.PathEscape(id) + "/ledger"
	if err := c.getJSON(ctx, base+"/proof", q, &b.Proof); err != nil {
		return err
	}
	after := ""
	for {
		var page struct {
			Entries []archive.LedgerEntry `json:"entries"`
			More    bool                  `json:"more"`
			Next    string                `json:"next"`
		}
		pq := url.Values{"limit": {"1000"}}
		for k, v := range q {
			pq[k] = v
		}
		if after != "" {
			pq.Set("after", after)
		}
		if err := c.getJSON(ctx, base, pq, &page); err != nil {
			return err
		}
		b.Entries = append(b.Entries, page.Entries...)
		if !page.More || page.Next == "" {
			break
		}
		after = page.Next
	}
	j, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, append(j, '\n')); err != nil {
		return kerr.Wrap(err, kerr.Invalid, "output_unwritable", "Không ghi được tệp kết quả.")
	}
	fmt.Fprintf(a.stdout, "lanes: %d\nentries: %d\ncheckpoint: %d\n", len(b.Proof.Lanes), len(b.Entries), b.Proof.Checkpoint.Size)
	return nil
}

func runCheckProof(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	key := fs.String("key", "", "the server's public `KEY` (NAME+HASH+KEY) or a file holding it")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if *key == "" {
		return &usageError{kerr.New(kerr.Invalid, "ledger_key_required", "Cần khóa công khai của máy chủ (--key).", "--key is required")}
	}
	v, err := readVerifier(*key)
	if err != nil {
		return &usageError{err}
	}
	var raw map[string]json.RawMessage
	if err := readJSONFile(pos[0], &raw); err != nil {
		return err
	}
	var b proofBundle
	if _, ok := raw["proof"]; ok {
		err = readJSONFile(pos[0], &b)
	} else {
		err = readJSONFile(pos[0], &b.Proof)
	}
	if err != nil {
		return err
	}
	res, err := archive.CheckProof(b.Proof, v, b.Entries)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	fmt.Fprintf(a.stdout, "owner: %s\ncheckpoint: %d\nlanes: %d\n", b.Proof.Owner, res.Size, res.Lanes)
	if !res.Stamped.IsZero() {
		fmt.Fprintf(a.stdout, "time-stamped: %s\n", showTime(res.Stamped))
	}
	if res.Unchecked {
		fmt.Fprintln(a.stdout, "entries: not given")
		fmt.Fprintln(a.stderr, "Bằng chứng hợp lệ: chữ ký điểm chốt và bằng chứng từng chuỗi đều đúng (chưa kiểm tra các mục nhật ký: tệp không có).")
		return nil
	}
	fmt.Fprintf(a.stdout, "covered: %d\nnewer: %d\n", res.Covered, res.Newer)
	fmt.Fprintf(a.stderr, "Bằng chứng hợp lệ: %d mục nhật ký nằm trong điểm chốt đã ký; %d mục mới hơn, chưa được chốt.\n", res.Covered, res.Newer)
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
