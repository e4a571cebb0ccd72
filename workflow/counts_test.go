package workflow_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// plantDesk stores the dossiers of TestCounts: the ward's at every stage
// of their life, one received at the ward but handled by the other
// agency, and one of the other agency. Times are relative to the clock.
func (e *env) plantDesk(t *testing.T) {
	now := e.clock.Now().UTC()
	type spec struct {
		st      workflow.State
		n       int
		due     time.Duration // 0: none
		handler string        // "": none
		edit    func(*workflow.Dossier)
	}
	P := func(g workflow.Stage) workflow.State {
		return workflow.State{Status: workflow.StatusProcessing, Stage: g}
	}
	S := func(s workflow.Status) workflow.State { return workflow.State{Status: s} }
	h := time.Hour
	for _, sp := range []spec{
		{S(workflow.StatusAwaitingIntake), 2, 0, "", nil},
		{S(workflow.StatusAwaitingSupplement), 1, 0, "", nil},
		{S(workflow.StatusIntakeSupplementRequested), 1, 0, "", nil},
		{S(workflow.StatusSupplementRequested), 1, 30 * h, appraiser.Subject, nil},
		{S(workflow.StatusSupplemented), 1, 0, "", nil},
		{S(workflow.StatusResolved), 1, 0, appraiser.Subject, nil},
		{S(workflow.StatusAwaitingReturn), 1, 0, appraiser.Subject, nil},
		{S(workflow.StatusReceived), 1, 48 * h, "", nil},
		{P(workflow.StageToAssign), 1, -h, "", nil},
		{P(workflow.StageToAssign), 1, 10 * h, "", nil},
		{P(workflow.StageAppraising), 1, -2 * h, appraiser.Subject, nil},
		{P(workflow.StageAppraising), 1, 72 * h, appraiser.Subject, nil},
		{P(workflow.StageConsulting), 1, 5 * h, appraise2.Subject, nil},
		{P(workflow.StageToApprove), 1, 30 * h, appraiser.Subject, nil},
		{P(workflow.StageApproved), 1, 100 * h, appraiser.Subject, nil},
		{S(workflow.StatusPaymentRequired), 1, -5 * h, appraiser.Subject, nil},
		{S(workflow.StatusIntakeRefused), 1, 0, "", nil},
		{S(workflow.StatusStopped), 1, 0, appraiser.Subject, nil},
		{S(workflow.StatusResultReturned), 1, 0, appraiser.Subject, nil},
		// Received at the ward, handled by the other agency.
		{P(workflow.StageToAssign), 1, -3 * h, "", func(d *workflow.Dossier) { d.HandlingAgency = other }},
		// The other agency's own.
		{S(workflow.StatusAwaitingIntake), 1, 0, "", func(d *workflow.Dossier) { d.Agency, d.HandlingAgency = other, other }},
	} {
		for range sp.n {
			e.plant(t, sp.st, func(d *workflow.Dossier) {
				d.DueAt, d.Handler = time.Time{}, nil
				if sp.due != 0 {
					d.DueAt = now.Add(sp.due)
				}
				if sp.handler != "" {
					d.Handler = &workflow.Handler{Subject: sp.handler, Name: "Cán bộ thẩm định"}
				}
				if sp.edit != nil {
					sp.edit(d)
				}
			})
		}
	}
}

// TestCounts: each member of staff gets the counts of item 20 for the
// positions they hold, in their agency, and each bucket lists (List with
// Bucket) exactly the dossiers it counts.
func TestCounts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.plantDesk(t)
	want := map[string]map[string]int64{
		desk.Subject: {"desk.to_receive": 2, "desk.awaiting_supplement": 3, "desk.to_return": 2, "desk.supplemented": 1,
			"desk.in_progress": 10, "desk.refused": 2, "desk.near_deadline": 2, "desk.all": 21},
		appraiser.Subject: {"appraiser.appraising": 2, "appraiser.appraising_overdue": 1, "appraiser.awaiting_supplement": 1, "appraiser.submitted": 2},
		appraise2.Subject: {"appraiser.appraising": 1, "appraiser.appraising_overdue": 0, "appraiser.awaiting_supplement": 0, "appraiser.submitted": 0},
		head.Subject:      {"head.to_assign": 2, "head.to_assign_overdue": 1, "head.to_approve": 1, "head.to_sign": 1},
		leader.Subject:    {"leader.to_sign": 1, "leader.to_approve": 1, "leader.overdue": 2}, // not the payment awaited
		outsider.Subject: {"desk.to_receive": 1, "desk.awaiting_supplement": 0, "desk.to_return": 0, "desk.supplemented": 0,
			"desk.in_progress": 0, "desk.refused": 0, "desk.near_deadline": 0, "desk.all": 1,
			"appraiser.appraising": 0, "appraiser.appraising_overdue": 0, "appraiser.awaiting_supplement": 0, "appraiser.submitted": 0,
			"head.to_assign": 1, "head.to_assign_overdue": 1, "head.to_approve": 0, "head.to_sign": 0,
			"leader.to_sign": 0, "leader.to_approve": 0, "leader.overdue": 1},
	}
	for _, who := range []archive.Actor{desk, appraiser, appraise2, head, leader, outsider} {
		c, err := e.wf.Counts(ctx, who)
		wantCode(t, err, "")
		got := map[string]int64{}
		for _, g := range c.Groups {
			if g.Label != g.Role.Label() || len(g.Buckets) == 0 {
				t.Fatalf("%s: group %+v", who.Subject, g)
			}
			for _, b := range g.Buckets {
				if b.Label == "" {
					t.Fatalf("%s: bucket %s has no label", who.Subject, b.Key)
				}
				got[b.Key] = b.Count
				// The bucket's list is what it counts.
				var listed []string
				q := workflow.ListQuery{Bucket: b.Key, Limit: 3}
				for range 20 {
					p, err := e.wf.List(ctx, who, q)
					wantCode(t, err, "")
					for _, v := range p.Dossiers {
						listed = append(listed, v.Code)
					}
					if q.Cursor = p.Next; q.Cursor == "" {
						break
					}
				}
				if int64(len(listed)) != b.Count || len(slices.Compact(slices.Sorted(slices.Values(listed)))) != len(listed) {
					t.Errorf("%s: bucket %s counts %d, lists %d: %v", who.Subject, b.Key, b.Count, len(listed), listed)
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want[who.Subject]) {
			t.Errorf("%s: counts\n got %v\nwant %v", who.Subject, got, want[who.Subject])
		}
	}
	// A bucket of a position the caller does not hold, or of no kind.
	_, err := e.wf.List(ctx, desk, workflow.ListQuery{Bucket: "head.to_assign"})
	wantCode(t, err, "role_not_allowed")
	_, err = e.wf.List(ctx, desk, workflow.ListQuery{Bucket: "desk.everything"})
	wantCode(t, err, "unknown_bucket")
	_, err = e.wf.List(ctx, citizen, workflow.ListQuery{Bucket: "desk.all"})
	wantCode(t, err, "invalid_filter")
	for _, who := range []archive.Actor{citizen, admin} {
		_, err = e.wf.Counts(ctx, who)
		wantCode(t, err, "staff_only")
	}
	_, err = e.wf.Counts(ctx, archive.Actor{Subject: "vanglai", Role: archive.RoleStaff})
	wantCode(t, err, "not_in_staff_directory")
}
