package emc_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kho-vn/kho/api"
	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/emc/emctest"
	"github.com/kho-vn/kho/workflow"
)

// schema compiles api/emc-event.schema.json, checking formats.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.EMCEventSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("emc-event.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("emc-event.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON is v as encoding/json writes it, read back as the validator
// reads an instance.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestEventsValidate builds the event of every trail entry of the
// generated lifecycle (every row of the state machine, from every state,
// by every role) and validates each against the published schema; it
// checks that the events cover every status, every form of reception,
// every kind of user, every channel and every timeliness.
func TestEventsValidate(t *testing.T) {
	s := schema(t)
	seen := map[string]bool{}
	n := 0
	for _, d := range emctest.Lifecycle() {
		for seq := 1; seq <= len(d.Trail); seq++ {
			level := []workflow.ServiceLevel{workflow.LevelFull, workflow.LevelPartial, workflow.LevelInfo}[seq%3]
			ev, err := emc.Build(d, seq, level, "000.00.00.H29")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(asJSON(t, ev)); err != nil {
				t.Fatalf("event %s (%s → %s): %v", ev.EventID, d.Trail[seq-1].Action, d.Trail[seq-1].To, err)
			}
			n++
			for _, k := range []string{"status:" + ev.Status.Code, "form:" + ev.FormsReception, "user:" + ev.User.Kind,
				"channel:" + ev.Data.Channel, "timely:" + ev.Data.Timeliness, "level:" + ev.Level} {
				seen[k] = true
			}
			if ev.FormsPayments != nil {
				seen["payment"] = true
			}
		}
	}
	want := []string{"form:" + emc.FormReception, "form:" + emc.FormProcessing, "form:" + emc.FormResult,
		"user:citizen", "user:organization", "user:staff", "channel:portal", "channel:desk", "channel:postal", "channel:national",
		"timely:none", "timely:in_time", "timely:overdue", "timely:on_time", "timely:late", "level:full", "level:partial", "level:info", "payment"}
	for _, st := range workflow.Statuses {
		if st != workflow.StatusRegistered { // a new dossier's status, before any entry
			want = append(want, "status:"+string(st))
		}
	}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("no event with %s", k)
		}
	}
	t.Logf("%d events of %d dossiers validate", n, len(emctest.Lifecycle()))
}

// TestSchemaEnums checks that the schema's enums are the workflow's own
// lists: every status with its official label.
func TestSchemaEnums(t *testing.T) {
	var doc struct {
		Properties struct {
			Status struct {
				Properties struct {
					Code  struct{ Enum []string }
					Label struct{ Enum []string }
				}
			}
		}
	}
	if err := json.Unmarshal(api.EMCEventSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	var codes, labels []string
	for _, st := range workflow.Statuses {
		codes = append(codes, string(st))
		if !slices.Contains(labels, st.Label()) {
			labels = append(labels, st.Label())
		}
	}
	if !slices.Equal(doc.Properties.Status.Properties.Code.Enum, codes) {
		t.Errorf("schema's status codes %v, workflow's %v", doc.Properties.Status.Properties.Code.Enum, codes)
	}
	if !slices.Equal(doc.Properties.Status.Properties.Label.Enum, labels) {
		t.Errorf("schema's status labels %v, workflow's %v", doc.Properties.Status.Properties.Label.Enum, labels)
	}
}

// TestBrokenEventsFail shows that the schema is strict: an event missing
// a required field, with a field it does not know, a status or level
// outside its enums, a time not in Vietnam time, a citizen's identity,
// or an event ID of another shape fails validation.
func TestBrokenEventsFail(t *testing.T) {
	s := schema(t)
	d := emctest.Lifecycle()[3]
	good, err := emc.Build(d, len(d.Trail), workflow.LevelFull, "000.00.00.H29")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(asJSON(t, good)); err != nil {
		t.Fatalf("the good event: %v", err)
	}
	breaks := map[string]func(m map[string]any){
		"no CodeProfile":       func(m map[string]any) { delete(m, "CodeProfile") },
		"no SiteId":            func(m map[string]any) { delete(m, "SiteId") },
		"unknown field":        func(m map[string]any) { m["Extra"] = 1 },
		"unknown status":       func(m map[string]any) { m["Status"].(map[string]any)["Code"] = "lost" },
		"unknown level":        func(m map[string]any) { m["Level"] = "4" },
		"UTC time":             func(m map[string]any) { m["EventTime"] = "2026-12-07T02:00:00Z" },
		"citizen with an ID":   func(m map[string]any) { m["User"] = map[string]any{"Kind": "citizen", "Id": "001099012345"} },
		"staff without role":   func(m map[string]any) { m["User"] = map[string]any{"Kind": "staff", "Id": "canbo"} },
		"bad event ID":         func(m map[string]any) { m["EventId"] = "x.0" },
		"unknown form":         func(m map[string]any) { m["FormsReception"] = "Khác" },
		"unknown data field":   func(m map[string]any) { m["Data"].(map[string]any)["Name"] = "Nguyễn Văn An" },
		"negative payment":     func(m map[string]any) { m["FormsPayments"] = map[string]any{"Amount": -1, "Paid": false} },
		"IsFromDVCQG a string": func(m map[string]any) { m["IsFromDVCQG"] = "true" },
	}
	for name, brk := range breaks {
		var m map[string]any
		b, _ := json.Marshal(good)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		brk(m)
		if err := s.Validate(asJSON(t, m)); err == nil {
			t.Errorf("%s: the broken event validates", name)
		}
	}
}

// TestBuild checks the fields of the events of one path: what each
// entry says, the due date known at each entry, the applicant kept out.
func TestBuild(t *testing.T) {
	d := emctest.Dossier(1, emctest.Start)
	d.Channel = workflow.ChannelNational
	at := emctest.Start
	step := func(a workflow.Action, r workflow.Role, to workflow.State) {
		at = at.Add(time.Hour)
		emctest.Append(&d, a, r, to, at)
	}
	step(workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake})
	step(workflow.ActionReceive, workflow.RoleDesk, workflow.State{Status: workflow.StatusReceived})
	step(workflow.ActionTransfer, workflow.RoleDesk, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign})
	at = at.Add(6 * 24 * time.Hour) // past the due date
	step(workflow.ActionSign, workflow.RoleLeader, workflow.State{Status: workflow.StatusResolved})
	var evs []emc.Event
	for seq := 1; seq <= len(d.Trail); seq++ {
		ev, err := emc.Build(d, seq, workflow.LevelFull, "SITE")
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if _, err := emc.Build(d, 0, workflow.LevelFull, "SITE"); err == nil {
		t.Error("entry 0 built")
	}
	if _, err := emc.Build(d, len(d.Trail)+1, workflow.LevelFull, "SITE"); err == nil {
		t.Error("an entry past the trail built")
	}
	first, last := evs[0], evs[3]
	if first.EventID != d.Code+".1" || first.User != (emc.User{Kind: emc.UserCitizen}) || first.Data.DueAt != "" ||
		first.FormsReception != emc.FormReception || first.Data.Timeliness != emc.TimelyNone || !first.IsFromDVCQG ||
		first.EventTime != "2026-12-07T10:00:00+07:00" || first.Status != (emc.Status{Code: "awaiting_intake", Label: "Đang chờ tiếp nhận"}) {
		t.Errorf("first event %+v", first)
	}
	if evs[1].Data.DueAt != "2026-12-12T11:00:00+07:00" || evs[1].Data.ReceivedAt != "2026-12-07T11:00:00+07:00" || evs[1].Data.ResolvedAt != "" {
		t.Errorf("reception's event %+v", evs[1].Data)
	}
	if evs[2].FormsReception != emc.FormProcessing || evs[2].Data.HandlingAgency != emctest.Other || evs[2].User != (emc.User{Kind: emc.UserStaff, ID: "canbo.desk", Role: "desk"}) {
		t.Errorf("transfer's event %+v", evs[2])
	}
	if last.FormsReception != emc.FormResult || last.Data.Timeliness != emc.TimelyLate || last.Data.ResolvedAt == "" || last.Data.Seq != 4 {
		t.Errorf("resolution's event %+v", last)
	}
	b, _ := json.Marshal(evs)
	for _, personal := range []string{d.Applicant.ID, d.Applicant.Name, d.Applicant.Email, d.Applicant.Phone} {
		if strings.Contains(string(b), personal) {
			t.Errorf("the events carry the citizen's %q", personal)
		}
	}
}

func TestParseEventID(t *testing.T) {
	for id, ok := range map[string]bool{"000.00.31.H29-261207-0001.1": true, "000.00.31.H29-261207-0001.120": true,
		"000.00.31.H29-261207-0001.0": false, "000.00.31.H29-261207-0001.01": false, "000.00.31.H29-261207-0001": false,
		"x.1": false, "000.00.31.H29-261207-0001.1/2": false, "000.00.31.H29-261207-0001.-1": false, "": false} {
		code, seq, got := emc.ParseEventID(id)
		if got != ok || ok && emc.EventID(code, seq) != id {
			t.Errorf("ParseEventID(%q) = %q, %d, %v", id, code, seq, got)
		}
	}
}
