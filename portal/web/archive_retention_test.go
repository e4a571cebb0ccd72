package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestRetentionPages: the retention and disposal pages open for
// archivists and admins only (a citizen and staff without the position
// get 403 and none of the papers; signed out, the sign-in); a hold is
// placed and lifted with reasons, a refusal shown in the error summary
// linked to its control; a disposal list is submitted, its submitter's
// approval refused (four eyes), another archivist's taken, and executed.
func TestRetentionPages(t *testing.T) {
	ctx := context.Background()
	s := archivistSite(t, staffSiteOptions{staff: []workflow.Staff{{Subject: "luutru2", Name: "Trần Văn Hai", Agency: ward,
		Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleArchivist}}}})
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, err := s.vault.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 5}); err != nil {
		t.Fatal(err)
	}
	const owner = "001099054321"
	if _, err := s.vault.Put(ctx, archive.Actor{Subject: owner, Role: archive.RoleCitizen}, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Của công dân"}, Upload: retentionUpload(t, "own")}); err != nil {
		t.Fatal(err)
	}
	d, err := s.vault.Put(ctx, archive.Actor{Subject: "canbo", Role: archive.RoleStaff}, archive.NewDocument{OwnerID: owner, Source: archive.SourceComponent,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Tờ khai cũ năm 2001", IssueDate: archive.Date{Year: 2001, Month: 2, Day: 3}},
		Upload:   retentionUpload(t, "old")})
	if err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{"/luu-tru/thoi-han", "/luu-tru/huy"} {
		for _, c := range []struct {
			user, role string
			want       int
		}{
			{archivistSub, "staff", 200}, {"quantri", "admin", 200},
			{deskSub, "staff", 403}, {owner, "citizen", 403}, {"", "", http.StatusSeeOther},
		} {
			res, body := s.do(t, "GET", p, c.user, c.role, nil)
			if res.StatusCode != c.want {
				t.Errorf("%s as %s: %d, want %d", p, c.user, res.StatusCode, c.want)
			}
			if c.want == 200 && !strings.Contains(body, `href="/luu-tru" aria-current="page"`) {
				t.Errorf("%s: not in the archive's navigation", p)
			}
		}
	}
	_, body := s.do(t, "GET", "/luu-tru", archivistSub, "staff", nil)
	if !strings.Contains(body, `href="/luu-tru/thoi-han"`) || !strings.Contains(body, `href="/luu-tru/huy"`) {
		t.Fatalf("the archive's start page has no retention cards:\n%s", body)
	}
	_, body = s.do(t, "GET", "/luu-tru/thoi-han", archivistSub, "staff", nil)
	if !strings.Contains(body, "<td>KHAC</td><td>Giấy tờ khác</td><td>5 năm</td>") && !strings.Contains(body, "<td>5 năm</td>") {
		t.Fatalf("the type's period is not shown:\n%s", body)
	}

	// Periods: admins set them here; archivists see them without the form.
	if strings.Contains(body, `name="so-nam"`) {
		t.Fatal("an archivist got the admins' period form")
	}
	res, body := s.do(t, "POST", "/luu-tru/thoi-han", archivistSub, "staff", url.Values{"action": {"dat-thoi-han"}, "loai": {"KHAC"}, "so-nam": {"1"}})
	if res.StatusCode != 403 {
		t.Fatalf("an archivist set a period: %d", res.StatusCode)
	}
	res, body = s.do(t, "POST", "/luu-tru/thoi-han", "quantri", "admin", url.Values{"action": {"dat-thoi-han"}, "loai": {"KHAC"}, "so-nam": {"300"}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#th-so-nam">Thời hạn lưu trữ phải từ 1 đến 200 năm, hoặc vĩnh viễn.</a>`) {
		t.Fatalf("a period of 300 years: %d\n%s", res.StatusCode, body)
	}
	if res, _ := s.do(t, "POST", "/luu-tru/thoi-han", "quantri", "admin", url.Values{"action": {"dat-thoi-han"}, "loai": {"KHAI_SINH"}, "so-nam": {""}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a permanent period: %d", res.StatusCode)
	}
	if tp, _ := s.vault.DocumentType(ctx, admin, "KHAI_SINH"); tp.Retention == nil || !tp.Retention.Permanent {
		t.Fatalf("KHAI_SINH's period: %+v", tp.Retention)
	}

	// Hold: refused without a reason, then placed.
	res, body = s.do(t, "POST", "/luu-tru/thoi-han", archivistSub, "staff", url.Values{"action": {"phong-toa"}, "giay-to": {d.ID}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#pt-ly-do">Cần ghi rõ lý do.</a>`) || !strings.Contains(body, `value="`+d.ID+`"`) {
		t.Fatalf("a hold without a reason: %d\n%s", res.StatusCode, body)
	}
	res, body = s.do(t, "POST", "/luu-tru/thoi-han", deskSub, "staff", url.Values{"action": {"phong-toa"}, "giay-to": {d.ID}, "ly-do": {"x"}})
	if res.StatusCode != 403 || strings.Contains(body, d.ID) {
		t.Fatalf("staff without the position placed a hold: %d", res.StatusCode)
	}
	res, _ = s.do(t, "POST", "/luu-tru/thoi-han", archivistSub, "staff", url.Values{"action": {"phong-toa"}, "giay-to": {d.ID},
		"ly-do": {"Thanh tra đang xem xét"}, "so-van-ban": {"12/2026/QĐ-TTr"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("hold: %d", res.StatusCode)
	}
	_, body = s.do(t, "GET", "/luu-tru/thoi-han?da=phong-toa", archivistSub, "staff", nil)
	if !strings.Contains(body, "Đã phong tỏa giấy tờ.") || !strings.Contains(body, "Thanh tra đang xem xét (12/2026/QĐ-TTr)") {
		t.Fatalf("the held paper is not listed:\n%s", body)
	}
	if _, body := s.do(t, "GET", "/luu-tru/thoi-han", owner, "citizen", nil); strings.Contains(body, d.ID) || strings.Contains(body, "Thanh tra") {
		t.Fatal("a citizen saw the holds")
	}
	if p, _ := s.vault.ProposeDisposal(ctx, 100); p.Proposed != 0 {
		t.Fatal("a held paper was proposed")
	}
	res, body = s.do(t, "POST", "/luu-tru/thoi-han", archivistSub, "staff", url.Values{"action": {"go-phong-toa"}, "giay-to": {d.ID}})
	if res.StatusCode != 400 || !strings.Contains(body, `href="#go-ly-do-`+d.ID+`"`) {
		t.Fatalf("a lift without a reason: %d\n%s", res.StatusCode, body)
	}
	res, _ = s.do(t, "POST", "/luu-tru/thoi-han", "luutru2", "staff", url.Values{"action": {"go-phong-toa"}, "giay-to": {d.ID}, "ly-do": {"Đã xong"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("lift: %d", res.StatusCode)
	}

	// The list.
	prop, err := s.vault.ProposeDisposal(ctx, 100)
	if err != nil || prop.Proposed != 1 {
		t.Fatalf("propose: %+v, %v", prop, err)
	}
	list := "/luu-tru/huy/" + prop.List
	_, body = s.do(t, "GET", "/luu-tru/huy", archivistSub, "staff", nil)
	if !strings.Contains(body, `href="`+list+`"`) || !strings.Contains(body, "Dự thảo") {
		t.Fatalf("the lists:\n%s", body)
	}
	for _, who := range [][2]string{{owner, "citizen"}, {deskSub, "staff"}} {
		res, body := s.do(t, "GET", list, who[0], who[1], nil)
		if res.StatusCode != 403 || strings.Contains(body, d.ID) || strings.Contains(body, "Tờ khai cũ") {
			t.Fatalf("%s read the list: %d", who[0], res.StatusCode)
		}
		if res, _ := s.do(t, "POST", list, who[0], who[1], url.Values{"action": {"trinh"}}); res.StatusCode != 403 {
			t.Fatalf("%s acted on the list: %d", who[0], res.StatusCode)
		}
	}
	_, body = s.do(t, "GET", list, archivistSub, "staff", nil)
	if !strings.Contains(body, "Tờ khai cũ năm 2001") || !strings.Contains(body, "03/02/2006") || !strings.Contains(body, "Trình phê duyệt") {
		t.Fatalf("the list's page:\n%s", body)
	}
	if res, _ := s.do(t, "POST", list, archivistSub, "staff", url.Values{"action": {"trinh"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", res.StatusCode)
	}
	res, body = s.do(t, "POST", list, archivistSub, "staff", url.Values{"action": {"duyet"}})
	if res.StatusCode != 403 || !strings.Contains(body, "Người lập danh mục hủy không được tự phê duyệt") {
		t.Fatalf("the submitter's approval: %d\n%s", res.StatusCode, body)
	}
	res, body = s.do(t, "POST", list, "luutru2", "staff", url.Values{"action": {"tu-choi"}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#huy-ly-do">Cần ghi rõ lý do từ chối.</a>`) {
		t.Fatalf("a rejection without a reason: %d\n%s", res.StatusCode, body)
	}
	if res, _ := s.do(t, "POST", list, "luutru2", "staff", url.Values{"action": {"duyet"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	if res, _ := s.do(t, "POST", list, archivistSub, "staff", url.Values{"action": {"thuc-hien"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("execute: %d", res.StatusCode)
	}
	_, body = s.do(t, "GET", list+"?da=huy", archivistSub, "staff", nil)
	if !strings.Contains(body, "Đã thực hiện hủy") || !strings.Contains(body, "<td>Đã hủy</td>") || !strings.Contains(body, "luutru2, ") {
		t.Fatalf("the executed list:\n%s", body)
	}
	if _, err := s.vault.Get(ctx, admin, d.ID, archive.Access{Purpose: "kiểm tra"}); err == nil {
		t.Fatal("the paper is still there")
	}
}

func retentionUpload(t *testing.T, text string) archive.Upload {
	t.Helper()
	b := tinyPDF(text)
	return archive.Upload{Body: bytes.NewReader(b), Size: int64(len(b)), FileName: "giay-to.pdf"}
}
