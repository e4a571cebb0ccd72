package portal_test

import (
	"net/url"
	"testing"
)

// TestDossierCountsAndSearch: a desk officer's counts show a submitted
// dossier waiting to be received, and that bucket lists it; the search
// finds it by the applicant's name without diacritics, and not for
// another name or from another agency; citizens get neither.
func TestDossierCountsAndSearch(t *testing.T) {
	e := newEnv(t)
	st := e.directory()
	e.cardOfA()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	count := func(token, key string) int64 {
		t.Helper()
		var c struct {
			Groups []struct {
				Role    string `json:"role"`
				Buckets []struct {
					Key   string `json:"key"`
					Count int64  `json:"count"`
				} `json:"buckets"`
			} `json:"groups"`
		}
		e.do(call{method: "GET", path: "/api/v1/dossier-counts", token: token}).want(t, 200, "").json(t, &c)
		for _, g := range c.Groups {
			for _, b := range g.Buckets {
				if b.Key == key {
					return b.Count
				}
			}
		}
		t.Fatalf("no bucket %s in %+v", key, c)
		return 0
	}
	if n := count(st.desk, "desk.to_receive"); n != 0 {
		t.Fatalf("to receive before submission: %d", n)
	}
	e.act(e.citizenA, v.Code, v.Rev, `{"action":"submit"}`).want(t, 200, "")
	if n := count(st.desk, "desk.to_receive"); n != 1 {
		t.Errorf("to receive after submission: %d", n)
	}
	if n := count(st.outsider, "desk.to_receive"); n != 0 {
		t.Errorf("another agency's desk counts %d", n)
	}
	var page struct {
		Dossiers []struct{ Code string } `json:"dossiers"`
	}
	e.do(call{method: "GET", path: "/api/v1/dossiers?bucket=desk.to_receive", token: st.desk}).want(t, 200, "").json(t, &page)
	if len(page.Dossiers) != 1 || page.Dossiers[0].Code != v.Code {
		t.Errorf("the bucket lists %+v", page)
	}
	e.do(call{method: "GET", path: "/api/v1/dossiers?bucket=head.to_assign", token: st.desk}).want(t, 403, "role_not_allowed")
	e.do(call{method: "GET", path: "/api/v1/dossier-counts", token: e.citizenA}).want(t, 403, "staff_only")

	search := func(token, query string) []struct{ Code string } {
		t.Helper()
		var p struct {
			Dossiers []struct{ Code string } `json:"dossiers"`
		}
		e.do(call{method: "GET", path: "/api/v1/dossier-search?" + query, token: token}).want(t, 200, "").json(t, &p)
		return p.Dossiers
	}
	if got := search(st.desk, "citizenName="+url.QueryEscape("tran thi bich")+"&procedure=DANG_KY_KHAI_SINH"); len(got) != 1 || got[0].Code != v.Code {
		t.Errorf("search by name: %+v", got)
	}
	if got := search(st.desk, "citizenName=nguyen"); len(got) != 0 {
		t.Errorf("another name finds %+v", got)
	}
	if got := search(st.outsider, "citizenName="+url.QueryEscape("tran thi bich")); len(got) != 0 {
		t.Errorf("another agency finds %+v", got)
	}
	e.do(call{method: "GET", path: "/api/v1/dossier-search?citizenName=tran", token: e.citizenA}).want(t, 403, "staff_only")
	e.do(call{method: "GET", path: "/api/v1/dossier-search", token: st.desk}).want(t, 400, "empty_search")
	e.do(call{method: "GET", path: "/api/v1/dossier-search?receivedFrom=07/12/2026", token: st.desk}).want(t, 400, "invalid_date")
}
