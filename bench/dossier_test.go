package bench_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/s3"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// BenchmarkDossierDay is issue 10 item 12 at the service level: a
// simulated day of a provincial one-stop shop. Dossiers (birth
// registrations, each with its declaration as an eForm, an uploaded birth
// certificate and the applicant's identity card reused from the vault) are
// made and submitted online by applicants, then taken through the whole
// lifecycle by 200 officers of 5 agencies, each a goroutine acting as its
// own member of the staff directory: desk officers receive and transfer,
// heads assign, appraisers appraise (a share of the dossiers first goes
// back to the applicant for a supplement) and submit for approval, leaders
// approve and sign, desk officers return the result and record its
// receipt. Meanwhile lookup goroutines read the public status of dossiers
// already submitted, as the public lookup page does, without pause.
//
// One iteration is one whole day: run it with -benchtime 1x. It reports,
// for each action, p50 and p99 latency (ms) and its throughput over the
// day's wall time; dossiers/s for the whole day; and the lookups' p50,
// p99, mean and worst latency and rate. The day's size and mix come from
// the environment (benchmarks here run by hand, never in make test):
//
//	KHO_BENCH_DOSSIERS   dossiers of the day (default 20000)
//	KHO_BENCH_OFFICERS   officers, spread over the agencies (default 200)
//	KHO_BENCH_APPLICANTS applicants applying at once (default 20)
//	KHO_BENCH_LOOKUPS    public lookups at once (default 833: the circular's active users)
//	KHO_BENCH_RATE       dossiers submitted per second, all applicants together
//	                     (default 0: as fast as they can — the saturation throughput;
//	                     a real day of 20,000 dossiers in 8 hours is 0.7/s)
//	KHO_BENCH_LOOKUP_PAUSE pause of each lookup between two requests (default 1s;
//	                     0: as fast as it can)
//	KHO_BENCH_SUPPLEMENT percent of dossiers with a supplement round (default 10)
//	KHO_BENCH_FLOOR      after the day, how long to measure the store's floor: reads,
//	                     then reads and guarded writes of the day's dossiers alone
//	                     (default 15s each; 0: not measured)
//	KHO_BENCH_DEPLOY     embedded or minio+ferretdb (default both)
//	KHO_BENCH_CODES      file to append each submitted dossier's code to (for the HTTP load tool)
//	KHO_BENCH_SHARED_DATA  embedded: use this data folder (DIR/kho.db, DIR/blobs), the
//	                     one a `kho serve --data DIR` serves, instead of a new one
//	KHO_BENCH_SHARED_DB  minio+ferretdb: use this database and the S3 bucket of
//	                     KHO_BENCH_SHARED_BUCKET (those of a `kho serve --mongo-db
//	                     --s3-bucket`), left in place afterwards
//
// scripts/bench-dossiers.sh runs it beside `kho serve` on the same stores
// while vegeta sends the public lookups through HTTP.
func BenchmarkDossierDay(b *testing.B) {
	cfg := dayConfigFromEnv(b)
	for _, dep := range deployments {
		if only := os.Getenv("KHO_BENCH_DEPLOY"); only != "" && only != dep.name {
			continue
		}
		dep = sharedDeployment(dep)
		b.Run(dep.name, func(b *testing.B) {
			d := newDay(b, dep, cfg)
			for b.Loop() {
				d.run(b)
			}
		})
	}
}

// sharedDeployment opens the stores a kho serve serves when
// KHO_BENCH_SHARED_* name them, else returns dep as it is.
func sharedDeployment(dep deployment) deployment {
	switch {
	case dep.name == "embedded" && os.Getenv("KHO_BENCH_SHARED_DATA") != "":
		dir := os.Getenv("KHO_BENCH_SHARED_DATA")
		dep.open = func(b *testing.B) (storage.Driver, metaStore) {
			ctx := context.Background()
			d, err := localfs.New(filepath.Join(dir, "blobs"))
			if err != nil {
				b.Fatalf("localfs: %v", err)
			}
			st, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
			if err != nil {
				b.Fatalf("sqlite: %v", err)
			}
			b.Cleanup(func() { st.Close(context.Background()) })
			return d, st
		}
	case dep.name != "embedded" && os.Getenv("KHO_BENCH_SHARED_DB") != "":
		dep.open = func(b *testing.B) (storage.Driver, metaStore) {
			ctx := context.Background()
			cfg := testenv.S3(b)
			d, err := s3.New(ctx, s3.Config{Endpoint: cfg.Endpoint, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
				Bucket: os.Getenv("KHO_BENCH_SHARED_BUCKET"), CreateBucket: true})
			if err != nil {
				b.Fatalf("s3: %v", err)
			}
			st, err := mongo.Open(ctx, testenv.MongoURI(b), os.Getenv("KHO_BENCH_SHARED_DB"))
			if err != nil {
				b.Fatalf("mongo: %v", err)
			}
			b.Cleanup(func() { st.Close(context.Background()) })
			return d, st
		}
	}
	return dep
}

// dayConfig is the size and mix of a simulated day.
type dayConfig struct {
	dossiers, officers, applicants, lookups, supplementPct int
	rate                                                   float64
	lookupPause, floor                                     time.Duration
	codesFile                                              string
}

func dayConfigFromEnv(b *testing.B) dayConfig {
	num := func(name string, def, min int) int {
		s := os.Getenv(name)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < min {
			b.Fatalf("%s=%q: want a whole number ≥ %d", name, s, min)
		}
		return n
	}
	rate, err := strconv.ParseFloat(cmp.Or(os.Getenv("KHO_BENCH_RATE"), "0"), 64)
	if err != nil || rate < 0 {
		b.Fatalf("KHO_BENCH_RATE=%q: want dossiers per second ≥ 0", os.Getenv("KHO_BENCH_RATE"))
	}
	pause, err := time.ParseDuration(cmp.Or(os.Getenv("KHO_BENCH_LOOKUP_PAUSE"), "1s"))
	if err != nil || pause < 0 {
		b.Fatalf("KHO_BENCH_LOOKUP_PAUSE=%q: want a duration ≥ 0", os.Getenv("KHO_BENCH_LOOKUP_PAUSE"))
	}
	floor, err := time.ParseDuration(cmp.Or(os.Getenv("KHO_BENCH_FLOOR"), "15s"))
	if err != nil || floor < 0 {
		b.Fatalf("KHO_BENCH_FLOOR=%q: want a duration ≥ 0", os.Getenv("KHO_BENCH_FLOOR"))
	}
	return dayConfig{
		floor:         floor,
		rate:          rate,
		lookupPause:   pause,
		dossiers:      num("KHO_BENCH_DOSSIERS", 20000, 1),
		officers:      num("KHO_BENCH_OFFICERS", 200, 4*len(dayAgencies)),
		applicants:    num("KHO_BENCH_APPLICANTS", 20, 1),
		lookups:       num("KHO_BENCH_LOOKUPS", 833, 0),
		supplementPct: num("KHO_BENCH_SUPPLEMENT", 10, 0),
		codesFile:     os.Getenv("KHO_BENCH_CODES"),
	}
}

// dayAgencies are the wards of the simulated province: the shipped
// catalogue's and four more with the same departments and procedure.
var dayAgencies = []string{"000.00.31.H29", "000.00.32.H29", "000.00.33.H29", "000.00.34.H29", "000.00.35.H29"}

// dayAdmin loads the catalogue and the directory.
var dayAdmin = archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}

// dayProcedure is the birth registration's code in agency i of dayAgencies.
func dayProcedure(i int) string {
	if i == 0 {
		return "DANG_KY_KHAI_SINH"
	}
	return fmt.Sprintf("DANG_KY_KHAI_SINH.%d", i)
}

// The officers' positions; each agency gets officers in these shares.
var dayShares = []struct {
	role  workflow.Role
	dept  string
	share int // of 40
}{
	{workflow.RoleDesk, "MOT_CUA", 10},
	{workflow.RoleHead, "VP", 5},
	{workflow.RoleAppraiser, "VP", 20},
	{workflow.RoleLeader, "VP", 5},
}

// dayCitizen is an applicant with their identity card in the vault.
type dayCitizen struct {
	actor archive.Actor
	card  string
}

// dayTask is a dossier waiting in an officer's or applicant's queue.
type dayTask struct {
	code         string
	agency       int
	applicant    archive.Actor
	appraiser    string // once assigned
	supplemented bool
	returning    bool // a desk task: return the result (else: intake)
}

// day is the province: the workflow over a deployment's stores, the
// directory and the applicants.
type day struct {
	cfg      dayConfig
	wf       *workflow.Service
	vault    *archive.Service
	staff    [][]dayOfficer // by agency
	citizens []dayCitizen
	form     []byte
	codes    *os.File
	store    workflow.Store // the metadata store under wf, for the floor
}

// dayOfficer is one member of the directory.
type dayOfficer struct {
	actor archive.Actor
	role  workflow.Role
}

func newDay(b *testing.B, dep deployment, cfg dayConfig) *day {
	b.Helper()
	ctx := context.Background()
	driver, st := dep.open(b)
	wst, ok := st.(workflow.Store)
	if !ok {
		b.Fatalf("%s's metadata store is not a workflow.Store", dep.name)
	}
	bucket := storage.NewBucket(driver)
	b.Cleanup(func() { bucket.Close() })
	if ms, ok := st.(*mongo.Store); ok {
		// What docs/deployment.md asks of a FerretDB deployment
		// (kho admin ferretdb-indexes): the GIN indexes without which
		// FerretDB reads a whole table for each record it reads or updates.
		if _, err := ms.CreateFerretDBIndexes(ctx, testenv.PostgresURL(b)); err != nil {
			b.Fatalf("FerretDB's GIN indexes: %v", err)
		}
	}
	vault := archive.New(st, bucket, archive.Config{DefaultQuotaBytes: -1}, nil, nil)
	if _, _, err := vault.LoadCatalog(ctx, dayAdmin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		b.Fatal(err)
	}
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		b.Fatal(err)
	}
	d := &day{cfg: cfg, vault: vault, store: wst, wf: workflow.New(workflow.Config{Store: wst, Vault: vault, Forms: reg})}
	if _, err := d.wf.LoadCatalog(ctx, dayAdmin, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
		b.Fatal(err)
	}
	cat, err := provinceCatalog()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.wf.LoadCatalog(ctx, dayAdmin, bytes.NewReader(cat)); err != nil {
		b.Fatalf("the province's catalogue: %v", err)
	}
	d.staff = make([][]dayOfficer, len(dayAgencies))
	for n := range cfg.officers {
		ai := n % len(dayAgencies)
		k := (n / len(dayAgencies)) % 40
		sh := dayShares[0]
		for _, s := range dayShares {
			if k < s.share {
				sh = s
				break
			}
			k -= s.share
		}
		m := workflow.Staff{Subject: fmt.Sprintf("canbo%03d", n), Name: fmt.Sprintf("Cán bộ %d", n), Agency: dayAgencies[ai],
			Department: sh.dept, Positions: []workflow.Role{sh.role}, Active: true}
		if _, err := d.wf.PutStaff(ctx, dayAdmin, m); err != nil {
			b.Fatal(err)
		}
		d.staff[ai] = append(d.staff[ai], dayOfficer{archive.Actor{Subject: m.Subject, Role: archive.RoleStaff}, sh.role})
	}
	// Every agency needs each position at least once (officers ≥ 4 per
	// agency gives it with the shares above only for 40 or more; make sure).
	for ai, members := range d.staff {
		for _, s := range dayShares {
			if !slices.ContainsFunc(members, func(o dayOfficer) bool { return o.role == s.role }) {
				b.Fatalf("agency %s has no %s with %d officers: give at least %d", dayAgencies[ai], s.role, cfg.officers, 40*len(dayAgencies))
			}
		}
	}
	d.seedCitizens(b, max(1, cfg.dossiers/10))
	d.form = []byte(birthDeclaration)
	if cfg.codesFile != "" {
		f, err := os.OpenFile(cfg.codesFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		d.codes = f
	}
	return d
}

// provinceCatalog is a catalogue with the four other wards, each with its
// own copy of the shipped birth registration and its process.
func provinceCatalog() ([]byte, error) {
	var shipped struct {
		Agencies   []map[string]any `json:"agencies"`
		Procedures []map[string]any `json:"procedures"`
		Processes  []map[string]any `json:"processes"`
	}
	if err := json.Unmarshal(workflow.DefaultCatalog(), &shipped); err != nil {
		return nil, err
	}
	find := func(list []map[string]any, key, v string) (map[string]any, error) {
		i := slices.IndexFunc(list, func(m map[string]any) bool { return m[key] == v })
		if i < 0 {
			return nil, fmt.Errorf("the shipped catalogue has no %s %s", key, v)
		}
		return list[i], nil
	}
	ag, err := find(shipped.Agencies, "code", dayAgencies[0])
	if err != nil {
		return nil, err
	}
	proc, err := find(shipped.Procedures, "code", dayProcedure(0))
	if err != nil {
		return nil, err
	}
	pr, err := find(shipped.Processes, "procedure", dayProcedure(0))
	if err != nil {
		return nil, err
	}
	var out struct {
		Agencies   []map[string]any `json:"agencies"`
		Procedures []map[string]any `json:"procedures"`
		Processes  []map[string]any `json:"processes"`
	}
	for i := 1; i < len(dayAgencies); i++ {
		a, p, q := clone(ag), clone(proc), clone(pr)
		a["code"], a["name"] = dayAgencies[i], fmt.Sprintf("Ủy ban nhân dân phường số %d", i+1)
		p["code"], p["agency"] = dayProcedure(i), dayAgencies[i]
		q["procedure"] = dayProcedure(i)
		out.Agencies, out.Procedures, out.Processes = append(out.Agencies, a), append(out.Procedures, p), append(out.Processes, q)
	}
	return json.Marshal(out)
}

// clone is a shallow copy of a JSON object.
func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// seedCitizens stores an identity card into the vault of each of n
// applicants (untimed: their vaults exist before the day).
func (d *day) seedCitizens(b *testing.B, n int) {
	b.Helper()
	d.citizens = make([]dayCitizen, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				c := archive.Actor{Subject: fmt.Sprintf("001099%06d", i), Role: archive.RoleCitizen}
				doc, err := d.vault.Put(context.Background(), c, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước",
					Fields: map[string]any{"soDinhDanh": c.Subject, "hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}},
					Upload: dayUpload("cc.pdf", "cc "+c.Subject)})
				if err != nil {
					errs <- fmt.Errorf("seed the card of %s: %w", c.Subject, err)
					return
				}
				d.citizens[i] = dayCitizen{actor: c, card: doc.ID}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// dayUpload is an upload of a small valid PDF made unique by text.
func dayUpload(name, text string) archive.Upload {
	data := pdfobj.Assemble("%PDF-1.4\n% "+text+"\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
	return archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: name}
}

// latencies collects the times of each action.
type latencies struct {
	mu sync.Mutex
	by map[string][]time.Duration
}

func (l *latencies) add(action string, d time.Duration) {
	l.mu.Lock()
	if l.by == nil {
		l.by = map[string][]time.Duration{}
	}
	l.by[action] = append(l.by[action], d)
	l.mu.Unlock()
}

// dayRun is the state of one day while it runs.
type dayRun struct {
	*day
	times    latencies
	failures atomic.Int64
	firstErr sync.Once
	err      error
	pending  sync.WaitGroup
	next     atomic.Int64 // the next dossier an applicant makes
	assigned atomic.Int64 // round robin of the heads' assignments

	desk, head, leader [][]chan dayTask // by agency; one queue per role (officers of the role share it)
	appraiser          map[string]chan dayTask
	supplement         chan dayTask

	start time.Time // of the day, for the pace of KHO_BENCH_RATE

	codesMu sync.RWMutex
	public  []string // codes submitted so far, for the lookups
}

// run is one day: every dossier made, submitted and taken to the end.
func (d *day) run(b *testing.B) {
	r := &dayRun{day: d, appraiser: map[string]chan dayTask{}, supplement: make(chan dayTask, d.cfg.dossiers)}
	n := d.cfg.dossiers
	queues := func() [][]chan dayTask {
		q := make([][]chan dayTask, len(dayAgencies))
		for i := range q {
			q[i] = []chan dayTask{make(chan dayTask, n)}
		}
		return q
	}
	r.desk, r.head, r.leader = queues(), queues(), queues()
	for _, members := range d.staff {
		for _, o := range members {
			if o.role == workflow.RoleAppraiser {
				r.appraiser[o.actor.Subject] = make(chan dayTask, n)
			}
		}
	}
	r.pending.Add(n)
	var workers, lookups sync.WaitGroup
	stop := make(chan struct{})
	var lookupTimes []time.Duration
	var lookupMu sync.Mutex
	var lookupErrs atomic.Int64
	for range d.cfg.lookups {
		lookups.Go(func() {
			var mine []time.Duration
			rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for {
				select {
				case <-stop:
					lookupMu.Lock()
					lookupTimes = append(lookupTimes, mine...)
					lookupMu.Unlock()
					return
				default:
				}
				r.codesMu.RLock()
				code := ""
				if len(r.public) > 0 {
					code = r.public[rng.IntN(len(r.public))]
				}
				r.codesMu.RUnlock()
				if code == "" {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				t0 := time.Now()
				if _, err := d.wf.PublicLookup(context.Background(), code); err != nil {
					lookupErrs.Add(1)
				}
				mine = append(mine, time.Since(t0))
				if d.cfg.lookupPause > 0 {
					select {
					case <-stop:
					case <-time.After(d.cfg.lookupPause):
					}
				}
			}
		})
	}
	t0 := time.Now()
	r.start = t0
	for range d.cfg.applicants {
		workers.Go(r.applicant)
	}
	for ai, members := range d.staff {
		for _, o := range members {
			workers.Go(func() { r.officer(ai, o) })
		}
	}
	r.pending.Wait()
	wall := time.Since(t0)
	// Every dossier is done: the queues are empty; let the workers go.
	close(r.supplement)
	for ai := range dayAgencies {
		close(r.desk[ai][0])
		close(r.head[ai][0])
		close(r.leader[ai][0])
	}
	for _, q := range r.appraiser {
		close(q)
	}
	workers.Wait()
	close(stop)
	lookups.Wait()
	if f := r.failures.Load(); f > 0 {
		b.Fatalf("%d dossiers failed; the first: %v", f, r.err)
	}
	if e := lookupErrs.Load(); e > 0 {
		b.Fatalf("%d public lookups failed", e)
	}
	r.report(b, wall, lookupTimes)
	if d.cfg.floor > 0 {
		r.floor(b, wall)
	}
}

// floor measures, in the same run and on the same store now holding the
// day's dossiers, what the metadata store alone can do with as many
// goroutines as the day had (officers and applicants): for
// KHO_BENCH_FLOOR each, only reads of a random dossier by its code (what a
// public lookup must do), then a read and a guarded write of it (what a
// state change must do at the least; the workflow adds the staff
// directory read, the checks, the trail and notifications). It reports
// their rates and latencies, and the day's actions/s as a share of the
// read-and-write rate ("actions-per-floor").
func (r *dayRun) floor(b *testing.B, wall time.Duration) {
	ctx := context.Background()
	codes := r.public
	workers := r.cfg.officers + r.cfg.applicants
	measure := func(write bool) (rate float64, p50, p99 time.Duration) {
		var mu sync.Mutex
		var all []time.Duration
		var errs atomic.Int64
		var firstErr atomic.Value
		deadline := time.Now().Add(r.cfg.floor)
		var wg sync.WaitGroup
		t0 := time.Now()
		for w := range workers {
			wg.Go(func() {
				// Each goroutine works on its own dossiers (as each officer
				// does in the day): no two write the same record.
				var mine []time.Duration
				for k := 0; time.Now().Before(deadline); k++ {
					code := codes[(w+k*workers)%len(codes)]
					t := time.Now()
					cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					d, err := r.store.GetDossier(cctx, code)
					if err == nil && write {
						n := d
						n.Rev, n.UpdatedAt = d.Rev+1, time.Now().UTC().Truncate(time.Millisecond)
						err = r.store.UpdateDossier(cctx, n, d.Status)
					}
					cancel()
					if err != nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		el := time.Since(t0)
		if e := errs.Load(); e > 0 {
			b.Fatalf("floor: %d store calls failed; the first: %v", e, firstErr.Load())
		}
		slices.Sort(all)
		return float64(len(all)) / el.Seconds(), pct(all, 0.5), pct(all, 0.99)
	}
	rr, r50, r99 := measure(false)
	wr, w50, w99 := measure(true)
	total := 0
	for _, t := range r.times.by {
		total += len(t)
	}
	actions := float64(total) / wall.Seconds()
	b.ReportMetric(rr, "floor-reads/s")
	b.ReportMetric(ms(r99), "floor-read-p99-ms")
	b.ReportMetric(wr, "floor-read+writes/s")
	b.ReportMetric(ms(w99), "floor-read+write-p99-ms")
	b.ReportMetric(actions/wr, "actions-per-floor")
	b.Logf("floor (the store alone, %d goroutines, %s each, load average %s): reads %.0f/s p50 %.2f ms p99 %.2f ms; read+guarded write %.0f/s p50 %.2f ms p99 %.2f ms; the day's %.1f actions/s are %.2f of the read+write floor",
		workers, r.cfg.floor, loadAverage(), rr, ms(r50), ms(r99), wr, ms(w50), ms(w99), actions, actions/wr)
}

// fail records a dossier that could not go on.
func (r *dayRun) fail(err error) {
	r.failures.Add(1)
	r.firstErr.Do(func() { r.err = err })
	r.pending.Done()
}

// act times one action and reports whether it succeeded (else the
// dossier is given up and counted as failed).
func (r *dayRun) act(name string, f func() error) bool {
	t0 := time.Now()
	err := f()
	r.times.add(name, time.Since(t0))
	if err != nil {
		r.fail(fmt.Errorf("%s: %w", name, err))
		return false
	}
	return true
}

// step is one Act of a dossier's lifecycle, timed under the action's name.
func (r *dayRun) step(a archive.Actor, code string, in workflow.ActInput) bool {
	return r.act(string(in.Action), func() error {
		_, err := r.wf.Act(context.Background(), a, code, in)
		return err
	})
}

// applicant makes and submits new dossiers until there are none left, and
// answers supplement requests (first) meanwhile and after.
func (r *dayRun) applicant() {
	ctx := context.Background()
	for {
		select {
		case t, ok := <-r.supplement:
			if !ok {
				return
			}
			r.supplementOne(t)
			continue
		default:
		}
		i := int(r.next.Add(1)) - 1
		if i >= r.cfg.dossiers {
			// No new dossier left: only supplements, until the day ends.
			for t := range r.supplement {
				r.supplementOne(t)
			}
			return
		}
		if r.cfg.rate > 0 {
			time.Sleep(time.Until(r.start.Add(time.Duration(float64(i) / r.cfg.rate * float64(time.Second)))))
		}
		c := r.citizens[i%len(r.citizens)]
		ai := i % len(dayAgencies)
		var v workflow.View
		if !r.act("create", func() (err error) {
			v, err = r.wf.Create(ctx, c.actor, workflow.NewDossier{Procedure: dayProcedure(ai),
				Applicant: workflow.Party{Kind: archive.Individual, ID: c.actor.Subject, Name: "Nguyễn Văn An"}})
			return err
		}) {
			continue
		}
		code := v.Code
		form := bytes.ReplaceAll(r.form, []byte("001099012345"), []byte(c.actor.Subject))
		if !r.act("fill_form", func() error {
			_, err := r.wf.SetComponent(ctx, c.actor, code, "TO_KHAI", workflow.ComponentInput{Form: form})
			return err
		}) || !r.act("upload", func() error {
			_, err := r.wf.Upload(ctx, c.actor, code, "GIAY_CHUNG_SINH", "", 0, dayUpload("chung-sinh.pdf", "chung sinh "+code))
			return err
		}) || !r.act("reuse", func() error {
			_, err := r.wf.SetComponent(ctx, c.actor, code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: c.card}})
			return err
		}) || !r.step(c.actor, code, workflow.ActInput{Action: workflow.ActionSubmit}) {
			continue
		}
		r.publish(code)
		r.desk[ai][0] <- dayTask{code: code, agency: ai, applicant: c.actor}
	}
}

// publish makes a submitted dossier's code known to the lookups (and the
// codes file).
func (r *dayRun) publish(code string) {
	r.codesMu.Lock()
	r.public = append(r.public, code)
	if r.codes != nil {
		fmt.Fprintln(r.codes, code)
	}
	r.codesMu.Unlock()
}

// supplementOne is the applicant's supplement, back to the appraiser.
func (r *dayRun) supplementOne(t dayTask) {
	if r.step(t.applicant, t.code, workflow.ActInput{Action: workflow.ActionSupplement}) {
		t.supplemented = true
		r.appraiser[t.appraiser] <- t
	}
}

// officer works the queue of their position in their agency until it is
// closed.
func (r *dayRun) officer(ai int, o dayOfficer) {
	a := o.actor
	switch o.role {
	case workflow.RoleDesk:
		for t := range r.desk[ai][0] {
			if t.returning {
				if r.step(a, t.code, workflow.ActInput{Action: workflow.ActionReturnResult}) &&
					r.step(a, t.code, workflow.ActInput{Action: workflow.ActionReceiveResult, Receiver: &workflow.Receiver{Name: "Nguyễn Văn An"}}) {
					r.pending.Done()
				}
				continue
			}
			if r.step(a, t.code, workflow.ActInput{Action: workflow.ActionReceive}) &&
				r.step(a, t.code, workflow.ActInput{Action: workflow.ActionTransfer}) {
				r.head[ai][0] <- t
			}
		}
	case workflow.RoleHead:
		var appraisers []string
		for _, p := range r.staff[ai] {
			if p.role == workflow.RoleAppraiser {
				appraisers = append(appraisers, p.actor.Subject)
			}
		}
		for t := range r.head[ai][0] {
			t.appraiser = appraisers[int(r.assigned.Add(1))%len(appraisers)]
			if r.step(a, t.code, workflow.ActInput{Action: workflow.ActionAssign, Assignee: t.appraiser}) {
				r.appraiser[t.appraiser] <- t
			}
		}
	case workflow.RoleAppraiser:
		for t := range r.appraiser[a.Subject] {
			if !t.supplemented && supplementDue(t.code, r.cfg.supplementPct) {
				if r.step(a, t.code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh mờ",
					Items: []string{"Giấy chứng sinh bản rõ"}}) {
					r.supplement <- t
				}
				continue
			}
			if r.step(a, t.code, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện đăng ký khai sinh"}) &&
				r.step(a, t.code, workflow.ActInput{Action: workflow.ActionSubmitForApproval}) {
				r.leader[ai][0] <- t
			}
		}
	case workflow.RoleLeader:
		for t := range r.leader[ai][0] {
			if r.step(a, t.code, workflow.ActInput{Action: workflow.ActionApprove}) &&
				r.step(a, t.code, workflow.ActInput{Action: workflow.ActionSign}) {
				t.returning = true
				r.desk[ai][0] <- t
			}
		}
	}
}

// supplementDue picks pct percent of the dossiers, the same ones every run.
func supplementDue(code string, pct int) bool {
	h := fnv.New32a()
	h.Write([]byte(code))
	return int(h.Sum32()%100) < pct
}

// pct returns the q-quantile of sorted times.
func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// report reports the day's figures and logs a table of them.
func (r *dayRun) report(b *testing.B, wall time.Duration, lookups []time.Duration) {
	var lines []string
	total := 0
	actions := make([]string, 0, len(r.times.by))
	for a := range r.times.by {
		actions = append(actions, a)
	}
	slices.SortFunc(actions, func(x, y string) int { return cmp.Compare(x, y) })
	worstP99 := time.Duration(0)
	for _, a := range actions {
		t := r.times.by[a]
		slices.Sort(t)
		total += len(t)
		p99 := pct(t, 0.99)
		worstP99 = max(worstP99, p99)
		b.ReportMetric(ms(pct(t, 0.5)), a+"-p50-ms")
		b.ReportMetric(ms(p99), a+"-p99-ms")
		lines = append(lines, fmt.Sprintf("%-20s %7d %9.1f/s  p50 %8.2f ms  p99 %8.2f ms  max %8.1f ms",
			a, len(t), float64(len(t))/wall.Seconds(), ms(pct(t, 0.5)), ms(p99), ms(t[len(t)-1])))
	}
	b.ReportMetric(float64(r.cfg.dossiers)/wall.Seconds(), "dossiers/s")
	b.ReportMetric(float64(total)/wall.Seconds(), "actions/s")
	b.ReportMetric(ms(worstP99), "worst-p99-ms")
	if len(lookups) > 0 {
		slices.Sort(lookups)
		var sum time.Duration
		for _, t := range lookups {
			sum += t
		}
		mean := sum / time.Duration(len(lookups))
		b.ReportMetric(float64(len(lookups))/wall.Seconds(), "lookups/s")
		b.ReportMetric(ms(pct(lookups, 0.5)), "lookup-p50-ms")
		b.ReportMetric(ms(pct(lookups, 0.99)), "lookup-p99-ms")
		b.ReportMetric(ms(mean), "lookup-mean-ms")
		b.ReportMetric(ms(lookups[len(lookups)-1]), "lookup-max-ms")
		lines = append(lines, fmt.Sprintf("%-20s %7d %9.1f/s  p50 %8.2f ms  p99 %8.2f ms  max %8.1f ms  mean %.2f ms",
			"public_lookup", len(lookups), float64(len(lookups))/wall.Seconds(), ms(pct(lookups, 0.5)), ms(pct(lookups, 0.99)),
			ms(lookups[len(lookups)-1]), ms(mean)))
	}
	pace := "as fast as they can"
	if r.cfg.rate > 0 {
		pace = fmt.Sprintf("%.1f/s", r.cfg.rate)
	}
	// go test keeps only the first ten lines of a benchmark's log: the
	// metrics above carry every figure of the table.
	// The table is also written at once to standard error: a benchmark's
	// log is printed only when the benchmark ends.
	fmt.Fprintf(os.Stderr, "day: %d dossiers, %s wall, %.1f dossiers/s, %.1f actions/s; load average %s\n%s\n",
		r.cfg.dossiers, wall.Round(time.Millisecond), float64(r.cfg.dossiers)/wall.Seconds(), float64(total)/wall.Seconds(), loadAverage(), strings.Join(lines, "\n"))
	b.Logf("day: %d dossiers submitted %s (%d%% with a supplement round), %d officers, %d applicants, %d lookups at once (pause %s); %s wall, %.1f dossiers/s, %.1f actions/s; load average %s\n%s",
		r.cfg.dossiers, pace, r.cfg.supplementPct, r.cfg.officers, r.cfg.applicants, r.cfg.lookups, r.cfg.lookupPause, wall.Round(time.Millisecond),
		float64(r.cfg.dossiers)/wall.Seconds(), float64(total)/wall.Seconds(), loadAverage(), strings.Join(lines, "\n"))
}

// loadAverage is the first three fields of /proc/loadavg ("?" if unreadable).
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// birthDeclaration is the birth registration's eForm as an applicant
// fills it (the applicant's identity number is replaced by each one's).
const birthDeclaration = workflowtest.BirthForm
