package workflow_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestRefusedFiles: a refusal at intake stores the dossier's uploaded
// file into the applicant's vault as a refused dossier's paper issued by
// the receiving agency, with the same bytes; calling again stores nothing
// new; a stop during resolution does the same; only staff of the agency
// may call it.
func TestRefusedFiles(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.wf = workflow.New(workflow.Config{Store: e.store, Vault: e.vault, Forms: e.forms, Now: e.clock.Now,
		Results: &workflow.Results{Vault: e.vault}})
	v := e.filledBirth(t)
	_, err := e.wf.Act(ctx, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSubmit})
	wantCode(t, err, "")
	if n := len(e.papers(t, archive.IssueRefusal)); n != 0 {
		t.Fatalf("%d refused papers before the refusal", n)
	}
	_, err = e.wf.StoreRefusedFiles(ctx, desk, v.Code)
	wantCode(t, err, "dossier_not_refused")
	r, err := e.wf.Act(ctx, desk, v.Code, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: "Hồ sơ không thuộc thẩm quyền"})
	wantCode(t, err, "")
	if r.Status != workflow.StatusIntakeRefused {
		t.Fatalf("status %s", r.Status)
	}
	got := e.papers(t, archive.IssueRefusal)
	if len(got) != 1 {
		t.Fatalf("%d refused papers, want 1 (the uploaded birth notice)", len(got))
	}
	d := got[0]
	if d.Source != archive.SourceRejected || d.TypeCode != "GIAY_CHUNG_SINH" || d.IssuedBy.Dossier != v.Code || d.IssuedBy.Agency != ward {
		t.Fatalf("refused paper %+v issuedBy %+v", d, d.IssuedBy)
	}
	c, err := e.vault.Open(ctx, citizen, d.ID, 0, archive.Access{})
	wantCode(t, err, "")
	b, _ := io.ReadAll(c)
	c.Close()
	if !bytes.Equal(b, pdf("chung sinh")) {
		t.Fatal("the refused paper's bytes are not the uploaded file's")
	}
	again, err := e.wf.StoreRefusedFiles(ctx, desk, v.Code)
	wantCode(t, err, "")
	if len(again) != 1 || again[0].ID != d.ID || len(e.papers(t, archive.IssueRefusal)) != 1 {
		t.Fatalf("a second call stored %d papers", len(e.papers(t, archive.IssueRefusal)))
	}
	_, err = e.wf.StoreRefusedFiles(ctx, citizen, v.Code)
	wantCode(t, err, "staff_only")
	_, err = e.wf.StoreRefusedFiles(ctx, outsider, v.Code)
	wantCode(t, err, "other_agency")

	// A stop during resolution.
	s := e.approved(t)
	_, err = e.wf.Act(ctx, head, s.Code, workflow.ActInput{Action: workflow.ActionStop, Reason: "Người nộp không đủ điều kiện"})
	wantCode(t, err, "")
	if n := len(e.papers(t, archive.IssueRefusal)); n != 2 {
		t.Fatalf("%d refused papers after the stop, want 2", n)
	}
}
