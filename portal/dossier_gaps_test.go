package portal_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// dossierReads returns the "dossier" entries of owner's ledger.
func (e *env) dossierReads(t *testing.T, owner string) []archive.LedgerEntry {
	t.Helper()
	es, _, err := e.vault.Ledger(context.Background(), citizenActor(owner), owner, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	var out []archive.LedgerEntry
	for _, x := range es {
		if x.Action == archive.ActionDossier {
			out = append(out, x)
		}
	}
	return out
}

// TestDossierReadLedger: a staff member's and an admin's read of a
// dossier land in the applicant's ledger with the purpose they gave and
// the dossier's code; the applicant's own read needs no purpose and adds
// nothing; a read without a purpose is refused and not recorded.
func TestDossierReadLedger(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	get := func(token, purpose string) result {
		path := "/api/v1/dossiers/" + v.Code
		if purpose != "" {
			path += "?purpose=" + url.QueryEscape(purpose)
		}
		return e.do(call{method: "GET", path: path, token: token})
	}
	get(e.citizenA, "").want(t, 200, "")
	if got := e.dossierReads(t, ownerA); len(got) != 0 {
		t.Fatalf("the applicant's own read was recorded: %+v", got)
	}
	get(st.desk, "").want(t, 400, "purpose_required")
	get(st.outsider, "kiểm tra").want(t, 403, "other_agency")
	if got := e.dossierReads(t, ownerA); len(got) != 0 {
		t.Fatalf("refused reads were recorded: %+v", got)
	}
	get(st.desk, "Tiếp nhận hồ sơ").want(t, 200, "")
	get(e.admin, "Kiểm tra theo yêu cầu thanh tra").want(t, 200, "")
	got := e.dossierReads(t, ownerA)
	if len(got) != 2 {
		t.Fatalf("ledger has %d dossier reads, want 2: %+v", len(got), got)
	}
	for i, w := range []struct {
		actor   string
		role    archive.Role
		purpose string
	}{{deskSubject, archive.RoleStaff, "Tiếp nhận hồ sơ"}, {"quantri", archive.RoleAdmin, "Kiểm tra theo yêu cầu thanh tra"}} {
		x := got[i]
		if x.Actor != w.actor || x.ActorRole != w.role || x.Purpose != w.purpose || x.Dossier != v.Code || x.Chain != ownerA {
			t.Errorf("entry %d = %+v, want %s (%s) for %q on %s", i, x, w.actor, w.role, w.purpose, v.Code)
		}
	}
	if l := archive.ActionDossier.Label(); l == string(archive.ActionDossier) {
		t.Errorf("no Vietnamese label for %q", l)
	}
	// Another citizen's ledger holds nothing of it.
	if got := e.dossierReads(t, ownerB); len(got) != 0 {
		t.Errorf("B's ledger has A's dossier reads: %+v", got)
	}
}
