package portal_test

import (
	"context"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestReportsDirectionAPI: GET /api/v1/reports/direction lists the ward's
// late dossier with its step, handler and working days late to the
// ward's head and leader and to an admin naming the ward; the other
// agency's leader gets their own (empty) lists, and nobody else gets any.
func TestReportsDirectionAPI(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	now := time.Now()
	d := workflowtest.Dossier(workflow.DossierCode(ward, now.Add(-240*time.Hour), 1), now.Add(-240*time.Hour))
	d.ProcessVersion, d.Status, d.Stage, d.Step = 1, workflow.StatusProcessing, workflow.StageAppraising, "tham_dinh"
	d.ReceivedAt, d.DueAt, d.StepDueAt = now.Add(-200*time.Hour), now.Add(-72*time.Hour), now.Add(-24*time.Hour)
	d.Handler = &workflow.Handler{Subject: appraiserSubject, Name: "Phạm Văn Định", Department: "VP", DepartmentName: "Văn phòng"}
	if err := e.store.CreateDossier(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Code, Step, Handler, Department string
		DaysLate, StepDaysLate          int
	}
	var got struct {
		Agency string `json:"agency"`
		Late   []row  `json:"late"`
		Near   []row  `json:"near"`
	}
	for _, c := range []struct{ who, token, path string }{
		{"head", st.head, ""}, {"leader", st.leader, "?limit=5"}, {"admin", e.admin, "?agency=" + ward},
	} {
		got.Late = nil
		e.do(call{method: "GET", path: "/api/v1/reports/direction" + c.path, token: c.token}).want(t, 200, "").json(t, &got)
		if len(got.Late) != 1 || got.Late[0].Code != d.Code || got.Late[0].Step != "Thẩm định hồ sơ, dự thảo giấy khai sinh" ||
			got.Late[0].Handler != "Phạm Văn Định" || got.Late[0].DaysLate < 3 || got.Late[0].StepDaysLate < 1 {
			t.Errorf("%s: %+v", c.who, got)
		}
	}
	e.do(call{method: "GET", path: "/api/v1/reports/direction", token: st.outsider}).want(t, 200, "").json(t, &got)
	if got.Agency != otherWard || len(got.Late) != 0 {
		t.Errorf("the other agency's leader: %+v", got)
	}
	e.do(call{method: "GET", path: "/api/v1/reports/direction?agency=" + ward, token: st.outsider}).want(t, 403, "other_agency")
	e.do(call{method: "GET", path: "/api/v1/reports/direction", token: st.desk}).want(t, 403, "leader_only")
	e.do(call{method: "GET", path: "/api/v1/reports/direction", token: st.appraiser}).want(t, 403, "leader_only")
	e.do(call{method: "GET", path: "/api/v1/reports/direction", token: e.citizenA}).want(t, 403, "staff_only")
	e.do(call{method: "GET", path: "/api/v1/reports/direction", token: e.admin}).want(t, 400, "agency_required")
	e.do(call{method: "GET", path: "/api/v1/reports/direction?limit=51", token: st.leader, expect: specInvalid}).want(t, 400, "")
	e.do(call{method: "GET", path: "/api/v1/reports/direction?officer=x", token: st.leader}).want(t, 400, "unknown_parameter")
	e.do(call{method: "GET", path: "/api/v1/reports/direction", expect: specInvalid}).want(t, 401, "")
}
