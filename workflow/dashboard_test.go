package workflow_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestDirection: the dashboard's lists of item 27.4 over the desk of
// TestCounts — the leader's overdue bucket and the desk's near-deadline
// bucket, listed with where each dossier is — for heads and leaders of
// the agency and admins, nobody else.
func TestDirection(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.plantDesk(t)
	for _, who := range []archive.Actor{leader, head} {
		d, err := e.wf.Direction(ctx, who, "", 10)
		if err != nil {
			t.Fatalf("%s: %v", who.Subject, err)
		}
		// TestCounts' leader.overdue is 2, desk.near_deadline 2.
		if d.Agency != ward || len(d.Late) != 2 || len(d.Near) != 2 || d.MoreLate || d.MoreNear {
			t.Fatalf("%s: agency %s, %d late, %d near", who.Subject, d.Agency, len(d.Late), len(d.Near))
		}
		handled := 0
		for _, r := range d.Late {
			if r.DaysLate < 1 || r.DueAt.IsZero() || r.Status == "" {
				t.Errorf("late %s: %d days late, due %v, status %q", r.Code, r.DaysLate, r.DueAt, r.Status)
			}
			if r.Handler == "Cán bộ thẩm định" {
				handled++
			}
		}
		if handled != 1 {
			t.Errorf("%d late dossiers name their handler, want 1 (the one being appraised)", handled)
		}
		for _, r := range d.Near {
			if r.DaysLate != 0 {
				t.Errorf("near %s is %d days late", r.Code, r.DaysLate)
			}
		}
	}
	d, err := e.wf.Direction(ctx, leader, ward, 1)
	if err != nil || len(d.Late) != 1 || !d.MoreLate || len(d.Near) != 1 || !d.MoreNear {
		t.Errorf("limit 1: %+v %v", d, err)
	}
	ward2, err := e.wf.Direction(ctx, admin, ward, 10)
	if err != nil || len(ward2.Late) != 2 {
		t.Errorf("admin for the ward: %d late, %v", len(ward2.Late), err)
	}
	// The other agency's leader sees its own: the dossier the ward
	// received for it, none of the ward's.
	o, err := e.wf.Direction(ctx, outsider, "", 10)
	if err != nil || o.Agency != other || len(o.Late) != 1 {
		t.Fatalf("outsider: %+v %v", o, err)
	}
	for _, r := range ward2.Late {
		if r.Code == o.Late[0].Code {
			t.Errorf("%s in both agencies' lists", r.Code)
		}
	}
	for _, c := range []struct {
		who    archive.Actor
		agency string
		limit  int
		code   string
	}{
		{desk, "", 10, "leader_only"},
		{appraiser, "", 10, "leader_only"},
		{citizen, "", 10, "staff_only"},
		{leader, other, 10, "other_agency"},
		{admin, "", 10, "agency_required"},
		{leader, "", 0, "invalid_limit"},
		{leader, "", workflow.MaxDirectionRows + 1, "invalid_limit"},
	} {
		_, err := e.wf.Direction(ctx, c.who, c.agency, c.limit)
		wantCode(t, err, c.code)
	}
}
