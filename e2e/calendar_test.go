package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/testenv"
)

// TestCalendarServed is the working-time calendar through `kho serve` on
// each metadata driver: the shipped national calendar is stored once at
// start (two servers on one MongoDB store it once: ETag "1"), a change
// made with `kho admin calendar set` is what the server answers, and an
// admin's PUT with the ETag it read applies.
func TestCalendarServed(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		calendarServed(t, []string{"--data", dir}, []string{"--data", dir}, 1)
	})
	t.Run("ferretdb", func(t *testing.T) {
		meta := []string{"--mongo-uri", testenv.MongoURI(t), "--mongo-db", testenv.UniqueName(t, "calendar")}
		calendarServed(t, append([]string{"--data", t.TempDir()}, meta...), meta, 2)
	})
}

func calendarServed(t *testing.T, serveArgs, metaArgs []string, servers int) {
	var srvs []*server
	for range servers {
		srvs = append(srvs, startServer(t, serveArgs...))
	}
	// The year 2027, set through the CLI before any server read the store.
	file := filepath.Join(t.TempDir(), "2027.json")
	if err := os.WriteFile(file, []byte(`{"years":[2027],"days":[{"date":"2027-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustKho(t, append([]string{"admin", "calendar", "set", "--if-rev", "1", file}, metaArgs...)...)
	if !strings.Contains(r.stderr, "phiên bản 2") {
		t.Fatalf("set: %q (want revision 2: the shipped calendar stored once, as revision 1)", r.stderr)
	}

	type calendarJSON struct {
		Years []int `json:"years"`
		Days  []struct {
			Date string `json:"date"`
		} `json:"days"`
	}
	get := func(s *server, q url.Values) (calendarJSON, string) {
		t.Helper()
		public := &client{t: t, base: s.url} // no token: the calendar is public
		resp, err := public.do(http.MethodGet, "/api/v1/calendar", q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c calendarJSON
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/calendar: %s: %s", resp.Status, body)
		}
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatalf("GET /api/v1/calendar: %v: %s", err, body)
		}
		return c, resp.Header.Get("ETag")
	}
	for i, s := range srvs {
		c, etag := get(s, nil)
		if etag != `"2"` || !slices.Equal(c.Years, []int{2025, 2026, 2027}) ||
			!slices.ContainsFunc(c.Days, func(d struct {
				Date string `json:"date"`
			}) bool {
				return d.Date == "2026-09-02"
			}) {
			t.Fatalf("server %d: ETag %s, %+v", i, etag, c)
		}
	}

	admin := &client{t: t, base: srvs[0].url, token: createToken(t, metaArgs, "quantri01", "admin")}
	put := func(ifMatch string, status int) {
		t.Helper()
		resp, err := admin.do(http.MethodPut, "/api/v1/calendar", nil, strings.NewReader(`{"years":[2027]}`),
			map[string]string{"Content-Type": "application/json", "If-Match": ifMatch})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Fatalf("PUT If-Match %s: %s, want %d: %s", ifMatch, resp.Status, status, body)
		}
	}
	put(`"1"`, http.StatusConflict)
	put(`"2"`, http.StatusOK)
	c, etag := get(srvs[0], url.Values{"year": {"2027"}})
	if etag != `"3"` || len(c.Days) != 0 || !slices.Equal(c.Years, []int{2027}) {
		t.Fatalf("after the PUT: ETag %s, %+v", etag, c)
	}
}
