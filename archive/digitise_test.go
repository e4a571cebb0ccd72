package archive_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// digitised is a scan of citizen A's paper birth certificate that staff
// of agency A digitise.
func digitised(owner, mediaType string, up archive.Upload) archive.DigitiseRequest {
	up.MediaType = mediaType
	return archive.DigitiseRequest{Owner: owner, Agency: ubndA, Metadata: archive.Metadata{TypeCode: "KHAI_SINH",
		Name: "Giấy khai sinh (bản giấy)", Number: "112/1999", Issuer: "UBND xã Yên Hòa",
		Fields: map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}}, Upload: up}
}

// TestDigitise: staff of an agency digitise a paper into a citizen's
// vault (made for an owner who has none): the paper is the citizen's,
// Source "digitised", with the staff member, their agency and the time
// recorded (IssuedBy of kind "digitised", the version's CreatedBy), and
// the citizen's ledger names the staff member and the agency. A citizen —
// also for their own vault —, staff acting for another agency or for
// none, a scan not PDF/JPEG/PNG and a scan whose bytes are not what it
// says are refused, and nothing is stored.
func TestDigitise(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	for _, c := range []struct {
		name string
		who  archive.Actor
		req  archive.DigitiseRequest
		code string
	}{
		{"citizen, own vault", citizenA, digitised(citizenA.Subject, "application/pdf", upload("a.pdf", pdfBytes("x"))), "staff_only"},
		{"another agency", staffB, digitised(citizenA.Subject, "application/pdf", upload("a.pdf", pdfBytes("x"))), "not_agency_staff"},
		{"no agency", archive.Actor{Subject: "canbo.x", Role: archive.RoleStaff}, digitised(citizenA.Subject, "application/pdf", upload("a.pdf", pdfBytes("x"))), "not_agency_staff"},
		{"a word file", staffA, digitised(citizenA.Subject, "application/msword", upload("a.doc", []byte("x"))), "scan_type_not_allowed"},
		{"png said pdf", staffA, digitised(citizenA.Subject, "application/pdf", upload("a.pdf", pngBytes)), "content_type_mismatch"},
		{"no type", staffA, func() archive.DigitiseRequest {
			r := digitised(citizenA.Subject, "image/png", upload("a.png", pngBytes))
			r.TypeCode = ""
			return r
		}(), "type_required"},
	} {
		_, err := v.Digitise(ctx, c.who, c.req)
		wantCode(t, err, c.code)
	}
	if n := v.blobCount(t); n != 0 {
		t.Fatalf("refused scans left %d blobs", n)
	}
	d, err := v.Digitise(ctx, staffA, digitised(citizenA.Subject, "image/png", upload("ban-quet.png", pngBytes)))
	wantCode(t, err, "")
	ib := d.IssuedBy
	if d.OwnerID != citizenA.Subject || d.Source != archive.SourceDigitised || ib == nil || ib.Kind != archive.IssueDigitised ||
		ib.By != staffA.Subject || ib.Agency != agencyA || ib.AgencyName != ubndA.Name || ib.IssuedAt.IsZero() ||
		d.Current.CreatedBy != staffA.Subject || d.Issuer != "UBND xã Yên Hòa" || d.Number != "112/1999" || d.Current.MediaType != "image/png" {
		t.Fatalf("digitised paper %+v, issuedBy %+v", d, ib)
	}
	// The citizen finds it in their vault as stored, and their ledger
	// names who digitised it for which agency.
	got, err := v.Get(ctx, citizenA, d.ID, archive.Access{})
	wantCode(t, err, "")
	if got.IssuedBy == nil || got.IssuedBy.Kind != archive.IssueDigitised || got.IssuedBy.By != staffA.Subject {
		t.Fatalf("the citizen's read: issuedBy %+v", got.IssuedBy)
	}
	es, _, err := v.Ledger(ctx, citizenA, citizenA.Subject, d.ID, "", 100, archive.Access{})
	wantCode(t, err, "")
	found := false
	for _, e := range es {
		if e.Action == archive.ActionCreate && e.Actor == staffA.Subject && e.ActorRole == archive.RoleStaff &&
			strings.Contains(e.Purpose, ubndA.Name) && strings.Contains(e.Purpose, "số hoá") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the ledger does not record the staff member's digitisation: %+v", es)
	}
	// Another citizen sees nothing of it.
	_, err = v.Get(ctx, citizenB, d.ID, archive.Access{})
	wantCode(t, err, "document_not_found")
	// Its metadata is the staff member's reading: the owner cannot rewrite it.
	number := "999/2020"
	_, err = v.UpdateMetadata(ctx, citizenA, d.ID, 0, archive.MetadataPatch{Number: &number})
	wantCode(t, err, "issued_document_locked")
}
