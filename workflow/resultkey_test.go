package workflow_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// TestIssueResultKeyChoice: a leader with two keys lists them (name and
// where each is kept, in Vietnamese) and signs with the one chosen — the
// result's first signature is that key's certificate; with none chosen,
// or a key that is not theirs (another leader's), nothing is signed and
// the dossier is unchanged. A citizen lists no keys; another agency's
// leader, with their own key, cannot sign this agency's dossier.
func TestIssueResultKeyChoice(t *testing.T) {
	ctx := context.Background()
	base := newEnv(t)
	e := newResultEnv(t, base, base.store)
	p := e.pki
	ks := e.results.Signer.(*workflow.KeySigner)
	ks.Leaders = map[string][]workflow.LeaderKey{
		leader.Subject: {
			{Name: "tep", Source: workflow.KeySourceFile, Key: pkiKey(t, p, pki.Personal)},
			{Name: "token", Source: workflow.KeySourceToken, Key: pkiKey(t, p, pki.ECDSA)},
		},
		outsider.Subject: {{Name: "khac", Source: workflow.KeySourceRemote, Key: pkiKey(t, p, pki.Personal)}},
	}
	e.rebuild()

	keys, err := e.wf.SignKeys(ctx, leader)
	wantCode(t, err, "")
	want := []workflow.KeyChoice{{Name: "tep", Source: workflow.KeySourceFile, SourceLabel: "Tệp chứng thư (PKCS#12) trên máy chủ"},
		{Name: "token", Source: workflow.KeySourceToken, SourceLabel: "Thiết bị ký số (PKCS#11)"}}
	if len(keys) != 2 || keys[0] != want[0] || keys[1] != want[1] {
		t.Fatalf("leader's keys %+v, want %+v", keys, want)
	}
	if keys, _ := e.wf.SignKeys(ctx, outsider); len(keys) != 1 || keys[0].Name != "khac" || keys[0].SourceLabel != "Dịch vụ ký số từ xa" {
		t.Fatalf("the other leader's keys %+v", keys)
	}
	_, err = e.wf.SignKeys(ctx, citizen)
	wantCode(t, err, "staff_only")

	v := e.approved(t)
	for _, c := range []struct {
		who  archive.Actor
		key  string
		code string
	}{
		{leader, "", "sign_key_required"},
		{leader, "khac", "sign_key_unknown"}, // another leader's key
		{leader, "khong-co", "sign_key_unknown"},
		{leader, "tep\x00", "invalid_characters"},
		{outsider, "khac", "other_agency"},
		{appraiser, "tep", "role_not_allowed"},
	} {
		_, err := e.wf.Act(ctx, c.who, v.Code, workflow.ActInput{Action: workflow.ActionSign, Key: c.key, Rev: v.Rev})
		wantCode(t, err, c.code)
		if got, _ := e.wf.Get(ctx, leader, v.Code); got.Rev != v.Rev || got.Result != nil {
			t.Fatalf("%s (key %q) changed the dossier: rev %d→%d, result %+v", c.code, c.key, v.Rev, got.Rev, got.Result)
		}
	}
	if n := len(e.papers(t, archive.IssueResult)); n != 0 {
		t.Fatalf("refused signs issued %d papers", n)
	}
	r, err := retryIssue(t, func() (workflow.View, error) {
		return e.wf.Act(ctx, leader, v.Code, workflow.ActInput{Action: workflow.ActionSign, Key: "token", Rev: v.Rev})
	})
	wantCode(t, err, "")
	if r.Status != workflow.StatusResolved || r.Result == nil || r.Result.DocumentID == "" {
		t.Fatalf("signed dossier %s %+v", r.Status, r.Result)
	}
	content, err := e.vault.Open(ctx, citizen, r.Result.DocumentID, 0, archive.Access{})
	wantCode(t, err, "")
	pdf, err := io.ReadAll(content)
	content.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signing.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)), signing.VerifyOptions{Roots: p.Roots(),
		Checker: &signing.Checker{Roots: p.Roots(), Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	chosen := p.Identity(pki.ECDSA).Cert
	if len(rep.Signatures) != 2 || rep.Signatures[0].Signer == nil || rep.Signatures[0].Verdict != signing.TotalPassed ||
		rep.Signatures[0].Signer.CommonName != chosen.Subject.CommonName || rep.Signatures[0].Signer.CertSerial != fmt.Sprintf("%X", chosen.SerialNumber) {
		t.Fatalf("signatures %d; first %+v, want the chosen key's %s (%s)", len(rep.Signatures), rep.Signatures[0].Signer,
			chosen.Subject.CommonName, fmt.Sprintf("%X", chosen.SerialNumber))
	}
	// A retry with the key names nothing new.
	again, err := e.wf.Act(ctx, leader, v.Code, workflow.ActInput{Action: workflow.ActionSign, Key: "token"})
	wantCode(t, err, "")
	if again.Rev != r.Rev || len(e.papers(t, archive.IssueResult)) != 1 {
		t.Fatalf("retry changed the dossier: rev %d→%d", r.Rev, again.Rev)
	}
}
