package portal_test

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// assertNothingStored checks that owner has no document and no usage, and
// that the blob directory holds no blob.
func (e *env) assertNothingStored(t *testing.T, owner string) {
	t.Helper()
	e.assertNoDocument(t, owner)
	if n := countBlobs(t, e.blobDir); n != 0 {
		t.Errorf("%d blobs stored, want none", n)
	}
}

// assertNoDocument checks that owner has no document and no usage.
func (e *env) assertNoDocument(t *testing.T, owner string) {
	t.Helper()
	var p page
	e.do(call{method: "GET", path: "/api/v1/documents?purpose=kiem-tra&owner=" + owner, token: e.staff}).want(t, 200, "").json(t, &p)
	if len(p.Documents) != 0 {
		t.Errorf("owner %s has %d documents, want none", owner, len(p.Documents))
	}
	r := e.do(call{method: "GET", path: "/api/v1/owners/" + owner + "/stats?purpose=kiem-tra", token: e.staff})
	if r.status == 200 {
		var st struct {
			UsedBytes     int64 `json:"usedBytes"`
			DocumentCount int64 `json:"documentCount"`
		}
		r.json(t, &st)
		if st.UsedBytes != 0 || st.DocumentCount != 0 {
			t.Errorf("owner %s uses %d bytes in %d documents, want 0", owner, st.UsedBytes, st.DocumentCount)
		}
	} else if r.status != 404 {
		t.Errorf("stats: %d %s", r.status, r.body)
	}
}

// countBlobs counts the regular files under dir whose name is a SHA-256
// (the local driver's committed blobs; staging files are named otherwise).
func countBlobs(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && len(d.Name()) == 64 && strings.Trim(d.Name(), "0123456789abcdef") == "" {
			n++
		}
		return nil
	})
	return n
}

func TestBadUploadsStoreNothing(t *testing.T) {
	const limit = 64 << 10
	e := newEnv(t, func(o *envOptions) { o.vault.MaxUploadBytes = limit })
	okQuery := url.Values{"type": {"KHAC"}, "name": {"Giấy tờ"}}
	withQ := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range okQuery {
			q[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}
	big := append(pdf("lớn"), bytes.Repeat([]byte("x"), limit)...)
	cases := []struct {
		name   string
		up     rawUpload
		status int
		code   string
		expect expectation
	}{
		{"empty file", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`}, 400, "empty_file", specValid},
		{"PNG declared as PDF", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pngImage(t)}, 400, "content_type_mismatch", specValid},
		{"text declared as PDF", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: []byte("chỉ là văn bản")}, 400, "content_type_mismatch", specValid},
		{"unsupported type", rawUpload{query: okQuery, contentType: "application/octet-stream", disposition: `attachment; filename="a.exe"`, data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00")}, 400, "unsupported_media_type", specValid},
		{"over the limit", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: big}, 413, "file_too_large", specValid},
		{"over the limit, chunked", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: big, chunked: true}, 413, "file_too_large", specValid},
		{"unknown type code", rawUpload{query: withQ("type", "KHONG_CO"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "unknown_document_type", specValid},
		{"no name", rawUpload{query: withQ("name", ""), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "", specValid},
		{"path in file name", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="../../etc/passwd"`, data: pdf("x")}, 400, "invalid_file_name", specValid},
		{"backslash path in file name", rawUpload{query: withQ("filename", `C:\Users\an\giay.pdf`), contentType: "application/pdf", data: pdf("x")}, 400, "invalid_file_name", specValid},
		{"control character in file name", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename*=UTF-8''gi%01ay%0A.pdf`, data: pdf("x")}, 400, "invalid_file_name", specValid},
		// Without a file name (which is no mistake) each mistake of the
		// content gets its own code.
		{"empty file, no file name", rawUpload{query: okQuery, contentType: "application/pdf"}, 400, "empty_file", specValid},
		{"text declared as PDF, no file name", rawUpload{query: okQuery, contentType: "application/pdf", data: []byte("chỉ là chữ")}, 400, "content_type_mismatch", specValid},
		{"program, no file name", rawUpload{query: okQuery, contentType: "application/octet-stream", data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00")}, 400, "unsupported_media_type", specValid},
		{"program declared as PDF, no file name", rawUpload{query: okQuery, contentType: "application/pdf", data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00")}, 400, "unsupported_media_type", specValid},
		{"bad file name before an empty body", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename="../a.pdf"`}, 400, "invalid_file_name", specValid},
		{"missing type before a bad file name", rawUpload{query: withQ("type", ""), contentType: "application/pdf", disposition: `attachment; filename="../a.pdf"`}, 400, "type_required", specValid},
		{"bidi override in the name", rawUpload{query: withQ("name", "hợp đồng\u202efdp.exe"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "invalid_characters", specValid},
		{"terminal escape in the name", rawUpload{query: withQ("name", "\x1b[31mđỏ"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "invalid_characters", specValid},
		{"bidi isolate in the file name", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename*=UTF-8''a%E2%81%A6b.pdf`, data: pdf("x")}, 400, "invalid_file_name", specValid},
		{"bad Content-Disposition", rawUpload{query: okQuery, contentType: "application/pdf", disposition: `attachment; filename=`, data: pdf("x")}, 400, "invalid_content_disposition", specValid},
		{"bad date", rawUpload{query: withQ("issueDate", "31/12/2020"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "invalid_date", specInvalid},
		{"validity ends before it starts", rawUpload{query: withQ("validFrom", "2020-01-01", "validUntil", "2019-01-01"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "", specValid},
		{"fields not JSON", rawUpload{query: withQ("fields", "{hoTen:"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 422, "document_fields_invalid", specValid},
		{"missing required field", rawUpload{query: withQ("type", "KHAI_SINH", "fields", `{"hoTen":"An"}`), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 422, "document_fields_invalid", specValid},
		{"unknown parameter", rawUpload{query: withQ("tpye", "KHAC"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "unknown_parameter", specValid},
		{"unknown source", rawUpload{query: withQ("source", "magic"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 400, "invalid_source", specInvalid},
		{"citizen claims an agency result", rawUpload{query: withQ("source", "result"), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 403, "source_not_allowed", specValid},
		{"another citizen's vault", rawUpload{query: withQ("owner", ownerB), contentType: "application/pdf", disposition: `attachment; filename="a.pdf"`, data: pdf("x")}, 403, "", specValid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.up.token = e.citizenA
			c.up.expect = c.expect
			r := e.uploadRaw(c.up).want(t, c.status, c.code)
			if c.status == 413 && !strings.Contains(string(r.body), "64 KB") {
				t.Errorf("413 without the limit in the message: %s", r.body)
			}
			e.assertNothingStored(t, ownerA)
		})
	}
	// Multipart mistakes.
	meta := metadataPart(t, map[string]any{"typeCode": "KHAC", "name": "Giấy tờ"})
	file := part{name: "file", fileName: "a.pdf", contentType: "application/pdf", data: pdf("x")}
	mcases := []struct {
		name   string
		parts  []part
		status int
		code   string
		expect expectation
	}{
		{"malformed metadata JSON", []part{{name: "metadata", data: []byte(`{"typeCode":"KHAC",`)}, file}, 400, "invalid_json", specValid},
		{"unknown metadata field", []part{metadataPart(t, map[string]any{"typeCode": "KHAC", "name": "x", "colour": "đỏ"}), file}, 400, "unknown_field", specValid},
		{"metadata after the file", []part{file, meta}, 400, "metadata_must_come_first", specValid},
		{"no file part", []part{meta}, 400, "file_missing", specValid},
		{"unexpected part", []part{meta, {name: "extra", data: []byte("x")}, file}, 400, "unexpected_part", specValid},
		{"path in the part's file name", []part{meta, {name: "file", fileName: "../a.pdf", contentType: "application/pdf", data: pdf("x")}}, 400, "invalid_file_name", specValid},
		{"over the limit", []part{meta, {name: "file", fileName: "a.pdf", contentType: "application/pdf", data: big}}, 413, "file_too_large", specValid},
	}
	for _, c := range mcases {
		t.Run("multipart/"+c.name, func(t *testing.T) {
			e.uploadMultipart(e.citizenA, c.expect, c.parts...).want(t, c.status, c.code)
			e.assertNothingStored(t, ownerA)
		})
	}
	t.Run("not multipart but says so", func(t *testing.T) {
		e.do(call{method: "POST", path: "/api/v1/documents", token: e.citizenA, contentType: "multipart/form-data", body: []byte("x")}).want(t, 400, "invalid_multipart")
	})
	t.Run("invalid identity number", func(t *testing.T) {
		e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: "application/json",
			body: []byte(`{"kind":"individual","identityNumber":"12345"}`)}).want(t, 400, "invalid_identity_number")
		e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: "application/json",
			body: []byte(`{"kind":"individual","identityNumber":"999099012345"}`)}).want(t, 400, "invalid_identity_number")
	})
}

// TestCutOffUploadStoresNothing sends a raw upload that promises more bytes
// than it sends and then hangs up: the vault must keep nothing of it.
func TestCutOffUploadStoresNothing(t *testing.T) {
	e := newEnv(t)
	data := pdf(strings.Repeat("nội dung ", 20000)) // ~200 KB
	sent := len(data) / 2
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/documents?" + url.Values{"type": {"KHAC"}, "name": {"Bị ngắt"}, "filename": {"cat.pdf"}}.Encode()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: kho\r\nAuthorization: Bearer %s\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n\r\n",
		path, e.citizenA, len(data))
	if _, err := conn.Write(data[:sent]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start streaming into the vault
	conn.Close()

	line := e.logs.waitRequest(t, "POST", "/api/v1/documents")
	if line["status"] != "400" {
		t.Errorf("cut-off upload logged as %v", line)
	}
	e.assertNothingStored(t, ownerA)
	// A complete upload afterwards works: the failure left nothing behind.
	e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("sau"))
	if n := countBlobs(t, e.blobDir); n != 1 {
		t.Errorf("%d blobs after one good upload, want 1", n)
	}
}
