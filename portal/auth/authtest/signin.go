package authtest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// RunSignIn runs the conformance tests of auth.SignInStore (accounts,
// sessions, throttles, nonces) against stores made by open, each subtest
// on a fresh, empty store:
//
//	authtest.RunSignIn(t, func(t *testing.T) auth.SignInStore { return openFresh(t) })
func RunSignIn(t *testing.T, open func(t *testing.T) auth.SignInStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s auth.SignInStore)
	}{
		{"AccountCreateAndFind", testAccountCreateAndFind},
		{"AccountUpdateGuarded", testAccountUpdateGuarded},
		{"AccountConcurrentUpdate", testAccountConcurrentUpdate},
		{"AccountList", testAccountList},
		{"Sessions", testSessions},
		{"SessionsOfOneAccount", testSessionsOfOneAccount},
		{"Throttle", testThrottle},
		{"ThrottleConcurrent", testThrottleConcurrent},
		{"Nonce", testNonce},
		{"PurgeExpired", testPurgeExpired},
	}
	runSuite(t, open, tests)
}

var t0 = time.Date(2026, 12, 7, 9, 15, 30, 123456789, ict)

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func account(name string, role archive.Role) auth.Account {
	a := auth.Account{Username: name, DisplayName: "Nguyễn Thị Ánh " + name, Role: role,
		PasswordHash:      "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		PasswordChangedAt: t0, CreatedAt: t0, UpdatedAt: t0.Add(time.Second), Rev: 1}
	switch role {
	case archive.RoleCitizen:
		a.CitizenID = "001090012345"
	case archive.RoleStaff:
		a.Agency = "000.00.31.H29"
	}
	return a
}

func wantAccount(a auth.Account) auth.Account {
	a.PasswordChangedAt, a.CreatedAt, a.UpdatedAt = ms(a.PasswordChangedAt), ms(a.CreatedAt), ms(a.UpdatedAt)
	return a
}

// sameAccount compares accounts field by field (the JSON form hides the
// hash).
func sameAccount(t *testing.T, what string, got, want auth.Account) {
	t.Helper()
	same(t, what, got, want)
	if got.PasswordHash != want.PasswordHash {
		t.Errorf("%s: PasswordHash = %q, want %q", what, got.PasswordHash, want.PasswordHash)
	}
	for _, tm := range []time.Time{got.CreatedAt, got.UpdatedAt, got.PasswordChangedAt} {
		if tm.Location() != time.UTC {
			t.Errorf("%s: a time in %v, want UTC", what, tm.Location())
		}
	}
}

func testAccountCreateAndFind(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	for _, a := range []auth.Account{account("cong.dan-01", archive.RoleCitizen), account("canbo_01", archive.RoleStaff), account("admin", archive.RoleAdmin)} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatalf("CreateAccount(%s): %v", a.Username, err)
		}
		got, err := s.AccountByUsername(ctx, a.Username)
		if err != nil {
			t.Fatalf("AccountByUsername(%s): %v", a.Username, err)
		}
		sameAccount(t, "account "+a.Username, got, wantAccount(a))
	}
	dup := account("admin", archive.RoleStaff)
	isKind(t, "CreateAccount(taken name)", s.CreateAccount(ctx, dup), kerr.Conflict)
	got, _ := s.AccountByUsername(ctx, "admin")
	if got.Role != archive.RoleAdmin {
		t.Errorf("a refused duplicate changed the account: role %q", got.Role)
	}
	_, err := s.AccountByUsername(ctx, "khong-co")
	isKind(t, "AccountByUsername(missing)", err, kerr.NotFound)
	d := account("tat", archive.RoleStaff)
	d.Disabled = true
	if err := s.CreateAccount(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AccountByUsername(ctx, "tat"); !got.Disabled {
		t.Error("Disabled was not kept")
	}
}

func testAccountUpdateGuarded(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	a := account("canbo", archive.RoleStaff)
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	next := wantAccount(a)
	next.Disabled, next.DisplayName, next.PasswordHash = true, "Trần Văn Bình", "$argon2id$new"
	got, err := s.UpdateAccount(ctx, next)
	if err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	want := next
	want.Rev = 2
	sameAccount(t, "updated account", got, want)
	read, _ := s.AccountByUsername(ctx, "canbo")
	sameAccount(t, "account read after update", read, want)

	stale := next // still at rev 1
	stale.DisplayName = "cũ"
	_, err = s.UpdateAccount(ctx, stale)
	isKind(t, "UpdateAccount(stale rev)", err, kerr.Conflict)
	if read, _ := s.AccountByUsername(ctx, "canbo"); read.DisplayName != "Trần Văn Bình" || read.Rev != 2 {
		t.Errorf("a stale update changed the account: %+v", read)
	}
	missing := account("khong-co", archive.RoleStaff)
	_, err = s.UpdateAccount(ctx, missing)
	isKind(t, "UpdateAccount(missing)", err, kerr.NotFound)
}

func testAccountConcurrentUpdate(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	a := account("dua", archive.RoleStaff)
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := wantAccount(a)
			x.DisplayName = fmt.Sprint("người ", i)
			_, errs[i] = s.UpdateAccount(ctx, x)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if kerr.KindOf(err) != kerr.Conflict {
			t.Errorf("UpdateAccount: %v, want nil or Conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d updates from rev 1 succeeded, want 1", ok)
	}
	if got, _ := s.AccountByUsername(ctx, "dua"); got.Rev != 2 {
		t.Errorf("rev = %d, want 2", got.Rev)
	}
}

func testAccountList(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	if got, err := s.ListAccounts(ctx, "", 10); err != nil || len(got) != 0 {
		t.Fatalf("ListAccounts(empty) = %v, %v", got, err)
	}
	for _, n := range []string{"m", "bb", "zz", "aa", "kk"} {
		if err := s.CreateAccount(ctx, account(n+"x", archive.RoleAdmin)); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	after := ""
	for {
		page, err := s.ListAccounts(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("a page of %d, want at most 2", len(page))
		}
		for _, a := range page {
			names = append(names, a.Username)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].Username
	}
	if fmt.Sprint(names) != "[aax bbx kkx mx zzx]" {
		t.Errorf("accounts listed = %v", names)
	}
	for _, limit := range []int{0, -1, auth.MaxListAccounts + 1} {
		_, err := s.ListAccounts(ctx, "", limit)
		isKind(t, fmt.Sprint("ListAccounts(limit ", limit, ")"), err, kerr.Invalid)
	}
}

func session(n int, username string, created time.Time) auth.Session {
	return auth.Session{Hash: hashOf(fmt.Sprint("secret-", username, n)), ID: fmt.Sprintf("s%02d%s", n, username), Username: username,
		CreatedAt: created, LastSeen: created, ExpiresAt: created.Add(30 * time.Minute), UserAgent: "Firefox trên Linux", IP: "203.0.113.7"}
}

func wantSession(x auth.Session) auth.Session {
	x.CreatedAt, x.LastSeen, x.ExpiresAt = ms(x.CreatedAt), ms(x.LastSeen), ms(x.ExpiresAt)
	return x
}

func sameSession(t *testing.T, what string, got, want auth.Session) {
	t.Helper()
	same(t, what, got, want)
	if got.Hash != want.Hash {
		t.Errorf("%s: Hash = %q, want %q", what, got.Hash, want.Hash)
	}
}

func testSessions(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	x := session(1, "an", t0)
	x.IP = "2001:db8:1:2::/64"
	if err := s.CreateSession(ctx, x); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.SessionByHash(ctx, x.Hash)
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	sameSession(t, "session", got, wantSession(x))

	sameHash := session(2, "an", t0)
	sameHash.Hash = x.Hash
	isKind(t, "CreateSession(same hash)", s.CreateSession(ctx, sameHash), kerr.Conflict)
	sameID := session(3, "an", t0)
	sameID.ID = x.ID
	isKind(t, "CreateSession(same ID)", s.CreateSession(ctx, sameID), kerr.Conflict)
	_, err = s.SessionByHash(ctx, sameID.Hash)
	isKind(t, "SessionByHash(refused duplicate)", err, kerr.NotFound)

	seen, exp := t0.Add(5*time.Minute+7*time.Microsecond), t0.Add(35*time.Minute)
	if err := s.TouchSession(ctx, x.Hash, seen, exp); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	got, _ = s.SessionByHash(ctx, x.Hash)
	w := wantSession(x)
	w.LastSeen, w.ExpiresAt = ms(seen), ms(exp)
	sameSession(t, "touched session", got, w)
	isKind(t, "TouchSession(missing)", s.TouchSession(ctx, hashOf("none"), seen, exp), kerr.NotFound)

	_, err = s.SessionByHash(ctx, hashOf("none"))
	isKind(t, "SessionByHash(missing)", err, kerr.NotFound)
	isKind(t, "DeleteSession(another account's)", s.DeleteSession(ctx, "binh", x.ID), kerr.NotFound)
	if _, err := s.SessionByHash(ctx, x.Hash); err != nil {
		t.Fatalf("deleting with another account's name removed the session: %v", err)
	}
	if err := s.DeleteSession(ctx, "an", x.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = s.SessionByHash(ctx, x.Hash)
	isKind(t, "SessionByHash(deleted)", err, kerr.NotFound)
	isKind(t, "DeleteSession(again)", s.DeleteSession(ctx, "an", x.ID), kerr.NotFound)
}

func testSessionsOfOneAccount(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	// Made out of order; listed by creation time, then ID.
	order := []int{3, 1, 4, 2, 5}
	for _, i := range order {
		at := t0.Add(time.Duration(i) * time.Minute)
		if i == 5 {
			at = t0.Add(4 * time.Minute) // same time as 4: ID decides
		}
		if err := s.CreateSession(ctx, session(i, "an", at)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, session(i, "binh", at)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListSessions(ctx, "an", 100)
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	var ids []string
	for _, x := range got {
		if x.Username != "an" {
			t.Errorf("another account's session in the list: %+v", x)
		}
		ids = append(ids, x.ID)
	}
	if fmt.Sprint(ids) != "[s01an s02an s03an s04an s05an]" {
		t.Errorf("sessions listed = %v", ids)
	}
	sameSession(t, "listed session", got[0], wantSession(session(1, "an", t0.Add(time.Minute))))
	if got, _ := s.ListSessions(ctx, "an", 2); len(got) != 2 || got[1].ID != "s02an" {
		t.Errorf("ListSessions(limit 2) = %v", got)
	}
	if got, err := s.ListSessions(ctx, "chau", 10); err != nil || len(got) != 0 {
		t.Errorf("ListSessions(no sessions) = %v, %v", got, err)
	}
	for _, limit := range []int{0, auth.MaxListSessions + 1} {
		_, err := s.ListSessions(ctx, "an", limit)
		isKind(t, fmt.Sprint("ListSessions(limit ", limit, ")"), err, kerr.Invalid)
	}
}

func testThrottle(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	_, err := s.GetThrottle(ctx, "account:an")
	isKind(t, "GetThrottle(none)", err, kerr.NotFound)
	exp := t0.Add(24 * time.Hour)
	for i := 1; i <= 3; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		got, err := s.AddFailure(ctx, "account:an", at, exp)
		if err != nil {
			t.Fatalf("AddFailure: %v", err)
		}
		want := auth.Throttle{Key: "account:an", Failures: i, Last: ms(at), ExpiresAt: ms(exp)}
		same(t, fmt.Sprint("failure ", i), got, want)
	}
	got, err := s.GetThrottle(ctx, "account:an")
	if err != nil || got.Failures != 3 {
		t.Fatalf("GetThrottle = %+v, %v; want 3 failures", got, err)
	}
	// Once expired, the count starts again.
	later := exp.Add(time.Second)
	got, err = s.AddFailure(ctx, "account:an", later, later.Add(time.Hour))
	if err != nil || got.Failures != 1 || !got.Last.Equal(ms(later)) {
		t.Fatalf("AddFailure after expiry = %+v, %v; want 1 failure", got, err)
	}
	if got, _ := s.AddFailure(ctx, "ip:203.0.113.7", t0, exp); got.Failures != 1 {
		t.Errorf("another key shares the count: %+v", got)
	}
	if err := s.ClearThrottle(ctx, "account:an"); err != nil {
		t.Fatalf("ClearThrottle: %v", err)
	}
	_, err = s.GetThrottle(ctx, "account:an")
	isKind(t, "GetThrottle(cleared)", err, kerr.NotFound)
	if err := s.ClearThrottle(ctx, "account:an"); err != nil {
		t.Errorf("ClearThrottle(none): %v", err)
	}
	if got, _ := s.GetThrottle(ctx, "ip:203.0.113.7"); got.Failures != 1 {
		t.Errorf("clearing one key cleared another: %+v", got)
	}
}

func testThrottleConcurrent(t *testing.T, s auth.SignInStore) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.AddFailure(t.Context(), "account:dua", t0.Add(time.Duration(i)*time.Millisecond), t0.Add(time.Hour))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("AddFailure: %v", err)
		}
	}
	if got, err := s.GetThrottle(t.Context(), "account:dua"); err != nil || got.Failures != n {
		t.Errorf("after %d concurrent failures: %+v, %v", n, got, err)
	}
}

func testNonce(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	if err := s.UseNonce(ctx, "challenge:abc", t0.Add(time.Hour)); err != nil {
		t.Fatalf("UseNonce: %v", err)
	}
	isKind(t, "UseNonce(again)", s.UseNonce(ctx, "challenge:abc", t0.Add(time.Hour)), kerr.Conflict)
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.UseNonce(ctx, "challenge:race", t0.Add(time.Hour)) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if kerr.KindOf(err) != kerr.Conflict {
			t.Errorf("UseNonce: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("one nonce was used %d times", ok)
	}
}

func testPurgeExpired(t *testing.T, s auth.SignInStore) {
	ctx := t.Context()
	cut := t0.Add(time.Hour)
	// 3 expired and 2 live of each kind.
	for i := range 5 {
		exp := cut.Add(time.Duration(i-2) * time.Minute) // -2, -1, 0 (expired at cut), +1, +2
		x := session(i, "an", t0)
		x.ExpiresAt = exp
		if err := s.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddFailure(ctx, fmt.Sprint("ip:10.0.0.", i), t0, exp); err != nil {
			t.Fatal(err)
		}
		if err := s.UseNonce(ctx, fmt.Sprint("n", i), exp); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PurgeExpired(ctx, cut, 2)
	if err != nil || n != 6 {
		t.Fatalf("PurgeExpired(limit 2) = %d, %v; want 6 (2 of each kind)", n, err)
	}
	n, err = s.PurgeExpired(ctx, cut, 2)
	if err != nil || n != 3 {
		t.Fatalf("PurgeExpired again = %d, %v; want the 3 left", n, err)
	}
	if n, _ := s.PurgeExpired(ctx, cut, 2); n != 0 {
		t.Errorf("a third purge deleted %d", n)
	}
	left, _ := s.ListSessions(ctx, "an", 10)
	if len(left) != 2 || left[0].ID != "s03an" || left[1].ID != "s04an" {
		t.Errorf("sessions left = %v, want s03an s04an", left)
	}
	for i := range 5 {
		_, err := s.GetThrottle(ctx, fmt.Sprint("ip:10.0.0.", i))
		if gone := kerr.IsKind(err, kerr.NotFound); gone != (i < 3) {
			t.Errorf("throttle %d: gone=%v (%v), want %v", i, gone, err, i < 3)
		}
		err = s.UseNonce(ctx, fmt.Sprint("n", i), cut.Add(time.Hour))
		if free := err == nil; free != (i < 3) {
			t.Errorf("nonce %d: usable again=%v (%v), want %v", i, free, err, i < 3)
		}
	}
}
