package bench_test

import (
	"fmt"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// The synthetic province of the statistics benchmark (issue 13 item 8):
// 20 competent agencies, 200 procedures in 30 fields at the three service
// levels, 10 officers per agency, and dossiers received over two years
// (2025 and 2026 up to 08/12/2026) in every status. Dossier i is a pure
// function of (seed, i, n), so a load can stop and go on, and the floor's
// aggregates are summed from the same dossiers the stores hold. Dossiers
// come in the order of their submission, as a store fills.
const (
	genAgencies   = 20
	genProcedures = 200
	genFields     = 30
	genOfficers   = 10 // per agency
)

// genFrom and genTo bound the reception times (Vietnam time).
var (
	genFrom = time.Date(2025, 1, 1, 0, 0, 0, 0, workflow.Vietnam)
	genTo   = time.Date(2026, 12, 8, 0, 0, 0, 0, workflow.Vietnam)
)

// genAgency is the code of agency a (a Sở or UBND of one province).
func genAgency(a int) string { return fmt.Sprintf("000.%02d.31.H29", a) }

// genField is the code of field f.
func genField(f int) string { return fmt.Sprintf("LV%02d", f) }

// genProcedure describes procedure p: its field, level, agency and
// resolution time. Levels: 40 % fully online, 40 % partly online, 20 %
// information only.
func genProcedure(p int) workflow.Procedure {
	level := workflow.LevelFull
	switch p % 10 {
	case 4, 5, 6, 7:
		level = workflow.LevelPartial
	case 8, 9:
		level = workflow.LevelInfo
	}
	return workflow.Procedure{
		Code:       fmt.Sprintf("1.%06d", 1000+p),
		Name:       fmt.Sprintf("Thủ tục hành chính số %d", p),
		Field:      genField(p % genFields),
		Level:      level,
		Agency:     genAgency(p % genAgencies),
		LegalBasis: []string{"Nghị định 118/2025/NĐ-CP"},
		Resolution: workflow.ResolutionTime{WorkingDays: 3 + p%12},
	}
}

// genOfficer is the subject of officer o of agency a.
func genOfficer(a, o int) string { return fmt.Sprintf("cb-%02d-%02d", a, o) }

// genStaff is the directory: per agency a leader, a head, and appraisers.
func genStaff() []workflow.Staff {
	var out []workflow.Staff
	for a := range genAgencies {
		for o := range genOfficers {
			pos := []workflow.Role{workflow.RoleAppraiser}
			switch o {
			case 0:
				pos = []workflow.Role{workflow.RoleLeader}
			case 1:
				pos = []workflow.Role{workflow.RoleHead, workflow.RoleAppraiser}
			case 2:
				pos = []workflow.Role{workflow.RoleDesk}
			}
			out = append(out, workflow.Staff{Subject: genOfficer(a, o), Name: fmt.Sprintf("Cán bộ %02d-%02d", a, o),
				Agency: genAgency(a), Department: "P1", Positions: pos, Active: true, UpdatedAt: genFrom})
		}
	}
	return out
}

// genAgencies are the agencies, each with one department.
func genAgencyRecords() []workflow.Agency {
	out := make([]workflow.Agency, genAgencies)
	for a := range out {
		out[a] = workflow.Agency{Code: genAgency(a), Name: fmt.Sprintf("Sở ngành số %d", a),
			Departments: []workflow.Department{{Code: "P1", Name: "Phòng Nghiệp vụ"}}, UpdatedAt: genFrom}
	}
	return out
}

// rng is splitmix64: a small deterministic generator per dossier.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn is a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// genStatuses are the states a dossier may be left in, by weight, for an
// old dossier (received more than 60 days before genTo) and a recent one.
type genState struct {
	status workflow.Status
	stage  workflow.Stage
	weight int
}

var (
	genOld = []genState{
		{workflow.StatusResultReturned, "", 70}, {workflow.StatusResolved, "", 6}, {workflow.StatusAwaitingReturn, "", 4},
		{workflow.StatusStopped, "", 3}, {workflow.StatusWithdrawn, "", 2}, {workflow.StatusApplicantStopped, "", 2},
		{workflow.StatusIntakeRefused, "", 2}, {workflow.StatusReturned, "", 2},
		{workflow.StatusProcessing, workflow.StageAppraising, 4}, {workflow.StatusSupplementRequested, "", 2},
		{workflow.StatusPaymentRequired, "", 1}, {workflow.StatusProcessing, workflow.StageApproved, 2},
	}
	genRecent = []genState{
		{workflow.StatusRegistered, "", 3}, {workflow.StatusAwaitingIntake, "", 4}, {workflow.StatusAwaitingSupplement, "", 2},
		{workflow.StatusSupplemented, "", 1}, {workflow.StatusWithdrawalRequested, "", 1}, {workflow.StatusReceived, "", 8},
		{workflow.StatusIntakeSupplementRequested, "", 2}, {workflow.StatusProcessing, workflow.StageToAssign, 8},
		{workflow.StatusProcessing, workflow.StageAppraising, 14}, {workflow.StatusProcessing, workflow.StageConsulting, 4},
		{workflow.StatusProcessing, workflow.StageAppraised, 4}, {workflow.StatusProcessing, workflow.StageToApprove, 5},
		{workflow.StatusProcessing, workflow.StageApproved, 3}, {workflow.StatusSupplementRequested, "", 3},
		{workflow.StatusPaymentRequired, "", 2}, {workflow.StatusResolved, "", 8}, {workflow.StatusAwaitingReturn, "", 6},
		{workflow.StatusResultReturned, "", 16}, {workflow.StatusStopped, "", 1}, {workflow.StatusWithdrawn, "", 1},
		{workflow.StatusApplicantStopped, "", 1}, {workflow.StatusIntakeRefused, "", 1}, {workflow.StatusReturned, "", 1},
	}
)

// pick draws a state by weight.
func pick(r *rng, states []genState) genState {
	total := 0
	for _, s := range states {
		total += s.weight
	}
	n := r.intn(total)
	for _, s := range states {
		if n < s.weight {
			return s
		}
		n -= s.weight
	}
	return states[0]
}

// preIntake reports whether a dossier in status s has not been received.
func preIntake(s workflow.Status) bool {
	switch s {
	case workflow.StatusRegistered, workflow.StatusAwaitingIntake, workflow.StatusAwaitingSupplement,
		workflow.StatusSupplemented, workflow.StatusWithdrawalRequested, workflow.StatusWithdrawn,
		workflow.StatusIntakeSupplementRequested, workflow.StatusReturned, workflow.StatusIntakeRefused:
		return true
	}
	return false
}

// resolvedState reports whether a dossier in status s reached "Đã xử lý
// xong".
func resolvedState(s workflow.Status) bool {
	return s == workflow.StatusResolved || s == workflow.StatusAwaitingReturn || s == workflow.StatusResultReturned
}

// genDossier is dossier i of n of the seeded province, submitted on the
// (i/n)-th day of the two years: its procedure (skewed:
// the first procedures of each agency are the busiest), reception in the
// two years, a state that depends on its age, 12 % of the resolved late,
// 2 % transferred to another agency, and a body the size of a real one
// (three components, a trail of the steps it went through).
func genDossier(seed uint64, i, n int) workflow.Dossier {
	r := rng(seed*0x100000001b3 + uint64(i))
	// Skew: procedure p's weight falls with p/genAgencies.
	p := r.intn(genProcedures)
	if r.intn(2) == 0 {
		p = r.intn(genProcedures / 4)
	}
	proc := genProcedure(p)
	a := p % genAgencies
	span := genTo.Sub(genFrom)
	submitted := genFrom.Add(time.Duration(float64(span) * (float64(i) + 0.5) / float64(n)))
	// Office hours: 07:30–17:00 Vietnam time.
	day := time.Date(submitted.Year(), submitted.Month(), submitted.Day(), 7, 30, 0, 0, workflow.Vietnam)
	submitted = day.Add(time.Duration(r.intn(int(9*time.Hour+30*time.Minute)/int(time.Second))) * time.Second)
	age := genTo.Sub(submitted)
	st := pick(&r, genRecent)
	if age > 60*24*time.Hour {
		st = pick(&r, genOld)
	}
	channel := workflow.ChannelPortal
	switch proc.Level {
	case workflow.LevelFull:
		if r.intn(3) == 0 {
			channel = workflow.ChannelNational
		}
	case workflow.LevelPartial:
		if r.intn(2) == 0 {
			channel = workflow.ChannelDesk
		}
	default:
		channel = workflow.ChannelDesk
		if r.intn(5) == 0 {
			channel = workflow.ChannelPostal
		}
	}
	applicant := fmt.Sprintf("0%02d%09d", 1+r.intn(96), r.intn(1_000_000_000))
	d := workflow.Dossier{
		Code:   workflow.DossierCode(genAgency(a), submitted, int64(i+1)),
		Agency: genAgency(a), AgencyName: fmt.Sprintf("Sở ngành số %d", a),
		HandlingAgency: genAgency(a), HandlingAgencyName: fmt.Sprintf("Sở ngành số %d", a),
		Procedure: proc.Code, ProcedureName: proc.Name, Field: proc.Field, ProcessVersion: 1,
		Resolution: proc.Resolution, Channel: channel,
		Applicant: workflow.Party{Kind: archive.Individual, ID: applicant, Name: fmt.Sprintf("Nguyễn Văn Dân %d", i),
			Address: "Phường Bến Nghé, Thành phố Hồ Chí Minh", Phone: "0901234567"},
		CreatedBy: applicant,
		Status:    st.status, Stage: st.stage,
		CreatedAt: submitted, SubmittedAt: submitted, UpdatedAt: submitted,
	}
	if r.intn(50) == 0 {
		b := (a + 1 + r.intn(genAgencies-1)) % genAgencies
		d.HandlingAgency, d.HandlingAgencyName = genAgency(b), fmt.Sprintf("Sở ngành số %d", b)
	}
	for c := range 3 {
		d.Components = append(d.Components, workflow.Filled{Code: fmt.Sprintf("TP%d", c+1), Source: workflow.SourceReuse,
			DocumentID: fmt.Sprintf("doc-%d-%d", i, c), Version: 1, TypeCode: fmt.Sprintf("GT%03d", c), ReuseID: fmt.Sprintf("reuse-%d-%d", i, c),
			By: applicant, At: submitted})
	}
	trail := func(at time.Time, actor string, role workflow.Role, act workflow.Action, to workflow.State) {
		from := workflow.State{}
		if n := len(d.Trail); n > 0 {
			from = d.Trail[n-1].To
		}
		d.Trail = append(d.Trail, workflow.TrailEntry{Seq: len(d.Trail) + 1, At: at, Actor: actor, Role: role, Action: act, From: from, To: to})
		d.UpdatedAt = at
	}
	trail(submitted, applicant, workflow.RoleApplicant, workflow.ActionSubmit, workflow.State{Status: workflow.StatusAwaitingIntake})
	if preIntake(st.status) {
		if st.status != workflow.StatusAwaitingIntake {
			trail(submitted.Add(time.Hour), genOfficer(a, 2), workflow.RoleDesk, workflow.ActionReturnDossier, d.State())
		}
		d.Rev = int64(len(d.Trail))
		return d
	}
	received := submitted.Add(time.Duration(r.intn(8*3600)) * time.Second)
	d.ReceivedAt = received
	// Calendar days stand in for working days here: the benchmark
	// measures the store, not the calendar.
	d.DueAt = received.Add(time.Duration(proc.Resolution.WorkingDays) * 24 * time.Hour * 7 / 5)
	trail(received, genOfficer(a, 2), workflow.RoleDesk, workflow.ActionReceive, workflow.State{Status: workflow.StatusReceived})
	officer := genOfficer(a, 3+r.intn(genOfficers-3))
	if st.status != workflow.StatusReceived {
		d.Handler = &workflow.Handler{Subject: officer, Name: "Cán bộ " + officer[3:], Department: "P1", DepartmentName: "Phòng Nghiệp vụ"}
		trail(received.Add(2*time.Hour), genOfficer(a, 1), workflow.RoleHead, workflow.ActionAssign,
			workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising})
	}
	if resolvedState(st.status) {
		// 88 % on time: resolved before DueAt, the rest up to ten days after.
		total := d.DueAt.Sub(received)
		at := received.Add(time.Duration(r.next() % uint64(total)))
		if r.intn(100) < 12 {
			at = d.DueAt.Add(time.Duration(1+r.intn(10*24*3600)) * time.Second)
		}
		if at.After(genTo) {
			at = genTo.Add(-time.Hour)
		}
		d.ResolvedAt = at
		trail(at, genOfficer(a, 0), workflow.RoleLeader, workflow.ActionSign, workflow.State{Status: workflow.StatusResolved})
		if st.status == workflow.StatusResultReturned {
			d.ReturnedAt = at.Add(24 * time.Hour)
			trail(d.ReturnedAt, genOfficer(a, 2), workflow.RoleDesk, workflow.ActionReturnDossier, d.State())
		}
	} else if st.status != workflow.StatusReceived {
		trail(received.Add(3*time.Hour), officer, workflow.RoleAppraiser, workflow.ActionAppraise, d.State())
	}
	d.Rev = int64(len(d.Trail))
	return d
}
