package workflowtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// The generated dataset of dossier statistics: agencies, procedures of
// the three service levels in several fields, staff, and dossiers across
// 2025–2026 in every status, channel and stage, written through a
// workflow.Store. The generator decides what each dossier counts as
// first (a Fact: its times and outcome), then builds the dossier to
// match, so Expect answers any StatsQuery from the facts by the rules of
// docs/statistics.md — never with the engine's code.

// StatsNow is the dataset's "now": every event of a generated dossier is
// before 1 December 2026, Vietnam time.
var StatsNow = time.Date(2026, 12, 7, 12, 0, 0, 0, workflow.Vietnam)

// Fact is what a generated dossier counts as.
type Fact struct {
	Code            string
	Agency          string // competent (HandlingAgency)
	ReceivingAgency string
	Procedure       string
	Field           string
	Level           workflow.ServiceLevel
	Channel         workflow.Channel
	Status          workflow.Status
	Stage           workflow.Stage
	Officer         string
	// Received is zero for a dossier not received; Resolved when it
	// reached "Đã xử lý xong"; Ended when it was resolved or ended
	// otherwise (zero while open); Due is its appointment (zero: none).
	Received, Resolved, Ended, Due time.Time
	OnTime                         bool
}

// Dataset is a generated dataset.
type Dataset struct {
	Now        time.Time
	Agencies   []workflow.Agency
	Procedures []workflow.Procedure
	Staff      []workflow.Staff
	Facts      []Fact
}

// Heads returns the subject of the head of department of agency (staff
// allowed to see its statistics) and of an appraiser who is not.
func (ds *Dataset) Heads(agency string) (head, appraiser string) {
	for _, m := range ds.Staff {
		if m.Agency != agency {
			continue
		}
		if m.Holds(workflow.RoleHead) && head == "" {
			head = m.Subject
		}
		if !m.Holds(workflow.RoleHead) && !m.Holds(workflow.RoleLeader) && appraiser == "" {
			appraiser = m.Subject
		}
	}
	return head, appraiser
}

var (
	statsAgencies = []string{"000.00.31.H29", "000.00.32.H29", "000.00.33.H29"}
	statsFields   = []string{"Hộ tịch", "Đất đai", "Xây dựng"}
	statsChannels = []workflow.Channel{workflow.ChannelPortal, workflow.ChannelDesk, workflow.ChannelPostal, workflow.ChannelNational}
	openStates    = []workflow.State{{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign},
		{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}, {Status: workflow.StatusProcessing, Stage: workflow.StageConsulting},
		{Status: workflow.StatusProcessing, Stage: workflow.StageToApprove}, {Status: workflow.StatusSupplementRequested},
		{Status: workflow.StatusPaymentRequired}, {Status: workflow.StatusReceived}}
	resolvedStates  = []workflow.Status{workflow.StatusResolved, workflow.StatusAwaitingReturn, workflow.StatusResultReturned}
	endedStates     = []workflow.Status{workflow.StatusStopped, workflow.StatusApplicantStopped}
	unreceivedState = []workflow.Status{workflow.StatusAwaitingIntake, workflow.StatusWithdrawn, workflow.StatusIntakeRefused, workflow.StatusRegistered}
)

// Generate writes the catalogue, the staff and n dossiers made from seed
// into st, and returns the dataset. The same seed and n give the same
// dataset.
func Generate(ctx context.Context, st workflow.Store, seed uint64, n int) (*Dataset, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	ds := &Dataset{Now: StatsNow}
	for i, code := range statsAgencies {
		a := workflow.Agency{Code: code, Name: fmt.Sprintf("Ủy ban nhân dân Phường %d", i+1), Departments: []workflow.Department{}}
		if err := st.PutAgency(ctx, a); err != nil {
			return nil, err
		}
		ds.Agencies = append(ds.Agencies, a)
		for j := range 3 {
			p := workflow.Procedure{Code: fmt.Sprintf("1.%03d%03d", i+1, j+1), Name: fmt.Sprintf("Thủ tục %d.%d", i+1, j+1),
				Field: statsFields[(i+j)%3], Level: workflow.ServiceLevels[j%3], Agency: code}
			if err := st.PutProcedureRecord(ctx, p); err != nil {
				return nil, err
			}
			ds.Procedures = append(ds.Procedures, p)
		}
		for j, pos := range [][]workflow.Role{{workflow.RoleLeader}, {workflow.RoleHead}, {workflow.RoleAppraiser}, {workflow.RoleAppraiser}} {
			m := workflow.Staff{Subject: fmt.Sprintf("cb-%d-%d", i+1, j+1), Name: fmt.Sprintf("Cán bộ %d.%d", i+1, j+1), Agency: code,
				Positions: pos, Active: true}
			if err := st.PutStaff(ctx, m); err != nil {
				return nil, err
			}
			ds.Staff = append(ds.Staff, m)
		}
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, workflow.Vietnam)
	last := time.Date(2026, 12, 1, 0, 0, 0, 0, workflow.Vietnam)
	span := last.Sub(start)
	for i := range n {
		p := ds.Procedures[rng.IntN(len(ds.Procedures))]
		f := Fact{Agency: p.Agency, ReceivingAgency: p.Agency, Procedure: p.Code, Field: p.Field, Level: p.Level,
			Channel: statsChannels[rng.IntN(len(statsChannels))]}
		if rng.IntN(20) == 0 { // received by another agency, transferred to the competent one
			f.ReceivingAgency = statsAgencies[(slices.Index(statsAgencies, p.Agency)+1)%len(statsAgencies)]
		}
		submitted := start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute)
		received := submitted.Add(time.Duration(rng.IntN(72)) * time.Hour)
		if rng.IntN(10) == 0 || !received.Before(last) {
			f.Status = unreceivedState[rng.IntN(len(unreceivedState))]
		} else {
			f.Received = received
			if rng.IntN(10) > 0 {
				f.Due = received.Add(time.Duration(2+rng.IntN(30)) * 24 * time.Hour)
			}
			took := time.Duration(1+rng.IntN(50*24)) * time.Hour
			switch r := rng.IntN(10); {
			case r < 3:
				s := openStates[rng.IntN(len(openStates))]
				f.Status, f.Stage = s.Status, s.Stage
			case r < 9 && received.Add(took).Before(last):
				f.Status = resolvedStates[rng.IntN(len(resolvedStates))]
				f.Resolved = received.Add(took)
				if !f.Due.IsZero() && rng.IntN(8) == 0 { // the last minute on time, or the first minute late
					f.Resolved = f.Due.Add(time.Duration(rng.IntN(2)) * time.Minute)
				}
				f.Ended = f.Resolved
				f.OnTime = f.Due.IsZero() || !f.Resolved.After(f.Due)
			case received.Add(took).Before(last):
				f.Status = endedStates[rng.IntN(len(endedStates))]
				f.Ended = received.Add(took)
			default:
				f.Status, f.Stage = workflow.StatusProcessing, workflow.StageAppraising
			}
			if f.Stage != "" && f.Stage != workflow.StageToAssign {
				f.Officer = fmt.Sprintf("cb-%d-%d", slices.Index(statsAgencies, f.Agency)+1, 3+rng.IntN(2))
			}
		}
		f.Code = fmt.Sprintf("%s-%s-%04d", f.ReceivingAgency, submitted.Format("060102"), 1000+i)
		lateExtension := !f.Resolved.IsZero() && !f.OnTime && !f.Due.IsZero() && rng.IntN(3) == 0
		if err := writeFact(ctx, st, f, submitted, lateExtension); err != nil {
			return nil, fmt.Errorf("dossier %d %s: %w", i, f.Code, err)
		}
		ds.Facts = append(ds.Facts, f)
	}
	if err := placeCalendarCases(ctx, st, ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// CalendarProcedure is the procedure of the hand-placed dossiers whose
// due dates cross Tết 2026, 30/4–1/5, 2/9 and the make-up working
// Saturdays (10/01 and 22/08/2026): each is received once resolved at
// the last minute on time (at its due time) and once at the first minute
// late — 5 on time and 5 late, all received and resolved in 2026.
const CalendarProcedure = "1.999001"

// CalendarCases are the receptions of the hand-placed dossiers (Vietnam
// time), their resolution time in working days, and the due date the
// shipped calendar gives.
var CalendarCases = []struct {
	Name     string
	Received time.Time
	Days     int
	DueDate  string // DD/MM/YYYY
}{
	{"Tết Nguyên đán 2026", time.Date(2026, 2, 13, 10, 0, 0, 0, workflow.Vietnam), 1, "23/02/2026"},
	{"30/4 – 1/5", time.Date(2026, 4, 29, 10, 0, 0, 0, workflow.Vietnam), 1, "04/05/2026"},
	{"Quốc khánh 2/9", time.Date(2026, 8, 28, 10, 0, 0, 0, workflow.Vietnam), 1, "03/09/2026"},
	{"thứ Bảy làm bù 10/01/2026", time.Date(2026, 1, 9, 10, 0, 0, 0, workflow.Vietnam), 1, "10/01/2026"},
	{"thứ Bảy làm bù 22/08/2026", time.Date(2026, 8, 21, 10, 0, 0, 0, workflow.Vietnam), 1, "22/08/2026"},
}

// placeCalendarCases writes the hand-placed dossiers, their due time
// computed with the shipped Vietnamese calendar as reception does.
func placeCalendarCases(ctx context.Context, st workflow.Store, ds *Dataset) error {
	spec, err := calendar.Shipped()
	if err != nil {
		return err
	}
	cal, err := calendar.New(spec)
	if err != nil {
		return err
	}
	ag := statsAgencies[0]
	p := workflow.Procedure{Code: CalendarProcedure, Name: "Thủ tục có hạn qua ngày nghỉ", Field: statsFields[0], Level: workflow.LevelFull, Agency: ag,
		Resolution: workflow.ResolutionTime{WorkingDays: 1}}
	if err := st.PutProcedureRecord(ctx, p); err != nil {
		return err
	}
	ds.Procedures = append(ds.Procedures, p)
	for i, c := range CalendarCases {
		due, err := cal.AddWorking(c.Received, time.Duration(c.Days)*p.Resolution.Working())
		if err != nil {
			return err
		}
		if got := due.In(workflow.Vietnam).Format("02/01/2006"); got != c.DueDate {
			return fmt.Errorf("%s: the shipped calendar gives %s, the case says %s", c.Name, got, c.DueDate)
		}
		for late := range 2 {
			f := Fact{Agency: ag, ReceivingAgency: ag, Procedure: p.Code, Field: p.Field, Level: p.Level, Channel: workflow.ChannelDesk,
				Status: workflow.StatusResultReturned, Received: c.Received, Due: due}
			f.Resolved = due.Add(time.Duration(late) * time.Minute)
			f.Ended, f.OnTime = f.Resolved, late == 0
			f.Code = fmt.Sprintf("%s-%s-%04d", ag, c.Received.Format("060102"), 9000+2*i+late)
			if err := writeFact(ctx, st, f, c.Received.Add(-time.Hour), false); err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			ds.Facts = append(ds.Facts, f)
		}
	}
	return nil
}

// writeFact creates the dossier of f as submitted, then (when received)
// updates it to its final state with the trail that explains it. A late
// resolved dossier may carry an extension granted after it was already
// late, which must not make it on time.
func writeFact(ctx context.Context, st workflow.Store, f Fact, submitted time.Time, lateExtension bool) error {
	d := workflow.Dossier{Code: f.Code, Agency: f.ReceivingAgency, AgencyName: f.ReceivingAgency, HandlingAgency: f.ReceivingAgency,
		Procedure: f.Procedure, ProcedureName: "Thủ tục " + f.Procedure, Field: f.Field, Level: f.Level, Channel: f.Channel,
		Applicant: workflow.Party{Kind: archive.Individual, ID: "001090000001", Name: "Nguyễn Văn An"}, CreatedBy: "gen",
		Components: []workflow.Filled{}, Status: workflow.StatusAwaitingIntake, CreatedAt: submitted.UTC(), SubmittedAt: submitted.UTC(),
		UpdatedAt: submitted.UTC(), Rev: 1,
		Trail: []workflow.TrailEntry{{Seq: 1, At: submitted.UTC(), Actor: "gen", Action: workflow.ActionSubmit,
			To: workflow.State{Status: workflow.StatusAwaitingIntake}}}}
	if f.Received.IsZero() {
		d.Status = f.Status
		return st.CreateDossier(ctx, d)
	}
	if err := st.CreateDossier(ctx, d); err != nil {
		return err
	}
	from := d.Status
	d.Rev = 2
	d.HandlingAgency, d.HandlingAgencyName = f.Agency, f.Agency
	d.ReceivedAt, d.DueAt = f.Received.UTC(), f.Due.UTC()
	if f.Due.IsZero() {
		d.DueAt = time.Time{}
	}
	add := func(at time.Time, a workflow.Action, to workflow.State, due time.Time) {
		d.Trail = append(d.Trail, workflow.TrailEntry{Seq: len(d.Trail) + 1, At: at.UTC(), Actor: "gen", Action: a, To: to, DueAt: due})
		d.UpdatedAt = at.UTC()
	}
	add(f.Received, workflow.ActionReceive, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign}, d.DueAt)
	if f.Agency != f.ReceivingAgency {
		add(f.Received.Add(time.Minute), workflow.ActionTransfer, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageToAssign}, time.Time{})
	}
	if lateExtension {
		ext := f.Resolved.Add(time.Hour).UTC()
		add(f.Due.Add(time.Hour), workflow.ActionExtend, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}, ext)
		d.DueAt, d.Extensions = ext, 1
	}
	d.Status, d.Stage = f.Status, f.Stage
	switch {
	case !f.Resolved.IsZero():
		d.ResolvedAt = f.Resolved.UTC()
		add(f.Resolved, workflow.ActionSign, workflow.State{Status: workflow.StatusResolved}, time.Time{})
		if f.Status != workflow.StatusResolved {
			add(f.Resolved.Add(time.Minute), workflow.ActionReturnResult, workflow.State{Status: f.Status}, time.Time{})
		}
	case !f.Ended.IsZero():
		add(f.Ended, workflow.ActionStop, workflow.State{Status: f.Status}, time.Time{})
	}
	if f.Officer != "" {
		d.Handler = &workflow.Handler{Subject: f.Officer, Name: f.Officer}
	}
	return st.UpdateDossier(ctx, d, from)
}

// window is a figure's time span: received in [from, to), in progress
// at to, resolved in [from, to) of dossiers received in year.
type window struct {
	from, to time.Time
	year     int
}

func periodWindow(p workflow.Period, now time.Time) window {
	from, to := p.Bounds(now)
	if now.Before(to) {
		to = now
	}
	return window{from: from, to: to, year: p.Year}
}

func (w window) add(c *workflow.StatsCounts, f Fact, services map[string]bool) {
	if f.Received.IsZero() {
		return
	}
	if !f.Received.Before(w.from) && f.Received.Before(w.to) {
		c.Received++
		services[f.Procedure] = true
	}
	if f.Received.Before(w.to) && (f.Ended.IsZero() || !f.Ended.Before(w.to)) {
		c.InProgress++
	}
	if !f.Resolved.IsZero() && !f.Resolved.Before(w.from) && f.Resolved.Before(w.to) && f.Received.In(workflow.Vietnam).Year() == w.year {
		c.Resolved++
		if f.OnTime {
			c.OnTime++
		} else {
			c.Late++
		}
	}
}

func (f Fact) value(d workflow.Dimension) string {
	switch d {
	case workflow.DimAgency:
		return f.Agency
	case workflow.DimReceivingAgency:
		return f.ReceivingAgency
	case workflow.DimProcedure:
		return f.Procedure
	case workflow.DimField:
		return f.Field
	case workflow.DimLevel:
		return string(f.Level)
	case workflow.DimChannel:
		return string(f.Channel)
	case workflow.DimStatus:
		return string(f.Status)
	case workflow.DimStage:
		return string(f.Stage)
	case workflow.DimOfficer:
		return f.Officer
	}
	return ""
}

// Expect is the answer to q at ds.Now by construction: the figures and
// the rows' keys (no labels, no AsOf, no names).
func (ds *Dataset) Expect(q workflow.StatsQuery) workflow.DossierStats {
	out := workflow.DossierStats{Query: q, PeriodLabel: q.Period.Label(ds.Now), Rows: []workflow.StatsRow{}}
	total := periodWindow(q.Period, ds.Now)
	type sub struct {
		key string
		w   window
	}
	var subs []sub
	timeDim := -1
	for i, d := range q.GroupBy {
		if d != workflow.DimMonth && d != workflow.DimQuarter {
			continue
		}
		timeDim = i
		first, last := 1, 12
		switch q.Period.Kind {
		case workflow.PeriodMonth:
			first, last = q.Period.N, q.Period.N
		case workflow.PeriodQuarter:
			first, last = 3*q.Period.N-2, 3*q.Period.N
		}
		for m := first; m <= last; m++ {
			if d == workflow.DimQuarter {
				if m%3 != 1 {
					continue
				}
				n := (m-1)/3 + 1
				subs = append(subs, sub{fmt.Sprintf("%04d-Q%d", q.Period.Year, n),
					periodWindow(workflow.Period{Kind: workflow.PeriodQuarter, Year: q.Period.Year, N: n}, ds.Now)})
				continue
			}
			subs = append(subs, sub{fmt.Sprintf("%04d-%02d", q.Period.Year, m),
				periodWindow(workflow.Period{Kind: workflow.PeriodMonth, Year: q.Period.Year, N: m}, ds.Now)})
		}
	}
	type group struct {
		keys     []string
		c        workflow.StatsCounts
		services map[string]bool
	}
	groups := map[string]*group{}
	totalServices := map[string]bool{}
	for _, f := range ds.Facts {
		if q.Agency != "" && f.Agency != q.Agency {
			continue
		}
		keep := true
		for d, vals := range q.Filter {
			keep = keep && slices.Contains(vals, f.value(d))
		}
		if !keep {
			continue
		}
		total.add(&out.Total, f, totalServices)
		if len(q.GroupBy) == 0 {
			continue
		}
		ws := []sub{{w: total}}
		if timeDim >= 0 {
			ws = subs
		}
		for _, w := range ws {
			keys := make([]string, len(q.GroupBy))
			for i, d := range q.GroupBy {
				keys[i] = f.value(d)
				if i == timeDim {
					keys[i] = w.key
				}
			}
			id := fmt.Sprint(keys)
			g := groups[id]
			if g == nil {
				g = &group{keys: keys, services: map[string]bool{}}
				groups[id] = g
			}
			w.w.add(&g.c, f, g.services)
		}
	}
	out.Total.Services = int64(len(totalServices))
	for _, g := range groups {
		g.c.Services = int64(len(g.services))
		if g.c != (workflow.StatsCounts{}) {
			out.Rows = append(out.Rows, workflow.StatsRow{Keys: g.keys, StatsCounts: g.c})
		}
	}
	slices.SortFunc(out.Rows, func(a, b workflow.StatsRow) int { return slices.Compare(a.Keys, b.Keys) })
	return out
}
