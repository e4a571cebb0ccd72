package workflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// actorOf is who acts in role r in the table tests: the applicant, the
// ward's officers (the appraiser being the one the planted dossiers are
// assigned to), the admin.
func actorOf(r workflow.Role) archive.Actor {
	switch r {
	case workflow.RoleApplicant:
		return citizen
	case workflow.RoleDesk:
		return desk
	case workflow.RoleAppraiser:
		return appraiser
	case workflow.RoleHead:
		return head
	case workflow.RoleLeader:
		return leader
	}
	return admin
}

const consulted = "Phòng Tài nguyên và Môi trường"

// plant stores a birth registration of the citizen directly in state st,
// with everything any action from there needs: every required component,
// the ward's appraiser assigned, an open consultation, a payment asked,
// a due date, a trail.
func (e *env) plant(t testing.TB, st workflow.State, edit ...func(*workflow.Dossier)) workflow.Dossier {
	t.Helper()
	e.planted++
	now := e.clock.Now().UTC()
	at := now.Add(-time.Hour)
	filled := func(code, typ string) workflow.Filled {
		return workflow.Filled{Code: code, Source: workflow.SourceUpload, DocumentID: "01JD00000000000000000000" + fmt.Sprintf("%02d", len(code)),
			Version: 1, TypeCode: typ, By: citizen.Subject, At: at}
	}
	d := workflow.Dossier{
		Code:   fmt.Sprintf("%s-%s-%04d", ward, workflow.CodeDay(now), 5000+e.planted),
		Agency: ward, AgencyName: "Ủy ban nhân dân phường Bến Nghé", HandlingAgency: ward, HandlingAgencyName: "Ủy ban nhân dân phường Bến Nghé",
		Procedure: "DANG_KY_KHAI_SINH", ProcedureName: "Đăng ký khai sinh", Field: "Hộ tịch", ProcessVersion: 1,
		Resolution: workflow.ResolutionTime{WorkingDays: 1}, Channel: workflow.ChannelPortal,
		Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}, CreatedBy: citizen.Subject,
		Components: []workflow.Filled{filled("TO_KHAI", ""), filled("GIAY_CHUNG_SINH", "GIAY_CHUNG_SINH"), filled("GIAY_TO_TUY_THAN", "CAN_CUOC")},
		Status:     st.Status, Stage: st.Stage, Step: "tham_dinh",
		Handler:       &workflow.Handler{Subject: appraiser.Subject, Name: "Phạm Văn Định", Department: "VP"},
		Consultations: []workflow.Consultation{{Unit: consulted, Deadline: now.Add(48 * time.Hour), By: appraiser.Subject, At: at}},
		Payment:       &workflow.Payment{Amount: 50000, Reason: "Lệ phí"},
		CreatedAt:     at.Add(-time.Hour), SubmittedAt: at, ReceivedAt: at, DueAt: now.Add(24 * time.Hour), UpdatedAt: at,
		Trail: []workflow.TrailEntry{{Seq: 1, At: at, Actor: citizen.Subject, Role: workflow.RoleApplicant, Action: workflow.ActionSubmit,
			From: workflow.State{Status: workflow.StatusRegistered}, To: st}},
		Rev: 3,
	}
	for _, f := range edit {
		f(&d)
	}
	if err := e.store.CreateDossier(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// fullInput gives every field any row of action a requires.
func (e *env) fullInput(a workflow.Action) workflow.ActInput {
	return workflow.ActInput{Action: a, Reason: "Lý do của thao tác", Items: []string{"Bản sao giấy chứng sinh"}, Assignee: appraise2.Subject,
		Unit: consulted, Deadline: e.clock.Now().Add(72 * time.Hour), Opinion: "Đồng ý", Amount: 100000, Receipt: "BL-0001",
		Receiver: &workflow.Receiver{Name: "Nguyễn Văn An", ID: citizen.Subject}}
}

// stored is the dossier as the store holds it, encoded: what "unchanged"
// compares.
func (e *env) stored(t testing.TB, code string) string {
	t.Helper()
	d, err := e.store.GetDossier(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	b, err := workflow.EncodeDossier(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// refused checks that an action was refused with code (and kind) and
// left the stored dossier byte-identical.
func (e *env) refused(t testing.TB, err error, kind kerr.Kind, code, before, dossier, what string) {
	t.Helper()
	ke := kerr.Outer(err)
	if ke == nil || ke.Code != code || ke.Kind != kind || ke.Message == "" {
		t.Fatalf("%s: %v, want %v %s with a message", what, err, kind, code)
	}
	if after := e.stored(t, dossier); after != before {
		t.Fatalf("%s: refused, but the dossier changed:\nbefore %s\nafter  %s", what, before, after)
	}
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMachineTable walks the transition table row by row: from every
// state of the row, every role either takes the action — the dossier
// moves to the row's target, one trail entry is added, the revision goes
// up by one — or is refused with Permission "role_not_allowed" and the
// dossier stays byte-identical. The actions a dossier offers (View.Actions)
// are the table's for the caller's role. An officer of another agency is
// refused "other_agency", an appraiser the dossier is not assigned to
// "not_assignee".
func TestMachineTable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	for _, row := range workflow.Transitions {
		for _, from := range row.From {
			for _, r := range workflow.Roles {
				name := fmt.Sprintf("%s from %s by %s", row.Action, from, r)
				d := e.plant(t, from)
				before := e.stored(t, d.Code)
				a := actorOf(r)
				// The actions offered are the table's.
				if r != workflow.RoleAdmin {
					v, err := e.wf.Get(ctx, a, d.Code)
					wantCode(t, err, "")
					if want := workflow.Available(from, r); !slices.Equal(v.Actions, want) {
						t.Fatalf("%s: actions offered %v, want %v", name, v.Actions, want)
					}
				}
				v, err := e.wf.Act(ctx, a, d.Code, e.fullInput(row.Action))
				if !row.Allows(r) {
					e.refused(t, err, kerr.Permission, "role_not_allowed", before, d.Code, name)
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := row.Target(from)
				got, err := e.store.GetDossier(ctx, d.Code)
				if err != nil {
					t.Fatal(err)
				}
				last := got.Trail[len(got.Trail)-1]
				if got.State() != want || v.State() != want || got.Rev != d.Rev+1 || len(got.Trail) != 2 ||
					last.Action != row.Action || last.Actor != a.Subject || last.Role != r || last.From != from || last.To != want || last.Seq != 2 {
					t.Fatalf("%s: state %s rev %d, trail %+v; want %s rev %d", name, got.State(), got.Rev, got.Trail, want, d.Rev+1)
				}
				if g, w := jsonOf(t, got.Trail[0]), jsonOf(t, d.Trail[0]); g != w {
					t.Fatalf("%s: the earlier trail changed: %s, was %s", name, g, w)
				}
			}
			// Staff of another agency holding every position, and an
			// appraiser the dossier is not assigned to.
			staffRow := slices.ContainsFunc(row.Roles, workflow.Role.IsPosition)
			if staffRow {
				d := e.plant(t, from)
				before := e.stored(t, d.Code)
				_, err := e.wf.Act(ctx, outsider, d.Code, e.fullInput(row.Action))
				e.refused(t, err, kerr.Permission, "other_agency", before, d.Code, fmt.Sprintf("%s from %s by another agency", row.Action, from))
			}
			if row.Allows(workflow.RoleAppraiser) {
				d := e.plant(t, from)
				before := e.stored(t, d.Code)
				_, err := e.wf.Act(ctx, appraise2, d.Code, e.fullInput(row.Action))
				e.refused(t, err, kerr.Permission, "not_assignee", before, d.Code, fmt.Sprintf("%s from %s by another appraiser", row.Action, from))
			}
		}
	}
}

// allStates is every state a dossier can be in: each status, and
// "processing" at each stage.
func allStates() []workflow.State {
	var out []workflow.State
	for _, s := range workflow.Statuses {
		if s == workflow.StatusProcessing {
			for _, g := range workflow.Stages {
				out = append(out, workflow.State{Status: s, Stage: g})
			}
			continue
		}
		out = append(out, workflow.State{Status: s})
	}
	return out
}

// TestMachineIllegal tries every action from every state no row leads
// from, by a role that takes the action somewhere: Conflict
// "illegal_transition", the dossier unchanged.
func TestMachineIllegal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	n := 0
	for _, st := range allStates() {
		d := e.plant(t, st)
		before := e.stored(t, d.Code)
		for _, act := range workflow.Actions() {
			if _, ok := workflow.Lookup(act, st); ok {
				continue
			}
			for _, row := range workflow.Transitions {
				if row.Action != act {
					continue
				}
				_, err := e.wf.Act(ctx, actorOf(row.Roles[0]), d.Code, e.fullInput(act))
				e.refused(t, err, kerr.Conflict, "illegal_transition", before, d.Code, fmt.Sprintf("%s from %s", act, st))
				n++
				break
			}
		}
	}
	if n < 400 {
		t.Fatalf("only %d illegal pairs tried", n)
	}
	// Final statuses offer nothing.
	for _, s := range []workflow.Status{workflow.StatusReturned, workflow.StatusIntakeRefused, workflow.StatusStopped,
		workflow.StatusResultReturned, workflow.StatusApplicantStopped} {
		if !s.Final() {
			t.Errorf("%s is not final", s)
		}
	}
}

// TestMachineRequiredFields drops each required field of each row in
// turn: Invalid "<field>_required", the dossier unchanged. A field of
// blanks counts as missing.
func TestMachineRequiredFields(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	n := 0
	for _, row := range workflow.Transitions {
		for _, f := range row.Required {
			d := e.plant(t, row.From[0])
			before := e.stored(t, d.Code)
			in := e.fullInput(row.Action)
			switch f {
			case workflow.FieldReason:
				in.Reason = " \n\t "
			case workflow.FieldItems:
				in.Items = []string{"", "  "}
			case workflow.FieldAssignee:
				in.Assignee = ""
			case workflow.FieldUnit:
				in.Unit = " "
			case workflow.FieldDeadline:
				in.Deadline = time.Time{}
			case workflow.FieldOpinion:
				in.Opinion = ""
			case workflow.FieldAmount:
				in.Amount = 0
			case workflow.FieldReceipt:
				in.Receipt = ""
			case workflow.FieldReceiver:
				in.Receiver = &workflow.Receiver{Name: "   "}
			default:
				t.Fatalf("field %s not covered by the test", f)
			}
			_, err := e.wf.Act(ctx, actorOf(row.Roles[0]), d.Code, in)
			e.refused(t, err, kerr.Invalid, string(f)+"_required", before, d.Code, fmt.Sprintf("%s without %s", row.Action, f))
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d required fields tried", n)
	}
}

// TestMachineTableUnambiguous: at most one row matches an action and a
// state, every row's states and roles are known, and every status is
// reached by some row or is the first.
func TestMachineTableUnambiguous(t *testing.T) {
	reached := map[workflow.Status]bool{workflow.StatusRegistered: true}
	for i, row := range workflow.Transitions {
		if !row.Action.Valid() || len(row.From) == 0 || len(row.Roles) == 0 {
			t.Fatalf("row %d %+v", i, row)
		}
		for _, r := range row.Roles {
			if !r.Valid() || r == workflow.RoleAdmin {
				t.Fatalf("row %d: role %q", i, r)
			}
		}
		if row.To.Status != "" {
			reached[row.To.Status] = true
		}
		for _, from := range row.From {
			if !slices.Contains(allStates(), from) {
				t.Fatalf("row %d: state %s is not a state", i, from)
			}
			for j, other := range workflow.Transitions[i+1:] {
				if other.Action == row.Action && slices.Contains(other.From, from) {
					t.Fatalf("rows %d and %d both lead %s from %s", i, i+1+j, row.Action, from)
				}
			}
		}
	}
	for _, s := range workflow.Statuses {
		if !reached[s] {
			t.Errorf("no row leads to %s", s)
		}
	}
}
