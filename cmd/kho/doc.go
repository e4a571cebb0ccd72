package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
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
				help: `The content is written to a temporary file next to the target, its SHA-256
is checked against the server's ETag, and only then is it renamed into
place. -o - writes to standard output (the check then happens at the end
and a mismatch makes the command fail). Without -o the server's file name
is used, in the current folder.`,
				run: runDocGet,
			},
			{
				name:    "ls",
				usage:   "kho doc ls [flags]",
				summary: "list an owner's documents (a table, or JSON with --json)",
				vi:      "Liệt kê giấy tờ trong kho của một chủ sở hữu",
				run:     runDocLs,
			},
			{
				name:    "versions",
				usage:   "kho doc versions [flags] DOCID",
				summary: "list every version of a document",
				vi:      "Liệt kê các phiên bản của một giấy tờ",
				run:     runDocVersions,
			},
		},
	}
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
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return kerr.Wrap(err, kerr.Internal, "bad_server_response", "Máy chủ trả lời không đúng định dạng.")
	}
	buf.WriteByte('\n')
	_, err = buf.WriteTo(w)
	return err
}

func runDocGet(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	var cf clientFlags
	cf.bind(fs.FlagSet, a.getenv)
	version := fs.Int("version", 0, "version `N` (default: the current one)")
	out := fs.String("o", "", "output `FILE` or folder; - for standard output")
	force := fs.Bool("force", false, "replace an existing output file")
	purpose := fs.String("purpose", "", "`PURPOSE`: why you read it (recorded in the owner's access ledger)")
	dossier := fs.String("dossier", "", "dossier `CODE` the download is for (recorded in the ledger)")
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
	q := url.Values{}
	if *purpose != "" {
		q.Set("purpose", *purpose)
	}
	if *dossier != "" {
		q.Set("dossier", *dossier)
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

	if *out == "-" {
		prog := a.newProgress(*progressOn, "Đang tải về", serverFileName(resp.Header.Get("Content-Disposition"), id), resp.ContentLength)
		h := sha256.New()
		n, err := io.Copy(prog.Writer(io.MultiWriter(a.stdout, h)), resp.Body)
		if err != nil {
			return kerr.Wrap(err, kerr.Unavailable, "download_cut", "Tải xuống bị gián đoạn.")
		}
		prog.done()
		return checkHash(h.Sum(nil), want, n, resp.ContentLength)
	}

	target := *out
	if target == "" {
		target = serverFileName(resp.Header.Get("Content-Disposition"), id)
	} else if st, err := os.Stat(target); err == nil && st.IsDir() {
		target = filepath.Join(target, serverFileName(resp.Header.Get("Content-Disposition"), id))
	}
	if !*force {
		if _, err := os.Lstat(target); err == nil {
			return kerr.New(kerr.Conflict, "file_exists",
				"Tệp đích đã tồn tại; dùng --force để ghi đè.", "%s exists", target)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.part")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "cannot_write_file", "Không ghi được tệp tải về.")
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	prog := a.newProgress(*progressOn, "Đang tải về", filepath.Base(target), resp.ContentLength)
	h := sha256.New()
	n, err := io.Copy(prog.Writer(io.MultiWriter(tmp, h)), resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return kerr.Wrap(ctx.Err(), kerr.Unavailable, "interrupted", "Thao tác đã bị hủy.")
		}
		return kerr.Wrap(err, kerr.Unavailable, "download_cut", "Tải xuống bị gián đoạn.")
	}
	prog.done()
	if err := checkHash(h.Sum(nil), want, n, resp.ContentLength); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return kerr.Wrap(err, kerr.Internal, "cannot_write_file", "Không ghi được tệp tải về.")
	}
	if err := tmp.Close(); err != nil {
		return kerr.Wrap(err, kerr.Internal, "cannot_write_file", "Không ghi được tệp tải về.")
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return kerr.Wrap(err, kerr.Internal, "cannot_write_file", "Không ghi được tệp tải về.")
	}
	done = true
	fmt.Fprintf(a.stderr, "Đã tải về %s (%s, sha256 %s)\n", target, config.FormatSize(n), want)
	return nil
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
	return name
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
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	q := url.Values{}
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
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(docs)
	}
	today := archive.DateOf(a.now().In(vietnam()))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tNAME\tSTATUS\tVERSION\tSIZE\tDATE")
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n",
			d.ID, d.TypeCode, clip(oneLine(d.Name), 40), d.EffectiveStatus(today), d.VersionCount,
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
	if err := c.getJSON(ctx, "/api/v1/documents/"+id+"/versions", nil, &raw); err != nil {
		return err
	}
	versions, err := decodeVersions(raw)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(versions)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tCHANGE\tSIZE\tMEDIA TYPE\tSHA-256\tBY\tDATE")
	for _, v := range versions {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.N, v.Change, config.FormatSize(v.Size), v.MediaType,
			clip(v.Blob, 16), v.CreatedBy, v.CreatedAt.In(vietnam()).Format("02/01/2006 15:04"))
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
