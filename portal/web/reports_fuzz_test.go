package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kho-vn/kho/portal/web"
)

// FuzzPublicStatsQuery sends any query string to the public statistics
// page (anyone may): the answer is the page with figures or with its
// error summary, never a server error, and what was sent is never
// written back unescaped.
func FuzzPublicStatsQuery(f *testing.F) {
	for _, q := range []string{"period=year&year=2026", "period=month&year=2026&n=3&agency=000.00.31.H29&f.field=H%E1%BB%99+t%E1%BB%8Bch",
		"period=quarter&n=5", "groupBy=officer", "f.field=&f.field=%00", "year=99999999999999999999", "agency=%3Cb%3E&period=ytd&n=1", "%zz=1&;", "f.field=%3Cscript%3Ealert(1)%3C%2Fscript%3E"} {
		f.Add(q)
	}
	h, err := web.New(web.Config{Stats: &handStats{}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest(http.MethodGet, web.PathPublicStats, nil)
		r.URL.RawQuery = q
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("%q: %d\n%s", q, w.Code, body)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>") {
			t.Fatalf("%q: written back unescaped", q)
		}
	})
}
