package archive_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestStaffReadsInLedger is issue 9 item 3 on both metadata drivers:
// every kind of staff read of a citizen's data needs a purpose and
// appends one entry to the citizen's chain; the citizen's own views
// append none; another citizen reads nothing and leaves nothing; opening
// content without reading it records nothing; the chain then verifies.
func TestStaffReadsInLedger(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kho.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close(context.Background()) })
		staffReadsInLedger(t, st)
	})
	t.Run("ferretdb", func(t *testing.T) {
		uri := testenv.MongoURI(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := mongo.Open(ctx, uri, testenv.UniqueName(t, "ledgerreads"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = st.Drop(ctx)
			_ = st.Close(ctx)
		})
		staffReadsInLedger(t, st)
	})
}

func staffReadsInLedger(t *testing.T, st archive.Store) {
	ctx := context.Background()
	v := archive.New(st, storage.NewBucket(memory.New()), archive.Config{}, nil, nil)
	if _, _, err := v.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("sổ")))
	wantCode(t, err, "")
	a := citizenA.Subject
	chain := func() []archive.LedgerEntry {
		t.Helper()
		es, _, err := v.Ledger(ctx, citizenA, a, "", "", 1000, archive.Access{})
		wantCode(t, err, "")
		return es
	}
	reads := []struct {
		action archive.Action
		doc    bool
		read   func(archive.Actor, archive.Access) error
	}{
		{archive.ActionList, false, func(x archive.Actor, acc archive.Access) error {
			_, err := v.List(ctx, x, archive.ListQuery{OwnerID: a}, acc)
			return err
		}},
		{archive.ActionVersions, true, func(x archive.Actor, acc archive.Access) error {
			_, err := v.Versions(ctx, x, d.ID, acc)
			return err
		}},
		{archive.ActionReuses, true, func(x archive.Actor, acc archive.Access) error {
			_, err := v.Reuses(ctx, x, d.ID, acc)
			return err
		}},
		{archive.ActionReusable, false, func(x archive.Actor, acc archive.Access) error {
			_, err := v.FindReusable(ctx, x, a, "KHAI_SINH", archive.Date{}, acc)
			return err
		}},
		{archive.ActionProfile, false, func(x archive.Actor, acc archive.Access) error {
			_, err := v.Owner(ctx, x, a, acc)
			return err
		}},
		{archive.ActionStats, false, func(x archive.Actor, acc archive.Access) error {
			_, err := v.Stats(ctx, x, a, acc)
			return err
		}},
		{archive.ActionLedger, false, func(x archive.Actor, acc archive.Access) error {
			_, _, err := v.Ledger(ctx, x, a, "", "", 10, acc)
			return err
		}},
		{archive.ActionRead, true, func(x archive.Actor, acc archive.Access) error {
			_, err := v.Get(ctx, x, d.ID, acc)
			return err
		}},
		{archive.ActionDownload, true, func(x archive.Actor, acc archive.Access) error {
			c, err := v.Open(ctx, x, d.ID, 0, acc)
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = io.ReadAll(c)
			return err
		}},
	}
	for _, rd := range reads {
		before := len(chain())
		for _, x := range []archive.Actor{staff, admin} {
			wantCode(t, rd.read(x, archive.Access{}), "purpose_required")
			wantCode(t, rd.read(x, archive.Access{Purpose: " \t"}), "purpose_required")
		}
		wantCode(t, rd.read(citizenB, archive.Access{Purpose: "tò mò"}), map[bool]string{true: "document_not_found", false: "not_own_vault"}[rd.doc])
		if n := len(chain()); n != before {
			t.Fatalf("%s: refused reads appended %d entries", rd.action, n-before)
		}
		purpose := "thẩm định " + string(rd.action)
		wantCode(t, rd.read(staff, archive.Access{Purpose: "  " + purpose + " ", Dossier: "HS-1"}), "")
		es := chain()[before:]
		if len(es) != 1 {
			t.Fatalf("%s: %d entries, want 1: %+v", rd.action, len(es), es)
		}
		e := es[0]
		if e.Action != rd.action || e.Actor != staff.Subject || e.ActorRole != archive.RoleStaff || e.Purpose != purpose ||
			e.Dossier != "HS-1" || (e.DocumentID == d.ID) != rd.doc || (e.DocumentID != "" && e.DocumentID != d.ID) {
			t.Errorf("%s: entry %+v", rd.action, e)
		}
		if e.Action.Label() == string(e.Action) {
			t.Errorf("%s has no Vietnamese label", e.Action)
		}
	}

	// The owner's own views add nothing; their reads of a paper do.
	before := len(chain())
	for _, rd := range reads {
		wantCode(t, rd.read(citizenA, archive.Access{}), "")
	}
	es := chain()[before:]
	if len(es) != 2 || es[0].Action != archive.ActionRead || es[1].Action != archive.ActionDownload || es[1].Actor != a {
		t.Errorf("the owner's own reads appended %+v", es)
	}

	// Opening content without reading it (a 304, a HEAD) records nothing.
	before = len(chain())
	c, err := v.Open(ctx, staff, d.ID, 0, archive.Access{Purpose: "kiểm tra"})
	wantCode(t, err, "")
	if _, err := c.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Auto-fill reads the profile and the paper it uses, both with the
	// staff member's purpose; its search for the paper is not recorded.
	vault := v.FormSource(staff, archive.Access{Purpose: "tiếp nhận", Dossier: "HS-2"})
	if _, err := vault.Profile(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.NewestValid(ctx, a, "KHAI_SINH", "Tự động điền biểu mẫu TK"); err != nil {
		t.Fatal(err)
	}
	_, err = v.FormSource(staff, archive.Access{}).Profile(ctx, a)
	wantCode(t, err, "purpose_required")
	_, err = v.FormSource(staff, archive.Access{}).NewestValid(ctx, a, "KHAI_SINH", "Tự động điền biểu mẫu TK")
	wantCode(t, err, "purpose_required")
	es = chain()[before:]
	var got []string
	for _, e := range es {
		got = append(got, string(e.Action)+":"+e.Purpose+":"+e.Dossier)
	}
	if want := "profile:tiếp nhận:HS-2,read:tiếp nhận — Tự động điền biểu mẫu TK:HS-2"; strings.Join(got, ",") != want {
		t.Errorf("after an unread open and an auto-fill: %s, want %s", strings.Join(got, ","), want)
	}

	rep, err := v.VerifyLedger(ctx, archive.AuditOptions{})
	wantCode(t, err, "")
	if len(rep.Problems) != 0 {
		t.Errorf("ledger problems: %+v", rep.Problems)
	}
	// B's chain holds nothing of B's refused attempts either.
	esB, _, err := v.Ledger(ctx, citizenB, citizenB.Subject, "", "", 10, archive.Access{})
	wantCode(t, err, "")
	if len(esB) != 0 {
		t.Errorf("B's chain: %+v", esB)
	}
}
