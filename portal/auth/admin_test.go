package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/auth"
)

// TestAdminAccounts: only an admin lists, adds, resets and disables
// accounts; a reset or disable over a stale revision is refused and
// changes nothing; a reset ends the sessions and the new password (made
// or given) signs in; an admin cannot disable themself.
func TestAdminAccounts(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	for _, a := range []archive.Actor{{Subject: "binh", Role: archive.RoleStaff}, {Subject: "001090012345", Role: archive.RoleCitizen}, {Role: archive.RoleAdmin}} {
		if _, err := e.svc.Accounts(ctx, a, "", 10); code(err) != "admin_only" {
			t.Errorf("%v lists accounts: %v", a, err)
		}
		if _, _, err := e.svc.AddAccount(ctx, a, auth.Account{Username: "moi", DisplayName: "Mới", Role: archive.RoleAdmin}, ""); code(err) != "admin_only" {
			t.Errorf("%v adds an account: %v", a, err)
		}
		if _, _, err := e.svc.ResetPassword(ctx, a, "an.tran", 1, ""); code(err) != "admin_only" {
			t.Errorf("%v resets a password: %v", a, err)
		}
		if _, err := e.svc.SetAccountDisabled(ctx, a, "an.tran", 1, true); code(err) != "admin_only" {
			t.Errorf("%v disables an account: %v", a, err)
		}
	}
	list, err := e.svc.Accounts(ctx, admin, "", 1)
	if err != nil || len(list) != 1 || list[0].Username != "an.tran" {
		t.Fatalf("first page: %v %v", list, err)
	}
	if list, _ = e.svc.Accounts(ctx, admin, "an.tran", 10); len(list) != 1 || list[0].Username != "binh" {
		t.Fatalf("next page: %v", list)
	}
	acct, pw, err := e.svc.AddAccount(ctx, admin, auth.Account{Username: " QuanTri2 ", DisplayName: "Phạm Quản Trị", Role: archive.RoleAdmin}, "")
	if err != nil || acct.Username != "quantri2" || acct.Rev != 1 || len(pw) < auth.MinPasswordRunes {
		t.Fatalf("add: %+v %q %v", acct, pw, err)
	}
	e.mustSignIn("quantri2", pw)
	if _, _, err := e.svc.AddAccount(ctx, admin, auth.Account{Username: "quantri2", DisplayName: "Khác", Role: archive.RoleAdmin}, "mat-khau-rat-dai"); code(err) != "account_exists" {
		t.Errorf("duplicate: %v", err)
	}
	if _, _, err := e.svc.AddAccount(ctx, admin, auth.Account{Username: "congdan", DisplayName: "Công Dân", Role: archive.RoleCitizen}, ""); code(err) != "citizen_id_required" {
		t.Errorf("citizen without ID: %v", err)
	}

	an := e.mustSignIn("an.tran", anPassword)
	cur, _ := e.store.AccountByUsername(ctx, "an.tran")
	if _, _, err := e.svc.ResetPassword(ctx, admin, "an.tran", cur.Rev+1, "mat-khau-moi-cua-an"); code(err) != "account_changed" {
		t.Fatalf("stale reset: %v", err)
	}
	if _, err := e.auth(an.Cookie); err != nil {
		t.Fatalf("a refused reset ended the session: %v", err)
	}
	e.mustSignIn("an.tran", anPassword)
	if _, _, err := e.svc.ResetPassword(ctx, admin, "an.tran", cur.Rev, "ngắn"); code(err) != "password_too_short" {
		t.Errorf("short password: %v", err)
	}
	got, pw, err := e.svc.ResetPassword(ctx, admin, "an.tran", cur.Rev, "")
	if err != nil || got.Rev != cur.Rev+1 || pw == "" {
		t.Fatalf("reset: %+v %v", got, err)
	}
	if _, err := e.auth(an.Cookie); err == nil {
		t.Error("the session outlived the reset")
	}
	if _, err := e.signIn("an.tran", anPassword, "203.0.113.8"); err == nil {
		t.Error("the old password still signs in")
	}
	e.mustSignIn("an.tran", pw)

	b, _ := e.store.AccountByUsername(ctx, "binh")
	binh := e.mustSignIn("binh", binhPassword)
	if _, err := e.svc.SetAccountDisabled(ctx, admin, "binh", b.Rev+1, true); code(err) != "account_changed" {
		t.Fatalf("stale disable: %v", err)
	}
	if _, err := e.svc.SetAccountDisabled(ctx, admin, "binh", 0, true); code(err) != "rev_required" {
		t.Fatalf("disable without a revision: %v", err)
	}
	if got, err := e.svc.SetAccountDisabled(ctx, admin, "binh", b.Rev, true); err != nil || !got.Disabled {
		t.Fatalf("disable: %+v %v", got, err)
	}
	if _, err := e.auth(binh.Cookie); err == nil {
		t.Error("a disabled account's session lives on")
	}
	if _, err := e.svc.SetAccountDisabled(ctx, admin, "quantri", 1, true); code(err) != "disable_self" {
		t.Errorf("self-disable: %v", err)
	}
}

// TestAdminTokens: only an admin lists, creates and revokes tokens; the
// secret comes back once and authenticates; an expiry in the past, a bad
// role or agency is refused; a revoked token no longer authenticates.
func TestAdminTokens(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	staff := archive.Actor{Subject: "binh", Role: archive.RoleStaff}
	if _, err := e.svc.Tokens(ctx, staff); code(err) != "admin_only" {
		t.Errorf("staff lists tokens: %v", err)
	}
	if _, _, err := e.svc.CreateToken(ctx, staff, auth.TokenInput{Subject: "x", Role: archive.RoleAdmin}); code(err) != "admin_only" {
		t.Errorf("staff creates a token: %v", err)
	}
	now := e.clock.Now()
	for _, bad := range []struct {
		in   auth.TokenInput
		code string
	}{
		{auth.TokenInput{Subject: "canbo", Role: archive.RoleStaff, ExpiresAt: now}, "invalid_expiry"},
		{auth.TokenInput{Subject: "canbo", Role: "root"}, "invalid_role"},
		{auth.TokenInput{Subject: "canbo", Role: archive.RoleStaff, Agency: "H29"}, "invalid_agency_code"},
		{auth.TokenInput{Subject: "", Role: archive.RoleStaff}, "invalid_subject"},
	} {
		if _, _, err := e.svc.CreateToken(ctx, admin, bad.in); code(err) != bad.code {
			t.Errorf("%+v: %v, want %s", bad.in, err, bad.code)
		}
	}
	secret, tok, err := e.svc.CreateToken(ctx, admin, auth.TokenInput{Subject: "canbo", Role: archive.RoleStaff, Agency: "000.00.31.H29",
		Name: "máy quét", ExpiresAt: now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := auth.Authenticate(ctx, e.store, "Bearer "+secret, now); err != nil || got.ID != tok.ID || got.Agency != "000.00.31.H29" {
		t.Fatalf("the new token: %+v %v", got, err)
	}
	list, err := e.svc.Tokens(ctx, admin)
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].Hash == secret {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := e.svc.RevokeToken(ctx, staff, tok.ID); code(err) != "admin_only" {
		t.Errorf("staff revokes: %v", err)
	}
	if err := e.svc.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, e.store, "Bearer "+secret, now); err == nil {
		t.Error("a revoked token authenticates")
	}
}
