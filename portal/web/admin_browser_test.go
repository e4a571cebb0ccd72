package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/browsertest"
)

// TestAdminAccessible: every administration page — the index, the
// accounts, the tokens, the agencies, an agency with a member's form, the
// procedures and a procedure with its diagram, the document types and
// one, the eForms and one, the holidays of a year — has no serious or
// critical axe-core violation at desktop and phone width, nor sideways
// scrolling on a phone.
func TestAdminAccessible(t *testing.T) {
	s := newAdminSite(t)
	// The browser is the admin: the headers the test's Identify reads.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Test-User", asAdmin.user)
		r.Header.Set("X-Test-Role", asAdmin.role)
		s.h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	b := browsertest.New(t)
	for _, path := range []string{
		"/quan-tri",
		"/quan-tri/tai-khoan",
		"/quan-tri/ma-truy-cap",
		"/quan-tri/co-quan",
		"/quan-tri/co-quan/" + ward + "?can-bo=" + deskSub,
		"/quan-tri/thu-tuc",
		"/quan-tri/thu-tuc/DANG_KY_KHAI_SINH",
		"/quan-tri/loai-giay-to",
		"/quan-tri/loai-giay-to/KHAI_SINH",
		"/quan-tri/bieu-mau",
		"/quan-tri/bieu-mau/TK_KHAI_SINH",
		"/quan-tri/ngay-nghi?nam=2026",
	} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, hs.URL+path) })
	}
}
