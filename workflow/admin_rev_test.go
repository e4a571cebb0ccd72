package workflow_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/workflow"
)

// TestPutAtRevision: an agency or staff entry changes only over the
// revision the admin saw; a new one's code must be free; a change always
// makes a new revision (even within the same millisecond); only an admin
// may.
func TestPutAtRevision(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ag, err := e.wf.Agencies(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	var cur workflow.Agency
	for _, a := range ag {
		if a.Code == other {
			cur = a
		}
	}
	rev := workflow.Rev(cur.UpdatedAt)
	_, err = e.wf.PutAgencyAt(ctx, desk, cur, rev)
	wantCode(t, err, "admin_only")
	_, err = e.wf.PutAgencyAt(ctx, admin, cur, 0)
	wantCode(t, err, "agency_exists")
	_, err = e.wf.PutAgencyAt(ctx, admin, cur, rev+1)
	wantCode(t, err, "agency_changed")
	cur.Name = "Ủy ban nhân dân phường Đa Kao (mới)"
	got, err := e.wf.PutAgencyAt(ctx, admin, cur, rev) // the clock stands still: the revision still moves
	wantCode(t, err, "")
	if workflow.Rev(got.UpdatedAt) <= rev {
		t.Errorf("revision %d after %d", workflow.Rev(got.UpdatedAt), rev)
	}
	_, err = e.wf.PutAgencyAt(ctx, admin, cur, rev) // the same form again: stale now
	wantCode(t, err, "agency_changed")
	_, err = e.wf.PutAgencyAt(ctx, admin, workflow.Agency{Code: "000.00.99.H29", Name: "Mới"}, 5)
	wantCode(t, err, "agency_changed")
	_, err = e.wf.PutAgencyAt(ctx, admin, workflow.Agency{Code: "000.00.99.H29", Name: ""}, 0)
	wantCode(t, err, "name_required")
	_, err = e.wf.PutAgencyAt(ctx, admin, workflow.Agency{Code: "000.00.99.H29", Name: "Ủy ban nhân dân xã Mới", Departments: []workflow.Department{{Code: "VP", Name: "Văn phòng"}}}, 0)
	wantCode(t, err, "")

	m, err := e.wf.StaffMember(ctx, admin, desk.Subject)
	if err != nil {
		t.Fatal(err)
	}
	srev := workflow.Rev(m.UpdatedAt)
	_, err = e.wf.PutStaffAt(ctx, desk, m, srev)
	wantCode(t, err, "admin_only")
	_, err = e.wf.PutStaffAt(ctx, admin, m, 0)
	wantCode(t, err, "staff_exists")
	_, err = e.wf.PutStaffAt(ctx, admin, m, srev-1)
	wantCode(t, err, "staff_changed")
	m.Department = "KHONG_CO"
	_, err = e.wf.PutStaffAt(ctx, admin, m, srev)
	wantCode(t, err, "unknown_department")
	m.Department, m.Active = "MOT_CUA", false
	got2, err := e.wf.PutStaffAt(ctx, admin, m, srev)
	wantCode(t, err, "")
	if now, _ := e.wf.StaffMember(ctx, admin, desk.Subject); now.Active || workflow.Rev(now.UpdatedAt) != workflow.Rev(got2.UpdatedAt) {
		t.Errorf("stored %+v", now)
	}
	_, err = e.wf.PutStaffAt(ctx, admin, workflow.Staff{Subject: "moi", Name: "Cán Bộ Mới", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleAppraiser}}, 0)
	wantCode(t, err, "")
}
