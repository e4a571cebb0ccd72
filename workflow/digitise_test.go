package workflow_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestDigitise: a desk officer digitises a citizen's paper into their
// vault in the name of the officer's agency from the directory (what the
// request said of the agency is ignored); the citizen reads it with the
// officer and agency recorded. A citizen, staff not in the directory and
// an admin are refused.
func TestDigitise(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	req := func() archive.DigitiseRequest {
		up := upload("ban-quet.pdf", pdf("ban giay"))
		up.MediaType = "application/pdf"
		return archive.DigitiseRequest{Owner: citizen.Subject, Agency: archive.Agency{Code: other, Name: "Giả mạo"},
			Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước (bản giấy)",
				Fields: map[string]any{"soDinhDanh": citizen.Subject, "hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}}, Upload: up}
	}
	for _, c := range []struct {
		who  archive.Actor
		code string
	}{
		{citizen, "staff_only"}, {admin, "staff_only"},
		{archive.Actor{Subject: "khong.co", Role: archive.RoleStaff}, "not_in_staff_directory"},
	} {
		_, err := e.wf.Digitise(ctx, c.who, req())
		wantCode(t, err, c.code)
	}
	d, err := e.wf.Digitise(ctx, desk, req())
	wantCode(t, err, "")
	got, err := e.vault.Get(ctx, citizen, d.ID, archive.Access{})
	wantCode(t, err, "")
	if got.Source != archive.SourceDigitised || got.IssuedBy == nil || got.IssuedBy.Kind != archive.IssueDigitised ||
		got.IssuedBy.By != desk.Subject || got.IssuedBy.Agency != ward || got.IssuedBy.AgencyName == "Giả mạo" {
		t.Fatalf("digitised paper %+v by %+v", got, got.IssuedBy)
	}
}
