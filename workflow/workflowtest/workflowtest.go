// Package workflowtest is the conformance suite for workflow.Store. Every
// metadata driver (storage/sqlite, storage/mongo) runs it:
//
//	func TestWorkflowConformance(t *testing.T) {
//		workflowtest.Run(t, openFresh, openAgain)
//	}
//
// open must return a new, empty store and arrange (with t.Cleanup) to
// close it; again must return a second store on the same database as s —
// another process's view — and arrange to close it (not to drop the
// database). Times come back in UTC truncated to the millisecond.
package workflowtest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// Opener makes a fresh store; Again opens a second store on s's database.
type (
	Opener func(t *testing.T) workflow.Store
	Again  func(t *testing.T, s workflow.Store) workflow.Store
)

// Run runs every conformance test against stores made by open and again.
func Run(t *testing.T, open Opener, again Again) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s workflow.Store, again Again)
	}{
		{"Agencies", testAgencies},
		{"Procedures", testProcedures},
		{"ProcessVersions", testProcessVersions},
		{"Staff", testStaff},
		{"CounterSequence", testCounterSequence},
		{"CounterConcurrent", testCounterConcurrent},
		{"DossierRoundTrip", testDossierRoundTrip},
		{"DossierUpdateGuarded", testDossierUpdateGuarded},
		{"DossierUpdateConcurrent", testDossierUpdateConcurrent},
		{"DossierList", testDossierList},
		{"DossierSearch", testDossierSearch},
		{"DossiersDueBefore", testDossiersDueBefore},

		// Reports and statistics (issue 13).
		// Reports — Dossier statistics engine (st-engine).
		{"StatsDataset", testStatsDataset},
		{"StatsConcurrent", testStatsConcurrent},

		// Reports — EMC feed (st-emc).

		// Reports — Report templates, saved and periodic reports (st-templates).
		{"ReportTemplates", testReportTemplates},
		{"ReportRuns", testReportRuns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t), again) })
	}
}

var base = time.Date(2026, 12, 7, 9, 30, 0, 123_456_789, time.FixedZone("ICT", 7*3600))

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func wantKind(t *testing.T, err error, k kerr.Kind, what string) {
	t.Helper()
	if !kerr.IsKind(err, k) {
		t.Fatalf("%s: %v, want kind %v", what, err, k)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// same compares as JSON (what the API shows), and time zones too.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s\n got %s\nwant %s", what, g, w)
	}
}

const agencyA, agencyB = "000.00.31.H29", "000.00.12.H29"

func testAgencies(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	a := workflow.Agency{Code: agencyA, Name: "Ủy ban nhân dân phường Bến Nghé",
		Departments: []workflow.Department{{Code: "MOT_CUA", Name: "Bộ phận Một cửa"}}, UpdatedAt: base}
	must(t, s.PutAgency(ctx, a))
	b := workflow.Agency{Code: agencyB, Name: "Sở Xây dựng", Departments: []workflow.Department{}, UpdatedAt: base}
	must(t, s.PutAgency(ctx, b))
	got, err := s.GetAgency(ctx, agencyA)
	must(t, err)
	a.UpdatedAt = ms(a.UpdatedAt)
	same(t, "agency", got, a)
	if got.UpdatedAt.Location() != time.UTC {
		t.Fatalf("time not in UTC: %v", got.UpdatedAt)
	}
	a.Name = "UBND phường Bến Nghé"
	must(t, s.PutAgency(ctx, a))
	all, err := s.ListAgencies(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Code != agencyB || all[1].Name != a.Name {
		t.Fatalf("list %+v", all)
	}
	_, err = s.GetAgency(ctx, "000.00.99.H29")
	wantKind(t, err, kerr.NotFound, "missing agency")
}

func procedure(code string) workflow.Procedure {
	return workflow.Procedure{Code: code, Name: "Đăng ký khai sinh", Field: "Hộ tịch", Level: workflow.LevelFull, Agency: agencyA,
		LegalBasis: []string{"Luật Hộ tịch"},
		Components: []workflow.Component{{Code: "TO_KHAI", Name: "Tờ khai", Form: "TK_KHAI_SINH", Required: true},
			{Code: "CCCD", Name: "Căn cước", TypeCodes: []string{"CAN_CUOC", "HO_CHIEU"}, Required: true, Reusable: true}},
		Fees:       []workflow.Fee{{Name: "Lệ phí", Amount: 75000}},
		Resolution: workflow.ResolutionTime{WorkingDays: 3, Hours: 4},
		Results:    []workflow.Result{{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh", Template: "khai-sinh"}},
		UpdatedAt:  base}
}

func testProcedures(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	p := procedure("DANG_KY_KHAI_SINH")
	must(t, s.PutProcedureRecord(ctx, p))
	must(t, s.PutProcedureRecord(ctx, procedure("A_FIRST")))
	got, err := s.GetProcedureRecord(ctx, p.Code)
	must(t, err)
	p.UpdatedAt = ms(p.UpdatedAt)
	same(t, "procedure", got, p)
	p.Name = "Đăng ký khai sinh (sửa)"
	must(t, s.PutProcedureRecord(ctx, p))
	all, err := s.ListProcedureRecords(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Code != "A_FIRST" || all[1].Name != p.Name {
		t.Fatalf("list %+v", all)
	}
	_, err = s.GetProcedureRecord(ctx, "KHONG_CO")
	wantKind(t, err, kerr.NotFound, "missing procedure")
}

func process(proc string, v int) workflow.Process {
	return workflow.Process{Procedure: proc, Version: v, Name: fmt.Sprintf("Quy trình %d", v), Start: "a",
		Steps: []workflow.Step{{Code: "a", Name: "Tiếp nhận", Role: workflow.RoleDesk, DeadlineMinutes: 30},
			{Code: "b", Name: "Thẩm định", Role: workflow.RoleAppraiser, Department: "KT", DeadlineMinutes: 240}},
		Flows:     []workflow.Flow{{From: "a", To: "b", Action: workflow.ActionTransfer}},
		CreatedAt: base, CreatedBy: "quantri"}
}

func testProcessVersions(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	_, err := s.GetProcess(ctx, "P", 0)
	wantKind(t, err, kerr.NotFound, "no process yet")
	for v := 1; v <= 12; v++ { // past 9: versions compare as numbers
		must(t, s.AddProcess(ctx, process("P", v)))
	}
	must(t, s.AddProcess(ctx, process("Q", 1)))
	wantKind(t, s.AddProcess(ctx, process("P", 2)), kerr.Conflict, "version taken")
	latest, err := s.GetProcess(ctx, "P", 0)
	must(t, err)
	want := process("P", 12)
	want.CreatedAt = ms(want.CreatedAt)
	same(t, "latest", latest, want)
	v2, err := s.GetProcess(ctx, "P", 2)
	must(t, err)
	if v2.Version != 2 || v2.Name != "Quy trình 2" {
		t.Fatalf("v2 %+v", v2)
	}
	_, err = s.GetProcess(ctx, "P", 13)
	wantKind(t, err, kerr.NotFound, "missing version")
}

func testStaff(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	m := func(sub, ag string) workflow.Staff {
		return workflow.Staff{Subject: sub, Name: "Cán bộ " + sub, Agency: ag, Department: "KT",
			Positions: []workflow.Role{workflow.RoleAppraiser, workflow.RoleHead}, Active: true, UpdatedAt: base}
	}
	for _, x := range []workflow.Staff{m("c", agencyA), m("a", agencyA), m("b", agencyB)} {
		must(t, s.PutStaff(ctx, x))
	}
	got, err := s.GetStaff(ctx, "a")
	must(t, err)
	want := m("a", agencyA)
	want.UpdatedAt = ms(want.UpdatedAt)
	same(t, "staff", got, want)
	// Moved to another agency: listed there only.
	moved := m("c", agencyB)
	moved.Active = false
	must(t, s.PutStaff(ctx, moved))
	inA, err := s.ListStaff(ctx, agencyA)
	must(t, err)
	inB, err := s.ListStaff(ctx, agencyB)
	must(t, err)
	all, err := s.ListStaff(ctx, "")
	must(t, err)
	subjects := func(ms []workflow.Staff) (out []string) {
		for _, m := range ms {
			out = append(out, m.Subject)
		}
		return out
	}
	if !slices.Equal(subjects(inA), []string{"a"}) || !slices.Equal(subjects(inB), []string{"b", "c"}) || !slices.Equal(subjects(all), []string{"a", "b", "c"}) {
		t.Fatalf("lists %v %v %v", subjects(inA), subjects(inB), subjects(all))
	}
	if inB[1].Active {
		t.Fatal("the replaced entry kept Active")
	}
	_, err = s.GetStaff(ctx, "z")
	wantKind(t, err, kerr.NotFound, "missing staff")
}

func testCounterSequence(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	for want := int64(1); want <= 3; want++ {
		n, err := s.NextDossierNumber(ctx, agencyA, "261207")
		must(t, err)
		if n != want {
			t.Fatalf("number %d, want %d", n, want)
		}
	}
	// Another day and another agency start at 1.
	for _, k := range [][2]string{{agencyA, "261208"}, {agencyB, "261207"}} {
		n, err := s.NextDossierNumber(ctx, k[0], k[1])
		must(t, err)
		if n != 1 {
			t.Fatalf("%v: %d, want 1", k, n)
		}
	}
}

// testCounterConcurrent allocates numbers from two stores on one database
// (two processes), several goroutines each: every number 1..N once.
func testCounterConcurrent(t *testing.T, s workflow.Store, again Again) {
	ctx := t.Context()
	other := again(t, s)
	const workers, each = 6, 15
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		st := s
		if w%2 == 1 {
			st = other
		}
		wg.Go(func() {
			for range each {
				n, err := st.NextDossierNumber(ctx, agencyA, "261207")
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(got)
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("numbers %v: %d at %d (a number given twice or skipped)", got, n, i)
		}
	}
	if len(got) != workers*each {
		t.Fatalf("%d numbers", len(got))
	}
}

// Dossier returns a rich dossier for the tests: every kind of field set,
// eForm data with exact numbers, a frozen signature summary, a trail.
func Dossier(code string, created time.Time) workflow.Dossier {
	vals := forms.Values{Form: "TK_KHAI_SINH", Version: 1, Data: map[string]any{
		"hoTen": "Nguyễn Minh Khang", "soBanSao": json.Number("2"), "vonKinhDoanh": json.Number("123456789012345678"),
		"camDoan": []any{"dong_y"}},
		Provenance: map[string]forms.Provenance{"hoTen": {Source: "profile", Path: "fullName"}}}
	return workflow.Dossier{
		Code: code, Agency: agencyA, AgencyName: "UBND phường Bến Nghé", HandlingAgency: agencyA, HandlingAgencyName: "UBND phường Bến Nghé",
		Procedure: "DANG_KY_KHAI_SINH", ProcedureName: "Đăng ký khai sinh", Field: "Hộ tịch", ProcessVersion: 2,
		Resolution: workflow.ResolutionTime{WorkingDays: 1}, Channel: workflow.ChannelPortal,
		Applicant: workflow.Party{Kind: archive.Individual, ID: "001099012345", Name: "Nguyễn Văn Ấn", Phone: "0912345678"},
		CreatedBy: "001099012345",
		Components: []workflow.Filled{
			{Code: "TO_KHAI", Source: workflow.SourceForm, Form: &vals, By: "001099012345", At: created},
			{Code: "CCCD", Source: workflow.SourceReuse, DocumentID: "01JD0000000000000000000000", Version: 3, TypeCode: "CAN_CUOC",
				ReuseID: "01JD0000000000000000000001", By: "001099012345", At: created,
				Signature: &archive.SignatureSummary{Signed: true, Count: 1, Verdict: "TOTAL-PASSED", Signers: []string{"Nguyễn Văn An"},
					Level: "PAdES-B-T", VerifiedAt: created, Report: "ab12"}},
		},
		Status: workflow.StatusAwaitingIntake, Step: "tiep_nhan",
		CreatedAt: created, SubmittedAt: created.Add(time.Minute), UpdatedAt: created.Add(time.Minute),
		Trail: []workflow.TrailEntry{{Seq: 1, At: created.Add(time.Minute), Actor: "001099012345", Name: "Nguyễn Văn Ấn", Role: workflow.RoleApplicant,
			Action: workflow.ActionSubmit, From: workflow.State{Status: workflow.StatusRegistered}, To: workflow.State{Status: workflow.StatusAwaitingIntake},
			// What the slips are printed from again (a submission has no
			// reason or due time: the round trip is what is tried).
			Reason: "Lý do", Items: []string{"Bản sao giấy khai sinh"}, DueAt: created.Add(48*time.Hour + time.Microsecond)}},
		Rev: 2,
	}
}

// utc is d as a store returns it.
func utc(d workflow.Dossier) workflow.Dossier {
	b, err := workflow.EncodeDossier(d)
	if err != nil {
		panic(err)
	}
	out, err := workflow.DecodeDossier(b)
	if err != nil {
		panic(err)
	}
	return out
}

func testDossierRoundTrip(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	d := Dossier(agencyA+"-261207-0001", base)
	must(t, s.CreateDossier(ctx, d))
	wantKind(t, s.CreateDossier(ctx, d), kerr.Conflict, "create twice")
	got, err := s.GetDossier(ctx, d.Code)
	must(t, err)
	want := utc(d)
	same(t, "dossier", got, want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("dossier differs beyond its JSON (types of eForm values, time zones):\n got %#v\nwant %#v", got, want)
	}
	if got.CreatedAt.Location() != time.UTC || got.Trail[0].At.Location() != time.UTC {
		t.Fatal("times not in UTC")
	}
	if n, ok := got.Components[0].Form.Data["vonKinhDoanh"].(json.Number); !ok || n != "123456789012345678" {
		t.Fatalf("eForm number not exact: %#v", got.Components[0].Form.Data["vonKinhDoanh"])
	}
	_, err = s.GetDossier(ctx, agencyA+"-261207-0002")
	wantKind(t, err, kerr.NotFound, "missing dossier")
}

// next is d after an action: the next revision and status, one more
// trail entry.
func next(d workflow.Dossier, to workflow.Status, actor string) workflow.Dossier {
	n := d
	n.Status, n.Rev = to, d.Rev+1
	n.Trail = append(slices.Clone(d.Trail), workflow.TrailEntry{Seq: len(d.Trail) + 1, At: d.UpdatedAt.Add(time.Second), Actor: actor,
		Role: workflow.RoleDesk, Action: workflow.ActionReceive, From: d.State(), To: workflow.State{Status: to}, Note: "by " + actor})
	n.UpdatedAt = d.UpdatedAt.Add(time.Second)
	return n
}

func testDossierUpdateGuarded(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	d := Dossier(agencyA+"-261207-0001", base)
	must(t, s.CreateDossier(ctx, d))
	n := next(d, workflow.StatusReceived, "canbo1")
	// Another status than the stored one: refused, nothing changes.
	err := s.UpdateDossier(ctx, n, workflow.StatusRegistered)
	wantKind(t, err, kerr.Conflict, "wrong status")
	if ke := kerr.Outer(err); ke.Code != "dossier_changed" {
		t.Fatalf("code %q", ke.Code)
	}
	// Another revision: refused.
	stale := n
	stale.Rev = d.Rev + 5
	wantKind(t, s.UpdateDossier(ctx, stale, d.Status), kerr.Conflict, "wrong rev")
	got, err := s.GetDossier(ctx, d.Code)
	must(t, err)
	same(t, "unchanged", got, utc(d))
	// The right status and revision: stored whole.
	must(t, s.UpdateDossier(ctx, n, d.Status))
	got, err = s.GetDossier(ctx, d.Code)
	must(t, err)
	same(t, "updated", got, utc(n))
	// The same change again is stale now.
	wantKind(t, s.UpdateDossier(ctx, n, d.Status), kerr.Conflict, "replayed")
	missing := next(Dossier(agencyA+"-261207-0009", base), workflow.StatusReceived, "x")
	wantKind(t, s.UpdateDossier(ctx, missing, workflow.StatusAwaitingIntake), kerr.NotFound, "missing")
}

// testDossierUpdateConcurrent: officers on two stores (two processes)
// update one revision at once; exactly one wins, the others get
// Conflict, and the stored trail is the winner's, whole.
func testDossierUpdateConcurrent(t *testing.T, s workflow.Store, again Again) {
	ctx := t.Context()
	other := again(t, s)
	d := Dossier(agencyA+"-261207-0001", base)
	must(t, s.CreateDossier(ctx, d))
	const n = 8
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		st := s
		if i%2 == 1 {
			st = other
		}
		wg.Go(func() {
			<-start
			results[i] = st.UpdateDossier(ctx, next(d, workflow.StatusReceived, fmt.Sprintf("canbo%d", i)), d.Status)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("two updates of one revision won: %d and %d", winner, i)
		case err == nil:
			winner = i
		case !kerr.IsKind(err, kerr.Conflict):
			t.Fatalf("update %d: %v, want Conflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no update won")
	}
	got, err := s.GetDossier(ctx, d.Code)
	must(t, err)
	same(t, "winner's record", got, utc(next(d, workflow.StatusReceived, fmt.Sprintf("canbo%d", winner))))
	if len(got.Trail) != 2 || got.Trail[0].Action != workflow.ActionSubmit {
		t.Fatalf("trail %+v", got.Trail)
	}
}

func testDossierList(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	const citizen, agent, other, fourth = "001099012345", "079088000123", "036300001234", "040200009999"
	mk := func(i int, f func(*workflow.Dossier)) workflow.Dossier {
		d := Dossier(fmt.Sprintf("%s-261207-%04d", agencyA, i), base.Add(time.Duration(i)*time.Minute))
		f(&d)
		must(t, s.CreateDossier(ctx, d))
		return d
	}
	d1 := mk(1, func(d *workflow.Dossier) {})
	d2 := mk(2, func(d *workflow.Dossier) {
		d.Applicant.ID, d.Applicant.Name = other, "Lê Thị Hồng"
		d.Representative = &workflow.Representative{Party: workflow.Party{Kind: archive.Individual, ID: agent, Name: "Trần Ủy Quyền"}, Authorization: "GUQ 12/2026"}
	})
	d3 := mk(3, func(d *workflow.Dossier) {
		d.Status, d.Stage = workflow.StatusProcessing, workflow.StageAppraising
		d.Handler = &workflow.Handler{Subject: "thamdinh1", Name: "Cán bộ 1"}
		d.HandlingAgency = agencyB
	})
	d4 := mk(4, func(d *workflow.Dossier) {
		d.Agency, d.HandlingAgency, d.Code = agencyB, agencyB, agencyB+"-261207-0001"
		d.Applicant.ID, d.Applicant.Name = fourth, "Phạm Văn Bốn"
	})
	codes := func(q workflow.DossierQuery) []string {
		t.Helper()
		ds, _, err := s.ListDossiers(ctx, q)
		must(t, err)
		var out []string
		for _, d := range ds {
			out = append(out, d.Code)
		}
		return out
	}
	for _, c := range []struct {
		name string
		q    workflow.DossierQuery
		want []workflow.Dossier
	}{
		{"a citizen's own, newest first", workflow.DossierQuery{Party: citizen, Limit: 10}, []workflow.Dossier{d3, d1}},
		{"as representative", workflow.DossierQuery{Party: agent, Limit: 10}, []workflow.Dossier{d2}},
		{"as applicant through a representative", workflow.DossierQuery{Party: other, Limit: 10}, []workflow.Dossier{d2}},
		{"another party's, at another agency", workflow.DossierQuery{Party: fourth, Limit: 10}, []workflow.Dossier{d4}},
		{"nobody's", workflow.DossierQuery{Party: "012345678901", Limit: 10}, nil},
		{"received or handled by A", workflow.DossierQuery{Agency: agencyA, Limit: 10}, []workflow.Dossier{d3, d2, d1}},
		{"received or handled by B", workflow.DossierQuery{Agency: agencyB, Limit: 10}, []workflow.Dossier{d4, d3}},
		{"by status", workflow.DossierQuery{Agency: agencyA, Status: workflow.StatusAwaitingIntake, Limit: 10}, []workflow.Dossier{d2, d1}},
		{"by assignee", workflow.DossierQuery{Agency: agencyB, Assignee: "thamdinh1", Limit: 10}, []workflow.Dossier{d3}},
		{"by assignee and status", workflow.DossierQuery{Agency: agencyB, Assignee: "thamdinh1", Status: workflow.StatusReceived, Limit: 10}, nil},
	} {
		var want []string
		for _, d := range c.want {
			want = append(want, d.Code)
		}
		if got := codes(c.q); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", c.name, got, want)
		}
	}
	// Paging: one at a time, by the sort key of the last.
	var seen []string
	q := workflow.DossierQuery{Agency: agencyA, Limit: 1}
	for range 5 {
		ds, more, err := s.ListDossiers(ctx, q)
		must(t, err)
		for _, d := range ds {
			seen = append(seen, d.Code)
		}
		if !more {
			break
		}
		q.After = ds[len(ds)-1].SortKey()
	}
	if !slices.Equal(seen, []string{d3.Code, d2.Code, d1.Code}) {
		t.Fatalf("pages %v", seen)
	}
	_, _, err := s.ListDossiers(ctx, workflow.DossierQuery{Agency: agencyA, Limit: 0})
	wantKind(t, err, kerr.Invalid, "limit 0")
	_, _, err = s.ListDossiers(ctx, workflow.DossierQuery{Agency: agencyA, Limit: 1001})
	wantKind(t, err, kerr.Invalid, "limit 1001")
}

// matches is what a query selects, decided in Go: the oracle of
// testDossierSearch.
func matches(d workflow.Dossier, q workflow.DossierQuery) bool {
	switch {
	case q.Party != "":
		if d.Applicant.ID != q.Party && (d.Representative == nil || d.Representative.ID != q.Party) {
			return false
		}
	case q.Side == workflow.SideReceiving:
		if d.Agency != q.Agency {
			return false
		}
	case q.Side == workflow.SideHandling:
		if d.HandlingAgency != q.Agency {
			return false
		}
	default:
		if d.Agency != q.Agency && d.HandlingAgency != q.Agency {
			return false
		}
	}
	statuses := slices.Clone(q.Statuses)
	if q.Status != "" {
		statuses = append(statuses, q.Status)
	}
	if len(statuses) > 0 && !slices.Contains(statuses, d.Status) {
		return false
	}
	stages := slices.Clone(q.Stages)
	if q.Stage != "" {
		stages = append(stages, q.Stage)
	}
	if len(stages) > 0 && !slices.Contains(stages, d.Stage) {
		return false
	}
	if (q.Handling != "" && d.HandlingAgency != q.Handling) || (q.Assignee != "" && d.Assignee() != q.Assignee) ||
		(q.Procedure != "" && d.Procedure != q.Procedure) || (q.Field != "" && d.Field != q.Field) {
		return false
	}
	in := func(t, from, before time.Time) bool {
		if from.IsZero() && before.IsZero() {
			return true
		}
		from, before = from.Truncate(time.Millisecond), before.Truncate(time.Millisecond) // bounds count to the millisecond
		return !t.IsZero() && (from.IsZero() || !t.Before(from)) && (before.IsZero() || t.Before(before))
	}
	if !in(d.ReceivedAt, q.ReceivedFrom, q.ReceivedBefore) || !in(d.DueAt, q.DueFrom, q.DueBefore) {
		return false
	}
	for _, w := range q.Words {
		if !slices.ContainsFunc(d.NameKeys(), func(k string) bool { return strings.HasPrefix(k, w) }) {
			return false
		}
	}
	return true
}

// testDossierSearch stores 60 dossiers varied in every searched attribute
// and checks listings (every page) and counts of many queries, singly and
// combined, against matches.
func testDossierSearch(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	people := []string{"Nguyễn Văn Ấn", "Trần Thị Bích", "Lê Nguyễn Hoàng", "Phạm Thị Ngọc Ánh", "Đặng Văn Đức"}
	orgs := []string{"Công ty TNHH Bánh Mì Hồng", "Hợp tác xã Nông nghiệp Đức Hòa", "Công ty cổ phần Xây dựng Số 1"}
	states := []workflow.State{{Status: workflow.StatusAwaitingIntake}, {Status: workflow.StatusReceived},
		{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}, {Status: workflow.StatusProcessing, Stage: workflow.StageToApprove},
		{Status: workflow.StatusSupplementRequested}, {Status: workflow.StatusResultReturned}, {Status: workflow.StatusIntakeRefused}}
	var all []workflow.Dossier
	for i := range 60 {
		d := Dossier(fmt.Sprintf("%s-261207-%04d", agencyA, i+1), base.Add(time.Duration(i)*time.Minute))
		d.Applicant.ID, d.Applicant.Name = fmt.Sprintf("0010990%05d", i%7), people[i%len(people)]
		if i%4 == 0 {
			d.Applicant = workflow.Party{Kind: archive.Organization, ID: fmt.Sprintf("DN%03d", i%3), Name: orgs[i%len(orgs)]}
			d.Representative = &workflow.Representative{Party: workflow.Party{Kind: archive.Individual, ID: "079088000123", Name: people[(i+1)%len(people)]},
				Authorization: "GUQ"}
		}
		if i%5 == 1 {
			d.Agency, d.Code = agencyB, fmt.Sprintf("%s-261207-%04d", agencyB, i+1)
		}
		if i%6 == 2 {
			d.HandlingAgency = agencyB
		}
		st := states[i%len(states)]
		d.Status, d.Stage = st.Status, st.Stage
		d.Handler = nil
		if st.Status == workflow.StatusProcessing || i%3 == 0 {
			d.Handler = &workflow.Handler{Subject: []string{"thamdinh1", "thamdinh2"}[i%2], Name: "Cán bộ"}
		}
		d.Procedure, d.Field = []string{"DANG_KY_KHAI_SINH", "DANG_KY_HO_KINH_DOANH", "CAP_GP_XAY_DUNG"}[i%3], []string{"Hộ tịch", "Kinh doanh", "Xây dựng"}[i%3]
		d.ReceivedAt, d.DueAt = time.Time{}, time.Time{}
		if i%8 != 0 {
			d.ReceivedAt = base.Add(time.Duration(i) * time.Hour)
			d.DueAt = base.Add(time.Duration(60-i) * 3 * time.Hour)
		}
		must(t, s.CreateDossier(ctx, d))
		all = append(all, utc(d))
	}
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	queries := []workflow.DossierQuery{
		{Agency: agencyA},
		{Agency: agencyB},
		{Agency: agencyA, Side: workflow.SideReceiving},
		{Agency: agencyA, Side: workflow.SideHandling},
		{Agency: agencyB, Side: workflow.SideHandling},
		{Party: "079088000123"},
		{Party: "001099000003"},
		{Agency: agencyA, Status: workflow.StatusReceived},
		{Agency: agencyA, Statuses: []workflow.Status{workflow.StatusAwaitingIntake, workflow.StatusSupplementRequested}},
		{Agency: agencyA, Side: workflow.SideHandling, Status: workflow.StatusProcessing, Stage: workflow.StageToApprove},
		{Agency: agencyA, Assignee: "thamdinh1"},
		{Agency: agencyA, Assignee: "thamdinh2", Status: workflow.StatusProcessing},
		{Agency: agencyA, Procedure: "DANG_KY_HO_KINH_DOANH"},
		{Agency: agencyA, Field: "Xây dựng"},
		{Agency: agencyA, ReceivedFrom: at(10), ReceivedBefore: at(30)},
		{Agency: agencyA, ReceivedFrom: at(50)},
		{Agency: agencyA, DueBefore: at(60)},
		{Agency: agencyA, DueFrom: at(30), DueBefore: at(90)},
		{Agency: agencyA, Words: []string{"p:nguyen"}},
		{Agency: agencyA, Words: []string{"p:ng"}},
		{Agency: agencyA, Words: []string{"p:nguyen", "p:an"}},
		{Agency: agencyA, Words: []string{"p:duc"}},
		{Agency: agencyA, Words: []string{"o:duc"}},
		{Agency: agencyA, Words: []string{"o:banh", "o:hong"}},
		{Agency: agencyA, Words: []string{"p:zz"}},
		{Agency: agencyA, Side: workflow.SideReceiving, Field: "Hộ tịch", Words: []string{"p:le"}, ReceivedFrom: at(1)},
		{Agency: agencyB, Statuses: []workflow.Status{workflow.StatusProcessing, workflow.StatusResultReturned}, DueBefore: at(150), Procedure: "DANG_KY_KHAI_SINH"},
		{Agency: agencyA, Side: workflow.SideHandling, Status: workflow.StatusProcessing, Stages: []workflow.Stage{workflow.StageAppraising, workflow.StageToApprove}, DueBefore: at(100)},
		{Agency: agencyA, Side: workflow.SideReceiving, Handling: agencyB},
		{Agency: agencyA, Handling: agencyA, Stage: workflow.StageAppraising, Assignee: "thamdinh2", DueFrom: at(20)},
	}
	for i, q := range queries {
		var want []string
		for j := len(all) - 1; j >= 0; j-- {
			if matches(all[j], q) {
				want = append(want, all[j].Code)
			}
		}
		if len(want) == 0 && !slices.Equal(q.Words, []string{"p:zz"}) {
			t.Errorf("query %d %+v selects nothing: a case that proves little", i, q)
		}
		n, err := s.CountDossiers(ctx, q)
		must(t, err)
		if n != int64(len(want)) {
			t.Errorf("query %d %+v: count %d, want %d", i, q, n, len(want))
		}
		var got []string
		q.Limit = 7
		for range 20 {
			ds, more, err := s.ListDossiers(ctx, q)
			must(t, err)
			for _, d := range ds {
				got = append(got, d.Code)
			}
			if !more {
				break
			}
			q.After = ds[len(ds)-1].SortKey()
		}
		if !slices.Equal(got, want) {
			t.Errorf("query %d %+v:\n got %v\nwant %v", i, q, got, want)
		}
	}
	// The oracle is not vacuous: the queries select different sets, and
	// some select nothing.
	if n, _ := s.CountDossiers(ctx, queries[0]); n < 40 {
		t.Fatalf("agency A counts %d", n)
	}
	_, err := s.CountDossiers(ctx, workflow.DossierQuery{})
	wantKind(t, err, kerr.Invalid, "count without scope")
	_, err = s.CountDossiers(ctx, workflow.DossierQuery{Agency: agencyA, Side: "elsewhere"})
	wantKind(t, err, kerr.Invalid, "unknown side")
}

// testDossiersDueBefore: the deadline scan's read returns the dossiers
// whose clock runs (received, processing, payment required) and that are
// due before the bound, in due-time order, paged by watch key; not a
// dossier without a due time, in another status, or already found overdue
// for its due time — until an update gives it another due time.
func testDossiersDueBefore(t *testing.T, s workflow.Store, _ Again) {
	ctx := t.Context()
	h := time.Hour
	type spec struct {
		st    workflow.State
		due   time.Duration // from base; 0: none
		late  workflow.LateState
		watch bool
	}
	proc := func(g workflow.Stage) workflow.State {
		return workflow.State{Status: workflow.StatusProcessing, Stage: g}
	}
	st := func(s workflow.Status) workflow.State { return workflow.State{Status: s} }
	specs := []spec{
		{proc(workflow.StageAppraising), -3 * h, "", true},                    // 1: overdue, not yet found
		{proc(workflow.StageToAssign), 5 * h, workflow.LateNear, true},        // 2: near
		{st(workflow.StatusReceived), 1 * h, "", true},                        // 3
		{st(workflow.StatusPaymentRequired), 2 * h, "", true},                 // 4
		{proc(workflow.StageAppraising), -2 * h, workflow.LateOverdue, false}, // 5: found overdue
		{st(workflow.StatusSupplementRequested), -h, "", false},               // 6: clock stopped
		{st(workflow.StatusResolved), -h, "", false},                          // 7: done
		{proc(workflow.StageAppraising), 0, "", false},                        // 8: no due time
		{proc(workflow.StageAppraising), 30 * h, "", false},                   // 9: after the bound
		{proc(workflow.StageApproved), 1 * h, "", true},                       // 10: same due as 3
	}
	byCode := map[string]workflow.Dossier{}
	for i, sp := range specs {
		d := Dossier(fmt.Sprintf("%s-261207-%04d", agencyA, i+1), base)
		d.Status, d.Stage = sp.st.Status, sp.st.Stage
		if sp.due != 0 {
			d.DueAt = base.Add(sp.due)
		}
		if sp.late != "" {
			d.Lateness = &workflow.Lateness{State: sp.late, Due: d.DueAt, Since: base}
		}
		must(t, s.CreateDossier(ctx, d))
		byCode[d.Code] = d
	}
	before := base.Add(24 * h)
	var got []string
	after := ""
	for range 10 {
		page, err := s.DossiersDueBefore(ctx, before, after, 2)
		must(t, err)
		for _, d := range page {
			got = append(got, d.Code[len(d.Code)-4:])
			same(t, "dossier "+d.Code, d, utc(byCode[d.Code]))
			after = d.WatchKey()
		}
		if len(page) < 2 {
			break
		}
	}
	same(t, "due before, in order", got, []string{"0001", "0003", "0010", "0004", "0002"})
	// An update that moves the due time of the one found overdue brings it
	// back; one that finds another overdue takes it out.
	five := byCode[agencyA+"-261207-0005"]
	moved := next(five, workflow.StatusProcessing, "lanhdao")
	moved.Stage, moved.DueAt = five.Stage, base.Add(3*h)
	must(t, s.UpdateDossier(ctx, moved, five.Status))
	one := byCode[agencyA+"-261207-0001"]
	found := one
	found.Lateness, found.Rev = &workflow.Lateness{State: workflow.LateOverdue, Due: one.DueAt, Since: base}, one.Rev+1
	must(t, s.UpdateDossier(ctx, found, one.Status))
	page, err := s.DossiersDueBefore(ctx, before, "", 10)
	must(t, err)
	got = got[:0]
	for _, d := range page {
		got = append(got, d.Code[len(d.Code)-4:])
	}
	same(t, "after the updates", got, []string{"0003", "0010", "0004", "0005", "0002"})
	_, err = s.DossiersDueBefore(ctx, before, "", 0)
	wantKind(t, err, kerr.Invalid, "limit 0")
}
