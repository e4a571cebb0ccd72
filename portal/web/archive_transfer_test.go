package web_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// bagPaths lists a tar's file names.
func bagPaths(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	tr := tar.NewReader(strings.NewReader(body))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("not a tar: %v", err)
		}
		out = append(out, h.Name)
	}
}

// putPaper stores a text paper in owner's vault, as the owner.
func putPaper(t *testing.T, v *archive.Service, owner, name string) archive.Document {
	t.Helper()
	body := []byte("Nội dung " + name + "\n")
	d, err := v.Put(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen}, archive.NewDocument{OwnerID: owner,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: name}, Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: "giay.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// postBag posts the import form: the CSRF token, the owner, then the bag.
func (s *staffSite) postBag(t *testing.T, user, role, owner string, bag []byte) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", "ma-thu")
	_ = mw.WriteField("chu-kho", owner)
	w, err := mw.CreateFormFile("goi", "goi.tar")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(bag)
	_ = mw.Close()
	r, err := http.NewRequest("POST", s.url+"/luu-tru/chuyen-giao/nhap", &b)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return sendAs(t, r, user, role)
}

// oneFileBag is a bag of another tool holding one text file.
func oneFileBag(t *testing.T, text string) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte(text))
	files := [][2]string{
		{"bagit.txt", "BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n"},
		{"bag-info.txt", fmt.Sprintf("Payload-Oxum: %d.1\nExternal-Identifier: LT-7\n", len(text))},
		{"data/ho-so/bien-ban.txt", text},
		{"manifest-sha256.txt", hex.EncodeToString(sum[:]) + "  data/ho-so/bien-ban.txt\n"},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		_ = tw.WriteHeader(&tar.Header{Name: f[0], Typeflag: tar.TypeReg, Size: int64(len(f[1])), Mode: 0o644})
		_, _ = tw.Write([]byte(f[1]))
	}
	_ = tw.Close()
	return buf.Bytes()
}

// TestTransferPage: the archivists' transfer page opens for an archivist
// and an admin only; an export of an owner's vault downloads a bag of
// that owner's papers (and none of another's), recorded with its purpose;
// a missing purpose or owner is shown on the form; an import shows each
// paper's result, and a broken bag its error with nothing stored.
func TestTransferPage(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	const owner, other = "001099012345", "036300001234"
	mine := putPaper(t, s.vault, owner, "Biên bản một")
	theirs := putPaper(t, s.vault, other, "Giấy của người khác")

	for _, c := range []struct {
		user, role string
		want       int
	}{
		{archivistSub, "staff", http.StatusOK}, {"quantri", "admin", http.StatusOK},
		{deskSub, "staff", http.StatusForbidden}, {owner, "citizen", http.StatusForbidden}, {"", "", http.StatusSeeOther},
	} {
		res, body := s.do(t, "GET", "/luu-tru/chuyen-giao", c.user, c.role, nil)
		if res.StatusCode != c.want {
			t.Errorf("GET as %s %s: %d, want %d", c.role, c.user, res.StatusCode, c.want)
		}
		if c.want == http.StatusOK && (!strings.Contains(body, `<label for="muc-dich">`) || !strings.Contains(body, `name="csrf"`) || !strings.Contains(body, `<label for="goi">`)) {
			t.Errorf("the page lacks its controls:\n%s", body)
		}
		// Nobody else exports or imports.
		if c.want != http.StatusOK {
			res, body := s.do(t, "POST", "/luu-tru/chuyen-giao/xuat", c.user, c.role, url.Values{"csrf": {"ma-thu"}, "chu-kho": {owner}, "muc-dich": {"Thử"}})
			if res.StatusCode != c.want || strings.Contains(body, mine.ID) {
				t.Errorf("export as %s %s: %d", c.role, c.user, res.StatusCode)
			}
			if res, _ := s.postBag(t, c.user, c.role, owner, oneFileBag(t, "x\n")); res.StatusCode != c.want {
				t.Errorf("import as %s %s: %d", c.role, c.user, res.StatusCode)
			}
		}
	}
	_, body := s.do(t, "GET", "/luu-tru", archivistSub, "staff", nil)
	if !strings.Contains(body, `href="/luu-tru/chuyen-giao"`) {
		t.Error("no card on the archive's start page")
	}

	res, body := s.do(t, "POST", "/luu-tru/chuyen-giao/xuat", archivistSub, "staff", url.Values{"csrf": {"ma-thu"}, "chu-kho": {owner}, "muc-dich": {"Chuyển giao lưu trữ lịch sử"}})
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-tar" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	paths := strings.Join(bagPaths(t, body), "\n")
	if !strings.Contains(paths, "data/"+mine.ID+"/1-") || strings.Contains(paths, theirs.ID) || !strings.Contains(paths, "tagmanifest-sha256.txt") {
		t.Errorf("the bag holds:\n%s", paths)
	}
	es, _, err := s.vault.Ledger(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen}, owner, mine.ID, "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if last := es[len(es)-1]; last.Action != archive.ActionDownload || last.Actor != archivistSub || last.Purpose != "Chuyển giao lưu trữ lịch sử" {
		t.Errorf("the export's ledger entry: %+v", last)
	}

	res, body = s.do(t, "POST", "/luu-tru/chuyen-giao/xuat", archivistSub, "staff", url.Values{"csrf": {"ma-thu"}, "chu-kho": {owner}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#muc-dich">`) {
		t.Errorf("no purpose: %d\n%s", res.StatusCode, body)
	}
	res, body = s.do(t, "POST", "/luu-tru/chuyen-giao/xuat", archivistSub, "staff", url.Values{"csrf": {"ma-thu"}, "chu-kho": {"079099999999"}, "muc-dich": {"x"}})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, `<a href="#chu-kho">`) {
		t.Errorf("no such owner: %d\n%s", res.StatusCode, body)
	}

	res, body = s.postBag(t, archivistSub, "staff", owner, oneFileBag(t, "Biên bản bàn giao\n"))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Đã nhập 1 giấy tờ") || !strings.Contains(body, "data/ho-so/bien-ban.txt") {
		t.Fatalf("import: %d\n%s", res.StatusCode, body)
	}
	bad := oneFileBag(t, "Biên bản bàn giao\n")
	i := bytes.Index(bad, []byte("Biên bản bàn giao"))
	bad[i] = 'b'
	before, _ := s.vault.Stats(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen}, owner, archive.Access{})
	res, body = s.postBag(t, archivistSub, "staff", owner, bad)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#goi">`) || !strings.Contains(body, "không khớp mã băm") {
		t.Errorf("broken bag: %d\n%s", res.StatusCode, body)
	}
	after, _ := s.vault.Stats(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen}, owner, archive.Access{})
	if after.DocumentCount != before.DocumentCount {
		t.Errorf("a broken bag stored papers: %d → %d", before.DocumentCount, after.DocumentCount)
	}
}

// TestMyVaultBag: a citizen downloads their own vault as a bag from "Kho
// của tôi" — their papers, none of another's; staff get 403, a visitor is
// sent to sign in.
func TestMyVaultBag(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	const owner, other = "001099012345", "036300001234"
	mine := putPaper(t, s.vault, owner, "Của tôi")
	theirs := putPaper(t, s.vault, other, "Của người khác")
	_, page := s.do(t, "GET", "/kho-cua-toi", owner, "citizen", nil)
	if !strings.Contains(page, `href="/kho-cua-toi/tai-goi"`) {
		t.Error("no link to the bag on Kho của tôi")
	}
	res, body := s.do(t, "GET", "/kho-cua-toi/tai-goi", owner, "citizen", nil)
	paths := strings.Join(bagPaths(t, body), "\n")
	if res.StatusCode != http.StatusOK || !strings.Contains(paths, mine.ID) || strings.Contains(paths, theirs.ID) || strings.Contains(body, "Của người khác") {
		t.Errorf("own bag: %d\n%s", res.StatusCode, paths)
	}
	if res, body := s.do(t, "GET", "/kho-cua-toi/tai-goi", archivistSub, "staff", nil); res.StatusCode != http.StatusForbidden || strings.Contains(body, mine.ID) {
		t.Errorf("staff: %d", res.StatusCode)
	}
	if res, body := s.do(t, "GET", "/kho-cua-toi/tai-goi", "", "", nil); res.StatusCode != http.StatusSeeOther || strings.Contains(body, mine.ID) {
		t.Errorf("signed out: %d", res.StatusCode)
	}
}

// TestTransferDossier: an archivist exports a dossier of the ward: the bag
// holds the dossier's record and its components' papers from the
// applicant's vault, and nothing else of the applicant's.
func TestTransferDossier(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	ctx := context.Background()
	applicant := s.first.Applicant.ID
	component := putPaper(t, s.vault, applicant, "Giấy tờ trong hồ sơ")
	outside := putPaper(t, s.vault, applicant, "Giấy tờ ngoài hồ sơ")
	at := time.Now().Add(-time.Hour)
	d := workflowtest.Dossier(workflow.DossierCode(ward, at, 77), at)
	d.ProcessVersion = 1
	d.Components = d.Components[:1]
	d.Components[0].DocumentID, d.Components[0].Version = component.ID, 1
	if err := s.store.CreateDossier(ctx, d); err != nil {
		t.Fatal(err)
	}
	res, body := s.do(t, "POST", "/luu-tru/chuyen-giao/xuat", archivistSub, "staff", url.Values{"csrf": {"ma-thu"}, "ho-so": {d.Code}, "muc-dich": {"Nộp lưu hồ sơ"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dossier export: %d\n%s", res.StatusCode, body)
	}
	paths := strings.Join(bagPaths(t, body), "\n")
	if !strings.Contains(paths, "kho/dossier.json") || !strings.Contains(paths, "data/"+component.ID+"/") || strings.Contains(paths, outside.ID) {
		t.Errorf("the dossier's bag holds:\n%s", paths)
	}
	if !strings.Contains(body, d.Code) {
		t.Error("the bag does not name the dossier")
	}
	// Another agency's officer may not.
	if res, body := s.do(t, "POST", "/luu-tru/chuyen-giao/xuat", outSub, "staff", url.Values{"csrf": {"ma-thu"}, "ho-so": {d.Code}, "muc-dich": {"x"}}); res.StatusCode != http.StatusForbidden || strings.Contains(body, component.ID) {
		t.Errorf("another agency's officer: %d", res.StatusCode)
	}
}
