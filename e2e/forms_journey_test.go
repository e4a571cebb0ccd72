package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestFormsJourney is issue 4's "done when" through the real `kho serve`
// process: the shipped birth-registration form is fetched, pre-filled from
// the identity card in the citizen's vault (with provenance), validated
// against the vault again, saved as a draft and resumed, exported to PDF,
// PDF/A-3, JSON and XML, and signed by staff through the signing API —
// the PDF/A with PAdES (pdfsig and the verify endpoint agree it is valid),
// the canonical JSON with a detached CMS signature (verify-data passes, a
// changed byte fails). Another citizen can neither pre-fill from the first
// one's vault nor read their drafts.
func TestFormsJourney(t *testing.T) {
	pdfsig := testenv.Tool(t, "pdfsig", "poppler-utils")
	ca, keys, pw := testPKI(t)
	data := t.TempDir()
	store := []string{"--data", data}
	srv := startServer(t, "--data", data, "--trust", filepath.Join(keys, "roots.pem"), "--tsa", ca.URL+"/tsa",
		"--sign-key", "canbo="+filepath.Join(keys, pki.Personal+".p12"), "--sign-key-password-file", "canbo="+pw)

	const citizenB = "079088000123"
	admin := &client{t: t, base: srv.url, token: createToken(t, store, "admin-forms", "admin")}
	registerOwner(t, admin, citizenID)
	registerOwner(t, admin, citizenB)
	a := &client{t: t, base: srv.url, token: createToken(t, store, citizenID, "citizen")}
	b := &client{t: t, base: srv.url, token: createToken(t, store, citizenB, "citizen")}
	staff := &client{t: t, base: srv.url, token: createToken(t, store, "canbo-forms", "staff")}
	const form = "/api/v1/forms/TK_KHAI_SINH"

	// 1. The shipped definition.
	var def struct {
		Code    string `json:"code"`
		Version int    `json:"version"`
		Title   string `json:"title"`
	}
	a.getJSON(form, nil, &def)
	if def.Code != "TK_KHAI_SINH" || def.Version < 1 || !strings.Contains(strings.ToLower(def.Title), "khai sinh") {
		t.Fatalf("definition: %+v", def)
	}

	// 2. The citizen's identity card in the vault, with its fields.
	q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước của Ngọc"}, "filename": {"cccd.pdf"},
		"fields": {`{"soDinhDanh":"` + citizenID + `","hoTen":"Trần Thị Bích Ngọc","ngaySinh":"2000-02-29","noiCuTru":"12 Lý Thường Kiệt, Hà Nội"}`}}
	var card struct {
		ID string `json:"id"`
	}
	call(t, a, "POST", "/api/v1/documents", q, "application/pdf", tinyPDF("the can cuoc"), 201, &card)

	// 3. Pre-fill: the requester's name comes from the card, version 1.
	type provenance struct {
		Source          string `json:"source"`
		DocumentID      string `json:"documentId"`
		DocumentVersion int    `json:"documentVersion"`
		DocumentType    string `json:"documentType"`
		DocumentField   string `json:"documentField"`
	}
	var pre struct {
		Data       map[string]any        `json:"data"`
		Provenance map[string]provenance `json:"provenance"`
	}
	call(t, a, "POST", form+"/prefill", nil, "", nil, 200, &pre)
	if pre.Data["hoTenNguoiYeuCau"] != "Trần Thị Bích Ngọc" || pre.Provenance["hoTenNguoiYeuCau"] !=
		(provenance{Source: "document", DocumentID: card.ID, DocumentVersion: 1, DocumentType: "CAN_CUOC", DocumentField: "hoTen"}) {
		t.Fatalf("prefill: %+v", pre)
	}
	// Another citizen gets only their own profile, nothing of A's card, and
	// may not name A's vault.
	var preB struct {
		Data map[string]any `json:"data"`
	}
	raw := call(t, b, "POST", form+"/prefill", nil, "", nil, 200, &preB)
	if preB.Data["soDinhDanhNguoiYeuCau"] != citizenB || preB.Data["hoTenNguoiYeuCau"] != nil ||
		bytes.Contains(raw, []byte(card.ID)) || bytes.Contains(raw, []byte("Bích Ngọc")) || bytes.Contains(raw, []byte(citizenID)) {
		t.Errorf("B's prefill: %s", raw)
	}
	call(t, b, "POST", form+"/prefill", url.Values{"owner": {citizenID}}, "", nil, 403, nil)

	// 4. The filled form, validated with owner= so the pre-filled values
	// are checked against the vault again.
	filled := map[string]any{}
	for k, v := range pre.Data {
		filled[k] = v
	}
	for k, v := range map[string]any{"kinhGui": "UBND phường Bến Nghé", "quanHe": "me", "hoTen": "Trần Bình Minh", "ngaySinh": "01/11/2026",
		"gioiTinh": "nam", "danToc": "Kinh", "quocTich": "Việt Nam", "noiSinh": "Bệnh viện Từ Dũ", "coThongTinCha": "khong",
		"hoTenMe": "Trần Thị Bích Ngọc", "deNghiCapBanSao": "khong", "camDoan": []string{"dong_y"}, "lamTai": "Hà Nội", "ngayKhai": "20/11/2026"} {
		filled[k] = v
	}
	body, err := json.Marshal(filled)
	if err != nil {
		t.Fatal(err)
	}
	owner := url.Values{"owner": {citizenID}}
	call(t, a, "POST", form+"/validate", owner, "application/json", body, 200, nil)
	// A changed identity number (locked, from the profile) is refused.
	bad := bytes.Replace(body, []byte(citizenID), []byte(citizenB), 1)
	call(t, a, "POST", form+"/validate", owner, "application/json", bad, 422, nil)

	// 5. A draft: saved, resumed; B cannot read or list it.
	var draft struct {
		ID   string         `json:"id"`
		Data map[string]any `json:"data"`
	}
	call(t, a, "POST", form+"/drafts", nil, "application/json", body, 201, &draft)
	var resumed struct {
		Data map[string]any `json:"data"`
	}
	call(t, a, "GET", form+"/drafts/"+draft.ID, nil, "", nil, 200, &resumed)
	if resumed.Data["hoTen"] != "Trần Bình Minh" || resumed.Data["hoTenNguoiYeuCau"] != "Trần Thị Bích Ngọc" {
		t.Errorf("resumed draft: %+v", resumed.Data)
	}
	if raw := call(t, b, "GET", form+"/drafts/"+draft.ID, nil, "", nil, 404, nil); bytes.Contains(raw, []byte("Bình Minh")) {
		t.Errorf("B's read of A's draft leaks: %s", raw)
	}
	var listB struct {
		Drafts []any `json:"drafts"`
	}
	call(t, b, "GET", form+"/drafts", nil, "", nil, 200, &listB)
	if len(listB.Drafts) != 0 {
		t.Errorf("B lists %d drafts", len(listB.Drafts))
	}
	resumedBody, err := json.Marshal(resumed.Data)
	if err != nil {
		t.Fatal(err)
	}

	// 6. The outputs.
	export := func(format string) []byte {
		t.Helper()
		return call(t, a, "POST", form+"/export", url.Values{"format": {format}, "owner": {citizenID}}, "application/json", resumedBody, 200, nil)
	}
	pdf, pdfa, js, xml := export("pdf"), export("pdfa"), export("json"), export("xml")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.HasPrefix(pdfa, []byte("%PDF-")) || !bytes.Contains(pdfa, []byte("pdfaid")) {
		t.Errorf("PDF outputs: %d and %d bytes", len(pdf), len(pdfa))
	}
	var canon struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(js, &canon); err != nil || canon.Data["hoTen"] != "Trần Bình Minh" {
		t.Errorf("JSON output: %v %s", err, js)
	}
	if !bytes.Contains(xml, []byte("Trần Bình Minh")) || !bytes.HasPrefix(bytes.TrimSpace(xml), []byte("<?xml")) {
		t.Errorf("XML output: %s", xml)
	}

	// 7. Staff sign the PDF/A (PAdES B-T) and the canonical JSON (CMS).
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	ow, _ := mw.CreateFormField("options")
	ow.Write([]byte(`{"key":"canbo","level":"B-T","reason":"Xác nhận tờ khai"}`))
	fw, _ := mw.CreateFormFile("file", "to-khai-khai-sinh.pdf")
	fw.Write(pdfa)
	mw.Close()
	call(t, a, "POST", "/api/v1/signing/sign", nil, mw.FormDataContentType(), mb.Bytes(), 403, nil)
	signed := call(t, staff, "POST", "/api/v1/signing/sign", nil, mw.FormDataContentType(), mb.Bytes(), 200, nil)
	sp := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(sp, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdfsig, sp).CombinedOutput(); err != nil || !strings.Contains(string(out), "Signature is Valid") {
		t.Errorf("pdfsig: %v\n%s", err, out)
	}
	var rep struct {
		Signatures []struct {
			Verdict string `json:"verdict"`
			Level   string `json:"level"`
		} `json:"signatures"`
	}
	call(t, &client{t: t, base: srv.url}, "POST", "/api/v1/signing/verify", nil, "application/pdf", signed, 200, &rep)
	if len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != "TOTAL-PASSED" || rep.Signatures[0].Level != "B-T" {
		t.Errorf("verify the signed PDF/A: %+v", rep)
	}

	call(t, a, "POST", "/api/v1/signing/sign-data", url.Values{"key": {"canbo"}}, "application/json", js, 403, nil)
	p7s := call(t, staff, "POST", "/api/v1/signing/sign-data", url.Values{"key": {"canbo"}, "level": {"B-T"}}, "application/json", js, 200, nil)
	verifyData := func(d []byte) (verdict, sub string) {
		t.Helper()
		var vb bytes.Buffer
		vw := multipart.NewWriter(&vb)
		dw, _ := vw.CreateFormFile("data", "to-khai.json")
		dw.Write(d)
		sw, _ := vw.CreateFormFile("signature", "to-khai.json.p7s")
		sw.Write(p7s)
		vw.Close()
		var dr struct {
			Verdict       string `json:"verdict"`
			SubIndication string `json:"subIndication"`
		}
		call(t, &client{t: t, base: srv.url}, "POST", "/api/v1/signing/verify-data", nil, vw.FormDataContentType(), vb.Bytes(), 200, &dr)
		return dr.Verdict, dr.SubIndication
	}
	if v, s := verifyData(js); v != "TOTAL-PASSED" {
		t.Errorf("verify-data: %s/%s", v, s)
	}
	if v, s := verifyData(bytes.Replace(js, []byte("Trần Bình Minh"), []byte("Trần Bình Mink"), 1)); v != "TOTAL-FAILED" || s != "HASH_FAILURE" {
		t.Errorf("verify-data of changed data: %s/%s", v, s)
	}
}

// call makes one API request (no token when c.token is ""), requires the
// status, decodes a JSON answer into v when v is not nil, and returns the body.
func call(t *testing.T, c *client, method, path string, q url.Values, ct string, body []byte, status int, v any) []byte {
	t.Helper()
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %s, want %d: %.600s", method, path, resp.Status, status, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v: %.600s", method, path, err, b)
		}
	}
	return b
}
