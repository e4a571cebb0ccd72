package workflow_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// birthProcess is a process of the birth registration (1 working day =
// 480 minutes): its main steps take main minutes in all, its optional
// supplement step 600.
func birthProcess(main int64) workflow.Process {
	return workflow.Process{Procedure: "DANG_KY_KHAI_SINH", Name: "Quy trình thử", Start: "tiep_nhan",
		Steps: []workflow.Step{
			{Code: "tiep_nhan", Name: "Tiếp nhận", Role: workflow.RoleDesk, Department: "MOT_CUA", DeadlineMinutes: 30},
			{Code: "bo_sung", Name: "Bổ sung", Role: workflow.RoleApplicant, DeadlineMinutes: 600, Optional: true},
			{Code: "phan_cong_moi", Name: "Phân công", Role: workflow.RoleHead, Department: "VP", DeadlineMinutes: 30},
			{Code: "tham_dinh", Name: "Thẩm định", Role: workflow.RoleAppraiser, Department: "VP", DeadlineMinutes: main - 60},
		},
		Flows: []workflow.Flow{
			{From: "tiep_nhan", To: "bo_sung", Action: workflow.ActionRequestSupplement},
			{From: "bo_sung", To: "tiep_nhan", Action: workflow.ActionSupplement},
			{From: "tiep_nhan", To: "phan_cong_moi", Action: workflow.ActionTransfer},
			{From: "phan_cong_moi", To: "tham_dinh", Action: workflow.ActionAssign},
		}}
}

// TestProcessDeadlines: the main steps' deadlines may add up to the
// procedure's resolution time and no more (optional steps do not count);
// a process marked without fixed deadlines, or of a procedure without a
// resolution time, is not held to it.
func TestProcessDeadlines(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p, err := e.wf.PutProcess(ctx, admin, birthProcess(480))
	wantCode(t, err, "")
	if p.Version != 2 || p.CreatedBy != admin.Subject {
		t.Fatalf("saved %d by %q", p.Version, p.CreatedBy)
	}
	_, err = e.wf.PutProcess(ctx, admin, birthProcess(481))
	wantCode(t, err, "process_over_resolution_time")
	untimed := birthProcess(481 * 10)
	untimed.Untimed = true
	p, err = e.wf.PutProcess(ctx, admin, untimed)
	wantCode(t, err, "")
	if p.Version != 3 {
		t.Fatalf("untimed saved as version %d", p.Version)
	}
	// A procedure without a resolution time takes any process.
	proc, err := e.wf.Procedure(ctx, admin, "DANG_KY_KHAI_SINH")
	wantCode(t, err, "")
	proc.Code, proc.Resolution = "KHAI_SINH_KHONG_HAN", workflow.ResolutionTime{}
	_, err = e.wf.PutProcedure(ctx, admin, proc)
	wantCode(t, err, "")
	free := birthProcess(481 * 10)
	free.Procedure = proc.Code
	_, err = e.wf.PutProcess(ctx, admin, free)
	wantCode(t, err, "")
	// Only an admin saves a process; other shapes are refused.
	_, err = e.wf.PutProcess(ctx, head, birthProcess(480))
	wantCode(t, err, "admin_only")
	for _, c := range []struct {
		code string
		edit func(*workflow.Process)
	}{
		{"invalid_start_step", func(p *workflow.Process) { p.Start = "khong_co" }},
		{"unknown_step", func(p *workflow.Process) { p.Flows[0].To = "khong_co" }},
		{"unreachable_step", func(p *workflow.Process) { p.Flows = p.Flows[:3] }},
		{"flow_role_mismatch", func(p *workflow.Process) { p.Flows[2].Action = workflow.ActionSign }},
		{"duplicate_step", func(p *workflow.Process) { p.Steps[1].Code = "tiep_nhan" }},
		{"unknown_department", func(p *workflow.Process) { p.Steps[0].Department = "KHONG_CO" }},
		{"invalid_step_deadline", func(p *workflow.Process) { p.Steps[0].DeadlineMinutes = -1 }},
		{"invalid_step_role", func(p *workflow.Process) { p.Steps[0].Role = workflow.RoleAdmin }},
	} {
		p := birthProcess(480)
		c.edit(&p)
		_, err := e.wf.PutProcess(ctx, admin, p)
		wantCode(t, err, c.code)
	}
	latest, err := e.wf.Process(ctx, citizen, "DANG_KY_KHAI_SINH", 0)
	wantCode(t, err, "")
	if latest.Version != 3 {
		t.Fatalf("refused processes were saved: latest %d", latest.Version)
	}
}

// TestProcessVersions: a running dossier keeps the process version it
// started with after a new version is saved; new dossiers take the new
// one, and each moves through the steps of its own version.
func TestProcessVersions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	old := e.filledBirth(t)
	if _, err := e.wf.PutProcess(ctx, admin, birthProcess(480)); err != nil {
		t.Fatal(err)
	}
	young := e.filledBirth(t)
	if old.ProcessVersion != 1 || young.ProcessVersion != 2 {
		t.Fatalf("versions %d and %d", old.ProcessVersion, young.ProcessVersion)
	}
	for _, in := range []workflow.ActInput{{Action: workflow.ActionSubmit}} {
		for _, code := range []string{old.Code, young.Code} {
			if _, err := e.wf.Act(ctx, citizen, code, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, code := range []string{old.Code, young.Code} {
		for _, in := range []workflow.ActInput{{Action: workflow.ActionReceive}, {Action: workflow.ActionTransfer}} {
			if _, err := e.wf.Act(ctx, desk, code, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	o, err := e.wf.Get(ctx, desk, old.Code)
	wantCode(t, err, "")
	y, err := e.wf.Get(ctx, desk, young.Code)
	wantCode(t, err, "")
	if o.ProcessVersion != 1 || o.Step != "phan_cong" || y.ProcessVersion != 2 || y.Step != "phan_cong_moi" {
		t.Fatalf("old v%d at %s, young v%d at %s", o.ProcessVersion, o.Step, y.ProcessVersion, y.Step)
	}
	if o.StepDueAt.IsZero() || !o.StepDueAt.Equal(workflow.PlainDeadlines{}.AddWorking(e.clock.Now(), 30*60*1e9)) {
		t.Fatalf("step due %v", o.StepDueAt)
	}
	v1, err := e.wf.Process(ctx, desk, "DANG_KY_KHAI_SINH", 1)
	wantCode(t, err, "")
	if _, ok := v1.Step("phan_cong"); !ok {
		t.Fatal("version 1 changed")
	}
}

// TestDiagram: the SVG of every shipped process is well-formed XML, names
// its procedure and draws every step (its code, and its name in the box)
// and every flow; only admins, heads and leaders see it.
func TestDiagram(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	procs, err := e.wf.Procedures(ctx, admin)
	wantCode(t, err, "")
	if len(procs) != 3 {
		t.Fatalf("%d procedures", len(procs))
	}
	for _, proc := range procs {
		p, err := e.wf.Process(ctx, admin, proc.Code, 0)
		wantCode(t, err, "")
		svg, err := e.wf.Diagram(ctx, leader, proc.Code, 0)
		wantCode(t, err, "")
		steps, flows, text := readSVG(t, svg)
		for _, s := range p.Steps {
			if got := strings.Join(steps[s.Code], " "); got != s.Name {
				t.Errorf("%s: step %s drawn as %q, want %q", proc.Code, s.Code, got, s.Name)
			}
		}
		if len(steps) != len(p.Steps) || flows != len(p.Flows) {
			t.Errorf("%s: %d steps and %d flows drawn, want %d and %d", proc.Code, len(steps), flows, len(p.Steps), len(p.Flows))
		}
		if !strings.Contains(text, proc.Name) {
			t.Errorf("%s: the diagram does not name the procedure", proc.Code)
		}
		again, _ := e.wf.Diagram(ctx, admin, proc.Code, 0)
		if !bytes.Equal(svg, again) {
			t.Errorf("%s: the drawing is not deterministic", proc.Code)
		}
	}
	for _, who := range []archive.Actor{citizen, desk, appraiser} {
		_, err := e.wf.Diagram(ctx, who, "DANG_KY_KHAI_SINH", 0)
		wantCode(t, err, "diagram_not_allowed")
	}
}

// readSVG parses an SVG strictly: the bold name lines of each step
// (g.step, by data-step), the number of flows (g.flow) and all the text.
func readSVG(t *testing.T, svg []byte) (steps map[string][]string, flows int, text string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	steps = map[string][]string{}
	var all strings.Builder
	step, bold := "", false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG not well-formed: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range x.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch {
			case x.Name.Local == "g" && attr["class"] == "step":
				step = attr["data-step"]
				steps[step] = nil
			case x.Name.Local == "g" && strings.HasPrefix(attr["class"], "flow"):
				flows++
			case x.Name.Local == "text":
				bold = step != "" && attr["font-weight"] == "bold"
			}
		case xml.EndElement:
			if x.Name.Local == "g" {
				step = ""
			}
			if x.Name.Local == "text" {
				bold = false
			}
		case xml.CharData:
			all.Write(x)
			if bold {
				steps[step] = append(steps[step], string(x))
			}
		}
	}
	return steps, flows, all.String()
}

// TestShippedCatalog: the three shipped procedures load with their
// processes (which validate against their resolution times), their
// eForms are published and their document types known to the vault;
// loading the catalogue again adds no process version.
func TestShippedCatalog(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	procs, err := e.wf.Procedures(ctx, citizen)
	wantCode(t, err, "")
	var codes []string
	for _, proc := range procs {
		codes = append(codes, proc.Code)
		p, err := e.wf.Process(ctx, citizen, proc.Code, 0)
		wantCode(t, err, "")
		if p.Version != 1 || p.Untimed || p.MainDeadline() == 0 || p.MainDeadline()*60e9 > int64(proc.Resolution.Working()) {
			t.Errorf("%s: process v%d, main steps %d minutes, resolution %v", proc.Code, p.Version, p.MainDeadline(), proc.Resolution)
		}
		for _, c := range proc.Components {
			if c.Form != "" {
				if _, err := e.forms.Get(c.Form, 0); err != nil {
					t.Errorf("%s/%s: eForm %s: %v", proc.Code, c.Code, c.Form, err)
				}
			}
			for _, tc := range c.TypeCodes {
				if _, err := e.vault.DocumentType(ctx, citizen, tc); err != nil {
					t.Errorf("%s/%s: document type %s: %v", proc.Code, c.Code, tc, err)
				}
			}
		}
		for _, r := range proc.Results {
			if _, err := e.vault.DocumentType(ctx, citizen, r.TypeCode); err != nil {
				t.Errorf("%s: result type %s: %v", proc.Code, r.TypeCode, err)
			}
		}
		if len(proc.LegalBasis) == 0 || proc.Field == "" || proc.Level.Label() == string(proc.Level) || len(proc.Results) == 0 {
			t.Errorf("%s: incomplete record %+v", proc.Code, proc)
		}
	}
	want := []string{"CAP_GP_XAY_DUNG_NHA_O", "DANG_KY_HO_KINH_DOANH", "DANG_KY_KHAI_SINH"}
	if strings.Join(codes, ",") != strings.Join(want, ",") {
		t.Fatalf("procedures %v, want %v", codes, want)
	}
	// The construction permit consults other units.
	p, err := e.wf.Process(ctx, citizen, "CAP_GP_XAY_DUNG_NHA_O", 0)
	wantCode(t, err, "")
	if _, ok := p.Next("tham_dinh", workflow.ActionConsult); !ok {
		t.Error("the construction permit's process has no consultation")
	}
	n, err := e.wf.LoadCatalog(ctx, admin, bytes.NewReader(workflow.DefaultCatalog()))
	wantCode(t, err, "")
	if n.Processes != 0 || n.Procedures != 3 || n.Agencies != 1 {
		t.Fatalf("loading again: %+v", n)
	}
	_, err = e.wf.LoadCatalog(ctx, citizen, bytes.NewReader(workflow.DefaultCatalog()))
	wantCode(t, err, "admin_only")
	_, err = e.wf.LoadCatalog(ctx, admin, strings.NewReader(`{"procedures": [], "extra": 1}`))
	wantCode(t, err, "invalid_catalog")
}
