package workflow_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestLifecycle takes a birth registration from online submission with a
// reused paper through intake, assignment, a supplement round, appraisal,
// approval and signature to the return of the result, and reads the
// trail: one entry per action, who, from, to, in order.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v := e.filledBirth(t)
	if v.Status != workflow.StatusRegistered || v.ProcessVersion != 1 || v.Step != "tiep_nhan" {
		t.Fatalf("new dossier %+v", v.Dossier)
	}
	if day := workflow.CodeDay(start); v.Code != ward+"-"+day+"-0001" {
		t.Fatalf("code %s", v.Code)
	}
	reused := v.Components[slices.IndexFunc(v.Components, func(f workflow.Filled) bool { return f.Code == "GIAY_TO_TUY_THAN" })]
	if reused.Source != workflow.SourceReuse || reused.Version != 1 || reused.ReuseID == "" || reused.TypeCode != "CAN_CUOC" {
		t.Fatalf("reused component %+v", reused)
	}
	steps := []struct {
		who  archive.Actor
		in   workflow.ActInput
		want workflow.State
	}{
		{citizen, workflow.ActInput{Action: workflow.ActionSubmit}, workflow.State{Status: workflow.StatusAwaitingIntake}},
		{desk, workflow.ActInput{Action: workflow.ActionReceive}, workflow.State{Status: workflow.StatusReceived}},
		{desk, workflow.ActInput{Action: workflow.ActionTransfer}, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign}},
		{head, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject}, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}},
		{appraiser, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh mờ", Items: []string{"Giấy chứng sinh bản rõ"}},
			workflow.State{Status: workflow.StatusSupplementRequested}},
		{citizen, workflow.ActInput{Action: workflow.ActionSupplement}, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}},
		{appraiser, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện đăng ký khai sinh"}, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraised}},
		{appraiser, workflow.ActInput{Action: workflow.ActionSubmitForApproval}, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToApprove}},
		{leader, workflow.ActInput{Action: workflow.ActionApprove}, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageApproved}},
		{leader, workflow.ActInput{Action: workflow.ActionSign}, workflow.State{Status: workflow.StatusResolved}},
		{desk, workflow.ActInput{Action: workflow.ActionReturnResult}, workflow.State{Status: workflow.StatusAwaitingReturn}},
		{desk, workflow.ActInput{Action: workflow.ActionReceiveResult, Receiver: &workflow.Receiver{Name: "Nguyễn Văn An", ID: citizen.Subject}},
			workflow.State{Status: workflow.StatusResultReturned}},
	}
	for i, s := range steps {
		e.clock.Add(time.Hour)
		before := v.State()
		var err error
		v, err = e.wf.Act(ctx, s.who, v.Code, s.in)
		if err != nil {
			t.Fatalf("step %d %s by %s: %v", i, s.in.Action, s.who.Subject, err)
		}
		if v.State() != s.want {
			t.Fatalf("step %d %s: state %s, want %s", i, s.in.Action, v.State(), s.want)
		}
		last := v.Trail[len(v.Trail)-1]
		if len(v.Trail) != i+1 || last.Seq != i+1 || last.Action != s.in.Action || last.Actor != s.who.Subject ||
			last.From != before || last.To != s.want || !last.At.Equal(e.clock.Now()) {
			t.Fatalf("step %d: trail entry %+v", i, last)
		}
	}
	got, err := e.wf.Get(ctx, citizen, v.Code)
	wantCode(t, err, "")
	if got.Rev != v.Rev || len(got.Trail) != len(steps) || got.Status != workflow.StatusResultReturned {
		t.Fatalf("stored dossier rev %d trail %d status %s", got.Rev, len(got.Trail), got.Status)
	}
	if got.ReceivedAt.IsZero() || got.DueAt.IsZero() || got.ResolvedAt.IsZero() || got.ReturnedAt.IsZero() || got.Handler == nil ||
		got.Handler.Subject != appraiser.Subject || len(got.Approvals) != 1 || got.Receiver == nil {
		t.Fatalf("dossier's record of the path: %+v", got.Dossier)
	}
	if len(got.Actions) != 0 {
		t.Fatalf("a returned dossier offers %v", got.Actions)
	}
}
