package workflow_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// TestConcurrentActs: officers of two processes act on one dossier at
// once, all from the revision they read (If-Match). Exactly one action
// wins; every other gets Conflict "dossier_changed"; the stored trail has
// the winner's entry and no other. Without If-Match several may win one
// after the other (an action that still leads from the new status), and
// a loser gets a Conflict (the dossier changed under it, or its action no
// longer leads from the new status): the trail holds every winner's entry
// once, in a chain, never a silent overwrite.
func TestConcurrentActs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	procs := []*workflow.Service{e.wf, e.process(t)}
	type try struct {
		who archive.Actor
		in  workflow.ActInput
	}
	tries := []try{
		{desk, workflow.ActInput{Action: workflow.ActionReceive, Note: "tiếp nhận 1"}},
		{desk2, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu bản sao", Items: []string{"Giấy chứng sinh"}}},
		{desk2, workflow.ActInput{Action: workflow.ActionReceive, Note: "tiếp nhận 2"}},
		{desk, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: "Không thuộc thẩm quyền"}},
		{desk, workflow.ActInput{Action: workflow.ActionReceive, Note: "tiếp nhận 3"}},
		{desk2, workflow.ActInput{Action: workflow.ActionReceive, Note: "tiếp nhận 4"}},
	}
	winners := map[workflow.Action]int{}
	for round := range 12 {
		ifMatch := round%3 != 2
		d := e.plant(t, workflow.State{Status: workflow.StatusAwaitingIntake})
		errs := make([]error, len(tries))
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i, tr := range tries {
			in := tr.in
			if ifMatch {
				in.Rev = d.Rev
			}
			wg.Go(func() {
				<-gate
				_, errs[i] = procs[i%2].Act(ctx, tr.who, d.Code, in)
			})
		}
		close(gate)
		wg.Wait()
		var won []int
		for i, err := range errs {
			switch ke := kerr.Outer(err); {
			case err == nil:
				won = append(won, i)
			case ke == nil || ke.Kind != kerr.Conflict:
				t.Fatalf("round %d: action %d: %v, want a Conflict", round, i, err)
			case ifMatch && ke.Code != "dossier_changed":
				t.Fatalf("round %d: action %d: %v, want dossier_changed", round, i, err)
			case !ifMatch && ke.Code != "dossier_changed" && ke.Code != "illegal_transition":
				t.Fatalf("round %d: action %d: %v", round, i, err)
			}
		}
		if len(won) == 0 || (ifMatch && len(won) != 1) {
			t.Fatalf("round %d (If-Match %v): actions %v won", round, ifMatch, won)
		}
		got, err := e.store.GetDossier(ctx, d.Code)
		if err != nil {
			t.Fatal(err)
		}
		// The trail holds each winner's entry once, chained state to
		// state, and nothing else.
		if got.Rev != d.Rev+int64(len(won)) || len(got.Trail) != 1+len(won) {
			t.Fatalf("round %d: winners %v, stored rev %d trail %+v", round, won, got.Rev, got.Trail)
		}
		for j, entry := range got.Trail[1:] {
			if entry.From != got.Trail[j].To || entry.Seq != j+2 {
				t.Fatalf("round %d: trail broken at %d: %+v", round, j+1, got.Trail)
			}
			i := slices.IndexFunc(won, func(i int) bool {
				w := tries[i]
				return entry.Actor == w.who.Subject && entry.Action == w.in.Action && (w.in.Note == "" || strings.HasSuffix(entry.Note, "Ghi chú: "+w.in.Note))
			})
			if i < 0 {
				t.Fatalf("round %d: trail entry %+v is no winner's (%v)", round, entry, won)
			}
			winners[tries[won[i]].in.Action]++
			won = slices.Delete(won, i, i+1)
		}
	}
	t.Logf("winning actions over the rounds: %v", winners)
}

// TestActTime: a desk officer entering a paper dossier after the fact
// may date its submission and reception, but not in the future and not
// before the trail's last entry; no one else dates an action. A refused
// time leaves the dossier unchanged.
func TestActTime(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	paper := e.plant(t, workflow.State{Status: workflow.StatusRegistered}, func(d *workflow.Dossier) { d.Channel = workflow.ChannelPostal })
	last := paper.Trail[0].At
	before := e.stored(t, paper.Code)
	at := func(t time.Time) workflow.ActInput {
		return workflow.ActInput{Action: workflow.ActionSubmit, At: &t}
	}
	_, err := e.wf.Act(ctx, desk, paper.Code, at(e.clock.Now().Add(time.Minute)))
	e.refused(t, err, kerr.Invalid, "action_in_future", before, paper.Code, "submission dated in the future")
	_, err = e.wf.Act(ctx, desk, paper.Code, at(last.Add(-time.Millisecond)))
	e.refused(t, err, kerr.Invalid, "action_backdated", before, paper.Code, "submission dated before the last entry")
	posted := last.Add(10 * time.Minute)
	v, err := e.wf.Act(ctx, desk, paper.Code, at(posted))
	wantCode(t, err, "")
	if !v.Trail[1].At.Equal(posted) || !v.SubmittedAt.Equal(posted) || !v.UpdatedAt.Equal(e.clock.Now()) {
		t.Fatalf("dated submission: trail %v submitted %v updated %v", v.Trail[1].At, v.SubmittedAt, v.UpdatedAt)
	}
	before = e.stored(t, paper.Code)
	early := posted.Add(-time.Second)
	_, err = e.wf.Act(ctx, desk, paper.Code, workflow.ActInput{Action: workflow.ActionReceive, At: &early})
	e.refused(t, err, kerr.Invalid, "action_backdated", before, paper.Code, "reception dated before the submission")
	received := posted.Add(5 * time.Minute)
	v, err = e.wf.Act(ctx, desk, paper.Code, workflow.ActInput{Action: workflow.ActionReceive, At: &received})
	wantCode(t, err, "")
	if !v.ReceivedAt.Equal(received) || !v.DueAt.Equal(workflow.PlainDeadlines{}.AddWorking(received, workflow.WorkingDay)) {
		t.Fatalf("dated reception: received %v due %v", v.ReceivedAt, v.DueAt)
	}
	// Nobody else dates an action: the applicant, the desk on an online
	// dossier, an officer past intake.
	now := e.clock.Now()
	online := e.plant(t, workflow.State{Status: workflow.StatusRegistered})
	before = e.stored(t, online.Code)
	_, err = e.wf.Act(ctx, citizen, online.Code, workflow.ActInput{Action: workflow.ActionSubmit, At: &now})
	e.refused(t, err, kerr.Invalid, "client_time_refused", before, online.Code, "the applicant dates the submission")
	waiting := e.plant(t, workflow.State{Status: workflow.StatusAwaitingIntake})
	before = e.stored(t, waiting.Code)
	_, err = e.wf.Act(ctx, desk, waiting.Code, workflow.ActInput{Action: workflow.ActionReceive, At: &now})
	e.refused(t, err, kerr.Invalid, "client_time_refused", before, waiting.Code, "the desk dates an online dossier's reception")
	appraising := e.plant(t, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising},
		func(d *workflow.Dossier) { d.Channel = workflow.ChannelDesk })
	before = e.stored(t, appraising.Code)
	_, err = e.wf.Act(ctx, appraiser, appraising.Code, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đạt", At: &now})
	e.refused(t, err, kerr.Invalid, "client_time_refused", before, appraising.Code, "the appraiser dates an appraisal")
	// The server's clock behind the trail (another process's was ahead):
	// the entry takes the last one's time, the trail never goes back.
	ahead := e.plant(t, workflow.State{Status: workflow.StatusAwaitingIntake}, func(d *workflow.Dossier) {
		d.Trail[0].At = now.Add(3 * time.Second).UTC()
	})
	v, err = e.wf.Act(ctx, desk, ahead.Code, workflow.ActInput{Action: workflow.ActionReceive})
	wantCode(t, err, "")
	if !v.Trail[1].At.Equal(ahead.Trail[0].At) {
		t.Fatalf("entry at %v before the last one's %v", v.Trail[1].At, ahead.Trail[0].At)
	}
}

// TestActBadInput: the other refusals of item 11 and of the text rules;
// each leaves the dossier unchanged.
func TestActBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	d := e.plant(t, workflow.State{Status: workflow.StatusAwaitingIntake})
	before := e.stored(t, d.Code)
	for _, c := range []struct {
		name string
		who  archive.Actor
		in   workflow.ActInput
		kind kerr.Kind
		code string
	}{
		{"unknown action", desk, workflow.ActInput{Action: "approve_everything"}, kerr.Invalid, "unknown_action"},
		{"stale revision", desk, workflow.ActInput{Action: workflow.ActionReceive, Rev: d.Rev - 1}, kerr.Conflict, "dossier_changed"},
		{"control character in a reason", desk, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: "Sai\x1b[31m"}, kerr.Invalid, "invalid_characters"},
		{"bidi override in items", desk, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu", Items: []string{"Bản\u202esao"}}, kerr.Invalid, "invalid_characters"},
		{"NUL characters in a reason", desk, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: string(make([]rune, 2001))}, kerr.Invalid, "invalid_characters"},
		{"too many items", desk, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu", Items: slices.Repeat([]string{"x"}, 51)}, kerr.Invalid, "too_many_items"},
		{"another citizen", stranger, workflow.ActInput{Action: workflow.ActionRequestWithdrawal}, kerr.NotFound, "dossier_not_found"},
		{"staff outside the directory", archive.Actor{Subject: "vanglai", Role: archive.RoleStaff}, workflow.ActInput{Action: workflow.ActionReceive}, kerr.Permission, "not_in_staff_directory"},
		{"the applicant receives", citizen, workflow.ActInput{Action: workflow.ActionReceive}, kerr.Permission, "role_not_allowed"},
	} {
		_, err := e.wf.Act(ctx, c.who, d.Code, c.in)
		e.refused(t, err, c.kind, c.code, before, d.Code, c.name)
	}
	// A long reason of printable text is refused for its length.
	long := ""
	for range 2001 {
		long += "á"
	}
	_, err := e.wf.Act(ctx, desk, d.Code, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: long})
	e.refused(t, err, kerr.Invalid, "text_too_long", before, d.Code, "a reason of 2001 characters")
	// A dossier code of the wrong shape, or one that does not exist.
	for _, code := range []string{"../../etc", ward + "-261207-9999", ""} {
		_, err := e.wf.Act(ctx, desk, code, workflow.ActInput{Action: workflow.ActionReceive})
		wantCode(t, err, "dossier_not_found")
	}
	// An assignment names an appraiser of the agency, active.
	toAssign := e.plant(t, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign})
	before = e.stored(t, toAssign.Code)
	for _, who := range []string{outsider.Subject, desk.Subject, "khongco"} {
		_, err := e.wf.Act(ctx, head, toAssign.Code, workflow.ActInput{Action: workflow.ActionAssign, Assignee: who})
		e.refused(t, err, kerr.Invalid, "invalid_assignee", before, toAssign.Code, "assign to "+who)
	}
	// An extension must go past the current due date; a consultation's
	// deadline must be ahead.
	processing := e.plant(t, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising})
	before = e.stored(t, processing.Code)
	_, err = e.wf.Act(ctx, head, processing.Code, workflow.ActInput{Action: workflow.ActionExtend, Reason: "Cần xác minh", Deadline: processing.DueAt})
	e.refused(t, err, kerr.Invalid, "invalid_extension", before, processing.Code, "extension to the same due date")
	_, err = e.wf.Act(ctx, appraiser, processing.Code, workflow.ActInput{Action: workflow.ActionConsult, Unit: consulted, Deadline: e.clock.Now().Add(-time.Minute)})
	e.refused(t, err, kerr.Invalid, "deadline_in_past", before, processing.Code, "consultation due in the past")
	// Components missing at submission.
	empty := e.plant(t, workflow.State{Status: workflow.StatusRegistered}, func(d *workflow.Dossier) { d.Components = d.Components[:1] })
	before = e.stored(t, empty.Code)
	_, err = e.wf.Act(ctx, citizen, empty.Code, workflow.ActInput{Action: workflow.ActionSubmit})
	e.refused(t, err, kerr.Invalid, "components_missing", before, empty.Code, "submission without the required components")
}

// TestComponentBadInput: a component may not be filled with a paper of
// someone else's vault, of another type, or that is revoked or expired;
// the dossier stays unchanged and nothing is recorded against the paper.
func TestComponentBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v, err := e.wf.Create(ctx, citizen, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}})
	wantCode(t, err, "")
	code := v.Code
	before := e.stored(t, code)
	reuse := func(who archive.Actor, doc string) error {
		_, err := e.wf.SetComponent(ctx, who, code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: doc}})
		return err
	}
	theirs := e.card(t, stranger, archive.Date{})
	e.refused(t, reuse(desk, theirs.ID), kerr.Invalid, "document_of_another_owner", before, code, "the desk reuses another citizen's card")
	e.refused(t, reuse(citizen, theirs.ID), kerr.NotFound, "document_not_found", before, code, "the citizen names another citizen's card")
	if rs, err := e.vault.Reuses(ctx, stranger, theirs.ID, archive.Access{}); err != nil || len(rs) != 0 {
		t.Fatalf("reuses recorded on the other citizen's card: %v %v", rs, err)
	}
	expired := e.card(t, citizen, archive.Date{Year: 2025, Month: 1, Day: 1})
	e.refused(t, reuse(citizen, expired.ID), kerr.Conflict, "document_not_reusable", before, code, "an expired card")
	revoked := e.card(t, citizen, archive.Date{})
	st := archive.StatusRevoked
	if _, err := e.vault.UpdateMetadata(ctx, archive.Actor{Subject: "canbo.cap", Role: archive.RoleStaff}, revoked.ID, 0, archive.MetadataPatch{Status: &st}); err != nil {
		t.Fatal(err)
	}
	e.refused(t, reuse(citizen, revoked.ID), kerr.Conflict, "document_not_reusable", before, code, "a revoked card")
	birth, err := e.vault.Put(ctx, citizen, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh",
		Fields: map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}}, Upload: upload("ks.pdf", pdf("ks"))})
	wantCode(t, err, "")
	e.refused(t, reuse(citizen, birth.ID), kerr.Invalid, "document_type_mismatch", before, code, "a birth certificate for the identity paper")
	// A form component is not reused, a reused one is not a form; an
	// unknown component is not found.
	_, err = e.wf.SetComponent(ctx, citizen, code, "TO_KHAI", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: revoked.ID}})
	e.refused(t, err, kerr.Invalid, "component_not_reusable", before, code, "reuse into the declaration")
	_, err = e.wf.SetComponent(ctx, citizen, code, "KHONG_CO", workflow.ComponentInput{Form: []byte(`{}`)})
	e.refused(t, err, kerr.NotFound, "component_not_found", before, code, "an unknown component")
	_, err = e.wf.SetComponent(ctx, citizen, code, "TO_KHAI", workflow.ComponentInput{Form: []byte(`{"hoTen": 12}`)})
	e.refused(t, err, kerr.Invalid, "form_data_invalid", before, code, "a declaration of wrong data")
	// Another citizen cannot see or fill the dossier.
	_, err = e.wf.SetComponent(ctx, stranger, code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: theirs.ID}})
	e.refused(t, err, kerr.NotFound, "dossier_not_found", before, code, "another citizen fills the dossier")
	// A valid card is taken, with its version and verification frozen.
	good := e.card(t, citizen, archive.Date{Year: 2040, Month: 1, Day: 1})
	v, err = e.wf.SetComponent(ctx, citizen, code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: good.ID}})
	wantCode(t, err, "")
	if f := v.Components[0]; f.DocumentID != good.ID || f.Version != 1 || f.ReuseID == "" || v.Rev != 2 {
		t.Fatalf("reused %+v rev %d", f, v.Rev)
	}
}

// TestPrivacy: a citizen sees only the dossiers they applied for (or as
// representative); another's is not found, as one that does not exist,
// and is not listed. Staff see their agency's dossiers only.
func TestPrivacy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mine := e.filledBirth(t)
	_, err := e.wf.Get(ctx, stranger, mine.Code)
	wantCode(t, err, "dossier_not_found")
	p, err := e.wf.List(ctx, stranger, workflow.ListQuery{})
	wantCode(t, err, "")
	if len(p.Dossiers) != 0 {
		t.Fatalf("another citizen lists %d dossiers", len(p.Dossiers))
	}
	p, err = e.wf.List(ctx, citizen, workflow.ListQuery{})
	wantCode(t, err, "")
	if len(p.Dossiers) != 1 || p.Dossiers[0].Code != mine.Code {
		t.Fatalf("own list %+v", p)
	}
	_, err = e.wf.List(ctx, citizen, workflow.ListQuery{Agency: ward})
	wantCode(t, err, "invalid_filter")
	_, err = e.wf.Get(ctx, outsider, mine.Code)
	wantCode(t, err, "other_agency")
	_, err = e.wf.List(ctx, outsider, workflow.ListQuery{Agency: ward})
	wantCode(t, err, "other_agency")
	p, err = e.wf.List(ctx, outsider, workflow.ListQuery{})
	wantCode(t, err, "")
	if len(p.Dossiers) != 0 {
		t.Fatalf("another agency's officer lists %d dossiers", len(p.Dossiers))
	}
	p, err = e.wf.List(ctx, desk, workflow.ListQuery{})
	wantCode(t, err, "")
	if len(p.Dossiers) != 1 {
		t.Fatalf("the ward's desk lists %d dossiers", len(p.Dossiers))
	}
}
