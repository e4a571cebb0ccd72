package portal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// scanPage is the committed scanned test page: a birth certificate in
// Vietnamese, 200 DPI.
func scanPage(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../archive/testdata/scan/giay-khai-sinh.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archivistIssuer puts the issuer of agency A (canbo.ubnd) into the
// staff directory as an archivist there, once.
func (f *fixture) archivistIssuer() {
	f.t.Helper()
	putArchivist(f.t, f.wf, "canbo.ubnd", agencyA)
}

func putArchivist(t *testing.T, wf *workflow.Service, subject, agency string) {
	t.Helper()
	ctx := context.Background()
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, err := wf.StaffMember(ctx, admin, subject); err == nil {
		return
	}
	if _, err := wf.PutStaff(ctx, admin, workflow.Staff{Subject: subject, Name: "Cán bộ lưu trữ " + subject, Agency: agency, Department: "VP",
		Positions: []workflow.Role{workflow.RoleArchivist}, Active: true}); err != nil {
		t.Fatal(err)
	}
}

// scanJSON is a batch as the API answers it.
type scanJSON struct {
	ID        string `json:"id"`
	Rev       int64  `json:"rev"`
	Status    string `json:"status"`
	OwnerID   string `json:"ownerId"`
	Operator  string `json:"operator"`
	Device    string `json:"device"`
	Purpose   string `json:"purpose"`
	PageCount int    `json:"pageCount"`
	Pages     []struct {
		FileName string `json:"fileName"`
		SHA256   string `json:"sha256"`
		DPI      int    `json:"dpi"`
	} `json:"pages"`
	Errors []struct {
		FileName, Code, Message string
	} `json:"errors"`
	Text   string `json:"text"`
	Fields []struct {
		Code       string `json:"code"`
		Value      string `json:"value"`
		Confidence int    `json:"confidence"`
		Found      bool   `json:"found"`
	} `json:"fields"`
	DocumentID string `json:"documentId"`
}

// TestScansAPI (issue 12 item 2): an archivist of agency A uploads the
// scanned test page (real Tesseract), reads the pending batch (page
// hash, DPI, OCR text, key fields with confidences) and its PDF, and
// confirms it at its revision: the paper is in the owner's vault, signed
// as a certified copy. The owner, another citizen, staff without the
// position, an admin, agency B's archivist and no token get nothing; a
// stale revision is 409; bad batches get their own clear errors.
func TestScansAPI(t *testing.T) {
	ctx := context.Background()
	e := newSigningEnv(t, func(o *envOptions) {
		srv, dir := testPKI(t)
		o.portal.ArchivistKeys = map[string]archive.ScanKey{"luutru01": {Key: p12Key(t, dir, pki.Personal),
			Checker: &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 5 * time.Second}}}
	})
	if _, err := e.wf.PutAgency(ctx, archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, workflow.Agency{Code: agencyB,
		Name: "Ủy ban nhân dân phường Đa Kao", Departments: []workflow.Department{{Code: "VP", Name: "Văn phòng"}}}); err != nil {
		t.Fatal(err)
	}
	putArchivist(t, e.wf, "luutru01", agencyA)
	putArchivist(t, e.wf, "luutru02", agencyB)
	// The staff token's member is at the desk of agency A, not an archivist.
	if _, err := e.wf.PutStaff(ctx, archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, workflow.Staff{Subject: "canbo01", Name: "Cán bộ một cửa",
		Agency: agencyA, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleDesk}, Active: true}); err != nil {
		t.Fatal(err)
	}
	arch := e.token("luutru01", archive.RoleStaff, time.Time{})
	archB := e.token("luutru02", archive.RoleStaff, time.Time{})
	page := scanPage(t)
	const purpose = "Công dân nộp bản giấy để lưu vào kho"
	meta := map[string]any{"owner": ownerA, "typeCode": "KHAI_SINH", "device": "Fujitsu fi-7160", "purpose": purpose}
	batch := func(token string, parts ...part) result {
		body, ct := multipartBody(t, parts...)
		return e.do(call{method: "POST", path: "/api/v1/scans", token: token, body: body, contentType: ct})
	}
	pagePart := func(name string, data []byte) part {
		return part{name: "page", fileName: name, contentType: "image/png", data: data}
	}

	// Nobody but an archivist of an agency digitises; refused before the
	// body is read.
	for _, c := range []struct{ who, token, code string }{
		{"the owner", e.citizenA, "staff_only"}, {"another citizen", e.citizenB, "staff_only"},
		{"staff without the position", e.staff, "archivist_only"}, {"an admin", e.admin, "not_agency_staff"},
	} {
		if r := batch(c.token, metadataPart(t, meta), pagePart("trang-1.png", page)); r.status != 403 || r.code(t) != c.code {
			t.Errorf("%s uploads: %d %s", c.who, r.status, r.body)
		}
	}
	body, ct := multipartBody(t, metadataPart(t, meta), pagePart("trang-1.png", page))
	e.do(call{method: "POST", path: "/api/v1/scans", body: body, contentType: ct, expect: specInvalid}).want(t, 401, "unauthenticated")

	r := batch(arch, metadataPart(t, meta), pagePart("trang-1.png", page)).want(t, 201, "")
	var sc scanJSON
	r.json(t, &sc)
	sum := sha256.Sum256(page)
	if sc.Status != "pending" || sc.Rev != 1 || sc.OwnerID != ownerA || sc.Operator != "luutru01" || sc.Device != "Fujitsu fi-7160" || sc.Purpose != purpose || sc.PageCount != 1 ||
		len(sc.Pages) != 1 || sc.Pages[0].SHA256 != hex.EncodeToString(sum[:]) || sc.Pages[0].DPI != 200 || len(sc.Errors) != 0 {
		t.Fatalf("the batch: %s", r.body)
	}
	if !strings.Contains(sc.Text, "GIẤY KHAI SINH") || r.header.Get("ETag") != `"1"` || r.header.Get("Location") != "/api/v1/scans/"+sc.ID {
		t.Fatalf("the batch's text or headers: %v %q", r.header, sc.Text)
	}
	read := map[string]string{}
	for _, f := range sc.Fields {
		if f.Found {
			if f.Confidence <= 0 || f.Confidence > 100 {
				t.Errorf("field %q read with confidence %d", f.Code, f.Confidence)
			}
			read[f.Code] = f.Value
		}
	}
	if read["hoTen"] != "NGUYỄN THỊ HƯƠNG" || read["ngaySinh"] != "2019-03-12" || read[""] != "125/2019" {
		t.Fatalf("the key fields read: %v", read)
	}

	var got scanJSON
	e.do(call{method: "GET", path: "/api/v1/scans/" + sc.ID, token: arch}).want(t, 200, "").json(t, &got)
	if got.ID != sc.ID || got.Text != sc.Text || len(got.Fields) != len(sc.Fields) {
		t.Fatalf("GET the batch: %+v", got)
	}
	pdf := e.do(call{method: "GET", path: "/api/v1/scans/" + sc.ID + "/pdf", token: arch}).want(t, 200, "")
	if pdf.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) {
		t.Fatalf("the batch's PDF: %v", pdf.header)
	}

	fields := map[string]any{}
	for k, v := range read {
		if k != "" {
			fields[k] = v
		}
	}
	fields["gioiTinh"] = "nu"
	confirm, _ := json.Marshal(map[string]any{"name": "Giấy khai sinh (bản số hoá)", "number": read[""], "summary": "Giấy khai sinh Nguyễn Thị Hương", "fields": fields})
	confirmCall := func(token, ifMatch string, body []byte) call {
		c := call{method: "POST", path: "/api/v1/scans/" + sc.ID + "/confirm", token: token, contentType: "application/json", body: body}
		if ifMatch != "" {
			c.header = map[string]string{"If-Match": ifMatch}
		}
		return c
	}
	// Nobody else reaches the batch, its PDF or its confirmation.
	for _, c := range []struct {
		who, token string
		status     int
		code       string
	}{
		{"the owner", e.citizenA, 403, "staff_only"}, {"another citizen", e.citizenB, 403, "staff_only"},
		{"staff without the position", e.staff, 403, "archivist_only"}, {"an admin", e.admin, 403, "not_agency_staff"},
		{"agency B's archivist", archB, 404, "scan_not_found"}, {"no token", "", 401, "unauthenticated"},
	} {
		for _, rq := range []call{{method: "GET", path: "/api/v1/scans/" + sc.ID, token: c.token},
			{method: "GET", path: "/api/v1/scans/" + sc.ID + "/pdf", token: c.token}, confirmCall(c.token, `"1"`, confirm)} {
			if c.token == "" {
				rq.expect = specInvalid // the spec requires the token
			}
			r := e.do(rq)
			if r.status != c.status || r.code(t) != c.code || bytes.Contains(r.body, []byte("HƯƠNG")) || bytes.Contains(r.body, []byte("%PDF")) {
				t.Errorf("%s: %s %s: %d %s", c.who, rq.method, rq.path, r.status, truncate(r.body))
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// The revision is required and must be the batch's.
	e.do(confirmCall(arch, "", confirm)).want(t, 400, "rev_required")
	e.do(confirmCall(arch, `"7"`, confirm)).want(t, 409, "scan_changed")
	bad, _ := json.Marshal(map[string]any{"rev": 1, "name": "", "fields": fields})
	e.do(confirmCall(arch, "", bad)).want(t, 400, "name_required")

	var d document
	r = e.do(confirmCall(arch, `"1"`, confirm)).want(t, 201, "")
	r.json(t, &d)
	if d.ID == "" || d.OwnerID != ownerA || d.Fields["hoTen"] != "NGUYỄN THỊ HƯƠNG" || !bytes.Contains(r.body, []byte(`"source":"digitised"`)) || d.Name != "Giấy khai sinh (bản số hoá)" || r.header.Get("Location") != "/api/v1/documents/"+d.ID {
		t.Fatalf("the confirmed paper: %s", r.body)
	}
	// Confirming the same revision again answers the same paper.
	var again document
	e.do(confirmCall(arch, "", []byte(`{"rev":1,"name":"Giấy khai sinh (bản số hoá)"}`))).want(t, 201, "").json(t, &again)
	if again.ID != d.ID {
		t.Fatalf("a second confirmation made %s, not %s", again.ID, d.ID)
	}
	e.do(call{method: "GET", path: "/api/v1/scans/" + sc.ID, token: arch}).want(t, 200, "").json(t, &got)
	if got.Status != "confirmed" || got.DocumentID != d.ID {
		t.Fatalf("the batch after confirmation: %+v", got)
	}
	// The paper is in the owner's vault, signed; not in anyone else's.
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 200, "")
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenB}).want(t, 404, "document_not_found")
	rc, err := e.vault.Open(ctx, archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, d.ID, 0, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(signed, []byte("/ByteRange")) || !bytes.Contains(signed, []byte("/Reason")) {
		t.Fatal("the stored paper carries no signature")
	}
	// The owner's ledger names the archivist and the batch's purpose.
	es, _, err := e.vault.Ledger(ctx, archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, ownerA, d.ID, "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 || es[0].Action != archive.ActionCreate || es[0].Actor != "luutru01" || !strings.HasSuffix(es[0].Purpose, ": "+purpose) {
		t.Fatalf("the paper's ledger: %+v", es)
	}

	// Bad batches: each gets its own clear error.
	notImage := []byte("này không phải ảnh trang quét")
	batch(arch, metadataPart(t, meta), pagePart("a.png", notImage)).want(t, 400, "scan_no_pages")
	// One bad file among good ones gets its own error; the batch goes on.
	var mixed scanJSON
	batch(arch, metadataPart(t, meta), pagePart("b.png", notImage), pagePart("trang-1.png", page)).want(t, 201, "").json(t, &mixed)
	if mixed.PageCount != 1 || len(mixed.Pages) != 1 || mixed.Pages[0].FileName != "trang-1.png" || len(mixed.Errors) != 1 ||
		mixed.Errors[0].FileName != "b.png" || mixed.Errors[0].Code != "scan_page_type" || !vietnamese(mixed.Errors[0].Message) {
		t.Fatalf("a batch with one bad file: %+v", mixed)
	}
	batch(arch, pagePart("a.png", page), metadataPart(t, meta)).want(t, 400, "metadata_must_come_first")
	batch(arch, pagePart("a.png", page)).want(t, 400, "metadata_must_come_first")
	batch(arch, metadataPart(t, meta)).want(t, 400, "scan_no_files")
	batch(arch, metadataPart(t, map[string]any{"owner": ownerA, "typeCode": "KHAI_SINH"}), pagePart("a.png", page)).want(t, 400, "scan_device_required")
	batch(arch, metadataPart(t, meta), part{name: "trang", fileName: "a.png", data: page}).want(t, 400, "unexpected_part")
	e.do(call{method: "POST", path: "/api/v1/scans", token: arch, contentType: "multipart/form-data; boundary=xyz", body: []byte("--xyz\r\nnot a part"),
		expect: specSkip}).want(t, 400, "invalid_multipart")
	e.do(call{method: "POST", path: "/api/v1/scans", token: arch, contentType: "image/png", body: page, expect: specInvalid}).want(t, 415, "unsupported_content_type")
	many := []part{metadataPart(t, meta)}
	for range archive.MaxScanPages + 1 {
		many = append(many, pagePart("x.png", []byte("x")))
	}
	batch(arch, many...).want(t, 413, "scan_too_many_files")
}

// TestScansAPIBodyLimit: a batch over MaxScanBatchBytes is 413
// scan_batch_too_large, whether its length is declared or not, and
// nothing is stored.
func TestScansAPIBodyLimit(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.portal.MaxScanBatchBytes = 64 << 10 })
	putArchivist(t, e.wf, "luutru01", agencyA)
	arch := e.token("luutru01", archive.RoleStaff, time.Time{})
	body, ct := multipartBody(t, metadataPart(t, map[string]any{"owner": ownerA, "typeCode": "KHAI_SINH", "device": "x"}),
		part{name: "page", fileName: "a.png", contentType: "image/png", data: bytes.Repeat([]byte{0x89}, 2<<20)})
	for _, chunked := range []bool{false, true} {
		e.do(call{method: "POST", path: "/api/v1/scans", token: arch, body: body, contentType: ct, chunked: chunked}).want(t, 413, "scan_batch_too_large")
	}
	if n := countBlobs(t, e.blobDir); n != 0 {
		t.Fatalf("%d blobs stored", n)
	}
}
