package portal_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

type page struct {
	Documents []document `json:"documents"`
	Next      string     `json:"next"`
}

func TestListSearchAndPagination(t *testing.T) {
	e := newEnv(t)
	names := []string{"Giấy khai sinh", "Giấy khai sinh bản sao", "Bằng tốt nghiệp đại học", "Giấy chứng nhận kết hôn", "Đơn xin việc"}
	for i, n := range names {
		var d document
		switch i {
		case 0, 1:
			d = e.birthCert(e.citizenA, ownerA, n, pdf(n))
		default:
			q := url.Values{"type": {"KHAC"}, "name": {n}}
			e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: fmt.Sprintf(`attachment; filename="f%d.pdf"`, i), data: pdf(n)}).
				want(t, 201, "").json(t, &d)
		}
		if d.Name != n {
			t.Fatalf("stored %q as %q", n, d.Name)
		}
	}
	// Citizen B's paper never shows in A's lists.
	e.birthCert(e.citizenB, ownerB, "Giấy khai sinh của B", pdf("B"))

	// Pages of 2, newest first, cover everything once.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		path := "/api/v1/documents?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var p page
		e.do(call{method: "GET", path: path, token: e.citizenA}).want(t, 200, "").json(t, &p)
		if len(p.Documents) > 2 {
			t.Fatalf("page of %d", len(p.Documents))
		}
		for _, d := range p.Documents {
			if d.OwnerID != ownerA {
				t.Fatalf("owner %s's document in A's list", d.OwnerID)
			}
			seen = append(seen, d.Name)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	want := slices.Clone(names)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("pages gave %q, want %q", seen, want)
	}

	search := func(token, query string) []string {
		t.Helper()
		var p page
		e.do(call{method: "GET", path: "/api/v1/documents?" + query, token: token}).want(t, 200, "").json(t, &p)
		var out []string
		for _, d := range p.Documents {
			out = append(out, d.Name)
		}
		slices.Sort(out)
		return out
	}
	// Words without diacritics find names with them.
	if got := search(e.citizenA, "q="+url.QueryEscape("khai sinh")); !slices.Equal(got, []string{"Giấy khai sinh", "Giấy khai sinh bản sao"}) {
		t.Errorf("q=khai sinh: %q", got)
	}
	if got := search(e.citizenA, "q="+url.QueryEscape("TOT NGHIEP")); !slices.Equal(got, []string{"Bằng tốt nghiệp đại học"}) {
		t.Errorf("q=TOT NGHIEP: %q", got)
	}
	if got := search(e.citizenA, "q=don"); !slices.Equal(got, []string{"Đơn xin việc"}) {
		t.Errorf("q=don: %q", got)
	}
	if got := search(e.citizenA, "type=KHAI_SINH&status=valid&validOn=2024-01-01"); len(got) != 2 {
		t.Errorf("type=KHAI_SINH: %q", got)
	}
	if got := search(e.citizenA, "status=expired"); len(got) != 0 {
		t.Errorf("status=expired: %q", got)
	}
	// Staff name the owner; they must.
	if got := search(e.staff, "purpose=tra-cuu&owner="+ownerA+"&type=KHAC"); len(got) != 3 {
		t.Errorf("staff, owner A, KHAC: %q", got)
	}
	e.do(call{method: "GET", path: "/api/v1/documents?purpose=tra-cuu", token: e.staff}).want(t, 400, "owner_required")
	e.do(call{method: "GET", path: "/api/v1/documents?owner=" + ownerA, token: e.staff}).want(t, 400, "purpose_required")
	// Bad parameters.
	e.do(call{method: "GET", path: "/api/v1/documents?status=lost", token: e.citizenA, expect: specInvalid}).want(t, 400, "invalid_status")
	e.do(call{method: "GET", path: "/api/v1/documents?limit=0", token: e.citizenA, expect: specInvalid}).want(t, 400, "invalid_parameter")
	e.do(call{method: "GET", path: "/api/v1/documents?limit=5000", token: e.citizenA, expect: specInvalid}).want(t, 400, "invalid_parameter")
	e.do(call{method: "GET", path: "/api/v1/documents?validOn=2024-13-45", token: e.citizenA, expect: specValid}).want(t, 400, "invalid_date")
	e.do(call{method: "GET", path: "/api/v1/documents?validOn=hôm-nay", token: e.citizenA, expect: specInvalid}).want(t, 400, "invalid_date")
	e.do(call{method: "GET", path: "/api/v1/documents?cursor=%21%21", token: e.citizenA}).want(t, 400, "invalid_cursor")
	e.do(call{method: "GET", path: "/api/v1/documents?typ=KHAC", token: e.citizenA}).want(t, 400, "unknown_parameter")
	e.do(call{method: "GET", path: "/api/v1/documents?type=KHAC&type=CAN_CUOC", token: e.citizenA}).want(t, 400, "duplicate_parameter")
}
