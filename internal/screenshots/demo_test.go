package screenshots

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Page is one page to show: Name is the file's stem, Path the address
// ({paper}, {dossier} and {procedure} are filled in), As the demo account signed in
// ("" = nobody), Verify uploads the signed paper to the verifier first
// (its answer is the page shown).
type Page struct {
	Name, Path, As string
	Verify         bool
}

// Pages are the main pages, in the order the README shows them. Add a
// page here when one is built.
var Pages = []Page{
	{Name: "xac-thuc", Path: "/xac-thuc", Verify: true},
	{Name: "kho-cua-toi", Path: "/kho-cua-toi", As: "congdan01"},
	{Name: "trang-chu", Path: "/"},
	{Name: "tra-cuu", Path: "/tra-cuu/{dossier}"},
	{Name: "giay-to", Path: "/kho-cua-toi/{paper}", As: "congdan01"},
	{Name: "can-bo", Path: "/can-bo", As: "tiepnhan01"},
	{Name: "ho-so-can-bo", Path: "/can-bo/ho-so/{dossier}?muc-dich=" + url.QueryEscape("tiếp nhận hồ sơ"), As: "tiepnhan01"},
	{Name: "dang-nhap", Path: "/dang-nhap"},
	{Name: "dich-vu", Path: "/dich-vu", As: "congdan01"},
	{Name: "dich-vu-khai-sinh", Path: "/dich-vu/{procedure}", As: "congdan01"},
	{Name: "ho-so-cua-toi", Path: "/ho-so-cua-toi", As: "congdan01"},
	{Name: "ho-so-cua-toi-chi-tiet", Path: "/ho-so-cua-toi/{dossier}", As: "congdan01"},
	{Name: "nhat-ky", Path: "/kho-cua-toi/nhat-ky", As: "congdan01"},
	{Name: "so-hoa", Path: "/can-bo/so-hoa", As: "tiepnhan01"},
	{Name: "quan-tri", Path: "/quan-tri", As: "quantri01"},
	{Name: "quan-tri-thu-tuc", Path: "/quan-tri/thu-tuc/{procedure}", As: "quantri01"},
}

// demo is a running demo server.
type demo struct {
	base, data string
	kho        string            // the binary
	passwords  map[string]string // demo username → password
	paper      string            // the ID of congdan01's signed paper
	signedPDF  string            // a file holding it
	dossier    string            // a submitted, received dossier's code
}

// startDemo builds kho (unless $KHO_BIN names one), runs kho serve --demo
// on a fresh data folder until t ends, and makes the dossier.
func startDemo(t *testing.T) *demo {
	t.Helper()
	tmp := t.TempDir()
	d := &demo{data: filepath.Join(tmp, "data"), kho: os.Getenv("KHO_BIN")}
	if d.kho == "" {
		d.kho = filepath.Join(tmp, "kho")
		if out, err := exec.Command("go", "build", "-o", d.kho, "../../cmd/kho").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, d.kho, "serve", "--demo", "--addr", "127.0.0.1:0", "--data", d.data)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	urlRE := regexp.MustCompile(`msg="Kho đang chạy" url=(http://127\.0\.0\.1:\d+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case d.base = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("kho serve --demo did not start in 60 s")
	}
	var st struct {
		Accounts []struct{ Username, Password string }
	}
	b, err := os.ReadFile(filepath.Join(d.data, "demo", "state.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		t.Fatal(err)
	}
	d.passwords = map[string]string{}
	for _, a := range st.Accounts {
		d.passwords[a.Username] = a.Password
	}
	d.makeDossier(t)
	return d
}

// token makes an API token for subject in role.
func (d *demo) token(t *testing.T, subject, role string) string {
	t.Helper()
	out, err := exec.Command(d.kho, "admin", "token", "create", "--data", d.data, "--subject", subject, "--role", role).Output()
	if err != nil {
		t.Fatalf("token for %s: %v", subject, err)
	}
	return strings.TrimSpace(string(out))
}

// api calls the JSON API and decodes its answer into out (nil: none).
func (d *demo) api(t *testing.T, token, method, path string, body io.Reader, ctype string, hdr map[string]string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, d.base+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// makeDossier has congdan01 apply for a birth registration (the
// declaration filled in, the birth attestation uploaded, the identity
// card reused from the vault) and submit it, and tiepnhan01 receive it;
// it keeps the signed paper for the verifier.
func (d *demo) makeDossier(t *testing.T) {
	citizen, desk := d.token(t, "001090000001", "citizen"), d.token(t, "tiepnhan01", "staff")
	var docs struct {
		Documents []struct {
			ID, TypeCode string
			Current      struct{ Signature *struct{ Signed bool } }
		}
	}
	d.api(t, citizen, "GET", "/api/v1/documents", nil, "", nil, &docs)
	ids := map[string]string{}
	for _, doc := range docs.Documents {
		ids[doc.TypeCode] = doc.ID
	}
	d.paper = ids["KET_HON"]
	content := func(id string) []byte {
		req, _ := http.NewRequest("GET", d.base+"/api/v1/documents/"+id+"/content", nil)
		req.Header.Set("Authorization", "Bearer "+citizen)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("content of %s: %d", id, res.StatusCode)
		}
		return b
	}
	d.signedPDF = filepath.Join(t.TempDir(), "giay-ket-hon.pdf")
	if err := os.WriteFile(d.signedPDF, content(d.paper), 0o600); err != nil {
		t.Fatal(err)
	}
	var dossier struct {
		Code string
		Rev  int64
	}
	d.api(t, citizen, "POST", "/api/v1/dossiers", strings.NewReader(`{"procedure":"`+demoProcedure+`","applicant":{"kind":"individual","id":"001090000001","name":"Nguyễn Văn An"}}`),
		"application/json", nil, &dossier)
	d.dossier = dossier.Code
	today := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006")
	form := `{"form":{"kinhGui":"UBND phường Bến Nghé","hoTenNguoiYeuCau":"Nguyễn Văn An","soDinhDanhNguoiYeuCau":"001090000001",
	 "noiCuTruNguoiYeuCau":"12 Lý Thường Kiệt, phường Bến Nghé, Thành phố Hồ Chí Minh","quanHe":"cha",
	 "hoTen":"Nguyễn Minh Khang","ngaySinh":"01/11/2026","gioiTinh":"nam","danToc":"Kinh","quocTich":"Việt Nam",
	 "noiSinh":"Bệnh viện Từ Dũ","coThongTinCha":"co","hoTenCha":"Nguyễn Văn An","hoTenMe":"Trần Thị Bích Ngọc",
	 "deNghiCapBanSao":"khong","camDoan":["dong_y"],"lamTai":"Thành phố Hồ Chí Minh","ngayKhai":"` + today + `"}}`
	comp := "/api/v1/dossiers/" + d.dossier + "/components/"
	d.api(t, citizen, "PUT", comp+"TO_KHAI", strings.NewReader(form), "application/json", nil, nil)
	d.api(t, citizen, "POST", comp+"GIAY_CHUNG_SINH/file?filename=giay-chung-sinh.pdf", bytes.NewReader(content(ids["GIAY_CHUNG_SINH"])), "application/pdf", nil, nil)
	d.api(t, citizen, "PUT", comp+"GIAY_TO_TUY_THAN", strings.NewReader(`{"reuse":{"document":"`+ids["CAN_CUOC"]+`","version":1}}`), "application/json", nil, nil)
	d.api(t, citizen, "POST", "/api/v1/dossiers/"+d.dossier+"/actions", strings.NewReader(`{"action":"submit"}`), "application/json", nil, &dossier)
	d.api(t, desk, "POST", "/api/v1/dossiers/"+d.dossier+"/actions", strings.NewReader(`{"action":"receive"}`), "application/json",
		map[string]string{"If-Match": fmt.Sprintf(`"%d"`, dossier.Rev)}, nil)
}

// demoProcedure is the procedure the demo's dossier is of ({procedure}).
const demoProcedure = "DANG_KY_KHAI_SINH"

// path fills p's placeholders.
func (d *demo) path(p Page) string {
	return strings.NewReplacer("{paper}", d.paper, "{dossier}", url.PathEscape(d.dossier), "{procedure}", demoProcedure).Replace(p.Path)
}

// session signs username in through the sign-in page and returns its
// session cookie.
func (d *demo) session(t *testing.T, username string) *http.Cookie {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(d.base+"/dang-nhap", url.Values{"username": {username}, "password": {d.passwords[username]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("%s signs in: %d", username, res.StatusCode)
	}
	return res.Cookies()[0]
}
