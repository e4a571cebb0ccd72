package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// The demo's fixed names: its folder in the data directory, its agency
// (the shipped catalogue's ward), and the names of its signing keys.
const (
	demoDirName   = "demo"
	demoStateFile = "state.json"
	demoAgency    = "000.00.31.H29"
	demoCAName    = "KHO DEMO – KHÔNG DÙNG THẬT"
	demoLeaderKey = "demo-lanhdao"
	demoSealKey   = "demo-dau"
	// demoCRLURL is where the demo's certificates say their CA's CRL is:
	// a name that never resolves, answered from DIR/demo/ca.crl by the
	// revocation checks' transport (demoTransport).
	demoCRLURL = "http://crl.kho-demo.invalid/kho-demo.crl"
	// demoPasswordBytes is the randomness of each printed password.
	demoPasswordBytes = 9
)

// demoAccount is one demo account, with what its role does in the walk.
type demoAccount struct {
	Username  string          `json:"username"`
	Name      string          `json:"name"`
	Role      archive.Role    `json:"role"`
	CitizenID string          `json:"citizenId,omitempty"`
	Dept      string          `json:"department,omitempty"`
	Positions []workflow.Role `json:"positions,omitempty"`
	Does      string          `json:"does"`
	Password  string          `json:"password"`
	Papers    []demoPaper     `json:"-"`
}

// demoPaper is a paper seeded into a citizen's vault: rendered from its
// document type's schema with fields, and signed with the agency seal
// when signed is set.
type demoPaper struct {
	typeCode, name, issuer, number string
	issued                         archive.Date
	fields                         map[string]any
	signed                         bool
}

// demoAccounts are the accounts of the demo: two citizens, the ward's
// desk officer, appraiser and leader (who also assigns, as head of the
// department), and an administrator.
func demoAccounts() []demoAccount {
	return []demoAccount{
		{Username: "congdan01", Name: "Nguyễn Văn An", Role: archive.RoleCitizen, CitizenID: "001090000001",
			Does: "công dân: nộp hồ sơ, Kho của tôi", Papers: []demoPaper{
				{typeCode: "CAN_CUOC", name: "Thẻ căn cước", issuer: "Bộ Công an", number: "001090000001", issued: archive.Date{Year: 2024, Month: 7, Day: 1},
					fields: map[string]any{"loaiThe": "can_cuoc", "soDinhDanh": "001090000001", "hoTen": "Nguyễn Văn An", "ngaySinh": "1990-05-01",
						"gioiTinh": "nam", "quocTich": "Việt Nam", "noiCuTru": "12 Lý Thường Kiệt, phường Bến Nghé, Thành phố Hồ Chí Minh"}},
				{typeCode: "KET_HON", name: "Giấy chứng nhận đăng ký kết hôn", issuer: "Ủy ban nhân dân phường Bến Nghé", number: "15/2024", issued: archive.Date{Year: 2024, Month: 3, Day: 8},
					fields: map[string]any{"hoTenChong": "Nguyễn Văn An", "hoTenVo": "Trần Thị Bích Ngọc", "ngayDangKy": "2024-03-08",
						"noiDangKy": "Ủy ban nhân dân phường Bến Nghé"}, signed: true},
				{typeCode: "GIAY_CHUNG_SINH", name: "Giấy chứng sinh", issuer: "Bệnh viện Từ Dũ", number: "CS-2026-0815", issued: archive.Date{Year: 2026, Month: 11, Day: 2},
					fields: map[string]any{"hoTenMe": "Trần Thị Bích Ngọc", "ngaySinh": "2026-11-01", "noiSinh": "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh"}},
			}},
		{Username: "congdan02", Name: "Lê Thị Hoa", Role: archive.RoleCitizen, CitizenID: "079192000002",
			Does: "công dân thứ hai: không thấy giấy tờ của congdan01", Papers: []demoPaper{
				{typeCode: "CAN_CUOC", name: "Thẻ căn cước", issuer: "Bộ Công an", number: "079192000002", issued: archive.Date{Year: 2024, Month: 9, Day: 15},
					fields: map[string]any{"loaiThe": "can_cuoc", "soDinhDanh": "079192000002", "hoTen": "Lê Thị Hoa", "ngaySinh": "1992-02-14",
						"gioiTinh": "nu", "quocTich": "Việt Nam", "noiCuTru": "45 Nguyễn Huệ, phường Bến Nghé, Thành phố Hồ Chí Minh"}},
			}},
		{Username: "tiepnhan01", Name: "Phạm Minh Tiếp", Role: archive.RoleStaff, Dept: "MOT_CUA", Positions: []workflow.Role{workflow.RoleDesk},
			Does: "bộ phận một cửa: tiếp nhận, trả kết quả"},
		{Username: "thamdinh01", Name: "Võ Thị Thẩm", Role: archive.RoleStaff, Dept: "VP", Positions: []workflow.Role{workflow.RoleAppraiser},
			Does: "công chức tư pháp - hộ tịch: thẩm định"},
		{Username: "lanhdao01", Name: "Trần Văn Lãnh", Role: archive.RoleStaff, Dept: "VP", Positions: []workflow.Role{workflow.RoleHead, workflow.RoleLeader},
			Does: "lãnh đạo: phân công, phê duyệt và ký"},
		{Username: "quantri01", Name: "Đặng Quản Trị", Role: archive.RoleAdmin,
			Does: "quản trị hệ thống"},
	}
}

// demoState is DIR/demo/state.json: what the demo made, written when its
// keys are made and again once the store is seeded.
type demoState struct {
	Created  time.Time     `json:"created"`
	Seeded   bool          `json:"seeded"`
	Accounts []demoAccount `json:"accounts"`
}

// serveDemo is kho serve --demo: on a fresh data directory it makes a demo
// CA, a leader's key and the ward's seal, then seeds accounts for each
// role, the ward's staff and papers in the citizens' vaults, and prints
// how to sign in. A data directory that holds anything else is refused.
type serveDemo struct {
	enabled bool
	dir     string // DIR/demo
	state   demoState
}

func (d *serveDemo) bind(fs *flag.FlagSet) {
	fs.BoolVar(&d.enabled, "demo", false, "demo mode: on a fresh --data DIR make demo accounts for each role (passwords printed), papers and demo signing keys (a demo CA, trusted, with its CRL); refused on a DIR holding other data")
}

// demoRefused is the error of --demo on a data directory that is not one.
func demoRefused(detail string, args ...any) error {
	return &usageError{kerr.New(kerr.Invalid, "demo_data_not_empty",
		"Chế độ demo (--demo) chỉ chạy trên thư mục dữ liệu mới hoặc thư mục demo đã tạo; thư mục này đã có dữ liệu khác. Hãy chọn thư mục khác (make run DATA=./demo-data).",
		detail, args...)}
}

// prepare runs before the signing keys open: on a fresh data directory it
// makes the demo's keys and passwords; on a demo directory it reads them
// back. Either way it adds the keys to sig (trust anchor, the leader's
// key and the seal) and names them in rs.
func (d *serveDemo) prepare(cfg *config.Store, sig *serveSigning, rs *serveResults, log *slog.Logger) error {
	if !d.enabled {
		return nil
	}
	if cfg.UsesMongo() || cfg.S3.Enabled() {
		return &usageError{kerr.New(kerr.Invalid, "demo_needs_embedded", "Chế độ demo (--demo) chỉ dùng kho nhúng trong thư mục --data.", "--demo with --mongo-uri or --s3-endpoint")}
	}
	d.dir = filepath.Join(cfg.DataDir, demoDirName)
	data, err := os.ReadFile(filepath.Join(d.dir, demoStateFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &d.state); err != nil {
			return kerr.Wrap(err, kerr.Integrity, "demo_state_unreadable", "Không đọc được tệp trạng thái của bản demo.")
		}
	case errors.Is(err, fs.ErrNotExist):
		entries, err := os.ReadDir(cfg.DataDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return kerr.Wrap(err, kerr.Unavailable, "data_dir_unreadable", "Không đọc được thư mục dữ liệu.")
		}
		for _, e := range entries {
			if e.Name() != demoDirName { // a folder left by a start cut short is made again
				return demoRefused("data directory %s holds %s and no %s", cfg.DataDir, e.Name(), filepath.Join(demoDirName, demoStateFile))
			}
		}
		if err := d.create(); err != nil {
			return err
		}
		log.Info("Đã tạo khóa ký và tài khoản demo", "dir", d.dir)
	default:
		return kerr.Wrap(err, kerr.Unavailable, "demo_state_unreadable", "Không đọc được tệp trạng thái của bản demo.")
	}
	return d.wire(sig, rs)
}

// create makes DIR/demo: the demo CA, the leader's key and the seal, each
// account's password, and the state file last.
func (d *serveDemo) create() error {
	if err := os.RemoveAll(d.dir); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "demo_create_failed", "Không tạo được bản demo.")
	}
	if err := durable.MkdirAll(d.dir); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "demo_create_failed", "Không tạo được bản demo.")
	}
	now := time.Now()
	files, err := demoPKI(now)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "demo_create_failed", "Không tạo được khóa ký demo.")
	}
	st := demoState{Created: now.UTC()}
	for _, acct := range demoAccounts() {
		b := make([]byte, demoPasswordBytes)
		if _, err := rand.Read(b); err != nil {
			return kerr.Wrap(err, kerr.Internal, "demo_create_failed", "Không tạo được mật khẩu demo.")
		}
		acct.Password = "demo-" + base64.RawURLEncoding.EncodeToString(b)
		st.Accounts = append(st.Accounts, acct)
	}
	js, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "demo_create_failed", "Không tạo được bản demo.")
	}
	files[demoStateFile] = append(js, '\n')
	for _, name := range []string{"ca.pem", "ca.crl", demoLeaderKey + ".key", demoLeaderKey + ".pem", demoSealKey + ".key", demoSealKey + ".pem", demoStateFile} {
		if err := durable.CreateFile(filepath.Join(d.dir, name), files[name], 0o600); err != nil {
			return kerr.Wrap(err, kerr.Unavailable, "demo_create_failed", "Không ghi được tệp của bản demo.")
		}
	}
	d.state = st
	return nil
}

// demoPKI makes the demo CA and two signers it certifies: the leader's
// personal key and the ward's seal. Files by name: ca.pem, NAME.key
// (PKCS#8 PEM) and NAME.pem (the certificate, then the CA's).
func demoPKI(now time.Time) (map[string][]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n.Add(n, big.NewInt(1))
	}
	org := []string{"Kho – bản demo, không dùng thật"}
	caTmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: demoCAName, Organization: org, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.AddDate(10, 0, 0)}, ca, caKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"ca.pem": caPEM, "ca.crl": crl}
	for _, s := range []struct{ name, cn string }{
		{demoLeaderKey, "Trần Văn Lãnh (DEMO – KHÔNG DÙNG THẬT)"},
		{demoSealKey, "Ủy ban nhân dân phường Bến Nghé (DEMO – KHÔNG DÙNG THẬT)"},
	} {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: s.cn, Organization: org, Country: []string{"VN"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, CRLDistributionPoints: []string{demoCRLURL}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		p8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		files[s.name+".key"] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})
		files[s.name+".pem"] = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), caPEM...)
	}
	return files, nil
}

// wire adds the demo's keys to the server's settings: the demo CA as a
// trust anchor (beside --trust's, in DIR/demo/trust.pem) whose CRL the
// revocation checks get from DIR/demo/ca.crl, the leader's key and the seal as
// --sign-key, named by --result-leader-key and --result-seal-key unless
// those already name the leader or the ward.
func (d *serveDemo) wire(sig *serveSigning, rs *serveResults) error {
	ca := filepath.Join(d.dir, "ca.pem")
	if sig.trust == "" {
		sig.trust = ca
	} else {
		theirs, err := os.ReadFile(sig.trust)
		if err != nil {
			return kerr.Wrap(err, kerr.Invalid, "trust_file_unreadable", "Không đọc được tệp chứng thư gốc tin cậy (--trust).")
		}
		ours, err := os.ReadFile(ca)
		if err != nil {
			return kerr.Wrap(err, kerr.Integrity, "demo_state_unreadable", "Không đọc được chứng thư gốc của bản demo.")
		}
		both := filepath.Join(d.dir, "trust.pem")
		if err := writeReplace(both, append(append(bytes.TrimRight(theirs, "\n"), '\n'), ours...)); err != nil {
			return err
		}
		sig.trust = both
	}
	crl, err := os.ReadFile(filepath.Join(d.dir, "ca.crl"))
	if err != nil {
		return kerr.Wrap(err, kerr.Integrity, "demo_state_unreadable", "Không đọc được danh sách thu hồi của CA demo.")
	}
	sig.transport = demoTransport{crl: crl, next: http.DefaultTransport}
	for _, k := range []string{demoLeaderKey, demoSealKey} {
		if _, taken := sig.keys.values[k]; taken {
			continue
		}
		if err := errors.Join(sig.keys.Set(k+"="+filepath.Join(d.dir, k+".key")), sig.certs.Set(k+"="+filepath.Join(d.dir, k+".pem"))); err != nil {
			return &usageError{err}
		}
	}
	if _, taken := rs.leaders.values["lanhdao01"]; !taken {
		if err := rs.leaders.Set("lanhdao01=" + demoLeaderKey); err != nil {
			return &usageError{err}
		}
	}
	if _, taken := rs.seals.values[demoAgency]; !taken {
		if err := rs.seals.Set(demoAgency + "=" + demoSealKey); err != nil {
			return &usageError{err}
		}
	}
	return nil
}

// footer names the demo's agency in the pages' header and footer where
// --web-agency and --web-address leave them empty.
func (d *serveDemo) footer(b *web.Body) {
	if !d.enabled {
		return
	}
	if b.Agency == "" {
		b.Agency = "Ủy ban nhân dân phường Bến Nghé (bản demo – không dùng thật)"
	}
	if b.Address == "" {
		b.Address = "Địa chỉ minh họa cho bản demo"
	}
}

// demoTransport answers the demo CA's CRL (demoCRLURL) from memory and
// passes every other request on to next.
type demoTransport struct {
	crl  []byte
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t demoTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.String() != demoCRLURL {
		return t.next.RoundTrip(r)
	}
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: r,
		Header: http.Header{"Content-Type": {"application/pkix-crl"}}, ContentLength: int64(len(t.crl)), Body: io.NopCloser(bytes.NewReader(t.crl))}, nil
}

// writeReplace writes data to path through a synced temporary file
// renamed over it.
func writeReplace(path string, data []byte) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := durable.CreateFile(tmp, data, 0o600); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "demo_write_failed", "Không ghi được tệp của bản demo.")
	}
	if err := os.Rename(tmp, path); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "demo_write_failed", "Không ghi được tệp của bản demo.")
	}
	return durable.SyncDir(filepath.Dir(path))
}

// seed fills the store once: the accounts, the ward's staff directory and
// the citizens' papers, then marks the state seeded. A start cut short
// before that seeds again: accounts that exist are kept, a citizen who
// has papers gets no more.
func (d *serveDemo) seed(ctx context.Context, accounts auth.AccountStore, vault *archive.Service, wf *workflow.Service, formReg *forms.Registry, log *slog.Logger) error {
	if !d.enabled || d.state.Seeded {
		return nil
	}
	admin := archive.Actor{Subject: "kho-demo", Role: archive.RoleAdmin}
	types, err := vault.DocumentTypes(ctx, admin)
	if err != nil {
		return err
	}
	byCode := map[string]archive.DocumentType{}
	for _, t := range types {
		byCode[t.Code] = t
	}
	seal, err := loadKey(filepath.Join(d.dir, demoSealKey+".key"), filepath.Join(d.dir, demoSealKey+".pem"), "")
	if err != nil {
		return err
	}
	roots, err := loadRoots(filepath.Join(d.dir, "ca.pem"))
	if err != nil {
		return err
	}
	signer, err := signing.New(seal, signing.Options{Checker: &signing.Checker{Roots: roots, Revocation: signing.RevocationSkip},
		Reason: "Cấp bản sao điện tử (demo)", Location: "Phường Bến Nghé"})
	if err != nil {
		return err
	}
	defaults := demoAccounts()
	for i, acct := range d.state.Accounts {
		agency := ""
		if acct.Role != archive.RoleCitizen {
			agency = demoAgency
		}
		a, err := auth.NewAccount(auth.Account{Username: acct.Username, DisplayName: acct.Name, Role: acct.Role, Agency: agency, CitizenID: acct.CitizenID},
			acct.Password, auth.DefaultArgon2, time.Now())
		if err != nil {
			return err
		}
		if err := accounts.CreateAccount(ctx, a); err != nil && !kerr.IsKind(err, kerr.Conflict) {
			return err
		}
		if len(acct.Positions) > 0 {
			if _, err := wf.PutStaff(ctx, admin, workflow.Staff{Subject: acct.Username, Name: acct.Name, Agency: demoAgency,
				Department: acct.Dept, Positions: acct.Positions, Active: true}); err != nil {
				return err
			}
		}
		if acct.CitizenID == "" || i >= len(defaults) {
			continue
		}
		owner := archive.Actor{Subject: acct.CitizenID, Role: archive.RoleCitizen}
		page, err := vault.List(ctx, owner, archive.ListQuery{OwnerID: acct.CitizenID, Limit: 1}, archive.Access{Purpose: "demo"})
		if err != nil {
			return err
		}
		if len(page.Documents) > 0 {
			continue
		}
		for _, p := range defaults[i].Papers {
			if err := d.putPaper(ctx, vault, owner, byCode[p.typeCode], formReg, signer, p); err != nil {
				return err
			}
		}
	}
	d.state.Seeded = true
	js, err := json.MarshalIndent(d.state, "", "  ")
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "demo_write_failed", "Không ghi được tệp của bản demo.")
	}
	if err := writeReplace(filepath.Join(d.dir, demoStateFile), append(js, '\n')); err != nil {
		return err
	}
	log.Info("Đã nạp dữ liệu demo", "accounts", len(d.state.Accounts))
	return nil
}

// putPaper renders p from its document type's schema, signs it with the
// seal when p.signed, and stores it in owner's vault.
func (d *serveDemo) putPaper(ctx context.Context, vault *archive.Service, owner archive.Actor, t archive.DocumentType, formReg *forms.Registry, signer *signing.Signer, p demoPaper) error {
	var def *forms.Definition
	var err error
	switch {
	case len(t.Schema) > 0:
		def, err = forms.Parse(t.Schema)
	case t.SchemaRef != nil:
		def, err = formReg.Get(t.SchemaRef.Code, t.SchemaRef.Version)
	default:
		err = kerr.New(kerr.Internal, "demo_type_unknown", "Không có loại giấy tờ "+p.typeCode+".", "document type %q has no schema", p.typeCode)
	}
	if err != nil {
		return err
	}
	data, err := json.Marshal(p.fields)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "demo_paper_failed", "Không tạo được giấy tờ demo.")
	}
	values, problems := forms.Validate(def, data)
	if len(problems) > 0 {
		return kerr.New(kerr.Internal, "demo_paper_failed", "Không tạo được giấy tờ demo.", "%s: %v", p.typeCode, problems)
	}
	shown := *def
	shown.Title = strings.ToUpper(def.Title) + " (BẢN DEMO – KHÔNG DÙNG THẬT)"
	var pdf bytes.Buffer
	if err := forms.Render(ctx, &shown, values, &pdf, forms.RenderOptions{SignerTitle: strings.ToUpper(p.issuer), SignerName: "(bản demo)"}); err != nil {
		return err
	}
	body := pdf.Bytes()
	if p.signed {
		var out bytes.Buffer
		if _, err := signer.Sign(ctx, bytes.NewReader(body), int64(len(body)), &out); err != nil {
			return err
		}
		body = out.Bytes()
	}
	fields := archive.FieldValues{}
	for k, v := range p.fields {
		fields[k] = v
	}
	_, err = vault.Put(ctx, owner, archive.NewDocument{OwnerID: owner.Subject, Source: archive.SourceUpload,
		Metadata: archive.Metadata{TypeCode: p.typeCode, Name: p.name, Number: p.number, Issuer: p.issuer, IssueDate: p.issued,
			Permanent: true, Status: archive.StatusValid, Fields: fields},
		Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: strings.ToLower(p.typeCode) + "-demo.pdf", MediaType: "application/pdf"}})
	return err
}

// announce prints how to sign in to the demo: the address, each account
// with its password and role, the walk, and what needs Gotenberg; basic
// says that slips and results print with the built-in basicpdf.
func (d *serveDemo) announce(w io.Writer, url string, converter, basic bool) {
	if !d.enabled {
		return
	}
	fmt.Fprintf(w, "\n=== Kho – bản demo (%s) ===\nMở %s/dang-nhap và đăng nhập bằng một trong các tài khoản:\n\n", demoCAName, url)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TÀI KHOẢN\tMẬT KHẨU\tHỌ TÊN\tVAI TRÒ")
	for _, a := range d.state.Accounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Username, a.Password, a.Name, a.Does)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n(Mật khẩu cũng ở %s.)\n", filepath.Join(d.dir, demoStateFile))
	fmt.Fprintf(w, "Luồng thử: congdan01 nộp hồ sơ Đăng ký khai sinh (dùng lại giấy tờ trong kho) → tiepnhan01 tiếp nhận → lanhdao01 phân công → thamdinh01 thẩm định → lanhdao01 phê duyệt và ký → congdan01 thấy kết quả trong Kho của tôi → %s/xac-thuc kiểm tra chữ ký.\n", url)
	if basic {
		fmt.Fprint(w, "Chưa có Gotenberg (--gotenberg-url): phiếu và kết quả được in bằng bộ chuyển PDF có sẵn của Kho — bản PDF đơn giản, không phải PDF/A — chỉ dùng để thử; xem tệp văn phòng dưới dạng PDF vẫn cần Gotenberg. "+
			"Để in PDF/A như khi chạy thật: make run ARGS='--gotenberg-url http://127.0.0.1:PORT' (make test-servers chạy một Gotenberg; địa chỉ là KHO_TEST_GOTENBERG_URL trong tệp env nó in ra).\n")
	} else if !converter {
		fmt.Fprint(w, "Chưa có Gotenberg (--gotenberg-url): mọi trang, tiếp nhận, thẩm định và kiểm tra chữ ký đều chạy; riêng in phiếu và tạo, ký kết quả (bước phê duyệt) báo \"chưa có dịch vụ chuyển đổi\". "+
			"Để đi hết luồng: chạy một Gotenberg 8 (make test-servers chạy một cái cùng các máy chủ thử nghiệm; địa chỉ là KHO_TEST_GOTENBERG_URL trong tệp env nó in ra) rồi make run ARGS='--gotenberg-url http://127.0.0.1:PORT'.\n")
	}
	fmt.Fprintln(w)
}
