package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// archiveConvertCommand is `kho archive convert`.
func archiveConvertCommand() *command {
	return &command{
		name:    "convert",
		usage:   "kho archive convert [flags] (--owner OWNER | DOCID...)",
		summary: "convert an owner's office files and images, or the papers named, to PDF/A-2b (or PDF) renditions",
		vi:      "Chuyển đổi tệp văn phòng và ảnh của một chủ kho, hoặc các giấy tờ được nêu, sang PDF/A-2b (hoặc PDF)",
		help: `Each paper's current version (or DOCID@N's version N) is converted through
Gotenberg (--gotenberg-url) — images through pdfcpu — into a rendition kept
beside it: the original stays byte for byte, a signed PDF is never
re-rendered, and a paper converted already is reported as such. One line
per file says "xong" or its error; a bad file does not stop the batch.
The exit status is 1 when any file failed. The reads are recorded in the
owners' ledgers under --by with --purpose.`,
		run: runArchiveConvert,
	}
}

// archivalConverter is the archive's converter over the documents'
// Gotenberg client, or nil when there is none (the demo's basicpdf makes
// no PDF/A and converts no office file).
func archivalConverter(d *documents) archive.RenditionConverter {
	if d == nil {
		return nil
	}
	if g, ok := d.converter.(*convert.Gotenberg); ok {
		return convert.Archival{G: g}
	}
	return nil
}

func runArchiveConvert(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, false)
	url := fs.String("gotenberg-url", a.getenv(envGotenbergURL), "`URL` of the Gotenberg 8 server [$"+envGotenbergURL+"]")
	timeout := fs.Duration("gotenberg-timeout", convert.DefaultTimeout, "how long one conversion may take")
	owner := fs.String("owner", "", "convert every convertible paper of this `OWNER` that has no rendition yet")
	target := fs.String("target", string(archive.TargetPDFA2b), "`TARGET`: pdfa-2b or pdf")
	purpose := fs.String("purpose", "", "why the papers are read, recorded in the owners' ledgers (required)")
	by := fs.String("by", "kho-archive", "who converts, as recorded in the ledgers and the renditions")
	progressOn := fs.Bool("progress", a.progressDefault(), "report the batch's progress on standard error (default: when it is a terminal)")
	pos, err := parse(fs, args, 0, maxConvertArgs)
	if err != nil {
		return helpOK(err)
	}
	if (*owner == "") == (len(pos) == 0) {
		return &usageError{kerr.New(kerr.Invalid, "owner_or_documents", "Cần nêu chủ kho (--owner) hoặc danh sách giấy tờ, không cả hai.",
			"give --owner or DOCID arguments, not both")}
	}
	items, err := convertItems(pos)
	if err != nil {
		return &usageError{err}
	}
	var conv archive.RenditionConverter
	if strings.TrimSpace(*url) != "" {
		g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: *url, Timeout: *timeout})
		if err != nil {
			return &usageError{err}
		}
		conv = convert.Archival{G: g}
	}
	t := archive.Target(*target)
	acc := archive.Access{Purpose: *purpose}
	actor := archive.Actor{Subject: *by, Role: archive.RoleAdmin}
	failed := 0
	err = a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		vault := st.vault(archive.Config{Converter: conv}, a.quietLog())
		if *owner != "" {
			if items, err = vault.ConvertPlan(ctx, actor, *owner, t, acc); err != nil {
				return err
			}
		}
		p := newCountProgress(a.stderr, *progressOn, len(items), a.now)
		_, failed = vault.ConvertAll(ctx, actor, items, t, acc, func(r archive.ConvertResult) {
			p.step()
			fmt.Fprintln(a.stdout, convertLine(r))
		})
		p.done()
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "Đã chuyển đổi %d/%d tệp, %d lỗi.\n", len(items)-failed, len(items), failed)
	if failed > 0 {
		return &exitError{code: 1, err: kerr.New(kerr.Invalid, "conversions_failed",
			fmt.Sprintf("%d tệp không chuyển đổi được.", failed), "%d of %d conversions failed", failed, len(items))}
	}
	return nil
}

// maxConvertArgs bounds the papers named on the command line.
const maxConvertArgs = 10000

// convertItems reads DOCID or DOCID@N arguments.
func convertItems(args []string) ([]archive.ConvertItem, error) {
	items := make([]archive.ConvertItem, 0, len(args))
	for _, s := range args {
		id, n := s, 0
		if i := strings.IndexByte(s, '@'); i >= 0 {
			id = s[:i]
			if _, err := fmt.Sscanf(s[i+1:], "%d", &n); err != nil || n < 1 || fmt.Sprint(n) != s[i+1:] {
				return nil, kerr.New(kerr.Invalid, "invalid_version", "Số phiên bản không hợp lệ (DOCID@N, N từ 1).", "argument %q", s)
			}
		}
		items = append(items, archive.ConvertItem{DocumentID: id, Version: n})
	}
	return items, nil
}

// convertLine is the line of one file: "xong" with the rendition, or
// "lỗi" with the code and the message.
func convertLine(r archive.ConvertResult) string {
	name := term(r.FileName)
	if r.Err != nil {
		code, msg := "internal", r.Err.Error()
		if ke := kerr.Outer(r.Err); ke != nil {
			code, msg = ke.Code, ke.Message
		}
		return fmt.Sprintf("lỗi\t%s\tv%d\t%s\t%s: %s", r.DocumentID, r.Version, name, code, term(msg))
	}
	state := "xong"
	if r.Existing {
		state = "đã có"
	}
	return fmt.Sprintf("%s\t%s\tv%d\t%s\t%s %s (%d byte)", state, r.DocumentID, r.Version, name, r.Rendition.Target, r.Rendition.Blob, r.Rendition.Size)
}

// countProgress reports a batch's progress — files done of all — on
// standard error, in place on a terminal.
type countProgress struct {
	w       io.Writer
	total   int
	n       int
	now     func() time.Time
	last    time.Time
	inPlace bool
}

func newCountProgress(w io.Writer, on bool, total int, now func() time.Time) *countProgress {
	if !on {
		return nil
	}
	return &countProgress{w: w, total: total, now: now, last: now(), inPlace: isTerminal(w)}
}

func (p *countProgress) step() {
	if p == nil {
		return
	}
	p.n++
	if t := p.now(); t.Sub(p.last) >= progressEvery || p.n == p.total {
		p.last = t
		p.report()
	}
}

func (p *countProgress) report() {
	line := fmt.Sprintf("Đang chuyển đổi: %d/%d tệp", p.n, p.total)
	if p.total > 0 {
		line += fmt.Sprintf(" (%d%%)", p.n*100/p.total)
	}
	if p.inPlace {
		fmt.Fprint(p.w, "\r\x1b[K"+line)
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *countProgress) done() {
	if p != nil && p.inPlace {
		fmt.Fprintln(p.w)
	}
}
