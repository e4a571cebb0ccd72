package e2e_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/pdfobj"

	_ "modernc.org/sqlite"
)

const (
	citizenID = "001099012345" // Hà Nội (001), a valid 12-digit identity number
	typeCode  = "KHAC"         // "Giấy tờ khác" in the starter catalogue, no required fields
)

// TestCLITour walks the vault's first steps with the real binary, more
// closely than the README (which TestReadme runs as written): serve the
// embedded default, create a token, put a PDF, get it back, list it,
// upload through raw HTTP too, audit the ledger, then tamper with the
// ledger in the SQLite file and watch the audit name the broken entry.
func TestCLITour(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, "--data", data)
	store := []string{"--data", data}

	if !strings.Contains(srv.logs.String(), "sqlite "+filepath.Join(data, "kho.db")) ||
		!strings.Contains(srv.logs.String(), "localfs "+filepath.Join(data, "blobs")) {
		t.Errorf("start-up log must say where data lives:\n%s", srv.logs.String())
	}

	citizen := createToken(t, store, citizenID, "citizen")
	admin := createToken(t, store, "admin-e2e", "admin")
	cli := []string{"--server", srv.url, "--token", citizen}

	// kho doc put: a small, valid PDF.
	dir := t.TempDir()
	pdf := tinyPDF("Giay khai sinh - e2e")
	in := filepath.Join(dir, "giấy khai sinh.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustKho(t, append([]string{"doc", "put", "--owner", citizenID, "--type", typeCode,
		"--name", "Giấy khai sinh của Nguyễn Văn An", "--summary", "bản sao điện tử",
		"--number", "123/2020", "--issuer", "UBND phường Hàng Bạc", "--issue-date", "2020-01-02", "--permanent", in}, cli...)...)
	var doc archive.Document
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("doc put must print the document as JSON: %v\n%s", err, r.stdout)
	}
	if !archive.ValidID(doc.ID) || doc.OwnerID != citizenID || doc.TypeCode != typeCode || doc.Current.Blob != sha(pdf) ||
		doc.Current.Size != int64(len(pdf)) || doc.Current.MediaType != "application/pdf" || doc.Current.FileName != "giấy khai sinh.pdf" ||
		!doc.Permanent || doc.IssueDate.String() != "2020-01-02" || doc.VersionCount != 1 {
		t.Fatalf("stored document does not match what was put: %+v", doc)
	}

	// Typed fields of the document type, converted by the CLI: a string of
	// digits stays a string, a date is checked.
	r = mustKho(t, append([]string{"doc", "put", "--type", "KHAI_SINH", "--name", "Giấy khai sinh (bản chính)",
		"--field", "hoTen=Nguyễn Văn An", "--field", "ngaySinh=2020-01-02", "--field", "soDinhDanh=001099012345", in}, cli...)...)
	var typed archive.Document
	if err := json.Unmarshal([]byte(r.stdout), &typed); err != nil {
		t.Fatal(err)
	}
	if typed.Fields["hoTen"] != "Nguyễn Văn An" || typed.Fields["ngaySinh"] != "2020-01-02" || typed.Fields["soDinhDanh"] != "001099012345" {
		t.Fatalf("typed fields: %#v", typed.Fields)
	}
	if r := kho(t, append([]string{"doc", "put", "--type", "KHAI_SINH", "--name", "x", "--field", "hoTen=A", "--field", "ngaySinh=hôm qua", in}, cli...)...); r.code != 2 || !strings.Contains(r.stderr, "(invalid_field: --field ngaySinh=") {
		t.Errorf("a bad date field: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := kho(t, append([]string{"doc", "put", "--type", "KHAI_SINH", "--name", "x", in}, cli...)...); r.code != 1 || !strings.HasPrefix(r.stderr, "kho: ") {
		t.Errorf("missing required fields: exit %d, stderr %q", r.code, r.stderr)
	}

	// kho doc get: byte-identical, to a file and to stdout.
	out := filepath.Join(dir, "back.pdf")
	mustKho(t, append([]string{"doc", "get", doc.ID, "-o", out}, cli...)...)
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("doc get wrote %d bytes (err %v), want the %d uploaded bytes", len(got), err, len(pdf))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.part")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if r := mustKho(t, append([]string{"doc", "get", doc.ID, "-o", "-", "--version", "1"}, cli...)...); r.stdout != string(pdf) {
		t.Fatalf("doc get -o - printed %d bytes, want %d", len(r.stdout), len(pdf))
	}
	if r := kho(t, append([]string{"doc", "get", doc.ID, "-o", out}, cli...)...); r.code == 0 || !strings.Contains(r.stderr, "(file_exists:") {
		t.Errorf("doc get over an existing file without --force: exit %d, stderr %q", r.code, r.stderr)
	}

	// --progress: an upload and a download of 3 MB report their progress on
	// standard error, ending at 100 %. Without the flag nothing is reported
	// here, where standard error is not a terminal.
	head, tail := pdfobj.Frame(3 << 20) // a valid PDF: the vault refuses damaged ones
	big := append(append(bytes.Clone(head), bytes.Repeat([]byte("%"), 3<<20-len(head)-len(tail))...), tail...)
	bigIn := filepath.Join(dir, "tep-lon.pdf")
	if err := os.WriteFile(bigIn, big, 0o600); err != nil {
		t.Fatal(err)
	}
	r = mustKho(t, append([]string{"doc", "put", "--progress", "--type", typeCode, "--name", "Tệp lớn", bigIn}, cli...)...)
	var bigDoc archive.Document
	if err := json.Unmarshal([]byte(r.stdout), &bigDoc); err != nil || bigDoc.Current.Size != int64(len(big)) {
		t.Fatalf("doc put --progress: %v %s", err, r.stdout)
	}
	if want := "Đang tải lên tep-lon.pdf: 3 MB / 3 MB (100 %)"; !strings.Contains(r.stderr, want) {
		t.Errorf("doc put --progress stderr %q, want a line with %q", r.stderr, want)
	}
	bigOut := filepath.Join(dir, "tep-lon-ve.pdf")
	r = mustKho(t, append([]string{"doc", "get", "--progress", bigDoc.ID, "-o", bigOut}, cli...)...)
	if want := "Đang tải về tep-lon-ve.pdf: 3 MB / 3 MB (100 %)"; !strings.Contains(r.stderr, want) {
		t.Errorf("doc get --progress stderr %q, want a line with %q", r.stderr, want)
	}
	if got, err := os.ReadFile(bigOut); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("doc get --progress wrote %d bytes (%v), want the %d uploaded", len(got), err, len(big))
	}
	r = mustKho(t, append([]string{"doc", "get", bigDoc.ID, "-o", "-"}, cli...)...)
	if strings.Contains(r.stderr, "Đang tải") {
		t.Errorf("progress reported without --progress to a non-terminal: %q", r.stderr)
	}

	// kho doc ls: the table shows it; --json decodes.
	r = mustKho(t, append([]string{"doc", "ls"}, cli...)...)
	if !strings.Contains(r.stdout, doc.ID) || !strings.Contains(r.stdout, "Giấy khai sinh của Nguyễn Văn An") ||
		!strings.Contains(r.stdout, "valid") || !strings.Contains(r.stdout, doc.CreatedAt.In(ict).Format("02/01/2006")) {
		t.Fatalf("doc ls table misses the document:\n%s", r.stdout)
	}
	r = mustKho(t, append([]string{"doc", "ls", "--json", "--q", "nguyen van an", "--type", typeCode}, cli...)...)
	var listed []archive.Document
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 1 || listed[0].ID != doc.ID {
		t.Fatalf("doc ls --json --q (diacritics ignored): %v %s", err, r.stdout)
	}
	r = mustKho(t, append([]string{"doc", "ls", "--json", "--q", "không có từ này"}, cli...)...)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("doc ls of a search without hits must print [], got %s", r.stdout)
	}
	r = mustKho(t, append([]string{"doc", "versions", doc.ID}, cli...)...)
	if !strings.Contains(r.stdout, "create") || !strings.Contains(r.stdout, doc.Current.Blob[:15]) {
		t.Fatalf("doc versions:\n%s", r.stdout)
	}

	// The same through plain HTTP: a raw upload and a multipart one.
	c := &client{t: t, base: srv.url, token: citizen}
	pdf2 := tinyPDF("Raw upload")
	raw, resp, err := c.uploadRaw("", typeCode, "Tải lên thô", "raw.pdf", pdf2)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || raw.OwnerID != citizenID || !strings.HasSuffix(resp.Header.Get("Location"), raw.ID) {
		t.Fatalf("raw upload: %s %+v Location=%q", resp.Status, raw, resp.Header.Get("Location"))
	}
	if got, etag := c.download(raw.ID); !bytes.Equal(got, pdf2) || etag != `"`+sha(pdf2)+`"` {
		t.Fatalf("raw upload round trip: %d bytes, ETag %s", len(got), etag)
	}
	pdf3 := tinyPDF("Multipart upload")
	multi := uploadMultipart(t, c, citizenID, "Tải lên multipart", "multi.pdf", pdf3)
	if got, _ := c.download(multi.ID); !bytes.Equal(got, pdf3) {
		t.Fatalf("multipart round trip differs")
	}

	// An admin sees the same five documents with --owner, giving the
	// purpose, which the citizen then reads in their ledger.
	r = kho(t, "doc", "ls", "--json", "--owner", citizenID, "--server", srv.url, "--token", admin)
	if r.code != 1 || !strings.Contains(r.stderr, "(purpose_required:") {
		t.Errorf("admin doc ls without --purpose: exit %d, stderr %q", r.code, r.stderr)
	}
	r = mustKho(t, "doc", "ls", "--json", "--owner", citizenID, "--purpose", "kiểm tra hồ sơ", "--server", srv.url, "--token", admin)
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 5 {
		t.Fatalf("admin doc ls: %v %s", err, r.stdout)
	}
	var lp struct {
		Entries []archive.LedgerEntry `json:"entries"`
	}
	c.getJSON("/api/v1/owners/"+citizenID+"/ledger", url.Values{"limit": {"1000"}}, &lp)
	if last := lp.Entries[len(lp.Entries)-1]; last.Action != archive.ActionList || last.Actor != "admin-e2e" || last.Purpose != "kiểm tra hồ sơ" {
		t.Errorf("the admin's listing in the citizen's ledger: %+v", last)
	}

	// Errors come out as "kho: <Vietnamese> (<code>: <detail>)" with a non-zero exit.
	r = kho(t, "doc", "ls", "--server", srv.url, "--token", "kho_wrong")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "kho: ") || !strings.Contains(r.stderr, "(unauthenticated: ") {
		t.Errorf("bad token: exit %d, stderr %q", r.code, r.stderr)
	}
	r = kho(t, append([]string{"doc", "put", "--type", "NO_SUCH_TYPE", "--name", "x", in}, cli...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "(unknown_document_type") {
		t.Errorf("unknown type: exit %d, stderr %q", r.code, r.stderr)
	}

	// The ledger is intact while the server runs, and checkpointed: the
	// server made DIR/ledger.key; a checkpoint now (the server makes one
	// every --checkpoint-interval) covers every entry so far.
	r = mustKho(t, "audit", "checkpoint", "--data", data)
	if !strings.Contains(r.stdout, "leaves: 1") {
		t.Fatalf("audit checkpoint:\n%s", r.stdout)
	}
	r = mustKho(t, "audit", "verify", "--data", data)
	if !strings.Contains(r.stdout, "chains: 1") || !strings.Contains(r.stdout, "problems: 0") ||
		!strings.Contains(r.stdout, "checkpoint: 1 (") || !strings.Contains(r.stdout, "unanchored: 0") {
		t.Fatalf("audit verify:\n%s", r.stdout)
	}
	// The citizen checks, with the server's public key alone, that their
	// ledger as downloaded is the one the signed checkpoint covers.
	resp, err = http.Get(srv.url + "/api/v1/ledger/key")
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	proof := filepath.Join(t.TempDir(), "proof.json")
	mustKho(t, append([]string{"audit", "proof", "--owner", citizenID, "-o", proof}, cli...)...)
	r = mustKho(t, "audit", "check-proof", "--key", strings.TrimSpace(string(pub)), proof)
	if !strings.Contains(r.stdout, "lanes: 1") || !strings.Contains(r.stderr, "Bằng chứng hợp lệ") {
		t.Fatalf("audit check-proof:\n%s%s", r.stdout, r.stderr)
	}
	srv.stop()

	// ...and the audit names the entry an attacker changed in the file.
	db, err := sql.Open("sqlite", filepath.Join(data, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`UPDATE ledger SET body = json_set(body, '$.actor', 'mallory') WHERE chain = ? AND seq = 2`, citizenID)
	if err != nil {
		t.Fatalf("tampering with the ledger table: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampering changed %d rows, want 1", n)
	}
	db.Close()
	r = kho(t, "audit", "verify", "--data", data)
	if r.code != 1 {
		t.Fatalf("audit verify after tampering: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(fmt.Sprintf(`chain=%s lane="[a-z2-7]+-0" seq=2 reason="hash mismatch"`, citizenID)).MatchString(r.stdout) || !strings.Contains(r.stderr, "(ledger_broken:") {
		t.Fatalf("audit verify must name chain %s seq 2:\nstdout: %s\nstderr: %s", citizenID, r.stdout, r.stderr)
	}
}

// uploadMultipart POSTs a multipart/form-data upload: metadata part, then file part.
func uploadMultipart(t *testing.T, c *client, owner, name, fileName string, content []byte) archive.Document {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	meta, _ := json.Marshal(map[string]any{"ownerId": owner, "typeCode": typeCode, "name": name})
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"`)
	h.Set("Content-Type", "application/json")
	pw, _ := mw.CreatePart(h)
	pw.Write(meta)
	h = textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, fileName))
	h.Set("Content-Type", "application/pdf")
	pw, _ = mw.CreatePart(h)
	pw.Write(content)
	mw.Close()
	resp, err := c.do(http.MethodPost, "/api/v1/documents", nil, &body, map[string]string{"Content-Type": mw.FormDataContentType()})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("multipart upload: %s: %s", resp.Status, b)
	}
	var d archive.Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
