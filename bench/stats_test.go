package bench_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// The statistics benchmark (issue 13 item 8) runs over a store of
// KHO_BENCH_STATS_N dossiers (default 1,000,000) per metadata driver,
// loaded once and kept between runs: SQLite in KHO_BENCH_STATS_DIR
// (default /tmp/kho-statsbench), FerretDB in a database named after N and
// the seed on the test servers of scripts/testenv.sh (kept while they
// run). A load that stops goes on where it stopped.
const statsSeed = 13

// statsN is the number of dossiers of the kept stores.
func statsN(b *testing.B) int {
	n := 1_000_000
	if v := os.Getenv("KHO_BENCH_STATS_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("KHO_BENCH_STATS_N=%q: want a positive number", v)
		}
	}
	return n
}

// statsStore is one kept store of the statistics benchmark: the metadata
// store as the workflow sees it, its bulk insert, and the raw side the
// floor and the loader's bookkeeping use (not the store's own tables).
type statsStore struct {
	name  string
	store workflow.Store
	bulk  func(context.Context, []workflow.Dossier) error
	raw   statsRaw
	n     int
	// loadSeconds is how long the load of the n dossiers took (summed
	// over the runs that loaded them).
	loadSeconds float64
}

// statsRaw is the benchmark's own bookkeeping beside a store: the loader's
// progress, and the floor's monthly aggregate buckets (one document or
// row per competent agency and month, as an engine of precomputed
// aggregates would keep them).
type statsRaw interface {
	// meta reads a number the loader kept (0 if none); setMeta writes it.
	meta(ctx context.Context, k string) (float64, error)
	setMeta(ctx context.Context, k string, v float64) error
	// putBucket stores one bucket's rows, replacing it.
	putBucket(ctx context.Context, agency, month string, body []byte) error
	// buckets reads the buckets of the months from..to (YYYY-MM, both
	// included) of agency ("" for every agency), calling fn for each.
	buckets(ctx context.Context, agency, from, to string, fn func(body []byte) error) error
	// countAgencyYear is the raw indexed count of the dossiers of one
	// competent agency received in [from, to).
	countAgencyYear(ctx context.Context, agency string, from, to time.Time) (int64, error)
	close(ctx context.Context) error
}

// statsDrivers are the two metadata drivers.
var statsDrivers = []struct {
	name string
	open func(b *testing.B, n int) *statsStore
}{
	{"sqlite", openStatsSQLite},
	{"ferretdb", openStatsFerret},
}

// openStatsSQLite opens (creating it the first time) the kept SQLite
// store of n dossiers.
func openStatsSQLite(b *testing.B, n int) *statsStore {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("KHO_BENCH_STATS_DIR")
	if dir == "" {
		dir = "/tmp/kho-statsbench"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("stats-%d-s%d.db", n, statsSeed))
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatalf("sqlite: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS statsbench_meta (k TEXT PRIMARY KEY, v REAL NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS statsbench_buckets (agency TEXT NOT NULL, month TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (agency, month)) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS statsbench_buckets_month ON statsbench_buckets (month)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	s := &statsStore{name: "sqlite", store: st, bulk: st.CreateDossiers, raw: sqliteRaw{db}, n: n}
	b.Cleanup(func() {
		db.Close()
		st.Close(context.Background())
	})
	return s
}

// sqliteRaw is statsRaw on the SQLite file.
type sqliteRaw struct{ db *sql.DB }

func (r sqliteRaw) meta(ctx context.Context, k string) (float64, error) {
	var v float64
	err := r.db.QueryRowContext(ctx, `SELECT v FROM statsbench_meta WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

func (r sqliteRaw) setMeta(ctx context.Context, k string, v float64) error {
	_, err := r.db.ExecContext(ctx, `INSERT INTO statsbench_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v)
	return err
}

func (r sqliteRaw) putBucket(ctx context.Context, agency, month string, body []byte) error {
	_, err := r.db.ExecContext(ctx, `INSERT OR REPLACE INTO statsbench_buckets (agency, month, body) VALUES (?, ?, ?)`, agency, month, body)
	return err
}

func (r sqliteRaw) buckets(ctx context.Context, agency, from, to string, fn func([]byte) error) error {
	q, args := `SELECT body FROM statsbench_buckets WHERE agency = ? AND month >= ? AND month <= ?`, []any{agency, from, to}
	if agency == "" {
		q, args = `SELECT body FROM statsbench_buckets WHERE month >= ? AND month <= ?`, []any{from, to}
	}
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return err
		}
		if err := fn(body); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r sqliteRaw) countAgencyYear(ctx context.Context, agency string, from, to time.Time) (int64, error) {
	var n int64
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM dossiers WHERE handling_agency = ? AND received_at >= ? AND received_at < ?`,
		agency, from.UnixMilli(), to.UnixMilli()).Scan(&n)
	return n, err
}

func (r sqliteRaw) close(context.Context) error { return r.db.Close() }

// openStatsFerret opens (creating it the first time) the kept FerretDB
// database of n dossiers on the test servers.
func openStatsFerret(b *testing.B, n int) *statsStore {
	b.Helper()
	ctx := context.Background()
	uri := testenv.MongoURI(b)
	name := fmt.Sprintf("kho_statsbench_%d_s%d", n, statsSeed)
	st, err := mongo.Open(ctx, uri, name)
	if err != nil {
		b.Fatalf("mongo: %v", err)
	}
	// As docs/deployment.md has it in production: the GIN indexes
	// FerretDB needs for equality filters (idempotent).
	if _, err := st.CreateFerretDBIndexes(ctx, testenv.PostgresURL(b)); err != nil {
		b.Fatalf("ferretdb indexes: %v", err)
	}
	cl, err := mdb.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		b.Fatal(err)
	}
	db := cl.Database(name)
	if _, err := db.Collection("statsbench_buckets").Indexes().CreateOne(ctx, mdb.IndexModel{
		Keys: bson.D{{Key: "agency", Value: 1}, {Key: "month", Value: 1}}}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Collection("statsbench_buckets").Indexes().CreateOne(ctx, mdb.IndexModel{
		Keys: bson.D{{Key: "month", Value: 1}}}); err != nil {
		b.Fatal(err)
	}
	s := &statsStore{name: "ferretdb", store: st, bulk: st.CreateDossiers, raw: mongoRaw{db}, n: n}
	b.Cleanup(func() {
		cl.Disconnect(context.Background())
		st.Close(context.Background())
	})
	return s
}

// mongoRaw is statsRaw on the FerretDB database.
type mongoRaw struct{ db *mdb.Database }

func (r mongoRaw) meta(ctx context.Context, k string) (float64, error) {
	var doc struct {
		V float64 `bson:"v"`
	}
	err := r.db.Collection("statsbench_meta").FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&doc)
	if errors.Is(err, mdb.ErrNoDocuments) {
		return 0, nil
	}
	return doc.V, err
}

func (r mongoRaw) setMeta(ctx context.Context, k string, v float64) error {
	_, err := r.db.Collection("statsbench_meta").ReplaceOne(ctx, bson.D{{Key: "_id", Value: k}}, bson.D{{Key: "v", Value: v}},
		options.Replace().SetUpsert(true))
	return err
}

func (r mongoRaw) putBucket(ctx context.Context, agency, month string, body []byte) error {
	_, err := r.db.Collection("statsbench_buckets").ReplaceOne(ctx, bson.D{{Key: "_id", Value: agency + "/" + month}},
		bson.D{{Key: "agency", Value: agency}, {Key: "month", Value: month}, {Key: "body", Value: string(body)}},
		options.Replace().SetUpsert(true))
	return err
}

func (r mongoRaw) buckets(ctx context.Context, agency, from, to string, fn func([]byte) error) error {
	f := bson.D{{Key: "month", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}}}
	if agency != "" {
		f = append(bson.D{{Key: "agency", Value: agency}}, f...)
	}
	cur, err := r.db.Collection("statsbench_buckets").Find(ctx, f)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			Body string `bson:"body"`
		}
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		if err := fn([]byte(doc.Body)); err != nil {
			return err
		}
	}
	return cur.Err()
}

func (r mongoRaw) countAgencyYear(ctx context.Context, agency string, from, to time.Time) (int64, error) {
	// The equality on handlingAgency is what FerretDB pushes down (to
	// its GIN index); it filters the reception range itself.
	return r.db.Collection("dossiers").CountDocuments(ctx, bson.D{{Key: "handlingAgency", Value: agency},
		{Key: "receivedAt", Value: bson.D{{Key: "$gte", Value: from.UTC()}, {Key: "$lt", Value: to.UTC()}}}})
}

func (r mongoRaw) close(ctx context.Context) error { return r.db.Client().Disconnect(ctx) }

// statsBatch is the loader's batch: SQLite writes it in one transaction,
// FerretDB in one InsertMany.
const statsBatch = 2000

// ensureLoaded loads what is missing of s's n dossiers (with the
// agencies, procedures and staff), then the floor's buckets, and records
// the load's time in the store.
func ensureLoaded(b *testing.B, s *statsStore) {
	b.Helper()
	ctx := context.Background()
	done, err := s.raw.meta(ctx, "loaded")
	if err != nil {
		b.Fatal(err)
	}
	if int(done) < s.n {
		if done == 0 {
			if err := seedDirectory(ctx, s.store); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		if err := loadDossiers(ctx, s, int(done)); err != nil {
			b.Fatalf("%s: load: %v", s.name, err)
		}
		took := time.Since(start).Seconds()
		prev, _ := s.raw.meta(ctx, "loadSeconds")
		if err := s.raw.setMeta(ctx, "loadSeconds", prev+took); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: loaded dossiers %d..%d in %.0f s (%.0f dossiers/s)", s.name, int(done), s.n, took, float64(s.n-int(done))/took)
	}
	if v, _ := s.raw.meta(ctx, "buckets"); v == 0 {
		start := time.Now()
		if err := putBuckets(ctx, s); err != nil {
			b.Fatalf("%s: buckets: %v", s.name, err)
		}
		if err := s.raw.setMeta(ctx, "buckets", 1); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: floor buckets written in %s", s.name, time.Since(start).Round(time.Second))
	}
	s.loadSeconds, _ = s.raw.meta(ctx, "loadSeconds")
}

// seedDirectory stores the agencies, procedures and staff.
func seedDirectory(ctx context.Context, st workflow.Store) error {
	for _, a := range genAgencyRecords() {
		if err := st.PutAgency(ctx, a); err != nil {
			return err
		}
	}
	for p := range genProcedures {
		if err := st.PutProcedureRecord(ctx, genProcedure(p)); err != nil {
			return err
		}
	}
	for _, m := range genStaff() {
		if err := st.PutStaff(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// loadDossiers writes dossiers from..s.n in batches: generated by two
// goroutines, written by one writer on SQLite (it has one) and three on
// FerretDB. The count loaded so far is kept after each batch that
// completes a run from the start, so a stopped load goes on from there
// (a batch written again is retried one dossier at a time, skipping the
// ones that exist).
func loadDossiers(ctx context.Context, s *statsStore, from int) error {
	writers := 1
	if s.name == "ferretdb" {
		writers = 3
	}
	type batch struct {
		first int
		ds    []workflow.Dossier
	}
	starts := make(chan int)
	batches := make(chan batch, 4)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(starts)
		for i := from; i < s.n; i += statsBatch {
			select {
			case starts <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var gen sync.WaitGroup
	for range 2 {
		gen.Go(func() {
			for first := range starts {
				ds := make([]workflow.Dossier, 0, statsBatch)
				for i := first; i < min(first+statsBatch, s.n); i++ {
					ds = append(ds, genDossier(statsSeed, i, s.n))
				}
				select {
				case batches <- batch{first, ds}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { gen.Wait(); close(batches) }()

	var (
		mu       sync.Mutex
		finished = map[int]bool{}
		mark     = from
		firstErr error
		wg       sync.WaitGroup
	)
	for range writers {
		wg.Go(func() {
			for bt := range batches {
				err := s.bulk(ctx, bt.ds)
				if kerr.KindOf(err) == kerr.Conflict {
					err = insertMissing(ctx, s.store, bt.ds)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("batch at %d: %w", bt.first, err)
					cancel()
				}
				finished[bt.first] = true
				advanced := false
				for finished[mark] {
					delete(finished, mark)
					mark = min(mark+statsBatch, s.n)
					advanced = true
				}
				m := mark
				mu.Unlock()
				if advanced && err == nil {
					if err := s.raw.setMeta(ctx, "loaded", float64(m)); err != nil {
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
						cancel()
					}
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// cmpErr is the first of two errors.
func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// insertMissing writes the dossiers of a batch one at a time, skipping
// those that exist (a batch half written by a stopped load).
func insertMissing(ctx context.Context, st workflow.Store, ds []workflow.Dossier) error {
	for _, d := range ds {
		if err := st.CreateDossier(ctx, d); err != nil && kerr.KindOf(err) != kerr.Conflict {
			return err
		}
	}
	return nil
}

// bucketRow is one row of a floor bucket: the tuple of every dimension a
// statistics query groups or filters by, the months of reception and
// resolution, the outcome (o: on time, l: late, "": not resolved), and
// how many dossiers have it.
type bucketRow struct {
	K [11]string `json:"k"`
	N int64      `json:"n"`
}

// The positions of bucketRow.K.
const (
	bkProcedure = iota
	bkField
	bkLevel
	bkChannel
	bkReceiving
	bkStatus
	bkStage
	bkOfficer
	bkReceived // YYYY-MM of reception ("" if not received)
	bkResolved // YYYY-MM of resolution ("" if not resolved)
	bkOutcome
)

// bucketKey is a dossier's bucket: its competent agency and its month of
// reception (of submission if not received).
func bucketKey(d workflow.Dossier) (agency, month string) {
	t := d.ReceivedAt
	if t.IsZero() {
		t = d.SubmittedAt
	}
	return d.HandlingAgency, t.In(workflow.Vietnam).Format("2006-01")
}

// bucketTuple is a dossier's row key.
func bucketTuple(d workflow.Dossier, level workflow.ServiceLevel) [11]string {
	var k [11]string
	k[bkProcedure], k[bkField], k[bkLevel], k[bkChannel], k[bkReceiving] = d.Procedure, d.Field, string(level), string(d.Channel), d.Agency
	k[bkStatus], k[bkStage] = string(d.Status), string(d.Stage)
	if d.Handler != nil {
		k[bkOfficer] = d.Handler.Subject
	}
	if !d.ReceivedAt.IsZero() {
		k[bkReceived] = d.ReceivedAt.In(workflow.Vietnam).Format("2006-01")
	}
	if !d.ResolvedAt.IsZero() {
		k[bkResolved] = d.ResolvedAt.In(workflow.Vietnam).Format("2006-01")
		k[bkOutcome] = "o"
		if !d.DueAt.IsZero() && d.ResolvedAt.After(d.DueAt) {
			k[bkOutcome] = "l"
		}
	}
	return k
}

// putBuckets sums the n generated dossiers into buckets (from the
// generator, not the store) and writes them.
func putBuckets(ctx context.Context, s *statsStore) error {
	levels := map[string]workflow.ServiceLevel{}
	for p := range genProcedures {
		pr := genProcedure(p)
		levels[pr.Code] = pr.Level
	}
	type bk struct{ agency, month string }
	sums := map[bk]map[[11]string]int64{}
	for i := range s.n {
		d := genDossier(statsSeed, i, s.n)
		a, m := bucketKey(d)
		rows := sums[bk{a, m}]
		if rows == nil {
			rows = map[[11]string]int64{}
			sums[bk{a, m}] = rows
		}
		rows[bucketTuple(d, levels[d.Procedure])]++
	}
	for k, rows := range sums {
		out := make([]bucketRow, 0, len(rows))
		for t, n := range rows {
			out = append(out, bucketRow{t, n})
		}
		sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].K[:], "|") < strings.Join(out[j].K[:], "|") })
		body, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := s.raw.putBucket(ctx, k.agency, k.month, body); err != nil {
			return err
		}
	}
	return nil
}

// floorAnswer is the floor's yearly page: the year's figures by month and
// by field, summed from the buckets read raw.
type floorAnswer struct {
	byMonth, byField map[string]*workflow.StatsCounts
	total            workflow.StatsCounts
}

// floorYear reads the buckets of one year (of one agency, or all) and
// sums them by month and by field: received in the year, resolved (of
// those received in the year) on time and late. It is what an engine of
// monthly buckets cannot do with less; the in-progress count of older
// buckets' open rows is left out (it would make the floor dearer).
func floorYear(ctx context.Context, raw statsRaw, agency string, year int) (floorAnswer, error) {
	ans := floorAnswer{byMonth: map[string]*workflow.StatsCounts{}, byField: map[string]*workflow.StatsCounts{}}
	y := strconv.Itoa(year)
	add := func(m map[string]*workflow.StatsCounts, k string) *workflow.StatsCounts {
		c := m[k]
		if c == nil {
			c = &workflow.StatsCounts{}
			m[k] = c
		}
		return c
	}
	err := raw.buckets(ctx, agency, y+"-01", y+"-12", func(body []byte) error {
		var rows []bucketRow
		if err := json.Unmarshal(body, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if r.K[bkReceived] == "" {
				continue
			}
			for _, c := range []*workflow.StatsCounts{&ans.total, add(ans.byMonth, r.K[bkReceived]), add(ans.byField, r.K[bkField])} {
				c.Received += r.N
				switch r.K[bkOutcome] {
				case "o":
					c.Resolved += r.N
					c.OnTime += r.N
				case "l":
					c.Resolved += r.N
					c.Late += r.N
				default:
					c.InProgress += r.N
				}
			}
		}
		return nil
	})
	return ans, err
}

// expectYear is floorYear's answer counted from the generator (no store):
// what the floor must give.
func expectYear(n int, agency string, year int) workflow.StatsCounts {
	var c workflow.StatsCounts
	for i := range n {
		d := genDossier(statsSeed, i, n)
		if d.ReceivedAt.IsZero() || d.ReceivedAt.In(workflow.Vietnam).Year() != year || (agency != "" && d.HandlingAgency != agency) {
			continue
		}
		c.Received++
		switch {
		case d.ResolvedAt.IsZero():
			c.InProgress++
		case d.ResolvedAt.After(d.DueAt):
			c.Resolved++
			c.Late++
		default:
			c.Resolved++
			c.OnTime++
		}
	}
	return c
}

// BenchmarkStatsFloor is the floor of issue 13 item 8 over the kept
// stores: "buckets-agency" reads the 12 monthly aggregate buckets of one
// agency for 2026 and sums them by month and by field, "buckets-all" the
// 240 of every agency, and "count-agency-year" is one raw indexed count of
// the dossiers one agency received in 2026 (the cheapest figure a store
// gives without aggregates). The first run loads the store (see statsN).
func BenchmarkStatsFloor(b *testing.B) {
	ctx := context.Background()
	n := statsN(b)
	agency := genAgency(0)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, workflow.Vietnam)
	to := from.AddDate(1, 0, 0)
	for _, drv := range statsDrivers {
		b.Run(drv.name, func(b *testing.B) {
			s := drv.open(b, n)
			ensureLoaded(b, s)
			checkFloor(b, s, agency, from, to)
			b.Run("buckets-agency", func(b *testing.B) {
				var ans floorAnswer
				for b.Loop() {
					var err error
					if ans, err = floorYear(ctx, s.raw, agency, 2026); err != nil {
						b.Fatal(err)
					}
				}
				if len(ans.byMonth) != 12 || ans.total.Received == 0 {
					b.Fatalf("%d months, %d received", len(ans.byMonth), ans.total.Received)
				}
			})
			b.Run("buckets-all", func(b *testing.B) {
				for b.Loop() {
					if _, err := floorYear(ctx, s.raw, "", 2026); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("count-agency-year", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.raw.countAgencyYear(ctx, agency, from, to); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("recount-bucket", func(b *testing.B) {
				// One agency-month, as a job of monthly buckets recounts
				// one: every dossier read through the store and decoded.
				m := time.Date(2026, 3, 1, 0, 0, 0, 0, workflow.Vietnam)
				var n int
				for b.Loop() {
					var err error
					if n, err = readBucket(ctx, s.store, agency, m, m.AddDate(0, 1, 0)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n), "dossiers/bucket")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "dossiers/s")
			})
			b.ReportMetric(s.loadSeconds, "load-s")
		})
	}
}

// checkFloor compares the floor's answers over the kept store with the
// generator's: the buckets summed, and the raw count of the dossiers the
// store holds, must give what was generated.
func checkFloor(b *testing.B, s *statsStore, agency string, from, to time.Time) {
	b.Helper()
	ctx := context.Background()
	for _, a := range []string{agency, ""} {
		want := expectYear(s.n, a, from.Year())
		got, err := floorYear(ctx, s.raw, a, from.Year())
		if err != nil {
			b.Fatal(err)
		}
		if got.total != want {
			b.Fatalf("%s: floor of agency %q: %+v, generated %+v", s.name, a, got.total, want)
		}
		if a == "" {
			continue
		}
		n, err := s.raw.countAgencyYear(ctx, a, from, to)
		if err != nil {
			b.Fatal(err)
		}
		if n != want.Received {
			b.Fatalf("%s: raw count of agency %q: %d, generated %d", s.name, a, n, want.Received)
		}
	}
}

// readBucket reads, through the store's indexed listing, every dossier
// that agency is competent for and received in [from, to), and returns
// how many.
func readBucket(ctx context.Context, st workflow.Store, agency string, from, to time.Time) (int, error) {
	q := workflow.DossierQuery{Agency: agency, Side: workflow.SideHandling, ReceivedFrom: from, ReceivedBefore: to, Limit: 1000}
	n := 0
	for {
		ds, more, err := st.ListDossiers(ctx, q)
		if err != nil {
			return n, err
		}
		n += len(ds)
		if !more {
			return n, nil
		}
		q.After = ds[len(ds)-1].SortKey()
	}
}
