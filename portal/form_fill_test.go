package portal_test

import (
	"net/url"
	"strings"
	"testing"
)

type provenance struct {
	Source          string `json:"source"`
	Path            string `json:"path"`
	DocumentID      string `json:"documentId"`
	DocumentVersion int    `json:"documentVersion"`
	DocumentType    string `json:"documentType"`
	DocumentField   string `json:"documentField"`
	Original        any    `json:"original"`
}

type prefillAnswer struct {
	Form       string                `json:"form"`
	Version    int                   `json:"version"`
	Owner      string                `json:"owner"`
	Data       map[string]any        `json:"data"`
	Provenance map[string]provenance `json:"provenance"`
	Warnings   []fieldError          `json:"warnings"`
}

// birthForm is a filled birth-registration declaration whose requester is
// the holder of the card uploaded in TestPrefillFromVault.
func birthForm(name, id string) string {
	return `{"kinhGui":"UBND phường Bến Nghé","hoTenNguoiYeuCau":"` + name + `","soDinhDanhNguoiYeuCau":"` + id + `",
	"noiCuTruNguoiYeuCau":"12 Lý Thường Kiệt, Hà Nội","quanHe":"me",
	"hoTen":"Trần Bình Minh","ngaySinh":"01/11/2026","gioiTinh":"nam","danToc":"Kinh","quocTich":"Việt Nam","noiSinh":"Bệnh viện Từ Dũ",
	"coThongTinCha":"khong","hoTenMe":"Trần Thị Bích Ngọc","deNghiCapBanSao":"khong","camDoan":["dong_y"],"lamTai":"Hà Nội","ngayKhai":"20/11/2026"}`
}

func TestPrefillFromVault(t *testing.T) {
	e := newEnv(t)
	const js = "application/json"
	// A's identity card in A's vault, with its important fields.
	q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước của Ngọc"}, "fields": {`{"soDinhDanh":"` + ownerA + `","hoTen":"Trần Thị Bích Ngọc","ngaySinh":"2000-02-29","noiCuTru":"12 Lý Thường Kiệt, Hà Nội"}`}}
	var card document
	e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="cccd.pdf"`, data: pdf("thẻ căn cước")}).
		want(t, 201, "").json(t, &card)

	// A pre-fills the birth declaration from A's own vault.
	var p prefillAnswer
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill", token: e.citizenA}).want(t, 200, "").json(t, &p)
	if p.Form != "TK_KHAI_SINH" || p.Version != 1 || p.Owner != ownerA || len(p.Warnings) != 0 ||
		p.Data["hoTenNguoiYeuCau"] != "Trần Thị Bích Ngọc" || p.Data["soDinhDanhNguoiYeuCau"] != ownerA || p.Data["noiCuTruNguoiYeuCau"] != "12 Lý Thường Kiệt, Hà Nội" {
		t.Fatalf("prefill %+v", p)
	}
	want := provenance{Source: "document", DocumentID: card.ID, DocumentVersion: 1, DocumentType: "CAN_CUOC", DocumentField: "hoTen"}
	if p.Provenance["hoTenNguoiYeuCau"] != want || p.Provenance["soDinhDanhNguoiYeuCau"] != (provenance{Source: "profile", Path: "identityNumber"}) {
		t.Errorf("provenance %+v", p.Provenance)
	}
	// The read is in A's ledger, with its purpose.
	var lp ledgerPage
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + card.ID, token: e.citizenA}).want(t, 200, "").json(t, &lp)
	last := lp.Entries[len(lp.Entries)-1]
	if last.Action != "read" || last.Actor != ownerA || last.Purpose != "Tự động điền biểu mẫu TK_KHAI_SINH" || last.Version != 1 {
		t.Errorf("ledger %+v", lp.Entries)
	}

	// Staff pre-fill for the owner they serve, naming them; the read is theirs in A's ledger.
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill", token: e.staff}).want(t, 400, "owner_required")
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?owner=" + ownerA, token: e.staff}).want(t, 400, "purpose_required")
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?owner=" + ownerA + "&purpose=" + url.QueryEscape("tiếp nhận hồ sơ") + "&dossier=HS-9", token: e.staff}).want(t, 200, "").json(t, &p)
	if p.Data["hoTenNguoiYeuCau"] != "Trần Thị Bích Ngọc" {
		t.Errorf("staff prefill %+v", p.Data)
	}
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + card.ID, token: e.citizenA}).want(t, 200, "").json(t, &lp)
	if last := lp.Entries[len(lp.Entries)-1]; last.Actor != "canbo01" || last.Action != "read" ||
		last.Purpose != "tiếp nhận hồ sơ — Tự động điền biểu mẫu TK_KHAI_SINH" || last.Dossier != "HS-9" {
		t.Errorf("staff read not in the ledger with its purpose: %+v", last)
	}

	// B has no vault record yet: nothing to pre-fill, and nothing of A's.
	var pb prefillAnswer
	r := e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill", token: e.citizenB}).want(t, 200, "")
	r.json(t, &pb)
	if len(pb.Data) != 0 || strings.Contains(string(r.body), ownerA) || strings.Contains(string(r.body), card.ID) {
		t.Errorf("B's prefill %s", r.body)
	}
	e.do(call{method: "POST", path: "/api/v1/forms/NOPE/prefill", token: e.citizenA}).want(t, 404, "form_not_found")
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?version=9", token: e.citizenA}).want(t, 404, "form_version_not_found")
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?x=1", token: e.citizenA}).want(t, 400, "unknown_parameter")
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill", expect: specInvalid}).want(t, 401, "")

	// Submission check: the server reads the sources again.
	var vals struct {
		Data       map[string]any        `json:"data"`
		Provenance map[string]provenance `json:"provenance"`
	}
	path := "/api/v1/forms/TK_KHAI_SINH/validate?owner=" + ownerA
	e.do(call{method: "POST", path: path, token: e.citizenA, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc", ownerA))}).want(t, 200, "").json(t, &vals)
	if vals.Provenance["hoTenNguoiYeuCau"] != want || vals.Provenance["hoTenNguoiYeuCau"].Original != nil {
		t.Errorf("unchanged: %+v", vals.Provenance)
	}
	// A corrects the name (allowed): the correction is recorded.
	e.do(call{method: "POST", path: path, token: e.citizenA, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc Anh", ownerA))}).want(t, 200, "").json(t, &vals)
	if got := vals.Provenance["hoTenNguoiYeuCau"]; got.Original != "Trần Thị Bích Ngọc" || vals.Data["hoTenNguoiYeuCau"] != "Trần Thị Bích Ngọc Anh" {
		t.Errorf("correction: %+v %v", got, vals.Data["hoTenNguoiYeuCau"])
	}
	// The identity number may not be changed.
	r = e.do(call{method: "POST", path: path, token: e.citizenA, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc", ownerB))}).want(t, 422, "form_data_invalid")
	var fe struct {
		FieldErrors []fieldError `json:"fieldErrors"`
	}
	r.json(t, &fe)
	if len(fe.FieldErrors) != 1 || fe.FieldErrors[0] != (fieldError{"soDinhDanhNguoiYeuCau", "prefill_not_editable",
		"Số định danh cá nhân: trường này lấy từ thông tin cá nhân của chủ kho dữ liệu và không được sửa."}) {
		t.Errorf("field errors %+v", fe.FieldErrors)
	}
	// Without ?owner= nothing is compared.
	e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/validate", token: e.citizenA, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc", ownerB))}).want(t, 200, "")
	// B may not check against A's vault.
	e.do(call{method: "POST", path: path, token: e.citizenB, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc", ownerA))}).want(t, 403, "not_own_vault")

	// Export checks the pre-filled fields the same way: the canonical JSON
	// carries the provenance and the correction; a changed locked field is
	// refused; B may not export against A's vault.
	export := "/api/v1/forms/TK_KHAI_SINH/export?format=json&owner=" + ownerA
	var out struct {
		Data       map[string]any        `json:"data"`
		Provenance map[string]provenance `json:"provenance"`
	}
	e.do(call{method: "POST", path: export, token: e.citizenA, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc Anh", ownerA))}).want(t, 200, "").json(t, &out)
	if got := out.Provenance["hoTenNguoiYeuCau"]; got != (provenance{Source: want.Source, Path: want.Path, DocumentID: want.DocumentID,
		DocumentVersion: want.DocumentVersion, DocumentType: want.DocumentType, DocumentField: want.DocumentField, Original: "Trần Thị Bích Ngọc"}) ||
		out.Data["hoTenNguoiYeuCau"] != "Trần Thị Bích Ngọc Anh" {
		t.Errorf("exported provenance %+v", out.Provenance)
	}
	e.do(call{method: "POST", path: export, token: e.citizenA, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc", ownerB))}).want(t, 422, "form_data_invalid")
	e.do(call{method: "POST", path: export, token: e.citizenB, contentType: js, body: []byte(birthForm("Trần Thị Bích Ngọc", ownerA))}).want(t, 403, "not_own_vault")
}

// TestPrefillNewestValidPaper: pre-fill reads the newest valid paper of the
// type: a newer card wins, and once it is revoked the older one is read.
func TestPrefillNewestValidPaper(t *testing.T) {
	e := newEnv(t)
	card := func(name, issued string) document {
		t.Helper()
		q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước " + issued}, "issueDate": {issued},
			"fields": {`{"soDinhDanh":"` + ownerA + `","hoTen":"` + name + `","ngaySinh":"2000-02-29"}`}}
		var d document
		e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="cccd.pdf"`, data: pdf(name)}).
			want(t, 201, "").json(t, &d)
		return d
	}
	newer := card("Tên mới", "2025-06-01")
	older := card("Tên cũ", "2021-06-01") // stored later, issued earlier
	name := func() (string, string) {
		t.Helper()
		var p prefillAnswer
		e.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill", token: e.citizenA}).want(t, 200, "").json(t, &p)
		s, _ := p.Data["hoTenNguoiYeuCau"].(string)
		return s, p.Provenance["hoTenNguoiYeuCau"].DocumentID
	}
	if n, id := name(); n != "Tên mới" || id != newer.ID {
		t.Fatalf("newest: %q %s", n, id)
	}
	e.do(call{method: "PATCH", path: "/api/v1/documents/" + newer.ID, token: e.citizenA, contentType: "application/json",
		body: []byte(`{"status":"revoked"}`)}).want(t, 200, "")
	if n, id := name(); n != "Tên cũ" || id != older.ID {
		t.Fatalf("after revocation: %q %s", n, id)
	}
}
