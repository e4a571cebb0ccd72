package workflow_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestSearch: staff search their agency's dossiers by each attribute of
// item 21 and by several at once; names match word by word, without
// diacritics; other agencies' dossiers never come back.
func TestSearch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	now := e.clock.Now().UTC()
	day := func(t time.Time) archive.Date {
		y, m, d := t.In(workflow.Vietnam).Date()
		return archive.Date{Year: y, Month: m, Day: d}
	}
	mk := func(name string, kind archive.OwnerKind, received time.Duration, edit func(*workflow.Dossier)) string {
		d := e.plant(t, workflow.State{Status: workflow.StatusProcessing, Stage: workflow.StageAppraising}, func(d *workflow.Dossier) {
			d.Applicant = workflow.Party{Kind: kind, ID: citizen.Subject, Name: name}
			if kind == archive.Organization {
				d.Applicant.ID = "0312345678"
			}
			d.ReceivedAt = now.Add(received)
			d.DueAt = d.ReceivedAt.Add(72 * time.Hour)
			if edit != nil {
				edit(d)
			}
		})
		return d.Code
	}
	an := mk("Nguyễn Văn Ấn", archive.Individual, -72*time.Hour, nil)
	binh := mk("Trần Thị Bình", archive.Individual, -24*time.Hour, func(d *workflow.Dossier) {
		d.Procedure, d.ProcedureName, d.Field = "DANG_KY_HO_KINH_DOANH", "Đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"
	})
	cong := mk("Công ty TNHH Xây dựng Ánh Dương", archive.Organization, -1*time.Hour, func(d *workflow.Dossier) {
		d.Procedure, d.Field, d.HandlingAgency = "CAP_GP_XAY_DUNG_NHA_O", "Xây dựng", other
		d.Representative = &workflow.Representative{Party: workflow.Party{Kind: archive.Individual, ID: "079088000123", Name: "Nguyễn Thị Ánh"}, Authorization: "GUQ 1"}
	})
	stopped := mk("Nguyễn Văn Ấn", archive.Individual, -2*time.Hour, func(d *workflow.Dossier) { d.Status, d.Stage = workflow.StatusStopped, "" })
	elsewhere := mk("Nguyễn Văn Ấn", archive.Individual, -2*time.Hour, func(d *workflow.Dossier) { d.Agency, d.HandlingAgency = other, other })
	for _, c := range []struct {
		name string
		q    workflow.SearchQuery
		want []string
	}{
		{"citizen name, folded", workflow.SearchQuery{CitizenName: "nguyen van an"}, []string{stopped, an}},
		// "ấ" begins Ấn and Ánh (the representative of the company).
		{"citizen name, word prefixes", workflow.SearchQuery{CitizenName: "NGUY  ấ"}, []string{stopped, cong, an}},
		{"a representative's name", workflow.SearchQuery{CitizenName: "Ánh"}, []string{cong}},
		{"business name", workflow.SearchQuery{BusinessName: "xay dung anh"}, []string{cong}},
		{"business name is not a citizen's", workflow.SearchQuery{CitizenName: "xay dung"}, nil},
		{"field", workflow.SearchQuery{Field: "Xây dựng"}, []string{cong}},
		{"procedure", workflow.SearchQuery{Procedure: "DANG_KY_HO_KINH_DOANH"}, []string{binh}},
		{"unit", workflow.SearchQuery{Unit: other}, []string{cong}},
		{"status", workflow.SearchQuery{Status: workflow.StatusStopped}, []string{stopped}},
		{"received on one day", workflow.SearchQuery{ReceivedFrom: day(now.Add(-72 * time.Hour)), ReceivedTo: day(now.Add(-72 * time.Hour))}, []string{an}},
		{"received since", workflow.SearchQuery{ReceivedFrom: day(now.Add(-24 * time.Hour))}, []string{stopped, cong, binh}},
		{"due by", workflow.SearchQuery{DueBy: day(now)}, []string{an}},
		{"combined", workflow.SearchQuery{CitizenName: "nguyen", Status: workflow.StatusProcessing, ReceivedTo: day(now)}, []string{cong, an}},
		{"combined, narrower", workflow.SearchQuery{CitizenName: "nguyen", Status: workflow.StatusProcessing, Field: "Hộ tịch"}, []string{an}},
	} {
		p, err := e.wf.Search(ctx, desk, c.q)
		wantCode(t, err, "")
		var got []string
		for _, v := range p.Dossiers {
			got = append(got, v.Code)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	_ = elsewhere
	// The other agency finds its own only.
	p, err := e.wf.Search(ctx, outsider, workflow.SearchQuery{CitizenName: "nguyen van an"})
	wantCode(t, err, "")
	if len(p.Dossiers) != 1 || p.Dossiers[0].Code != elsewhere {
		t.Fatalf("the other agency found %+v", p.Dossiers)
	}
	// Paging.
	p, err = e.wf.Search(ctx, desk, workflow.SearchQuery{Status: workflow.StatusProcessing, Limit: 2})
	wantCode(t, err, "")
	p2, err := e.wf.Search(ctx, desk, workflow.SearchQuery{Status: workflow.StatusProcessing, Limit: 2, Cursor: p.Next})
	wantCode(t, err, "")
	if len(p.Dossiers) != 2 || p.Next == "" || len(p2.Dossiers) != 1 || p2.Next != "" || p2.Dossiers[0].Code != an {
		t.Fatalf("pages %d (%q), %d (%q)", len(p.Dossiers), p.Next, len(p2.Dossiers), p2.Next)
	}
	// Bad input.
	for _, c := range []struct {
		who  archive.Actor
		q    workflow.SearchQuery
		code string
	}{
		{desk, workflow.SearchQuery{}, "empty_search"},
		{desk, workflow.SearchQuery{Agency: other, CitizenName: "an"}, "other_agency"},
		{citizen, workflow.SearchQuery{CitizenName: "an"}, "staff_only"},
		{admin, workflow.SearchQuery{CitizenName: "an"}, "agency_required"},
		{desk, workflow.SearchQuery{CitizenName: "a b c d e f g h i j k"}, "too_many_words"},
		{desk, workflow.SearchQuery{CitizenName: "an\u202e"}, "invalid_characters"},
		{desk, workflow.SearchQuery{Status: "lost"}, "invalid_status"},
		{desk, workflow.SearchQuery{Unit: "ward"}, "invalid_agency_code"},
		{desk, workflow.SearchQuery{ReceivedFrom: day(now), ReceivedTo: day(now.Add(-48 * time.Hour))}, "invalid_date_range"},
		{desk, workflow.SearchQuery{Status: workflow.StatusStopped, Cursor: "%%"}, "invalid_cursor"},
		{desk, workflow.SearchQuery{Status: workflow.StatusStopped, Limit: 1001}, "invalid_limit"},
	} {
		_, err := e.wf.Search(ctx, c.who, c.q)
		wantCode(t, err, c.code)
	}
	// An admin names the agency.
	p, err = e.wf.Search(ctx, admin, workflow.SearchQuery{Agency: ward, Status: workflow.StatusStopped})
	wantCode(t, err, "")
	if len(p.Dossiers) != 1 {
		t.Fatalf("admin found %d", len(p.Dossiers))
	}
}

// TestPublicLookup: anyone may look a dossier up by its code and learns
// its procedure, status, dates and agency, and nothing personal.
func TestPublicLookup(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v := e.filledBirth(t)
	_, err := e.wf.PublicLookup(ctx, v.Code)
	wantCode(t, err, "dossier_not_found") // not submitted yet
	for _, st := range []struct {
		who archive.Actor
		in  workflow.ActInput
	}{
		{citizen, workflow.ActInput{Action: workflow.ActionSubmit}},
		{desk, workflow.ActInput{Action: workflow.ActionReceive}},
		{desk, workflow.ActInput{Action: workflow.ActionTransfer}},
		{head, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject}},
		{appraiser, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh của bé Khôi bị mờ",
			Items: []string{"Giấy chứng sinh số 0012345 của Nguyễn Minh Khôi"}}},
	} {
		if _, err := e.wf.Act(ctx, st.who, v.Code, st.in); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.wf.PublicLookup(ctx, v.Code)
	wantCode(t, err, "")
	if p.Code != v.Code || p.ProcedureName != "Đăng ký khai sinh" || p.Label != "Yêu cầu bổ sung giấy tờ" || p.ReceivedAt.IsZero() ||
		p.DueAt.IsZero() || p.AgencyName != "Ủy ban nhân dân phường Bến Nghé" {
		t.Fatalf("public status %+v", p)
	}
	b := jsonOf(t, p)
	for _, secret := range []string{citizen.Subject, "Nguyễn", "Khôi", "0012345", "mờ", appraiser.Subject, "Phạm Văn Định", "TO_KHAI", "documentId"} {
		if strings.Contains(b, secret) {
			t.Errorf("the public status shows %q: %s", secret, b)
		}
	}
	for _, code := range []string{"", "nope", ward + "-261207-9999", "../" + v.Code} {
		_, err := e.wf.PublicLookup(ctx, code)
		wantCode(t, err, "dossier_not_found")
	}
}
