package workflow

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// The statistics engine: what each dossier counts as (StatsFactOf), the
// job that keeps the aggregate buckets right (RunStatsOnce), and the sum
// over buckets that answers a StatsQuery (DossierStats, PublicStats).
// docs/statistics.md says how each figure is counted.

// MonthKey is t's month in Vietnam time, "YYYY-MM".
func MonthKey(t time.Time) string { return t.In(Vietnam).Format("2006-01") }

// monthCeil is the first month not before t: t's month when t is its
// first instant, the next month otherwise.
func monthCeil(t time.Time) string {
	v := t.In(Vietnam)
	first := time.Date(v.Year(), v.Month(), 1, 0, 0, 0, 0, Vietnam)
	if v.Equal(first) {
		return MonthKey(first)
	}
	return MonthKey(first.AddDate(0, 1, 0))
}

// endedStatuses are the statuses a dossier ends in without a result.
var endedStatuses = []Status{StatusWithdrawn, StatusReturned, StatusIntakeRefused, StatusStopped, StatusApplicantStopped}

// resolvedStatuses are the statuses of a resolved dossier.
var resolvedStatuses = []Status{StatusResolved, StatusAwaitingReturn, StatusResultReturned}

// StatsAppointment is the due time a resolved dossier is measured
// against: the one set at reception, or by a restart of the clock after
// a supplement, or by an extension granted before the due time it moved
// — an extension granted after the dossier was already late does not
// make it on time. Zero when the dossier has no fixed deadline.
func StatsAppointment(d Dossier) time.Time {
	var due time.Time
	seen := false
	for _, e := range d.Trail {
		if e.DueAt.IsZero() {
			continue
		}
		seen = true
		if e.Action == ActionExtend && !due.IsZero() && e.At.After(due) {
			continue
		}
		due = e.DueAt
	}
	if !seen && d.Extensions == 0 {
		return d.DueAt
	}
	return due
}

// endedAt is when d reached its current ended status (zero when it is
// not ended): the trail entry that brought it there, else UpdatedAt.
func endedAt(d Dossier) time.Time {
	if !slices.Contains(endedStatuses, d.Status) {
		return time.Time{}
	}
	for i := len(d.Trail) - 1; i >= 0; i-- {
		if d.Trail[i].To.Status == d.Status {
			return d.Trail[i].At
		}
	}
	return d.UpdatedAt
}

// StatsFactOf is what d counts as (N 1), with level standing in for a
// dossier that did not record its procedure's level; ok false when d is
// not received, so counts in no bucket.
func StatsFactOf(d Dossier, level ServiceLevel) (StatsFact, bool) {
	if d.ReceivedAt.IsZero() {
		return StatsFact{}, false
	}
	f := StatsFact{Agency: d.HandlingAgency, ReceivingAgency: d.Agency, Procedure: d.Procedure, Field: d.Field, Level: d.Level,
		Channel: d.Channel, Status: d.Status, Stage: d.Stage, Officer: d.Assignee(), Received: MonthKey(d.ReceivedAt), N: 1}
	if f.Agency == "" {
		f.Agency = d.Agency
	}
	if f.Level == "" {
		f.Level = level
	}
	if !d.ResolvedAt.IsZero() && slices.Contains(resolvedStatuses, d.Status) {
		f.Resolved = MonthKey(d.ResolvedAt)
		f.Ended = f.Resolved
		due := StatsAppointment(d)
		f.OnTime = due.IsZero() || !d.ResolvedAt.After(due)
	} else if t := endedAt(d); !t.IsZero() {
		f.Ended = MonthKey(t)
	}
	return f, true
}

// statsBatch is how many pending dossiers one pass of the job takes, and
// the page size of a bucket's dossiers.
const statsBatch = 200

// RunStatsOnce counts the dossiers changed since they were last counted,
// at most max (≤ 0: one batch of 200): it recomputes each bucket they
// were and are in from the bucket's index, writes the buckets whole, and
// clears each dossier's flag only if it did not change meanwhile (it is
// then counted again next run). It returns how many dossiers it cleared.
// Run it under a lease (the "dossier-stats" job): two runs at once could
// write a bucket read before the other's.
func (s *Service) RunStatsOnce(ctx context.Context, max int) (int, error) {
	if max <= 0 {
		max = statsBatch
	}
	levels := map[string]ServiceLevel{}
	levelOf := func(proc string) ServiceLevel {
		if l, ok := levels[proc]; ok {
			return l
		}
		p, err := s.store.GetProcedureRecord(ctx, proc)
		if err != nil {
			p.Level = ""
		}
		levels[proc] = p.Level
		return p.Level
	}
	done := 0
	for done < max {
		pend, err := s.store.PendingStats(ctx, min(statsBatch, max-done))
		if err != nil {
			return done, storeErr("pending stats", err)
		}
		if len(pend) == 0 {
			return done, nil
		}
		buckets := map[string][2]string{}
		for _, p := range pend {
			if p.Counted != "" {
				if ag, m, ok := splitBucketID(p.Counted); ok {
					buckets[p.Counted] = [2]string{ag, m}
				}
			}
			if f, ok := StatsFactOf(p.Dossier, ""); ok {
				buckets[StatsBucketID(f.Agency, f.Received)] = [2]string{f.Agency, f.Received}
			}
		}
		for _, id := range sortedKeys(buckets) {
			if err := s.recountBucket(ctx, buckets[id][0], buckets[id][1], levelOf); err != nil {
				return done, err
			}
		}
		for _, p := range pend {
			bucket := ""
			if f, ok := StatsFactOf(p.Dossier, ""); ok {
				bucket = StatsBucketID(f.Agency, f.Received)
			}
			if err := s.store.MarkStatsCounted(ctx, p.Dossier.Code, bucket); err != nil {
				return done, storeErr("mark stats counted", err)
			}
			if _, err := s.store.ClearStatsPending(ctx, p.Dossier.Code, p.Dossier.Rev); err != nil {
				return done, storeErr("clear stats pending", err)
			}
			done++
		}
		if len(pend) < statsBatch {
			return done, nil
		}
	}
	return done, nil
}

func splitBucketID(id string) (agency, month string, ok bool) {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '|' {
			return id[:i], id[i+1:], true
		}
	}
	return "", "", false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// recountBucket reads every dossier of the bucket from its index and
// writes the bucket's aggregate whole.
func (s *Service) recountBucket(ctx context.Context, agency, month string, levelOf func(string) ServiceLevel) error {
	counts := map[StatsFact]int64{}
	after := ""
	for {
		ds, err := s.store.BucketDossiers(ctx, agency, month, after, statsBatch)
		if err != nil {
			return storeErr("bucket dossiers", err)
		}
		for _, d := range ds {
			lvl := ServiceLevel("")
			if d.Level == "" {
				lvl = levelOf(d.Procedure)
			}
			f, ok := StatsFactOf(d, lvl)
			if !ok || f.Agency != agency || f.Received != month {
				continue
			}
			f.N = 0
			counts[f]++
		}
		if len(ds) < statsBatch {
			break
		}
		after = ds[len(ds)-1].Code
	}
	b := StatsBucket{Agency: agency, Month: month, At: s.nowUTC()}
	for f, n := range counts {
		if f.Ended == "" {
			b.OpenThrough = openMonth
		} else if f.Ended > b.OpenThrough {
			b.OpenThrough = f.Ended
		}
		f.N = n
		b.Rows = append(b.Rows, f)
	}
	slices.SortFunc(b.Rows, func(x, y StatsFact) int {
		return compareStrings(factKey(x), factKey(y))
	})
	if b.Rows == nil {
		b.Rows = []StatsFact{}
	}
	if err := s.store.PutStatsBucket(ctx, b); err != nil {
		return storeErr("put stats bucket", err)
	}
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func factKey(f StatsFact) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%t", f.Agency, f.ReceivingAgency, f.Procedure,
		f.Field, f.Level, f.Channel, f.Status, f.Stage, f.Officer, f.Received, f.Resolved, f.Ended, f.OnTime)
}

// value is f's value of dimension d (not month or quarter).
func (f StatsFact) value(d Dimension) string {
	switch d {
	case DimAgency:
		return f.Agency
	case DimReceivingAgency:
		return f.ReceivingAgency
	case DimProcedure:
		return f.Procedure
	case DimField:
		return f.Field
	case DimLevel:
		return string(f.Level)
	case DimChannel:
		return string(f.Channel)
	case DimStatus:
		return string(f.Status)
	case DimStage:
		return string(f.Stage)
	case DimOfficer:
		return f.Officer
	}
	return ""
}

// statsWindow is one (sub-)period as months: received in [from, to),
// in progress at the start of to, resolved in [from, to) of dossiers
// received in year.
type statsWindow struct {
	key, label string
	from, to   string
	year       string
}

// window is p's months at now: its end is now when sooner.
func window(p Period, now time.Time) statsWindow {
	from, to := p.Bounds(now)
	if now.Before(to) {
		to = now
	}
	if to.Before(from) {
		to = from
	}
	return statsWindow{from: MonthKey(from), to: monthCeil(to), year: fmt.Sprintf("%04d", p.Year), label: p.Label(now)}
}

// subWindows are the months or quarters of p (group by month, quarter).
func subWindows(p Period, d Dimension, now time.Time) []statsWindow {
	first, last := 1, 12
	switch p.Kind {
	case PeriodMonth:
		first, last = p.N, p.N
	case PeriodQuarter:
		first, last = 3*(p.N-1)+1, 3*p.N
	}
	var out []statsWindow
	if d == DimQuarter {
		for q := (first-1)/3 + 1; q <= (last-1)/3+1; q++ {
			w := window(Period{Kind: PeriodQuarter, Year: p.Year, N: q}, now)
			w.key = fmt.Sprintf("%04d-Q%d", p.Year, q)
			out = append(out, w)
		}
		return out
	}
	for m := first; m <= last; m++ {
		w := window(Period{Kind: PeriodMonth, Year: p.Year, N: m}, now)
		w.key = fmt.Sprintf("%04d-%02d", p.Year, m)
		out = append(out, w)
	}
	return out
}

// add adds f's contribution in w to c; services collects the procedures
// of the dossiers received in w.
func (w statsWindow) add(c *StatsCounts, f StatsFact, services map[string]bool) {
	if f.Received >= w.from && f.Received < w.to {
		c.Received += f.N
		services[f.Procedure] = true
	}
	if f.Received < w.to && (f.Ended == "" || f.Ended >= w.to) {
		c.InProgress += f.N
	}
	if f.Resolved != "" && f.Resolved >= w.from && f.Resolved < w.to && f.Received[:4] == w.year {
		c.Resolved += f.N
		if f.OnTime {
			c.OnTime += f.N
		} else {
			c.Late += f.N
		}
	}
}

// checkStatsQuery checks q's shape (what ParseStatsQuery checks, for
// queries built in code).
func checkStatsQuery(q StatsQuery) error {
	bad := func(detail string, args ...any) error {
		return invalid("invalid_stats_query", "Điều kiện thống kê không hợp lệ.", detail, args...)
	}
	if !q.Period.Valid() {
		return bad("period %+v", q.Period)
	}
	if q.Agency != "" && !ValidAgencyCode(q.Agency) {
		return bad("agency %q", q.Agency)
	}
	if len(q.GroupBy) > maxGroupBy {
		return bad("%d group-by dimensions, at most %d", len(q.GroupBy), maxGroupBy)
	}
	time := 0
	for i, d := range q.GroupBy {
		if !d.Valid() || slices.Contains(q.GroupBy[:i], d) {
			return bad("groupBy %v", q.GroupBy)
		}
		if d == DimMonth || d == DimQuarter {
			time++
		}
	}
	if time > 1 {
		return bad("group by month and quarter at once")
	}
	for d, vals := range q.Filter {
		if !d.Valid() || d == DimMonth || d == DimQuarter {
			return bad("filter by %q (the period chooses the time)", d)
		}
		if len(vals) > maxFilterValues {
			return bad("%d values for %s, at most %d", len(vals), d, maxFilterValues)
		}
	}
	return nil
}

// aggregate answers q from the buckets at now (no labels).
func (s *Service) aggregate(ctx context.Context, q StatsQuery, now time.Time) (DossierStats, error) {
	if err := checkStatsQuery(q); err != nil {
		return DossierStats{}, err
	}
	asOf := now.UTC().Truncate(time.Millisecond)
	if at, ok, err := s.store.OldestStatsPending(ctx); err != nil {
		return DossierStats{}, storeErr("oldest stats pending", err)
	} else if ok && at.Before(asOf) {
		asOf = at
	}
	total := window(q.Period, now)
	yearStart := fmt.Sprintf("%04d-01", q.Period.Year)
	openAt := total.to
	var subs []statsWindow
	timeDim := -1
	for i, d := range q.GroupBy {
		if d == DimMonth || d == DimQuarter {
			timeDim = i
			subs = subWindows(q.Period, d, now)
			openAt = min(openAt, subs[0].to)
		}
	}
	buckets, err := s.store.StatsBuckets(ctx, q.Agency, yearStart, total.to, openAt)
	if err != nil {
		return DossierStats{}, storeErr("stats buckets", err)
	}
	keep := func(f StatsFact) bool {
		for d, vals := range q.Filter {
			if !slices.Contains(vals, f.value(d)) {
				return false
			}
		}
		return true
	}
	type group struct {
		keys     []string
		c        StatsCounts
		services map[string]bool
	}
	groups := map[string]*group{}
	totalServices := map[string]bool{}
	out := DossierStats{Query: q, PeriodLabel: total.label, AsOf: asOf, Rows: []StatsRow{}}
	addTo := func(keys []string, w statsWindow, f StatsFact) {
		id := fmt.Sprint(keys)
		g := groups[id]
		if g == nil {
			g = &group{keys: keys, services: map[string]bool{}}
			groups[id] = g
		}
		w.add(&g.c, f, g.services)
	}
	for _, b := range buckets {
		for _, f := range b.Rows {
			if !keep(f) {
				continue
			}
			total.add(&out.Total, f, totalServices)
			if len(q.GroupBy) == 0 {
				continue
			}
			ws := []statsWindow{total}
			if timeDim >= 0 {
				ws = subs
			}
			for _, w := range ws {
				keys := make([]string, len(q.GroupBy))
				for i, d := range q.GroupBy {
					if i == timeDim {
						keys[i] = w.key
					} else {
						keys[i] = f.value(d)
					}
				}
				addTo(keys, w, f)
			}
		}
	}
	out.Total.Services = int64(len(totalServices))
	for _, id := range sortedKeys(groups) {
		g := groups[id]
		g.c.Services = int64(len(g.services))
		if g.c == (StatsCounts{}) {
			continue
		}
		out.Rows = append(out.Rows, StatsRow{Keys: g.keys, StatsCounts: g.c})
	}
	slices.SortFunc(out.Rows, func(a, b StatsRow) int { return slices.Compare(a.Keys, b.Keys) })
	return out, nil
}

// DossierStats answers q for a: staff of the agency holding the position
// of head of department or leader see their own agency (q.Agency ""
// means theirs; another agency: Permission "other_agency"); admins see
// any agency or all. Everyone else: Permission "stats_not_allowed".
// Invalid "invalid_stats_query" for a malformed query.
func (s *Service) DossierStats(ctx context.Context, a archive.Actor, q StatsQuery) (DossierStats, error) {
	if err := checkActor(a); err != nil {
		return DossierStats{}, err
	}
	switch a.Role {
	case archive.RoleAdmin:
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return DossierStats{}, err
		}
		if !m.Holds(RoleLeader) && !m.Holds(RoleHead) {
			return DossierStats{}, errStatsNotAllowed(a)
		}
		if q.Agency == "" {
			q.Agency = m.Agency
		}
		if q.Agency != m.Agency {
			return DossierStats{}, kerr.New(kerr.Permission, "other_agency", "Bạn chỉ được xem số liệu thống kê của cơ quan mình.",
				"staff %q of %s asked for the statistics of %s", a.Subject, m.Agency, q.Agency)
		}
	default:
		return DossierStats{}, errStatsNotAllowed(a)
	}
	out, err := s.aggregate(ctx, q, s.now())
	if err != nil {
		return DossierStats{}, err
	}
	s.labelStats(ctx, &out)
	return out, nil
}

func errStatsNotAllowed(a archive.Actor) error {
	return kerr.New(kerr.Permission, "stats_not_allowed",
		"Chỉ lãnh đạo đơn vị, lãnh đạo phòng và quản trị hệ thống được xem số liệu thống kê hồ sơ.", "%s %q may not see dossier statistics", a.Role, a.Subject)
}

// publicDims are what the public may group and filter by.
var publicDims = []Dimension{DimAgency, DimField, DimLevel, DimMonth, DimQuarter}

// PublicStats answers q for anyone (the public statistics page): only
// the period, the agency, the field and the level — Invalid
// "not_public_dimension" when q groups or filters by anything else (an
// officer, a status, a stage, a procedure, a channel).
func (s *Service) PublicStats(ctx context.Context, q StatsQuery) (DossierStats, error) {
	for _, d := range q.GroupBy {
		if !slices.Contains(publicDims, d) {
			return DossierStats{}, invalid("not_public_dimension", "Thống kê công khai chỉ theo kỳ, cơ quan, lĩnh vực và mức độ dịch vụ.",
				"public statistics may not group by %q", d)
		}
	}
	for d := range q.Filter {
		if !slices.Contains(publicDims, d) {
			return DossierStats{}, invalid("not_public_dimension", "Thống kê công khai chỉ theo kỳ, cơ quan, lĩnh vực và mức độ dịch vụ.",
				"public statistics may not filter by %q", d)
		}
	}
	out, err := s.aggregate(ctx, q, s.now())
	if err != nil {
		return DossierStats{}, err
	}
	s.labelStats(ctx, &out)
	return out, nil
}

// labelStats fills the agency name and the rows' labels.
func (s *Service) labelStats(ctx context.Context, out *DossierStats) {
	names := map[string]string{}
	label := func(d Dimension, key string) string {
		id := string(d) + "\x00" + key
		if l, ok := names[id]; ok {
			return l
		}
		l := statsLabel(ctx, s.store, d, key)
		names[id] = l
		return l
	}
	if out.Query.Agency != "" {
		out.AgencyName = label(DimAgency, out.Query.Agency)
	}
	for i := range out.Rows {
		r := &out.Rows[i]
		r.Labels = make([]string, len(r.Keys))
		for j, k := range r.Keys {
			r.Labels[j] = label(out.Query.GroupBy[j], k)
		}
	}
}

// statsLabel is key of d as people read it.
func statsLabel(ctx context.Context, st Store, d Dimension, key string) string {
	switch d {
	case DimAgency, DimReceivingAgency:
		if a, err := st.GetAgency(ctx, key); err == nil && a.Name != "" {
			return a.Name
		}
	case DimProcedure:
		if p, err := st.GetProcedureRecord(ctx, key); err == nil && p.Name != "" {
			return p.Name
		}
	case DimLevel, DimChannel, DimStatus:
		return filterLabel(d, key)
	case DimStage:
		if key == "" {
			return "Không ở bước xử lý"
		}
		return filterLabel(d, key)
	case DimOfficer:
		if key == "" {
			return "Chưa phân công"
		}
		if m, err := st.GetStaff(ctx, key); err == nil && m.Name != "" {
			return m.Name
		}
	case DimMonth:
		var y, m int
		if _, err := fmt.Sscanf(key, "%d-%d", &y, &m); err == nil {
			return Period{Kind: PeriodMonth, Year: y, N: m}.Label(time.Time{})
		}
	case DimQuarter:
		var y, n int
		if _, err := fmt.Sscanf(key, "%d-Q%d", &y, &n); err == nil {
			return Period{Kind: PeriodQuarter, Year: y, N: n}.Label(time.Time{})
		}
	}
	return key
}

// StatsJobName is the leased job that keeps the statistics' buckets.
const StatsJobName = "dossier-stats"

// statsJobMax bounds the dossiers one run of the job counts.
const statsJobMax = 5000

// StatsJob is the leased job that counts changed dossiers every every
// (RunStatsOnce, at most 5000 dossiers a run; the lease makes it one
// process at a time, which bucket writes need).
func (s *Service) StatsJob(every time.Duration) jobs.Job {
	return jobs.Job{Name: StatsJobName, Every: every, RetryAfter: min(every, time.Minute),
		Run: func(ctx context.Context, _ *jobs.Run) error {
			n, err := s.RunStatsOnce(ctx, statsJobMax)
			if n > 0 {
				s.log.Info("Đã cập nhật số liệu thống kê hồ sơ", "dossiers", n)
			}
			return err
		}}
}
