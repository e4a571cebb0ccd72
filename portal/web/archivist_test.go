package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kho-vn/kho/workflow"
)

// archivistSub is the ward's archivist in the sites the archive's page
// tests build (archivistSite).
const archivistSub = "luutru1"

// archivistSite is a staff site whose directory also holds the ward's
// archivist (archivistSub), with opts' other changes.
func archivistSite(t *testing.T, opts staffSiteOptions) *staffSite {
	t.Helper()
	opts.staff = append(opts.staff, workflow.Staff{Subject: archivistSub, Name: "Phan Thị Lưu", Agency: ward,
		Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleArchivist}})
	return newStaffSiteWith(t, 1, nil, nil, opts)
}

// TestArchiveIndex: the archivists' start page opens for an archivist and
// an admin, and for nobody else — not for a citizen, nor for staff who do
// not hold the position; signed out it asks to sign in.
func TestArchiveIndex(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	for _, c := range []struct {
		user, role string
		want       int
	}{
		{archivistSub, "staff", http.StatusOK},
		{"quantri", "admin", http.StatusOK},
		{deskSub, "staff", http.StatusForbidden},
		{"001099012345", "citizen", http.StatusForbidden},
		{"", "", http.StatusSeeOther},
	} {
		res, body := s.do(t, "GET", "/luu-tru", c.user, c.role, nil)
		if res.StatusCode != c.want {
			t.Errorf("%s %s: status %d, want %d", c.role, c.user, res.StatusCode, c.want)
			continue
		}
		switch c.want {
		case http.StatusOK:
			if !strings.Contains(body, "<h1>Lưu trữ</h1>") || !strings.Contains(body, `href="/luu-tru" aria-current="page"`) {
				t.Errorf("%s: the archive's page or its current nav entry is missing:\n%s", c.user, body)
			}
		case http.StatusForbidden:
			if !strings.Contains(body, "Trang này dành cho cán bộ lưu trữ.") {
				t.Errorf("%s: the refusal does not say who the page is for:\n%s", c.user, body)
			}
		}
	}
}
