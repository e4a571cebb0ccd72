package portal_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestSystemEndpoints(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.vault.MaxUploadBytes = 3 << 20 })
	r := e.do(call{method: "GET", path: "/healthz"}).want(t, 200, "")
	if !strings.Contains(string(r.body), `"ok"`) {
		t.Errorf("healthz: %s", r.body)
	}
	r = e.do(call{method: "GET", path: "/api/v1/openapi.yaml"}).want(t, 200, "")
	if !bytes.HasPrefix(r.body, []byte("openapi: 3.1.0")) {
		t.Errorf("openapi.yaml starts %q", r.body[:20])
	}
	var lim struct {
		MaxUploadBytes    int64    `json:"maxUploadBytes"`
		AllowedMediaTypes []string `json:"allowedMediaTypes"`
	}
	e.do(call{method: "GET", path: "/api/v1/limits"}).want(t, 200, "").json(t, &lim)
	if lim.MaxUploadBytes != 3<<20 || len(lim.AllowedMediaTypes) == 0 {
		t.Errorf("limits = %+v", lim)
	}
	// Unknown routes and methods answer in JSON too.
	e.do(call{method: "GET", path: "/api/v1/nothing-here", token: e.admin, expect: specSkip}).want(t, 404, "route_not_found")
	r = e.do(call{method: "DELETE", path: "/api/v1/documents", token: e.admin, expect: specSkip}).want(t, 405, "method_not_allowed")
	if r.header.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
	// A client's request ID is kept when it is sane.
	r = e.do(call{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": "lb-0123456789"}})
	if r.header.Get("X-Request-Id") != "lb-0123456789" {
		t.Errorf("X-Request-Id = %q", r.header.Get("X-Request-Id"))
	}
}

func TestUploadRawThenDownloadIdentical(t *testing.T) {
	e := newEnv(t)
	data := pdf("giấy khai sinh bản gốc")
	q := url.Values{"type": {"KHAI_SINH"}, "name": {"Giấy khai sinh"},
		"fields": {`{"hoTen":"Nguyễn Văn An","ngaySinh":"1999-05-01"}`}}
	r := e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf",
		disposition: `attachment; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf`, data: data}).want(t, 201, "")
	var d document
	r.json(t, &d)
	if d.OwnerID != ownerA || d.Current.Blob != sha(data) || d.Current.Size != int64(len(data)) ||
		d.Current.FileName != "Giấy khai sinh.pdf" || d.Current.MediaType != "application/pdf" || d.Rev != 1 || d.EffectiveStatus != "valid" {
		t.Fatalf("document = %+v", d)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/documents/"+d.ID {
		t.Errorf("Location = %q", loc)
	}
	if r.header.Get("ETag") != `"1"` {
		t.Errorf("ETag = %q", r.header.Get("ETag"))
	}
	got := e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/content", token: e.citizenA}).want(t, 200, "")
	if !bytes.Equal(got.body, data) {
		t.Fatalf("downloaded %d bytes, want the %d uploaded", len(got.body), len(data))
	}
	h := got.header
	sum := sha256.Sum256(data)
	for k, want := range map[string]string{
		"ETag":                   `"` + sha(data) + `"`,
		"Content-Type":           "application/pdf",
		"Repr-Digest":            "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    `attachment; filename="Gi_y khai sinh.pdf"; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf`,
		"Accept-Ranges":          "bytes",
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	// The same bytes with unknown length (chunked): Size -1 is accepted.
	r = e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", chunked: true,
		disposition: `attachment; filename="ban-sao.pdf"`, data: data}).want(t, 201, "")
	var d2 document
	r.json(t, &d2)
	if d2.Current.Blob != d.Current.Blob || d2.ID == d.ID {
		t.Errorf("chunked upload: %+v", d2)
	}
}

func TestUploadMultipartThenDownloadIdentical(t *testing.T) {
	e := newEnv(t)
	// Staff store papers only into registered vaults.
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.staff, contentType: "application/json",
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerA + `","name":"Nguyễn Văn An"}`)}).want(t, 201, "")
	data := pngImage(t)
	meta := map[string]any{"ownerId": ownerA, "typeCode": "CAN_CUOC", "name": "Căn cước công dân",
		"summary": "Ảnh chụp mặt trước", "issuer": "Cục Cảnh sát QLHC về TTXH", "issueDate": "2021-04-01",
		"validUntil": "2039-05-01", "fields": map[string]any{"soDinhDanh": ownerA, "hoTen": "Nguyễn Văn An", "ngaySinh": "12/05/1999"}}
	r := e.uploadMultipart(e.staff, specValid, metadataPart(t, meta),
		part{name: "file", fileName: "cccd-mat-truoc.png", contentType: "image/png", data: data}).want(t, 201, "")
	var d document
	r.json(t, &d)
	if d.OwnerID != ownerA || d.TypeCode != "CAN_CUOC" || d.Current.Blob != sha(data) || d.Current.FileName != "cccd-mat-truoc.png" ||
		d.Current.MediaType != "image/png" || d.Fields["soDinhDanh"] != ownerA {
		t.Fatalf("document = %+v", d)
	}
	got := e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/content", token: e.citizenA}).want(t, 200, "")
	if !bytes.Equal(got.body, data) || got.header.Get("ETag") != `"`+sha(data)+`"` || got.header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d bytes, headers %v", len(got.body), got.header)
	}
	// A file name in RFC 2231/5987 form inside the part.
	data2 := pdf("hai")
	r = e.uploadMultipart(e.citizenA, specValid, metadataPart(t, map[string]any{"typeCode": "KHAC", "name": "Đơn đề nghị"}),
		part{name: "file", rawDisposition: `form-data; name="file"; filename*=UTF-8''%C4%90%C6%A1n.pdf`, data: data2}).want(t, 201, "")
	r.json(t, &d)
	if d.Current.FileName != "Đơn.pdf" || d.Current.MediaType != "application/pdf" || d.OwnerID != ownerA {
		t.Fatalf("document = %+v", d)
	}
}

func TestRangesAndConditionalDownloads(t *testing.T) {
	e := newEnv(t)
	data := pdf(strings.Repeat("0123456789", 50))
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", data)
	path := "/api/v1/documents/" + d.ID + "/content"
	etag := `"` + sha(data) + `"`

	r := e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"Range": "bytes=0-9"}}).want(t, 206, "")
	if !bytes.Equal(r.body, data[:10]) || r.header.Get("Content-Range") != fmt.Sprintf("bytes 0-9/%d", len(data)) || r.header.Get("ETag") != etag {
		t.Errorf("first bytes: %q %v", r.body, r.header)
	}
	r = e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"Range": "bytes=-7"}}).want(t, 206, "")
	if !bytes.Equal(r.body, data[len(data)-7:]) {
		t.Errorf("suffix range: %q, want %q", r.body, data[len(data)-7:])
	}
	r = e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"Range": "bytes=100-109"}}).want(t, 206, "")
	if !bytes.Equal(r.body, data[100:110]) {
		t.Errorf("middle range: %q", r.body)
	}
	r = e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data)+10)}}).want(t, 416, "range_not_satisfiable")
	if r.header.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(data)) {
		t.Errorf("416 Content-Range %q", r.header.Get("Content-Range"))
	}

	r = e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"If-None-Match": etag}}).want(t, 304, "")
	if len(r.body) != 0 {
		t.Errorf("304 with a body of %d bytes", len(r.body))
	}
	r = e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"If-None-Match": `"` + strings.Repeat("0", 64) + `"`}}).want(t, 200, "")
	if !bytes.Equal(r.body, data) {
		t.Error("If-None-Match with another tag did not send the file")
	}
	// If-Match is checked against the SHA-256 tag too.
	e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"If-Match": `"` + strings.Repeat("0", 64) + `"`}}).want(t, 412, "precondition_failed")
	r = e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"If-Match": etag}}).want(t, 200, "")
	if !bytes.Equal(r.body, data) {
		t.Error("If-Match with the current tag did not send the file")
	}
	// HEAD: headers only.
	e.do(call{method: "HEAD", path: path, token: e.citizenA, expect: specSkip}).want(t, 200, "")
}

func TestVersionsAndConditionalPatch(t *testing.T) {
	e := newEnv(t)
	v1 := pdf("phiên bản một")
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", v1)
	base := "/api/v1/documents/" + d.ID

	// New content, raw form, conditional on rev 1.
	v2 := pdf("phiên bản hai, đã chỉnh sửa")
	r := e.do(call{method: "POST", path: base + "/versions?filename=khai-sinh-v2.pdf", token: e.citizenA, body: v2,
		contentType: "application/pdf", header: map[string]string{"If-Match": `"1"`}}).want(t, 201, "")
	var dv document
	r.json(t, &dv)
	if dv.VersionCount != 2 || dv.Current.N != 2 || dv.Current.Blob != sha(v2) || dv.Current.Change != "content" || dv.Rev != 2 {
		t.Fatalf("after new version: %+v", dv)
	}
	if r.header.Get("Location") != base+"/versions/2/content" || r.header.Get("ETag") != `"2"` {
		t.Errorf("headers %v", r.header)
	}
	// A third version, multipart form, unconditional.
	v3 := pngImage(t)
	body, ct := multipartBody(t, part{name: "file", fileName: "anh-chup.png", contentType: "image/png", data: v3})
	e.do(call{method: "POST", path: base + "/versions", token: e.citizenA, body: body, contentType: ct}).want(t, 201, "")
	// A stale If-Match refuses the upload and stores nothing.
	e.do(call{method: "POST", path: base + "/versions?filename=cu.pdf", token: e.citizenA, body: pdf("cũ"),
		contentType: "application/pdf", header: map[string]string{"If-Match": `"1"`}}).want(t, 409, "document_changed")

	var vl struct {
		Versions []version `json:"versions"`
	}
	e.do(call{method: "GET", path: base + "/versions", token: e.citizenA}).want(t, 200, "").json(t, &vl)
	if len(vl.Versions) != 3 || vl.Versions[0].Blob != sha(v1) || vl.Versions[1].Blob != sha(v2) || vl.Versions[2].Blob != sha(v3) {
		t.Fatalf("versions = %+v", vl.Versions)
	}
	for n, want := range map[int][]byte{1: v1, 2: v2, 3: v3} {
		r := e.do(call{method: "GET", path: fmt.Sprintf("%s/versions/%d/content", base, n), token: e.citizenA}).want(t, 200, "")
		if !bytes.Equal(r.body, want) || r.header.Get("ETag") != `"`+sha(want)+`"` {
			t.Errorf("version %d: %d bytes, ETag %s", n, len(r.body), r.header.Get("ETag"))
		}
	}
	e.do(call{method: "GET", path: base + "/versions/9/content", token: e.citizenA}).want(t, 404, "version_not_found")

	// PATCH with If-Match: the current ETag works once, then is stale.
	r = e.do(call{method: "GET", path: base, token: e.citizenA}).want(t, 200, "")
	etag := r.header.Get("ETag")
	if etag != `"3"` {
		t.Fatalf("ETag = %q, want \"3\"", etag)
	}
	r = e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"name":"Giấy khai sinh (bản sao)","summary":"Bản sao trích lục"}`), header: map[string]string{"If-Match": etag}}).want(t, 200, "")
	var dp document
	r.json(t, &dp)
	if dp.Name != "Giấy khai sinh (bản sao)" || dp.VersionCount != 4 || dp.Current.Change != "metadata" || dp.Current.Blob != sha(v3) || r.header.Get("ETag") != `"4"` {
		t.Fatalf("after patch: %+v, ETag %s", dp, r.header.Get("ETag"))
	}
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/merge-patch+json",
		body: []byte(`{"summary":"x"}`), header: map[string]string{"If-Match": etag}}).want(t, 409, "document_changed")
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"summary":"x"}`), header: map[string]string{"If-Match": "3"}}).want(t, 400, "invalid_if_match")
	// Bad JSON bodies.
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "text/plain",
		body: []byte(`{"summary":"x"}`), expect: specInvalid}).want(t, 415, "unsupported_content_type")
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"summary":`), expect: specInvalid}).want(t, 400, "invalid_json")
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"sumary":"x"}`), expect: specInvalid}).want(t, 400, "unknown_field")
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"issueDate":"01/02/2020"}`), expect: specInvalid}).want(t, 400, "")
	e.do(call{method: "PATCH", path: base, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"summary":"a"} {"summary":"b"}`), expect: specInvalid}).want(t, 400, "invalid_json")
	// Nothing of the refused requests was applied.
	e.do(call{method: "GET", path: base, token: e.citizenA}).want(t, 200, "").json(t, &dp)
	if dp.Rev != 4 || dp.Summary != "Bản sao trích lục" {
		t.Errorf("after refused patches: %+v", dp)
	}
}
