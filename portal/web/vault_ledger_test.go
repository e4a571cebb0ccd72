package web_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// TestLedgerNames: the owner's ledger page names a staff member by their
// name, position and agency from the staff directory; staff not in it by
// their login ID; the system as "Hệ thống"; a person the owner shared
// with by their ID by that ID; the owner as "Bạn".
func TestLedgerNames(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "wf.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	var wf *workflow.Service
	s := newShareSite(t, func(c *web.Config) {
		wf = workflow.New(workflow.Config{Store: st, Vault: c.Vault})
		c.Workflow = wf
	})
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, err := wf.PutAgency(ctx, admin, workflow.Agency{Code: ward, Name: "Ủy ban nhân dân phường Bến Nghé",
		Departments: []workflow.Department{{Code: "MOT_CUA", Name: "Bộ phận Một cửa"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := wf.PutStaff(ctx, admin, workflow.Staff{Subject: s.clerk.Subject, Name: "Nguyễn Thị Hoa", Agency: ward, Department: "MOT_CUA",
		Positions: []workflow.Role{workflow.RoleDesk}, Active: true}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []archive.Actor{s.clerk, s.outsider, {Subject: "kho-system", Role: archive.RoleAdmin}} {
		if _, err := s.vault.Get(ctx, a, s.pdfID, archive.Access{Purpose: "Kiểm tra " + a.Subject}); err != nil {
			t.Fatal(err)
		}
	}
	s.share(t, s.pdfID, "person", s.friend.Subject, "Vay vốn", s.day(3))
	if res, _ := s.do(t, "GET", "/duoc-chia-se/"+s.receivedID(t, s.friend), s.friend, nil); res.StatusCode != 200 {
		t.Fatalf("the friend's read: %d", res.StatusCode)
	}
	res, body := s.do(t, "GET", "/kho-cua-toi/nhat-ky", s.owner, nil)
	if res.StatusCode != 200 {
		t.Fatalf("ledger: %d", res.StatusCode)
	}
	who := func(purpose string) string {
		var rows []string
		for _, m := range regexp.MustCompile(`<tr><td>([^<]*)(?:<br><span class="meta">([^<]*)</span>)?</td>.*\n.*<td data-label="Mục đích">`+regexp.QuoteMeta(purpose)+`</td>`).FindAllStringSubmatch(body, -1) {
			rows = append(rows, m[1]+" | "+m[2])
		}
		return strings.Join(rows, "; ")
	}
	for purpose, want := range map[string]string{
		"Kiểm tra " + s.clerk.Subject:    "Nguyễn Thị Hoa | Cán bộ tiếp nhận và trả kết quả, Ủy ban nhân dân phường Bến Nghé",
		"Kiểm tra " + s.outsider.Subject: s.outsider.Subject + " | Cán bộ",
		"Kiểm tra kho-system":            "Hệ thống | ",
		"Vay vốn":                        "Bạn | Công dân; " + s.friend.Subject + " | Công dân", // the share, the read
	} {
		if got := who(purpose); got != want {
			t.Errorf("%s: %q, want %q", purpose, got, want)
		}
	}
	if strings.Contains(body, ">"+s.clerk.Subject+"<") {
		t.Error("the page shows the named clerk's login ID")
	}
}
