package web

import (
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestLedgerActorMasksOthers: another citizen's identity number shows in
// full only on an entry of a share the owner gave them by it; otherwise
// masked. Only the binary's own admin actor is "Hệ thống".
func TestLedgerActorMasksOthers(t *testing.T) {
	owner := Actor{Subject: "079090000011", Role: archive.RoleCitizen}
	e := archive.LedgerEntry{Actor: "001090012345", ActorRole: archive.RoleCitizen}
	if who, role := ledgerActor(owner, e, nil); who != "0010****2345" || role != "Công dân" {
		t.Errorf("no share: %q, %q", who, role)
	}
	e.Share, e.Grantee = "s1", archive.GranteeKey(archive.GranteePerson, "001090099999")
	if who, _ := ledgerActor(owner, e, nil); who != "0010****2345" {
		t.Errorf("a share with someone else: %q", who)
	}
	e.Grantee = archive.GranteeKey(archive.GranteePerson, e.Actor)
	if who, _ := ledgerActor(owner, e, nil); who != e.Actor {
		t.Errorf("the share given to them by their ID: %q", who)
	}
	if who, _ := ledgerActor(owner, archive.LedgerEntry{Actor: "kho-system", ActorRole: archive.RoleStaff}, nil); who != "kho-system" {
		t.Errorf("a staff account named as the system: %q", who)
	}
	if who, _ := ledgerActor(owner, archive.LedgerEntry{Actor: owner.Subject, ActorRole: archive.RoleCitizen}, nil); who != "Bạn" {
		t.Errorf("the owner: %q", who)
	}
}
