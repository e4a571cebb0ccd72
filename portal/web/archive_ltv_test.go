package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
)

// renewalSite is an archivists' site whose vault verifies against a test
// PKI whose personal signer's certificate expires in 30 days, and renews
// with its TSA; it holds one paper signed by that signer at B-T.
func renewalSite(t *testing.T) (*staffSite, archive.Document, *pki.PKI) {
	t.Helper()
	srv, err := pki.StartServer(context.Background(), pki.Options{Now: time.Now().Add(-2*365*24*time.Hour + 30*24*time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	checker := &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 5 * time.Second}
	s := archivistSite(t, staffSiteOptions{config: func(s *staffSite, c *web.Config) {
		s.vault = archive.New(s.store, storage.NewBucket(memory.New()), archive.Config{
			Verifier: archive.NewVerifier(signing.VerifyOptions{Roots: checker.Roots, Checker: checker}),
			Renewal:  archive.RenewalConfig{Checker: checker, TSAURL: srv.URL + "/tsa"},
		}, nil, nil)
		c.Vault = s.vault
	}})
	certs, keyPEM, err := srv.PKI.Identity(pki.Personal).PEM()
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPEM(certs, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := signing.New(key, signing.Options{Level: signing.LevelBT, TSAURL: srv.URL + "/tsa", Checker: checker})
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile("../../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var signed bytes.Buffer
	if _, err := sg.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &signed); err != nil {
		t.Fatal(err)
	}
	owner := archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}
	d, err := s.vault.Put(context.Background(), owner, archive.NewDocument{OwnerID: owner.Subject,
		Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh bí mật", Fields: map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2001-02-03"}},
		Upload:   archive.Upload{Body: bytes.NewReader(signed.Bytes()), Size: int64(signed.Len()), FileName: "khai-sinh.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, d, srv.PKI
}

// TestArchiveRenewalsPage: /luu-tru/gia-han lists the paper due with its
// expiry (DD/MM/YYYY) and a renew button in a form with the CSRF field,
// for an archivist and an admin only — staff without the position, a
// citizen (the owner too) and a signed-out visitor see nothing of it, and
// their POST renews nothing. The archivist's button renews it (version 2,
// "Gia hạn chữ ký số (B-LTA)" in the owner's versions), the list then says
// so and no longer holds it; a stale revision is refused on the list,
// linked to the paper's button. The archive's index links to the page.
func TestArchiveRenewalsPage(t *testing.T) {
	s, d, p := renewalSite(t)
	expiry := web.Date(p.Identity(pki.Personal).Cert.NotAfter)
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
		res, body := s.do(t, "GET", web.PathRenewals, c.user, c.role, nil)
		if res.StatusCode != c.want {
			t.Fatalf("%s %s: status %d, want %d", c.role, c.user, res.StatusCode, c.want)
		}
		if c.want != http.StatusOK {
			if strings.Contains(body, d.ID) {
				t.Fatalf("%s %s sees the paper:\n%s", c.role, c.user, body)
			}
			continue
		}
		for _, want := range []string{"<h1>Gia hạn chữ ký số</h1>", "<code>" + d.ID + "</code>", ">" + expiry + "</time>",
			`<input type="hidden" name="csrf"`, `id="gh-` + d.ID + `"`, `<label for="gh-ngay">`} {
			if !strings.Contains(body, want) {
				t.Fatalf("%s: %q missing:\n%s", c.user, want, body)
			}
		}
		if strings.Contains(body, "bí mật") {
			t.Fatalf("the list shows the paper's name:\n%s", body)
		}
	}
	_, body := s.do(t, "GET", web.PathArchive, archivistSub, "staff", nil)
	if !strings.Contains(body, `href="`+web.PathRenewals+`"`) {
		t.Fatalf("no card for the page on the index:\n%s", body)
	}
	_, body = s.do(t, "GET", web.PathRenewals+"?ngay=7", archivistSub, "staff", nil)
	if strings.Contains(body, d.ID) || !strings.Contains(body, "Không có giấy tờ nào đến hạn gia hạn trong 7 ngày tới.") {
		t.Fatalf("within 7 days:\n%s", body)
	}
	res, body := s.do(t, "GET", web.PathRenewals+"?ngay=0", archivistSub, "staff", nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#gh-ngay">`) {
		t.Fatalf("0 days: status %d\n%s", res.StatusCode, body)
	}

	form := url.Values{"document": {d.ID}, "rev": {strconv.FormatInt(d.Rev, 10)}, "ngay": {"90"}}
	for _, c := range []struct{ user, role string }{{deskSub, "staff"}, {"001099012345", "citizen"}, {"", ""}} {
		res, _ := s.do(t, "POST", web.PathRenewals, c.user, c.role, form)
		if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s POST: status %d", c.role, res.StatusCode)
		}
		if got := versions(t, s, d.ID); got != 1 {
			t.Fatalf("%s %s's POST made %d versions", c.role, c.user, got)
		}
	}
	stale := url.Values{"document": {d.ID}, "rev": {strconv.FormatInt(d.Rev+1, 10)}, "ngay": {"90"}}
	res, body = s.do(t, "POST", web.PathRenewals, archivistSub, "staff", stale)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `<a href="#gh-`+d.ID+`">`) || versions(t, s, d.ID) != 1 {
		t.Fatalf("stale rev: status %d\n%s", res.StatusCode, body)
	}

	res, _ = s.do(t, "POST", web.PathRenewals, archivistSub, "staff", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "da="+d.ID) || !strings.Contains(loc, "pb=2") {
		t.Fatalf("renew: status %d, Location %q", res.StatusCode, loc)
	}
	if got := versions(t, s, d.ID); got != 2 {
		t.Fatalf("versions after renewal = %d, want 2", got)
	}
	_, body = s.do(t, "GET", loc, archivistSub, "staff", nil)
	if !strings.Contains(body, "Đã gia hạn chữ ký số") || !strings.Contains(body, "phiên bản mới 2") || strings.Contains(body, "<code>"+d.ID+"</code>") {
		t.Fatalf("after renewal:\n%s", body)
	}
	_, body = s.do(t, "GET", web.PathMyVault+"/"+d.ID, "001099012345", "citizen", nil)
	if !strings.Contains(body, "Gia hạn chữ ký số (B-LTA)") {
		t.Fatalf("the owner's versions do not say the renewal:\n%s", body)
	}
}

// TestArchiveRenewalsUnconfigured: without a TSA the page lists what is
// due but offers no button, and says why.
func TestArchiveRenewalsUnconfigured(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	_, body := s.do(t, "GET", web.PathRenewals, archivistSub, "staff", nil)
	if !strings.Contains(body, "Máy chủ chưa được cấu hình để gia hạn") || strings.Contains(body, `name="document"`) {
		t.Fatalf("unconfigured:\n%s", body)
	}
}

func versions(t *testing.T, s *staffSite, id string) int {
	t.Helper()
	d, err := s.store.GetDocument(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d.VersionCount
}
