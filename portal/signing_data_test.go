package portal_test

import (
	"bytes"
	"strings"
	"testing"
)

// dataReport is the data verification report as the tests read it.
type dataReport struct {
	Size          int64  `json:"size"`
	Digest        string `json:"digest"`
	Verdict       string `json:"verdict"`
	SubIndication string `json:"subIndication"`
	Integrity     bool   `json:"integrity"`
	Message       string `json:"message"`
	Signer        struct {
		CommonName string `json:"commonName"`
	} `json:"signer"`
	SigningTimeSource string `json:"signingTimeSource"`
	Timestamp         struct {
		Valid bool `json:"valid"`
	} `json:"timestamp"`
}

// verifyDataRequest posts data and its signature to verify-data.
func (e *signingEnv) verifyDataRequest(t *testing.T, data, sig []byte) result {
	t.Helper()
	body, ct := multipartBody(t, part{name: "signature", fileName: "du-lieu.json.p7s", contentType: "application/pkcs7-signature", data: sig},
		part{name: "data", fileName: "du-lieu.json", contentType: "application/json", data: data})
	return e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: ct, body: body})
}

// TestSigningDataAPI: staff sign eForm JSON and XML through the API with
// the server's keys (B-B and B-T), anyone verifies the pair, a changed
// byte is HASH_FAILURE, citizens may not sign, and bad requests get their
// codes.
func TestSigningDataAPI(t *testing.T) {
	e := newSigningEnv(t)
	data := []byte(`{"ho_ten":"Nguyễn Văn Bình","ngay_sinh":"01/02/2025"}`)

	r := e.do(call{method: "POST", path: "/api/v1/signing/sign-data?key=canbo&level=B-T", token: e.staff, contentType: "application/json", body: data}).want(t, 200, "")
	if ct := r.header.Get("Content-Type"); ct != "application/pkcs7-signature" || r.header.Get("X-Signature-Level") != "B-T" ||
		!strings.Contains(r.header.Get("Content-Disposition"), "du-lieu.json.p7s") || len(r.body) < 500 {
		t.Errorf("sign-data answer: %v, %d bytes", r.header, len(r.body))
	}
	var rep dataReport
	e.verifyDataRequest(t, data, r.body).want(t, 200, "").json(t, &rep)
	if rep.Verdict != "TOTAL-PASSED" || !rep.Integrity || rep.Signer.CommonName != "Nguyễn Văn An" || rep.Size != int64(len(data)) ||
		rep.SigningTimeSource != "timestamp" || !rep.Timestamp.Valid {
		t.Errorf("verify-data: %+v", rep)
	}
	// Data before signature works too.
	body, ct := multipartBody(t, part{name: "data", data: data}, part{name: "signature", data: r.body})
	e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: ct, body: body}).want(t, 200, "").json(t, &rep)
	if rep.Verdict != "TOTAL-PASSED" {
		t.Errorf("data first: %+v", rep)
	}

	// One changed byte: HASH_FAILURE with a Vietnamese reason.
	tampered := bytes.Replace(data, []byte("2025"), []byte("2024"), 1)
	var bad dataReport
	e.verifyDataRequest(t, tampered, r.body).want(t, 200, "").json(t, &bad)
	if bad.Verdict != "TOTAL-FAILED" || bad.SubIndication != "HASH_FAILURE" || bad.Integrity {
		t.Errorf("tampered: %+v", bad)
	}

	// XML with the seal, B-B by default; the only-key rule does not apply
	// with three keys.
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><to_khai><ho_ten>Nguyễn Văn Bình</ho_ten></to_khai>`)
	x := e.do(call{method: "POST", path: "/api/v1/signing/sign-data?key=dau", token: e.admin, contentType: "application/xml", body: xml}).want(t, 200, "")
	if x.header.Get("X-Signature-Level") != "B-B" || !strings.Contains(x.header.Get("Content-Disposition"), ".xml.p7s") {
		t.Errorf("XML: %v", x.header)
	}
	e.verifyDataRequest(t, xml, x.body).want(t, 200, "").json(t, &rep)
	if rep.Verdict != "TOTAL-PASSED" || rep.Signer.CommonName != "Ủy ban nhân dân Phường Bến Nghé" {
		t.Errorf("XML verify: %+v", rep)
	}

	// Refusals.
	signData := func(token, query, ct string, b []byte, exp expectation) result {
		return e.do(call{method: "POST", path: "/api/v1/signing/sign-data" + query, token: token, contentType: ct, body: b, expect: exp})
	}
	signData(e.citizenA, "?key=canbo", "application/json", data, 0).want(t, 403, "staff_only")
	signData("", "?key=canbo", "application/json", data, specInvalid).want(t, 401, "")
	signData(e.staff, "", "application/json", data, 0).want(t, 400, "sign_key_required")
	signData(e.staff, "?key=khong-co", "application/json", data, 0).want(t, 400, "sign_key_unknown")
	signData(e.staff, "?key=canbo&level=B-LTA", "application/json", data, specInvalid).want(t, 400, "level_unknown")
	signData(e.staff, "?key=canbo&colour=red", "application/json", data, 0).want(t, 400, "unknown_parameter")
	signData(e.staff, "?key=canbo", "application/pdf", onePage(t), specInvalid).want(t, 415, "unsupported_content_type")
	signData(e.staff, "?key=canbo", "application/json", []byte{}, specInvalid).want(t, 400, "empty_file")
	signData(e.staff, "?key=thuhoi", "application/json", data, 0).want(t, 403, "cert_revoked")

	e.verifyDataRequest(t, data, []byte("không phải chữ ký")).want(t, 400, "signature_invalid")
	body, ct = multipartBody(t, part{name: "data", data: data})
	e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: ct, body: body}).want(t, 400, "signature_missing")
	body, ct = multipartBody(t, part{name: "signature", data: r.body})
	e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: ct, body: body}).want(t, 400, "file_missing")
	body, ct = multipartBody(t, part{name: "data", data: data}, part{name: "signature", data: r.body}, part{name: "data", data: data})
	e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: ct, body: body}).want(t, 400, "unexpected_part")
	e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: "application/json", body: data, expect: specInvalid}).want(t, 400, "multipart_required")
}

// TestSigningDataNotConfigured: without keys or trust anchors the data
// endpoints say so.
func TestSigningDataNotConfigured(t *testing.T) {
	e := newEnv(t)
	e.do(call{method: "POST", path: "/api/v1/signing/sign-data", token: e.staff, contentType: "application/json", body: []byte(`{}`)}).want(t, 503, "signing_not_configured")
	body, ct := multipartBody(t, part{name: "data", data: []byte(`{}`)}, part{name: "signature", data: []byte{1}})
	e.do(call{method: "POST", path: "/api/v1/signing/verify-data", contentType: ct, body: body}).want(t, 503, "verifier_not_configured")
}
