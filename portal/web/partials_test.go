package web_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestPaperFactsAlike: the owner's page of a paper and the page of it
// shared with a person show its facts alike (number, issuer, dates and
// validity, the start of validity included), and both pages' revocation
// forms — the owner's paper and "Giấy tờ tôi đã chia sẻ" — are the same
// form, their page field apart.
func TestPaperFactsAlike(t *testing.T) {
	s := newShareSite(t, nil)
	day := func(v string) archive.Date {
		d, err := archive.ParseDate(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := s.vault.Put(t.Context(), s.owner, archive.NewDocument{OwnerID: s.owner.Subject, Metadata: archive.Metadata{TypeCode: "KHAC",
		Name: "Giấy phép lái xe", Number: "790123456789", Issuer: "Sở Giao thông vận tải TP. Hồ Chí Minh",
		IssueDate: day("2026-01-05"), ValidFrom: day("2026-01-10"), ValidUntil: day("2036-01-05")},
		Upload: archive.Upload{Body: bytes.NewReader(s.pdf), Size: int64(len(s.pdf)), FileName: "gplx.pdf", MediaType: "application/pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	s.share(t, d.ID, "person", s.friend.Subject, "Thuê xe", s.day(5))
	facts := regexp.MustCompile(`<div><dt>Số hiệu</dt>.*?<div><dt>Có hiệu lực đến</dt><dd>[^<]*</dd></div>`)
	_, own := s.do(t, "GET", "/kho-cua-toi/"+d.ID, s.owner, nil)
	_, shared := s.do(t, "GET", "/duoc-chia-se/"+s.receivedID(t, s.friend), s.friend, nil)
	a, b := facts.FindString(own), facts.FindString(shared)
	for _, want := range []string{"790123456789", "Sở Giao thông vận tải", "05/01/2026", "<dt>Có hiệu lực từ</dt><dd>10/01/2026</dd>", "05/01/2036"} {
		if !strings.Contains(a, want) || !strings.Contains(b, want) {
			t.Errorf("the facts lack %q:\nowner's page:  %s\nshared page: %s", want, a, b)
		}
	}
	if a != b {
		t.Errorf("the facts differ:\nowner's page:  %s\nshared page: %s", a, b)
	}
	form := regexp.MustCompile(`(?s)<form class="form revoke" method="post" action="[^"]*">.*?</form>`)
	_, list := s.do(t, "GET", "/kho-cua-toi/chia-se", s.owner, nil)
	f1, f2 := form.FindString(own), form.FindString(list)
	norm := regexp.MustCompile(`action="[^"]*"|name="tu" value="[^"]*"`)
	if f1 == "" || norm.ReplaceAllString(f1, "") != norm.ReplaceAllString(f2, "") {
		t.Errorf("the revocation forms differ:\n%s\n%s", f1, f2)
	}
}
