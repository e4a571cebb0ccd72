package workflow_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestReuseKeepsProcedure: a paper reused into a dossier is recorded with
// the dossier's procedure, for the vault statistics (reuses per
// procedure, 2025 item 28.3).
func TestReuseKeepsProcedure(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v, err := e.wf.Create(ctx, citizen, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}})
	wantCode(t, err, "")
	card := e.card(t, citizen, archive.Date{})
	_, err = e.wf.SetComponent(ctx, citizen, v.Code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: card.ID}})
	wantCode(t, err, "")
	rs, err := e.vault.Reuses(ctx, citizen, card.ID, archive.Access{})
	if err != nil || len(rs) != 1 || rs[0].Procedure != "DANG_KY_KHAI_SINH" || rs[0].Dossier != v.Code {
		t.Fatalf("reuse records %+v, %v; want one of procedure DANG_KY_KHAI_SINH", rs, err)
	}
}
