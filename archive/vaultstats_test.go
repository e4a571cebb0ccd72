package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/sqlite"
)

// The actors of the vault statistics tests: the leader of agency A, a
// leader of agency B, and agency A's staff member who is no leader
// (staffA, issue_test.go).
var (
	leaderA = archive.Actor{Subject: "lanhdao.a", Role: archive.RoleStaff, Agency: agencyA}
	leaderB = archive.Actor{Subject: "lanhdao.b", Role: archive.RoleStaff, Agency: agencyB}
)

// leaders is the staff directory of the tests: who holds leader.
func leaders(_ context.Context, a archive.Actor) (bool, error) {
	return a.Subject == leaderA.Subject || a.Subject == leaderB.Subject, nil
}

// TestVaultStats runs the vault statistics on both drivers, with two
// processes (two vaults over one store) as two `kho serve` would be.
func TestVaultStats(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		ctx := context.Background()
		path := t.TempDir() + "/kho.db"
		p := fixityProcesses{clock: &clock{t: time.Now()}}
		b := storage.NewBucket(memory.New())
		for i := range 2 {
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close(context.Background()) })
			p.vaults[i] = archive.New(st, b, archive.Config{}, nil, p.clock.Now)
			p.leases[i], p.store = st, st
		}
		testVaultStats(t, p)
	})
	t.Run("ferretdb+minio", func(t *testing.T) {
		p := ferretProcesses(t, "vaultstats")
		testVaultStats(t, p)
	})
}

// vnTime is a time of day in Vietnam.
func vnTime(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.FixedZone("ICT", 7*3600))
}

// seedVault stores a known vault: in October 2026 citizen A stores two
// birth certificates and citizen B one other paper; in November agency A
// issues two results (procedures 1.001 and 1.002) and agency B one
// (1.001), and staff reuse A's first birth certificate twice and agency
// A's first result once, in dossiers of procedure 1.001 and 2.002. The
// last record is made on 30 November 23:30 in Vietnam (16:30 UTC): it
// belongs to November.
func seedVault(t *testing.T, p fixityProcesses) (sizes map[string]int64) {
	ctx := context.Background()
	result := func(owner, n string, body []byte) archive.IssueRequest {
		r := result(owner, n, body)
		r.Fields = map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2026-10-01"}
		return r
	}
	v, c := p.vaults[0], p.clock
	if _, _, err := v.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutDocumentType(ctx, admin, archive.DocumentType{Code: "GIAY_KHAC", Name: "Giấy tờ khác"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutProcedure(ctx, admin, archive.Procedure{Code: "1.001", Name: "Đăng ký khai sinh"}); err != nil {
		t.Fatal(err)
	}
	sizes = map[string]int64{}
	c.Set(vnTime(2026, 10, 5, 9))
	first, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("khai sinh 1")))
	wantCode(t, err, "")
	c.Set(vnTime(2026, 10, 20, 9))
	second, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("khai sinh 2 dai hon")))
	wantCode(t, err, "")
	other := birthCert("", pdfBytes("giay khac cua B"))
	other.TypeCode, other.Fields = "GIAY_KHAC", nil
	c.Set(vnTime(2026, 10, 31, 23)) // 16:00 UTC: still October in Vietnam
	third, err := p.vaults[1].Put(ctx, citizenB, other)
	wantCode(t, err, "")
	sizes["A"] = first.Current.Size + second.Current.Size
	sizes["B"] = third.Current.Size

	c.Set(vnTime(2026, 11, 2, 8))
	r1 := result(citizenA.Subject, "1/2026/KS", pdfBytes("ket qua 1"))
	r1.Procedure = "1.001"
	res1, err := v.Issue(ctx, staffA, r1)
	wantCode(t, err, "")
	c.Set(vnTime(2026, 11, 3, 8))
	r2 := result(citizenB.Subject, "2/2026/KS", pdfBytes("ket qua 2"))
	r2.Procedure, r2.Dossier = "1.002", agencyA+"-261207-0002"
	res2, err := p.vaults[1].Issue(ctx, staffA, r2)
	wantCode(t, err, "")
	c.Set(vnTime(2026, 11, 4, 8))
	r3 := result(citizenA.Subject, "3/2026/KS", pdfBytes("ket qua 3 cua B"))
	r3.Procedure, r3.Dossier, r3.Agency = "1.001", agencyB+"-261207-0001", archive.Agency{Code: agencyB, Name: "Sở Tư pháp"}
	res3, err := v.Issue(ctx, staffB, r3)
	wantCode(t, err, "")
	sizes["A"] += res1.Current.Size + res3.Current.Size
	sizes["B"] += res2.Current.Size

	for i, r := range []struct {
		doc       string
		procedure string
		at        time.Time
	}{
		{first.ID, "1.001", vnTime(2026, 11, 10, 8)},
		{first.ID, "2.002", vnTime(2026, 11, 11, 8)},
		{res1.ID, "2.002", time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)},
	} {
		c.Set(r.at)
		_, err := p.vaults[i%2].Reuse(ctx, staffA, r.doc, archive.ReuseRequest{Dossier: fmt.Sprintf("HS-%d", i), Purpose: "Giải quyết hồ sơ", Procedure: r.procedure})
		wantCode(t, err, "")
	}
	return sizes
}

func testVaultStats(t *testing.T, p fixityProcesses) {
	ctx := context.Background()
	sizes := seedVault(t, p)
	for _, v := range p.vaults {
		v.SetLeaderCheck(leaders)
	}
	q := archive.VaultStatsQuery{From: "2026-10", To: "2026-12", Top: 2}

	// Before any run: nothing counted, nothing claimed.
	p.clock.Set(vnTime(2026, 12, 1, 9))
	st, err := p.vaults[0].VaultStats(ctx, admin, q)
	wantCode(t, err, "")
	if len(st.ByType) != 0 || st.Months[1].Added != 0 || !st.AsOf.IsZero() {
		t.Fatalf("before the job: %+v", st)
	}

	// The job under two runners (two processes, one lease): one runs.
	var runners [2]*jobs.Runner
	for i := range runners {
		runners[i] = jobs.NewRunner(p.leases[i], nil, jobs.WithHolder(fmt.Sprintf("process-%d", i)), jobs.WithClock(p.clock.Now))
	}
	var wg sync.WaitGroup
	var ran [2]bool
	for i := range 2 {
		wg.Go(func() {
			var err error
			ran[i], err = runners[i].RunOnce(ctx, p.vaults[i].VaultStatsJob(time.Hour))
			if err != nil {
				t.Errorf("runner %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Fatalf("ran %v: want exactly one process to run the job", ran)
	}
	// Run again without the lease, both processes at once: the records
	// were counted; nothing is counted twice.
	for i := range 2 {
		wg.Go(func() {
			if _, err := p.vaults[i].CountVaultStats(ctx, 2, 0); err != nil {
				t.Errorf("count %d: %v", i, err)
			}
		})
	}
	wg.Wait()

	st, err = p.vaults[1].VaultStats(ctx, admin, q)
	wantCode(t, err, "")
	checkAdminStats(t, st, sizes)
	checkTables(t, st)

	// A leader sees their agency's issued papers only, and no storage.
	st, err = p.vaults[0].VaultStats(ctx, leaderA, archive.VaultStatsQuery{From: "2026-10", To: "2026-12"})
	wantCode(t, err, "")
	if got := typeRows(st); got != "[KHAI_SINH stored 2 added 2 reused 1]" || st.Storage != nil || st.Agency != agencyA {
		t.Errorf("leader A: %s, storage %v, agency %q", got, st.Storage, st.Agency)
	}
	if n := len(st.Tables()); n != 3 {
		t.Errorf("leader A: %d tables, want 3 (no storage views)", n)
	}
	if got := procRows(st); got != "[1.001 reused 0 issued 1 1.002 reused 0 issued 1 2.002 reused 1 issued 0]" {
		t.Errorf("leader A by procedure: %s", got)
	}
	st, err = p.vaults[0].VaultStats(ctx, leaderB, archive.VaultStatsQuery{From: "2026-10", To: "2026-12", Agency: agencyA})
	wantCode(t, err, "")
	if got := typeRows(st); got != "[KHAI_SINH stored 1 added 1 reused 0]" || st.Agency != agencyB {
		t.Errorf("leader B asking for agency A: %s of %q; want B's own only", got, st.Agency)
	}
	// Nobody else sees anything.
	for _, a := range []archive.Actor{citizenA, staffA, staffB, staff, {Subject: "lanhdao.a", Role: archive.RoleStaff}} {
		_, err := p.vaults[0].VaultStats(ctx, a, archive.VaultStatsQuery{})
		if !kerr.IsKind(err, kerr.Permission) {
			t.Errorf("%+v: %v, want Permission", a, err)
		}
	}
	if _, err := p.vaults[0].VaultStats(ctx, leaderA, archive.VaultStatsQuery{Owner: citizenA.Subject}); !kerr.IsKind(err, kerr.Permission) {
		t.Errorf("a leader asking for one owner's storage: %v, want Permission", err)
	}
	// Bad queries.
	for _, bad := range []archive.VaultStatsQuery{{From: "2026-13"}, {From: "2026-12", To: "2026-01"}, {From: "2000-01", To: "2026-01"}, {Top: 101}} {
		if _, err := p.vaults[0].VaultStats(ctx, admin, bad); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("%+v: %v, want Invalid", bad, err)
		}
	}
	// One owner's storage (admin).
	st, err = p.vaults[0].VaultStats(ctx, admin, archive.VaultStatsQuery{From: "2026-11", To: "2026-11", Owner: citizenB.Subject})
	wantCode(t, err, "")
	if o := st.Storage.Owner; o == nil || o.Bytes != sizes["B"] || o.Papers != 2 {
		t.Errorf("owner B: %+v, want %d bytes, 2 papers", o, sizes["B"])
	}
	if _, err := p.vaults[0].VaultStats(ctx, admin, archive.VaultStatsQuery{Owner: "079099999999"}); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("unknown owner: %v, want NotFound", err)
	}
}

func checkAdminStats(t *testing.T, st archive.VaultStats, sizes map[string]int64) {
	t.Helper()
	if got := typeRows(st); got != "[GIAY_KHAC stored 1 added 1 reused 0 KHAI_SINH stored 5 added 5 reused 3]" {
		t.Errorf("by type: %s", got)
	}
	if got := procRows(st); got != "[1.001 reused 1 issued 2 1.002 reused 0 issued 1 2.002 reused 2 issued 0]" {
		t.Errorf("by procedure: %s", got)
	}
	var months []string
	for _, m := range st.Months {
		months = append(months, fmt.Sprintf("%s +%d reused %d issued %d total %d", m.Month, m.Added, m.Reused, m.Issued, m.TotalPapers))
	}
	if got := fmt.Sprint(months); got != "[2026-10 +3 reused 0 issued 0 total 3 2026-11 +3 reused 3 issued 3 total 6 2026-12 +0 reused 0 issued 0 total 6]" {
		t.Errorf("months: %s", got)
	}
	if st.Months[2].TotalBytes != sizes["A"]+sizes["B"] || st.Months[0].AddedBytes+st.Months[1].AddedBytes != st.Months[2].TotalBytes {
		t.Errorf("bytes: months %+v, want a total of %d", st.Months, sizes["A"]+sizes["B"])
	}
	if want := vnTime(2026, 12, 1, 9).Add(-archive.VaultStatsLag); !st.AsOf.Equal(want) {
		t.Errorf("as of %v, want %v (both streams caught up at the last run)", st.AsOf, want)
	}
	s := st.Storage
	if s == nil || len(s.Top) != 2 || s.Top[0].OwnerID != citizenA.Subject || s.Top[0].Bytes != sizes["A"] || s.Top[0].Papers != 4 ||
		s.Top[1].OwnerID != citizenB.Subject || s.Top[1].Bytes != sizes["B"] {
		t.Errorf("top owners %+v; want A (%d bytes, 4 papers) then B (%d)", s, sizes["A"], sizes["B"])
	}
	if s != nil && (len(s.Bands) != len(archive.SizeBands) || s.Bands[0].Owners != 2) {
		t.Errorf("bands %+v; want both owners under 1 MB", s.Bands)
	}
}

func typeRows(st archive.VaultStats) string {
	var out []string
	for _, r := range st.ByType {
		out = append(out, fmt.Sprintf("%s stored %d added %d reused %d", r.TypeCode, r.Stored, r.Added, r.Reused))
	}
	return fmt.Sprint(out)
}

func procRows(st archive.VaultStats) string {
	var out []string
	for _, r := range st.ByProcedure {
		out = append(out, fmt.Sprintf("%s reused %d issued %d", r.Procedure, r.Reused, r.Issued))
	}
	return fmt.Sprint(out)
}

// crashingStore fails the aggregate write once, as a process that dies
// just before its write would: the one write that carries both the
// counters and the cursor.
type crashingStore struct {
	archive.Store
	crash bool
}

var errCrash = errors.New("the process died")

func (c *crashingStore) PutVaultAgg(ctx context.Context, g archive.VaultAgg, rev int64) error {
	if c.crash {
		c.crash = false
		return errCrash
	}
	return c.Store.PutVaultAgg(ctx, g, rev)
}

// TestVaultStatsCrash: there is no write of the counters apart from the
// cursor to crash between — they are one record. A run that dies at its
// write leaves the aggregate as it was (same counters, same cursor); the
// next run counts the batch once. A run that read the aggregate before
// another process wrote it loses with Conflict and writes nothing.
func TestVaultStatsCrash(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	v.clock.Set(vnTime(2026, 11, 2, 8))
	for i := range 3 {
		_, err := v.Put(ctx, citizenA, birthCert("", pdfBytes(fmt.Sprintf("giay %d", i))))
		wantCode(t, err, "")
	}
	v.clock.Set(vnTime(2026, 11, 3, 8))
	cs := &crashingStore{Store: v.store, crash: true}
	crashing := archive.New(cs, v.bucket, archive.Config{}, nil, v.clock.Now)
	if _, err := crashing.CountVaultStats(ctx, 2, 1); !errors.Is(err, errCrash) {
		t.Fatalf("the crashing run: %v", err)
	}
	if _, err := v.store.LatestVaultAgg(ctx, archive.StreamDocuments); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("after the crash: %v; want no aggregate (nothing counted, no cursor moved)", err)
	}
	if n, err := crashing.CountVaultStats(ctx, 2, 1); err != nil || n != 2 {
		t.Fatalf("the next run: %d, %v; want the batch of 2", n, err)
	}
	g, err := v.store.LatestVaultAgg(ctx, archive.StreamDocuments)
	if err != nil || g.Records != 2 || g.Counts[0].Papers != 2 {
		t.Fatalf("after the rerun: %+v, %v", g, err)
	}
	// A stale writer: it read rev 1; the store is at rev 2 after another
	// process counted the last paper.
	if n, err := v.CountVaultStats(ctx, 2, 1); err != nil || n != 1 {
		t.Fatalf("another process: %d, %v", n, err)
	}
	stale := g
	stale.Counts[0].Papers, stale.Records = 99, 99
	if err := v.store.PutVaultAgg(ctx, stale, g.Rev); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("the stale write: %v, want Conflict", err)
	}
	g, _ = v.store.LatestVaultAgg(ctx, archive.StreamDocuments)
	if g.Records != 3 || g.Counts[0].Papers != 3 {
		t.Fatalf("final aggregate %+v; want 3 papers counted once", g)
	}
}

// checkTables: the tables draw the same figures as the answer.
func checkTables(t *testing.T, st archive.VaultStats) {
	t.Helper()
	if n := len(st.Tables()); n != 5 {
		t.Errorf("%d tables, want 5", n)
	}
	tt, ok := st.Table(archive.VaultViewTypes)
	if !ok || len(tt.Rows) != 2 || tt.Total == nil || tt.Total.Cells[2].Number != 6 || tt.Total.Cells[5].Number != 3 ||
		tt.Rows[1].Cells[1].Text != "Giấy khai sinh" {
		t.Errorf("types table %+v", tt)
	}
	mt, _ := st.Table(archive.VaultViewMonths)
	if len(mt.Rows) != 3 || mt.Rows[1].Cells[0].Text != "Tháng 11/2026" || mt.Rows[1].Cells[5].Number != 6 {
		t.Errorf("months table %+v", mt.Rows)
	}
	bt, _ := st.Table(archive.VaultViewBands)
	if bt.Total == nil || bt.Total.Cells[1].Number != 2 || bt.Rows[0].Cells[0].Text != "Dưới 1 MB" {
		t.Errorf("bands table %+v", bt)
	}
	if _, ok := st.Table("nope"); ok {
		t.Error("an unknown view has a table")
	}
}
