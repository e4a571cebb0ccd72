package portal_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// newLedgerKey makes a new checkpoint key, named as the test server's.
func newLedgerKey(t *testing.T) archive.LedgerSigning {
	t.Helper()
	skey, err := archive.GenerateLedgerKey("kho-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, verifier, vkey, err := archive.ParseLedgerKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return archive.LedgerSigning{Signer: signer, Verifier: verifier, VerifierKey: vkey}
}

// withLedgerKey gives the test server's vault the checkpoint key ls.
func withLedgerKey(ls archive.LedgerSigning) func(*envOptions) {
	return func(o *envOptions) { o.vault.Ledger = ls }
}

// TestLedgerProof: once a checkpoint is published, a citizen gets the
// inclusion proofs of their ledger's lanes and checks them, and their
// downloaded ledger, with the public key alone; a changed proof, a changed
// entry or another key is refused. The checkpoint and the key are public.
func TestLedgerProof(t *testing.T) {
	ls := newLedgerKey(t)
	verifier, vkey := ls.Verifier, ls.VerifierKey
	e := newEnv(t, withLedgerKey(ls))
	owner := "/api/v1/owners/" + ownerA
	e.do(call{method: "GET", path: owner + "/ledger/proof", token: e.citizenA}).want(t, 404, "no_checkpoint")
	e.do(call{method: "GET", path: "/api/v1/ledger/checkpoints/latest"}).want(t, 404, "no_checkpoint")

	var d document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Giấy tờ"}, "filename": {"a.pdf"}},
		contentType: "application/pdf", data: pdf("a")}).want(t, 201, "").json(t, &d)
	for range 3 {
		e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "?purpose=xem", token: e.staff}).want(t, 200, "")
	}
	run, err := e.vault.Checkpoint(context.Background(), "")
	if err != nil || !run.Published {
		t.Fatalf("checkpoint: %+v, %v", run, err)
	}
	// After the checkpoint, one more read: in the ledger, not yet covered.
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "?purpose=xem", token: e.staff}).want(t, 200, "")

	r := e.do(call{method: "GET", path: "/api/v1/ledger/key"}).want(t, 200, "")
	if strings.TrimSpace(string(r.body)) != vkey {
		t.Fatalf("served key %q, want %q", r.body, vkey)
	}
	var latest struct {
		Checkpoint  archive.Checkpoint `json:"checkpoint"`
		VerifierKey string             `json:"verifierKey"`
	}
	e.do(call{method: "GET", path: "/api/v1/ledger/checkpoints/latest"}).want(t, 200, "").json(t, &latest)
	if latest.Checkpoint.Size != run.Latest.Size || latest.VerifierKey != vkey {
		t.Fatalf("latest checkpoint %+v", latest)
	}

	var p archive.LedgerProof
	e.do(call{method: "GET", path: owner + "/ledger/proof", token: e.citizenA}).want(t, 200, "").json(t, &p)
	var lp struct {
		Entries []archive.LedgerEntry `json:"entries"`
	}
	e.do(call{method: "GET", path: owner + "/ledger?limit=1000", token: e.citizenA}).want(t, 200, "").json(t, &lp)
	got, err := archive.CheckProof(p, verifier, lp.Entries)
	if err != nil {
		t.Fatalf("CheckProof: %v", err)
	}
	if got.Lanes != 1 || got.Covered != 4 || got.Newer != 1 {
		t.Fatalf("CheckProof = %+v; want 1 lane, 4 entries covered, 1 newer", got)
	}

	refusedBy := func(what, code string, p archive.LedgerProof, ver note.Verifier, es []archive.LedgerEntry) {
		t.Helper()
		_, err := archive.CheckProof(p, ver, es)
		if got, _ := kerr.Public(err); err == nil || got != code {
			t.Errorf("%s: CheckProof = %v, want %s", what, err, code)
		}
	}
	refused := func(what, code string, p archive.LedgerProof, es []archive.LedgerEntry) {
		t.Helper()
		refusedBy(what, code, p, verifier, es)
	}
	clone := func() archive.LedgerProof {
		c := p
		c.Lanes = append([]archive.LaneProof(nil), p.Lanes...)
		for i := range c.Lanes {
			c.Lanes[i].Proof = append([][]byte(nil), p.Lanes[i].Proof...)
		}
		return c
	}
	x := clone()
	x.Lanes[0].Seq--
	refused("a lane head moved back", "proof_invalid", x, nil)
	x = clone()
	x.Lanes[0].Hash = strings.Repeat("0", 64)
	refused("a lane head's hash changed", "proof_invalid", x, nil)
	x = clone()
	x.Lanes[0].Index++
	refused("another leaf index", "proof_invalid", x, nil)
	x = clone()
	x.Checkpoint.Note = strings.Replace(x.Checkpoint.Note, "\n"+strconv.FormatInt(x.Checkpoint.Size, 10)+"\n", "\n"+strconv.FormatInt(x.Checkpoint.Size+1, 10)+"\n", 1)
	refused("a checkpoint note changed", "checkpoint_invalid", x, nil)
	refusedBy("another server's key (same name)", "checkpoint_invalid", p, newLedgerKey(t).Verifier, nil)
	x = clone()
	x.Lanes[0].Chain = ownerB
	refused("a lane of another owner", "proof_invalid", x, nil)
	changed := append([]archive.LedgerEntry(nil), lp.Entries...)
	changed[1].Purpose = "khác"
	refused("an entry changed", "entries_differ", p, changed)
	refused("an entry missing", "entries_differ", p, append(append([]archive.LedgerEntry(nil), lp.Entries[:1]...), lp.Entries[2:]...))
	refused("the lane's covered end cut off", "entries_differ", p, lp.Entries[:2])

	// Staff must say why; their read is in the citizen's ledger.
	e.do(call{method: "GET", path: owner + "/ledger/proof", token: e.staff}).want(t, 400, "purpose_required")
	e.do(call{method: "GET", path: owner + "/ledger/proof?purpose=" + url.QueryEscape("kiểm tra nhật ký"), token: e.staff}).want(t, 200, "")
	e.do(call{method: "GET", path: owner + "/ledger?limit=1000", token: e.citizenA}).want(t, 200, "").json(t, &lp)
	if last := lp.Entries[len(lp.Entries)-1]; last.Action != archive.ActionLedger || last.Purpose != "kiểm tra nhật ký" {
		t.Errorf("staff's proof read in the ledger: %+v", last)
	}
	// Citizen B gets nothing of A's.
	e.do(call{method: "GET", path: owner + "/ledger/proof", token: e.citizenB}).want(t, 403, "not_own_vault")
}

// TestLedgerCheckpointTimeStamped: with a TSA, a checkpoint carries an
// RFC 3161 token over its note; CheckProof reports the TSA's time and
// refuses a token that was changed or that covers another note.
func TestLedgerCheckpointTimeStamped(t *testing.T) {
	srv, _ := testPKI(t)
	withKey := withLedgerKey(newLedgerKey(t))
	e := newEnv(t, withKey, func(o *envOptions) {
		o.vault.Ledger.Timestamp = func(ctx context.Context, data []byte) ([]byte, error) {
			return signing.TimestampData(ctx, srv.URL+"/tsa", 10*time.Second, data)
		}
	})
	var d document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Giấy tờ"}, "filename": {"a.pdf"}},
		contentType: "application/pdf", data: pdf("a")}).want(t, 201, "").json(t, &d)
	run, err := e.vault.Checkpoint(context.Background(), "")
	if err != nil || len(run.Latest.Timestamp) == 0 {
		t.Fatalf("checkpoint: %+v, %v", run, err)
	}
	var p archive.LedgerProof
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger/proof", token: e.citizenA}).want(t, 200, "").json(t, &p)
	key := strings.TrimSpace(string(e.do(call{method: "GET", path: "/api/v1/ledger/key"}).want(t, 200, "").body))
	verifier, err := archive.ParseLedgerVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	res, err := archive.CheckProof(p, verifier, nil)
	if err != nil || res.Stamped.IsZero() || time.Since(res.Stamped) > time.Minute {
		t.Fatalf("CheckProof = %+v, %v; want the TSA's time", res, err)
	}
	bad := p
	bad.Checkpoint.Timestamp = append([]byte(nil), p.Checkpoint.Timestamp...)
	// A change in what the TSA signed: a digit of its genTime (the
	// GeneralizedTime of TSTInfo, the token's only 14-digit time; a byte
	// in the middle of the token could fall in its certificates, which
	// the proof does not check without roots, and pass).
	gen := regexp.MustCompile(`20\d{12}`).FindIndex(bad.Checkpoint.Timestamp)
	if gen == nil {
		t.Fatalf("no genTime in the token %x", p.Checkpoint.Timestamp)
	}
	bad.Checkpoint.Timestamp[gen[0]+13] ^= 0x01
	if _, err := archive.CheckProof(bad, verifier, nil); err == nil {
		t.Error("a changed token was accepted")
	}
	// A valid token over another note.
	other, err := signing.TimestampData(context.Background(), srv.URL+"/tsa", 10*time.Second, []byte("another note"))
	if err != nil {
		t.Fatal(err)
	}
	bad.Checkpoint.Timestamp = other
	if _, err := archive.CheckProof(bad, verifier, nil); err == nil {
		t.Error("a token over another note was accepted")
	}
}
