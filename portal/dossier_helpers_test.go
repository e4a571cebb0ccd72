package portal_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// The agency of the shipped catalogue, another one, and the staff
// accounts of the dossier tests with their positions.
const (
	ward      = "000.00.31.H29"
	otherWard = "000.00.32.H29"
)

// staffTokens are tokens of staff in the directory: the ward's desk
// officer, head of department, appraiser and leader, and an officer of
// another agency holding every position there.
type staffTokens struct {
	desk, head, appraiser, leader, outsider string
}

// Subjects of the directory's staff.
const (
	deskSubject      = "motcua01"
	headSubject      = "truongphong01"
	appraiserSubject = "thamdinh01"
	leaderSubject    = "lanhdao01"
	outsiderSubject  = "khac01"
)

// directory puts the dossier tests' staff into the directory and returns
// their tokens.
func (e *env) directory() staffTokens {
	e.t.Helper()
	ctx := context.Background()
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, err := e.wf.PutAgency(ctx, admin, workflow.Agency{Code: otherWard, Name: "Ủy ban nhân dân phường Đa Kao",
		Departments: []workflow.Department{{Code: "MOT_CUA", Name: "Bộ phận Một cửa"}, {Code: "VP", Name: "Văn phòng"}}}); err != nil {
		e.t.Fatal(err)
	}
	for _, m := range []workflow.Staff{
		{Subject: deskSubject, Name: "Lê Văn Một", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleDesk}},
		{Subject: headSubject, Name: "Trần Thị Phòng", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleHead}},
		{Subject: appraiserSubject, Name: "Phạm Văn Định", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleAppraiser}},
		{Subject: leaderSubject, Name: "Nguyễn Văn Tịch", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleLeader}},
		{Subject: outsiderSubject, Name: "Đỗ Văn Khác", Agency: otherWard, Department: "VP", Positions: []workflow.Role{
			workflow.RoleDesk, workflow.RoleHead, workflow.RoleAppraiser, workflow.RoleLeader}},
	} {
		m.Active = true
		if _, err := e.wf.PutStaff(ctx, admin, m); err != nil {
			e.t.Fatal(err)
		}
	}
	return staffTokens{
		desk:      e.token(deskSubject, archive.RoleStaff, time.Time{}),
		head:      e.token(headSubject, archive.RoleStaff, time.Time{}),
		appraiser: e.token(appraiserSubject, archive.RoleStaff, time.Time{}),
		leader:    e.token(leaderSubject, archive.RoleStaff, time.Time{}),
		outsider:  e.token(outsiderSubject, archive.RoleStaff, time.Time{}),
	}
}

// newDossier makes a birth registration of owner (named name) as a,
// through the service; with filled, its required components are filled:
// the declaration (eForm), the birth certificate (an upload) and the
// owner's identity card reused from their vault (the owner must have a
// CAN_CUOC paper whose fields match the declaration).
func (e *env) newDossier(t *testing.T, a archive.Actor, owner, name string, filled bool) workflow.View {
	t.Helper()
	ctx := context.Background()
	v, err := e.wf.Create(ctx, a, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: owner, Name: name}})
	if err != nil {
		t.Fatalf("create dossier: %v", err)
	}
	if !filled {
		return v
	}
	if v, err = e.wf.SetComponent(ctx, a, v.Code, "TO_KHAI", workflow.ComponentInput{Form: []byte(birthForm(name, owner))}); err != nil {
		t.Fatalf("fill the declaration: %v", err)
	}
	body := onePage(t)
	if v, err = e.wf.Upload(ctx, a, v.Code, "GIAY_CHUNG_SINH", "", 0, archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)),
		FileName: "giay-chung-sinh.pdf", MediaType: "application/pdf"}); err != nil {
		t.Fatalf("upload the birth certificate: %v", err)
	}
	cards, err := e.vault.List(ctx, a, archive.ListQuery{OwnerID: owner, TypeCode: "CAN_CUOC", Limit: 1}, archive.Access{Purpose: "nộp hồ sơ"})
	if err != nil || len(cards.Documents) == 0 {
		t.Fatalf("the owner's identity card: %v (%d)", err, len(cards.Documents))
	}
	if v, err = e.wf.SetComponent(ctx, a, v.Code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: cards.Documents[0].ID}}); err != nil {
		t.Fatalf("reuse the identity card: %v", err)
	}
	return v
}

// citizenActor is the citizen with identity number id.
func citizenActor(id string) archive.Actor {
	return archive.Actor{Subject: id, Role: archive.RoleCitizen}
}

// archiveID is a well-formed document ID that no document has.
func archiveID() string { return archive.NewID(time.Now()) }
