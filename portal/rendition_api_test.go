package portal_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestRenditionAPI: staff convert citizen A's .docx through the running
// Gotenberg (201, then 200 for the stored one), A lists and downloads the
// PDF/A; B, a citizen converting, and a visitor get nothing of it.
func TestRenditionAPI(t *testing.T) {
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t)})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *envOptions) { o.vault.Converter = convert.Archival{G: g} })
	docx, err := os.ReadFile(filepath.Join("..", "archive", "testdata", "convert", "van-ban.docx"))
	if err != nil {
		t.Fatal(err)
	}
	var d archive.Document
	e.do(call{method: "POST", path: "/api/v1/documents?type=KHAC&name=%C4%90%C6%A1n&filename=van-ban.docx", token: e.citizenA,
		contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body: docx}).want(t, 201, "").json(t, &d)
	base := "/api/v1/documents/" + d.ID + "/versions/1/renditions"
	conv := func(token string) call {
		return call{method: "POST", path: base + "?purpose=l%C6%B0u+tr%E1%BB%AF", token: token, contentType: "application/json", body: []byte(`{"target":"pdfa-2b"}`)}
	}
	e.do(conv(e.citizenA)).want(t, 403, "staff_only")
	e.do(conv(e.citizenB)).want(t, 403, "staff_only")
	e.do(call{method: "POST", path: base, token: e.staff, contentType: "application/json", body: []byte(`{}`)}).want(t, 400, "purpose_required")
	var made struct {
		Rendition archive.Rendition `json:"rendition"`
		Existing  bool              `json:"existing"`
	}
	e.do(conv(e.staff)).want(t, 201, "").json(t, &made)
	if made.Existing || made.Rendition.Target != archive.TargetPDFA2b || made.Rendition.Source != d.Current.Blob {
		t.Fatalf("rendition %+v", made)
	}
	e.do(conv(e.staff)).want(t, 200, "").json(t, &made)
	if !made.Existing {
		t.Fatal("second conversion not reported as existing")
	}

	var list struct {
		Renditions []archive.Rendition `json:"renditions"`
	}
	e.do(call{method: "GET", path: base, token: e.citizenA}).want(t, 200, "").json(t, &list)
	if len(list.Renditions) != 1 || list.Renditions[0].Blob != made.Rendition.Blob {
		t.Fatalf("A's list %+v", list)
	}
	r := e.do(call{method: "GET", path: base + "/pdfa-2b/content", token: e.citizenA}).want(t, 200, "")
	sum := sha256.Sum256(r.body)
	if !bytes.HasPrefix(r.body, []byte("%PDF-")) || hex.EncodeToString(sum[:]) != made.Rendition.Blob || r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("A's download: %d bytes, %s", len(r.body), r.header.Get("Content-Type"))
	}
	// The original is unchanged.
	o := e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/versions/1/content", token: e.citizenA}).want(t, 200, "")
	if !bytes.Equal(o.body, docx) {
		t.Fatal("the original changed")
	}

	// The owner's batch: the converted .docx is skipped, a broken .docx
	// gets its own error, the .xlsx is converted.
	xlsx, err := os.ReadFile(filepath.Join("..", "archive", "testdata", "convert", "bang-tinh.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	e.do(call{method: "POST", path: "/api/v1/documents?type=KHAC&name=B%E1%BA%A3ng&filename=bang-tinh.xlsx", token: e.citizenA,
		contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body: xlsx}).want(t, 201, "")
	e.do(call{method: "POST", path: "/api/v1/documents?type=KHAC&name=H%E1%BB%8Fng&filename=hong.docx", token: e.citizenA,
		contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body: docx[:len(docx)/2]}).want(t, 201, "")
	batch := call{method: "POST", path: "/api/v1/owners/" + ownerA + "/renditions?purpose=l%C6%B0u+tr%E1%BB%AF", contentType: "application/json", body: []byte(`{}`)}
	batch.token = e.citizenB
	e.do(batch).want(t, 403, "staff_only")
	batch.token = e.staff
	var out struct {
		Results []struct {
			FileName string             `json:"fileName"`
			Rend     *archive.Rendition `json:"rendition"`
			Error    *struct{ Code string }
		} `json:"results"`
		Failed, Left int
	}
	e.do(batch).want(t, 200, "").json(t, &out)
	got := map[string]string{}
	for _, x := range out.Results {
		switch {
		case x.Error != nil:
			got[x.FileName] = x.Error.Code
		case x.Rend != nil:
			got[x.FileName] = "ok"
		}
	}
	if out.Failed != 1 || out.Left != 0 || len(got) != 2 || got["bang-tinh.xlsx"] != "ok" || got["hong.docx"] != "office_damaged" {
		t.Fatalf("batch %+v: %v", out, got)
	}

	e.do(call{method: "GET", path: base, token: e.citizenB}).want(t, 404, "document_not_found")
	e.do(call{method: "GET", path: base + "/pdfa-2b/content", token: e.citizenB}).want(t, 404, "document_not_found")
	e.do(call{method: "GET", path: base + "/pdfa-2b/content", expect: specInvalid}).want(t, 401, "unauthenticated")
}
