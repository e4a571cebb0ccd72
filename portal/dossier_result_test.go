package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// withResults gives the workflow Results: the shipped templates, conv,
// and the test PKI's personal key for the ward's leader and its seal.
func withResults(t *testing.T, conv convert.Converter) func(*envOptions) {
	return func(o *envOptions) {
		srv, dir := testPKI(t)
		tpl, err := convert.LoadTemplates("")
		if err != nil {
			t.Fatal(err)
		}
		o.results = func(v *archive.Service) *workflow.Results {
			return &workflow.Results{Templates: tpl, Converter: conv, Vault: v, Signer: &workflow.KeySigner{
				Leaders: map[string][]workflow.LeaderKey{leaderSubject: {{Name: "ca-nhan", Source: workflow.KeySourceFile, Key: p12Key(t, dir, pki.Personal)}}},
				Seals:   map[string]signing.KeySource{ward: p12Key(t, dir, pki.Seal)},
				Checker: &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 3 * time.Second}}}
		}
	}
}

// approvedOfA is A's birth registration taken to approval through the
// service.
func (e *env) approvedOfA(t *testing.T) dossierJSON {
	t.Helper()
	ctx := context.Background()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	staff := func(s string) archive.Actor { return archive.Actor{Subject: s, Role: archive.RoleStaff} }
	for _, s := range []struct {
		who archive.Actor
		in  workflow.ActInput
	}{
		{citizenActor(ownerA), workflow.ActInput{Action: workflow.ActionSubmit}},
		{staff(deskSubject), workflow.ActInput{Action: workflow.ActionReceive}},
		{staff(deskSubject), workflow.ActInput{Action: workflow.ActionTransfer}},
		{staff(headSubject), workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiserSubject}},
		{staff(appraiserSubject), workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện"}},
		{staff(appraiserSubject), workflow.ActInput{Action: workflow.ActionSubmitForApproval}},
		{staff(leaderSubject), workflow.ActInput{Action: workflow.ActionApprove}},
	} {
		if _, err := e.wf.Act(ctx, s.who, v.Code, s.in); err != nil {
			t.Fatalf("%s: %v", s.in.Action, err)
		}
	}
	return e.dossier(e.citizenA, v.Code)
}

// resultJSON is the answer of GET /api/v1/dossiers/{code}/result.
type resultJSON struct {
	Number      string `json:"number"`
	DocumentID  string `json:"documentId"`
	Status      string `json:"status"`
	StatusLabel string `json:"statusLabel"`
}

// TestDossierResultAPI: the ward's leader signs an approved dossier's
// result through POST /api/v1/dossiers/{code}/result (If-Match), with the
// real Gotenberg and the test PKI's keys; the vault, verifying what it
// stores, keeps the paper; A reads the result's status and downloads the
// PDF through the document routes, which verify its two signatures; B and
// other roles are refused.
func TestDossierResultAPI(t *testing.T) {
	conv, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e := newSigningEnv(t, withResults(t, conv))
	st := e.directory()
	d := e.approvedOfA(t)
	path := "/api/v1/dossiers/" + d.Code + "/result"
	ifMatch := func(rev int64) map[string]string { return map[string]string{"If-Match": fmt.Sprintf(`"%d"`, rev)} }
	e.do(call{method: "POST", path: path, token: st.head, header: ifMatch(d.Rev)}).want(t, 403, "role_not_allowed")
	e.do(call{method: "POST", path: path, token: e.citizenB, header: ifMatch(d.Rev)}).want(t, 404, "dossier_not_found")
	e.do(call{method: "POST", path: path, token: st.leader, header: ifMatch(d.Rev - 1)}).want(t, 409, "dossier_changed")
	e.do(call{method: "GET", path: path, token: e.citizenA}).want(t, 404, "result_not_issued")
	// The sign action names the leader's key: one that is not theirs is
	// refused and nothing is signed.
	acts := "/api/v1/dossiers/" + d.Code + "/actions"
	e.do(call{method: "POST", path: acts, token: st.leader, contentType: "application/json", header: ifMatch(d.Rev),
		body: []byte(`{"action":"sign","key":"khong-co"}`)}).want(t, 400, "sign_key_unknown")
	if now := e.dossier(e.citizenA, d.Code); now.Rev != d.Rev || now.Status != d.Status {
		t.Fatalf("an unknown key changed the dossier: rev %d → %d, %s", d.Rev, now.Rev, now.Status)
	}
	// The test Gotenberg may restart Chromium under load and fail the
	// conversion in flight (503 converter_failed): a client retries, and
	// the number reserved stays the dossier's (its revision moved once).
	issue := e.do(call{method: "POST", path: path, token: st.leader, header: ifMatch(d.Rev)})
	for i := 0; i < 2 && issue.status == 503 && bytes.Contains(issue.body, []byte("converter_failed")); i++ {
		t.Logf("Gotenberg failed: %s; retrying", issue.body)
		time.Sleep(2 * time.Second)
		issue = e.do(call{method: "POST", path: path, token: st.leader})
	}
	var got dossierJSON
	issue.want(t, 200, "").json(t, &got)
	if got.Status != "resolved" || got.Trail[len(got.Trail)-1].Action != "sign" {
		t.Fatalf("after the result: %s, last %+v", got.Status, got.Trail[len(got.Trail)-1])
	}
	var res resultJSON
	e.do(call{method: "GET", path: path, token: e.citizenA}).want(t, 200, "").json(t, &res)
	if res.Status != "valid" || res.StatusLabel != "Còn hiệu lực" || res.DocumentID == "" || res.Number == "" {
		t.Fatalf("result %+v", res)
	}
	e.do(call{method: "GET", path: path, token: e.citizenB}).want(t, 404, "dossier_not_found")
	e.do(call{method: "GET", path: path, token: st.desk}).want(t, 400, "purpose_required")
	e.do(call{method: "GET", path: path + "?purpose=" + url.QueryEscape("trả kết quả"), token: st.desk}).want(t, 200, "")
	e.do(call{method: "GET", path: path + "?purpose=x", token: st.outsider}).want(t, 403, "other_agency")

	// The paper, through the document routes: what the vault verified.
	var doc document
	e.do(call{method: "GET", path: "/api/v1/documents/" + res.DocumentID, token: e.citizenA}).want(t, 200, "").json(t, &doc)
	if doc.TypeCode != "KHAI_SINH" || doc.Status != "valid" {
		t.Fatalf("the issued document %+v", doc)
	}
	body := e.do(call{method: "GET", path: "/api/v1/documents/" + res.DocumentID + "/content", token: e.citizenA}).want(t, 200, "").body
	rep, err := signing.Verify(context.Background(), bytes.NewReader(body), int64(len(body)), signing.VerifyOptions{Roots: e.pki.PKI.Roots()})
	if err != nil || len(rep.Signatures) != 2 || rep.Signatures[0].Verdict != signing.TotalPassed || rep.Signatures[1].Verdict != signing.TotalPassed {
		t.Fatalf("the downloaded result: %v %+v", err, rep)
	}
	// Again: the same dossier, nothing new.
	var again dossierJSON
	e.do(call{method: "POST", path: path, token: st.leader}).want(t, 200, "").json(t, &again)
	if again.Rev != got.Rev {
		t.Fatalf("a second POST changed the dossier: rev %d → %d", got.Rev, again.Rev)
	}
}

// TestDossierResultNoConverter: without a converter the leader's POST is
// 503 converter_unavailable and the dossier stays approved.
func TestDossierResultNoConverter(t *testing.T) {
	e := newSigningEnv(t, withResults(t, nil))
	st := e.directory()
	d := e.approvedOfA(t)
	e.do(call{method: "POST", path: "/api/v1/dossiers/" + d.Code + "/result", token: st.leader}).want(t, 503, "converter_unavailable")
	if after := e.dossier(e.citizenA, d.Code); after.Status != "processing" || after.Stage != "approved" || len(after.Trail) != len(d.Trail) {
		t.Fatalf("after the refusal: %s/%s, trail %d", after.Status, after.Stage, len(after.Trail))
	}
}
