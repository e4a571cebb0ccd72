package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/mongo"
)

// ltvEnv is a test PKI generated so that the personal signer's
// certificate expires 30 days from now (its TSA's in three years and 30
// days), with its responders on loopback.
type ltvEnv struct {
	srv     *pki.Server
	checker *signing.Checker
	tsaURL  string
}

var (
	ltvOnce sync.Once
	ltvVal  *ltvEnv
	ltvErr  error
)

const year = 365 * 24 * time.Hour

func getLTVEnv(t *testing.T) *ltvEnv {
	t.Helper()
	ltvOnce.Do(func() {
		srv, err := pki.StartServer(context.Background(), pki.Options{Now: time.Now().Add(-2*year + 30*24*time.Hour)})
		if err != nil {
			ltvErr = err
			return
		}
		ltvVal = &ltvEnv{srv: srv, tsaURL: srv.URL + "/tsa",
			checker: &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 5 * time.Second}}
	})
	if ltvErr != nil {
		t.Fatalf("test PKI: %v", ltvErr)
	}
	return ltvVal
}

// config is the vault's configuration: verification and renewal against
// the PKI; tsaURL "" keeps the PKI's TSA.
func (e *ltvEnv) config(tsaURL string) archive.Config {
	if tsaURL == "" {
		tsaURL = e.tsaURL
	}
	return archive.Config{
		Verifier: archive.NewVerifier(signing.VerifyOptions{Roots: e.checker.Roots, Checker: e.checker}),
		Renewal:  archive.RenewalConfig{Checker: e.checker, TSAURL: tsaURL, TSATimeout: 5 * time.Second},
	}
}

// signedPDF is a one-page PDF signed at B-T by the personal signer.
func (e *ltvEnv) signedPDF(t *testing.T) []byte {
	t.Helper()
	certs, keyPEM, err := e.srv.PKI.Identity(pki.Personal).PEM()
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPEM(certs, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signing.New(key, signing.Options{Level: signing.LevelBT, TSAURL: e.tsaURL, Checker: e.checker})
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile("../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Sign(t.Context(), bytes.NewReader(in), int64(len(in)), &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// storeSigned puts a signed PDF into citizenA's vault.
func storeSigned(t *testing.T, v *vault, data []byte) archive.Document {
	t.Helper()
	d, err := v.Put(t.Context(), citizenA, birthCert(citizenA.Subject, data))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dueIDs(t *testing.T, v *vault, within time.Duration) []string {
	t.Helper()
	items, _, err := v.DueRenewals(t.Context(), staff, within, archive.RenewCursor{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.DocumentID)
	}
	return ids
}

// TestRenewDue: a paper whose signer's certificate expires in 30 days is
// due within the default 90 days, with the certificate's expiry; renewing
// stores a new version (Change "ltv") that verifies at B-LTA with a
// document time-stamp, that pdfsig still finds the original signature
// valid in, and that starts with the old version's bytes, unchanged in
// the store; the expiry moved to the TSA's, the paper is not due again and
// a second batch renews nothing; the owner's ledger records the version.
func TestRenewDue(t *testing.T) {
	e := getLTVEnv(t)
	onBothDrivers(t, e.config(""), func(t *testing.T, v *vault) { renewDue(t, e, v) })
}

func renewDue(t *testing.T, e *ltvEnv, v *vault) {
	signed := e.signedPDF(t)
	d := storeSigned(t, v, signed)
	personal := e.srv.PKI.Identity(pki.Personal).Cert
	tsa := e.srv.PKI.Identity(pki.TSA).Cert
	sig := d.Current.Signature
	if sig == nil || sig.Verdict != signing.TotalPassed || sig.Level != "B-T" {
		t.Fatalf("stored summary = %+v, want TOTAL-PASSED at B-T", sig)
	}
	if !sig.ExpiresAt.Equal(personal.NotAfter.UTC().Truncate(time.Second)) {
		t.Fatalf("ExpiresAt = %v, want the signer's NotAfter %v", sig.ExpiresAt, personal.NotAfter)
	}
	// A paper expiring later is not due.
	if got := dueIDs(t, v, 0); len(got) != 1 || got[0] != d.ID {
		t.Fatalf("due within 90 days = %v, want [%s]", got, d.ID)
	}
	if got := dueIDs(t, v, 7*24*time.Hour); len(got) != 0 {
		t.Fatalf("due within 7 days = %v, want none", got)
	}

	var lines []string
	rep, err := v.RenewDue(t.Context(), archive.SystemRenewer, archive.RenewBatch{Limit: 10, OnPaper: func(it archive.RenewalItem, res archive.RenewResult, err error) {
		if err != nil {
			t.Errorf("renewing %s: %v", it.DocumentID, err)
		}
		lines = append(lines, it.DocumentID)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Due != 1 || rep.Renewed != 1 || rep.Failed != 0 || len(lines) != 1 {
		t.Fatalf("RenewDue = %+v (papers %v), want one renewed", rep, lines)
	}

	got, err := v.Get(t.Context(), citizenA, d.ID, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	cur := got.Current
	if cur.N != 2 || cur.Change != archive.ChangeLTV || cur.CreatedBy != archive.SystemRenewer.Subject {
		t.Fatalf("current version = n %d, change %q, by %q; want 2, %q, the system", cur.N, cur.Change, cur.CreatedBy, archive.ChangeLTV)
	}
	ns := cur.Signature
	if ns == nil || ns.Verdict != signing.TotalPassed || ns.Level != "B-LTA" || ns.Count != 2 {
		t.Fatalf("renewed summary = %+v, want TOTAL-PASSED, B-LTA, a signature and a document time-stamp", ns)
	}
	if !ns.ExpiresAt.Equal(tsa.NotAfter.UTC().Truncate(time.Second)) {
		t.Errorf("renewed ExpiresAt = %v, want the TSA's NotAfter %v", ns.ExpiresAt, tsa.NotAfter)
	}
	// The full report: the signature at B-LTA, then a passing document time-stamp.
	_, body, err := v.SignatureReport(t.Context(), citizenA, d.ID, 2, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := signing.ReadReport(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Signatures) != 2 || full.Signatures[0].Level != "B-LTA" || full.Signatures[1].Kind != signing.KindDocTimestamp || full.Signatures[1].Verdict != signing.TotalPassed {
		t.Fatalf("report of the renewed version: %s", body)
	}

	// The old version's bytes are unchanged, and the new one appends to them.
	oldBytes := readAll(t, mustOpen(t, v, d.ID, 1))
	newBytes := readAll(t, mustOpen(t, v, d.ID, 2))
	if sha256.Sum256(oldBytes) != sha256.Sum256(signed) {
		t.Fatal("version 1 changed")
	}
	if !bytes.HasPrefix(newBytes, signed) || len(newBytes) <= len(signed) {
		t.Fatal("version 2 is not an incremental update of version 1")
	}
	pdfsigValid(t, newBytes, 2)

	// Not due again; a second batch renews nothing.
	if ids := dueIDs(t, v, 0); len(ids) != 0 {
		t.Fatalf("due after renewal = %v, want none", ids)
	}
	rep, err = v.RenewDue(t.Context(), archive.SystemRenewer, archive.RenewBatch{Limit: 10})
	if err != nil || rep.Due != 0 || rep.Renewed != 0 {
		t.Fatalf("second batch = %+v, %v; want nothing due", rep, err)
	}
	// Renew with the margin on a paper no longer due changes nothing.
	res, err := v.Renew(t.Context(), staff, d.ID, archive.RenewOptions{DueWithin: archive.DefaultRenewWithin})
	if err != nil || res.Renewed {
		t.Fatalf("Renew of a renewed paper = %+v, %v; want not renewed", res, err)
	}

	// The owner's ledger names the system and the purpose.
	entries, _, err := v.Ledger(t.Context(), citizenA, citizenA.Subject, d.ID, "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, en := range entries {
		if en.Action == archive.ActionVersion && en.Actor == archive.SystemRenewer.Subject && en.Version == 2 && strings.Contains(en.Purpose, "B-LTA") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no ledger entry of the renewal among %+v", entries)
	}
}

// TestRenewNotEffective: a paper renewed whose new expiry is still within
// the margin (here a margin of ten years, beyond the TSA's certificate) is
// not renewed again by the next batch: it fails with
// renewal_not_effective and keeps its two versions.
func TestRenewNotEffective(t *testing.T) {
	e := getLTVEnv(t)
	v := newVault(t, e.config(""))
	v.clock.Set(time.Now())
	d := storeSigned(t, v, e.signedPDF(t))
	within := 10 * year
	rep, err := v.RenewDue(t.Context(), archive.SystemRenewer, archive.RenewBatch{Within: within, Limit: 10})
	if err != nil || rep.Renewed != 1 {
		t.Fatalf("first batch = %+v, %v", rep, err)
	}
	var codes []string
	rep, err = v.RenewDue(t.Context(), archive.SystemRenewer, archive.RenewBatch{Within: within, Limit: 10, OnPaper: func(_ archive.RenewalItem, _ archive.RenewResult, err error) {
		code, _ := kerr.Public(err)
		codes = append(codes, code)
	}})
	if err != nil || rep.Renewed != 0 || rep.Failed != 1 || len(codes) != 1 || codes[0] != "renewal_not_effective" {
		t.Fatalf("second batch = %+v (codes %v), %v; want renewal_not_effective", rep, codes, err)
	}
	got, err := v.Get(t.Context(), citizenA, d.ID, archive.Access{})
	if err != nil || got.VersionCount != 2 {
		t.Fatalf("versions = %d, %v; want 2", got.VersionCount, err)
	}
}

// TestRenewConcurrent: two renewals of the same due paper at once (two
// processes' jobs) store one new version; the other is skipped.
func TestRenewConcurrent(t *testing.T) {
	e := getLTVEnv(t)
	onBothDrivers(t, e.config(""), func(t *testing.T, v *vault) { renewConcurrent(t, e, v) })
}

func renewConcurrent(t *testing.T, e *ltvEnv, v *vault) {
	d := storeSigned(t, v, e.signedPDF(t))
	var wg sync.WaitGroup
	reps := make([]archive.RenewReport, 2)
	for i := range reps {
		wg.Go(func() {
			r, err := v.RenewDue(context.Background(), archive.SystemRenewer, archive.RenewBatch{Limit: 10})
			if err != nil {
				t.Error(err)
			}
			reps[i] = r
		})
	}
	wg.Wait()
	if n := reps[0].Renewed + reps[1].Renewed; n != 1 || reps[0].Failed+reps[1].Failed != 0 {
		t.Fatalf("two batches = %+v, %+v; want one renewal and no failure", reps[0], reps[1])
	}
	got, err := v.Get(t.Context(), citizenA, d.ID, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if got.VersionCount != 2 {
		t.Fatalf("versions = %d, want 2", got.VersionCount)
	}
}

// TestRenewErrors: an unreachable TSA is a clear Unavailable error for the
// paper and nothing is stored (the batch reports it and goes on with the
// next paper); a citizen may neither list nor renew; an unsigned PDF is
// refused; a vault without renewal configured says so.
func TestRenewErrors(t *testing.T) {
	e := getLTVEnv(t)
	v := newVault(t, e.config("http://127.0.0.1:1/tsa"))
	v.clock.Set(time.Now())
	signed := e.signedPDF(t)
	a := storeSigned(t, v, signed)
	b := storeSigned(t, v, append(append([]byte{}, signed...), "\n% khác\n"...))
	var failed []string
	rep, err := v.RenewDue(t.Context(), archive.SystemRenewer, archive.RenewBatch{Limit: 10, OnPaper: func(it archive.RenewalItem, _ archive.RenewResult, err error) {
		if code, msg := kerr.Public(err); !kerr.IsKind(err, kerr.Unavailable) || code != "tsa_unavailable" || msg == "" {
			t.Errorf("paper %s: err = %v, want Unavailable tsa_unavailable", it.DocumentID, err)
		}
		failed = append(failed, it.DocumentID)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 2 || len(failed) != 2 {
		t.Fatalf("batch = %+v, papers %v; want both papers tried and failed", rep, failed)
	}
	for _, id := range []string{a.ID, b.ID} {
		got, err := v.Get(t.Context(), citizenA, id, archive.Access{})
		if err != nil || got.VersionCount != 1 {
			t.Fatalf("%s after a failed renewal: %d versions, %v", id, got.VersionCount, err)
		}
	}
	if _, _, err := v.DueRenewals(t.Context(), citizenA, 0, archive.RenewCursor{}, 10); !kerr.IsKind(err, kerr.Permission) {
		t.Errorf("citizen lists: %v, want Permission", err)
	}
	if _, err := v.Renew(t.Context(), citizenA, a.ID, archive.RenewOptions{}); !kerr.IsKind(err, kerr.Permission) {
		t.Errorf("citizen renews: %v, want Permission", err)
	}
	plain, err := v.Put(t.Context(), citizenA, birthCert(citizenA.Subject, pdfBytes("không ký")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Renew(t.Context(), staff, plain.ID, archive.RenewOptions{}); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("unsigned PDF: %v, want Invalid", err)
	}
	bare := newVault(t, archive.Config{})
	if _, err := bare.Renew(t.Context(), staff, a.ID, archive.RenewOptions{}); !kerr.IsKind(err, kerr.Unavailable) {
		t.Errorf("no renewal configured: %v, want Unavailable", err)
	}
}

// onBothDrivers runs fn on a vault over SQLite and one over FerretDB, both
// with an in-memory bucket and cfg.
func onBothDrivers(t *testing.T, cfg archive.Config, fn func(t *testing.T, v *vault)) {
	t.Run("sqlite", func(t *testing.T) {
		v := newVault(t, cfg)
		v.clock.Set(time.Now())
		fn(t, v)
	})
	t.Run("ferretdb", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := mongo.Open(ctx, testenv.MongoURI(t), testenv.UniqueName(t, "ltv"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = st.Drop(ctx)
			_ = st.Close(ctx)
		})
		c := &clock{t: time.Now()}
		v := &vault{store: st, bucket: storage.NewBucket(memory.New()), clock: c}
		v.Service = archive.New(st, v.bucket, cfg, nil, c.Now)
		if _, _, err := v.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
			t.Fatal(err)
		}
		fn(t, v)
	})
}

func mustOpen(t *testing.T, v *vault, id string, n int) *archive.Content {
	t.Helper()
	c, err := v.Open(t.Context(), citizenA, id, n, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pdfsigValid checks with poppler's pdfsig that the PDF has n signatures
// and the first (the original signer's) is valid.
func pdfsigValid(t *testing.T, data []byte, n int) {
	t.Helper()
	bin := testenv.Tool(t, "pdfsig", "poppler-utils")
	f := filepath.Join(t.TempDir(), "renewed.pdf")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(bin, f).CombinedOutput() // the exit status differs across poppler versions
	if got := strings.Count(string(out), "Signature #"); got != n {
		t.Fatalf("pdfsig finds %d signatures, want %d:\n%s", got, n, out)
	}
	sig1 := strings.SplitN(strings.SplitN(string(out), "Signature #1", 2)[1], "Signature #2", 2)[0]
	if !strings.Contains(sig1, "Signature Validation: Signature is Valid.") {
		t.Fatalf("pdfsig: the original signature is not valid:\n%s", out)
	}
}

// TestBackfillExpiry: a summary made before expiries were kept (none in
// it) is not due; the backfill verifies the paper again, after which it
// is, and a second pass from the cursor finds nothing left.
func TestBackfillExpiry(t *testing.T) {
	e := getLTVEnv(t)
	v := newVault(t, e.config(""))
	v.clock.Set(time.Now())
	d := storeSigned(t, v, e.signedPDF(t))
	old := *d.Current.Signature
	old.ExpiresAt = time.Time{}
	if err := v.store.SetSignature(t.Context(), d.ID, 1, &old); err != nil {
		t.Fatal(err)
	}
	if ids := dueIDs(t, v, 0); len(ids) != 0 {
		t.Fatalf("due before the backfill = %v, want none", ids)
	}
	next, n, err := v.BackfillExpiry(t.Context(), "", 10)
	if err != nil || n != 1 || next != d.ID {
		t.Fatalf("BackfillExpiry = %q, %d, %v; want %q, 1", next, n, err, d.ID)
	}
	if ids := dueIDs(t, v, 0); len(ids) != 1 || ids[0] != d.ID {
		t.Fatalf("due after the backfill = %v, want [%s]", ids, d.ID)
	}
	if next, n, err := v.BackfillExpiry(t.Context(), next, 10); err != nil || n != 0 || next != d.ID {
		t.Fatalf("second pass = %q, %d, %v; want nothing left", next, n, err)
	}
}
