package e2e_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestBackgroundWork: at start the server removes staged writes a crash
// left behind (and only old ones); then every --gc-interval it finishes
// the uploads that died — here one refused by the quota after its blob was
// stored — and collects their blobs, never a blob a document uses. An
// orphan no upload intent names (made before intents existed) is left to
// `kho gc --full`.
func TestBackgroundWork(t *testing.T) {
	data := t.TempDir()
	blobs := filepath.Join(data, "blobs")
	tmp := filepath.Join(blobs, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		t.Fatal(err)
	}
	old, fresh := filepath.Join(tmp, "stage-crashed"), filepath.Join(tmp, "stage-running")
	for _, f := range []string{old, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	longAgo := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, longAgo, longAgo)

	orphan := tinyPDF("nobody uses me")
	h := sha(orphan)
	orphanPath := filepath.Join(blobs, h[0:2], h[2:4], h)
	if err := os.MkdirAll(filepath.Dir(orphanPath), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orphanPath, orphan, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(orphanPath, longAgo, longAgo)

	srv := startServer(t, "--data", data, "--gc-interval", "200ms", "--blob-grace", "1s")
	c := &client{t: t, base: srv.url, token: createToken(t, []string{"--data", data}, citizenID, "citizen")}
	kept := tinyPDF("in use")
	d, _, err := c.uploadRaw("", typeCode, "Đang dùng", "kept.pdf", kept)
	if err != nil {
		t.Fatal(err)
	}

	// An upload of unknown length (chunked) over the quota: its blob is
	// stored before the quota refuses it, and its intent stays behind.
	admin := &client{t: t, base: srv.url, token: createToken(t, []string{"--data", data}, "admin-bg", "admin")}
	resp, err := admin.do(http.MethodPut, "/api/v1/owners/"+citizenID+"/quota", nil,
		strings.NewReader(fmt.Sprintf(`{"quotaBytes": %d}`, len(kept)+10)), map[string]string{"Content-Type": "application/json"})
	if err != nil || resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		t.Fatalf("set quota: %v %v", err, resp)
	}
	resp.Body.Close()
	refused := tinyPDF("refused by the quota after it was stored")
	refusedPath := filepath.Join(blobs, sha(refused)[0:2], sha(refused)[2:4], sha(refused))
	resp, err = c.do(http.MethodPost, "/api/v1/documents", url.Values{"type": {typeCode}, "name": {"Quá hạn mức"}, "filename": {"q.pdf"}},
		io.MultiReader(bytes.NewReader(refused)), map[string]string{"Content-Type": "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "quota_exceeded") {
		t.Fatalf("chunked upload over the quota: %s %s", resp.Status, body)
	}

	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(refusedPath); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refused upload's blob was not collected within 15s\n%s", srv.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the upload's blob is now older than the grace, GC ran again
	if got, _ := c.download(d.ID); !bytes.Equal(got, kept) {
		t.Fatal("GC removed the blob of a document")
	}
	if _, err := os.Stat(orphanPath); err != nil {
		t.Errorf("the periodic collection walked the bucket: an orphan no intent names is gone (%v)", err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a staged write from 2h ago survived the start: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a recent staged write was removed: %v", err)
	}
	logs := srv.logs.String()
	if !strings.Contains(logs, "Đã dọn tệp tạm còn sót") || !strings.Contains(logs, "thu gom tệp không còn dùng") {
		t.Errorf("background work left no trace in the log:\n%s", logs)
	}
	srv.stop()

	// The full scan takes the old orphan, and only it.
	r := mustKho(t, "gc", "--full", "--grace", "1s", "--data", data)
	if !strings.Contains(r.stdout, "deleted: 1\n") {
		t.Errorf("kho gc --full: %s", r.stdout)
	}
	if _, err := os.Stat(orphanPath); !os.IsNotExist(err) {
		t.Errorf("kho gc --full left the old orphan: %v", err)
	}
	srv = startServer(t, "--data", data)
	c.base = srv.url
	if got, _ := c.download(d.ID); !bytes.Equal(got, kept) {
		t.Fatal("kho gc --full removed the blob of a document")
	}
	srv.stop()
}

// TestCatalogFile: --catalog FILE is loaded at start-up on top of the
// starter catalogue; a bad file stops the start with a clear error.
func TestCatalogFile(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "catalog.json")
	os.WriteFile(file, []byte(`{"documentTypes":[{"code":"E2E_GIAY_PHEP","name":"Giấy phép thử nghiệm","fields":[{"name":"soPhep","label":"Số giấy phép","type":"number","required":true}]}],"procedures":[]}`), 0o600)
	srv := startServer(t, "--data", data, "--catalog", file)
	c := &client{t: t, base: srv.url, token: createToken(t, []string{"--data", data}, citizenID, "citizen")}
	var list struct {
		DocumentTypes []archive.DocumentType `json:"documentTypes"`
	}
	c.getJSON("/api/v1/document-types", nil, &list)
	codes := map[string]bool{}
	for _, ty := range list.DocumentTypes {
		codes[ty.Code] = true
	}
	if !codes["E2E_GIAY_PHEP"] || !codes[typeCode] {
		t.Fatalf("catalogue after start: %+v", list)
	}
	// The CLI converts the typed field to a number.
	pdf := filepath.Join(t.TempDir(), "p.pdf")
	os.WriteFile(pdf, tinyPDF("giay phep"), 0o600)
	mustKho(t, "doc", "put", "--server", srv.url, "--token", c.token, "--type", "E2E_GIAY_PHEP", "--name", "Giấy phép", "--field", "soPhep=42", pdf)
	srv.stop()

	os.WriteFile(file, []byte(`{"documentTypes":[{"code":"bad code!","name":"x"}]}`), 0o600)
	r := kho(t, "serve", "--addr", "127.0.0.1:0", "--data", data, "--catalog", file)
	// The start's warnings (no converter configured) are logged before;
	// the error is the last line.
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if r.code != 1 || !strings.HasPrefix(last, "kho: ") || !strings.Contains(last, "(invalid_type_code: documentTypes[0]") {
		t.Fatalf("serve with a bad catalogue: exit %d\n%s", r.code, r.stderr)
	}
}
