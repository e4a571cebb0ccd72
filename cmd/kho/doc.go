package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

func docCommand() *command {
	return &command{
		name:    "doc",
		usage:   "kho doc COMMAND [flags]",
		summary: "upload, download and list documents through a Kho server's API",
		vi:      "Tải lên, tải xuống và liệt kê giấy tờ qua API của máy chủ Kho",
		sub: []*command{
			{
				name:    "put",
				usage:   "kho doc put [flags] FILE",
				summary: "upload FILE as a new document and print it as JSON",
				vi:      "Tải tệp lên thành giấy tờ mới trong kho",
				help: `The file is streamed as the raw request body (Content-Length set); its
media type comes from the file extension unless --media-type is given
(the server checks it against the content). Dates are YYYY-MM-DD.`,
				run: runDocPut,
			},
			{
				name:    "get",
				usage:   "kho doc get [flags] DOCID",
				summary: "download a document's content, verifying its SHA-256",
				vi:      "Tải nội dung giấy tờ về máy, có kiểm tra mã băm SHA-256",
				help: `Before the server is asked (it records every download in the owner's
access ledger), the target is checked: its folder must exist and be
writable, and an -o FILE must not be a folder or exist (unless --force).
The content is written to a temporary file in that folder, its SHA-256
is checked against the server's ETag, and only then is it put in place.
-o - writes to standard output (the check then happens at the end and a
mismatch makes the command fail). Without -o, or with -o FOLDER, the
server's file name is used in that folder; if a file of that name exists
it is kept and the download is saved as "NAME (2).EXT" (the next free
number), unless --force replaces it. Staff and admin must give --purpose.`,
				run: runDocGet,
			},
			{
				name:    "ls",
				usage:   "kho doc ls [flags]",
				summary: "list an owner's documents (a table, or JSON with --json)",
				vi:      "Liệt kê giấy tờ trong kho của một chủ sở hữu",
				help: `Staff and admin must give --owner and --purpose; every page they read is
recorded, with the purpose, in the owner's access ledger.`,
				run: runDocLs,
			},
			{
				name:    "versions",
				usage:   "kho doc versions [flags] DOCID",
				summary: "list every version of a document",
				vi:      "Liệt kê các phiên bản của một giấy tờ",
				help: `Staff and admin must give --purpose; the read is recorded, with the
purpose, in the owner's access ledger.`,
				run: runDocVersions,
			},
		},
	}
}

// accessFlags are why a read of an owner's data is made: --purpose (staff
// and admin must give it) and --dossier, both recorded in the owner's
// access ledger.
type accessFlags struct {
	purpose, dossier string
}

func (f *accessFlags) bind(fs *flag.FlagSet, what string) {
	fs.StringVar(&f.purpose, "purpose", "", "`PURPOSE` of "+what+", recorded in the owner's access ledger (required for staff and admin)")
	fs.StringVar(&f.dossier, "dossier", "", "dossier `CODE` "+what+" is for, recorded in the ledger")
}

// query returns the flags as query parameters.
func (f *accessFlags) query() url.Values {
	q := url.Values{}
	if f.purpose != "" {
		q.Set("purpose", f.purpose)
	}
	if f.dossier != "" {
		q.Set("dossier", f.dossier)
	}
	return q
}

// mediaTypeFor guesses a file's media type from its extension (the vault's
// accepted types first, then the standard library's table);
// application/octet-stream lets the server detect it.
func mediaTypeFor(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".pdf":
		return "application/pdf"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".tif", ".tiff":
		return "image/tiff"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".odt":
		return "application/vnd.oasis.opendocument.text"
	case ".ods":
		return "application/vnd.oasis.opendocument.spreadsheet"
	case ".xml":
		return "application/xml"
	case ".json":
		return "application/json"
	case ".txt":
		return "text/plain"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func runDocPut(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cf clientFlags
	cf.bind(fs.FlagSet, a.getenv)
	var (
		owner      = fs.String("owner", "", "owner `ID` (identity number); a citizen's token defaults to its own")
		typ        = fs.String("type", "", "document type `CODE` from the catalogue (required)")
		name       = fs.String("name", "", "document `NAME` (required)")
		summary    = fs.String("summary", "", "short `SUMMARY`")
		number     = fs.String("number", "", "document `NUMBER` (số hiệu)")
		issuer     = fs.String("issuer", "", "issuing `AUTHORITY`")
		issueDate  = fs.String("issue-date", "", "issue `DATE` YYYY-MM-DD")
		validFrom  = fs.String("valid-from", "", "start of validity `DATE` YYYY-MM-DD")
		validUntil = fs.String("valid-until", "", "end of validity `DATE` YYYY-MM-DD")
		permanent  = fs.Bool("permanent", false, "valid without end")
		scope      = fs.String("scope", "", "validity `SCOPE`")
		source     = fs.String("source", "", "`SOURCE`: upload, component, result, digitised, imported, rejected")
		mediaType  = fs.String("media-type", "", "declared media `TYPE` (default: from the file extension)")
		fileName   = fs.String("file-name", "", "file `NAME` to store (default: the base name of FILE)")
		progressOn = fs.Bool("progress", a.progressDefault(), "report the upload's progress on standard error (default: when it is a terminal)")
		fields     fieldFlags
	)
	fs.Var(&fields, "field", "typed extra field `NAME=VALUE` of the document type (repeatable); the value is converted to the field's type")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	if strings.TrimSpace(*typ) == "" || strings.TrimSpace(*name) == "" {
		return &usageError{kerr.New(kerr.Invalid, "missing_metadata",
			"Cần loại giấy tờ (--type) và tên giấy tờ (--name).", "--type and --name are required")}
	}
	for flagName, v := range map[string]string{"issue-date": *issueDate, "valid-from": *validFrom, "valid-until": *validUntil} {
		if _, err := archive.ParseDate(v); err != nil {
			return &usageError{kerr.New(kerr.Invalid, "invalid_date",
				"Ngày không hợp lệ (định dạng YYYY-MM-DD).", "--%s %q: %v", flagName, v, err)}
		}
	}

	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		return kerr.Wrap(err, kerr.NotFound, "file_unreadable", "Không đọc được tệp cần tải lên.")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "file_unreadable", "Không đọc được tệp cần tải lên.")
	}
	if !st.Mode().IsRegular() {
		return kerr.New(kerr.Invalid, "not_a_file", "Đường dẫn không phải là một tệp.", "%s is not a regular file", path)
	}
	fn := *fileName
	if fn == "" {
		fn = filepath.Base(path)
	}
	mt := *mediaType
	if mt == "" {
		mt = mediaTypeFor(fn)
	}

	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("owner", *owner)
	set("type", *typ)
	set("name", *name)
	set("summary", *summary)
	set("number", *number)
	set("issuer", *issuer)
	set("issueDate", *issueDate)
	set("validFrom", *validFrom)
	set("validUntil", *validUntil)
	set("validityScope", *scope)
	set("source", *source)
	if *permanent {
		q.Set("permanent", "true")
	}
	set("filename", fn)
	if len(fields) > 0 {
		js, err := fields.encode(ctx, c, *typ)
		if err != nil {
			return err
		}
		q.Set("fields", js)
	}

	prog := a.newProgress(*progressOn, "Đang tải lên", fn, st.Size())
	req, err := c.request(ctx, http.MethodPost, "/api/v1/documents", q, prog.Reader(f))
	if err != nil {
		return err
	}
	req.ContentLength = st.Size()
	if st.Size() == 0 {
		req.Body = http.NoBody
	}
	req.Header.Set("Content-Type", mt)
	req.Header.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fn}))
	resp, err := c.do(req, http.StatusCreated)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	prog.done()
	return copyJSON(a.stdout, resp.Body)
}

// fieldFlags collects --field NAME=VALUE pairs in order.
type fieldFlags [][2]string

func (f *fieldFlags) String() string { return "" }

func (f *fieldFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	*f = append(*f, [2]string{strings.TrimSpace(name), value})
	return nil
}

// encode converts the values to the types the document type's FieldDefs
// give (read from the server) and returns them as a JSON object. Names the
// type does not define are sent as strings, for the server to refuse.
func (f fieldFlags) encode(ctx context.Context, c *apiClient, typeCode string) (string, error) {
	var dt archive.DocumentType
	if err := c.getJSON(ctx, "/api/v1/document-types/"+url.PathEscape(typeCode), nil, &dt); err != nil {
		return "", err
	}
	defs := map[string]archive.FieldType{}
	for _, d := range dt.Fields {
		defs[d.Name] = d.Type
	}
	out := map[string]any{}
	for _, kv := range f {
		name, v := kv[0], kv[1]
		bad := func(want string) (string, error) {
			return "", &usageError{kerr.New(kerr.Invalid, "invalid_field",
				"Giá trị trường thông tin không đúng kiểu.", "--field %s=%q: want %s", name, v, want)}
		}
		switch defs[name] {
		case archive.FieldNumber:
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return bad("a number")
			}
			out[name] = n
		case archive.FieldBool:
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return bad("true or false")
			}
			out[name] = b
		case archive.FieldDate:
			if _, err := archive.ParseDate(strings.TrimSpace(v)); err != nil {
				return bad("a date YYYY-MM-DD")
			}
			out[name] = strings.TrimSpace(v)
		default:
			out[name] = v
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "encode_failed", "Không mã hóa được trường thông tin.")
	}
	return string(b), nil
}

// copyJSON re-indents a JSON response onto w.
func copyJSON(w io.Writer, r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "response_cut", "Máy chủ ngắt kết nối giữa chừng.")
	}
	if !json.Valid(raw) {
		return kerr.New(kerr.Internal, "bad_server_response", "Máy chủ trả lời không đúng định dạng.", "the answer is not JSON")
	}
	return writeEscapedJSON(w, raw)
}

func runDocGet(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cf clientFlags
	cf.bind(fs.FlagSet, a.getenv)
	version := fs.Int("version", 0, "version `N` (default: the current one)")
	out := fs.String("o", "", "output `FILE` or folder; - for standard output")
	force := fs.Bool("force", false, "replace an existing output file")
	var acc accessFlags
	acc.bind(fs.FlagSet, "the download")
	progressOn := fs.Bool("progress", a.progressDefault(), "report the download's progress on standard error (default: when it is a terminal)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	id := pos[0]
	if !archive.ValidID(id) {
		return &usageError{kerr.New(kerr.Invalid, "invalid_document_id",
			"Mã giấy tờ không hợp lệ.", "%q is not a document ID", id)}
	}
	if *version < 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_version", "Số phiên bản không hợp lệ.", "--version must be >= 1")}
	}
	path := "/api/v1/documents/" + id + "/content"
	if *version > 0 {
		path = "/api/v1/documents/" + id + "/versions/" + strconv.Itoa(*version) + "/content"
	}
	q := acc.query()
	// Everything that can be checked here is checked before the server is
	// asked: the server records the download in the owner's access ledger
	// as soon as it sends the first byte.
	var dst *getTarget
	if *out != "-" {
		if dst, err = prepareTarget(*out, *force); err != nil {
			return err
		}
		defer dst.discard()
	}
	req, err := c.request(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "*/*")
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	want := etagHash(resp.Header.Get("ETag"))
	if want == "" {
		return kerr.New(kerr.Integrity, "missing_checksum",
			"Máy chủ không gửi mã băm để kiểm tra tệp.", "the response has no strong ETag with the SHA-256")
	}
	name := serverFileName(resp.Header.Get("Content-Disposition"), id)

	if dst == nil {
		prog := a.newProgress(*progressOn, "Đang tải về", name, resp.ContentLength)
		h := sha256.New()
		n, err := io.Copy(prog.Writer(io.MultiWriter(a.stdout, h)), resp.Body)
		if err != nil {
			return kerr.Wrap(err, kerr.Unavailable, "download_cut", "Tải xuống bị gián đoạn.")
		}
		prog.done()
		return checkHash(h.Sum(nil), want, n, resp.ContentLength)
	}

	shown := dst.path
	if shown == "" {
		shown = name
	}
	prog := a.newProgress(*progressOn, "Đang tải về", filepath.Base(shown), resp.ContentLength)
	h := sha256.New()
	n, err := io.Copy(prog.Writer(io.MultiWriter(dst, h)), resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return kerr.Wrap(ctx.Err(), kerr.Unavailable, "interrupted", "Thao tác đã bị hủy.")
		}
		if werr := dst.writeErr(); werr != nil {
			return werr
		}
		return kerr.Wrap(err, kerr.Unavailable, "download_cut", "Tải xuống bị gián đoạn.")
	}
	prog.done()
	if err := checkHash(h.Sum(nil), want, n, resp.ContentLength); err != nil {
		return err
	}
	target, err := dst.place(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "Đã tải về %s (%s, sha256 %s)\n", term(target), config.FormatSize(n), term(want))
	return nil
}

// getTarget is where kho doc get writes a download: a temporary file,
// made before the server is asked, in the folder of the final file.
type getTarget struct {
	path  string   // the file asked for with -o; "" when the server names it
	dir   string   // the folder of the final file
	force bool     // replace an existing file
	tmp   *os.File // the temporary file the bytes go to
	werr  error    // the first failed write to tmp
	done  bool     // tmp was renamed into place
}

// prepareTarget checks, before any request, that the download can be
// written: out ("" = the current folder) is a folder, or a file whose
// folder exists, that is not a folder or special file, and that does not
// exist unless force; and it creates the temporary file there, which
// shows that the folder is writable.
func prepareTarget(out string, force bool) (*getTarget, error) {
	t := &getTarget{force: force}
	st, err := os.Stat(out)
	switch {
	case out == "":
		t.dir = "."
	case err == nil && st.IsDir():
		t.dir = out
	case err == nil && !st.Mode().IsRegular():
		return nil, kerr.New(kerr.Invalid, "not_a_file", "Đường dẫn đích không phải là một tệp thường.", "%s is not a regular file", out)
	case err == nil && !force:
		return nil, kerr.New(kerr.Conflict, "file_exists",
			"Tệp đích đã tồn tại; dùng --force để ghi đè.", "%s exists", out)
	case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
		return nil, kerr.Wrap(err, kerr.Invalid, "output_not_writable", "Không ghi được vào đường dẫn đích.")
	case strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)):
		return nil, kerr.New(kerr.Invalid, "output_dir_missing", "Thư mục đích không tồn tại.", "folder %s does not exist", out)
	default:
		t.path, t.dir = out, filepath.Dir(out)
	}
	if st, err := os.Stat(t.dir); err != nil || !st.IsDir() {
		return nil, kerr.New(kerr.Invalid, "output_dir_missing", "Thư mục đích không tồn tại.", "folder %s does not exist or is not a folder", t.dir)
	}
	t.tmp, err = os.CreateTemp(t.dir, ".kho-get-*.part")
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "output_not_writable", "Không ghi được vào thư mục đích.")
	}
	return t, nil
}

// Write writes to the temporary file, keeping the first error.
func (t *getTarget) Write(p []byte) (int, error) {
	n, err := t.tmp.Write(p)
	if err != nil && t.werr == nil {
		t.werr = err
	}
	return n, err
}

// writeErr is the error of a failed local write, if one failed.
func (t *getTarget) writeErr() error {
	if t.werr == nil {
		return nil
	}
	return kerr.Wrap(t.werr, kerr.Internal, "cannot_write_file", "Không ghi được tệp tải về.")
}

// place syncs the temporary file and gives it its final name: the -o
// file, else the server's name in the folder. It never replaces a file
// without --force: a file of the server's name that exists is kept and
// the download gets the first free "NAME (2).EXT", "NAME (3).EXT", …
// (the bytes were sent and recorded; they are not thrown away). It
// returns the final path.
func (t *getTarget) place(name string) (string, error) {
	fail := func(err error) (string, error) {
		return "", kerr.Wrap(err, kerr.Internal, "cannot_write_file", "Không ghi được tệp tải về.")
	}
	if err := t.tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := t.tmp.Close(); err != nil {
		return fail(err)
	}
	candidates := func(i int) string {
		if t.path != "" {
			return t.path
		}
		if i == 1 {
			return filepath.Join(t.dir, name)
		}
		ext := filepath.Ext(name)
		return filepath.Join(t.dir, fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), i, ext))
	}
	for i := 1; i <= 1000; i++ {
		target := candidates(i)
		if t.force {
			if err := os.Rename(t.tmp.Name(), target); err != nil {
				return fail(err)
			}
			t.done = true
			return target, nil
		}
		err := linkNoClobber(t.tmp.Name(), target)
		if err == nil {
			t.done = true
			_ = os.Remove(t.tmp.Name())
			return target, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fail(err)
		}
		if t.path != "" {
			return "", kerr.New(kerr.Conflict, "file_exists",
				"Tệp đích đã tồn tại; dùng --force để ghi đè.", "%s exists", target)
		}
	}
	return "", kerr.New(kerr.Conflict, "file_exists", "Thư mục đích đã có quá nhiều tệp cùng tên.", "%s and 999 numbered copies exist", name)
}

// linkNoClobber gives the file at from the name to, failing with
// fs.ErrExist when to exists: a hard link where the file system has them
// (atomic), else a check and a rename.
func linkNoClobber(from, to string) error {
	err := os.Link(from, to)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(to); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(from, to)
}

// discard removes the temporary file unless it was placed.
func (t *getTarget) discard() {
	if !t.done {
		t.tmp.Close()
		os.Remove(t.tmp.Name())
	}
}

// etagHash returns the SHA-256 in a strong ETag ("<hex>"), or "".
func etagHash(etag string) string {
	if strings.HasPrefix(etag, "W/") {
		return ""
	}
	h := strings.ToLower(strings.Trim(etag, `"`))
	if len(h) != 64 {
		return ""
	}
	if _, err := hex.DecodeString(h); err != nil {
		return ""
	}
	return h
}

func checkHash(sum []byte, want string, n, declared int64) error {
	if declared >= 0 && n != declared {
		return kerr.New(kerr.Unavailable, "download_cut", "Tải xuống bị gián đoạn.",
			"got %d of %d bytes", n, declared)
	}
	if got := hex.EncodeToString(sum); got != want {
		return kerr.New(kerr.Integrity, "checksum_mismatch",
			"Tệp tải về không khớp mã băm SHA-256; tệp đã bị bỏ.", "sha256 %s, server says %s", got, want)
	}
	return nil
}

// serverFileName is the base name the server suggests, made safe, or id.
func serverFileName(disposition, id string) string {
	_, params, err := mime.ParseMediaType(disposition)
	if err != nil {
		return id
	}
	name := filepath.Base(strings.ReplaceAll(params["filename"], `\`, "/"))
	if name == "." || name == "/" || name == ".." || name == "" || strings.ContainsAny(name, "\x00") || strings.HasPrefix(name, ".") {
		return id
	}
	// A name stored before the vault refused them may hold control or
	// bidirectional characters ("hop-dong\u202efdp.exe" shows as
	// "hop-dongexe.pdf"): they become "_" in the file made here.
	return textrule.Replace(name, '_')
}

func runDocLs(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cf clientFlags
	cf.bind(fs.FlagSet, a.getenv)
	owner := fs.String("owner", "", "owner `ID` (staff and admin must give it; a citizen sees their own)")
	typ := fs.String("type", "", "only this type `CODE`")
	words := fs.String("q", "", "search `WORDS` in name and summary (case and diacritics ignored)")
	status := fs.String("status", "", "only this `STATUS`: valid, superseded, revoked, expired")
	limit := fs.Int("limit", 0, "at most `N` documents (default: all)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	var acc accessFlags
	acc.bind(fs.FlagSet, "the listing")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	q := acc.query()
	for k, v := range map[string]string{"owner": *owner, "type": *typ, "q": *words, "status": *status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var docs []archive.Document
	for {
		pageSize := 1000
		if *limit > 0 && *limit-len(docs) < pageSize {
			pageSize = *limit - len(docs)
		}
		q.Set("limit", strconv.Itoa(pageSize))
		var page archive.Page
		if err := c.getJSON(ctx, "/api/v1/documents", q, &page); err != nil {
			return err
		}
		docs = append(docs, page.Documents...)
		if page.Next == "" || (*limit > 0 && len(docs) >= *limit) {
			break
		}
		q.Set("cursor", page.Next)
	}
	if docs == nil {
		docs = []archive.Document{}
	}
	if *asJSON {
		return printJSON(a.stdout, docs)
	}
	today := archive.DateOf(a.now().In(vietnam()))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tNAME\tSTATUS\tVERSION\tSIZE\tDATE")
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n",
			term(d.ID), term(d.TypeCode), clip(term(oneLine(d.Name)), 40), term(string(d.EffectiveStatus(today))), d.VersionCount,
			config.FormatSize(d.Current.Size), archive.DateOf(d.CreatedAt.In(vietnam())).Vietnamese())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(docs) == 0 {
		fmt.Fprintln(a.stderr, "Không có giấy tờ nào.")
	}
	return nil
}

func runDocVersions(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cf clientFlags
	cf.bind(fs.FlagSet, a.getenv)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	var acc accessFlags
	acc.bind(fs.FlagSet, "the read")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	id := pos[0]
	if !archive.ValidID(id) {
		return &usageError{kerr.New(kerr.Invalid, "invalid_document_id",
			"Mã giấy tờ không hợp lệ.", "%q is not a document ID", id)}
	}
	var raw json.RawMessage
	if err := c.getJSON(ctx, "/api/v1/documents/"+id+"/versions", acc.query(), &raw); err != nil {
		return err
	}
	versions, err := decodeVersions(raw)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(a.stdout, versions)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tCHANGE\tSIZE\tMEDIA TYPE\tSHA-256\tBY\tDATE")
	for _, v := range versions {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.N, term(v.Change), config.FormatSize(v.Size), term(v.MediaType),
			clip(term(v.Blob), 16), term(v.CreatedBy), v.CreatedAt.In(vietnam()).Format("02/01/2006 15:04"))
	}
	return tw.Flush()
}

// decodeVersions accepts a JSON array of versions or an object holding one
// under "versions".
func decodeVersions(raw json.RawMessage) ([]archive.Version, error) {
	var versions []archive.Version
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var wrapped struct {
			Versions []archive.Version `json:"versions"`
		}
		if err := json.Unmarshal(raw, &wrapped); err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "bad_server_response", "Máy chủ trả lời không đúng định dạng.")
		}
		return wrapped.Versions, nil
	}
	if err := json.Unmarshal(raw, &versions); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "bad_server_response", "Máy chủ trả lời không đúng định dạng.")
	}
	return versions, nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
