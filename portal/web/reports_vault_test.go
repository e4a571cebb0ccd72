package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// vaultLeaderSub is the ward's leader in the vault statistics tests.
const vaultLeaderSub = "lanhdao1"

// vaultStatsSite is a staff site whose ward has a leader, whose vault
// knows leaders from the directory, and holds three papers stored an
// hour ago and counted: one the ward issued (procedure 1.001), one the
// other ward issued, one its owner stored.
func vaultStatsSite(t *testing.T) *staffSite {
	t.Helper()
	ctx := context.Background()
	s := newStaffSiteWith(t, 0, nil, nil, staffSiteOptions{staff: []workflow.Staff{
		{Subject: vaultLeaderSub, Name: "Phạm Thị Lãnh", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleLeader}},
	}})
	s.vault.SetLeaderCheck(func(ctx context.Context, a archive.Actor) (bool, error) {
		m, err := s.wf.StaffMember(ctx, a, a.Subject)
		return err == nil && m.Agency == a.Agency && m.Holds(workflow.RoleLeader), nil
	})
	at := time.Now().Add(-time.Hour)
	owner := "001099012345"
	if err := s.store.CreateOwner(ctx, archive.Owner{ID: owner, Kind: archive.Individual, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	for i, by := range []*archive.IssuedBy{
		{Kind: archive.IssueResult, Agency: ward, AgencyName: "Phường Bến Nghé", Dossier: "HS-1", Procedure: "1.001", Number: "1/KS", IssuedAt: at, By: deskSub},
		{Kind: archive.IssueResult, Agency: otherWard, AgencyName: "Phường Đa Kao", Dossier: "HS-2", Procedure: "9.999", Number: "2/KS", IssuedAt: at, By: outSub},
		nil,
	} {
		d := archive.Document{ID: archive.NewID(at.Add(time.Duration(i) * time.Second)), OwnerID: owner, Source: archive.SourceUpload,
			Metadata:     archive.Metadata{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh", Status: archive.StatusValid},
			Current:      archive.Version{N: 1, Blob: strings.Repeat("ab", 32), Size: 3 << 20, MediaType: "application/pdf", CreatedBy: owner, CreatedAt: at},
			VersionCount: 1, CreatedBy: owner, CreatedAt: at, UpdatedAt: at, IssuedBy: by}
		d.Current.Meta = d.Metadata
		if err := s.store.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.store.AddUsage(ctx, owner, d.Current.Size, 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.vault.CountVaultStats(ctx, 0, 0); err != nil || n != 3 {
		t.Fatalf("counted %d, %v; want the 3 papers", n, err)
	}
	return s
}

// TestVaultStatsPage: the admin sees the whole vault (3 papers, the
// largest owner); the ward's leader the one paper the ward issued and
// no storage; the other ward's leader only theirs; staff without the
// position, a citizen and a signed-out visitor get nothing of it. A month
// that is not one is refused in the error summary, linked to its field.
func TestVaultStatsPage(t *testing.T) {
	s := vaultStatsSite(t)
	month := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("2006-01")
	for _, c := range []struct {
		user, role string
		want       int
		shows      []string
		hides      []string
	}{
		{"quantri", "admin", http.StatusOK, []string{"Toàn bộ kho dữ liệu", "Giấy khai sinh", "<strong>3</strong>", "001099012345", "9,0 MB", "Số chủ kho theo dung lượng"}, nil},
		{vaultLeaderSub, "staff", http.StatusOK, []string{"Giấy tờ do cơ quan " + ward + " cấp", "1.001", "<strong>1</strong>"}, []string{"9.999", "001099012345", "Số chủ kho"}},
		{outSub, "staff", http.StatusOK, []string{"9.999"}, []string{"1.001", "001099012345"}},
		{deskSub, "staff", http.StatusForbidden, nil, []string{"Giấy khai sinh", "1.001"}},
		{"001099012345", "citizen", http.StatusForbidden, nil, []string{"Giấy khai sinh", "1.001"}},
		{"", "", http.StatusSeeOther, nil, []string{"Giấy khai sinh", "1.001"}},
	} {
		res, body := s.do(t, "GET", web.PathVaultStats+"?tu="+month+"&den="+month, c.user, c.role, nil)
		if res.StatusCode != c.want {
			t.Fatalf("%s %s: status %d, want %d\n%s", c.role, c.user, res.StatusCode, c.want, body)
		}
		for _, w := range c.shows {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: the page lacks %q", c.role, c.user, w)
			}
		}
		for _, w := range c.hides {
			if strings.Contains(body, w) {
				t.Errorf("%s %s: the page shows %q", c.role, c.user, w)
			}
		}
	}
	res, body := s.do(t, "GET", web.PathVaultStats+"?tu=2026-13", "quantri", "admin", nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#bk-tu">Từ tháng phải là một tháng`) || !strings.Contains(body, `id="bk-tu"`) {
		t.Fatalf("a bad month: %d\n%s", res.StatusCode, body)
	}
	res, body = s.do(t, "GET", web.PathVaultStats+"?tu=2026-12&den=2026-01", "quantri", "admin", nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#bk-tu">`) {
		t.Fatalf("a range backwards: %d\n%s", res.StatusCode, body)
	}
}
