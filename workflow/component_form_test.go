package workflow_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// TestComponentForm: the applicant gets the declaration auto-filled from
// their identity card, each value naming the card it came from; another
// citizen gets nothing, a paper component is no form, and a submitted
// dossier's form is no longer offered.
func TestComponentForm(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cc := e.card(t, citizen, archive.Date{})
	v, err := e.wf.Create(ctx, citizen, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}})
	wantCode(t, err, "")
	f, err := e.wf.ComponentForm(ctx, citizen, v.Code, "TO_KHAI", true)
	wantCode(t, err, "")
	if f.Definition == nil || f.Definition.Code != "TK_KHAI_SINH" {
		t.Fatalf("definition %+v", f.Definition)
	}
	if got := f.Prefill.Data["hoTenNguoiYeuCau"]; got != "Nguyễn Văn An" {
		t.Errorf("hoTenNguoiYeuCau pre-filled %v", got)
	}
	want := forms.Provenance{Source: forms.SourceDocument, DocumentID: cc.ID, DocumentVersion: 1, DocumentType: "CAN_CUOC", DocumentField: "hoTen"}
	if got := f.Prefill.Provenance["hoTenNguoiYeuCau"]; got != want {
		t.Errorf("provenance %+v, want %+v", got, want)
	}
	if bare, err := e.wf.ComponentForm(ctx, citizen, v.Code, "TO_KHAI", false); err != nil || len(bare.Prefill.Data) != 0 {
		t.Errorf("without prefill: %v, data %v", err, bare.Prefill.Data)
	}
	_, err = e.wf.ComponentForm(ctx, stranger, v.Code, "TO_KHAI", true)
	if !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("another citizen: %v, want NotFound", err)
	}
	_, err = e.wf.ComponentForm(ctx, citizen, v.Code, "GIAY_TO_TUY_THAN", true)
	wantCode(t, err, "component_not_form")
	sub := e.filledBirth(t)
	if _, err := e.wf.Act(ctx, citizen, sub.Code, workflow.ActInput{Action: workflow.ActionSubmit, Rev: sub.Rev}); err != nil {
		t.Fatal(err)
	}
	_, err = e.wf.ComponentForm(ctx, citizen, sub.Code, "TO_KHAI", true)
	wantCode(t, err, "components_locked")
}
