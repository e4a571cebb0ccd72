package workflow_test

import (
	"bytes"
	"cmp"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// The agencies of the tests: the shipped catalogue's ward, and another.
const (
	ward  = "000.00.31.H29"
	other = "000.00.12.H29"
)

// The actors of the tests. The citizens' subjects are their identity
// numbers; staff subjects are their accounts.
var (
	admin     = archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	citizen   = archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}
	stranger  = archive.Actor{Subject: "036300001234", Role: archive.RoleCitizen}
	desk      = archive.Actor{Subject: "motcua1", Role: archive.RoleStaff}
	desk2     = archive.Actor{Subject: "motcua2", Role: archive.RoleStaff}
	head      = archive.Actor{Subject: "truongphong", Role: archive.RoleStaff}
	appraiser = archive.Actor{Subject: "thamdinh1", Role: archive.RoleStaff}
	appraise2 = archive.Actor{Subject: "thamdinh2", Role: archive.RoleStaff}
	leader    = archive.Actor{Subject: "chutich", Role: archive.RoleStaff}
	outsider  = archive.Actor{Subject: "canbo.khac", Role: archive.RoleStaff}
)

// clock is a settable clock shared by the vault and the workflow.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a workflow over a real SQLite store and a vault in memory, with
// the shipped catalogue loaded and a staff directory.
type env struct {
	store *sqlite.Store
	vault *archive.Service
	wf    *workflow.Service
	clock *clock
	forms *forms.Registry
	path  string
	// planted counts the dossiers plant stored.
	planted int
	// form is the declaration filledBirth fills in ("": birthForm).
	form string
}

// start is the clock of every env: Monday 07/12/2026 09:00 in Vietnam.
var start = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kho.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	e := newEnvOn(t, st)
	e.store, e.path = st, path
	return e
}

// metaStore is a metadata store of both the vault and the workflow.
type metaStore interface {
	archive.Store
	workflow.Store
}

// newEnvOn is newEnv over the store st (a FerretDB one, say): the vault in
// memory over it, the shipped catalogue and the staff directory (the
// env's store and path are left for the caller).
func newEnvOn(t testing.TB, st metaStore) *env {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: start}
	v := archive.New(st, storage.NewBucket(memory.New()), archive.Config{}, nil, c.Now)
	if _, _, err := v.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{vault: v, clock: c, forms: reg, wf: workflow.New(workflow.Config{Store: st, Vault: v, Forms: reg, Now: c.Now})}
	if _, err := e.wf.LoadCatalog(ctx, admin, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	if _, err := e.wf.PutAgency(ctx, admin, workflow.Agency{Code: other, Name: "Ủy ban nhân dân phường Đa Kao",
		Departments: []workflow.Department{{Code: "MOT_CUA", Name: "Bộ phận Một cửa"}, {Code: "VP", Name: "Văn phòng"}}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []workflow.Staff{
		{Subject: desk.Subject, Name: "Lê Văn Một", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleDesk}},
		{Subject: desk2.Subject, Name: "Hoàng Thị Hai", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleDesk}},
		{Subject: head.Subject, Name: "Trần Thị Phòng", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleHead}},
		{Subject: appraiser.Subject, Name: "Phạm Văn Định", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleAppraiser}},
		{Subject: appraise2.Subject, Name: "Vũ Thị Hai", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleAppraiser}},
		{Subject: leader.Subject, Name: "Nguyễn Văn Tịch", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleLeader}},
		// Every position, in another agency.
		{Subject: outsider.Subject, Name: "Đỗ Văn Khác", Agency: other, Department: "VP", Positions: []workflow.Role{
			workflow.RoleDesk, workflow.RoleHead, workflow.RoleAppraiser, workflow.RoleLeader}},
	} {
		m.Active = true
		if _, err := e.wf.PutStaff(ctx, admin, m); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// process is another kho serve process on e's database: its own store
// handle and service (the vault stays shared; it is not what is raced).
func (e *env) process(t testing.TB) *workflow.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	return workflow.New(workflow.Config{Store: st, Vault: e.vault, Forms: e.forms, Now: e.clock.Now})
}

// pdf is a valid empty PDF made unique by text.
func pdf(text string) []byte {
	return pdfobj.Assemble("%PDF-1.4\n% "+text+"\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
}

func upload(name string, data []byte) archive.Upload {
	return archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: name}
}

// wantCode fails unless err has the kerr code (none: no error).
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	ke := kerr.Outer(err)
	if ke == nil || ke.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	if ke.Message == "" {
		t.Fatalf("error %s has no message for people", code)
	}
}

// birthForm is a filled birth-registration declaration by the citizen.
const birthForm = workflowtest.BirthForm

// card stores an identity card into the citizen's vault.
func (e *env) card(t testing.TB, owner archive.Actor, until archive.Date) archive.Document {
	t.Helper()
	d, err := e.vault.Put(context.Background(), owner, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước",
		Fields:     map[string]any{"soDinhDanh": owner.Subject, "hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"},
		ValidUntil: until}, Upload: upload("cc.pdf", pdf("cc "+owner.Subject))})
	wantCode(t, err, "")
	return d
}

// filledBirth is a birth registration the citizen made and filled online
// (not yet submitted): the declaration, the birth certificate uploaded,
// the identity card reused. edit changes the application first.
func (e *env) filledBirth(t testing.TB, edit ...func(*workflow.NewDossier)) workflow.View {
	t.Helper()
	ctx := context.Background()
	nd := workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}}
	for _, f := range edit {
		f(&nd)
	}
	v, err := e.wf.Create(ctx, citizen, nd)
	wantCode(t, err, "")
	v, err = e.wf.SetComponent(ctx, citizen, v.Code, "TO_KHAI", workflow.ComponentInput{Form: []byte(cmp.Or(e.form, birthForm))})
	wantCode(t, err, "")
	v, err = e.wf.Upload(ctx, citizen, v.Code, "GIAY_CHUNG_SINH", "", 0, upload("chung-sinh.pdf", pdf("chung sinh")))
	wantCode(t, err, "")
	cc := e.card(t, citizen, archive.Date{})
	v, err = e.wf.SetComponent(ctx, citizen, v.Code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: cc.ID}})
	wantCode(t, err, "")
	return v
}
