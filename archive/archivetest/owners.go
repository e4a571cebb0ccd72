package archivetest

import (
	"encoding/json"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

func testOwnerCreateGet(t *testing.T, s archive.Store) {
	ctx := t.Context()
	o := owner("001090012345")
	o.QuotaBytes = 1 << 30
	if err := s.CreateOwner(ctx, o); err != nil {
		t.Fatalf("CreateOwner: %v", err)
	}
	got, err := s.GetOwner(ctx, o.ID)
	if err != nil {
		t.Fatalf("GetOwner: %v", err)
	}
	same(t, "GetOwner", got, wantOwner(o))

	org := archive.Owner{
		ID:        "0301234567-001",
		Kind:      archive.Organization,
		Name:      "Công ty TNHH Một thành viên Đầu tư Xây dựng Sài Gòn",
		CreatedAt: when(5),
		Rev:       1,
	}
	if err := s.CreateOwner(ctx, org); err != nil {
		t.Fatalf("CreateOwner(organisation): %v", err)
	}
	got, err = s.GetOwner(ctx, org.ID)
	if err != nil {
		t.Fatalf("GetOwner(organisation): %v", err)
	}
	same(t, "GetOwner(organisation)", got, wantOwner(org))
	if !got.IDIssueDate.IsZero() {
		t.Errorf("zero IDIssueDate came back as %v", got.IDIssueDate)
	}
}

func testOwnerCreateDuplicate(t *testing.T, s archive.Store) {
	ctx := t.Context()
	o := mustCreateOwner(t, s, "079201000001")
	other := owner(o.ID)
	other.Name = "Người khác"
	isKind(t, "CreateOwner(same ID)", s.CreateOwner(ctx, other), kerr.Conflict, "")
	got, err := s.GetOwner(ctx, o.ID)
	if err != nil {
		t.Fatalf("GetOwner: %v", err)
	}
	same(t, "owner after the refused duplicate", got, wantOwner(o))
}

func testOwnerNotFound(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, err := s.GetOwner(ctx, "001000000404")
	isKind(t, "GetOwner(missing)", err, kerr.NotFound, "")
	isKind(t, "SetQuota(missing)", s.SetQuota(ctx, "001000000404", 10), kerr.NotFound, "")
	isKind(t, "AddUsage(missing)", s.AddUsage(ctx, "001000000404", 10, 1, 0), kerr.NotFound, "")
	isKind(t, "AddUsage(missing, with limit)", s.AddUsage(ctx, "001000000404", 10, 1, 100), kerr.NotFound, "")
}

func getOwner(t *testing.T, s archive.Store, id string) archive.Owner {
	t.Helper()
	o, err := s.GetOwner(t.Context(), id)
	if err != nil {
		t.Fatalf("GetOwner(%s): %v", id, err)
	}
	return o
}

func testOwnerSetQuota(t *testing.T, s archive.Store) {
	ctx := t.Context()
	o := mustCreateOwner(t, s, "001090000002")
	if err := s.SetQuota(ctx, o.ID, 10<<30); err != nil {
		t.Fatalf("SetQuota: %v", err)
	}
	if got := getOwner(t, s, o.ID); got.QuotaBytes != 10<<30 {
		t.Errorf("QuotaBytes = %d, want %d", got.QuotaBytes, int64(10<<30))
	}
	if err := s.SetQuota(ctx, o.ID, 0); err != nil {
		t.Fatalf("SetQuota(0): %v", err)
	}
	got := getOwner(t, s, o.ID)
	if got.QuotaBytes != 0 {
		t.Errorf("QuotaBytes = %d after SetQuota(0)", got.QuotaBytes)
	}
	if got.Name != o.Name || got.UsedBytes != 0 || got.DocumentCount != 0 {
		t.Errorf("SetQuota changed other fields: %+v", got)
	}
}

func usage(t *testing.T, s archive.Store, id string) (bytes, docs int64) {
	t.Helper()
	o := getOwner(t, s, id)
	return o.UsedBytes, o.DocumentCount
}

func testOwnerAddUsage(t *testing.T, s archive.Store) {
	ctx := t.Context()
	o := mustCreateOwner(t, s, "001090000003")
	steps := []struct {
		bytes, docs         int64
		wantBytes, wantDocs int64
	}{
		{1000, 1, 1000, 1},
		{5 << 30, 1, 1000 + 5<<30, 2}, // beyond 32 bits
		{-(5 << 30), -1, 1000, 1},
		{0, 3, 1000, 4},
		{-1000, -4, 0, 0},
	}
	for i, st := range steps {
		if err := s.AddUsage(ctx, o.ID, st.bytes, st.docs, 0); err != nil {
			t.Fatalf("step %d: AddUsage(%d, %d, no limit): %v", i, st.bytes, st.docs, err)
		}
		b, d := usage(t, s, o.ID)
		if b != st.wantBytes || d != st.wantDocs {
			t.Fatalf("step %d: usage = %d bytes, %d docs; want %d, %d", i, b, d, st.wantBytes, st.wantDocs)
		}
	}
	if got := getOwner(t, s, o.ID); got.Name != o.Name || got.QuotaBytes != o.QuotaBytes {
		t.Errorf("AddUsage changed other fields: %+v", got)
	}
}

func testOwnerAddUsageQuota(t *testing.T, s archive.Store) {
	ctx := t.Context()
	o := mustCreateOwner(t, s, "001090000004")
	const limit = 1000
	if err := s.AddUsage(ctx, o.ID, 600, 1, limit); err != nil {
		t.Fatalf("AddUsage(600 of 1000): %v", err)
	}
	err := s.AddUsage(ctx, o.ID, 401, 1, limit)
	isKind(t, "AddUsage(over the limit)", err, kerr.TooLarge, "quota_exceeded")
	if b, d := usage(t, s, o.ID); b != 600 || d != 1 {
		t.Errorf("a refused AddUsage changed usage to %d bytes, %d docs; want 600, 1", b, d)
	}
	// Exactly reaching the limit is allowed.
	if err := s.AddUsage(ctx, o.ID, 400, 1, limit); err != nil {
		t.Fatalf("AddUsage(up to exactly the limit): %v", err)
	}
	if b, d := usage(t, s, o.ID); b != 1000 || d != 2 {
		t.Errorf("usage = %d bytes, %d docs; want 1000, 2", b, d)
	}
	isKind(t, "AddUsage(1 byte over a full quota)", s.AddUsage(ctx, o.ID, 1, 0, limit), kerr.TooLarge, "quota_exceeded")
	// Releasing and zero-byte changes apply even when the owner is over a
	// (lowered) limit.
	if err := s.AddUsage(ctx, o.ID, -100, -1, 500); err != nil {
		t.Fatalf("AddUsage(release, over a lower limit): %v", err)
	}
	if err := s.AddUsage(ctx, o.ID, 0, 1, 500); err != nil {
		t.Fatalf("AddUsage(0 bytes, 1 doc, over a lower limit): %v", err)
	}
	if b, d := usage(t, s, o.ID); b != 900 || d != 2 {
		t.Errorf("usage = %d bytes, %d docs; want 900, 2", b, d)
	}
	// Without a limit, anything goes.
	if err := s.AddUsage(ctx, o.ID, 1<<40, 0, 0); err != nil {
		t.Fatalf("AddUsage(no limit): %v", err)
	}
	if b, _ := usage(t, s, o.ID); b != 900+1<<40 {
		t.Errorf("UsedBytes = %d, want %d", b, int64(900+1<<40))
	}
}

// testOwnerAddUsageConcurrent checks that the quota check and the add are
// one atomic step: of n concurrent 1-byte adds against a limit of n/2,
// exactly n/2 succeed.
func testOwnerAddUsageConcurrent(t *testing.T, s archive.Store) {
	o := mustCreateOwner(t, s, "001090000005")
	const n = 16
	errs := parallel(n, func(int) error { return s.AddUsage(t.Context(), o.ID, 1, 1, n/2) })
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case kerr.KindOf(err) != kerr.TooLarge:
			t.Errorf("concurrent AddUsage: %v (kind %v), want nil or TooLarge", err, kerr.KindOf(err))
		}
	}
	if ok != n/2 {
		t.Errorf("%d of %d concurrent AddUsage calls succeeded under a limit of %d; want %d", ok, n, n/2, n/2)
	}
	if b, d := usage(t, s, o.ID); b != n/2 || d != n/2 {
		t.Errorf("usage = %d bytes, %d docs; want %d, %d", b, d, n/2, n/2)
	}
}

func testDocumentTypes(t *testing.T, s archive.Store) {
	ctx := t.Context()
	if got, err := s.ListDocumentTypes(ctx); err != nil || len(got) != 0 {
		t.Fatalf("ListDocumentTypes(empty store) = %v, %v; want none", got, err)
	}
	_, err := s.GetDocumentType(ctx, "KS")
	isKind(t, "GetDocumentType(missing)", err, kerr.NotFound, "")

	ks := archive.DocumentType{
		Code:        "KS",
		Name:        "Giấy khai sinh",
		Description: "Giấy khai sinh do Ủy ban nhân dân cấp xã cấp",
		Fields: []archive.FieldDef{
			{Name: "noiSinh", Label: "Nơi sinh", Type: archive.FieldString, Required: true},
			{Name: "canNang", Label: "Cân nặng (kg)", Type: archive.FieldNumber},
			{Name: "ngayDangKy", Label: "Ngày đăng ký", Type: archive.FieldDate},
			{Name: "banChinh", Label: "Bản chính", Type: archive.FieldBool},
		},
		// The schema (an eForm definition) is kept as given, byte for byte.
		Schema:    json.RawMessage(`{"schema":1,"code":"KS","version":2,"kind":"documentType","title":"Giấy khai sinh","fields":[{"code":"noiSinh","type":"textarea","label":"Nơi sinh","required":true,"maxLength":500},{"code":"canNang","type":"spin","label":"Cân nặng","decimals":2,"unit":"kg"}]}`),
		UpdatedAt: when(1),
	}
	cccd := archive.DocumentType{Code: "CCCD", Name: "Căn cước công dân", UpdatedAt: when(2)}
	bang := archive.DocumentType{Code: "BANG.DH", Name: "Bằng tốt nghiệp đại học", UpdatedAt: when(3)}
	for _, dt := range []archive.DocumentType{ks, cccd, bang} {
		if err := s.PutDocumentType(ctx, dt); err != nil {
			t.Fatalf("PutDocumentType(%s): %v", dt.Code, err)
		}
	}
	got, err := s.GetDocumentType(ctx, "KS")
	if err != nil {
		t.Fatalf("GetDocumentType: %v", err)
	}
	wantKS := ks
	wantKS.UpdatedAt = ms(ks.UpdatedAt)
	same(t, "GetDocumentType(KS)", got, wantKS)

	// Put replaces the whole entry.
	ks2 := archive.DocumentType{Code: "KS", Name: "Giấy khai sinh (bản sao)", UpdatedAt: when(9)}
	if err := s.PutDocumentType(ctx, ks2); err != nil {
		t.Fatalf("PutDocumentType(replace): %v", err)
	}
	got, err = s.GetDocumentType(ctx, "KS")
	if err != nil {
		t.Fatalf("GetDocumentType after replace: %v", err)
	}
	ks2.UpdatedAt = ms(ks2.UpdatedAt)
	same(t, "GetDocumentType after replace", got, ks2)

	all, err := s.ListDocumentTypes(ctx)
	if err != nil {
		t.Fatalf("ListDocumentTypes: %v", err)
	}
	var codes []string
	for _, dt := range all {
		codes = append(codes, dt.Code)
	}
	if len(codes) != 3 || codes[0] != "BANG.DH" || codes[1] != "CCCD" || codes[2] != "KS" {
		t.Errorf("ListDocumentTypes codes = %v, want [BANG.DH CCCD KS]", codes)
	} else {
		same(t, "ListDocumentTypes[2]", all[2], ks2)
	}
}

func testProcedures(t *testing.T, s archive.Store) {
	ctx := t.Context()
	if got, err := s.ListProcedures(ctx); err != nil || len(got) != 0 {
		t.Fatalf("ListProcedures(empty store) = %v, %v; want none", got, err)
	}
	_, err := s.GetProcedure(ctx, "1.001193")
	isKind(t, "GetProcedure(missing)", err, kerr.NotFound, "")

	p1 := archive.Procedure{
		Code: "1.001193",
		Name: "Đăng ký khai sinh",
		Components: []archive.Component{
			{Code: "TK", Name: "Tờ khai đăng ký khai sinh", TypeCodes: []string{"TK.KS"}, Required: true},
			{Code: "CS", Name: "Giấy chứng sinh", TypeCodes: []string{"CS", "CS.BV"}},
		},
		UpdatedAt: when(1),
	}
	p0 := archive.Procedure{Code: "1.000656", Name: "Đăng ký thường trú", UpdatedAt: when(2)}
	for _, p := range []archive.Procedure{p1, p0} {
		if err := s.PutProcedure(ctx, p); err != nil {
			t.Fatalf("PutProcedure(%s): %v", p.Code, err)
		}
	}
	got, err := s.GetProcedure(ctx, p1.Code)
	if err != nil {
		t.Fatalf("GetProcedure: %v", err)
	}
	want := p1
	want.UpdatedAt = ms(p1.UpdatedAt)
	same(t, "GetProcedure", got, want)

	p1b := p1
	p1b.Components = p1.Components[:1]
	p1b.Name = "Đăng ký khai sinh (sửa đổi)"
	p1b.UpdatedAt = when(30)
	if err := s.PutProcedure(ctx, p1b); err != nil {
		t.Fatalf("PutProcedure(replace): %v", err)
	}
	all, err := s.ListProcedures(ctx)
	if err != nil {
		t.Fatalf("ListProcedures: %v", err)
	}
	if len(all) != 2 || all[0].Code != p0.Code || all[1].Code != p1.Code {
		t.Fatalf("ListProcedures = %+v, want [%s %s]", all, p0.Code, p1.Code)
	}
	p1b.UpdatedAt = ms(p1b.UpdatedAt)
	same(t, "ListProcedures[1] after replace", all[1], p1b)
	p0.UpdatedAt = ms(p0.UpdatedAt)
	same(t, "ListProcedures[0]", all[0], p0)
}
