package archive

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// VaultStatsJobName is the name of the vault statistics job's lease.
const VaultStatsJobName = "vault-stats"

// Budget of the vault statistics.
const (
	// DefaultVaultStatsBatch is how many records of one stream one batch
	// reads; a run reads at most DefaultVaultStatsBatches batches of each.
	DefaultVaultStatsBatch   = 500
	DefaultVaultStatsBatches = 20
	// VaultStatsLag is how far behind now the job stays: a record whose ID
	// is younger may still be followed by one with a smaller ID (clocks of
	// several processes), so it waits for the next run.
	VaultStatsLag = 2 * time.Minute
	// MaxVaultStatsTop is the most owners VaultStats lists by size.
	MaxVaultStatsTop = 100
	// maxVaultStatsMonths is the longest range of months of one query.
	maxVaultStatsMonths = 120
)

// LeaderCheck reports whether a staff actor holds the position of leader
// in their agency (the workflow's staff directory knows; the vault does
// not). Its errors are returned as they are.
type LeaderCheck func(ctx context.Context, a Actor) (bool, error)

// SetLeaderCheck tells the vault how to know a leader (kho serve passes
// the workflow's staff directory). Without it no staff member is one, and
// only admins see vault statistics. Call it once, before serving.
func (s *Service) SetLeaderCheck(fn LeaderCheck) { s.leaders = fn }

// VaultStatsJob counts new papers and reuses into the monthly aggregates,
// as a leased job (one process at a time, every `every`). Each batch is
// one guarded write of one aggregate holding both the counters and the
// cursor (VaultAgg), so whatever crashes or runs twice, every record is
// counted once.
func (s *Service) VaultStatsJob(every time.Duration) jobs.Job {
	return jobs.Job{Name: VaultStatsJobName, Every: every, TTL: 2 * time.Minute, Run: func(ctx context.Context, _ *jobs.Run) error {
		n, err := s.CountVaultStats(ctx, 0, 0)
		if n > 0 {
			s.log.InfoContext(ctx, "thống kê kho: đã cộng dồn bản ghi mới", "records", n)
		}
		return err
	}}
}

// CountVaultStats reads the records stored since the last run from each
// stream, at most batches batches of batch records each (≤ 0: the
// defaults), and adds them to the aggregates. It returns how many records
// it counted. A batch another process counted first is left to it
// (Conflict on the guarded write): nothing is counted twice.
func (s *Service) CountVaultStats(ctx context.Context, batch, batches int) (int, error) {
	if batch <= 0 || batch > 1000 {
		batch = DefaultVaultStatsBatch
	}
	if batches <= 0 {
		batches = DefaultVaultStatsBatches
	}
	total := 0
	for _, stream := range []string{StreamDocuments, StreamReuses} {
		for range batches {
			n, more, err := s.countBatch(ctx, stream, batch)
			total += n
			if err != nil {
				return total, err
			}
			if !more {
				break
			}
		}
	}
	return total, nil
}

// statRecord is one record of a stream, as the aggregates count it.
type statRecord struct {
	id    string
	at    time.Time
	month string
	count VaultCount
}

// countBatch counts one batch of stream into one aggregate. more says
// whether the batch was full (another may follow).
func (s *Service) countBatch(ctx context.Context, stream string, limit int) (int, bool, error) {
	agg, err := s.store.LatestVaultAgg(ctx, stream)
	expected := agg.Rev
	switch {
	case kerr.IsKind(err, kerr.NotFound):
		agg, expected = VaultAgg{Stream: stream}, 0
	case err != nil:
		return 0, false, storeErr("latest vault aggregate", err)
	}
	horizon := s.nowUTC().Add(-VaultStatsLag)
	recs, full, err := s.streamRecords(ctx, stream, agg.Cursor, limit, horizon)
	if err != nil {
		return 0, false, err
	}
	if len(recs) == 0 {
		// Caught up: the stream is counted up to the horizon.
		if expected == 0 || !agg.AsOf.Before(horizon) {
			return 0, false, nil
		}
		agg.AsOf, agg.UpdatedAt = horizon, s.nowUTC()
		if err := s.store.PutVaultAgg(ctx, agg, expected); err != nil && !kerr.IsKind(err, kerr.Conflict) {
			return 0, false, storeErr("put vault aggregate", err)
		}
		return 0, false, nil
	}
	// One aggregate per write: the month of the first record, or the
	// latest aggregate's when that is later (a record older than its
	// month's aggregate, after a clock step, is counted in the latest).
	month := recs[0].month
	if agg.Month != "" && month <= agg.Month {
		month = agg.Month
	} else {
		agg, expected = VaultAgg{Stream: stream, Month: month, Key: VaultAggKey(stream, month), Cursor: agg.Cursor}, 0
	}
	counts := make(map[VaultCount]int, len(agg.Counts))
	for i, c := range agg.Counts {
		counts[groupOf(c)] = i
	}
	n := 0
	for _, r := range recs {
		if r.month > month {
			full = true // the rest begins the next month's aggregate
			break
		}
		g := groupOf(r.count)
		i, ok := counts[g]
		if !ok {
			i = len(agg.Counts)
			counts[g] = i
			agg.Counts = append(agg.Counts, g)
		}
		agg.Counts[i].Papers += r.count.Papers
		agg.Counts[i].Bytes += r.count.Bytes
		agg.Cursor = r.id
		agg.AsOf = r.at
		n++
	}
	if !full {
		agg.AsOf = horizon // nothing more to count before it
	}
	sort.Slice(agg.Counts, func(i, j int) bool { return groupLess(agg.Counts[i], agg.Counts[j]) })
	agg.Records += int64(n)
	agg.UpdatedAt = s.nowUTC()
	if err := s.store.PutVaultAgg(ctx, agg, expected); err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			return 0, false, nil // another process counted this batch
		}
		return 0, false, storeErr("put vault aggregate", err)
	}
	return n, full, nil
}

// groupOf is c without its counters: the key of its group.
func groupOf(c VaultCount) VaultCount {
	return VaultCount{Agency: c.Agency, Kind: c.Kind, TypeCode: c.TypeCode, Procedure: c.Procedure}
}

func groupLess(a, b VaultCount) bool {
	if a.Agency != b.Agency {
		return a.Agency < b.Agency
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.TypeCode != b.TypeCode {
		return a.TypeCode < b.TypeCode
	}
	return a.Procedure < b.Procedure
}

// streamRecords reads at most limit records of stream after cursor, up to
// the lag; full says whether the read was cut by limit.
func (s *Service) streamRecords(ctx context.Context, stream, cursor string, limit int, horizon time.Time) ([]statRecord, bool, error) {
	var out []statRecord
	switch stream {
	case StreamDocuments:
		docs, err := s.store.DocumentsAfter(ctx, cursor, limit)
		if err != nil {
			return nil, false, storeErr("documents after", err)
		}
		for _, d := range docs {
			at, ok := idTime(d.ID)
			if !ok {
				at = d.CreatedAt
			}
			if at.After(horizon) {
				return out, false, nil
			}
			c := VaultCount{TypeCode: d.TypeCode, Papers: 1, Bytes: d.Current.Size}
			if d.IssuedBy != nil {
				c.Agency, c.Kind, c.Procedure = d.IssuedBy.Agency, d.IssuedBy.Kind, d.IssuedBy.Procedure
			}
			out = append(out, statRecord{id: d.ID, at: at, month: monthOf(at), count: c})
		}
		return out, len(docs) == limit, nil
	case StreamReuses:
		rs, err := s.store.ReusesAfter(ctx, cursor, limit)
		if err != nil {
			return nil, false, storeErr("reuses after", err)
		}
		issuers := map[string]*IssuedBy{}
		for _, r := range rs {
			at, ok := idTime(r.ID)
			if !ok {
				at = r.At
			}
			if at.After(horizon) {
				return out, false, nil
			}
			// Who issued the paper: one read by ID per paper of the batch.
			ib, seen := issuers[r.DocumentID]
			if !seen {
				d, err := s.store.GetDocument(ctx, r.DocumentID)
				switch {
				case err == nil:
					ib = d.IssuedBy
				case kerr.IsKind(err, kerr.NotFound): // disposed of since
				default:
					return nil, false, storeErr("get document", err)
				}
				issuers[r.DocumentID] = ib
			}
			c := VaultCount{TypeCode: r.TypeCode, Procedure: r.Procedure, Papers: 1}
			if ib != nil {
				c.Agency, c.Kind = ib.Agency, ib.Kind
			}
			out = append(out, statRecord{id: r.ID, at: at, month: monthOf(at), count: c})
		}
		return out, len(rs) == limit, nil
	}
	return nil, false, fmt.Errorf("archive: unknown statistics stream %q", stream)
}

// VaultStatsQuery selects the vault statistics.
type VaultStatsQuery struct {
	// From and To are the months ("YYYY-MM", Vietnam time) of the monthly
	// figures, inclusive; both empty: the twelve months to this one.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Agency, for an admin, narrows the figures to the papers one agency
	// issued ("": the whole vault). A leader always sees their agency's.
	Agency string `json:"agency,omitempty"`
	// Owner, for an admin, asks for one owner's storage.
	Owner string `json:"owner,omitempty"`
	// Top is how many of the largest owners to list (admins; 0: 10).
	Top int `json:"top,omitempty"`
}

// VaultStats is the vault statistics (2025 items 28.3 and 28.5).
type VaultStats struct {
	// Agency is the issuing agency the figures are narrowed to ("" = the
	// whole vault).
	Agency string `json:"agency,omitempty"`
	From   string `json:"from"`
	To     string `json:"to"`
	// ByType: per document type, papers stored (since counting began, up
	// to AsOf) and, in the months From..To, added and reused.
	ByType []VaultTypeRow `json:"byType"`
	// ByProcedure: per procedure, in the months From..To, papers reused
	// into its dossiers and results it issued into vaults.
	ByProcedure []VaultProcedureRow `json:"byProcedure"`
	// Months: per month From..To, the same figures and the running totals.
	Months []VaultMonthRow `json:"months"`
	// Storage is the storage used (admins, whole vault only).
	Storage *VaultStorage `json:"storage,omitempty"`
	// AsOf is the time up to which records are counted (the older of the
	// two streams' cursors); the figures are exact up to it.
	AsOf time.Time `json:"asOf"`
	// MadeAt is when the answer was put together.
	MadeAt time.Time `json:"madeAt"`
}

// VaultTypeRow is one document type's figures.
type VaultTypeRow struct {
	TypeCode string `json:"typeCode"`
	TypeName string `json:"typeName"`
	Stored   int64  `json:"stored"`
	Bytes    int64  `json:"bytes"`
	Added    int64  `json:"added"`
	Reused   int64  `json:"reused"`
}

// VaultProcedureRow is one procedure's figures ("" = not known).
type VaultProcedureRow struct {
	Procedure string `json:"procedure"`
	Name      string `json:"name"`
	Reused    int64  `json:"reused"`
	Issued    int64  `json:"issued"`
}

// VaultMonthRow is one month's figures.
type VaultMonthRow struct {
	Month      string `json:"month"`
	Added      int64  `json:"added"`
	AddedBytes int64  `json:"addedBytes"`
	Reused     int64  `json:"reused"`
	Issued     int64  `json:"issued"`
	// TotalPapers and TotalBytes are the papers and bytes counted up to
	// the end of the month.
	TotalPapers int64 `json:"totalPapers"`
	TotalBytes  int64 `json:"totalBytes"`
}

// VaultStorage is the storage used (item 28.5): the largest owners, how
// many owners fall in each size band, and one owner when asked.
type VaultStorage struct {
	Top   []OwnerUsage `json:"top"`
	Bands []BandCount  `json:"bands"`
	Owner *OwnerUsage  `json:"owner,omitempty"`
}

// OwnerUsage is one owner's storage, read from the owner's counters
// (exact at the time of the answer).
type OwnerUsage struct {
	OwnerID string `json:"ownerId"`
	Name    string `json:"name,omitempty"`
	Bytes   int64  `json:"bytes"`
	Papers  int64  `json:"papers"`
}

// BandCount is how many owners use a size band.
type BandCount struct {
	SizeBand
	Owners int64 `json:"owners"`
}

// SizeBands are the bands of the distribution of owners by storage used.
var SizeBands = []SizeBand{{0, 1 << 20}, {1 << 20, 10 << 20}, {10 << 20, 100 << 20}, {100 << 20, 1 << 30}, {1 << 30, 0}}

// VaultStats returns the vault statistics. Admins see everything;
// staff holding the position of leader in an agency see the papers their
// agency issued (no storage of owners); everyone else gets Permission.
// Invalid for months that are not "YYYY-MM", a range backwards or longer
// than ten years, a Top outside 0..100. NotFound for an unknown Owner.
func (s *Service) VaultStats(ctx context.Context, a Actor, q VaultStatsQuery) (VaultStats, error) {
	if err := checkActor(a); err != nil {
		return VaultStats{}, err
	}
	admin := a.Role == RoleAdmin
	if !admin {
		leader := false
		if a.Role == RoleStaff && a.Agency != "" && s.leaders != nil {
			ok, err := s.leaders(ctx, a)
			if err != nil {
				return VaultStats{}, err
			}
			leader = ok
		}
		if !leader {
			return VaultStats{}, kerr.New(kerr.Permission, "vault_stats_forbidden",
				"Chỉ quản trị viên và lãnh đạo cơ quan được xem thống kê kho dữ liệu.",
				"vault statistics need an admin or a leader of an agency (role %q)", a.Role)
		}
		if q.Owner != "" {
			return VaultStats{}, kerr.New(kerr.Permission, "vault_stats_forbidden",
				"Chỉ quản trị viên được xem dung lượng của từng chủ kho.", "owner storage needs an admin")
		}
		q.Agency = a.Agency
	}
	from, to, err := s.statsMonths(q.From, q.To)
	if err != nil {
		return VaultStats{}, err
	}
	if q.Top < 0 || q.Top > MaxVaultStatsTop {
		return VaultStats{}, invalid("invalid_top", "Số chủ kho lớn nhất cần xem phải từ 1 đến 100.", "top %d is outside 0..%d", q.Top, MaxVaultStatsTop)
	}
	if q.Top == 0 {
		q.Top = 10
	}
	st := VaultStats{Agency: q.Agency, From: from, To: to, MadeAt: s.nowUTC()}
	months := monthRange(from, to)
	byMonth := make(map[string]*VaultMonthRow, len(months))
	for _, m := range months {
		st.Months = append(st.Months, VaultMonthRow{Month: m})
	}
	for i := range st.Months {
		byMonth[st.Months[i].Month] = &st.Months[i]
	}
	types := map[string]*VaultTypeRow{}
	typeRow := func(code string) *VaultTypeRow {
		if r, ok := types[code]; ok {
			return r
		}
		r := &VaultTypeRow{TypeCode: code}
		types[code] = r
		return r
	}
	procs := map[string]*VaultProcedureRow{}
	procRow := func(code string) *VaultProcedureRow {
		if r, ok := procs[code]; ok {
			return r
		}
		r := &VaultProcedureRow{Procedure: code}
		procs[code] = r
		return r
	}
	asOf := time.Time{}
	type monthTotal struct {
		month         string
		papers, bytes int64
	}
	var totals []monthTotal // the documents' aggregates, by month
	for si, stream := range []string{StreamDocuments, StreamReuses} {
		// Every month up to To: the running totals start at the first.
		aggs, err := s.store.VaultAggs(ctx, stream, "0000-00", to)
		if err != nil {
			return VaultStats{}, storeErr("vault aggregates", err)
		}
		for _, g := range aggs {
			in := g.Month >= from
			row := byMonth[g.Month]
			mt := monthTotal{month: g.Month}
			for _, c := range g.Counts {
				if q.Agency != "" && c.Agency != q.Agency {
					continue
				}
				switch stream {
				case StreamDocuments:
					mt.papers += c.Papers
					mt.bytes += c.Bytes
					t := typeRow(c.TypeCode)
					t.Stored += c.Papers
					t.Bytes += c.Bytes
					if in {
						t.Added += c.Papers
						row.Added += c.Papers
						row.AddedBytes += c.Bytes
						if c.Kind == IssueResult {
							procRow(c.Procedure).Issued += c.Papers
							row.Issued += c.Papers
						}
					}
				case StreamReuses:
					if in {
						typeRow(c.TypeCode).Reused += c.Papers
						procRow(c.Procedure).Reused += c.Papers
						row.Reused += c.Papers
					}
				}
			}
			if stream == StreamDocuments {
				totals = append(totals, mt)
			}
		}
		var streamAsOf time.Time // zero: nothing counted yet
		switch latest, err := s.store.LatestVaultAgg(ctx, stream); {
		case err == nil:
			streamAsOf = latest.AsOf
		case !kerr.IsKind(err, kerr.NotFound):
			return VaultStats{}, storeErr("latest vault aggregate", err)
		}
		if si == 0 || streamAsOf.Before(asOf) {
			asOf = streamAsOf
		}
	}
	var papers, bytes int64
	k := 0
	for i := range st.Months {
		for ; k < len(totals) && totals[k].month <= st.Months[i].Month; k++ {
			papers += totals[k].papers
			bytes += totals[k].bytes
		}
		st.Months[i].TotalPapers, st.Months[i].TotalBytes = papers, bytes
	}
	st.AsOf = asOf
	if err := s.nameRows(ctx, &st, types, procs); err != nil {
		return VaultStats{}, err
	}
	if admin && q.Agency == "" {
		if st.Storage, err = s.vaultStorage(ctx, q.Owner, q.Top); err != nil {
			return VaultStats{}, err
		}
	}
	return st, nil
}

// statsMonths checks the query's months; both empty: the twelve months to
// this one.
func (s *Service) statsMonths(from, to string) (string, string, error) {
	if from == "" && to == "" {
		now := s.now().In(vietnam)
		to = now.Format("2006-01")
		from = time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, vietnam).Format("2006-01")
	}
	if from == "" {
		from = to
	}
	if to == "" {
		to = from
	}
	f, err1 := time.Parse("2006-01", from)
	t, err2 := time.Parse("2006-01", to)
	if err1 != nil || err2 != nil {
		return "", "", invalid("invalid_month", "Tháng phải có dạng NNNN-TT (ví dụ 2026-11).", "months %q..%q are not YYYY-MM", from, to)
	}
	n := (t.Year()-f.Year())*12 + int(t.Month()-f.Month())
	if n < 0 || n >= maxVaultStatsMonths {
		return "", "", invalid("invalid_month_range", "Khoảng thời gian phải từ tháng đầu đến tháng cuối, tối đa 10 năm.",
			"months %s..%s: %d months", from, to, n+1)
	}
	return from, to, nil
}

// monthRange lists the months from..to ("YYYY-MM", checked).
func monthRange(from, to string) []string {
	f, _ := time.Parse("2006-01", from)
	var out []string
	for m := f; m.Format("2006-01") <= to; m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// nameRows sorts the type and procedure rows and names them from the
// catalogue.
func (s *Service) nameRows(ctx context.Context, st *VaultStats, types map[string]*VaultTypeRow, procs map[string]*VaultProcedureRow) error {
	dts, err := s.store.ListDocumentTypes(ctx)
	if err != nil {
		return storeErr("list document types", err)
	}
	names := make(map[string]string, len(dts))
	for _, t := range dts {
		names[t.Code] = t.Name
	}
	st.ByType = []VaultTypeRow{}
	for _, r := range types {
		r.TypeName = names[r.TypeCode]
		if r.TypeName == "" {
			r.TypeName = r.TypeCode
		}
		st.ByType = append(st.ByType, *r)
	}
	sort.Slice(st.ByType, func(i, j int) bool { return st.ByType[i].TypeCode < st.ByType[j].TypeCode })
	ps, err := s.store.ListProcedures(ctx)
	if err != nil {
		return storeErr("list procedures", err)
	}
	pnames := make(map[string]string, len(ps))
	for _, p := range ps {
		pnames[p.Code] = p.Name
	}
	st.ByProcedure = []VaultProcedureRow{}
	for _, r := range procs {
		switch {
		case r.Procedure == "":
			r.Name = "Không gắn với thủ tục"
		case pnames[r.Procedure] != "":
			r.Name = pnames[r.Procedure]
		default:
			r.Name = r.Procedure
		}
		st.ByProcedure = append(st.ByProcedure, *r)
	}
	sort.Slice(st.ByProcedure, func(i, j int) bool {
		a, b := st.ByProcedure[i].Procedure, st.ByProcedure[j].Procedure
		if (a == "") != (b == "") {
			return b == "" // the unknown procedure last
		}
		return a < b
	})
	return nil
}

// vaultStorage reads the storage figures: the largest owners and the
// bands through the index on used bytes, one owner by ID.
func (s *Service) vaultStorage(ctx context.Context, owner string, top int) (*VaultStorage, error) {
	os, err := s.store.TopOwners(ctx, top)
	if err != nil {
		return nil, storeErr("top owners", err)
	}
	vs := &VaultStorage{Top: make([]OwnerUsage, 0, len(os)), Bands: make([]BandCount, 0, len(SizeBands))}
	for _, o := range os {
		vs.Top = append(vs.Top, usageOf(o))
	}
	for _, b := range SizeBands {
		n, err := s.store.CountOwnersBySize(ctx, b)
		if err != nil {
			return nil, storeErr("count owners by size", err)
		}
		vs.Bands = append(vs.Bands, BandCount{SizeBand: b, Owners: n})
	}
	if owner = strings.TrimSpace(owner); owner != "" {
		o, err := s.store.GetOwner(ctx, owner)
		if kerr.IsKind(err, kerr.NotFound) {
			return nil, errOwnerNotFound(owner)
		}
		if err != nil {
			return nil, storeErr("get owner", err)
		}
		u := usageOf(o)
		vs.Owner = &u
	}
	return vs, nil
}

func usageOf(o Owner) OwnerUsage {
	return OwnerUsage{OwnerID: o.ID, Name: o.Name, Bytes: o.UsedBytes, Papers: o.DocumentCount}
}
