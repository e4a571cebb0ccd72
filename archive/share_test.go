package archive_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const shareAgency = "000.00.31.H29"

var (
	// agencyStaff acts for the agency shares go to; otherStaff for another.
	agencyStaff = archive.Actor{Subject: "canbo.tiepnhan", Role: archive.RoleStaff, Agency: shareAgency}
	otherStaff  = archive.Actor{Subject: "canbo.khac", Role: archive.RoleStaff, Agency: "000.00.32.H29"}
	citizenC    = archive.Actor{Subject: "001099054321", Role: archive.RoleCitizen}
)

// shareVault is a vault on a clock at 10:00 on 07/12/2026 (Vietnam) with A's
// birth certificate (two versions) and A's other paper.
func shareVault(t *testing.T) (v *vault, cert, other archive.Document) {
	t.Helper()
	ctx := context.Background()
	v = newVault(t, archive.Config{})
	v.clock.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600)))
	cert, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("ban 1")))
	wantCode(t, err, "")
	cert, err = v.AddVersion(ctx, citizenA, cert.ID, 0, upload("ban-2.pdf", pdfBytes("ban 2")))
	wantCode(t, err, "")
	other, err = v.Put(ctx, citizenA, birthCert("", pdfBytes("giay khac")))
	wantCode(t, err, "")
	return v, cert, other
}

// on parses a day "YYYY-MM-DD".
func on(s string) archive.Date {
	d, err := archive.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// toAgency is a share of version 1 to shareAgency until the day.
func toAgency(until string) archive.ShareInput {
	return archive.ShareInput{GranteeKind: archive.GranteeAgency, Grantee: shareAgency, Purpose: "Xét tuyển viên chức năm 2027",
		ValidUntil: on(until), Version: 1}
}

// ledgerOf is A's whole ledger.
func ledgerOf(t *testing.T, v *vault) []archive.LedgerEntry {
	t.Helper()
	es, _, err := v.Ledger(context.Background(), citizenA, citizenA.Subject, "", "", 1000, archive.Access{})
	wantCode(t, err, "")
	return es
}

// shareEntries are A's ledger entries that name share id.
func shareEntries(t *testing.T, v *vault, id string) []archive.LedgerEntry {
	t.Helper()
	var out []archive.LedgerEntry
	for _, e := range ledgerOf(t, v) {
		if e.Share == id {
			out = append(out, e)
		}
	}
	return out
}

// TestShareInput: each bad request gets its code and a Vietnamese message,
// and stores no share and no ledger entry.
func TestShareInput(t *testing.T) {
	ctx := context.Background()
	v, cert, _ := shareVault(t)
	long := strings.Repeat("mục đích ", 60)
	for _, c := range []struct {
		name string
		a    archive.Actor
		id   string
		in   func(in *archive.ShareInput)
		code string
	}{
		{"no purpose", citizenA, cert.ID, func(in *archive.ShareInput) { in.Purpose = "  " }, "purpose_required"},
		{"purpose too long", citizenA, cert.ID, func(in *archive.ShareInput) { in.Purpose = long }, "purpose_too_long"},
		{"bidi in purpose", citizenA, cert.ID, func(in *archive.ShareInput) { in.Purpose = "xem\u202egiấy" }, "invalid_characters"},
		{"no date", citizenA, cert.ID, func(in *archive.ShareInput) { in.ValidUntil = archive.Date{} }, "valid_until_required"},
		{"past date", citizenA, cert.ID, func(in *archive.ShareInput) { in.ValidUntil = on("2026-12-06") }, "valid_until_past"},
		{"over 5 years", citizenA, cert.ID, func(in *archive.ShareInput) { in.ValidUntil = on("2031-12-08") }, "valid_until_too_far"},
		{"unknown kind", citizenA, cert.ID, func(in *archive.ShareInput) { in.GranteeKind = "ministry" }, "invalid_grantee_kind"},
		{"no kind", citizenA, cert.ID, func(in *archive.ShareInput) { in.GranteeKind = "" }, "grantee_kind_required"},
		{"bad agency code", citizenA, cert.ID, func(in *archive.ShareInput) { in.Grantee = "UBND-Q1" }, "invalid_grantee"},
		{"bad person number", citizenA, cert.ID, func(in *archive.ShareInput) {
			in.GranteeKind, in.Grantee = archive.GranteePerson, "12345"
		}, "invalid_grantee"},
		{"with oneself", citizenA, cert.ID, func(in *archive.ShareInput) {
			in.GranteeKind, in.Grantee = archive.GranteePerson, citizenA.Subject
		}, "share_with_self"},
		{"no such version", citizenA, cert.ID, func(in *archive.ShareInput) { in.Version = 3 }, "version_not_found"},
		{"someone else's paper", citizenB, cert.ID, func(in *archive.ShareInput) {}, "document_not_found"},
		{"no such paper", citizenA, archive.NewID(time.Now()), func(in *archive.ShareInput) {}, "document_not_found"},
		{"staff for the owner", staff, cert.ID, func(in *archive.ShareInput) {}, "share_owner_only"},
		{"admin for the owner", admin, cert.ID, func(in *archive.ShareInput) {}, "share_owner_only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(ledgerOf(t, v))
			in := toAgency("2027-01-31")
			c.in(&in)
			_, err := v.ShareDocument(ctx, c.a, c.id, in)
			wantCode(t, err, c.code)
			p, err := v.SharesGiven(ctx, citizenA, "", "", 100)
			wantCode(t, err, "")
			if len(p.Shares) != 0 {
				t.Errorf("a refused share was stored: %+v", p.Shares)
			}
			if after := len(ledgerOf(t, v)); after != before {
				t.Errorf("a refused share wrote %d ledger entries", after-before)
			}
		})
	}
	// The last day allowed is today + 5 years; today itself is allowed.
	for _, until := range []string{"2031-12-07", "2026-12-07"} {
		_, err := v.ShareDocument(ctx, citizenA, cert.ID, toAgency(until))
		wantCode(t, err, "")
	}
	_, err := v.ShareDocument(ctx, citizenA, cert.ID, toAgency("2026-12-06"))
	if _, msg := kerr.Public(err); !strings.Contains(msg, "06/12/2026") || !strings.Contains(msg, "07/12/2026") {
		t.Errorf("the past-date message does not name the dates: %q", msg)
	}
}

// TestShareAgencyUse: staff of the granted agency read the shared version
// without stating a purpose; each use is in A's ledger with the share, the
// grantee, the staff member and the share's purpose; other agencies'
// staff, other citizens and A's other papers stay out of reach.
func TestShareAgencyUse(t *testing.T) {
	ctx := context.Background()
	v, cert, other := shareVault(t)
	sh, err := v.ShareDocument(ctx, citizenA, cert.ID, toAgency("2027-01-31"))
	wantCode(t, err, "")
	if sh.Version != 1 || sh.OwnerID != citizenA.Subject || sh.DocumentName != cert.Name || sh.GranteeKey() != "agency:"+shareAgency {
		t.Fatalf("share %+v", sh)
	}
	created := shareEntries(t, v, sh.ID)
	if len(created) != 1 || created[0].Action != archive.ActionShare || created[0].Actor != citizenA.Subject ||
		created[0].Grantee != "agency:"+shareAgency || created[0].Purpose != sh.Purpose || created[0].DocumentID != cert.ID {
		t.Fatalf("the share's ledger entry: %+v", created)
	}

	got, err := v.SharedDocument(ctx, agencyStaff, sh.ID)
	wantCode(t, err, "")
	if got.Version.N != 1 || got.Version.FileName != "giay-khai-sinh.pdf" || got.Status != archive.StatusValid || got.DocumentID != cert.ID {
		t.Errorf("shared document: %+v", got)
	}
	c, err := v.OpenShared(ctx, agencyStaff, sh.ID)
	wantCode(t, err, "")
	if b := readAll(t, c); string(b) != string(pdfBytes("ban 1")) {
		t.Errorf("the shared content is not version 1: %q", b)
	}

	es := shareEntries(t, v, sh.ID)
	if len(es) != 3 {
		t.Fatalf("A's ledger has %d entries of the share, want 3 (share, read, download): %+v", len(es), es)
	}
	for i, want := range []archive.Action{archive.ActionRead, archive.ActionDownload} {
		e := es[i+1]
		if e.Action != want || e.Actor != agencyStaff.Subject || e.ActorRole != archive.RoleStaff || e.Grantee != "agency:"+shareAgency ||
			e.Purpose != sh.Purpose || e.DocumentID != cert.ID || e.Version != 1 {
			t.Errorf("use %d: %+v", i, e)
		}
	}

	// Nobody else reaches the share: the answer of a share that does not exist.
	for _, a := range []archive.Actor{otherStaff, citizenB, citizenC, staff, {Subject: "quantri", Role: archive.RoleAdmin}} {
		_, err := v.SharedDocument(ctx, a, sh.ID)
		wantCode(t, err, "share_not_found")
		_, err = v.OpenShared(ctx, a, sh.ID)
		wantCode(t, err, "share_not_found")
		_, err = v.GetShare(ctx, a, sh.ID)
		wantCode(t, err, "share_not_found")
	}
	_, err = v.SharedDocument(ctx, agencyStaff, archive.NewID(time.Now()))
	wantCode(t, err, "share_not_found")
	// The share opens one paper: A's other paper is not reached through it,
	// and staff of the agency read that one only as before, with a purpose.
	if got.DocumentID == other.ID {
		t.Fatal("the share reached A's other paper")
	}
	_, err = v.Get(ctx, agencyStaff, other.ID, archive.Access{})
	wantCode(t, err, "purpose_required")
	if n := len(shareEntries(t, v, sh.ID)); n != 3 {
		t.Errorf("refused uses were recorded: %d entries", n)
	}
}

// TestSharePersonRevokeExpire: a person reads through the share until A
// revokes it, then gets share_revoked with the time; a share's last day
// holds until midnight in Vietnam, after which share_expired names the
// day. Neither refusal reads anything or writes the ledger.
func TestSharePersonRevokeExpire(t *testing.T) {
	ctx := context.Background()
	v, cert, _ := shareVault(t)
	in := archive.ShareInput{GranteeKind: archive.GranteePerson, Grantee: citizenB.Subject, Purpose: "Cho thuê nhà", ValidUntil: on("2026-12-31")}
	sh, err := v.ShareDocument(ctx, citizenA, cert.ID, in)
	wantCode(t, err, "")
	if sh.Version != 2 {
		t.Errorf("a share naming no version pins the current one: %d", sh.Version)
	}
	c, err := v.OpenShared(ctx, citizenB, sh.ID)
	wantCode(t, err, "")
	if b := readAll(t, c); string(b) != string(pdfBytes("ban 2")) {
		t.Errorf("content %q", b)
	}
	// B lists it as received; C does not.
	p, err := v.SharesReceived(ctx, citizenB, "", 10)
	wantCode(t, err, "")
	if len(p.Shares) != 1 || p.Shares[0].ID != sh.ID {
		t.Errorf("B's received shares: %+v", p.Shares)
	}
	p, err = v.SharesReceived(ctx, citizenC, "", 10)
	wantCode(t, err, "")
	if len(p.Shares) != 0 {
		t.Errorf("C sees B's share: %+v", p.Shares)
	}
	// B may not revoke it; A may, once.
	_, err = v.RevokeShare(ctx, citizenB, sh.ID, "")
	wantCode(t, err, "share_not_found")
	_, err = v.RevokeShare(ctx, staff, sh.ID, "")
	wantCode(t, err, "share_owner_only")
	v.clock.Set(time.Date(2026, 12, 8, 14, 5, 9, 0, time.UTC)) // 21:05:09 in Vietnam
	r, err := v.RevokeShare(ctx, citizenA, sh.ID, "Đã ký hợp đồng xong")
	wantCode(t, err, "")
	if r.RevokedAt.IsZero() || r.RevokeReason != "Đã ký hợp đồng xong" {
		t.Errorf("revoked share %+v", r)
	}
	_, err = v.RevokeShare(ctx, citizenA, sh.ID, "")
	wantCode(t, err, "share_revoked")
	before := len(ledgerOf(t, v))
	_, err = v.SharedDocument(ctx, citizenB, sh.ID)
	wantCode(t, err, "share_revoked")
	if _, msg := kerr.Public(err); !strings.Contains(msg, "21:05:09") || !strings.Contains(msg, "08/12/2026") {
		t.Errorf("the revocation message does not say when: %q", msg)
	}
	_, err = v.OpenShared(ctx, citizenB, sh.ID)
	wantCode(t, err, "share_revoked")
	if kerr.KindOf(err) != kerr.Permission {
		t.Errorf("kind %v", kerr.KindOf(err))
	}
	if after := len(ledgerOf(t, v)); after != before {
		t.Errorf("refused uses wrote %d entries", after-before)
	}
	p, _ = v.SharesReceived(ctx, citizenB, "", 10)
	if len(p.Shares) != 0 {
		t.Errorf("a revoked share is still listed as received: %+v", p.Shares)
	}
	es := shareEntries(t, v, sh.ID)
	if len(es) != 3 || es[2].Action != archive.ActionUnshare || es[2].Purpose != "Đã ký hợp đồng xong" || es[1].Actor != citizenB.Subject {
		t.Errorf("the share's entries: %+v", es)
	}

	// Expiry: usable on its last day until 23:59:59 Vietnam time.
	v.clock.Set(time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC))
	sh2, err := v.ShareDocument(ctx, citizenA, cert.ID, archive.ShareInput{GranteeKind: archive.GranteePerson, Grantee: citizenB.Subject,
		Purpose: "Cho thuê nhà", ValidUntil: on("2026-12-20")})
	wantCode(t, err, "")
	v.clock.Set(time.Date(2026, 12, 20, 16, 59, 59, 0, time.UTC))
	_, err = v.SharedDocument(ctx, citizenB, sh2.ID)
	wantCode(t, err, "")
	v.clock.Set(time.Date(2026, 12, 20, 17, 0, 0, 0, time.UTC))
	_, err = v.SharedDocument(ctx, citizenB, sh2.ID)
	wantCode(t, err, "share_expired")
	if _, msg := kerr.Public(err); !strings.Contains(msg, "20/12/2026") {
		t.Errorf("the expiry message does not name the day: %q", msg)
	}
	_, err = v.OpenShared(ctx, citizenB, sh2.ID)
	wantCode(t, err, "share_expired")
	p, _ = v.SharesReceived(ctx, citizenB, "", 10)
	if len(p.Shares) != 0 {
		t.Errorf("an expired share is still listed as received: %+v", p.Shares)
	}
	// The owner still sees both, with their state.
	g, err := v.SharesGiven(ctx, citizenA, cert.ID, "", 10)
	wantCode(t, err, "")
	if len(g.Shares) != 2 || g.Shares[0].ID != sh2.ID || g.Shares[0].State(on("2026-12-21")) != archive.ShareExpired ||
		g.Shares[1].State(on("2026-12-21")) != archive.ShareRevoked {
		t.Errorf("A's shares: %+v", g.Shares)
	}
	if n := len(shareEntries(t, v, sh2.ID)); n != 2 {
		t.Errorf("share 2 has %d entries, want 2 (share, read)", n)
	}
}

// TestShareStatusShown: a paper revoked by its issuer after it was shared
// shows as revoked to the grantee.
func TestShareStatusShown(t *testing.T) {
	ctx := context.Background()
	v, cert, _ := shareVault(t)
	sh, err := v.ShareDocument(ctx, citizenA, cert.ID, toAgency("2027-01-31"))
	wantCode(t, err, "")
	st := archive.StatusSuperseded
	_, err = v.UpdateMetadata(ctx, citizenA, cert.ID, 0, archive.MetadataPatch{Status: &st})
	wantCode(t, err, "")
	got, err := v.SharedDocument(ctx, agencyStaff, sh.ID)
	wantCode(t, err, "")
	if got.Status != archive.StatusSuperseded || got.Version.N != 1 {
		t.Errorf("status %q, version %d", got.Status, got.Version.N)
	}
}

// failingLedger refuses every ledger append once fail is set.
type failingLedger struct {
	archive.Store
	fail *bool
}

func (s failingLedger) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	if *s.fail {
		return kerr.New(kerr.Unavailable, "store_unavailable", "Máy chủ cơ sở dữ liệu tạm thời không truy cập được.", "test: ledger down")
	}
	return s.Store.AppendLedger(ctx, e)
}

// TestShareLedgerDown: when the ledger cannot be written, a new share is
// revoked again (no share the ledger does not show), and a use returns
// the error and no byte.
func TestShareLedgerDown(t *testing.T) {
	ctx := context.Background()
	base, cert, _ := shareVault(t)
	fail := false
	v := archive.New(failingLedger{Store: base.store, fail: &fail}, base.bucket, archive.Config{}, nil, base.clock.Now)
	sh, err := v.ShareDocument(ctx, citizenA, cert.ID, toAgency("2027-01-31"))
	wantCode(t, err, "")
	fail = true
	_, err = v.ShareDocument(ctx, citizenA, cert.ID, toAgency("2027-01-31"))
	if kerr.KindOf(err) != kerr.Unavailable {
		t.Fatalf("share with the ledger down: %v", err)
	}
	p, err := v.SharesReceived(ctx, agencyStaff, "", 10)
	wantCode(t, err, "")
	if len(p.Shares) != 1 || p.Shares[0].ID != sh.ID {
		t.Errorf("the agency's usable shares: %+v (the unrecorded one must be revoked)", p.Shares)
	}
	_, err = v.SharedDocument(ctx, agencyStaff, sh.ID)
	if kerr.KindOf(err) != kerr.Unavailable {
		t.Errorf("read with the ledger down: %v", err)
	}
	c, err := v.OpenShared(ctx, agencyStaff, sh.ID)
	wantCode(t, err, "")
	defer c.Close()
	buf := make([]byte, 100)
	n, err := c.Read(buf)
	if n != 0 || err == nil || errors.Is(err, io.EOF) {
		t.Errorf("download with the ledger down gave %d bytes, %v", n, err)
	}
}

// TestSharesPaged: the owner's and the grantee's lists page with their
// cursors and hold every share once; a forged cursor is invalid_cursor;
// staff of no agency have no received list.
func TestSharesPaged(t *testing.T) {
	ctx := context.Background()
	v, cert, _ := shareVault(t)
	want := map[string]bool{}
	for i, until := range []string{"2027-03-01", "2027-01-01", "2027-02-01", "2027-01-01", "2026-12-24"} {
		_ = i
		sh, err := v.ShareDocument(ctx, citizenA, cert.ID, toAgency(until))
		wantCode(t, err, "")
		want[sh.ID] = true
	}
	for _, list := range []func(cursor string) (archive.SharePage, error){
		func(c string) (archive.SharePage, error) { return v.SharesGiven(ctx, citizenA, "", c, 2) },
		func(c string) (archive.SharePage, error) { return v.SharesReceived(ctx, agencyStaff, c, 2) },
	} {
		seen := map[string]bool{}
		cursor := ""
		for range 5 {
			p, err := list(cursor)
			wantCode(t, err, "")
			for _, sh := range p.Shares {
				if seen[sh.ID] {
					t.Errorf("share %s listed twice", sh.ID)
				}
				seen[sh.ID] = true
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if len(seen) != len(want) {
			t.Errorf("listed %d shares, want %d", len(seen), len(want))
		}
	}
	_, err := v.SharesReceived(ctx, agencyStaff, "bm90LWEtY3Vyc29y", 2)
	wantCode(t, err, "invalid_cursor")
	_, err = v.SharesReceived(ctx, staff, "", 2)
	wantCode(t, err, "not_agency_staff")
	_, err = v.SharesGiven(ctx, staff, "", "", 2)
	wantCode(t, err, "share_owner_only")
	_, err = v.SharesGiven(ctx, citizenB, cert.ID, "", 2)
	wantCode(t, err, "document_not_found")
}
