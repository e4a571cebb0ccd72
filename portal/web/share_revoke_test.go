package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestRevokeRefusedWhereItWasPosted: a refused revocation (a reason too
// long, 400; the share revoked already, 409) shows on the page its form
// was on — the paper's page, with the paper and its error summary before
// its shares, or "Giấy tờ tôi đã chia sẻ" — its summary linking to the
// control; a page field other than the two shows the list.
func TestRevokeRefusedWhereItWasPosted(t *testing.T) {
	s := newShareSite(t, nil)
	paper := "/kho-cua-toi/" + s.pdfID
	s.share(t, s.pdfID, "person", s.friend.Subject, "Vay vốn", s.day(3))
	action := func(page string) (string, string) {
		t.Helper()
		_, body := s.do(t, "GET", page, s.owner, nil)
		m := regexp.MustCompile(`action="(/kho-cua-toi/chia-se/([^"/]+)/thu-hoi[^"]*)">\s*<input type="hidden" name="csrf" value="[^"]*">\s*<input type="hidden" name="tu" value="([^"]*)">`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s has no revocation form with its page field", page)
		}
		return html.UnescapeString(m[1]), m[3]
	}
	onPaper := func(body string) bool {
		return strings.Contains(body, "<h1>"+s.pdfName+"</h1>") && !strings.Contains(body, ">Giấy tờ tôi đã chia sẻ</h1>")
	}
	onList := func(body string) bool {
		return strings.Contains(body, ">Giấy tờ tôi đã chia sẻ</h1>") && !strings.Contains(body, "<h1>"+s.pdfName+"</h1>")
	}
	long := strings.Repeat("a", 501)
	act, from := action(paper)
	id := regexp.MustCompile(`/chia-se/([^/]+)/`).FindStringSubmatch(act)[1]
	res, body := s.do(t, "POST", act, s.owner, url.Values{"ly-do": {long}, "tu": {from}})
	if res.StatusCode != http.StatusBadRequest || !onPaper(body) || !strings.Contains(body, "Chưa thu hồi được") ||
		!strings.Contains(body, `<a href="#ly-do-`+id+`">`) || !strings.Contains(body, `id="ly-do-`+id+`"`) {
		t.Errorf("refused from the paper's page: %d, on the paper %v: %s", res.StatusCode, onPaper(body), errorText(body))
	}
	listAct, listFrom := action("/kho-cua-toi/chia-se")
	if listFrom == from {
		t.Fatalf("both pages' forms say %q", from)
	}
	for _, f := range []string{listFrom, "", "/kho-cua-toi/khac", "giay-to-khac"} {
		res, body := s.do(t, "POST", listAct, s.owner, url.Values{"ly-do": {long}, "tu": {f}})
		if res.StatusCode != http.StatusBadRequest || !onList(body) || !strings.Contains(body, `<a href="#ly-do-`+id+`">`) {
			t.Errorf("refused with page field %q: %d, on the list %v", f, res.StatusCode, onList(body))
		}
	}
	// Revoked, then again from the paper's page: 409 on the paper's page,
	// the summary linking to its shares.
	if res, _ := s.do(t, "POST", act, s.owner, url.Values{"tu": {from}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	res, body = s.do(t, "POST", act, s.owner, url.Values{"tu": {from}})
	if res.StatusCode != http.StatusConflict || !onPaper(body) || !strings.Contains(body, `<a href="#chia-se">`) || !strings.Contains(body, "đã được thu hồi lúc") {
		t.Errorf("revoked twice from the paper's page: %d, on the paper %v: %s", res.StatusCode, onPaper(body), errorText(body))
	}
	res, body = s.do(t, "POST", listAct, s.owner, url.Values{"tu": {listFrom}})
	if res.StatusCode != http.StatusConflict || !onList(body) || !strings.Contains(body, `<a href="#danh-sach-chia-se">`) {
		t.Errorf("revoked twice from the list: %d, on the list %v", res.StatusCode, onList(body))
	}
	// Another citizen posting the owner's page field gets the 404, or
	// with a reason too long their own list, and nothing of the paper.
	for _, reason := range []string{"", long} {
		res, body := s.do(t, "POST", act, s.other, url.Values{"ly-do": {reason}, "tu": {from}})
		if (reason == "" && res.StatusCode != 404) || strings.Contains(body, s.pdfName) || strings.Contains(body, s.friend.Subject) {
			t.Errorf("another citizen, reason of %d bytes: %d", len(reason), res.StatusCode)
		}
	}
}
